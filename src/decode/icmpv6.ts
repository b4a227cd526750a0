/**
 * ICMPv6: type and code checked as Suricata's `DecodeICMPV6`, echo id and
 * sequence, MLD hop limit, and for error messages (types 1-4) the quoted
 * IPv6 header and the ports of its TCP/UDP header, kept in the `icmpEmb*`
 * fields.
 *
 * @module
 */

import { u16, u8 } from "./_read.ts";
import { Ev } from "./events.ts";
import { IpProto } from "./ipv4.ts";
import { IPV6_HEADER_LEN } from "./ipv6.ts";
import { Layer, type Packet } from "./packet.ts";

/** ICMPv6 header length (type, code, checksum, 4 bytes of message body). */
export const ICMPV6_HEADER_LEN = 8;

/** ICMPv6 types with their own checks. */
export const Icmp6Type = {
  DST_UNREACH: 1,
  PACKET_TOO_BIG: 2,
  TIME_EXCEEDED: 3,
  PARAM_PROB: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
  MLD_LISTENER_QUERY: 130,
  MLD_LISTENER_REPORT: 131,
  MLD_LISTENER_REDUCTION: 132,
  ROUTER_RENUMBERING: 138,
  NI_QUERY: 139,
  NI_REPLY: 140,
  MOBILE_EXPERIMENTAL: 150,
  MC_ROUTER_ADVERT: 151,
  MC_ROUTER_SOLICIT: 152,
  MC_ROUTER_TERMINATE: 153,
  RPL_CONTROL: 155,
  MPL_CONTROL: 159,
} as const;

/**
 * Decode the IPv6 header quoted by an ICMPv6 error, and the ports of its
 * TCP/UDP header when present. Sets the layer bits of the quoted transport
 * protocol, as Wireshark counts it. Raises `icmpv6.ipv6_trunc_pkt` and
 * `icmpv6.ipv6_unknown_version`.
 *
 * @param p the packet being decoded
 * @param off offset of the quoted IPv6 header
 * @param len bytes available from `off`
 */
export function decodeIcmpv6Embedded(p: Packet, off: number, len: number): void {
  if (len < IPV6_HEADER_LEN) {
    p.setEvent(Ev.ICMPV6_IPV6_TRUNC_PKT);
    return;
  }
  if (u8(p, off) >>> 4 !== 6) {
    p.setEvent(Ev.ICMPV6_IPV6_UNKNOWN_VERSION);
    return;
  }
  const nh = u8(p, off + 6);
  p.icmpEmbL3Offset = off;
  p.icmpEmbIpProto = nh;
  if (len < IPV6_HEADER_LEN + 4) return;
  const l4 = off + IPV6_HEADER_LEN;
  if (nh === IpProto.TCP || nh === IpProto.UDP) {
    p.layers |= nh === IpProto.TCP ? Layer.TCP : Layer.UDP;
    p.icmpEmbL4Offset = l4;
    p.icmpEmbSrcPort = u16(p, l4);
    p.icmpEmbDstPort = u16(p, l4 + 2);
  } else if (nh === IpProto.ICMPV6) {
    p.icmpEmbL4Offset = l4;
  }
}

/** Whether a type takes only code 0 (informational types Suricata checks so). */
function codeZeroOnly(type: number): boolean {
  return (type >= 133 && type <= 137) || (type >= 141 && type <= 149) || type === 154 ||
    (type >= 156 && type <= 159);
}

/**
 * Decode an ICMPv6 header; the payload is what follows the 8-byte header.
 * Raises `icmpv6.pkt_too_small`, `icmpv6.unknown_type`,
 * `icmpv6.unknown_code`, `icmpv6.unassigned_type`,
 * `icmpv6.experimentation_type`, `icmpv6.mld_message_with_invalid_hl`.
 *
 * @param p the packet being decoded
 * @param off offset of the ICMPv6 header
 * @param len bytes of the IP payload available from `off`
 */
export function decodeIcmpv6(p: Packet, off: number, len: number): void {
  p.layers |= Layer.ICMPV6;
  if (len < ICMPV6_HEADER_LEN) {
    p.setEvent(Ev.ICMPV6_PKT_TOO_SMALL);
    return;
  }
  const type = u8(p, off);
  const code = u8(p, off + 1);
  p.l4Offset = off;
  p.l4HeaderLen = ICMPV6_HEADER_LEN;
  p.icmpType = type;
  p.icmpCode = code;
  p.payloadOffset = off + ICMPV6_HEADER_LEN;
  p.payloadLen = len - ICMPV6_HEADER_LEN;
  const inner = off + ICMPV6_HEADER_LEN;
  const innerLen = len - ICMPV6_HEADER_LEN;
  switch (type) {
    case Icmp6Type.DST_UNREACH:
      if (code > 6) p.setEvent(Ev.ICMPV6_UNKNOWN_CODE);
      else decodeIcmpv6Embedded(p, inner, innerLen);
      return;
    case Icmp6Type.PACKET_TOO_BIG:
      if (code !== 0) p.setEvent(Ev.ICMPV6_UNKNOWN_CODE);
      else decodeIcmpv6Embedded(p, inner, innerLen);
      return;
    case Icmp6Type.TIME_EXCEEDED:
      if (code > 1) p.setEvent(Ev.ICMPV6_UNKNOWN_CODE);
      else decodeIcmpv6Embedded(p, inner, innerLen);
      return;
    case Icmp6Type.PARAM_PROB:
      if (code > 2) p.setEvent(Ev.ICMPV6_UNKNOWN_CODE);
      else decodeIcmpv6Embedded(p, inner, innerLen);
      return;
    case Icmp6Type.ECHO_REQUEST:
    case Icmp6Type.ECHO_REPLY:
      if (code !== 0) p.setEvent(Ev.ICMPV6_UNKNOWN_CODE);
      else {
        p.icmpId = u16(p, off + 4);
        p.icmpSeq = u16(p, off + 6);
      }
      return;
    case Icmp6Type.MLD_LISTENER_QUERY:
    case Icmp6Type.MLD_LISTENER_REPORT:
    case Icmp6Type.MLD_LISTENER_REDUCTION:
      if (code !== 0) p.setEvent(Ev.ICMPV6_UNKNOWN_CODE);
      if (p.ttl !== 1) p.setEvent(Ev.ICMPV6_MLD_MESSAGE_WITH_INVALID_HL);
      return;
    case Icmp6Type.ROUTER_RENUMBERING:
      if (code > 2 && code !== 255) p.setEvent(Ev.ICMPV6_UNKNOWN_CODE);
      return;
    case Icmp6Type.NI_QUERY:
    case Icmp6Type.NI_REPLY:
      if (code > 2) p.setEvent(Ev.ICMPV6_UNKNOWN_CODE);
      return;
    case Icmp6Type.MOBILE_EXPERIMENTAL:
    case Icmp6Type.MC_ROUTER_ADVERT:
    case Icmp6Type.MC_ROUTER_SOLICIT:
    case Icmp6Type.MC_ROUTER_TERMINATE:
      return;
    case Icmp6Type.RPL_CONTROL:
      if ((code > 3 && code < 128) || code > 132) p.setEvent(Ev.ICMPV6_UNKNOWN_CODE);
      return;
  }
  if (codeZeroOnly(type)) {
    if (code !== 0) p.setEvent(Ev.ICMPV6_UNKNOWN_CODE);
  } else if ((type >= 100 && type < 102) || (type >= 200 && type < 202)) {
    p.setEvent(Ev.ICMPV6_EXPERIMENTATION_TYPE);
  } else if (type > 4 && type < 127) {
    p.setEvent(Ev.ICMPV6_UNASSIGNED_TYPE);
  } else if (type >= 160) {
    p.setEvent(Ev.ICMPV6_UNASSIGNED_TYPE);
  } else {
    p.setEvent(Ev.ICMPV6_UNKNOWN_TYPE);
  }
}
