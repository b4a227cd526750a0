/**
 * `tcp.seq` (alias `seq`): the TCP sequence number (`seq:0;`), a plain
 * decimal u32 value.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { parseDecimalValue, U32_MAX } from "./_numeric.ts";
import { hasTcp } from "./_header.ts";

/** Matches TCP packets with a given sequence number. */
export class TcpSeqCondition implements PacketCondition {
  /** @param seq the value */
  constructor(readonly seq: number) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    return hasTcp(p) && p.tcpSeq === this.seq;
  }
}

registerKeyword({
  name: "tcp.seq",
  aliases: ["seq"],
  description: "TCP sequence number",
  value: "required",
  setup(builder, value) {
    const name = builder.option?.name ?? "tcp.seq";
    builder.sig.conditions.push(new TcpSeqCondition(parseDecimalValue(name, value!, U32_MAX)));
  },
});
