/**
 * `tcp.mss`: the TCP MSS option's value, with Suricata 7's unsigned
 * comparison syntax (`tcp.mss:<536;`). Packets without an MSS option never
 * match (an MSS option of value 0 counts as absent).
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { inRange, parseUintComparison, U16_MAX } from "./_numeric.ts";
import { hasTcp } from "./_header.ts";

/** Matches TCP packets whose MSS option is in [lo, hi] (outside it when negated). */
export class TcpMssCondition implements PacketCondition {
  /**
   * @param lo smallest matching value
   * @param hi largest matching value
   * @param negate match outside the range
   */
  constructor(readonly lo: number, readonly hi: number, readonly negate: boolean) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    return hasTcp(p) && p.tcpMss !== 0 && inRange(p.tcpMss, this.lo, this.hi, this.negate);
  }
}

registerKeyword({
  name: "tcp.mss",
  description: "TCP MSS option value",
  value: "required",
  setup(builder, value) {
    const r = parseUintComparison("tcp.mss", value!, U16_MAX);
    builder.sig.conditions.push(new TcpMssCondition(r.lo, r.hi, r.negate));
  },
});
