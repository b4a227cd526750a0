/**
 * `threshold:` and `detection_filter:` - limit or delay the alerts of a
 * rule per tracked entity over time (see ../threshold.ts for the
 * semantics), parsed as Suricata does:
 *
 * - `threshold: type limit|threshold|both, track by_src|by_dst|by_both|by_rule|by_flow,
 *   count N, seconds S` - exactly these four settings, in any order;
 *   `type backoff, track by_flow, count N, multiplier M` (Suricata 8;
 *   1 <= N, 2 <= M, both below 65536). `by_flow` is Suricata 8's too.
 * - `detection_filter: track by_src|by_dst|by_flow, count N, seconds S`,
 *   with N and S above 0.
 *
 * Numbers are decimal unsigned 32-bit integers. A rule has at most one of
 * these keywords.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type SignatureBuilder, type ThresholdSpec } from "../signature.ts";

const TYPES = ["limit", "threshold", "both", "backoff"];
const THRESHOLD_TRACKS = ["by_src", "by_dst", "by_both", "by_rule", "by_flow"];
const FILTER_TRACKS = ["by_src", "by_dst", "by_flow"];
const PAIR = /^\s*([a-z]+)\s+(\S+)\s*$/;

/** Parse "name value" pairs; every name once, only from `names`. */
function parsePairs(keyword: string, value: string, names: string[]): Map<string, string> {
  const fields = new Map<string, string>();
  let offset = 0;
  for (const part of value.split(",")) {
    const at = offset + (part.length - part.trimStart().length);
    offset += part.length + 1;
    const m = PAIR.exec(part);
    if (m === null || !names.includes(m[1])) {
      throw new KeywordError(keyword, `expected one of ${names.join(", ")} and a value`, {
        valueOffset: at,
      });
    }
    if (fields.has(m[1])) {
      throw new KeywordError(keyword, `${m[1]} given twice`, { valueOffset: at });
    }
    fields.set(m[1], m[2]);
  }
  return fields;
}

function u32(keyword: string, name: string, text: string | undefined): number {
  if (text === undefined) throw new KeywordError(keyword, `${name} is missing`);
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n <= 0xffffffff)) {
    throw new KeywordError(keyword, `${name} must be an integer from 0 to 4294967295`);
  }
  return n;
}

function checkAlone(builder: SignatureBuilder, keyword: string): void {
  const sig = builder.sig;
  if (sig.threshold !== null || sig.detectionFilter !== null) {
    throw new KeywordError(
      keyword,
      sig.threshold !== null && keyword === "threshold"
        ? "a rule may have only one threshold"
        : sig.detectionFilter !== null && keyword === "detection_filter"
        ? "a rule may have only one detection_filter"
        : "threshold and detection_filter cannot be used in the same rule",
    );
  }
}

/**
 * Parse a `threshold` value.
 *
 * @param value the keyword's value
 * @returns the spec (`seconds` holds the multiplier for backoff)
 */
export function parseThreshold(value: string): ThresholdSpec {
  const k = "threshold";
  const fields = parsePairs(k, value, ["type", "track", "count", "seconds", "multiplier"]);
  const type = fields.get("type");
  const track = fields.get("track");
  if (type === undefined || !TYPES.includes(type)) {
    throw new KeywordError(k, `type must be one of ${TYPES.join(", ")}`);
  }
  if (track === undefined || !THRESHOLD_TRACKS.includes(track)) {
    throw new KeywordError(k, `track must be one of ${THRESHOLD_TRACKS.join(", ")}`);
  }
  const count = u32(k, "count", fields.get("count"));
  if (type !== "backoff") {
    if (fields.has("multiplier")) throw new KeywordError(k, "multiplier is for type backoff");
    if (fields.size !== 4) throw new KeywordError(k, "expected type, track, count and seconds");
    return { type, track, count, seconds: u32(k, "seconds", fields.get("seconds")) };
  }
  if (fields.has("seconds")) throw new KeywordError(k, "type backoff takes no seconds");
  const multiplier = u32(k, "multiplier", fields.get("multiplier"));
  if (count < 1 || count > 65535) {
    throw new KeywordError(k, `count ${count} must be in the range 1-65535`);
  }
  if (multiplier < 2 || multiplier > 65535) {
    throw new KeywordError(k, `multiplier ${multiplier} must be in the range 2-65535`);
  }
  if (track !== "by_flow") throw new KeywordError(k, "type backoff needs track by_flow");
  return { type, track, count, seconds: multiplier };
}

/**
 * Parse a `detection_filter` value.
 *
 * @param value the keyword's value
 * @returns the spec (type "detection_filter")
 */
export function parseDetectionFilter(value: string): ThresholdSpec {
  const k = "detection_filter";
  const fields = parsePairs(k, value, ["track", "count", "seconds"]);
  if (fields.size !== 3) throw new KeywordError(k, "expected track, count and seconds");
  const track = fields.get("track")!;
  if (!FILTER_TRACKS.includes(track)) {
    throw new KeywordError(k, `track must be one of ${FILTER_TRACKS.join(", ")}`);
  }
  const count = u32(k, "count", fields.get("count"));
  const seconds = u32(k, "seconds", fields.get("seconds"));
  if (count === 0 || seconds === 0) throw new KeywordError(k, "count and seconds must be above 0");
  return { type: "detection_filter", track, count, seconds };
}

registerKeyword({
  name: "threshold",
  description: "limit alerts: type limit|threshold|both|backoff, track, count, seconds",
  value: "required",
  setup(builder, value) {
    checkAlone(builder, "threshold");
    builder.sig.threshold = parseThreshold(value ?? "");
  },
});

registerKeyword({
  name: "detection_filter",
  description: "alert only after count matches within seconds: track, count, seconds",
  value: "required",
  setup(builder, value) {
    checkAlone(builder, "detection_filter");
    builder.sig.detectionFilter = parseDetectionFilter(value ?? "");
  },
});
