/**
 * `icmp_seq`: the sequence number of ICMP messages that carry one (ICMPv4
 * echo, echo reply, timestamp, timestamp reply, information and address
 * mask request/reply; ICMPv6 echo request and reply), as Suricata.
 * `icmp_seq:1;`, also quoted: `icmp_seq:"1";`.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { parseDecimalValue, U16_MAX } from "./_numeric.ts";
import { hasIcmpIdSeq } from "./_header.ts";

/** Matches ICMP echo-style messages with a given sequence number. */
export class IcmpSeqCondition implements PacketCondition {
  /** @param seq the value */
  constructor(readonly seq: number) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    return hasIcmpIdSeq(p) && p.icmpSeq === this.seq;
  }
}

registerKeyword({
  name: "icmp_seq",
  description: "ICMP echo sequence number",
  value: "required",
  setup(builder, value) {
    const seq = parseDecimalValue("icmp_seq", value!, U16_MAX, { quotes: true });
    builder.sig.conditions.push(new IcmpSeqCondition(seq));
  },
});
