/**
 * ICMPv4: type and code checked as Suricata's `DecodeICMPV4`, echo-style id
 * and sequence, and for error messages (unreachable, source quench,
 * redirect, time exceeded, parameter problem) the quoted IPv4 header and
 * the first bytes of its transport header, kept in the `icmpEmb*` fields.
 *
 * @module
 */

import { u16, u8 } from "./_read.ts";
import { Ev } from "./events.ts";
import { IpProto, IPV4_HEADER_LEN } from "./ipv4.ts";
import { Layer, type Packet } from "./packet.ts";

/** ICMPv4 header length (type, code, checksum, 4 bytes of rest-of-header). */
export const ICMPV4_HEADER_LEN = 8;

/** ICMPv4 types. */
export const Icmp4Type = {
  ECHO_REPLY: 0,
  DEST_UNREACH: 3,
  SOURCE_QUENCH: 4,
  REDIRECT: 5,
  ECHO: 8,
  ROUTER_ADVERT: 9,
  ROUTER_SOLICIT: 10,
  TIME_EXCEEDED: 11,
  PARAMETER_PROBLEM: 12,
  TIMESTAMP: 13,
  TIMESTAMP_REPLY: 14,
  INFO_REQUEST: 15,
  INFO_REPLY: 16,
  ADDRESS: 17,
  ADDRESS_REPLY: 18,
} as const;

/**
 * Decode the IPv4 header quoted by an ICMPv4 error, and the ports of its
 * TCP/UDP header when present. Sets the layer bits of the quoted transport
 * protocol, as Wireshark counts it. Raises `icmpv4.ipv4_trunc_pkt` and
 * `icmpv4.ipv4_unknown_ver`.
 *
 * @param p the packet being decoded
 * @param off offset of the quoted IPv4 header
 * @param len bytes available from `off`
 */
export function decodeIcmpv4Embedded(p: Packet, off: number, len: number): void {
  if (len < IPV4_HEADER_LEN) {
    p.setEvent(Ev.ICMPV4_IPV4_TRUNC_PKT);
    return;
  }
  const b0 = u8(p, off);
  if (b0 >>> 4 !== 4) {
    p.setEvent(Ev.ICMPV4_IPV4_UNKNOWN_VER);
    return;
  }
  let hlen = (b0 & 0x0f) << 2;
  if (hlen < IPV4_HEADER_LEN) hlen = IPV4_HEADER_LEN;
  const proto = u8(p, off + 9);
  p.icmpEmbL3Offset = off;
  p.icmpEmbIpProto = proto;
  if (len < hlen + 4) return;
  const l4 = off + hlen;
  if (proto === IpProto.TCP || proto === IpProto.UDP) {
    p.layers |= proto === IpProto.TCP ? Layer.TCP : Layer.UDP;
    p.icmpEmbL4Offset = l4;
    p.icmpEmbSrcPort = u16(p, l4);
    p.icmpEmbDstPort = u16(p, l4 + 2);
  } else if (proto === IpProto.ICMP) {
    p.icmpEmbL4Offset = l4;
  }
}

/**
 * Decode an ICMPv4 header; the payload is what follows the 8-byte header.
 * Raises `icmpv4.pkt_too_small`, `icmpv4.unknown_type`,
 * `icmpv4.unknown_code`, and `icmpv4.ipv4_trunc_pkt` for short timestamp
 * and router advertisement messages.
 *
 * @param p the packet being decoded
 * @param off offset of the ICMPv4 header
 * @param len bytes of the IP payload available from `off`
 */
export function decodeIcmpv4(p: Packet, off: number, len: number): void {
  p.layers |= Layer.ICMPV4;
  if (len < ICMPV4_HEADER_LEN) {
    p.setEvent(Ev.ICMPV4_PKT_TOO_SMALL);
    return;
  }
  const type = u8(p, off);
  const code = u8(p, off + 1);
  p.l4Offset = off;
  p.l4HeaderLen = ICMPV4_HEADER_LEN;
  p.icmpType = type;
  p.icmpCode = code;
  p.payloadOffset = off + ICMPV4_HEADER_LEN;
  p.payloadLen = len - ICMPV4_HEADER_LEN;
  const inner = off + ICMPV4_HEADER_LEN;
  const innerLen = len - ICMPV4_HEADER_LEN;
  switch (type) {
    case Icmp4Type.ECHO_REPLY:
    case Icmp4Type.ECHO:
    case Icmp4Type.INFO_REQUEST:
    case Icmp4Type.INFO_REPLY:
    case Icmp4Type.ADDRESS:
    case Icmp4Type.ADDRESS_REPLY:
      setIdSeq(p, off, code);
      break;
    case Icmp4Type.TIMESTAMP:
    case Icmp4Type.TIMESTAMP_REPLY:
      setIdSeq(p, off, code);
      if (len < ICMPV4_HEADER_LEN + 12) p.setEvent(Ev.ICMPV4_IPV4_TRUNC_PKT);
      break;
    case Icmp4Type.DEST_UNREACH:
      if (code > 15) p.setEvent(Ev.ICMPV4_UNKNOWN_CODE);
      else if (innerLen > 0) decodeIcmpv4Embedded(p, inner, innerLen);
      break;
    case Icmp4Type.SOURCE_QUENCH:
      // Suricata quotes even an empty rest here (raising ipv4_trunc_pkt).
      if (code !== 0) p.setEvent(Ev.ICMPV4_UNKNOWN_CODE);
      else decodeIcmpv4Embedded(p, inner, innerLen);
      break;
    case Icmp4Type.REDIRECT:
      if (code > 3) p.setEvent(Ev.ICMPV4_UNKNOWN_CODE);
      else if (innerLen > 0) decodeIcmpv4Embedded(p, inner, innerLen);
      break;
    case Icmp4Type.TIME_EXCEEDED:
      if (code > 1) p.setEvent(Ev.ICMPV4_UNKNOWN_CODE);
      else if (innerLen > 0) decodeIcmpv4Embedded(p, inner, innerLen);
      break;
    case Icmp4Type.PARAMETER_PROBLEM:
      if (code !== 0) p.setEvent(Ev.ICMPV4_UNKNOWN_CODE);
      else if (innerLen > 0) decodeIcmpv4Embedded(p, inner, innerLen);
      break;
    case Icmp4Type.ROUTER_ADVERT: {
      // Number of addresses times entry size (in 32-bit words).
      const advertLen = u8(p, off + 4) * u8(p, off + 5) * 4;
      if (len < advertLen + ICMPV4_HEADER_LEN) p.setEvent(Ev.ICMPV4_IPV4_TRUNC_PKT);
      break;
    }
    default:
      p.setEvent(Ev.ICMPV4_UNKNOWN_TYPE);
  }
}

/** Echo-style messages: identifier and sequence; code must be 0. */
function setIdSeq(p: Packet, off: number, code: number): void {
  p.icmpId = u16(p, off + 4);
  p.icmpSeq = u16(p, off + 6);
  if (code !== 0) p.setEvent(Ev.ICMPV4_UNKNOWN_CODE);
}
