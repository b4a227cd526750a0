/**
 * GRE version 0 (RFC 1701/2784/2890: checksum, key, sequence, source
 * routing) and version 1 (PPTP enhanced GRE), validated as Suricata's
 * `DecodeGRE`, then the payload by protocol type: IPv4, IPv6, PPP (PPTP),
 * VLAN, transparent Ethernet bridging, ERSPAN type I/II and III.
 *
 * @module
 */

import { layerLimitReached } from "./_layers.ts";
import { u16, u8 } from "./_read.ts";
import { decodeErspanType2, decodeErspanType3 } from "./erspan.ts";
import { EtherType } from "./ether_type.ts";
import { decodeEthernet } from "./ethernet.ts";
import { Ev } from "./events.ts";
import { Layer, type Packet, Tunnel } from "./packet.ts";
import { decodePpp } from "./ppp.ts";
import { decodeIpTunnel, enterL2Tunnel } from "./tunnel.ts";
import { decodeVlan } from "./vlan.ts";

/** GRE base header length: flags/version and protocol type. */
export const GRE_HEADER_LEN = 4;

const FLAG_CHECKSUM = 0x80;
const FLAG_ROUTING = 0x40;
const FLAG_KEY = 0x20;
const FLAG_SEQ = 0x10;
const FLAG_SSR = 0x08;
const FLAG_RECUR = 0x07;
/** Second byte: version 1 acknowledgment flag. */
const V1_FLAG_ACK = 0x80;
/** Second byte: reserved flag bits. */
const FLAGS_RESERVED = 0x78;

/**
 * Decode a GRE header and its payload. Raises `gre.pkt_too_small`,
 * `gre.wrong_version`, the `gre.version0_*` and `gre.version1_*` events.
 *
 * @param p the packet being decoded
 * @param off offset of the GRE header
 * @param len bytes of the IP payload available from `off`
 * @param depth layers decoded so far
 */
export function decodeGre(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.GRE;
  if (len < GRE_HEADER_LEN) {
    p.setEvent(Ev.GRE_PKT_TOO_SMALL);
    return;
  }
  if (layerLimitReached(p, depth)) return;
  depth++;
  const flags = u8(p, off);
  const b1 = u8(p, off + 1);
  const proto = u16(p, off + 2);
  let hlen = GRE_HEADER_LEN;
  switch (b1 & 0x07) {
    case 0:
      if ((flags & FLAG_RECUR) !== 0) {
        p.setEvent(Ev.GRE_VERSION0_RECUR);
        return;
      }
      if ((b1 & FLAGS_RESERVED) !== 0) {
        p.setEvent(Ev.GRE_VERSION0_FLAGS);
        return;
      }
      if ((flags & FLAG_KEY) !== 0) hlen += 4;
      if ((flags & FLAG_SEQ) !== 0) hlen += 4;
      if ((flags & (FLAG_CHECKSUM | FLAG_ROUTING)) !== 0) hlen += 4;
      if (hlen > len) {
        p.setEvent(Ev.GRE_VERSION0_HDR_TOO_BIG);
        return;
      }
      if ((flags & FLAG_ROUTING) !== 0) {
        // Source route entries: address family, SRE offset, SRE length, data;
        // the list ends with a zero family and length.
        for (;;) {
          if (hlen + 4 > len) {
            p.setEvent(Ev.GRE_VERSION0_MALFORMED_SRE_HDR);
            return;
          }
          const af = u16(p, off + hlen);
          const sreLen = u8(p, off + hlen + 3);
          hlen += 4;
          if (af === 0 && sreLen === 0) break;
          hlen += sreLen;
          if (hlen > len) {
            p.setEvent(Ev.GRE_VERSION0_MALFORMED_SRE_HDR);
            return;
          }
        }
      }
      break;
    case 1:
      if ((flags & FLAG_CHECKSUM) !== 0) {
        p.setEvent(Ev.GRE_VERSION1_CHKSUM);
        return;
      }
      if ((flags & FLAG_ROUTING) !== 0) {
        p.setEvent(Ev.GRE_VERSION1_ROUTE);
        return;
      }
      if ((flags & FLAG_SSR) !== 0) {
        p.setEvent(Ev.GRE_VERSION1_SSR);
        return;
      }
      if ((flags & FLAG_RECUR) !== 0) {
        p.setEvent(Ev.GRE_VERSION1_RECUR);
        return;
      }
      if ((b1 & FLAGS_RESERVED) !== 0) {
        p.setEvent(Ev.GRE_VERSION1_FLAGS);
        return;
      }
      if (proto !== EtherType.PPP) {
        p.setEvent(Ev.GRE_VERSION1_WRONG_PROTOCOL);
        return;
      }
      if ((flags & FLAG_KEY) === 0) {
        p.setEvent(Ev.GRE_VERSION1_NO_KEY);
        return;
      }
      hlen += 4;
      if ((flags & FLAG_SEQ) !== 0) hlen += 4;
      if ((b1 & V1_FLAG_ACK) !== 0) hlen += 4;
      if (hlen > len) {
        p.setEvent(Ev.GRE_VERSION1_HDR_TOO_BIG);
        return;
      }
      // The key's high half is the PPP payload length: nothing to decode at 0.
      if (u16(p, off + 4) === 0) return;
      break;
    default:
      p.setEvent(Ev.GRE_WRONG_VERSION);
      return;
  }

  const inner = off + hlen;
  const innerLen = len - hlen;
  switch (proto) {
    case EtherType.IPV4:
      decodeIpTunnel(p, Tunnel.GRE, 4, inner, innerLen, depth);
      break;
    case EtherType.IPV6:
      decodeIpTunnel(p, Tunnel.GRE, 6, inner, innerLen, depth);
      break;
    case EtherType.PPP:
      if (layerLimitReached(p, depth)) return;
      p.tunnel = Tunnel.GRE;
      decodePpp(p, inner, innerLen, depth + 1);
      break;
    case EtherType.VLAN:
      if (!enterL2Tunnel(p, Tunnel.GRE, depth)) return;
      decodeVlan(p, inner, innerLen, depth + 1);
      break;
    case EtherType.BRIDGE:
      if (!enterL2Tunnel(p, Tunnel.GRE, depth)) return;
      decodeEthernet(p, inner, innerLen, depth + 1);
      break;
    case EtherType.ERSPAN:
      if (!enterL2Tunnel(p, Tunnel.ERSPAN, depth)) return;
      p.layers |= Layer.ERSPAN;
      // Type II carries a sequence number; type I has neither it nor a header.
      if ((flags & FLAG_SEQ) !== 0) decodeErspanType2(p, inner, innerLen, depth + 1);
      else decodeEthernet(p, inner, innerLen, depth + 1);
      break;
    case EtherType.ERSPAN3:
      if (!enterL2Tunnel(p, Tunnel.ERSPAN, depth)) return;
      decodeErspanType3(p, inner, innerLen, depth + 1);
      break;
  }
}
