/**
 * `dsize`: the size of the packet's payload (what follows the transport
 * header, or the IP payload when there is none), with Suricata 7's unsigned
 * comparison syntax: `dsize:300;`, `dsize:<10;`, `dsize:>=64;`,
 * `dsize:!0;`, `dsize:100<>200;` (strictly between). At most one per rule.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition, StreamMode } from "../signature.ts";
import { inRange, parseUintComparison, U16_MAX } from "./_numeric.ts";

/** Matches packets whose payload length is in [lo, hi] (outside it when negated). */
export class DsizeCondition implements PacketCondition {
  /**
   * @param lo smallest matching size
   * @param hi largest matching size
   * @param negate match outside the range
   */
  constructor(readonly lo: number, readonly hi: number, readonly negate: boolean) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    return inRange(p.payloadLen, this.lo, this.hi, this.negate);
  }
}

registerKeyword({
  name: "dsize",
  description: "packet payload size",
  value: "required",
  setup(builder, value) {
    if (builder.sig.conditions.some((c) => c instanceof DsizeCondition)) {
      throw new KeywordError("dsize", "only one dsize per rule");
    }
    const r = parseUintComparison("dsize", value!, U16_MAX);
    builder.sig.conditions.push(new DsizeCondition(r.lo, r.hi, r.negate));
    // Suricata: dsize is about the packet, so the payload keywords inspect the packet
    builder.sig.streamMode = StreamMode.PACKET;
  },
});
