/**
 * The packets a `reject` rule answers with, built into a caller's buffer
 * from the decoded packet that matched: a TCP RST (IPv4 or IPv6) for TCP, an
 * ICMP destination unreachable (port unreachable; ICMPv6 type 1 code 4) for
 * everything else, like Suricata's respond-reject. Checksums are computed;
 * nothing is allocated.
 *
 * @module
 */

import { Layer, type Packet, TcpFlag } from "../decode/packet.ts";

/** Which way a reject packet goes. */
export const RejectTarget = {
  /** To the sender of the matching packet, as if from its destination (`rejectsrc`, `reject`). */
  SOURCE: 0,
  /** To the destination, as if from the sender (`rejectdst`). */
  DESTINATION: 1,
} as const;

/** The most bytes of the offending datagram an ICMP error quotes. */
const ICMP_QUOTE_MAX = 548;
/** Ethernet frames shorter than this are padded with zeros. */
const MIN_FRAME = 60;

/**
 * Build the reject packet for `p` into `out`, link header included (the
 * frame's own, with the MAC addresses swapped when answering the sender).
 *
 * @param p the packet that matched a reject rule (decoded, not tunnelled)
 * @param out where to write (at least 1600 bytes)
 * @param target {@link RejectTarget.SOURCE} or {@link RejectTarget.DESTINATION}
 * @returns the frame's length, or 0 when nothing can be sent (not IP, a
 *   tunnel, a TCP RST, an ICMP error, or a non-TCP packet to the destination)
 */
export function buildReject(p: Packet, out: Uint8Array, target: number): number {
  if (p.tunnel !== 0 || p.l3Offset < 0) return 0;
  if ((p.layers & (Layer.IPV4 | Layer.IPV6)) === 0) return 0;
  const tcp = p.ipProto === 6 && p.l4Offset >= 0;
  if (tcp && (p.tcpFlags & TcpFlag.RST) !== 0) return 0;
  if (!tcp && target !== RejectTarget.SOURCE) return 0;
  if (!tcp && isIcmpError(p)) return 0;
  const d = p.data;
  const base = p.frameOffset;
  const l3 = p.l3Offset;
  // link header: the frame's own (VLAN tags and all), MACs swapped towards the sender
  for (let i = 0; i < l3; i++) out[i] = d[base + i];
  const toSource = target === RejectTarget.SOURCE;
  if (toSource && (p.layers & Layer.ETHERNET) !== 0 && l3 >= 14) {
    for (let i = 0; i < 6; i++) {
      out[i] = d[base + 6 + i];
      out[6 + i] = d[base + i];
    }
  }
  let length: number;
  if (tcp) length = buildRst(p, out, l3, toSource);
  else if (p.ipVersion === 4) length = buildIcmp4(p, out, l3);
  else length = buildIcmp6(p, out, l3);
  if (length < MIN_FRAME && l3 > 0) {
    out.fill(0, length, MIN_FRAME);
    length = MIN_FRAME;
  }
  return length;
}

function isIcmpError(p: Packet): boolean {
  if (p.ipProto === 1) return p.icmpType === 3 || p.icmpType === 11 || p.icmpType === 12;
  if (p.ipProto === 58) return p.icmpType < 128;
  return false;
}

/** IP header (swapped or not) + a 20-byte TCP RST. */
function buildRst(p: Packet, out: Uint8Array, l3: number, toSource: boolean): number {
  const d = p.data;
  const ip = p.frameOffset + l3;
  const l4 = p.frameOffset + p.l4Offset;
  let at: number;
  if (p.ipVersion === 4) {
    writeIpv4Header(out, l3, 40, 6);
    copyAddresses(d, ip + 12, out, l3 + 12, 4, toSource);
    at = l3 + 20;
  } else {
    writeIpv6Header(out, l3, 20, 6);
    copyAddresses(d, ip + 8, out, l3 + 8, 16, toSource);
    at = l3 + 40;
  }
  const sport = (d[l4] << 8) | d[l4 + 1];
  const dport = (d[l4 + 2] << 8) | d[l4 + 3];
  const flags = p.tcpFlags;
  const consumed = p.payloadLen + ((flags & TcpFlag.SYN) !== 0 ? 1 : 0) +
    ((flags & TcpFlag.FIN) !== 0 ? 1 : 0);
  let seq: number;
  let ack: number;
  if (toSource) {
    seq = (flags & TcpFlag.ACK) !== 0 ? p.tcpAck : 0;
    ack = (p.tcpSeq + consumed) >>> 0;
  } else {
    seq = (p.tcpSeq + consumed) >>> 0;
    ack = p.tcpAck;
  }
  put16(out, at, toSource ? dport : sport);
  put16(out, at + 2, toSource ? sport : dport);
  put32(out, at + 4, seq);
  put32(out, at + 8, ack);
  out[at + 12] = 5 << 4;
  out[at + 13] = TcpFlag.RST | TcpFlag.ACK;
  put16(out, at + 14, 0); // window
  put16(out, at + 16, 0); // checksum, below
  put16(out, at + 18, 0); // urgent
  put16(out, at + 16, l4Checksum(out, l3, at, 20, 6, p.ipVersion));
  return at + 20;
}

/** IPv4 + ICMP type 3 code 3 quoting the offending datagram's start. */
function buildIcmp4(p: Packet, out: Uint8Array, l3: number): number {
  const d = p.data;
  const ip = p.frameOffset + l3;
  const quoted = Math.min(p.ipTotalLen, p.capLen - l3, ICMP_QUOTE_MAX);
  writeIpv4Header(out, l3, 20 + 8 + quoted, 1);
  copyAddresses(d, ip + 12, out, l3 + 12, 4, true);
  const at = l3 + 20;
  out[at] = 3;
  out[at + 1] = 3;
  out.fill(0, at + 2, at + 8);
  for (let i = 0; i < quoted; i++) out[at + 8 + i] = d[ip + i];
  put16(out, at + 2, fold(~sum16(out, at, 8 + quoted, 0)));
  return at + 8 + quoted;
}

/** IPv6 + ICMPv6 type 1 code 4 quoting the offending packet's start. */
function buildIcmp6(p: Packet, out: Uint8Array, l3: number): number {
  const d = p.data;
  const ip = p.frameOffset + l3;
  const quoted = Math.min(p.ipTotalLen, p.capLen - l3, 1232 - 48);
  writeIpv6Header(out, l3, 8 + quoted, 58);
  copyAddresses(d, ip + 8, out, l3 + 8, 16, true);
  const at = l3 + 40;
  out[at] = 1;
  out[at + 1] = 4;
  out.fill(0, at + 2, at + 8);
  for (let i = 0; i < quoted; i++) out[at + 8 + i] = d[ip + i];
  put16(out, at + 2, l4Checksum(out, l3, at, 8 + quoted, 58, 6));
  return at + 8 + quoted;
}

function writeIpv4Header(out: Uint8Array, at: number, totalLength: number, proto: number): void {
  out[at] = 0x45;
  out[at + 1] = 0;
  put16(out, at + 2, totalLength);
  put16(out, at + 4, 0); // id
  put16(out, at + 6, 0x4000); // DF
  out[at + 8] = 64;
  out[at + 9] = proto;
  put16(out, at + 10, 0);
}

function writeIpv6Header(out: Uint8Array, at: number, payloadLength: number, next: number): void {
  put32(out, at, 0x60000000);
  put16(out, at + 4, payloadLength);
  out[at + 6] = next;
  out[at + 7] = 64;
}

/** Copy source and destination addresses, swapped when answering the sender; IPv4 gets its header checksum. */
function copyAddresses(
  d: Uint8Array,
  from: number,
  out: Uint8Array,
  to: number,
  size: number,
  swap: boolean,
): void {
  for (let i = 0; i < size; i++) {
    out[to + i] = d[from + (swap ? size : 0) + i];
    out[to + size + i] = d[from + (swap ? 0 : size) + i];
  }
  if (size === 4) {
    const l3 = to - 12;
    put16(out, l3 + 10, fold(~sum16(out, l3, 20, 0)));
  }
}

/** TCP/ICMPv6 checksum over the pseudo header (addresses from the header just written). */
function l4Checksum(
  out: Uint8Array,
  l3: number,
  l4: number,
  length: number,
  proto: number,
  version: number,
): number {
  let sum = version === 4 ? sum16(out, l3 + 12, 8, 0) : sum16(out, l3 + 8, 32, 0);
  sum += proto + length;
  return fold(~sum16(out, l4, length, sum));
}

function sum16(d: Uint8Array, start: number, len: number, initial: number): number {
  let sum = initial;
  const end = start + (len & ~1);
  for (let i = start; i < end; i += 2) sum += (d[i] << 8) | d[i + 1];
  if ((len & 1) !== 0) sum += d[end] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function fold(value: number): number {
  return value & 0xffff;
}

function put16(out: Uint8Array, at: number, value: number): void {
  out[at] = (value >>> 8) & 0xff;
  out[at + 1] = value & 0xff;
}

function put32(out: Uint8Array, at: number, value: number): void {
  out[at] = (value >>> 24) & 0xff;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}
