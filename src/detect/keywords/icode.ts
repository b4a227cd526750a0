/**
 * `icode`: the ICMPv4 or ICMPv6 code, with Suricata 7's unsigned comparison
 * syntax (`icode:0;`, `icode:>5;`, `icode:1<>4;`).
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { inRange, parseUintComparison, U8_MAX } from "./_numeric.ts";
import { hasIcmp } from "./_header.ts";

/** Matches ICMP packets whose code is in [lo, hi] (outside it when negated). */
export class IcodeCondition implements PacketCondition {
  /**
   * @param lo smallest matching code
   * @param hi largest matching code
   * @param negate match outside the range
   */
  constructor(readonly lo: number, readonly hi: number, readonly negate: boolean) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    return hasIcmp(p) && inRange(p.icmpCode, this.lo, this.hi, this.negate);
  }
}

registerKeyword({
  name: "icode",
  description: "ICMP code",
  value: "required",
  setup(builder, value) {
    const r = parseUintComparison("icode", value!, U8_MAX);
    builder.sig.conditions.push(new IcodeCondition(r.lo, r.hi, r.negate));
  },
});
