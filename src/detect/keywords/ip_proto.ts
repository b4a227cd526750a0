/**
 * `ip_proto`: the IP protocol number, by number or name (`ip_proto:47;`,
 * `ip_proto:GRE;`, `ip_proto:!6;`, `ip_proto:>100;`). Only in rules for
 * `ip`, `ipv4` or `ipv6`, as in Suricata. Several `ip_proto` options narrow
 * the set of protocols (`ip_proto:>5; ip_proto:<20;`); as in Suricata, `N`
 * combines with no other, and `<` and `>` appear at most once each.
 *
 * A rule left with exactly one protocol by `ip_proto:N` gets that protocol
 * in its header (`sig.ipProto`), so the engine groups it with that
 * protocol's rules.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition, type SignatureBuilder } from "../signature.ts";
import { U8_MAX, ValueReader } from "./_numeric.ts";
import { IP_PROTO_NAMES } from "./ip_proto_names.ts";

/** Matches IP packets whose protocol is in a set of 256 flags. */
export class IpProtoCondition implements PacketCondition {
  /** 1 for each accepted protocol number. */
  readonly accepted: Uint8Array = new Uint8Array(256).fill(1);

  /**
   * @param p the packet
   * @returns true when the packet's protocol is accepted
   */
  match(p: Packet): boolean {
    return p.ipVersion !== 0 && this.accepted[p.ipProto] === 1;
  }
}

/** What the ip_proto options of one rule built so far (kept in the builder's scratch). */
interface IpProtoState {
  condition: IpProtoCondition;
  ops: string[];
  lt: number;
  gt: number;
}

const SCRATCH_KEY = "ip_proto";
const IP_RULE_PROTOCOLS = new Set(["ip", "ipv4", "ipv6"]);

/**
 * Parse an `ip_proto` value: an optional `!`, `<` or `>`, then a number
 * (0-255) or a protocol name, optionally in double quotes.
 *
 * @param value the raw value
 * @returns the operator ("" for equality) and the protocol number
 * @throws {KeywordError} when invalid
 */
export function parseIpProto(value: string): { op: string; proto: number } {
  let v = value;
  let shift = 0;
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    v = v.slice(1, -1);
    shift = 1;
  }
  const r = new ValueReader("ip_proto", v);
  const c = v[0];
  const op = c === "!" || c === "<" || c === ">" ? c : "";
  if (op !== "") r.pos++;
  r.skipBlanks();
  const start = r.pos;
  const word = v.slice(start);
  if (word.length === 0 || /\s/.test(word)) {
    throw new KeywordError("ip_proto", "one protocol number or name expected", {
      valueOffset: shift + start,
    });
  }
  if (/^[0-9]/.test(word)) {
    try {
      const n = r.decimal(U8_MAX, "protocol number");
      r.end();
      return { op, proto: n };
    } catch (e) {
      if (e instanceof KeywordError) {
        throw new KeywordError("ip_proto", e.message, { valueOffset: shift + e.valueOffset });
      }
      throw e;
    }
  }
  const proto = IP_PROTO_NAMES.get(word);
  if (proto === undefined) {
    throw new KeywordError("ip_proto", `unknown protocol name "${word}"`, {
      valueOffset: shift + start,
    });
  }
  return { op, proto };
}

function apply(builder: SignatureBuilder, op: string, proto: number): void {
  const sig = builder.sig;
  let state = builder.scratch.get(SCRATCH_KEY) as IpProtoState | undefined;
  if (state === undefined) {
    if (!IP_RULE_PROTOCOLS.has(sig.protocol) || sig.ipProto !== -1) {
      throw new KeywordError(
        "ip_proto",
        `only allowed in rules for ip, ipv4 or ipv6 (this rule is for ${sig.protocol})`,
      );
    }
    state = { condition: new IpProtoCondition(), ops: [], lt: -1, gt: -1 };
    builder.scratch.set(SCRATCH_KEY, state);
    sig.conditions.push(state.condition);
  }
  const has = (o: string) => state.ops.includes(o);
  if (op === "" && state.ops.length > 0) {
    throw new KeywordError("ip_proto", "ip_proto:N cannot be combined with other ip_proto options");
  }
  if (op !== "" && has("")) {
    throw new KeywordError("ip_proto", "ip_proto:N cannot be combined with other ip_proto options");
  }
  if (op === ">" && has(">")) throw new KeywordError("ip_proto", "ip_proto:> given twice");
  if (op === "<" && has("<")) throw new KeywordError("ip_proto", "ip_proto:< given twice");
  if ((op === ">" && state.lt >= 0 && state.lt <= proto) || (op === "<" && state.gt >= proto)) {
    throw new KeywordError("ip_proto", "ip_proto:< must be above ip_proto:>");
  }
  state.ops.push(op);
  if (op === "<") state.lt = proto;
  if (op === ">") state.gt = proto;
  const accepted = state.condition.accepted;
  for (let n = 0; n < 256; n++) {
    const ok = op === ""
      ? n === proto
      : op === "!"
      ? n !== proto
      : op === "<"
      ? n < proto
      : n > proto;
    if (!ok) accepted[n] = 0;
  }
  if (op === "") sig.ipProto = proto;
}

registerKeyword({
  name: "ip_proto",
  description: "IP protocol number or name",
  value: "required",
  setup(builder, value) {
    const { op, proto } = parseIpProto(value!);
    apply(builder, op, proto);
  },
});
