/**
 * `dcerpc.iface:<uuid>[,<op><version>][,any_frag]` (alias `dce_iface`): the
 * request's presentation context is an interface the server accepted
 * (Suricata 7's rust/src/dcerpc/detect.rs): among the interfaces the last
 * BIND_ACK accepted, one with the rule's UUID and the request's context id,
 * whose major version compares (`<`, `>`, `=`, `!`, as Suricata's unsigned
 * comparisons) with the rule's. Without `any_frag` only interfaces bound by
 * a BIND that was a first fragment count. Both directions of a call match.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { DcePduType, DceRpcTx } from "../../app/dcerpc_tx.ts";
import { matchUint } from "../content_inspect.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition, type SignatureBuilder } from "../signature.ts";
import { parseUintValue, type UintValue } from "./_uint_value.ts";
import { claimTransaction } from "./_tx_keyword.ts";

const UUID = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i;

/**
 * Make the rule a DCE/RPC transaction rule (an `alert smb` rule stays an SMB
 * rule: Suricata inspects DCE/RPC over SMB with the same keywords).
 *
 * @param builder the signature builder
 * @param keyword the keyword, for errors
 */
export function claimDceRpc(builder: SignatureBuilder, keyword: string): void {
  claimTransaction(builder, keyword, builder.sig.appProto === "smb" ? "smb" : "dcerpc", 3);
}

/** The request's context is an accepted interface with this UUID (and version). */
export class DceIfaceCondition implements PacketCondition {
  /**
   * @param uuid the interface UUID, canonical byte order
   * @param version the version comparison, or null
   * @param anyFrag also interfaces bound by a non-first BIND fragment
   */
  constructor(
    readonly uuid: Uint8Array,
    readonly version: UintValue | null,
    readonly anyFrag: boolean,
  ) {}

  match(_p: Packet, ctx: DetectContext): boolean {
    const tx = ctx.tx;
    if (!(tx instanceof DceRpcTx) || !tx.firstRequestSeen || tx.flow === null) return false;
    const flow = tx.flow;
    if (flow.lastPduType !== DcePduType.REQUEST && flow.lastPduType !== DcePduType.RESPONSE) {
      return false;
    }
    const b = flow.binding;
    let ret = false;
    for (let k = 0; k < b.acceptedCount; k++) {
      const e = b.accepted[k];
      // as Suricata's match_backuuid: an entry skipped for its BIND fragment leaves the answer true
      ret = true;
      if (!this.anyFrag && !e.firstFrag) continue;
      if (e.result !== 0) continue;
      for (let i = 0; i < 16; i++) {
        if (this.uuid[i] !== e.uuid[i]) {
          ret = false;
          break;
        }
      }
      if (ret && e.ctxid !== tx.ctxid) ret = false;
      if (!ret) continue;
      const v = this.version;
      if (v !== null && !matchUint(v.mode, v.arg1, v.arg2, e.version)) ret = false;
      if (ret) return true;
    }
    return ret;
  }
}

/**
 * Parse a `dcerpc.iface` value.
 *
 * @param value the keyword's value
 * @returns the condition
 * @throws KeywordError when malformed
 */
export function parseDceIface(value: string): DceIfaceCondition {
  const parts = value.split(",").map((s) => s.trim());
  const m = UUID.exec(parts[0]);
  if (m === null) throw new KeywordError("dcerpc.iface", `invalid UUID ${parts[0]}`);
  const hex = m.slice(1).join("");
  const uuid = new Uint8Array(16);
  for (let i = 0; i < 16; i++) uuid[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  let version: UintValue | null = null;
  let anyFrag = false;
  const versionOf = (text: string): UintValue => {
    const v = parseUintValue(text, 0xffff, false);
    if (v === null || v.length !== text.length) {
      throw new KeywordError("dcerpc.iface", `invalid version ${text}`);
    }
    return v;
  };
  if (parts.length === 2) {
    if (parts[1] === "any_frag") anyFrag = true;
    else version = versionOf(parts[1]);
  } else if (parts.length === 3) {
    version = versionOf(parts[1]);
    if (parts[2] !== "any_frag") {
      throw new KeywordError("dcerpc.iface", `expected any_frag, got ${parts[2]}`);
    }
    anyFrag = true;
  } else if (parts.length > 3) {
    throw new KeywordError("dcerpc.iface", `invalid value ${value}`);
  }
  return new DceIfaceCondition(uuid, version, anyFrag);
}

registerKeyword({
  name: "dcerpc.iface",
  aliases: ["dce_iface"],
  description: "the DCE/RPC request's interface (UUID, version)",
  value: "required",
  setup(builder, value) {
    const condition = parseDceIface(value!);
    claimDceRpc(builder, "dcerpc.iface");
    builder.sig.conditions.push(condition);
  },
});
