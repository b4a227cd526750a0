/**
 * `hostbits:` and `xbits:` - named flags on a host (or, for xbits, an
 * address pair) that outlive flows: `set`, `unset`, `toggle` after a match,
 * `isset`, `isnotset` as conditions. hostbits: `op,name[,src|dst]`;
 * xbits: `op,name,track ip_src|ip_dst|ip_pair[,expire N]`.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { type HostBitStore, type HostBitTrack } from "../../flow/host_bits.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import {
  detachedString,
  KeywordError,
  type PacketCondition,
  type PostMatchAction,
  type SignatureBuilder,
} from "../signature.ts";

/** Suricata's default expiry of a host bit, seconds. */
const DEFAULT_EXPIRE = 30;

/** A test of a host bit. */
export class HostBitTest implements PacketCondition {
  /**
   * @param name the bit
   * @param track whose
   * @param wantSet isset (true) or isnotset (false)
   */
  constructor(readonly name: string, readonly track: HostBitTrack, readonly wantSet: boolean) {}

  /**
   * @param p the packet
   * @param ctx detection state with the host-bit store
   * @returns whether the test holds
   */
  match(p: Packet, ctx: DetectContext): boolean {
    if (p.ipVersion === 0) return false;
    const store: HostBitStore | null = ctx.hostbits;
    const set = store !== null && store.isSet(p, this.name, this.track, ctx.now);
    return set === this.wantSet;
  }
}

/** A change of a host bit after a match. */
export class HostBitChange implements PostMatchAction {
  /**
   * @param name the bit
   * @param track whose
   * @param op what to do
   * @param expire lifetime in seconds
   */
  constructor(
    readonly name: string,
    readonly track: HostBitTrack,
    readonly op: "set" | "unset" | "toggle",
    readonly expire: number,
  ) {}

  /**
   * @param p the packet
   * @param ctx detection state with the host-bit store
   */
  apply(p: Packet, ctx: DetectContext): void {
    const store = ctx.hostbits;
    if (store === null || p.ipVersion === 0) return;
    const isSet = store.isSet(p, this.name, this.track, ctx.now);
    if (this.op === "set" || (this.op === "toggle" && !isSet)) {
      store.set(p, this.name, this.track, ctx.now, this.expire);
    } else {
      store.unset(p, this.name, this.track);
    }
  }
}

function setup(keyword: string, builder: SignatureBuilder, value: string): void {
  const parts = value.split(",").map((s) => s.trim());
  const op = parts[0]?.toLowerCase();
  const name = parts[1] === undefined ? "" : detachedString(parts[1]);
  if (!name) throw new KeywordError(keyword, "expected <operation>,<name>[,...]");
  let track: HostBitTrack = "src";
  let expire = DEFAULT_EXPIRE;
  for (const extra of parts.slice(2)) {
    const m = /^(?:track\s+)?(ip_src|ip_dst|ip_pair|src|dst)$|^expire\s+(\d+)$/.exec(extra);
    if (!m) throw new KeywordError(keyword, `unexpected "${extra}"`);
    if (m[2] !== undefined) expire = Number(m[2]);
    else track = m[1] === "ip_pair" ? "pair" : m[1].endsWith("dst") ? "dst" : "src";
  }
  if (keyword === "hostbits" && track === "pair") {
    throw new KeywordError(keyword, "hostbits track src or dst");
  }
  switch (op) {
    case "isset":
    case "isnotset":
      builder.sig.conditions.push(new HostBitTest(name, track, op === "isset"));
      return;
    case "set":
    case "unset":
    case "toggle":
      builder.sig.postMatch.push(new HostBitChange(name, track, op, expire));
      return;
    case "noalert":
      builder.sig.noalert = true;
      return;
    default:
      throw new KeywordError(keyword, `unknown operation "${op}"`);
  }
}

registerKeyword({
  name: "hostbits",
  description: "set and test named flags on a host",
  value: "required",
  setup(builder, value) {
    setup("hostbits", builder, value ?? "");
  },
});

registerKeyword({
  name: "xbits",
  description: "set and test named flags on a host or address pair, with expiry",
  value: "required",
  setup(builder, value) {
    setup("xbits", builder, value ?? "");
  },
});
