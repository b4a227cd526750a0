/**
 * Synthesised traffic for rule tests: a short description (an HTTP request,
 * a DNS query, a TLS ClientHello with an SNI, a raw TCP or UDP payload, an
 * ICMP message) becomes real packets in a pcap file image - Ethernet, IPv4
 * with a valid header checksum or IPv6 (when the addresses are), TCP/UDP/ICMP
 * (ICMPv6) with valid checksums; {@link arpExchange} makes an ARP request and
 * reply. A TCP
 * conversation is a full session: three-way handshake, the client's data,
 * the server's ACK (and reply), then FIN/ACK both ways (or the server's RST).
 * The engine reads these bytes exactly as it reads a capture file.
 *
 * Built once per test case, for clarity rather than speed.
 *
 * @example
 * ```ts
 * import { synthesizeTraffic } from "./traffic_synth.ts";
 * const pcap = synthesizeTraffic({ kind: "http", method: "GET", uri: "/index.html" });
 * pcap.length > 24; // a pcap header and ten frames
 * ```
 *
 * @module
 */

import { parseContentBytes } from "../detect/payload_setup.ts";
import type { TestTraffic } from "../rules/rule_test_case.ts";
import { ipv6Bytes, parseIpv4, parseIpv6 } from "../rules/address.ts";

/** Default client address: outside Suricata's default HOME_NET. */
export const DEFAULT_CLIENT = "203.0.113.5";
/** Default server address: inside Suricata's default HOME_NET. */
export const DEFAULT_SERVER = "10.0.0.5";
/** Default client port. */
export const DEFAULT_CLIENT_PORT = 40000;

const DEFAULT_PORTS: Record<string, number> = { http: 80, dns: 53, tls: 443, tcp: 80, udp: 53 };
const text = new TextEncoder();

/** A frame and its capture time (seconds). */
interface Frame {
  bytes: Uint8Array;
  time: number;
}

/**
 * Builds the packets a test case describes, as a pcap file image (Ethernet
 * link type, microsecond timestamps).
 *
 * @param traffic the description (not `pcap`)
 * @returns the pcap bytes
 * @throws {Error} when an address is neither IPv4 nor IPv6, the two are not of
 *   one version, or a payload's `|hex|` is malformed
 */
export function synthesizeTraffic(traffic: Exclude<TestTraffic, { kind: "pcap" }>): Uint8Array {
  const client = ipBytes(traffic.src ?? DEFAULT_CLIENT, "src");
  const server = ipBytes(traffic.dst ?? DEFAULT_SERVER, "dst");
  if (client.length !== server.length) {
    throw new Error(`src and dst must both be IPv4 or both IPv6`);
  }
  const sport = traffic.sport ?? DEFAULT_CLIENT_PORT;
  const dport = traffic.dport ?? DEFAULT_PORTS[traffic.kind] ?? 0;
  const ends = { client, server, sport, dport };
  let frames: Frame[];
  switch (traffic.kind) {
    case "http": {
      // an IPv6 literal in Host is bracketed (RFC 3986), or its colons read as a port
      const dst = traffic.dst ?? DEFAULT_SERVER;
      const request = httpRequest(traffic, dst.includes(":") ? `[${dst}]` : dst);
      const r = traffic.response;
      frames = tcpSession(ends, request, r ? httpResponse(r) : null, "fin");
      break;
    }
    case "tls":
      frames = tcpSession(ends, clientHello(traffic.sni), null, "fin");
      break;
    case "tcp":
      frames = tcpSession(
        ends,
        payloadBytes(traffic.payload),
        traffic.reply === undefined ? null : payloadBytes(traffic.reply),
        traffic.close ?? "fin",
      );
      break;
    case "dns":
      frames = [{ bytes: udpFrame(ends, true, dnsQuery(traffic.query, traffic.type)), time: 0 }];
      break;
    case "udp": {
      frames = [{ bytes: udpFrame(ends, true, payloadBytes(traffic.payload)), time: 0 }];
      if (traffic.reply !== undefined) {
        frames.push({ bytes: udpFrame(ends, false, payloadBytes(traffic.reply)), time: 0.001 });
      }
      break;
    }
    case "icmp": {
      const data = traffic.payload !== undefined
        ? payloadBytes(traffic.payload)
        : new Uint8Array(traffic.size ?? 32).fill(0x41);
      // over IPv6, ICMPv6 (an echo request is type 128) with its pseudo-header checksum
      const v6 = client.length === 16;
      const msg = icmpMessage(traffic.type ?? (v6 ? 128 : 8), traffic.code ?? 0, data);
      if (v6) {
        msg[2] = msg[3] = 0;
        setL4Checksum(msg, 2, client, server, 58);
      }
      frames = [{ bytes: ipFrame(client, server, v6 ? 58 : 1, msg), time: 0 }];
      break;
    }
  }
  return pcapImage(frames);
}

/**
 * Bytes of a payload written in content syntax: text with `|hex|` runs.
 *
 * @param s e.g. `USER root|0d 0a|`
 * @returns the bytes
 */
export function payloadBytes(s: string): Uint8Array {
  try {
    return parseContentBytes("payload", s, 0);
  } catch (e) {
    throw new Error(`payload ${JSON.stringify(s)}: ${e instanceof Error ? e.message : e}`);
  }
}

/** The 4 bytes of a dotted IPv4 address or the 16 of an IPv6 one. */
function ipBytes(s: string, what: string): number[] {
  if (s.includes(":")) {
    const v = parseIpv6(s);
    if (v === null) throw new Error(`${what} "${s}" is not an IPv6 address`);
    return Array.from(ipv6Bytes(v));
  }
  const v = parseIpv4(s);
  if (v < 0) {
    throw new Error(
      `${what} "${s}" is not an IPv4 (four parts 0-255, no leading zeros) or IPv6 address`,
    );
  }
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

function httpRequest(t: Extract<TestTraffic, { kind: "http" }>, defaultHost: string): Uint8Array {
  const body = t.body ?? "";
  const lines = [`${t.method ?? "GET"} ${t.uri ?? "/"} ${t.version ?? "HTTP/1.1"}`];
  lines.push(`Host: ${t.host ?? defaultHost}`);
  for (const [name, value] of t.headers ?? []) lines.push(`${name}: ${value}`);
  if (body.length > 0) lines.push(`Content-Length: ${text.encode(body).length}`);
  return text.encode(lines.join("\r\n") + "\r\n\r\n" + body);
}

function httpResponse(
  r: NonNullable<Extract<TestTraffic, { kind: "http" }>["response"]>,
): Uint8Array {
  const body = r.body ?? "";
  const status = r.status ?? 200;
  const lines = [`HTTP/1.1 ${status} ${status < 400 ? "OK" : "Error"}`];
  for (const [name, value] of r.headers ?? []) lines.push(`${name}: ${value}`);
  lines.push(`Content-Length: ${text.encode(body).length}`);
  return text.encode(lines.join("\r\n") + "\r\n\r\n" + body);
}

const DNS_TYPES: Record<string, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  ANY: 255,
};

/** A DNS query message: id 0x1234, RD set, one question. */
function dnsQuery(name: string, type: string | number | undefined): Uint8Array {
  const code = typeof type === "number" ? type : DNS_TYPES[(type ?? "A").toUpperCase()];
  if (code === undefined) {
    throw new Error(`dns type "${type}" is unknown (A, AAAA, TXT, ... or a number)`);
  }
  const out = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0];
  for (const label of name.replace(/\.$/, "").split(".")) {
    const bytes = text.encode(label);
    if (bytes.length === 0 || bytes.length > 63) {
      throw new Error(`dns query "${name}": labels must be 1 to 63 bytes`);
    }
    out.push(bytes.length, ...bytes);
  }
  out.push(0, code >> 8, code & 0xff, 0, 1);
  return Uint8Array.from(out);
}

/** A TLS 1.2 ClientHello record with a server_name extension. */
function clientHello(sni: string): Uint8Array {
  const host = [...text.encode(sni)];
  const serverName = [0, ...u16(host.length), ...host]; // host_name entry
  const sniExt = [
    0x00,
    0x00,
    ...u16(serverName.length + 2),
    ...u16(serverName.length),
    ...serverName,
  ];
  const groups = [0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d];
  const extensions = [...sniExt, ...groups];
  const random = Array.from({ length: 32 }, (_, k) => (k * 7 + 1) & 0xff);
  const suites = [0xc0, 0x2f, 0xc0, 0x30, 0x00, 0x9c];
  const body = [
    0x03,
    0x03,
    ...random,
    0x00, // no session id
    ...u16(suites.length),
    ...suites,
    0x01,
    0x00, // null compression
    ...u16(extensions.length),
    ...extensions,
  ];
  const handshake = [0x01, 0, ...u16(body.length), ...body];
  return Uint8Array.from([0x16, 0x03, 0x01, ...u16(handshake.length), ...handshake]);
}

function u16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

interface Ends {
  client: number[];
  server: number[];
  sport: number;
  dport: number;
}

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const RST = 0x04;
const PSH = 0x08;

/** A whole TCP session carrying `request` (and `reply`). */
function tcpSession(
  e: Ends,
  request: Uint8Array,
  reply: Uint8Array | null,
  close: "fin" | "rst",
): Frame[] {
  let cseq = 1000;
  let sseq = 5000;
  let t = 0;
  const frames: Frame[] = [];
  const seg = (toServer: boolean, flags: number, data: Uint8Array = new Uint8Array(0)) => {
    const seq = toServer ? cseq : sseq;
    const ack = (flags & ACK) !== 0 ? (toServer ? sseq : cseq) : 0;
    const used = data.length + ((flags & (SYN | FIN)) !== 0 ? 1 : 0);
    if (toServer) cseq = (cseq + used) >>> 0;
    else sseq = (sseq + used) >>> 0;
    const src = toServer ? e.client : e.server;
    const dst = toServer ? e.server : e.client;
    const header = [
      ...u16(toServer ? e.sport : e.dport),
      ...u16(toServer ? e.dport : e.sport),
      ...u32(seq),
      ...u32(ack),
      0x50,
      flags,
      ...u16(65535),
      0,
      0,
      0,
      0,
    ];
    const segment = concat(Uint8Array.from(header), data);
    setL4Checksum(segment, 16, src, dst, 6);
    frames.push({ bytes: ipFrame(src, dst, 6, segment), time: t });
    t += 0.001;
  };
  seg(true, SYN);
  seg(false, SYN | ACK);
  seg(true, ACK);
  if (request.length > 0) {
    seg(true, PSH | ACK, request);
    seg(false, ACK);
  }
  if (reply !== null && reply.length > 0) {
    seg(false, PSH | ACK, reply);
    seg(true, ACK);
  }
  if (close === "rst") {
    seg(false, RST | ACK);
  } else {
    seg(true, FIN | ACK);
    seg(false, FIN | ACK);
    seg(true, ACK);
  }
  return frames;
}

function udpFrame(e: Ends, toServer: boolean, data: Uint8Array): Uint8Array {
  const src = toServer ? e.client : e.server;
  const dst = toServer ? e.server : e.client;
  const header = Uint8Array.from([
    ...u16(toServer ? e.sport : e.dport),
    ...u16(toServer ? e.dport : e.sport),
    ...u16(8 + data.length),
    0,
    0,
  ]);
  const datagram = concat(header, data);
  setL4Checksum(datagram, 6, src, dst, 17);
  return ipFrame(src, dst, 17, datagram);
}

/** An ICMP message with an ICMPv4 checksum (an ICMPv6 caller writes its own over it). */
function icmpMessage(type: number, code: number, data: Uint8Array): Uint8Array {
  const msg = concat(Uint8Array.from([type, code, 0, 0, 0x12, 0x34, 0x00, 0x01]), data);
  const c = checksum(msg, 0);
  msg[2] = c >> 8;
  msg[3] = c & 0xff;
  return msg;
}

let ipId = 1;

/** The synthesised client's and server's MAC addresses (documentation range, RFC 7042). */
const CLIENT_MAC = [0x00, 0x00, 0x5e, 0x00, 0x53, 0x01];
const SERVER_MAC = [0x00, 0x00, 0x5e, 0x00, 0x53, 0x02];
const BROADCAST_MAC = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

/** An Ethernet header (by default from the client's MAC to the server's). */
function ethernetHeader(etherType: number, dst = SERVER_MAC, src = CLIENT_MAC): Uint8Array {
  return Uint8Array.from([...dst, ...src, ...u16(etherType)]);
}

/** An Ethernet frame carrying an IPv4 or IPv6 (16-byte addresses) packet. */
function ipFrame(src: number[], dst: number[], proto: number, payload: Uint8Array): Uint8Array {
  if (src.length === 16) {
    const ip6 = Uint8Array.from([0x60, 0, 0, 0, ...u16(payload.length), proto, 64, ...src, ...dst]);
    return concat(ethernetHeader(0x86dd), ip6, payload);
  }
  const total = 20 + payload.length;
  const ip = Uint8Array.from([
    0x45,
    0,
    ...u16(total),
    ...u16(ipId++ & 0xffff),
    0x40, // don't fragment
    0,
    64,
    proto,
    0,
    0,
    ...src,
    ...dst,
  ]);
  const c = checksum(ip, 0);
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  return concat(ethernetHeader(0x0800), ip, payload);
}

function setL4Checksum(
  segment: Uint8Array,
  at: number,
  src: number[],
  dst: number[],
  proto: number,
): void {
  // IPv4: addresses, zero, protocol, length; IPv6: addresses, 32-bit length, next header
  const pseudo = src.length === 16
    ? [...src, ...dst, ...u32(segment.length), 0, 0, 0, proto]
    : [...src, ...dst, 0, proto, ...u16(segment.length)];
  let sum = 0;
  for (let i = 0; i < pseudo.length; i += 2) sum += (pseudo[i] << 8) | pseudo[i + 1];
  let c = checksum(segment, sum);
  if (proto === 17 && c === 0) c = 0xffff;
  segment[at] = c >> 8;
  segment[at + 1] = c & 0xff;
}

function checksum(data: Uint8Array, initial: number): number {
  let sum = initial;
  for (let i = 0; i < data.length; i += 2) {
    sum += (data[i] << 8) | (i + 1 < data.length ? data[i + 1] : 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * The bytes of `parts`, one after the other, in a new array.
 *
 * @param parts the pieces
 * @returns their concatenation
 */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * An ARP request for `target` from `sender` and its reply (1 ms later), as a
 * pcap file image like {@link synthesizeTraffic}'s: the decoder's path for
 * frames without an IP layer.
 *
 * @param sender dotted IPv4 address asking
 * @param target dotted IPv4 address asked for
 * @returns the pcap bytes
 * @throws {Error} when an address is not dotted IPv4
 */
export function arpExchange(sender: string, target: string): Uint8Array {
  const a = ipBytes(sender, "sender");
  const b = ipBytes(target, "target");
  if (a.length !== 4 || b.length !== 4) throw new Error("ARP addresses must be IPv4");
  // Ethernet, IPv4, 6-byte and 4-byte addresses, the opcode, then sender and target
  const arp = (op: number, sha: number[], spa: number[], tha: number[], tpa: number[]) =>
    Uint8Array.from([0, 1, 0x08, 0x00, 6, 4, ...u16(op), ...sha, ...spa, ...tha, ...tpa]);
  const request = concat(
    ethernetHeader(0x0806, BROADCAST_MAC, CLIENT_MAC),
    arp(1, CLIENT_MAC, a, [0, 0, 0, 0, 0, 0], b),
  );
  const reply = concat(
    ethernetHeader(0x0806, CLIENT_MAC, SERVER_MAC),
    arp(2, SERVER_MAC, b, CLIENT_MAC, a),
  );
  return pcapImage([{ bytes: request, time: 0 }, { bytes: reply, time: 0.001 }]);
}

/** Start of the synthesised captures' clock: 2024-01-01T00:00:00Z. */
const EPOCH = 1704067200;

function pcapImage(frames: Frame[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, 0xa1b2c3d4, true);
  header.setUint16(4, 2, true);
  header.setUint16(6, 4, true);
  header.setUint32(16, 65535, true);
  header.setUint32(20, 1, true); // Ethernet
  parts.push(new Uint8Array(header.buffer));
  for (const f of frames) {
    const rec = new DataView(new ArrayBuffer(16));
    const usec = Math.round(f.time * 1e6);
    rec.setUint32(0, EPOCH + Math.floor(usec / 1e6), true);
    rec.setUint32(4, usec % 1e6, true);
    rec.setUint32(8, f.bytes.length, true);
    rec.setUint32(12, f.bytes.length, true);
    parts.push(new Uint8Array(rec.buffer), f.bytes);
  }
  return concat(...parts);
}
