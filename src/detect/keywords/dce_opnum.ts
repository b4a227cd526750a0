/**
 * `dcerpc.opnum:<n>|<n>-<m>[,...]` (alias `dce_opnum`): the request's
 * operation number is one of the listed values or inclusive ranges
 * (Suricata 7's rust/src/dcerpc/detect.rs). Both directions of a call
 * match; a transaction without a request does not.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { DceRpcTx } from "../../app/dcerpc_tx.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition } from "../signature.ts";
import { claimDceRpc } from "./dce_iface.ts";

/** The request's opnum is in one of the ranges. */
export class DceOpnumCondition implements PacketCondition {
  /**
   * @param low first opnum of each range
   * @param high last opnum of each range (inclusive)
   */
  constructor(readonly low: Uint32Array, readonly high: Uint32Array) {}

  match(_p: Packet, ctx: DetectContext): boolean {
    const tx = ctx.tx;
    if (!(tx instanceof DceRpcTx) || !tx.firstRequestSeen) return false;
    const opnum = tx.opnum;
    for (let k = 0; k < this.low.length; k++) {
      if (opnum >= this.low[k] && opnum <= this.high[k]) return true;
    }
    return false;
  }
}

/**
 * Parse a `dcerpc.opnum` value.
 *
 * @param value the keyword's value
 * @returns the condition
 * @throws KeywordError when malformed
 */
export function parseDceOpnum(value: string): DceOpnumCondition {
  const ranges = value.trim().split(",");
  const low = new Uint32Array(ranges.length);
  const high = new Uint32Array(ranges.length);
  const num = (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) {
      throw new KeywordError("dcerpc.opnum", `invalid opnum ${text}`);
    }
    return Number(text);
  };
  ranges.forEach((range, k) => {
    const ends = range.split("-");
    if (ends.length > 2) throw new KeywordError("dcerpc.opnum", `invalid range ${range}`);
    low[k] = num(ends[0]);
    high[k] = ends.length === 2 ? num(ends[1]) : low[k];
    if (high[k] < low[k]) throw new KeywordError("dcerpc.opnum", `invalid range ${range}`);
  });
  return new DceOpnumCondition(low, high);
}

registerKeyword({
  name: "dcerpc.opnum",
  aliases: ["dce_opnum"],
  description: "the DCE/RPC request's operation number",
  value: "required",
  setup(builder, value) {
    const condition = parseDceOpnum(value!);
    claimDceRpc(builder, "dcerpc.opnum");
    builder.sig.conditions.push(condition);
  },
});
