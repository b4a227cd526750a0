/**
 * Which headers a decoded packet has, as the header keywords ask it
 * (Suricata's `PKT_IS_IPV4`, `PKT_IS_TCP`, ...): a transport header counts
 * only when its decoder accepted it (`l4Offset` set), so fragments and
 * truncated headers match no TCP, UDP or ICMP keyword.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";

/** IP protocol numbers the header keywords test. */
export const Proto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

/**
 * @param p the packet
 * @returns whether it has a decoded TCP header
 */
export function hasTcp(p: Packet): boolean {
  return p.ipProto === Proto.TCP && p.l4Offset >= 0;
}

/**
 * @param p the packet
 * @returns whether it has a decoded ICMPv4 header
 */
export function hasIcmpv4(p: Packet): boolean {
  return p.ipProto === Proto.ICMP && p.ipVersion === 4 && p.l4Offset >= 0;
}

/**
 * @param p the packet
 * @returns whether it has a decoded ICMPv6 header
 */
export function hasIcmpv6(p: Packet): boolean {
  return p.ipProto === Proto.ICMPV6 && p.ipVersion === 6 && p.l4Offset >= 0;
}

/**
 * @param p the packet
 * @returns whether it has a decoded ICMPv4 or ICMPv6 header
 */
export function hasIcmp(p: Packet): boolean {
  return hasIcmpv4(p) || hasIcmpv6(p);
}

/** ICMPv4 types with an identifier and sequence number. */
const ICMPV4_ID_TYPES = new Uint8Array(256);
for (const t of [0, 8, 13, 14, 15, 16, 17, 18]) ICMPV4_ID_TYPES[t] = 1;

/**
 * @param p the packet
 * @returns whether its ICMP header carries an identifier and sequence number
 */
export function hasIcmpIdSeq(p: Packet): boolean {
  if (hasIcmpv4(p)) return ICMPV4_ID_TYPES[p.icmpType] === 1;
  return hasIcmpv6(p) && (p.icmpType === 128 || p.icmpType === 129);
}
