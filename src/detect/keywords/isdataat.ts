/**
 * `isdataat:[!]N[,relative]`: there is (or, negated, is not) data at a
 * position, absolute or after the previous match (Suricata's
 * detect-isdataat.c). `isdataat:!1,relative` after a content is Suricata's
 * way of writing `endswith` and is compiled as such.
 *
 * @module
 */

import { ContentFlag } from "../content_inspect.ts";
import { registerKeyword } from "../keyword_registry.ts";
import {
  activeBuffer,
  addRecord,
  isVariableName,
  lastRecord,
  markRelativeNext,
  RELATIVE_ANCHORS,
  RELATIVE_NEXT,
  variableSlot,
} from "../payload_setup.ts";
import { KeywordError } from "../signature.ts";
import { PKT_DATA } from "../buffers.ts";

registerKeyword({
  name: "isdataat",
  description: "check that there is data at a position",
  value: "required",
  setup(builder, value) {
    const raw = value!;
    const m = /^\s*!?([^\s,]+)\s*(,\s*relative)?\s*(,\s*rawbytes\s*)?\s*$/.exec(raw);
    if (m === null) throw new KeywordError("isdataat", `invalid value ${raw}`);
    const negated = raw[0] === "!";
    const relative = m[2] !== undefined;
    const at = m[1];
    let dataat: number;
    let variable = false;
    if (at[0] !== "-" && isVariableName(at)) {
      dataat = variableSlot(builder, "isdataat", at, raw.indexOf(at));
      variable = true;
    } else {
      if (!/^\d+$/.test(at) || Number(at) > 0xffff) {
        throw new KeywordError("isdataat", "isdataat out of range", {
          valueOffset: raw.indexOf(at),
        });
      }
      dataat = Number(at);
    }
    let buffer: number;
    let prev: ReturnType<typeof lastRecord> = null;
    if (builder.currentBuffer >= 0) {
      buffer = activeBuffer(builder, "isdataat");
      if (relative) prev = lastRecord(builder, ["content", "pcre"] as const);
    } else if (relative) {
      prev = lastRecord(builder, RELATIVE_ANCHORS);
      buffer = prev === null ? PKT_DATA : prev.buffer;
    } else {
      buffer = PKT_DATA;
    }
    if (
      prev !== null && prev.record.type === "content" && !variable && dataat === 1 && relative &&
      negated
    ) {
      prev.record.flags |= ContentFlag.ENDS_WITH;
      return;
    }
    addRecord(builder, buffer, { type: "isdataat", seq: 0, dataat, relative, negated, variable });
    if (
      relative && prev !== null && (prev.record.type === "content" || prev.record.type === "pcre")
    ) {
      markRelativeNext(prev.record, RELATIVE_NEXT);
    }
  },
});
