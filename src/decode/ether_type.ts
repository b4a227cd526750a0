/**
 * The network-layer dispatcher: given an Ethertype (from Ethernet, VLAN,
 * SLL, Cisco HDLC, ...) run the decoder for what follows, as Suricata's
 * `DecodeNetworkLayer`.
 *
 * @module
 */

import { decodeArp } from "./arp.ts";
import { decodeDce } from "./ethernet.ts";
import { Ev } from "./events.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import { decodeMpls } from "./mpls.ts";
import type { Packet } from "./packet.ts";
import { decodePppoeDiscovery, decodePppoeSession } from "./pppoe.ts";
import { decodeIeee8021ah, decodeVlan, decodeVntag } from "./vlan.ts";

/** Ethertypes the decoders know. */
export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  /** Transparent Ethernet bridging (GRE payload). */
  BRIDGE: 0x6558,
  /** ERSPAN type III (GRE payload). */
  ERSPAN3: 0x22eb,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  PPPOE_DISCOVERY: 0x8863,
  PPPOE_SESSION: 0x8864,
  MPLS_UNICAST: 0x8847,
  MPLS_MULTICAST: 0x8848,
  /** PPP in GRE (PPTP). */
  PPP: 0x880b,
  /** ERSPAN type I/II (GRE payload). */
  ERSPAN: 0x88be,
  QINQ_8021AD: 0x88a8,
  IEEE8021AH: 0x88e7,
  DCE: 0x8903,
  VNTAG: 0x8926,
  QINQ_9100: 0x9100,
} as const;

/**
 * Decode what follows an Ethertype. Sets {@link Packet.etherType}.
 *
 * @param p the packet being decoded
 * @param type the Ethertype
 * @param off offset of the header that follows
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 * @returns false when the Ethertype is unknown (nothing was decoded)
 */
export function decodeEtherType(
  p: Packet,
  type: number,
  off: number,
  len: number,
  depth: number,
): boolean {
  p.etherType = type;
  switch (type) {
    case EtherType.IPV4:
      decodeIpv4(p, off, len, depth);
      return true;
    case EtherType.IPV6:
      decodeIpv6(p, off, len, depth);
      return true;
    case EtherType.VLAN:
    case EtherType.QINQ_8021AD:
    case EtherType.QINQ_9100:
      if (p.vlanCount > 2) p.setEvent(Ev.VLAN_TOO_MANY_LAYERS);
      else decodeVlan(p, off, len, depth);
      return true;
    case EtherType.ARP:
      decodeArp(p, off, len);
      return true;
    case EtherType.PPPOE_SESSION:
      decodePppoeSession(p, off, len, depth);
      return true;
    case EtherType.PPPOE_DISCOVERY:
      decodePppoeDiscovery(p, off, len);
      return true;
    case EtherType.MPLS_UNICAST:
    case EtherType.MPLS_MULTICAST:
      decodeMpls(p, off, len, depth);
      return true;
    case EtherType.IEEE8021AH:
      decodeIeee8021ah(p, off, len, depth);
      return true;
    case EtherType.DCE:
      decodeDce(p, off, len, depth);
      return true;
    case EtherType.VNTAG:
      decodeVntag(p, off, len, depth);
      return true;
    default:
      return false;
  }
}
