/**
 * `tcp.ack` (alias `ack`): the TCP acknowledgement number (`ack:0;`), a
 * plain decimal u32 value.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { parseDecimalValue, U32_MAX } from "./_numeric.ts";
import { hasTcp } from "./_header.ts";

/** Matches TCP packets with a given acknowledgement number. */
export class TcpAckCondition implements PacketCondition {
  /** @param ack the value */
  constructor(readonly ack: number) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    return hasTcp(p) && p.tcpAck === this.ack;
  }
}

registerKeyword({
  name: "tcp.ack",
  aliases: ["ack"],
  description: "TCP acknowledgement number",
  value: "required",
  setup(builder, value) {
    const name = builder.option?.name ?? "tcp.ack";
    builder.sig.conditions.push(new TcpAckCondition(parseDecimalValue(name, value!, U32_MAX)));
  },
});
