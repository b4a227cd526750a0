/**
 * `fast_pattern`, `fast_pattern:only`, `fast_pattern:offset,length`: choose
 * the previous content as the signature's prefilter pattern (Suricata's
 * detect-fast-pattern.c). The finalizer picks one automatically otherwise.
 *
 * @module
 */

import { bufferByName, PKT_DATA } from "../buffers.ts";
import { ContentFlag } from "../content_inspect.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { type ContentRecord, lastContent, recordsOf } from "../payload_setup.ts";
import { KeywordError } from "../signature.ts";

const ANY_POSITION = ContentFlag.DISTANCE | ContentFlag.WITHIN | ContentFlag.OFFSET |
  ContentFlag.DEPTH;

registerKeyword({
  name: "fast_pattern",
  description: "use the previous content as the prefilter pattern",
  value: "optional",
  setup(builder, value) {
    const { record: cd } = lastContent(builder, "fast_pattern");
    const negated = (cd.flags & ContentFlag.NEGATED) !== 0;
    if (negated && (cd.flags & ANY_POSITION) !== 0) {
      throw new KeywordError(
        "fast_pattern",
        "cannot be used with a negated content with relative or position modifiers",
      );
    }
    const text = value === null ? "" : value;
    if (text.trim() === "") {
      if (cd.fastPattern) {
        throw new KeywordError("fast_pattern", "can't use multiple fast_pattern on one content");
      }
      // Suricata checks its built-in lists only (not sticky buffers).
      const base64 = bufferByName("base64_data")?.id ?? -1;
      for (const list of [PKT_DATA, base64]) {
        for (const r of recordsOf(builder, list)) {
          if (r.type === "content" && (r as ContentRecord).fastPattern) {
            throw new KeywordError("fast_pattern", "can be used on only one content in a rule");
          }
        }
      }
      cd.fastPattern = true;
      return;
    }
    if (/^\s*only/.test(text)) {
      if (negated || (cd.flags & ANY_POSITION) !== 0) {
        throw new KeywordError(
          "fast_pattern",
          "only cannot be used with a negated content or with distance, within, offset, depth",
        );
      }
      cd.fastPatternOnly = true;
      cd.fastPattern = true;
      return;
    }
    const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(text);
    if (m === null) throw new KeywordError("fast_pattern", `invalid value ${text}`);
    const offset = Number(m[1]);
    const length = Number(m[2]);
    if (offset > 0xffff || length > 0xffff) {
      throw new KeywordError("fast_pattern", "invalid offset or length");
    }
    if (offset > 65535 - length) {
      throw new KeywordError("fast_pattern", "offset + length exceeds the pattern length limit");
    }
    if (offset + length > cd.bytes.length) {
      throw new KeywordError("fast_pattern", "offset + length exceeds the content length", {
        valueOffset: m.index,
      });
    }
    cd.chopOffset = offset;
    cd.chopLength = length;
    cd.fastPattern = true;
  },
});
