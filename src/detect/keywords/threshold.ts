/**
 * `threshold:` and `detection_filter:` - limit or delay alerts of a rule per
 * tracked entity over time (see ../threshold_gate.ts for the semantics).
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type ThresholdSpec } from "../signature.ts";

const TYPES = ["threshold", "limit", "both", "backoff"];
const TRACKS = ["by_src", "by_dst", "by_rule", "by_both", "by_flow"];

function parseSpec(keyword: string, value: string, withType: boolean): ThresholdSpec {
  const fields = new Map<string, string>();
  let offset = 0;
  for (const part of value.split(",")) {
    const trimmed = part.trim();
    const at = offset + part.indexOf(trimmed);
    offset += part.length + 1;
    const m = /^([a-z_]+)\s+(\S+)$/.exec(trimmed);
    if (!m) {
      throw new KeywordError(keyword, `expected "name value", not "${trimmed}"`, {
        valueOffset: at,
      });
    }
    if (fields.has(m[1])) {
      throw new KeywordError(keyword, `${m[1]} given twice`, { valueOffset: at });
    }
    fields.set(m[1], m[2]);
  }
  const type = withType ? fields.get("type") : "detection_filter";
  const track = fields.get("track");
  if (type === undefined || (withType && !TYPES.includes(type))) {
    throw new KeywordError(keyword, `type must be one of ${TYPES.join(", ")}`);
  }
  if (track === undefined || !TRACKS.includes(track)) {
    throw new KeywordError(keyword, `track must be one of ${TRACKS.join(", ")}`);
  }
  const count = Number(fields.get("count"));
  if (!Number.isInteger(count) || count < 0) {
    throw new KeywordError(keyword, "count must be a non-negative integer");
  }
  const windowKey = type === "backoff" ? "multiplier" : "seconds";
  const seconds = Number(fields.get(windowKey));
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new KeywordError(keyword, `${windowKey} must be a non-negative number`);
  }
  if (type === "backoff" && track !== "by_flow") {
    throw new KeywordError(keyword, "backoff needs track by_flow");
  }
  return { type, track, count, seconds };
}

registerKeyword({
  name: "threshold",
  description: "limit alerts: type threshold|limit|both|backoff, track, count, seconds",
  value: "required",
  setup(builder, value) {
    if (builder.sig.threshold !== null) throw new KeywordError("threshold", "given twice");
    builder.sig.threshold = parseSpec("threshold", value ?? "", true);
  },
});

registerKeyword({
  name: "detection_filter",
  description: "alert only after count matches within seconds: track, count, seconds",
  value: "required",
  setup(builder, value) {
    if (builder.sig.detectionFilter !== null) {
      throw new KeywordError("detection_filter", "given twice");
    }
    builder.sig.detectionFilter = parseSpec("detection_filter", value ?? "", false);
  },
});
