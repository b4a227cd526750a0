/**
 * IPv6: header checks, extension headers walked as Suricata's
 * `DecodeIPV6ExtHdrs` (hop-by-hop and destination options validated,
 * routing, fragment, AH skipped by length, ESP and no-next-header stop),
 * fragments flagged with no transport decoding, IPv4/IPv6-in-IPv6 tunnels.
 *
 * @module
 */

import { markUndecodedTransport } from "./_undecoded.ts";
import { layerLimitReached } from "./_layers.ts";
import { u16, u32, u8 } from "./_read.ts";
import { decodeEsp } from "./esp.ts";
import { Ev } from "./events.ts";
import { decodeGre } from "./gre.ts";
import { decodeIcmpv6 } from "./icmpv6.ts";
import { IpProto, IPV4_HEADER_LEN } from "./ipv4.ts";
import { FragFlag, Ip6Ext, Layer, type Packet, Tunnel } from "./packet.ts";
import { decodeSctp } from "./sctp.ts";
import { decodeTcp } from "./tcp.ts";
import { decodeIpTunnel, enterInnerIp } from "./tunnel.ts";
import { decodeUdp } from "./udp.ts";

/** IPv6 fixed header length. */
export const IPV6_HEADER_LEN = 40;
/** IPv6 fragment header length. */
export const IPV6_FRAG_HEADER_LEN = 8;

const OPT_PAD1 = 0x00;
const OPT_PADN = 0x01;
const OPT_RA = 0x05;
const OPT_JUMBO = 0xc2;
const OPT_HAO = 0xc9;

/**
 * Decode an IPv6 header and what it carries. Validation raises
 * `ipv6.pkt_too_small`, `ipv6.wrong_ip_version` and `ipv6.trunc_pkt`; an
 * invalid header leaves the network fields unset. Extension headers raise
 * the `ipv6.exthdr_*`, `ipv6.*opts_*`, `ipv6.rh_type_0`, `ipv6.fh_*`,
 * `ipv6.frag_invalid_length`, `ipv6.data_after_none_header` and
 * `ipv6.unknown_next_header` events. A fragment gets {@link Layer.FRAGMENT}
 * and no transport decoding (a first fragment only marks its protocol's
 * layer bit).
 *
 * @param p the packet being decoded
 * @param off offset of the IPv6 header
 * @param len bytes available from `off` (the payload length bounds the rest)
 * @param depth layers decoded so far
 */
export function decodeIpv6(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.IPV6;
  if (layerLimitReached(p, depth)) return;
  depth++;
  if (len < IPV6_HEADER_LEN) {
    p.setEvent(Ev.IPV6_PKT_TOO_SMALL);
    return;
  }
  if (u8(p, off) >>> 4 !== 6) {
    p.setEvent(Ev.IPV6_WRONG_IP_VERSION);
    return;
  }
  const plen = u16(p, off + 4);
  if (len < IPV6_HEADER_LEN + plen) {
    p.setEvent(Ev.IPV6_TRUNC_PKT);
    return;
  }
  if (p.l3Offset >= 0) enterInnerIp(p);
  const first = u32(p, off);
  const nh = u8(p, off + 6);
  p.l3Offset = off;
  p.ipVersion = 6;
  p.ipHeaderLen = IPV6_HEADER_LEN;
  p.ipTotalLen = IPV6_HEADER_LEN + plen;
  p.ipProto = nh;
  p.tos = (first >>> 20) & 0xff;
  p.ip6FlowLabel = first & 0xfffff;
  p.ttl = u8(p, off + 7);
  p.src4 = 0;
  p.dst4 = 0;
  p.src6Offset = off + 8;
  p.dst6Offset = off + 24;
  decodeNextHeader(p, off, nh, off + IPV6_HEADER_LEN, plen, depth);
}

/**
 * Decode from next header `nh` at `pos` with `plen` bytes of IPv6 payload
 * left, walking extension headers. Sets `ipHeaderLen` to the bytes walked.
 */
function decodeNextHeader(
  p: Packet,
  ipOff: number,
  nh: number,
  pos: number,
  plen: number,
  depth: number,
): void {
  let hh = false;
  let rh = false;
  let ah = false;
  let fh = false;
  let dstopts = 0;
  for (;;) {
    p.ipHeaderLen = pos - ipOff;
    p.ipProto = nh;
    if (nh === IpProto.NONE) {
      p.ip6Exthdrs |= Ip6Ext.NONE;
      if (plen > 0) p.setEvent(Ev.IPV6_DATA_AFTER_NONE_HEADER);
      return;
    }
    // The fixed header may be followed directly by any protocol; extension
    // headers need at least their next-header and length bytes.
    if (pos - ipOff > IPV6_HEADER_LEN && plen < 2) {
      p.setEvent(Ev.IPV6_TRUNC_EXTHDR);
      if (plen > 0) markUndecodedTransport(p, nh);
      return;
    }
    let hdrLen = 0;
    switch (nh) {
      case IpProto.TCP:
        decodeTcp(p, pos, plen);
        return;
      case IpProto.UDP:
        decodeUdp(p, pos, plen, depth);
        return;
      case IpProto.ICMPV6:
        decodeIcmpv6(p, pos, plen);
        return;
      case IpProto.SCTP:
        decodeSctp(p, pos, plen);
        return;
      case IpProto.ESP:
        p.ip6Exthdrs |= Ip6Ext.ESP;
        if (plen < 2) p.setEvent(Ev.IPV6_TRUNC_EXTHDR);
        else decodeEsp(p, pos, plen);
        return;
      case IpProto.IPIP:
        setIpPayload(p, pos, plen);
        if (plen < IPV4_HEADER_LEN) p.setEvent(Ev.IPV6_IPV4_IN_IPV6_TOO_SMALL);
        else if (u8(p, pos) >>> 4 !== 4) p.setEvent(Ev.IPV6_IPV4_IN_IPV6_WRONG_VERSION);
        else decodeIpTunnel(p, Tunnel.IPV4_IN_IPV6, 4, pos, plen, depth);
        return;
      case IpProto.IPV6:
        setIpPayload(p, pos, plen);
        if (plen < IPV6_HEADER_LEN) p.setEvent(Ev.IPV6_IPV6_IN_IPV6_TOO_SMALL);
        else if (u8(p, pos) >>> 4 !== 6) p.setEvent(Ev.IPV6_IPV6_IN_IPV6_WRONG_VERSION);
        else decodeIpTunnel(p, Tunnel.IPV6_IN_IPV6, 6, pos, plen, depth);
        return;
      case IpProto.GRE:
        setIpPayload(p, pos, plen);
        decodeGre(p, pos, plen, depth);
        return;
      case IpProto.ICMP:
        setIpPayload(p, pos, plen);
        p.setEvent(Ev.IPV6_ICMPV4);
        return;
      case IpProto.HOPOPTS:
      case IpProto.ROUTING:
      case IpProto.FRAGMENT:
      case IpProto.DSTOPTS:
      case IpProto.AH:
      case IpProto.MH:
      case IpProto.HIP:
      case IpProto.SHIM6:
        if (plen < 2) {
          p.setEvent(Ev.IPV6_TRUNC_EXTHDR);
          return;
        }
        break;
      default:
        setIpPayload(p, pos, plen);
        p.setEvent(Ev.IPV6_UNKNOWN_NEXT_HEADER);
        return;
    }

    switch (nh) {
      case IpProto.ROUTING:
        hdrLen = 8 + (u8(p, pos + 1) << 3);
        if (hdrLen > plen) {
          p.setEvent(Ev.IPV6_TRUNC_EXTHDR);
          return;
        }
        if (rh) {
          p.setEvent(Ev.IPV6_EXTHDR_DUPL_RH);
        } else {
          rh = true;
          p.ip6Exthdrs |= Ip6Ext.ROUTING;
          if (u8(p, pos + 2) === 0) p.setEvent(Ev.IPV6_RH_TYPE_0);
        }
        break;
      case IpProto.HOPOPTS:
      case IpProto.DSTOPTS: {
        hdrLen = (u8(p, pos + 1) + 1) << 3;
        if (hdrLen > plen) {
          p.setEvent(Ev.IPV6_TRUNC_EXTHDR);
          return;
        }
        if (nh === IpProto.HOPOPTS) {
          if (hh) {
            p.setEvent(Ev.IPV6_EXTHDR_DUPL_HH);
            break;
          }
          hh = true;
          p.ip6Exthdrs |= Ip6Ext.HOP_BY_HOP;
        } else {
          if (dstopts >= 2) {
            p.setEvent(Ev.IPV6_EXTHDR_DUPL_DH);
            break;
          }
          dstopts++;
          p.ip6Exthdrs |= Ip6Ext.DESTINATION;
        }
        checkOptions(p, nh, pos + 2, hdrLen - 2);
        break;
      }
      case IpProto.FRAGMENT: {
        hdrLen = IPV6_FRAG_HEADER_LEN;
        if (hdrLen > plen) {
          p.setEvent(Ev.IPV6_TRUNC_EXTHDR);
          return;
        }
        if (u8(p, pos + 1) !== 0) p.setEvent(Ev.IPV6_FH_NON_ZERO_RESERVED_FIELD);
        if (fh) {
          p.setEvent(Ev.IPV6_EXTHDR_DUPL_FH);
          break;
        }
        fh = true;
        p.ip6Exthdrs |= Ip6Ext.FRAGMENT;
        const field = u16(p, pos + 2);
        const fragOffset = field & 0xfff8;
        const more = (field & 0x0001) !== 0;
        p.fragOffset = fragOffset;
        p.fragFlags = more ? FragFlag.MF : 0;
        p.ipId = u32(p, pos + 4);
        if (!more && fragOffset === 0) {
          // A fragment header on an unfragmented packet: decode on.
          p.setEvent(Ev.IPV6_EXTHDR_USELESS_FH);
          break;
        }
        if (more && plen % 8 !== 0) p.setEvent(Ev.IPV6_FRAG_INVALID_LENGTH);
        p.layers |= Layer.FRAGMENT;
        p.ipProto = u8(p, pos);
        if (fragOffset === 0) markUndecodedTransport(p, p.ipProto);
        p.ipHeaderLen = pos + hdrLen - ipOff;
        p.payloadOffset = pos + hdrLen;
        p.payloadLen = plen - hdrLen;
        return;
      }
      case IpProto.AH: {
        const ahLen = u8(p, pos + 1);
        hdrLen = 12 + (ahLen > 0 ? (ahLen - 1) << 2 : 0);
        if (hdrLen > plen) {
          p.setEvent(Ev.IPV6_TRUNC_EXTHDR);
          return;
        }
        if (u16(p, pos + 2) !== 0) p.setEvent(Ev.IPV6_EXTHDR_AH_RES_NOT_NULL);
        if (ah) {
          p.setEvent(Ev.IPV6_EXTHDR_DUPL_AH);
        } else {
          ah = true;
          p.ip6Exthdrs |= Ip6Ext.AH;
        }
        break;
      }
      default: // mobility, HIP, shim6: skipped by their length
        hdrLen = 8 + (u8(p, pos + 1) << 3);
        if (hdrLen > plen) {
          p.setEvent(Ev.IPV6_TRUNC_EXTHDR);
          return;
        }
    }
    nh = u8(p, pos);
    pos += hdrLen;
    plen -= hdrLen;
  }
}

/** The IP payload is the payload when no transport decoder claims it. */
function setIpPayload(p: Packet, pos: number, plen: number): void {
  p.payloadOffset = pos;
  p.payloadLen = plen;
}

/**
 * Validate the options of a hop-by-hop or destination options header, as
 * Suricata: lengths within the header, known options long enough, only
 * padding flagged, zero-length PadN flagged, unknown options flagged.
 */
function checkOptions(p: Packet, nh: number, start: number, optsLen: number): void {
  let padCount = 0;
  let otherCount = 0;
  let offset = 0;
  while (offset < optsLen) {
    const type = u8(p, start + offset);
    if (type === OPT_PAD1) {
      padCount++;
      offset++;
      continue;
    }
    if (offset + 1 >= optsLen) {
      p.setEvent(Ev.IPV6_EXTHDR_INVALID_OPTLEN);
      break;
    }
    const optLen = u8(p, start + offset + 1);
    if (offset + 1 + optLen > optsLen) {
      p.setEvent(Ev.IPV6_EXTHDR_INVALID_OPTLEN);
      break;
    }
    if (type === OPT_PADN) {
      padCount++;
      if (optLen === 0) p.setEvent(Ev.IPV6_ZERO_LEN_PADN);
    } else if (type === OPT_RA) {
      if (optLen < 2) {
        p.setEvent(Ev.IPV6_EXTHDR_INVALID_OPTLEN);
        break;
      }
      otherCount++;
    } else if (type === OPT_JUMBO) {
      if (optLen < 4) {
        p.setEvent(Ev.IPV6_EXTHDR_INVALID_OPTLEN);
        break;
      }
    } else if (type === OPT_HAO) {
      if (optLen < 16) {
        p.setEvent(Ev.IPV6_EXTHDR_INVALID_OPTLEN);
        break;
      }
      otherCount++;
    } else {
      p.setEvent(
        nh === IpProto.HOPOPTS ? Ev.IPV6_HOPOPTS_UNKNOWN_OPT : Ev.IPV6_DSTOPTS_UNKNOWN_OPT,
      );
      otherCount++;
    }
    offset += optLen + 2;
  }
  if (padCount > 0 && otherCount === 0) {
    p.setEvent(
      nh === IpProto.HOPOPTS ? Ev.IPV6_HOPOPTS_ONLY_PADDING : Ev.IPV6_DSTOPTS_ONLY_PADDING,
    );
  }
}
