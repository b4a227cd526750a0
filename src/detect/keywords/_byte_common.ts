/**
 * Shared by the byte_* keywords: where a byte_* keyword's step goes (the
 * sticky buffer, else the buffer of the last relative anchor when
 * `relative`, else pkt_data) and the relative-next marking.
 *
 * @module
 */

import { PKT_DATA } from "../buffers.ts";
import {
  activeBuffer,
  addRecord,
  type ByteRecord,
  lastRecord,
  markRelativeNext,
  newVariableSlot,
  type PayloadRecord,
  payloadState,
  RELATIVE_ANCHORS,
  RELATIVE_NEXT,
} from "../payload_setup.ts";
import { KeywordError, type SignatureBuilder } from "../signature.ts";

/**
 * Add a byte_* record where Suricata puts it and mark what it is relative to.
 *
 * @param builder the signature builder
 * @param keyword the keyword
 * @param record the record
 * @param relative whether the keyword is relative
 * @param needsAnchorInSticky byte_math: relative in a sticky buffer needs a content/pcre before
 */
export function addByteRecord(
  builder: SignatureBuilder,
  keyword: string,
  record: PayloadRecord,
  relative: boolean,
  needsAnchorInSticky = false,
): void {
  let buffer: number;
  let prev: ReturnType<typeof lastRecord> = null;
  const st = payloadState(builder);
  if (builder.currentBuffer >= 0 || st.inBase64Data) {
    buffer = activeBuffer(builder, keyword);
    if (relative) {
      prev = lastRecord(builder, ["content", "pcre"] as const);
      if (prev === null && needsAnchorInSticky) {
        throw new KeywordError(keyword, "relative specified without a previous pattern match");
      }
    }
  } else if (relative) {
    prev = lastRecord(builder, RELATIVE_ANCHORS);
    buffer = prev === null ? PKT_DATA : prev.buffer;
  } else {
    buffer = PKT_DATA;
  }
  if (record.type === "byte_extract" || record.type === "byte_math") {
    (record as ByteRecord).step.slot = newVariableSlot(builder, keyword, record.type, buffer);
  }
  addRecord(builder, buffer, record);
  if (
    relative && prev !== null && (prev.record.type === "content" || prev.record.type === "pcre")
  ) {
    markRelativeNext(prev.record, RELATIVE_NEXT);
  }
}

/**
 * C strtoull as Suricata's ByteExtractStringUint64 (base 0, trailing text allowed).
 *
 * @param text the value
 * @returns the value, or null
 */
export function leadingUint(text: string): number | null {
  const m = /^[\t\n\v\f\r ]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (m === null) return null;
  const digits = m[2];
  let v: number;
  if (/^0[xX]/.test(digits)) v = parseInt(digits.slice(2), 16);
  else if (digits.startsWith("0")) v = digits.length > 1 ? parseInt(digits, 8) : 0;
  else v = Number(digits);
  if (v >= 2 ** 64) return null;
  return m[1] === "-" && v !== 0 ? 2 ** 64 - v : v;
}
