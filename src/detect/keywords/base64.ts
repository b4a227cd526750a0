/**
 * `base64_decode[:bytes N][,offset N][,relative]` and `base64_data`: decode
 * base64 from the current buffer and inspect the decoded bytes with the
 * keywords after `base64_data` (Suricata's detect-base64-decode.c and
 * detect-base64-data.c). As in Suricata, a matching base64_data ends the
 * inspection of the buffer that holds base64_decode, and base64_decode
 * without base64_data never matches.
 *
 * @module
 */

import { PKT_DATA, registerBuffer } from "../buffers.ts";
import { registerKeyword } from "../keyword_registry.ts";
import {
  activeBuffer,
  addRecord,
  lastRecord,
  parseCNumber,
  payloadState,
} from "../payload_setup.ts";
import { KeywordError } from "../signature.ts";

/** The nested buffer of decoded bytes (never filled by a stage: inspected by base64_decode). */
export const BASE64_DATA: number = registerBuffer("base64_data", null, true).id;

/** Suricata's BASE64_DECODE_MAX. */
export const BASE64_DECODE_MAX = 65535;

registerKeyword({
  name: "base64_decode",
  description: "decode base64 data for base64_data",
  value: "optional",
  setup(builder, value) {
    let bytes = 0;
    let offset = 0;
    let relative = false;
    if (value !== null) {
      const m = /^\s*(bytes\s+(\d+),?)?\s*(offset\s+(\d+),?)?\s*(\w+)?/.exec(value);
      if (m === null || (m[1] === undefined && m[3] === undefined && m[5] === undefined)) {
        throw new KeywordError("base64_decode", `invalid value ${value}`);
      }
      if (m[2] !== undefined) {
        const v = parseCNumber(m[2], 10);
        if (v === null || v > 0xffff) throw new KeywordError("base64_decode", "bad bytes value");
        bytes = v;
      }
      if (m[4] !== undefined) {
        const v = parseCNumber(m[4], 10);
        if (v === null || v > 0xffffffff) {
          throw new KeywordError("base64_decode", "bad offset value");
        }
        offset = v;
      }
      if (m[5] !== undefined) {
        if (m[5] !== "relative") {
          throw new KeywordError("base64_decode", `invalid argument ${m[5]}`);
        }
        relative = true;
      }
    }
    const st = payloadState(builder);
    let buffer: number;
    if (builder.currentBuffer >= 0 || st.inBase64Data) {
      buffer = activeBuffer(builder, "base64_decode");
    } else {
      const prev = lastRecord(
        builder,
        [
          "content",
          "pcre",
          "byte_test",
          "byte_jump",
          "byte_extract",
          "isdataat",
        ] as const,
      );
      buffer = prev === null ? PKT_DATA : prev.buffer;
    }
    addRecord(builder, buffer, {
      type: "base64_decode",
      seq: 0,
      bytes: bytes === 0 ? BASE64_DECODE_MAX : bytes,
      offset,
      relative,
    });
  },
});

registerKeyword({
  name: "base64_data",
  description: "inspect the bytes decoded by base64_decode",
  value: "none",
  setup(builder) {
    if (lastRecord(builder, ["base64_decode"] as const) === null) {
      throw new KeywordError("base64_data", "seen without a preceding base64_decode");
    }
    const st = payloadState(builder);
    builder.currentBuffer = BASE64_DATA;
    st.inBase64Data = true;
    st.listSet = false;
  },
});
