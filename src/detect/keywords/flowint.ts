/**
 * `flowint:` - named unsigned 32-bit counters on the flow, as Suricata 7's
 * detect-flowint.c: `flowint:name, op[, value]` where `op` is
 * - `=`, `+`, `-`: set, add, subtract (applied after the whole rule
 *   matched; `+` on an unset counter sets it; `-` on an unset counter does
 *   nothing; arithmetic wraps at 2^32);
 * - `==`, `!=`, `<`, `<=`, `>`, `>=`: compare (an unset counter matches
 *   nothing);
 * - `isset`, `notset`/`isnotset`: whether the counter has a value.
 *
 * The value is a decimal number up to 4294967295 or the name of another
 * flowint (0 while that one is unset). A packet without a flow matches no
 * flowint condition.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { flowintId } from "../../flow/flowbits.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition, type PostMatchAction } from "../signature.ts";

/** Flowint operations. */
export const FlowintOp = {
  SET: 0,
  ADD: 1,
  SUB: 2,
  EQ: 3,
  NE: 4,
  LT: 5,
  LE: 6,
  GT: 7,
  GE: 8,
  ISSET: 9,
  NOTSET: 10,
} as const;

const OPS: Record<string, number> = {
  "=": FlowintOp.SET,
  "+": FlowintOp.ADD,
  "-": FlowintOp.SUB,
  "==": FlowintOp.EQ,
  "!=": FlowintOp.NE,
  "<": FlowintOp.LT,
  "<=": FlowintOp.LE,
  ">": FlowintOp.GT,
  ">=": FlowintOp.GE,
  isset: FlowintOp.ISSET,
  notset: FlowintOp.NOTSET,
  isnotset: FlowintOp.NOTSET,
};

/** Suricata's PARSE_REGEX for flowint. */
const FORM =
  /^\s*([a-zA-Z][\w./]+)\s*,\s*([+=-]|==|!=|<|<=|>|>=|isset|notset|isnotset)\s*,?\s*([a-zA-Z]\w+|\d{1,10})?\s*$/;

/** One compiled `flowint` (a condition or, for `=`/`+`/`-`, an action). */
export class FlowintStep implements PacketCondition, PostMatchAction {
  /** The counter. */
  readonly id: number;
  /** {@link FlowintOp}. */
  readonly op: number;
  /** The constant operand (when {@link FlowintStep.targetId} is -1). */
  readonly value: number;
  /** The counter used as operand, or -1 for the constant. */
  readonly targetId: number;

  /**
   * @param id the counter
   * @param op the operation
   * @param value the constant operand
   * @param targetId the counter operand, or -1
   */
  constructor(id: number, op: number, value: number, targetId: number) {
    this.id = id;
    this.op = op;
    this.value = value;
    this.targetId = targetId;
  }

  /**
   * @param _p the packet
   * @param ctx the flow and its counters
   * @returns whether the test holds
   */
  match(_p: Packet, ctx: DetectContext): boolean {
    const store = ctx.flowbits;
    const flow = ctx.flowIndex;
    if (store === null || flow < 0) return false;
    const isSet = store.intIsSet(flow, this.id);
    if (this.op === FlowintOp.ISSET) return isSet;
    if (this.op === FlowintOp.NOTSET) return !isSet;
    if (!isSet) return false;
    const v = store.intValue(flow, this.id);
    const t = this.targetId < 0 ? this.value : store.intValue(flow, this.targetId);
    switch (this.op) {
      case FlowintOp.EQ:
        return v === t;
      case FlowintOp.NE:
        return v !== t;
      case FlowintOp.LT:
        return v < t;
      case FlowintOp.LE:
        return v <= t;
      case FlowintOp.GT:
        return v > t;
      case FlowintOp.GE:
        return v >= t;
    }
    return false;
  }

  /**
   * @param _p the packet
   * @param ctx the flow and its counters
   */
  apply(_p: Packet, ctx: DetectContext): void {
    const store = ctx.flowbits;
    const flow = ctx.flowIndex;
    if (store === null || flow < 0) return;
    const t = this.targetId < 0 ? this.value : store.intValue(flow, this.targetId);
    if (this.op === FlowintOp.SET) {
      store.setInt(flow, this.id, t);
    } else if (this.op === FlowintOp.ADD) {
      const base = store.intIsSet(flow, this.id) ? store.intValue(flow, this.id) : 0;
      store.setInt(flow, this.id, base + t);
    } else if (this.op === FlowintOp.SUB && store.intIsSet(flow, this.id)) {
      store.setInt(flow, this.id, store.intValue(flow, this.id) - t);
    }
  }
}

registerKeyword({
  name: "flowint",
  description: "set, change and compare named counters on the flow",
  value: "required",
  setup(builder, value) {
    const m = FORM.exec(value ?? "");
    if (m === null) {
      throw new KeywordError("flowint", `"${value}" is not a valid setting for flowint`);
    }
    const op = OPS[m[2]];
    let target = -1;
    let constant = 0;
    if (op !== FlowintOp.ISSET && op !== FlowintOp.NOTSET) {
      const operand = m[3];
      if (operand === undefined) throw new KeywordError("flowint", `${m[2]} needs a value`);
      if (/^\d/.test(operand)) {
        constant = Number(operand);
        if (constant > 0xffffffff) {
          throw new KeywordError("flowint", "values must be between 0 and 4294967295");
        }
      } else {
        target = flowintId(operand);
      }
    }
    const step = new FlowintStep(flowintId(m[1]), op, constant, target);
    if (op === FlowintOp.SET || op === FlowintOp.ADD || op === FlowintOp.SUB) {
      builder.sig.postMatch.push(step);
    } else {
      builder.sig.conditions.push(step);
    }
  },
});
