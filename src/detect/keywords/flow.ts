/**
 * `flow:` - the packet's direction and its flow's state:
 * `to_server`/`from_client`, `to_client`/`from_server`, `established`,
 * `not_established`, `stateless`, `only_stream`/`no_stream`,
 * `only_frag`/`no_frag`. State comes from the flow table (handshake
 * tracking); until stream reassembly exists, `only_stream` rules wait for it
 * and `no_stream` matches every packet.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { Layer } from "../../decode/packet.ts";
import { type DetectContext, FlowDirection } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition } from "../signature.ts";

const DIR_ANY = 0;
const STATE_ANY = 0;
const STATE_ESTABLISHED = 1;
const STATE_NOT_ESTABLISHED = 2;
const FRAG_ANY = 0;
const FRAG_ONLY = 1;
const FRAG_NO = 2;

/** The compiled `flow` keyword. */
export class FlowCondition implements PacketCondition {
  /** Wanted {@link FlowDirection}, 0 for either. */
  readonly direction: number;
  /** 0 any, 1 established, 2 not established. */
  readonly state: number;
  /** 0 any, 1 only fragments (reassembled), 2 no fragments. */
  readonly frag: number;

  /**
   * @param direction wanted direction
   * @param state wanted state
   * @param frag fragment condition
   */
  constructor(direction: number, state: number, frag: number) {
    this.direction = direction;
    this.state = state;
    this.frag = frag;
  }

  /**
   * @param p the packet
   * @param ctx flow state of the packet
   * @returns whether the packet's flow matches
   */
  match(p: Packet, ctx: DetectContext): boolean {
    if (this.direction !== DIR_ANY && ctx.direction !== this.direction) return false;
    if (this.state === STATE_ESTABLISHED && !ctx.established) return false;
    if (this.state === STATE_NOT_ESTABLISHED && ctx.established) return false;
    if (this.frag === FRAG_ONLY) return false; // reassembled packets come with defragmentation
    if (this.frag === FRAG_NO && (p.layers & Layer.FRAGMENT) !== 0) return false;
    return true;
  }
}

registerKeyword({
  name: "flow",
  description: "match on the packet's direction and its flow's state",
  value: "required",
  setup(builder, value) {
    let direction = DIR_ANY;
    let state = STATE_ANY;
    let frag = FRAG_ANY;
    let offset = 0;
    for (const raw of (value ?? "").split(",")) {
      const word = raw.trim().toLowerCase();
      const at = offset + raw.indexOf(raw.trim());
      offset += raw.length + 1;
      let newDirection = DIR_ANY;
      switch (word) {
        case "to_server":
        case "from_client":
          newDirection = FlowDirection.TO_SERVER;
          break;
        case "to_client":
        case "from_server":
          newDirection = FlowDirection.TO_CLIENT;
          break;
        case "established":
          if (state === STATE_NOT_ESTABLISHED) throw conflict(word, at);
          state = STATE_ESTABLISHED;
          continue;
        case "not_established":
          if (state === STATE_ESTABLISHED) throw conflict(word, at);
          state = STATE_NOT_ESTABLISHED;
          continue;
        case "stateless":
        case "no_stream":
          continue;
        case "only_stream":
          if (!builder.sig.waitingFor.includes("stream")) builder.sig.waitingFor.push("stream");
          continue;
        case "only_frag":
          frag = FRAG_ONLY;
          if (!builder.sig.waitingFor.includes("defrag")) builder.sig.waitingFor.push("defrag");
          continue;
        case "no_frag":
          frag = FRAG_NO;
          continue;
        default:
          throw new KeywordError("flow", `unknown option "${word}"`, { valueOffset: at });
      }
      if (direction !== DIR_ANY && direction !== newDirection) throw conflict(word, at);
      direction = newDirection;
    }
    builder.sig.conditions.push(new FlowCondition(direction, state, frag));
  },
});

function conflict(word: string, at: number): KeywordError {
  return new KeywordError("flow", `"${word}" contradicts an earlier option`, { valueOffset: at });
}
