/**
 * The decoded view of one frame: numbers and offsets, written in place by the
 * decoders into ONE reused instance per worker. Nothing here points into the
 * frame except offsets; strings are made only when an event is written out.
 *
 * Offsets (`l2Offset`, `l3Offset`, ...) are relative to the frame start, so
 * they stay small integers even when the frame lies past 4 GiB in a file:
 * byte `i` of the frame is `packet.data[packet.frameOffset + i]`.
 *
 * @module
 */

import { EVENT_WORDS } from "./events.ts";

/** Layer bits in {@link Packet.layers}: which protocols this frame contains. */
export const Layer = {
  ETHERNET: 1 << 0,
  VLAN: 1 << 1,
  MPLS: 1 << 2,
  SLL: 1 << 3,
  NULL: 1 << 4,
  PPP: 1 << 5,
  PPPOE: 1 << 6,
  ARP: 1 << 7,
  IPV4: 1 << 8,
  IPV6: 1 << 9,
  TCP: 1 << 10,
  UDP: 1 << 11,
  ICMPV4: 1 << 12,
  ICMPV6: 1 << 13,
  GRE: 1 << 14,
  VXLAN: 1 << 15,
  TEREDO: 1 << 16,
  /** An IPv4 or IPv6 fragment (first or later). */
  FRAGMENT: 1 << 17,
  /** Raw IP with no link header (link types 101, 228, 229). */
  RAW: 1 << 18,
  /** IEEE 802.1ad outer tag (QinQ). */
  QINQ: 1 << 19,
  /** SCTP (counted, not decoded further). */
  SCTP: 1 << 20,
  /** ERSPAN (type II/III). */
  ERSPAN: 1 << 21,
  /** Cisco HDLC link header (link type 104). */
  CHDLC: 1 << 22,
} as const;

/** Names of the {@link Layer} bits, for summaries. */
export const LAYER_NAMES: readonly string[] = Object.keys(Layer).map((k) => k.toLowerCase());

/** IPv4 fragment flag bits in {@link Packet.fragFlags}. */
export const FragFlag = { MF: 1, DF: 2, RB: 4 } as const;

/** TCP flag bits in {@link Packet.tcpFlags} (the header's flag byte, plus NS as bit 8). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
  NS: 0x100,
} as const;

/** IPv6 extension headers seen, bits in {@link Packet.ip6Exthdrs}. */
export const Ip6Ext = {
  HOP_BY_HOP: 1,
  ROUTING: 2,
  FRAGMENT: 4,
  DESTINATION: 8,
  AH: 16,
  ESP: 32,
  NONE: 64,
} as const;

/** Tunnel kinds in {@link Packet.tunnel}. */
export const Tunnel = {
  NONE: 0,
  GRE: 1,
  VXLAN: 2,
  TEREDO: 3,
  IPV4_IN_IPV6: 4,
  IPV6_IN_IPV6: 5,
  IPV6_IN_IPV4: 6,
  IPV4_IN_IPV4: 7,
  ERSPAN: 8,
} as const;

/**
 * One frame, decoded. Reset by the decoder at the start of every frame with
 * {@link Packet.reset}; fields not reached by decoding keep their reset value.
 * When a tunnel is decoded, the network and transport fields describe the
 * innermost packet and `outerL3Offset` the outer one.
 */
export class Packet {
  /** The buffer the frame lies in (the source's one mapped buffer). */
  data: Uint8Array = new Uint8Array(0);
  /** Offset of the frame in {@link Packet.data}. */
  frameOffset = 0;
  /** Captured length of the frame. */
  capLen = 0;
  /** Length on the wire. */
  wireLen = 0;
  /** Link type (pcap LINKTYPE_*). */
  linkType = 0;
  /** Timestamp seconds. */
  tsSec = 0;
  /** Timestamp nanoseconds. */
  tsNsec = 0;
  /**
   * The interface a live frame arrived on (EVE `in_iface`), set by the
   * capture loop per ring; null for files. Not touched by decoding.
   */
  inIface: string | null = null;

  /** {@link Layer} bits of every protocol this frame contains (outer and inner). */
  layers = 0;
  /** Decoder events raised on this frame, one bit per event of `events.ts`. */
  readonly events: Uint32Array = new Uint32Array(EVENT_WORDS);
  /** Number of decoder events raised on this frame. */
  eventCount = 0;

  // ---- link layer
  /** Offset of the link header (0 unless something precedes it). */
  l2Offset = 0;
  /** Ethertype that followed the link layer (after VLAN/MPLS), 0 if none. */
  etherType = 0;
  /** VLAN tags seen (802.1Q and 802.1ad), at most 3 counted. */
  vlanCount = 0;
  /** Outermost VLAN id. */
  vlanId0 = 0;
  /** Second VLAN id. */
  vlanId1 = 0;
  /** Third VLAN id. */
  vlanId2 = 0;
  /** MPLS labels seen. */
  mplsCount = 0;

  // ---- network layer (innermost IP header)
  /** Offset of the (innermost) IP header; -1 when there is none. */
  l3Offset = -1;
  /** Offset of the outermost IP header when tunnelled, else -1. */
  outerL3Offset = -1;
  /** 4 or 6 for the innermost IP header; 0 when none. */
  ipVersion = 0;
  /** IP header length in bytes (IPv6: 40 + extension headers). */
  ipHeaderLen = 0;
  /** IPv4 total length / IPv6 40 + payload length, as the header says. */
  ipTotalLen = 0;
  /** Transport protocol number after IPv6 extension headers. */
  ipProto = 0;
  /** IPv4 TTL / IPv6 hop limit. */
  ttl = 0;
  /** IPv4 TOS / IPv6 traffic class. */
  tos = 0;
  /** IPv4 identification / IPv6 fragment identification. */
  ipId = 0;
  /** Fragment offset in bytes. */
  fragOffset = 0;
  /** {@link FragFlag} bits (IPv6: MF only). */
  fragFlags = 0;
  /** IPv4 options seen, one bit per option type (see decode/ipv4.ts). */
  ip4Options = 0;
  /** IPv6 extension headers seen ({@link Ip6Ext} bits). */
  ip6Exthdrs = 0;
  /** IPv6 flow label. */
  ip6FlowLabel = 0;
  /** IPv4 source address as u32 (host order value of the network bytes). */
  src4 = 0;
  /** IPv4 destination address as u32. */
  dst4 = 0;
  /** Offset of the 16-byte IPv6 source address in the frame; -1 for IPv4. */
  src6Offset = -1;
  /** Offset of the 16-byte IPv6 destination address in the frame; -1 for IPv4. */
  dst6Offset = -1;
  /** {@link Tunnel} kind of the innermost encapsulation, 0 if none. */
  tunnel = 0;
  /**
   * The VLAN ids are the innermost tunnel's own: it carried a link-layer
   * frame (GRE bridging, ERSPAN, VXLAN) and the VLAN stack restarted there.
   * Otherwise a tunnel's inner packet has none of the outer ones.
   */
  tunnelVlans = false;

  // ---- transport layer
  /** Offset of the transport header; -1 when there is none. */
  l4Offset = -1;
  /** Transport header length in bytes. */
  l4HeaderLen = 0;
  /** Source port (TCP/UDP). */
  srcPort = 0;
  /** Destination port (TCP/UDP). */
  dstPort = 0;
  /** {@link TcpFlag} bits. */
  tcpFlags = 0;
  /** TCP sequence number (u32). */
  tcpSeq = 0;
  /** TCP acknowledgement number (u32). */
  tcpAck = 0;
  /** TCP window (unscaled). */
  tcpWindow = 0;
  /** TCP urgent pointer. */
  tcpUrgent = 0;
  /** TCP MSS option, 0 if absent. */
  tcpMss = 0;
  /** TCP window scale option, -1 if absent. */
  tcpWscale = -1;
  /** TCP SACK-permitted option present. */
  tcpSackPermitted = false;
  /** Number of SACK blocks in the SACK option (0 if absent). */
  tcpSackBlocks = 0;
  /** Offset of the first SACK block (pairs of u32), -1 if absent. */
  tcpSackOffset = -1;
  /** TCP timestamp option present. */
  tcpHasTimestamp = false;
  /** TCP timestamp value. */
  tcpTsVal = 0;
  /** TCP timestamp echo reply. */
  tcpTsEcr = 0;
  /** UDP length field. */
  udpLen = 0;
  /** ICMP type (v4 or v6). */
  icmpType = 0;
  /** ICMP code (v4 or v6). */
  icmpCode = 0;
  /** ICMP echo id. */
  icmpId = 0;
  /** ICMP echo sequence. */
  icmpSeq = 0;
  /** ARP opcode. */
  arpOp = 0;
  /**
   * Offset of the IP header quoted in an ICMP error message (ICMPv4
   * unreachable, source quench, redirect, time exceeded, parameter problem;
   * ICMPv6 types 1-4); -1 when there is none. Its addresses are at +12/+16
   * (IPv4) or +8/+24 (IPv6) from here.
   */
  icmpEmbL3Offset = -1;
  /** Protocol of the IP header quoted in an ICMP error, 0 when none. */
  icmpEmbIpProto = 0;
  /** Offset of the transport header quoted in an ICMP error; -1 when absent. */
  icmpEmbL4Offset = -1;
  /** Source port of the TCP/UDP header quoted in an ICMP error (0 when absent). */
  icmpEmbSrcPort = 0;
  /** Destination port of the TCP/UDP header quoted in an ICMP error (0 when absent). */
  icmpEmbDstPort = 0;

  // ---- payload
  /** Offset of the application payload; -1 when there is none. */
  payloadOffset = -1;
  /** Payload length in bytes (0 when none). */
  payloadLen = 0;

  /** Reset every decoded field before decoding a new frame. */
  reset(): void {
    this.layers = 0;
    if (this.eventCount !== 0) this.events.fill(0);
    this.eventCount = 0;
    this.l2Offset = 0;
    this.etherType = 0;
    this.vlanCount = 0;
    this.vlanId0 = 0;
    this.vlanId1 = 0;
    this.vlanId2 = 0;
    this.mplsCount = 0;
    this.l3Offset = -1;
    this.outerL3Offset = -1;
    this.ipVersion = 0;
    this.ipHeaderLen = 0;
    this.ipTotalLen = 0;
    this.ipProto = 0;
    this.ttl = 0;
    this.tos = 0;
    this.ipId = 0;
    this.fragOffset = 0;
    this.fragFlags = 0;
    this.ip4Options = 0;
    this.ip6Exthdrs = 0;
    this.ip6FlowLabel = 0;
    this.src4 = 0;
    this.dst4 = 0;
    this.src6Offset = -1;
    this.dst6Offset = -1;
    this.tunnel = 0;
    this.tunnelVlans = false;
    this.l4Offset = -1;
    this.l4HeaderLen = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpWindow = 0;
    this.tcpUrgent = 0;
    this.tcpMss = 0;
    this.tcpWscale = -1;
    this.tcpSackPermitted = false;
    this.tcpSackBlocks = 0;
    this.tcpSackOffset = -1;
    this.tcpHasTimestamp = false;
    this.tcpTsVal = 0;
    this.tcpTsEcr = 0;
    this.udpLen = 0;
    this.icmpType = 0;
    this.icmpCode = 0;
    this.icmpId = 0;
    this.icmpSeq = 0;
    this.arpOp = 0;
    this.icmpEmbL3Offset = -1;
    this.icmpEmbIpProto = 0;
    this.icmpEmbL4Offset = -1;
    this.icmpEmbSrcPort = 0;
    this.icmpEmbDstPort = 0;
    this.payloadOffset = -1;
    this.payloadLen = 0;
  }

  /**
   * Raise a decoder event on this frame.
   *
   * @param event the event's bit number (`Ev.*` in events.ts)
   */
  setEvent(event: number): void {
    const word = event >>> 5;
    const bit = 1 << (event & 31);
    if ((this.events[word] & bit) === 0) {
      this.events[word] |= bit;
      this.eventCount++;
    }
  }

  /**
   * Whether a decoder event was raised on this frame.
   *
   * @param event the event's bit number
   * @returns true when raised
   */
  hasEvent(event: number): boolean {
    return (this.events[event >>> 5] & (1 << (event & 31))) !== 0;
  }

  /**
   * Byte `i` of the frame (0 when outside the captured bytes).
   *
   * @param i offset from the frame start
   * @returns the byte
   */
  byteAt(i: number): number {
    return i >= 0 && i < this.capLen ? this.data[this.frameOffset + i] : 0;
  }
}
