/**
 * `flow.age` - the age of the packet's flow in whole seconds (packet time
 * minus the flow's first packet), compared with Suricata's unsigned syntax
 * (`flow.age:>20;`). Packets without a flow never match.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { inRange, parseUintComparison, U32_MAX } from "./_numeric.ts";

/** Matches packets whose flow's age in seconds is in [lo, hi] (outside when negated). */
export class FlowAgeCondition implements PacketCondition {
  /**
   * @param lo smallest matching age
   * @param hi largest matching age
   * @param negate match outside the range instead
   */
  constructor(readonly lo: number, readonly hi: number, readonly negate: boolean) {}

  /**
   * @param _p the packet
   * @param ctx the flow state
   * @returns true when the flow's age matches
   */
  match(_p: Packet, ctx: DetectContext): boolean {
    return ctx.flowIndex >= 0 && inRange(Math.floor(ctx.flowAge), this.lo, this.hi, this.negate);
  }
}

registerKeyword({
  name: "flow.age",
  description: "age of the flow in seconds",
  value: "required",
  setup(builder, value) {
    const r = parseUintComparison("flow.age", value!, U32_MAX);
    builder.sig.conditions.push(new FlowAgeCondition(r.lo, r.hi, r.negate));
  },
});
