/**
 * VXLAN (UDP port 4789 either side, as Suricata's default): an 8-byte
 * header with the I flag and a zero reserved byte, then an Ethernet frame
 * whose IPv4, IPv6, VLAN or ARP content is decoded.
 *
 * @module
 */

import { layerLimitReached } from "./_layers.ts";
import { u16, u8 } from "./_read.ts";
import { decodeArp } from "./arp.ts";
import { decodeEtherType, EtherType } from "./ether_type.ts";
import { ETHERNET_HEADER_LEN } from "./ethernet.ts";
import { Ev } from "./events.ts";
import { Layer, type Packet, Tunnel } from "./packet.ts";
import { enterL2Tunnel } from "./tunnel.ts";

/** The IANA VXLAN port. */
export const VXLAN_PORT = 4789;
/** VXLAN header length. */
export const VXLAN_HEADER_LEN = 8;

/**
 * Decode a UDP payload as VXLAN when it looks like one. Raises
 * `vxlan.unknown_payload_type` for an inner Ethertype other than IPv4,
 * IPv6, VLAN or ARP.
 *
 * @param p the packet being decoded
 * @param off offset of the UDP payload
 * @param len UDP payload length
 * @param depth layers decoded so far
 * @returns true when the payload is VXLAN
 */
export function decodeVxlan(p: Packet, off: number, len: number, depth: number): boolean {
  if (len < VXLAN_HEADER_LEN + ETHERNET_HEADER_LEN) return false;
  if (layerLimitReached(p, depth)) return false;
  if ((u8(p, off) & 0x08) === 0 || u8(p, off + 7) !== 0) return false;
  p.layers |= Layer.VXLAN | Layer.ETHERNET;
  const eth = off + VXLAN_HEADER_LEN;
  const type = u16(p, eth + 12);
  const inner = eth + ETHERNET_HEADER_LEN;
  const innerLen = len - VXLAN_HEADER_LEN - ETHERNET_HEADER_LEN;
  switch (type) {
    case EtherType.ARP:
      p.tunnel = Tunnel.VXLAN;
      decodeArp(p, inner, innerLen);
      break;
    case EtherType.IPV4:
    case EtherType.IPV6:
    case EtherType.VLAN:
    case EtherType.QINQ_8021AD:
    case EtherType.QINQ_9100:
      if (!enterL2Tunnel(p, Tunnel.VXLAN, depth + 1)) break;
      decodeEtherType(p, type, inner, innerLen, depth + 2);
      break;
    default:
      p.setEvent(Ev.VXLAN_UNKNOWN_PAYLOAD_TYPE);
  }
  return true;
}
