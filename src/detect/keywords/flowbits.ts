/**
 * `flowbits:` - named flags on the flow: `set`, `unset`, `toggle` (after a
 * match), `isset`, `isnotset` (conditions; `a|b` means any of them) and
 * `noalert`. Rules that set flowbits are evaluated before rules that test
 * them, as in Suricata.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { flowbitId } from "../../flow/flowbits.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition, type PostMatchAction } from "../signature.ts";

/** `isset` / `isnotset` over one or more names (any of them for `|`, all for `&`). */
export class FlowbitTest implements PacketCondition {
  /** Bit numbers. */
  readonly bits: Int32Array;
  /** true: isset; false: isnotset. */
  readonly wantSet: boolean;
  /** true: every bit must qualify (`&`); false: any (`|`). */
  readonly all: boolean;

  /**
   * @param bits the flowbit numbers
   * @param wantSet isset (true) or isnotset (false)
   * @param all whether all names must qualify
   */
  constructor(bits: number[], wantSet: boolean, all: boolean) {
    this.bits = Int32Array.from(bits);
    this.wantSet = wantSet;
    this.all = all;
  }

  /**
   * @param _p the packet
   * @param ctx the flow and its flowbits
   * @returns whether the test holds
   */
  match(_p: Packet, ctx: DetectContext): boolean {
    const store = ctx.flowbits;
    const flow = ctx.flowIndex;
    for (let i = 0; i < this.bits.length; i++) {
      const set = store !== null && flow >= 0 && store.isSet(flow, this.bits[i]);
      const ok = set === this.wantSet;
      if (ok && !this.all) return true;
      if (!ok && this.all) return false;
    }
    return this.all;
  }
}

/** `set` / `unset` / `toggle` after a match. */
export class FlowbitChange implements PostMatchAction {
  /** The bit. */
  readonly bit: number;
  /** "set", "unset" or "toggle". */
  readonly op: "set" | "unset" | "toggle";

  /**
   * @param bit the flowbit number
   * @param op what to do
   */
  constructor(bit: number, op: "set" | "unset" | "toggle") {
    this.bit = bit;
    this.op = op;
  }

  /**
   * @param _p the packet
   * @param ctx the flow and its flowbits
   */
  apply(_p: Packet, ctx: DetectContext): void {
    const store = ctx.flowbits;
    if (store === null || ctx.flowIndex < 0) return;
    if (this.op === "set") store.set(ctx.flowIndex, this.bit);
    else if (this.op === "unset") store.unset(ctx.flowIndex, this.bit);
    else store.toggle(ctx.flowIndex, this.bit);
  }
}

const NAME = /^[A-Za-z0-9_.\-]+$/;

registerKeyword({
  name: "flowbits",
  description: "set, clear and test named flags on the flow",
  value: "required",
  setup(builder, value) {
    const text = value ?? "";
    const comma = text.indexOf(",");
    const op = (comma < 0 ? text : text.slice(0, comma)).trim().toLowerCase();
    const rest = comma < 0 ? "" : text.slice(comma + 1).trim();
    const restAt = comma < 0 ? text.length : comma + 1 + text.slice(comma + 1).search(/\S|$/);
    if (op === "noalert") {
      if (rest !== "") throw new KeywordError("flowbits", "noalert takes no name");
      builder.sig.noalert = true;
      return;
    }
    if (rest === "") throw new KeywordError("flowbits", `${op || "flowbits"} needs a name`);
    const all = rest.includes("&");
    const names = rest.split(all ? "&" : "|").map((n) => n.trim());
    if (all && rest.includes("|")) {
      throw new KeywordError("flowbits", "cannot mix | and &", { valueOffset: restAt });
    }
    for (const n of names) {
      if (!NAME.test(n)) {
        throw new KeywordError("flowbits", `invalid name "${n}"`, { valueOffset: restAt });
      }
    }
    switch (op) {
      case "isset":
      case "isnotset":
        builder.sig.conditions.push(
          new FlowbitTest(names.map(flowbitId), op === "isset", all),
        );
        builder.sig.readsFlowbits = true;
        return;
      case "set":
      case "unset":
      case "toggle":
        if (names.length > 1) {
          throw new KeywordError("flowbits", `${op} takes one name`, { valueOffset: restAt });
        }
        builder.sig.postMatch.push(new FlowbitChange(flowbitId(names[0]), op));
        builder.sig.setsFlowbits = true;
        return;
      default:
        throw new KeywordError("flowbits", `unknown operation "${op}"`, { valueOffset: 0 });
    }
  },
});
