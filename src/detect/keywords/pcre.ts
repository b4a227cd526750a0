/**
 * `pcre:"/regex/flags"` (and `!"/regex/"`): a PCRE2 pattern, translated into
 * an exactly equivalent JavaScript expression (pcre_translate.ts) or refused.
 * Flags: i m s x E (dollar end only) G (ungreedy) A (anchored) O (match
 * limits: ignored) R (relative) B (rawbytes) and the HTTP buffer letters U I
 * P Q H D M C S Y V W Z (Suricata's detect-pcre.c).
 *
 * @module
 */

import { bufferById, bufferByName, PKT_DATA } from "../buffers.ts";
import { registerKeyword } from "../keyword_registry.ts";
import {
  activeBuffer,
  addRecord,
  markRelativeNext,
  payloadState,
  type PcreRecord,
  previousMatch,
  RELATIVE_NEXT,
  unquote,
} from "../payload_setup.ts";
import {
  charOffsetOfByte,
  type PcreOptions,
  PcreTranslateError,
  splitPcreValue,
} from "../pcre_translate.ts";
import { translatePcreMemo } from "../pcre_memo.ts";
import { KeywordError } from "../signature.ts";
import "./sticky_buffers.ts";

/** Buffer selected by a pcre modifier letter (all imply http). */
export const PCRE_BUFFER_FLAGS: Readonly<Record<string, string>> = {
  U: "http.uri",
  V: "http.user_agent",
  W: "http.host",
  Z: "http.host.raw",
  H: "http.header",
  I: "http.uri.raw",
  D: "http.header.raw",
  M: "http.method",
  C: "http.cookie",
  P: "http.request_body",
  Q: "file.data:response",
  Y: "http.stat_msg",
  S: "http.stat_code",
};

/** Letters that may not follow B (rawbytes). */
const NOT_WITH_B = "UVWZHIMC";

/** Suricata's DetectPcreHasUpperCase, quirks included (the char after \xHH is skipped). */
function hasUpperCase(re: string): boolean {
  let meta = false;
  let metaHex = false;
  let hexCount = 0;
  for (let i = 0; i < re.length; i++) {
    const c = re.charCodeAt(i);
    if (metaHex) {
      if (++hexCount === 2) {
        metaHex = false;
        hexCount = 0;
      }
    } else if (meta) {
      if (re[i] === "x") metaHex = true;
      else meta = false;
    } else if (c === 0x5c) {
      meta = true;
    } else if (c >= 0x41 && c <= 0x5a) {
      return true;
    }
  }
  return false;
}

registerKeyword({
  name: "pcre",
  description: "match a Perl-compatible regular expression",
  value: "required",
  setup(builder, value) {
    const { text, offset, negated } = unquote("pcre", value!, {
      quotes: "optional",
      negation: true,
    });
    const split = splitPcreValue(text);
    if (split === null) {
      throw new KeywordError("pcre", "no /pattern/ found", { valueOffset: offset });
    }
    if (split.captureNames !== null || /\(\?P<(pkt|flow)_[A-Za-z0-9_]+>/.test(split.pattern)) {
      throw new KeywordError("pcre", "capturing into pkt/flow variables is not supported", {
        valueOffset: offset,
        unsupported: true,
      });
    }
    const options: PcreOptions = {};
    let anchored = false;
    let relative = false;
    let rawbytes = false;
    let listName: string | null = null;
    for (let k = 0; k < split.modifiers.length; k++) {
      const f = split.modifiers[k];
      const at = offset + split.modifiersOffset + k;
      switch (f) {
        case "A":
          anchored = true;
          break;
        case "E":
          options.dollarEndOnly = true;
          break;
        case "G":
          options.ungreedy = true;
          break;
        case "i":
          options.caseless = true;
          break;
        case "m":
          options.multiline = true;
          break;
        case "s":
          options.dotall = true;
          break;
        case "x":
          options.extended = true;
          break;
        case "O":
          break;
        case "R":
          relative = true;
          break;
        case "B":
          if (listName !== null) {
            throw new KeywordError("pcre", "modifier B inconsistent with the chosen buffer", {
              valueOffset: at,
            });
          }
          rawbytes = true;
          break;
        default: {
          const name = PCRE_BUFFER_FLAGS[f];
          if (name === undefined) {
            throw new KeywordError("pcre", `unknown regex modifier '${f}'`, { valueOffset: at });
          }
          if (rawbytes && NOT_WITH_B.includes(f)) {
            throw new KeywordError("pcre", `modifier ${f} inconsistent with B`, {
              valueOffset: at,
            });
          }
          if (listName !== null) {
            throw new KeywordError("pcre", "only one pcre modifier may select a buffer", {
              valueOffset: at,
            });
          }
          listName = name;
        }
      }
    }
    if (listName === "http.host" && !options.caseless && hasUpperCase(split.pattern)) {
      throw new KeywordError("pcre", "uppercase in a pattern on the lower-cased http.host buffer", {
        valueOffset: offset + split.patternOffset,
      });
    }
    let source: string;
    try {
      source = translatePcreMemo(split.pattern, options).source;
    } catch (error) {
      if (!(error instanceof PcreTranslateError)) throw error;
      throw new KeywordError("pcre", error.message, {
        valueOffset: offset + split.patternOffset + charOffsetOfByte(split.pattern, error.offset),
        unsupported: error.unsupported,
      });
    }
    const st = payloadState(builder);
    let buffer: number;
    if (builder.currentBuffer >= 0 || st.inBase64Data) {
      const before = builder.currentBuffer;
      const current = activeBuffer(builder, "pcre");
      // Q under file_data: the same list in Suricata (file.data of either side)
      const same = listName === "file.data:response" && bufferById(before).name === "file.data";
      if (listName !== null && bufferByName(listName)!.id !== before && !same) {
        throw new KeywordError(
          "pcre",
          "the modifier buffer differs from the sticky buffer in effect",
        );
      }
      buffer = current;
    } else if (listName !== null) {
      const sig = builder.sig;
      if (sig.appProto !== null && sig.appProto !== "http" && sig.appProto !== "http2") {
        throw new KeywordError(
          "pcre",
          `rule protocol ${sig.appProto} conflicts with an http modifier`,
        );
      }
      if (sig.appProto === null) sig.appProto = "http";
      buffer = bufferByName(listName)!.id;
    } else {
      buffer = PKT_DATA;
    }
    const record: PcreRecord = {
      type: "pcre",
      seq: 0,
      source,
      sticky: anchored,
      relative,
      negated,
      relativeNext: false,
    };
    addRecord(builder, buffer, record);
    if (!relative) return;
    const prev = previousMatch(builder, buffer, record);
    if (prev === null) {
      if (builder.currentBuffer < 0 && !st.inBase64Data) {
        throw new KeywordError("pcre", "/R (relative) needs a preceding match in the same buffer");
      }
      return;
    }
    markRelativeNext(prev, RELATIVE_NEXT);
  },
});
