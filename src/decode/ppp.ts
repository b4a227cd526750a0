/**
 * PPP (link type 9, PPP in GRE/PPTP, PPP in PPPoE sessions): an optional
 * 0xff03 address/control pair, a 1- or 2-byte protocol, then IPv4 (0x0021)
 * or IPv6 (0x0057). Control protocols are recognised, not decoded.
 *
 * @module
 */

import { layerLimitReached } from "./_layers.ts";
import { u16, u8 } from "./_read.ts";
import { Ev } from "./events.ts";
import { decodeIpv4, IPV4_HEADER_LEN } from "./ipv4.ts";
import { decodeIpv6, IPV6_HEADER_LEN } from "./ipv6.ts";
import { Layer, type Packet } from "./packet.ts";

/** PPP protocol numbers the decoder acts on. */
export const PppProto = {
  IPV4: 0x0021,
  IPV6: 0x0057,
  /** Van Jacobson uncompressed TCP/IP. */
  VJ_UCOMP: 0x002f,
} as const;

/**
 * Decode what follows a PPP protocol field, as Suricata's
 * `DecodePPPUncompressedProto`. Raises `ppp.ip4_pkt_too_small`,
 * `ppp.ip6_pkt_too_small`, `ppp.vju_pkt_too_small`, `ppp.unsup_proto`,
 * `ppp.wrong_type`.
 *
 * @param p the packet being decoded
 * @param proto the PPP protocol number
 * @param off offset of the PPP payload
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodePppPayload(
  p: Packet,
  proto: number,
  off: number,
  len: number,
  depth: number,
): void {
  switch (proto) {
    case PppProto.IPV4:
      if (len < IPV4_HEADER_LEN) p.setEvent(Ev.PPP_IP4_PKT_TOO_SMALL);
      else decodeIpv4(p, off, len, depth);
      return;
    case PppProto.IPV6:
      if (len < IPV6_HEADER_LEN) p.setEvent(Ev.PPP_IP6_PKT_TOO_SMALL);
      else decodeIpv6(p, off, len, depth);
      return;
    case PppProto.VJ_UCOMP:
      if (len < IPV4_HEADER_LEN) p.setEvent(Ev.PPP_VJU_PKT_TOO_SMALL);
      else if (u8(p, off) >>> 4 === 4) decodeIpv4(p, off, len, depth);
      return;
    // Valid control and link protocols, not inspected.
    case 0x8021: // IPCP
    case 0x8057: // IPV6CP
    case 0xc021: // LCP
    case 0xc023: // PAP
    case 0xc223: // CHAP
    case 0x80fd: // CCP
    case 0xc025: // LQM
    case 0xc029: // CBCP
    case 0x00fd: // compressed datagram
    case 0x8207: // CDPCP
      return;
    // Known network protocols Tarsier (as Suricata) does not decode.
    case 0x002d: // VJ compressed
    case 0x002b: // IPX
    case 0x0023: // OSI
    case 0x0025: // Xerox NS IDP
    case 0x0027: // DECnet
    case 0x0029: // AppleTalk
    case 0x0031: // bridging PDU
    case 0x0033: // ST-II
    case 0x0035: // Banyan Vines
    case 0x0201: // 802.1d hello
    case 0x0231: // Luxcom
    case 0x0233: // Sigma
    case 0x0281: // MPLS unicast
    case 0x0283: // MPLS multicast
    case 0x8023: // OSICP
    case 0x8025: // NSCP
    case 0x8027: // DECNETCP
    case 0x8029: // APPLECP
    case 0x802b: // IPXCP
    case 0x8033: // STIICP
    case 0x8035: // VINESCP
    case 0x8281: // MPLSCP
      p.setEvent(Ev.PPP_UNSUP_PROTO);
      return;
    default:
      p.setEvent(Ev.PPP_WRONG_TYPE);
  }
}

/**
 * Decode a PPP frame: optional 0xff03 HDLC address/control, protocol field
 * (compressed to one byte when its low bit is set), payload.
 * Raises `ppp.pkt_too_small` and the events of {@link decodePppPayload}.
 *
 * @param p the packet being decoded
 * @param off offset of the PPP header
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodePpp(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.PPP;
  if (len < 1) {
    p.setEvent(Ev.PPP_PKT_TOO_SMALL);
    return;
  }
  let protoOffset = 0;
  if (u8(p, off) === 0xff) {
    protoOffset = 2;
    if (len < 3) {
      p.setEvent(Ev.PPP_PKT_TOO_SMALL);
      return;
    }
  }
  const compressed = (u8(p, off + protoOffset) & 0x01) !== 0;
  const protoSize = compressed ? 1 : 2;
  if (len < protoOffset + protoSize) {
    p.setEvent(Ev.PPP_PKT_TOO_SMALL);
    return;
  }
  if (layerLimitReached(p, depth)) return;
  const dataOffset = protoOffset + protoSize;
  if (compressed) {
    const proto = u8(p, off + protoOffset);
    if (proto === 0x21 || proto === 0x57 || proto === 0x2f) {
      decodePppPayload(p, proto, off + dataOffset, len - dataOffset, depth + 1);
    } else {
      p.setEvent(Ev.PPP_UNSUP_PROTO);
    }
    return;
  }
  decodePppPayload(p, u16(p, off + protoOffset), off + dataOffset, len - dataOffset, depth + 1);
}
