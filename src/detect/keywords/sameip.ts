/**
 * `sameip`: the source and destination addresses are equal. IP packets only.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";

/** Matches IP packets whose source address equals the destination. */
export class SameIpCondition implements PacketCondition {
  /**
   * @param p the packet
   * @returns true when both addresses are the same
   */
  match(p: Packet): boolean {
    if (p.ipVersion === 4) return p.src4 === p.dst4;
    if (p.ipVersion !== 6) return false;
    const d = p.data;
    const s = p.frameOffset + p.src6Offset;
    const t = p.frameOffset + p.dst6Offset;
    for (let i = 0; i < 16; i++) if (d[s + i] !== d[t + i]) return false;
    return true;
  }
}

registerKeyword({
  name: "sameip",
  description: "source address equals destination address",
  value: "none",
  setup(builder) {
    builder.sig.conditions.push(new SameIpCondition());
  },
});
