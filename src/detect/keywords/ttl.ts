/**
 * `ttl`: the IPv4 time-to-live or IPv6 hop limit, compared with Suricata 7's
 * unsigned syntax (`ttl:10;`, `ttl:<5;`, `ttl:1<>4;`, `ttl:!64;`).
 * Packets without an IP header never match.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { inRange, parseUintComparison, U8_MAX } from "./_numeric.ts";

/** Matches IP packets whose TTL (hop limit) is in [lo, hi] (outside it when negated). */
export class TtlCondition implements PacketCondition {
  /**
   * @param lo smallest matching value
   * @param hi largest matching value
   * @param negate match outside the range instead
   */
  constructor(readonly lo: number, readonly hi: number, readonly negate: boolean) {}

  /**
   * @param p the packet
   * @returns true when the TTL matches
   */
  match(p: Packet): boolean {
    return p.ipVersion !== 0 && inRange(p.ttl, this.lo, this.hi, this.negate);
  }
}

registerKeyword({
  name: "ttl",
  description: "IPv4 time-to-live / IPv6 hop limit",
  value: "required",
  setup(builder, value) {
    const r = parseUintComparison("ttl", value!, U8_MAX);
    builder.sig.conditions.push(new TtlCondition(r.lo, r.hi, r.negate));
  },
});
