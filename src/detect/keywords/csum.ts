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
 * always matches. Tarsier always checks.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition } from "../signature.ts";
import { hasIcmpv4, hasIcmpv6, hasTcp, Proto } from "./_header.ts";

/** Which checksum a condition checks. */
export const CsumKind = {
  IPV4: 0,
  TCPV4: 1,
  TCPV6: 2,
  UDPV4: 3,
  UDPV6: 4,
  ICMPV4: 5,
  ICMPV6: 6,
} as const;

/** Sum of the big-endian 16-bit words of data[start, start+len) (odd tail padded). */
function wordSum(d: Uint8Array, start: number, len: number): number {
  let sum = 0;
  const end = start + (len & ~1);
  for (let i = start; i < end; i += 2) sum += (d[i] << 8) | d[i + 1];
  if ((len & 1) !== 0) sum += d[end] << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * Whether a packet's checksum of a kind is correct: 1 correct, 0 wrong, -1
 * when the packet has no such header (or its bytes are not all captured).
 *
 * @param p the packet
 * @param kind a {@link CsumKind}
 * @returns 1, 0 or -1
 */
export function checksumState(p: Packet, kind: number): number {
  const d = p.data;
  const base = p.frameOffset;
  if (kind === CsumKind.IPV4) {
    if (p.ipVersion !== 4 || p.l3Offset + p.ipHeaderLen > p.capLen) return -1;
    return fold(wordSum(d, base + p.l3Offset, p.ipHeaderLen)) === 0xffff ? 1 : 0;
  }
  const v4 = kind === CsumKind.TCPV4 || kind === CsumKind.UDPV4 || kind === CsumKind.ICMPV4;
  if (p.ipVersion !== (v4 ? 4 : 6)) return -1;
  let proto: number;
  if (kind === CsumKind.TCPV4 || kind === CsumKind.TCPV6) {
    if (!hasTcp(p)) return -1;
    proto = Proto.TCP;
  } else if (kind === CsumKind.UDPV4 || kind === CsumKind.UDPV6) {
    if (p.ipProto !== Proto.UDP || p.l4Offset < 0) return -1;
    proto = Proto.UDP;
  } else if (kind === CsumKind.ICMPV4) {
    if (!hasIcmpv4(p)) return -1;
    proto = Proto.ICMP;
  } else {
    if (!hasIcmpv6(p)) return -1;
    proto = Proto.ICMPV6;
  }
  const len = p.ipTotalLen - p.ipHeaderLen;
  const l4 = base + p.l4Offset;
  if (len <= 0 || p.l4Offset + len > p.capLen) return -1;
  if (proto === Proto.UDP) {
    const stored = (d[l4 + 6] << 8) | d[l4 + 7];
    if (stored === 0) return v4 ? -1 : 0;
  }
  let sum = wordSum(d, l4, len);
  if (proto !== Proto.ICMP) {
    // Pseudo-header: addresses, protocol, length.
    sum += v4
      ? wordSum(d, base + p.l3Offset + 12, 8)
      : wordSum(d, base + p.src6Offset, 16) + wordSum(d, base + p.dst6Offset, 16);
    sum += proto + (len & 0xffff) + (len >>> 16);
  }
  return fold(sum) === 0xffff ? 1 : 0;
}

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
