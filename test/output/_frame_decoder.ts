/**
 * A small decoder for the output tests: fills a {@link Packet} from the bytes
 * of one frame the way Suricata 7 sees it (Ethernet, Linux SLL, 802.1Q/802.1ad,
 * IPv4 with an option-length check, IPv6 with extension headers, TCP, UDP,
 * SCTP, ICMPv4, ICMPv6 with Suricata's payload rule, and optionally GRE and
 * VXLAN decapsulation). Test code only: the real decoder lives in src/decode/.
 *
 * @module
 */

import { Layer, Packet, Tunnel } from "../../src/decode/packet.ts";

/** Where the frame came from. */
export interface FrameInfo {
  /** pcap link type (1 = Ethernet). */
  linkType: number;
  /** Timestamp seconds. */
  tsSec: number;
  /** Timestamp nanoseconds. */
  tsNsec: number;
  /** Decode GRE and VXLAN payloads as inner packets (Suricata's tunnel pseudo-packet). */
  decapsulate?: boolean;
}

function u16(d: Uint8Array, i: number): number {
  return (d[i] << 8) | d[i + 1];
}

function u32(d: Uint8Array, i: number): number {
  return ((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0;
}

/**
 * Decode `frame` into `packet` (reset first).
 *
 * @param frame the captured bytes
 * @param info link type, timestamp, decapsulation
 * @param packet the struct to fill (a new one by default)
 * @returns the packet
 */
export function packetFromFrame(frame: Uint8Array, info: FrameInfo, packet = new Packet()): Packet {
  packet.reset();
  packet.data = frame;
  packet.frameOffset = 0;
  packet.capLen = frame.length;
  packet.wireLen = frame.length;
  packet.linkType = info.linkType;
  packet.tsSec = info.tsSec;
  packet.tsNsec = info.tsNsec;
  const dec = new Decoder(packet, frame, info.decapsulate ?? false);
  if (info.linkType === 1) dec.ethernet(0);
  else if (info.linkType === 113 && frame.length >= 16) {
    packet.layers |= Layer.SLL;
    dec.ethertype(u16(frame, 14), 16);
  } else if (info.linkType === 12 || info.linkType === 101) dec.ip(0, frame.length);
  return packet;
}

class Decoder {
  constructor(
    readonly p: Packet,
    readonly d: Uint8Array,
    readonly decap: boolean,
  ) {}

  ethernet(off: number): void {
    const { p, d } = this;
    if (off + 14 > d.length) return;
    if ((p.layers & Layer.ETHERNET) === 0) p.l2Offset = off;
    p.layers |= Layer.ETHERNET;
    let type = u16(d, off + 12);
    off += 14;
    while ((type === 0x8100 || type === 0x88a8) && off + 4 <= d.length) {
      p.layers |= Layer.VLAN;
      const id = u16(d, off) & 0xfff;
      if (p.vlanCount === 0) p.vlanId0 = id;
      else if (p.vlanCount === 1) p.vlanId1 = id;
      else if (p.vlanCount === 2) p.vlanId2 = id;
      p.vlanCount++;
      type = u16(d, off + 2);
      off += 4;
    }
    this.ethertype(type, off);
  }

  ethertype(type: number, off: number): void {
    this.p.etherType = type;
    if (type === 0x0800 || type === 0x86dd) this.ip(off, this.d.length);
  }

  ip(off: number, end: number): void {
    const v = this.d[off] >>> 4;
    if (v === 4) this.ipv4(off, end);
    else if (v === 6) this.ipv6(off, end);
  }

  ipv4(off: number, end: number): void {
    const { p, d } = this;
    if (off + 20 > end) return;
    const hlen = (d[off] & 15) * 4;
    const total = u16(d, off + 2);
    if (hlen < 20 || off + hlen > end || total < hlen) return;
    // Options: each must have a sane length, else Suricata rejects the header.
    for (let o = off + 20; o < off + hlen;) {
      const t = d[o];
      if (t === 0) break;
      if (t === 1) {
        o++;
        continue;
      }
      const len = d[o + 1];
      if (len < 2 || o + len > off + hlen) return;
      o += len;
    }
    if (p.ipVersion !== 0) this.beginTunnel();
    p.layers |= Layer.IPV4;
    p.ipVersion = 4;
    p.l3Offset = off;
    p.ipHeaderLen = hlen;
    p.ipTotalLen = total;
    p.ipProto = d[off + 9];
    p.ttl = d[off + 8];
    p.src4 = u32(d, off + 12);
    p.dst4 = u32(d, off + 16);
    p.src6Offset = -1;
    p.dst6Offset = -1;
    const frag = u16(d, off + 6);
    p.fragOffset = (frag & 0x1fff) * 8;
    const l4End = Math.min(end, off + total);
    if (p.fragOffset === 0) this.transport(p.ipProto, off + hlen, l4End);
  }

  ipv6(off: number, end: number): void {
    const { p, d } = this;
    if (off + 40 > end) return;
    if (p.ipVersion !== 0) this.beginTunnel();
    p.layers |= Layer.IPV6;
    p.ipVersion = 6;
    p.l3Offset = off;
    p.src6Offset = off + 8;
    p.dst6Offset = off + 24;
    const l4End = Math.min(end, off + 40 + u16(d, off + 4));
    let nh = d[off + 6];
    let o = off + 40;
    for (;;) {
      if (nh === 0 || nh === 43 || nh === 60) {
        nh = d[o];
        o += (d[o + 1] + 1) * 8;
      } else if (nh === 44) {
        nh = d[o];
        p.fragOffset = u16(d, o + 2) & 0xfff8;
        o += 8;
      } else if (nh === 51) {
        nh = d[o];
        o += (d[o + 1] + 2) * 4;
      } else break;
    }
    p.ipHeaderLen = o - off;
    p.ipProto = nh;
    if (p.fragOffset === 0) this.transport(nh, o, l4End);
  }

  /** The IP header just found is inside another: remember the outer one. */
  beginTunnel(): void {
    const p = this.p;
    if (p.outerL3Offset < 0) p.outerL3Offset = p.l3Offset;
    p.srcPort = 0;
    p.dstPort = 0;
    p.payloadOffset = -1;
    p.payloadLen = 0;
  }

  transport(proto: number, off: number, end: number): void {
    const { p, d } = this;
    const avail = end - off;
    p.l4Offset = off;
    switch (proto) {
      case 6: {
        if (avail < 20) return;
        const hl = (d[off + 12] >>> 4) * 4;
        if (hl < 20 || hl > avail) return;
        p.layers |= Layer.TCP;
        p.srcPort = u16(d, off);
        p.dstPort = u16(d, off + 2);
        p.tcpFlags = d[off + 13];
        this.payload(off + hl, end);
        return;
      }
      case 17: {
        if (avail < 8) return;
        p.layers |= Layer.UDP;
        p.srcPort = u16(d, off);
        p.dstPort = u16(d, off + 2);
        this.payload(off + 8, end);
        if (this.decap && p.dstPort === 4789 && avail >= 16 + 14) {
          p.tunnel = Tunnel.VXLAN;
          this.ethernet(off + 16);
        }
        return;
      }
      case 132: {
        if (avail < 12) return;
        p.layers |= Layer.SCTP;
        p.srcPort = u16(d, off);
        p.dstPort = u16(d, off + 2);
        this.payload(off + 12, end);
        return;
      }
      case 1: {
        if (avail < 8) return;
        p.layers |= Layer.ICMPV4;
        p.icmpType = d[off];
        p.icmpCode = d[off + 1];
        this.payload(off + 8, end);
        return;
      }
      case 58: {
        if (avail < 8) return;
        p.layers |= Layer.ICMPV6;
        p.icmpType = d[off];
        p.icmpCode = d[off + 1];
        // Suricata: error and echo messages have an 8-byte header; for the
        // others the payload starts at +4 and is 12 bytes shorter.
        const full = [1, 2, 3, 4, 128, 129].includes(p.icmpType);
        if (full) this.payload(off + 8, end);
        else if (avail - 8 >= 4) {
          p.payloadOffset = off + 4;
          p.payloadLen = avail - 12;
        }
        return;
      }
      case 47: {
        if (!this.decap || avail < 4) return;
        const flags = u16(d, off);
        const type = u16(d, off + 2);
        let hl = 4;
        if (flags & 0x8000) hl += 4;
        if (flags & 0x2000) hl += 4;
        if (flags & 0x1000) hl += 4;
        p.tunnel = Tunnel.GRE;
        if (type === 0x0800 || type === 0x86dd) this.ip(off + hl, end);
        else if (type === 0x6558) this.ethernet(off + hl);
        return;
      }
    }
  }

  payload(off: number, end: number): void {
    this.p.payloadOffset = off;
    this.p.payloadLen = Math.max(0, end - off);
  }
}
