/**
 * `itype`: the ICMPv4 or ICMPv6 type, with Suricata 7's unsigned comparison
 * syntax (`itype:8;`, `itype:>30;`, `itype:10<>20;`).
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { inRange, parseUintComparison, U8_MAX } from "./_numeric.ts";
import { hasIcmp } from "./_header.ts";

/** Matches ICMP packets whose type is in [lo, hi] (outside it when negated). */
export class ItypeCondition implements PacketCondition {
  /**
   * @param lo smallest matching type
   * @param hi largest matching type
   * @param negate match outside the range
   */
  constructor(readonly lo: number, readonly hi: number, readonly negate: boolean) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    return hasIcmp(p) && inRange(p.icmpType, this.lo, this.hi, this.negate);
  }
}

registerKeyword({
  name: "itype",
  description: "ICMP type",
  value: "required",
  setup(builder, value) {
    const r = parseUintComparison("itype", value!, U8_MAX);
    builder.sig.conditions.push(new ItypeCondition(r.lo, r.hi, r.negate));
  },
});
