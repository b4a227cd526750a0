/**
 * `bsize:N`, `bsize:<N`, `bsize:N<>M`, ...: the size of the sticky buffer
 * (Suricata's detect-bsize.c). Needs a sticky buffer.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import { activeBuffer, addRecord } from "../payload_setup.ts";
import { KeywordError } from "../signature.ts";
import { parseUintValue } from "./_uint_value.ts";

registerKeyword({
  name: "bsize",
  description: "match on the size of the sticky buffer",
  value: "required",
  setup(builder, value) {
    if (builder.currentBuffer < 0) throw new KeywordError("bsize", "needs a sticky buffer");
    const v = parseUintValue(value!, Number.MAX_SAFE_INTEGER, true);
    if (v === null || value!.slice(v.length).trim() !== "") {
      throw new KeywordError("bsize", `invalid value ${value}`);
    }
    const buffer = activeBuffer(builder, "bsize");
    addRecord(builder, buffer, { type: "bsize", seq: 0, mode: v.mode, arg1: v.arg1, arg2: v.arg2 });
  },
});
