/**
 * `flowbits:` - named flags on the flow, as Suricata 7's detect-flowbits.c:
 * `set`, `unset`, `toggle` (applied after the whole rule matched),
 * `isset`, `isnotset` (conditions) and `noalert`. `isset`/`isnotset` take
 * one name or several joined by `|` (any of them set / any of them not
 * set). Names are anything without blanks (`&` is an ordinary character);
 * the command is lower case. A packet without a flow matches no flowbits
 * test, `isnotset` included. Rules that set flowbits are evaluated before
 * rules that test them (engine.ts orders them).
 *
 * Quirk kept from Suricata 7: `set`/`unset`/`toggle` with a `|` list load
 * but change no bit.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { flowbitId } from "../../flow/flowbits.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition, type PostMatchAction } from "../signature.ts";

/** Most names in one `|` list (Suricata's MAX_TOKENS). */
const MAX_NAMES = 100;

/** `isset` / `isnotset` over one or more names (any of them qualifying). */
export class FlowbitTest implements PacketCondition {
  /** Bit numbers. */
  readonly bits: Int32Array;
  /** true: isset; false: isnotset. */
  readonly wantSet: boolean;

  /**
   * @param bits the flowbit numbers
   * @param wantSet isset (true) or isnotset (false)
   */
  constructor(bits: number[], wantSet: boolean) {
    this.bits = Int32Array.from(bits);
    this.wantSet = wantSet;
  }

  /**
   * @param _p the packet
   * @param ctx the flow and its flowbits
   * @returns whether one of the names is set (isset) or not set (isnotset)
   */
  match(_p: Packet, ctx: DetectContext): boolean {
    const store = ctx.flowbits;
    const flow = ctx.flowIndex;
    if (store === null || flow < 0) return false;
    for (let i = 0; i < this.bits.length; i++) {
      if (store.isSet(flow, this.bits[i]) === this.wantSet) return true;
    }
    return false;
  }
}

/** `set` / `unset` / `toggle` after a match. */
export class FlowbitChange implements PostMatchAction {
  /** The bit (-1: none, a `|` list). */
  readonly bit: number;
  /** What to do. */
  readonly op: "set" | "unset" | "toggle";

  /**
   * @param bit the flowbit number (-1 changes nothing)
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
    if (store === null || ctx.flowIndex < 0 || this.bit < 0) return;
    if (this.op === "set") store.set(ctx.flowIndex, this.bit);
    else if (this.op === "unset") store.unset(ctx.flowIndex, this.bit);
    else store.toggle(ctx.flowIndex, this.bit);
  }
}

/** Split a `|` list as Suricata's FlowbitOrAddData. */
function orList(text: string, at: number): string[] {
  const names: string[] = [];
  for (const token of text.split("|")) {
    const name = token.trim();
    if (name === "") continue;
    if (/\s/.test(name)) {
      throw new KeywordError("flowbits", "spaces are not allowed in flowbit names", {
        valueOffset: at,
      });
    }
    if (names.length === MAX_NAMES) {
      throw new KeywordError("flowbits", `more than ${MAX_NAMES} flowbits in a list`, {
        valueOffset: at,
      });
    }
    names.push(name);
  }
  if (names.length === 0) {
    throw new KeywordError("flowbits", "no valid flowbits given", { valueOffset: at });
  }
  return names;
}

registerKeyword({
  name: "flowbits",
  description: "set, clear and test named flags on the flow",
  value: "required",
  setup(builder, value) {
    const text = value ?? "";
    const m = /^([a-z]+)(?:,\s*(.*))?/s.exec(text);
    if (m === null) {
      throw new KeywordError("flowbits", `"${text}" is not a valid setting for flowbits`);
    }
    const op = m[1];
    const name = (m[2] ?? "").replace(/[ \t]+$/, "");
    const nameAt = m[2] === undefined ? text.length : text.length - m[2].length;
    if (op === "noalert") {
      if (name !== "") throw new KeywordError("flowbits", "noalert takes no name");
      builder.sig.noalert = true;
      return;
    }
    if (!["isset", "isnotset", "set", "unset", "toggle"].includes(op)) {
      throw new KeywordError("flowbits", `action "${op}" is not supported`, { valueOffset: 0 });
    }
    if (name === "") throw new KeywordError("flowbits", `${op} needs a name`);
    const list = name.includes("|");
    if (!list && /[ \t]/.test(name)) {
      throw new KeywordError("flowbits", "spaces are not allowed in flowbit names", {
        valueOffset: nameAt,
      });
    }
    const names = list ? orList(name, nameAt) : [name];
    const sig = builder.sig;
    if (op === "isset" || op === "isnotset") {
      sig.conditions.push(new FlowbitTest(names.map(flowbitId), op === "isset"));
      sig.readsFlowbits = true;
      return;
    }
    if (list) names.forEach(flowbitId); // registered, as Suricata, but not changed
    sig.postMatch.push(
      new FlowbitChange(list ? -1 : flowbitId(name), op as "set" | "unset" | "toggle"),
    );
    sig.setsFlowbits = true;
  },
});
