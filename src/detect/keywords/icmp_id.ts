/**
 * `icmp_id`: the identifier of ICMP messages that carry one (ICMPv4 echo, echo reply, timestamp, timestamp
 * reply, information and address mask request/reply; ICMPv6 echo request and
 * reply), as Suricata. `icmp_id:0;`, also quoted: `icmp_id:"0";`.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { parseDecimalValue, U16_MAX } from "./_numeric.ts";
import { hasIcmpIdSeq } from "./_header.ts";

/** Matches ICMP echo-style messages with a given identifier. */
export class IcmpIdCondition implements PacketCondition {
  /** @param id the value */
  constructor(readonly id: number) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    return hasIcmpIdSeq(p) && p.icmpId === this.id;
  }
}

registerKeyword({
  name: "icmp_id",
  description: "ICMP echo identifier",
  value: "required",
  setup(builder, value) {
    const id = parseDecimalValue("icmp_id", value!, U16_MAX, { quotes: true });
    builder.sig.conditions.push(new IcmpIdCondition(id));
  },
});
