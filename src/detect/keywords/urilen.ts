/**
 * `urilen:N`, `urilen:<N`, `urilen:N<>M`[, raw|norm]: the length of the
 * (normalized or raw) HTTP URI (Suricata's detect-urilen.c). It is inspected
 * with http.uri (or http.uri.raw) whatever the current buffer.
 *
 * @module
 */

import { bufferByName } from "../buffers.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { addRecord } from "../payload_setup.ts";
import { KeywordError } from "../signature.ts";
import { parseUintValue } from "./_uint_value.ts";
import "./sticky_buffers.ts";

registerKeyword({
  name: "urilen",
  description: "match on the length of the HTTP URI",
  value: "required",
  setup(builder, value) {
    const text = value!;
    const v = parseUintValue(text, 0xffff, true);
    if (v === null) throw new KeywordError("urilen", `invalid value ${text}`);
    let raw = false;
    const rest = /^ *, *(raw|norm)/.exec(text.slice(v.length));
    if (rest !== null) raw = rest[1] === "raw";
    const sig = builder.sig;
    if (sig.appProto !== null && sig.appProto !== "http" && sig.appProto !== "http2") {
      throw new KeywordError("urilen", `rule protocol ${sig.appProto} conflicts with urilen`);
    }
    if (sig.appProto === null) sig.appProto = "http";
    const buffer = bufferByName(raw ? "http.uri.raw" : "http.uri")!.id;
    addRecord(builder, buffer, {
      type: "urilen",
      seq: 0,
      mode: v.mode,
      arg1: v.arg1,
      arg2: v.arg2,
    });
  },
});
