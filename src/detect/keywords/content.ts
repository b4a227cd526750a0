/**
 * `content:"..."` (and the legacy `uricontent`): a byte pattern in the
 * current buffer. `|41 42|` hex, escapes `\;` `\"` `\\` `\:`, negation
 * `!"..."` (Suricata's DetectContentSetup). Modifiers (nocase, depth,
 * distance, fast_pattern, ...) apply to the last content of the rule.
 *
 * @module
 */

import { contentFitsTransform, transformChain } from "../buffer_transforms.ts";
import { ContentFlag } from "../content_inspect.ts";
import { registerKeyword } from "../keyword_registry.ts";
import {
  activeBuffer,
  addRecord,
  type ContentRecord,
  parseContentBytes,
  unquote,
} from "../payload_setup.ts";
import { KeywordError, type SignatureBuilder } from "../signature.ts";
import { moveContentToBuffer } from "./http_modifiers.ts";

/**
 * Parse a content value and add it to the current buffer.
 *
 * @param builder the signature builder
 * @param keyword "content" or "uricontent"
 * @param value the raw value
 * @returns the record and its buffer
 */
export function addContent(
  builder: SignatureBuilder,
  keyword: string,
  value: string,
): { record: ContentRecord; buffer: number } {
  const { text, offset, negated } = unquote(keyword, value, {
    quotes: "mandatory",
    negation: true,
  });
  const bytes = parseContentBytes(keyword, text, offset);
  const buffer = activeBuffer(builder, keyword);
  if (!negated) {
    const chain = transformChain(buffer);
    for (const t of chain?.transforms ?? []) {
      if (!contentFitsTransform(t.name, bytes)) {
        throw new KeywordError(keyword, `content incompatible with the ${t.name} transform`, {
          valueOffset: offset,
        });
      }
    }
  }
  const record: ContentRecord = {
    type: "content",
    seq: 0,
    bytes,
    flags: negated ? ContentFlag.NEGATED : 0,
    offset: 0,
    depth: 0,
    distance: 0,
    within: 0,
    fastPattern: false,
    fastPatternOnly: false,
    chopOffset: 0,
    chopLength: 0,
    rawbytes: false,
  };
  addRecord(builder, buffer, record);
  return { record, buffer };
}

registerKeyword({
  name: "content",
  description: "match a byte pattern in the current buffer",
  value: "required",
  setup(builder, value) {
    addContent(builder, "content", value!);
  },
});

registerKeyword({
  name: "uricontent",
  description: "legacy: content in http.uri",
  value: "required",
  setup(builder, value) {
    addContent(builder, "uricontent", value!);
    moveContentToBuffer(builder, "uricontent", "http.uri");
  },
});
