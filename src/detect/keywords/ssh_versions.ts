/**
 * SSH transaction keywords: `ssh.protoversion` and `ssh.softwareversion`
 * (Suricata's legacy keywords; `ssh.proto`/`ssh.software` are the buffers).
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import type { SshTx } from "../../app/ssh_parser.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { claimTransaction, quotedValue } from "./_tx_keyword.ts";

const RESPONSE = 2;

/** The protocol version of the packet's side: "2.0", or `2_compat` (2.0 or 1.99). */
class SshProtoCondition implements PacketCondition {
  constructor(readonly version: string) {}
  match(_p: Packet, ctx: DetectContext): boolean {
    const tx = ctx.tx as SshTx | null;
    if (tx === null) return false;
    const v = ctx.txSide === RESPONSE ? tx.serverProto : tx.clientProto;
    if (v.length === 0) return false;
    if (this.version === "2_compat") return v === "2.0" || v === "1.99";
    return v === this.version;
  }
}

/** The software version of the packet's side starts with a text. */
class SshSoftwareCondition implements PacketCondition {
  constructor(readonly software: string) {}
  match(_p: Packet, ctx: DetectContext): boolean {
    const tx = ctx.tx as SshTx | null;
    if (tx === null) return false;
    const v = ctx.txSide === RESPONSE ? tx.serverSoftware : tx.clientSoftware;
    return v.length > 0 && v.startsWith(this.software);
  }
}

registerKeyword({
  name: "ssh.protoversion",
  aliases: ["ssh_protoversion"],
  description: "the SSH protocol version of the packet's side",
  value: "required",
  setup(builder, value) {
    const { text } = quotedValue("ssh.protoversion", value!);
    claimTransaction(builder, "ssh.protoversion", "ssh", 3);
    builder.sig.conditions.push(new SshProtoCondition(text));
  },
});

registerKeyword({
  name: "ssh.softwareversion",
  aliases: ["ssh_softwareversion"],
  description: "the SSH software version of the packet's side starts with a text",
  value: "required",
  setup(builder, value) {
    const { text } = quotedValue("ssh.softwareversion", value!);
    claimTransaction(builder, "ssh.softwareversion", "ssh", 3);
    builder.sig.conditions.push(new SshSoftwareCondition(text));
  },
});
