/**
 * `stream_size:<server|client|both|either>,<op>,<N>` - compares the bytes a
 * TCP session carried so far, as Suricata 7's detect-stream_size.c: a
 * direction's size is its next sequence number minus its initial one
 * (data bytes + 1 for the SYN), known only once the flow has a TCP session.
 * Operators: `<`, `<=`, `>`, `>=`, `=`, `!=`.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition, StreamMode } from "../signature.ts";

const FORM = /^\s*(server|client|both|either)\s*,\s*(<=|>=|<|>|=|!=)\s*,\s*(\d+)\s*$/;

/** Which stream sizes a `stream_size` compares. */
const Side = { SERVER: 0, CLIENT: 1, BOTH: 2, EITHER: 3 } as const;

/** A comparison of the session's stream sizes. */
export class StreamSizeCondition implements PacketCondition {
  /**
   * @param side {@link Side}
   * @param op the operator
   * @param value the number compared with
   */
  constructor(readonly side: number, readonly op: string, readonly value: number) {}

  /**
   * @param _p the packet
   * @param ctx the stream sizes of the packet's session (-1 without one)
   * @returns whether the comparison holds
   */
  match(_p: Packet, ctx: DetectContext): boolean {
    const server = ctx.serverStreamSize;
    const client = ctx.clientStreamSize;
    if (server < 0 || client < 0) return false;
    switch (this.side) {
      case Side.SERVER:
        return this.#holds(server);
      case Side.CLIENT:
        return this.#holds(client);
      case Side.BOTH:
        return this.#holds(server) && this.#holds(client);
      default:
        return this.#holds(server) || this.#holds(client);
    }
  }

  #holds(size: number): boolean {
    const v = this.value;
    switch (this.op) {
      case "<":
        return size < v;
      case "<=":
        return size <= v;
      case ">":
        return size > v;
      case ">=":
        return size >= v;
      case "=":
        return size === v;
      default:
        return size !== v;
    }
  }
}

registerKeyword({
  name: "stream_size",
  description: "compare the bytes the TCP session carried so far",
  value: "required",
  setup(builder, value) {
    const m = FORM.exec(value ?? "");
    if (!m) {
      throw new KeywordError("stream_size", "expected <server|client|both|either>,<op>,<number>");
    }
    const n = Number(m[3]);
    if (n > 0xffffffff) throw new KeywordError("stream_size", `${m[3]} is larger than 2^32-1`);
    const side = m[1] === "server"
      ? Side.SERVER
      : m[1] === "client"
      ? Side.CLIENT
      : m[1] === "both"
      ? Side.BOTH
      : Side.EITHER;
    builder.sig.conditions.push(new StreamSizeCondition(side, m[2], n));
    // Suricata's SigValidate: stream_size makes a tcp rule inspect packets too
    if (builder.sig.streamMode === StreamMode.BOTH) builder.sig.streamMode = StreamMode.EITHER;
  },
});
