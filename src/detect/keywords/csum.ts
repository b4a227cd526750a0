/**
 * Checksum keywords (`ipv4-csum`, `tcpv4-csum`, `tcpv6-csum`, `udpv4-csum`,
 * `udpv6-csum`, `icmpv4-csum`, `icmpv6-csum`), value `valid` or `invalid`
 * (optionally quoted): the header's checksum is (in)correct. Computed on
 * the packet's bytes when the rule is checked, as Suricata's `detect-csum.c`:
 * packets of another protocol match neither value, nor do UDP/IPv4 packets
 * without a checksum (0). An IPv6 UDP checksum of 0 is invalid.
 *
 * Suricata can be told to trust checksums (`checksum-validation: no`, or
 * `auto` after seeing many bad ones, as with offloading); then `valid`
 * always matches. Tarsier's keywords always check (the stream engine
 * honours the setting, see flow/flow_tracker.ts).
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { checksumState, CsumKind } from "../../decode/checksum.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition } from "../signature.ts";

export { checksumState, CsumKind };

/** Matches packets whose checksum of a kind is valid (or invalid). */
export class CsumCondition implements PacketCondition {
  /**
   * @param kind a {@link CsumKind}
   * @param valid match correct checksums (else wrong ones)
   */
  constructor(readonly kind: number, readonly valid: boolean) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    const state = checksumState(p, this.kind);
    return state >= 0 && (state === 1) === this.valid;
  }
}

const KEYWORDS: readonly [string, number, string][] = [
  ["ipv4-csum", CsumKind.IPV4, "IPv4 header checksum"],
  ["tcpv4-csum", CsumKind.TCPV4, "TCP checksum over IPv4"],
  ["tcpv6-csum", CsumKind.TCPV6, "TCP checksum over IPv6"],
  ["udpv4-csum", CsumKind.UDPV4, "UDP checksum over IPv4"],
  ["udpv6-csum", CsumKind.UDPV6, "UDP checksum over IPv6"],
  ["icmpv4-csum", CsumKind.ICMPV4, "ICMPv4 checksum"],
  ["icmpv6-csum", CsumKind.ICMPV6, "ICMPv6 checksum"],
];

for (const [name, kind, what] of KEYWORDS) {
  registerKeyword({
    name,
    description: `${what} valid or invalid`,
    value: "required",
    setup(builder, value) {
      let v = value!;
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      const lower = v.toLowerCase();
      if (lower !== "valid" && lower !== "invalid") {
        throw new KeywordError(name, "valid or invalid expected", { valueOffset: 0 });
      }
      builder.sig.conditions.push(new CsumCondition(kind, lower === "valid"));
    },
  });
}
