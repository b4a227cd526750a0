/**
 * `flow:` - the packet's direction and its flow's state, as Suricata 7's
 * detect-flow.c: up to three of `to_server`/`from_client`,
 * `to_client`/`from_server`, `established`, `not_established`, `stateless`,
 * `only_stream`, `no_stream`, `only_frag`, `no_frag` (any case), each at
 * most once, without contradictions, one `flow` per rule.
 *
 * Matching follows Suricata's FlowMatch: every option given must hold.
 * - A direction alone (`flow:to_server`) is not a match condition in
 *   Suricata but a choice of rule group: packets without a flow are
 *   inspected as to_server, so `flow:to_server` matches them and
 *   `flow:to_client` does not. With other options the packet's flow
 *   direction must be the one asked, and as in Suricata (the signature's
 *   "requires a flow" mask) a packet without a flow matches none - unless
 *   `no_stream` is among the options (Suricata does not set the mask then).
 * - `established` / `not_established` use the flow table's packet flag
 *   (see flow_table.ts); `stateless` holds for any packet with a flow.
 * - `only_stream` and `no_stream` are not conditions but choose where the
 *   rule's payload keywords look (Suricata's SIG_FLAG_REQUIRE_STREAM_ONLY
 *   and SIG_FLAG_REQUIRE_PACKET): the reassembled stream only, or the packet
 *   only (see {@link StreamMode}). `no_frag` holds for every packet that is not a reassembled
 *   fragment; `only_frag` rules wait for defragmentation to hand reassembled
 *   packets to detection.
 * - non-IP packets never match (Suricata does not inspect them).
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { type DetectContext, FlowDirection } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition, StreamMode } from "../signature.ts";

/** Option bits of a `flow` keyword. */
export const FlowOption = {
  TO_SERVER: 1,
  TO_CLIENT: 2,
  ESTABLISHED: 4,
  NOT_ESTABLISHED: 8,
  STATELESS: 16,
  ONLY_STREAM: 32,
  NO_STREAM: 64,
  ONLY_FRAG: 128,
  NO_FRAG: 256,
} as const;

const WORDS: Record<string, number> = {
  to_server: FlowOption.TO_SERVER,
  from_client: FlowOption.TO_SERVER,
  to_client: FlowOption.TO_CLIENT,
  from_server: FlowOption.TO_CLIENT,
  established: FlowOption.ESTABLISHED,
  not_established: FlowOption.NOT_ESTABLISHED,
  stateless: FlowOption.STATELESS,
  only_stream: FlowOption.ONLY_STREAM,
  no_stream: FlowOption.NO_STREAM,
  only_frag: FlowOption.ONLY_FRAG,
  no_frag: FlowOption.NO_FRAG,
};

/** Options that cannot be combined with each one (Suricata's checks). */
const CONFLICTS: Record<number, number> = {
  [FlowOption.TO_SERVER]: FlowOption.TO_CLIENT,
  [FlowOption.TO_CLIENT]: FlowOption.TO_SERVER,
  [FlowOption.ESTABLISHED]: FlowOption.NOT_ESTABLISHED | FlowOption.STATELESS,
  [FlowOption.NOT_ESTABLISHED]: FlowOption.ESTABLISHED,
  [FlowOption.STATELESS]: FlowOption.ESTABLISHED,
  [FlowOption.ONLY_STREAM]: FlowOption.NO_STREAM,
  [FlowOption.NO_STREAM]: FlowOption.ONLY_STREAM,
  [FlowOption.ONLY_FRAG]: FlowOption.NO_FRAG,
  [FlowOption.NO_FRAG]: FlowOption.ONLY_FRAG,
};

/** The compiled `flow` keyword. */
export class FlowCondition implements PacketCondition {
  /** {@link FlowOption} bits. */
  readonly options: number;

  /** @param options the {@link FlowOption} bits given */
  constructor(options: number) {
    this.options = options;
  }

  /**
   * @param p the packet
   * @param ctx flow state of the packet
   * @returns whether every option holds
   */
  match(p: Packet, ctx: DetectContext): boolean {
    if (p.ipVersion === 0) return false;
    const o = this.options;
    if (o === FlowOption.TO_SERVER) return ctx.direction !== FlowDirection.TO_CLIENT;
    if (o === FlowOption.TO_CLIENT) return ctx.direction === FlowDirection.TO_CLIENT;
    // Suricata's "requires a flow" mask, which no_stream happens to leave off
    if (ctx.flowIndex < 0 && (o & FlowOption.NO_STREAM) === 0) return false;
    if ((o & FlowOption.TO_SERVER) !== 0 && ctx.direction !== FlowDirection.TO_SERVER) return false;
    if ((o & FlowOption.TO_CLIENT) !== 0 && ctx.direction !== FlowDirection.TO_CLIENT) return false;
    if ((o & FlowOption.ESTABLISHED) !== 0 && !ctx.established) return false;
    if ((o & FlowOption.NOT_ESTABLISHED) !== 0 && ctx.established) return false;
    if ((o & FlowOption.ONLY_FRAG) !== 0) return false;
    return true;
  }
}

registerKeyword({
  name: "flow",
  description: "match on the packet's direction and its flow's state",
  value: "required",
  setup(builder, value) {
    if (builder.scratch.has("flow")) {
      throw new KeywordError("flow", "a rule may have only one flow option");
    }
    builder.scratch.set("flow", true);
    const text = value ?? "";
    const parts = text.split(",");
    if (parts.length > 3) {
      throw new KeywordError("flow", "at most three options", { valueOffset: 0 });
    }
    let options = 0;
    let offset = 0;
    for (const raw of parts) {
      const word = raw.trim();
      const at = offset + raw.indexOf(word);
      offset += raw.length + 1;
      const bit = WORDS[word.toLowerCase()];
      if (bit === undefined) {
        throw new KeywordError("flow", `invalid flow option "${word}"`, { valueOffset: at });
      }
      if ((options & bit) !== 0) {
        throw new KeywordError("flow", `"${word}" given twice`, { valueOffset: at });
      }
      if ((options & CONFLICTS[bit]) !== 0) {
        throw new KeywordError("flow", `"${word}" contradicts an earlier option`, {
          valueOffset: at,
        });
      }
      options |= bit;
    }
    const sig = builder.sig;
    // Suricata's SIG_FLAG_REQUIRE_STREAM(_ONLY) / SIG_FLAG_REQUIRE_PACKET
    if ((options & FlowOption.ONLY_STREAM) !== 0) sig.streamMode = StreamMode.STREAM;
    if ((options & FlowOption.NO_STREAM) !== 0) sig.streamMode = StreamMode.PACKET;
    if ((options & FlowOption.ONLY_FRAG) !== 0 && !sig.waitingFor.includes("defrag")) {
      sig.waitingFor.push("defrag");
    }
    sig.conditions.push(new FlowCondition(options));
  },
});
