/**
 * `dns.opcode:[!]N`: the opcode of a DNS message (Suricata's
 * detect-dns-opcode; both directions).
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import type { DnsTx } from "../../app/dns_tx.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition } from "../signature.ts";
import { claimTransaction } from "./_tx_keyword.ts";

/** The message's opcode equals (or, negated, differs from) a value. */
class DnsOpcodeCondition implements PacketCondition {
  constructor(readonly opcode: number, readonly negate: boolean) {}
  match(_p: Packet, ctx: DetectContext): boolean {
    const tx = ctx.tx as DnsTx | null;
    if (tx === null) return false;
    return (tx.opcode === this.opcode) !== this.negate;
  }
}

registerKeyword({
  name: "dns.opcode",
  description: "the DNS message's opcode",
  value: "required",
  setup(builder, value) {
    let text = value!.trim();
    const negate = text.startsWith("!");
    if (negate) text = text.slice(1).trim();
    if (!/^\d{1,2}$/.test(text) || Number(text) > 15) {
      throw new KeywordError("dns.opcode", `invalid opcode ${value}`);
    }
    claimTransaction(builder, "dns.opcode", "dns", 3);
    builder.sig.conditions.push(new DnsOpcodeCondition(Number(text), negate));
  },
});
