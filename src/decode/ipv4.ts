/**
 * IPv4: header checks, options validated as Suricata's `DecodeIPV4Options`,
 * fragments flagged (their transport header is never decoded, as Suricata
 * defragments first), then the transport or tunnel decoder.
 *
 * @module
 */

import { markUndecodedTransport } from "./_undecoded.ts";
import { layerLimitReached } from "./_layers.ts";
import { u16, u32, u8 } from "./_read.ts";
import { decodeEsp } from "./esp.ts";
import { Ev } from "./events.ts";
import { decodeGre } from "./gre.ts";
import { decodeIcmpv4 } from "./icmpv4.ts";
import { FragFlag, Layer, type Packet, Tunnel } from "./packet.ts";
import { decodeSctp } from "./sctp.ts";
import { decodeTcp } from "./tcp.ts";
import { decodeIpTunnel, enterInnerIp } from "./tunnel.ts";
import { decodeUdp } from "./udp.ts";

/** Minimum IPv4 header length. */
export const IPV4_HEADER_LEN = 20;

/** IP protocol numbers the IP decoders dispatch on. */
export const IpProto = {
  HOPOPTS: 0,
  ICMP: 1,
  IPIP: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  ROUTING: 43,
  FRAGMENT: 44,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
  MH: 135,
  SCTP: 132,
  HIP: 139,
  SHIM6: 140,
} as const;

/** IPv4 option bits in {@link Packet.ip4Options}: one per valid option type seen. */
export const Ip4Opt = {
  EOL: 1 << 0,
  NOP: 1 << 1,
  RR: 1 << 2,
  TS: 1 << 3,
  QS: 1 << 4,
  LSRR: 1 << 5,
  SSRR: 1 << 6,
  SID: 1 << 7,
  SEC: 1 << 8,
  CIPSO: 1 << 9,
  RTRALT: 1 << 10,
  ESEC: 1 << 11,
} as const;

const OPT_EOL = 0x00;
const OPT_NOP = 0x01;
const OPT_RR = 0x07;
const OPT_QS = 0x19;
const OPT_TS = 0x44;
const OPT_SEC = 0x82;
const OPT_LSRR = 0x83;
const OPT_ESEC = 0x85;
const OPT_CIPSO = 0x86;
const OPT_SID = 0x88;
const OPT_SSRR = 0x89;
const OPT_RTRALT = 0x94;

/** Option bit for an option type, 0 for unknown types. */
function optionBit(type: number): number {
  switch (type) {
    case OPT_RR:
      return Ip4Opt.RR;
    case OPT_QS:
      return Ip4Opt.QS;
    case OPT_TS:
      return Ip4Opt.TS;
    case OPT_SEC:
      return Ip4Opt.SEC;
    case OPT_LSRR:
      return Ip4Opt.LSRR;
    case OPT_ESEC:
      return Ip4Opt.ESEC;
    case OPT_CIPSO:
      return Ip4Opt.CIPSO;
    case OPT_SID:
      return Ip4Opt.SID;
    case OPT_SSRR:
      return Ip4Opt.SSRR;
    case OPT_RTRALT:
      return Ip4Opt.RTRALT;
    default:
      return 0;
  }
}

/** Route options (RR, LSRR, SSRR): pointer >= 4, a multiple of 4, within the option. */
function validRoute(p: Packet, o: number, olen: number): boolean {
  if (olen < 3) {
    p.setEvent(Ev.IPV4_OPT_INVALID_LEN);
    return false;
  }
  const ptr = u8(p, o + 2);
  if (ptr < 4 || ptr % 4 !== 0 || ptr > olen + 1) {
    p.setEvent(Ev.IPV4_OPT_MALFORMED);
    return false;
  }
  return true;
}

/** Timestamp option: pointer >= 5, aligned on its record size, within the option. */
function validTimestamp(p: Packet, o: number, olen: number): boolean {
  if (olen < 5) {
    p.setEvent(Ev.IPV4_OPT_INVALID_LEN);
    return false;
  }
  const ptr = u8(p, o + 2);
  if (ptr < 5) {
    p.setEvent(Ev.IPV4_OPT_MALFORMED);
    return false;
  }
  const flag = u8(p, o + 3) & 0x0f;
  const recSize = flag === 1 || flag === 3 ? 8 : 4;
  if ((ptr - 5) % recSize !== 0 || ptr > olen + 1) {
    p.setEvent(Ev.IPV4_OPT_MALFORMED);
    return false;
  }
  return true;
}

/** CIPSO option: length >= 10, then well-formed tags. */
function validCipso(p: Packet, o: number, olen: number): boolean {
  if (olen < 10) {
    p.setEvent(Ev.IPV4_OPT_INVALID_LEN);
    return false;
  }
  let tag = o + 6;
  let len = olen - 6;
  while (len > 0) {
    if (len < 2) {
      p.setEvent(Ev.IPV4_OPT_MALFORMED);
      return false;
    }
    const ttype = u8(p, tag);
    const tlen = u8(p, tag + 1);
    if (tlen > len) {
      p.setEvent(Ev.IPV4_OPT_MALFORMED);
      return false;
    }
    switch (ttype) {
      case 1:
      case 2:
      case 5:
      case 6:
      case 7:
        if (tlen < 4) {
          p.setEvent(Ev.IPV4_OPT_MALFORMED);
          return false;
        }
        // The alignment octet is zero except in tag type 7.
        if (ttype !== 7 && u8(p, tag + 2) !== 0) {
          p.setEvent(Ev.IPV4_OPT_MALFORMED);
          return false;
        }
        tag += tlen;
        len -= tlen;
        break;
      default:
        p.setEvent(Ev.IPV4_OPT_MALFORMED);
        return false;
    }
  }
  return true;
}

/** Options with fixed or minimum lengths (QS, SEC, ESEC, SID, RTRALT). */
function validGeneric(p: Packet, type: number, olen: number): boolean {
  let ok = true;
  switch (type) {
    case OPT_QS:
      ok = olen >= 8;
      break;
    case OPT_SEC:
    case OPT_ESEC:
      ok = olen >= 3;
      break;
    case OPT_SID:
    case OPT_RTRALT:
      ok = olen === 4;
      break;
  }
  if (!ok) p.setEvent(Ev.IPV4_OPT_INVALID_LEN);
  return ok;
}

/**
 * Walk and validate the options. Returns the {@link Ip4Opt} bits of the
 * valid options seen, or -1 when the options make the header invalid (an
 * option length of 0, 1 or past the options), as Suricata.
 */
function decodeOptions(p: Packet, off: number, len: number): number {
  if (len % 8 !== 0) p.setEvent(Ev.IPV4_OPT_PAD_REQUIRED);
  let seen = 0;
  let o = off;
  let plen = len;
  while (plen > 0) {
    const type = u8(p, o);
    if (type === OPT_EOL) {
      seen |= Ip4Opt.EOL;
      break;
    }
    if (type === OPT_NOP) {
      seen |= Ip4Opt.NOP;
      o++;
      plen--;
      continue;
    }
    if (plen < 2) {
      p.setEvent(Ev.IPV4_OPT_EOL_REQUIRED);
      break;
    }
    const olen = u8(p, o + 1);
    if (olen > plen || olen < 2) {
      p.setEvent(Ev.IPV4_OPT_INVALID_LEN);
      return -1;
    }
    const bit = optionBit(type);
    if (bit === 0) {
      p.setEvent(Ev.IPV4_OPT_INVALID);
    } else if ((seen & bit) !== 0) {
      p.setEvent(Ev.IPV4_OPT_DUPLICATE);
    } else {
      let valid: boolean;
      switch (type) {
        case OPT_RR:
        case OPT_LSRR:
        case OPT_SSRR:
          valid = validRoute(p, o, olen);
          break;
        case OPT_TS:
          valid = validTimestamp(p, o, olen);
          break;
        case OPT_CIPSO:
          valid = validCipso(p, o, olen);
          break;
        default:
          valid = validGeneric(p, type, olen);
      }
      if (valid) seen |= bit;
    }
    o += olen;
    plen -= olen;
  }
  return seen;
}

/**
 * Decode an IPv4 header and what it carries. Validation raises
 * `ipv4.pkt_too_small`, `ipv4.wrong_ip_version`, `ipv4.hlen_too_small`,
 * `ipv4.iplen_smaller_than_hlen`, `ipv4.trunc_pkt` and the `ipv4.opt_*`
 * events; an invalid header leaves the network fields unset. Fragments get
 * {@link Layer.FRAGMENT} and their IP payload as payload, with no transport
 * decoding (a first fragment only marks its protocol's layer bit). Protocol
 * 58 raises `ipv4.icmpv6`.
 *
 * @param p the packet being decoded
 * @param off offset of the IPv4 header
 * @param len bytes available from `off` (the header's total length bounds the rest)
 * @param depth layers decoded so far
 */
export function decodeIpv4(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.IPV4;
  if (layerLimitReached(p, depth)) return;
  depth++;
  if (len < IPV4_HEADER_LEN) {
    p.setEvent(Ev.IPV4_PKT_TOO_SMALL);
    return;
  }
  const b0 = u8(p, off);
  if (b0 >>> 4 !== 4) {
    p.setEvent(Ev.IPV4_WRONG_IP_VERSION);
    return;
  }
  const hlen = (b0 & 0x0f) << 2;
  if (hlen < IPV4_HEADER_LEN) {
    p.setEvent(Ev.IPV4_HLEN_TOO_SMALL);
    return;
  }
  const totalLen = u16(p, off + 2);
  if (totalLen < hlen) {
    p.setEvent(Ev.IPV4_IPLEN_SMALLER_THAN_HLEN);
    return;
  }
  if (len < totalLen) {
    p.setEvent(Ev.IPV4_TRUNC_PKT);
    return;
  }
  let options = 0;
  if (hlen > IPV4_HEADER_LEN) {
    options = decodeOptions(p, off + IPV4_HEADER_LEN, hlen - IPV4_HEADER_LEN);
    if (options < 0) return;
  }
  if (p.l3Offset >= 0) enterInnerIp(p);

  const proto = u8(p, off + 9);
  const fragField = u16(p, off + 6);
  p.l3Offset = off;
  p.ipVersion = 4;
  p.ipHeaderLen = hlen;
  p.ipTotalLen = totalLen;
  p.ipProto = proto;
  p.ip4Options = options;
  p.tos = u8(p, off + 1);
  p.ipId = u16(p, off + 4);
  p.ttl = u8(p, off + 8);
  p.fragOffset = (fragField & 0x1fff) << 3;
  p.fragFlags = ((fragField & 0x2000) !== 0 ? FragFlag.MF : 0) |
    ((fragField & 0x4000) !== 0 ? FragFlag.DF : 0) |
    ((fragField & 0x8000) !== 0 ? FragFlag.RB : 0);
  p.src4 = u32(p, off + 12);
  p.dst4 = u32(p, off + 16);
  p.src6Offset = -1;
  p.dst6Offset = -1;

  const l4 = off + hlen;
  const l4Len = totalLen - hlen;
  if ((fragField & 0x3fff) !== 0) {
    p.layers |= Layer.FRAGMENT;
    if ((fragField & 0x1fff) === 0) markUndecodedTransport(p, proto);
    p.payloadOffset = l4;
    p.payloadLen = l4Len;
    return;
  }
  switch (proto) {
    case IpProto.TCP:
      decodeTcp(p, l4, l4Len);
      return;
    case IpProto.UDP:
      decodeUdp(p, l4, l4Len, depth);
      return;
    case IpProto.ICMP:
      decodeIcmpv4(p, l4, l4Len);
      return;
    case IpProto.SCTP:
      decodeSctp(p, l4, l4Len);
      return;
    case IpProto.ESP:
      decodeEsp(p, l4, l4Len);
      return;
  }
  p.payloadOffset = l4;
  p.payloadLen = l4Len;
  switch (proto) {
    case IpProto.GRE:
      decodeGre(p, l4, l4Len, depth);
      break;
    case IpProto.IPIP:
      decodeIpTunnel(p, Tunnel.IPV4_IN_IPV4, 4, l4, l4Len, depth);
      break;
    case IpProto.IPV6:
      decodeIpTunnel(p, Tunnel.IPV6_IN_IPV4, 6, l4, l4Len, depth);
      break;
    case IpProto.ICMPV6:
      p.setEvent(Ev.IPV4_ICMPV6);
      break;
  }
}
