/**
 * `fragoffset`: the fragment offset field (`fragoffset:0;`, `fragoffset:>0;`,
 * `fragoffset:<100;`, and `!N` as the documentation allows). As in
 * Suricata, IPv4 compares the header field (8-byte units) and IPv6 the
 * fragment header's offset in bytes; IPv6 packets without a fragment header
 * never match.
 *
 * @module
 */

import { Ip6Ext, type Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { inRange, U16_MAX, ValueReader } from "./_numeric.ts";

/** Matches fragments whose offset is in [lo, hi] (outside it when negated). */
export class FragOffsetCondition implements PacketCondition {
  /**
   * @param lo smallest matching offset
   * @param hi largest matching offset
   * @param negate match outside the range
   */
  constructor(readonly lo: number, readonly hi: number, readonly negate: boolean) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    if (p.ipVersion === 4) return inRange(p.fragOffset >>> 3, this.lo, this.hi, this.negate);
    if (p.ipVersion === 6 && (p.ip6Exthdrs & Ip6Ext.FRAGMENT) !== 0) {
      return inRange(p.fragOffset, this.lo, this.hi, this.negate);
    }
    return false;
  }
}

/**
 * Parse a `fragoffset` value: `[<|>|!]N`, N in 0-65535.
 *
 * @param value the raw value
 * @returns the condition
 * @throws {import("../signature.ts").KeywordError} when invalid
 */
export function parseFragOffset(value: string): FragOffsetCondition {
  const r = new ValueReader("fragoffset", value);
  r.skipBlanks();
  const c = value[r.pos];
  const mode = c === "<" || c === ">" || c === "!" ? c : "";
  if (mode !== "") r.pos++;
  r.skipBlanks();
  const n = r.decimal(U16_MAX, "offset");
  r.end();
  switch (mode) {
    case "<": // "<0" loads and never matches, as in Suricata
      return new FragOffsetCondition(0, n - 1, false);
    case ">":
      return new FragOffsetCondition(n + 1, U16_MAX, false);
    case "!":
      return new FragOffsetCondition(n, n, true);
    default:
      return new FragOffsetCondition(n, n, false);
  }
}

registerKeyword({
  name: "fragoffset",
  description: "IP fragment offset",
  value: "required",
  setup(builder, value) {
    builder.sig.conditions.push(parseFragOffset(value!));
  },
});
