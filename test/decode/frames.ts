/**
 * Frame builders for the decoder tests: real header bytes with correct
 * lengths and checksums, and helpers to decode a frame and check that a
 * decode never depends on bytes past the captured length. Test code: it
 * allocates freely.
 *
 * @module
 */

import assert from "node:assert/strict";
import { decodePacket } from "../../src/decode/decoder.ts";
import { DECODER_EVENT_NAMES } from "../../src/decode/events.ts";
import { Packet } from "../../src/decode/packet.ts";

/** Bytes from numbers, arrays and byte arrays, concatenated. */
export function bytes(...parts: (number | number[] | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === "number") out.push(part & 0xff);
    else for (const b of part) out.push(b & 0xff);
  }
  return new Uint8Array(out);
}

/** Big-endian 16-bit value as two bytes. */
export function be16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

/** Big-endian 32-bit value as four bytes. */
export function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Dotted IPv4 address as four bytes. */
export function ip4(addr: string): number[] {
  return addr.split(".").map(Number);
}

/** Dotted IPv4 address as its u32 value. */
export function ip4Value(addr: string): number {
  const b = ip4(addr);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/** IPv6 address (with `::`) as sixteen bytes. */
export function ip6(addr: string): number[] {
  const [head, tail] = addr.includes("::") ? addr.split("::") : [addr, ""];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.flatMap((g) => be16(parseInt(g, 16)));
}

/** Internet checksum (RFC 1071) of `data`, starting from `initial`. */
export function checksum(data: Uint8Array | number[], initial = 0): number {
  let sum = initial;
  for (let i = 0; i < data.length; i += 2) {
    sum += (data[i] << 8) | (i + 1 < data.length ? data[i + 1] : 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function partialSum(data: number[]): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) sum += (data[i] << 8) | (data[i + 1] ?? 0);
  return sum;
}

const MAC_A = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55];
const MAC_B = [0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb];

/** Ethernet II frame. */
export function ethernet(type: number, payload: Uint8Array, dst = MAC_A, src = MAC_B): Uint8Array {
  return bytes(dst, src, be16(type), payload);
}

/** One VLAN tag (TCI and inner type), to follow a 0x8100/0x88a8 Ethertype. */
export function vlanTag(id: number, type: number, payload: Uint8Array, pcp = 0): Uint8Array {
  return bytes(be16((pcp << 13) | (id & 0xfff)), be16(type), payload);
}

/** IPv4 header fields for {@link ipv4}. */
export interface Ipv4Options {
  src?: string;
  dst?: string;
  proto?: number;
  ttl?: number;
  tos?: number;
  id?: number;
  /** Flag bits: 0x4000 DF, 0x2000 MF, 0x8000 reserved. */
  flags?: number;
  /** Fragment offset in bytes (a multiple of 8). */
  fragOffset?: number;
  /** Option bytes (padded by the caller to a multiple of 4). */
  options?: number[];
  /** Override the total length field. */
  totalLength?: number;
  /** Override the header length field (in 32-bit words). */
  ihl?: number;
  /** Override the version nibble. */
  version?: number;
}

/**
 * IPv4 packet with a valid header checksum, and a valid TCP/UDP checksum in
 * the payload when it is an unfragmented TCP or UDP segment.
 */
export function ipv4(o: Ipv4Options, payload: Uint8Array): Uint8Array {
  const options = o.options ?? [];
  const hlen = 20 + options.length;
  const total = o.totalLength ?? hlen + payload.length;
  const src = ip4(o.src ?? "10.0.0.1");
  const dst = ip4(o.dst ?? "10.0.0.2");
  const proto = o.proto ?? 6;
  const header = bytes(
    ((o.version ?? 4) << 4) | (o.ihl ?? hlen >>> 2),
    o.tos ?? 0,
    be16(total),
    be16(o.id ?? 0x1234),
    be16((o.flags ?? 0) | ((o.fragOffset ?? 0) >>> 3)),
    o.ttl ?? 64,
    proto,
    [0, 0],
    src,
    dst,
    options,
  );
  const c = checksum(header);
  header[10] = c >>> 8;
  header[11] = c & 0xff;
  const body = payload.slice();
  const fragmented = (o.flags ?? 0) & 0x2000 || (o.fragOffset ?? 0) !== 0;
  if (!fragmented) {
    fixL4Checksum(body, proto, partialSum([...src, ...dst, 0, proto, ...be16(body.length)]));
  }
  return bytes(header, body);
}

/** Fill the TCP/UDP/ICMPv6 checksum of `l4` given the pseudo-header sum. */
function fixL4Checksum(l4: Uint8Array, proto: number, pseudo: number): void {
  const at = proto === 6 ? 16 : proto === 17 ? 6 : proto === 58 ? 2 : -1;
  if (at < 0 || l4.length < at + 2) return;
  l4[at] = 0;
  l4[at + 1] = 0;
  let c = checksum(l4, pseudo);
  if (proto === 17 && c === 0) c = 0xffff;
  l4[at] = c >>> 8;
  l4[at + 1] = c & 0xff;
}

/** IPv6 header fields for {@link ipv6}. */
export interface Ipv6Options {
  src?: string;
  dst?: string;
  /** Next header of the fixed header. */
  nh?: number;
  hlim?: number;
  tc?: number;
  flow?: number;
  /** Override the payload length field. */
  payloadLength?: number;
  /** Override the version nibble. */
  version?: number;
  /** Offset in `payload` of the transport header (after extension headers), for its checksum. */
  l4Offset?: number;
  /** Protocol of that transport header (default `nh`). */
  l4Proto?: number;
}

/** IPv6 packet; the transport checksum at `l4Offset` is filled in. */
export function ipv6(o: Ipv6Options, payload: Uint8Array): Uint8Array {
  const src = ip6(o.src ?? "2001:db8::1");
  const dst = ip6(o.dst ?? "2001:db8::2");
  const nh = o.nh ?? 6;
  const first = (((o.version ?? 6) << 28) | ((o.tc ?? 0) << 20) | (o.flow ?? 0)) >>> 0;
  const body = payload.slice();
  const l4Off = o.l4Offset ?? 0;
  const l4Proto = o.l4Proto ?? nh;
  const l4 = body.subarray(l4Off);
  fixL4Checksum(l4, l4Proto, partialSum([...src, ...dst, ...be32(l4.length), 0, 0, 0, l4Proto]));
  return bytes(be32(first), be16(o.payloadLength ?? body.length), nh, o.hlim ?? 64, src, dst, body);
}

/** An IPv6 extension header with 8-octet length units (hop-by-hop, destination, routing). */
export function ip6Ext(nh: number, body: number[]): Uint8Array {
  const total = 2 + body.length;
  const padded = [...body, ...Array((8 - (total % 8)) % 8).fill(0)];
  return bytes(nh, (2 + padded.length) / 8 - 1, padded);
}

/** An IPv6 fragment header. */
export function ip6Frag(nh: number, offset: number, more: boolean, id = 0xabcd): Uint8Array {
  return bytes(nh, 0, be16(offset | (more ? 1 : 0)), be32(id));
}

/** TCP header fields for {@link tcp}. */
export interface TcpOptions {
  sp?: number;
  dp?: number;
  seq?: number;
  ack?: number;
  /** Flag byte (plus 0x100 for NS). */
  flags?: number;
  win?: number;
  urg?: number;
  /** Option bytes (padded by the caller to a multiple of 4 unless testing). */
  options?: number[];
  /** Override the data offset (in 32-bit words). */
  dataOffset?: number;
}

/** TCP segment (checksum filled in by the IP builder). */
export function tcp(o: TcpOptions, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const options = o.options ?? [];
  const doff = o.dataOffset ?? (20 + options.length) >>> 2;
  const flags = o.flags ?? 0x18;
  return bytes(
    be16(o.sp ?? 1234),
    be16(o.dp ?? 80),
    be32(o.seq ?? 1000),
    be32(o.ack ?? 2000),
    (doff << 4) | ((flags >>> 8) & 1),
    flags & 0xff,
    be16(o.win ?? 65535),
    [0, 0],
    be16(o.urg ?? 0),
    options,
    payload,
  );
}

/** UDP datagram (checksum filled in by the IP builder). */
export function udp(sp: number, dp: number, payload: Uint8Array, length?: number): Uint8Array {
  return bytes(be16(sp), be16(dp), be16(length ?? 8 + payload.length), [0, 0], payload);
}

/** ICMPv4 message with its checksum. */
export function icmp4(type: number, code: number, rest: number[], data: Uint8Array): Uint8Array {
  const m = bytes(type, code, [0, 0], rest, data);
  const c = checksum(m);
  m[2] = c >>> 8;
  m[3] = c & 0xff;
  return m;
}

/** ICMPv6 message (checksum filled in by the IPv6 builder). */
export function icmp6(type: number, code: number, rest: number[], data: Uint8Array): Uint8Array {
  return bytes(type, code, [0, 0], rest, data);
}

/** `n` bytes of a recognisable pattern. */
export function filler(n: number, seed = 0x41): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed + i) & 0xff;
  return out;
}

/** Ethernet + IPv4 + TCP in one call. */
export function ethIpv4Tcp(
  ip: Ipv4Options = {},
  t: TcpOptions = {},
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  return ethernet(0x0800, ipv4({ proto: 6, ...ip }, tcp(t, payload)));
}

/** Ethernet + IPv4 + UDP in one call. */
export function ethIpv4Udp(sp: number, dp: number, payload: Uint8Array, ip: Ipv4Options = {}) {
  return ethernet(0x0800, ipv4({ proto: 17, ...ip }, udp(sp, dp, payload)));
}

/**
 * Decode `frame` placed at `at` in a buffer of `bufLen` bytes filled with
 * `fill`, as link type `linkType`.
 */
export function decodeBytes(
  frame: Uint8Array,
  linkType = 1,
  opts: { at?: number; fill?: number; capLen?: number; packet?: Packet } = {},
): Packet {
  const at = opts.at ?? 0;
  const capLen = opts.capLen ?? frame.length;
  const buf = new Uint8Array(at + frame.length + 64).fill(opts.fill ?? 0);
  buf.set(frame.subarray(0, capLen), at);
  const p = opts.packet ?? new Packet();
  p.data = buf;
  p.frameOffset = at;
  p.capLen = capLen;
  p.wireLen = frame.length;
  p.linkType = linkType;
  decodePacket(p);
  return p;
}

/** Names of the events raised on `p`, sorted. */
export function eventNames(p: Packet): string[] {
  return DECODER_EVENT_NAMES.filter((_, i) => p.hasEvent(i)).slice().sort();
}

/** Every decoded field of `p` (everything but the buffer), for comparisons. */
export function snapshot(p: Packet): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === "data" || k === "frameOffset") continue;
    out[k] = v instanceof Uint32Array ? Array.from(v) : v;
  }
  return out;
}

/** Check that every offset/length field of `p` stays within `capLen`. */
export function assertWithin(p: Packet, capLen: number, what: string): void {
  const spans: [string, number, number][] = [
    ["l3", p.l3Offset, p.ipHeaderLen],
    ["outerL3", p.outerL3Offset, 1],
    ["l4", p.l4Offset, p.l4HeaderLen],
    ["payload", p.payloadOffset, p.payloadLen],
    ["src6", p.src6Offset, 16],
    ["dst6", p.dst6Offset, 16],
    ["sack", p.tcpSackOffset, p.tcpSackBlocks * 8],
    ["icmpEmbL3", p.icmpEmbL3Offset, p.icmpEmbL3Offset >= 0 ? 20 : 0],
    ["icmpEmbL4", p.icmpEmbL4Offset, p.icmpEmbL4Offset >= 0 ? 4 : 0],
  ];
  for (const [name, off, len] of spans) {
    if (off === -1) continue;
    assert.ok(
      off >= 0 && len >= 0 && off + len <= capLen,
      `${what}: ${name} span ${off}+${len} beyond ${capLen}`,
    );
  }
  if (p.payloadOffset === -1) assert.equal(p.payloadLen, 0, `${what}: payloadLen without payload`);
}

/**
 * Cut `frame` at every length 0..len and decode each cut twice, followed by
 * 0x00 bytes and by 0xff bytes: the decode must not throw, must keep every
 * span within the cut, and must give identical fields both times.
 */
export function assertCutSafe(frame: Uint8Array, linkType = 1): void {
  const p = new Packet();
  for (let cut = 0; cut <= frame.length; cut++) {
    const zeros = snapshot(
      decodeBytes(frame, linkType, { capLen: cut, fill: 0x00, at: 3, packet: p }),
    );
    assertWithin(p, cut, `cut ${cut}/${frame.length}`);
    const ones = snapshot(
      decodeBytes(frame, linkType, { capLen: cut, fill: 0xff, at: 3, packet: p }),
    );
    assert.deepEqual(
      ones,
      zeros,
      `cut ${cut}/${frame.length}: result depends on bytes past the cut`,
    );
  }
}
