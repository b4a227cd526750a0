/**
 * Reject packets: built from the matching packet, decoded back with
 * Tarsier's own decoder, checksums checked.
 */

import assert from "node:assert/strict";
import { decodePacket } from "../../src/decode/decoder.ts";
import { checksumState, CsumKind } from "../../src/decode/checksum.ts";
import { Packet, TcpFlag } from "../../src/decode/packet.ts";
import { buildReject, RejectTarget } from "../../src/verdict/reject_packet.ts";

const CLIENT_MAC = [2, 0, 0, 0, 0, 1];
const SERVER_MAC = [2, 0, 0, 0, 0, 2];

function frame(etherType: number, l3: number[]): Uint8Array {
  return Uint8Array.from([...SERVER_MAC, ...CLIENT_MAC, etherType >> 8, etherType & 0xff, ...l3]);
}

function be16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** TCP header (checksum left 0: the decoder does not need it) + payload. */
function tcp(seq: number, ack: number, flags: number, payload: string): number[] {
  const body = [...new TextEncoder().encode(payload)];
  return [
    ...be16(40000),
    ...be16(8080),
    ...be32(seq),
    ...be32(ack),
    0x50,
    flags,
    ...be16(512),
    0,
    0,
    0,
    0,
    ...body,
  ];
}

function ipv4(proto: number, l4: number[]): number[] {
  return [
    0x45,
    0,
    ...be16(20 + l4.length),
    0,
    1,
    0,
    0,
    64,
    proto,
    0,
    0,
    10,
    77,
    0,
    1,
    10,
    77,
    0,
    2,
    ...l4,
  ];
}

function ipv6(next: number, l4: number[]): number[] {
  const src = [0xfd, 0x77, ...new Array(13).fill(0), 1];
  const dst = [0xfd, 0x77, ...new Array(13).fill(0), 2];
  return [0x60, 0, 0, 0, ...be16(l4.length), next, 64, ...src, ...dst, ...l4];
}

function decoded(bytes: Uint8Array): Packet {
  const p = new Packet();
  p.data = bytes;
  p.frameOffset = 0;
  p.capLen = bytes.length;
  p.wireLen = bytes.length;
  p.linkType = 1;
  decodePacket(p);
  return p;
}

function reject(bytes: Uint8Array, target: number): Packet {
  const out = new Uint8Array(2048);
  const n = buildReject(decoded(bytes), out, target);
  assert.ok(n > 0);
  return decoded(out.slice(0, n));
}

Deno.test("reject: a TCP RST to the IPv4 sender, acking its data, with correct checksums", () => {
  const request = frame(0x0800, ipv4(6, tcp(1000, 5000, TcpFlag.ACK | TcpFlag.PSH, "GET /x")));
  const r = reject(request, RejectTarget.SOURCE);
  assert.equal(checksumState(r, CsumKind.IPV4), 1);
  assert.equal(checksumState(r, CsumKind.TCPV4), 1);
  assert.equal(r.tcpFlags, TcpFlag.RST | TcpFlag.ACK);
  assert.equal(r.srcPort, 8080);
  assert.equal(r.dstPort, 40000);
  assert.equal(r.tcpSeq, 5000);
  assert.equal(r.tcpAck, 1006);
  assert.equal(r.src4 >>> 0, (10 << 24 | 77 << 16 | 2) >>> 0);
  assert.deepEqual([...r.data.subarray(0, 6)], CLIENT_MAC);
});

Deno.test("reject: a TCP RST to the destination keeps the sender's addresses", () => {
  const request = frame(0x0800, ipv4(6, tcp(1000, 5000, TcpFlag.ACK, "abc")));
  const r = reject(request, RejectTarget.DESTINATION);
  assert.equal(checksumState(r, CsumKind.TCPV4), 1);
  assert.equal(r.srcPort, 40000);
  assert.equal(r.tcpSeq, 1003);
  assert.deepEqual([...r.data.subarray(0, 6)], SERVER_MAC);
});

Deno.test("reject: a TCP RST over IPv6 with a correct checksum", () => {
  const syn = frame(0x86dd, ipv6(6, tcp(77, 0, TcpFlag.SYN, "")));
  const r = reject(syn, RejectTarget.SOURCE);
  assert.equal(r.ipVersion, 6);
  assert.equal(checksumState(r, CsumKind.TCPV6), 1);
  assert.equal(r.tcpSeq, 0);
  assert.equal(r.tcpAck, 78);
});

Deno.test("reject: UDP gets an ICMP port unreachable quoting it (v4 and v6)", () => {
  const udp = [...be16(5353), ...be16(53), ...be16(12), 0, 0, 1, 2, 3, 4];
  const r4 = reject(frame(0x0800, ipv4(17, udp)), RejectTarget.SOURCE);
  assert.equal(r4.ipProto, 1);
  assert.equal(r4.icmpType, 3);
  assert.equal(r4.icmpCode, 3);
  assert.equal(checksumState(r4, CsumKind.IPV4), 1);
  assert.equal(checksumState(r4, CsumKind.ICMPV4), 1);
  const r6 = reject(frame(0x86dd, ipv6(17, udp)), RejectTarget.SOURCE);
  assert.equal(r6.icmpType, 1);
  assert.equal(r6.icmpCode, 4);
  assert.equal(checksumState(r6, CsumKind.ICMPV6), 1);
});

Deno.test("reject: never answers a RST or an ICMP error", () => {
  const out = new Uint8Array(2048);
  const rst = frame(0x0800, ipv4(6, tcp(1, 1, TcpFlag.RST, "")));
  assert.equal(buildReject(decoded(rst), out, RejectTarget.SOURCE), 0);
  const unreachable = frame(0x0800, ipv4(1, [3, 3, 0, 0, 0, 0, 0, 0]));
  assert.equal(buildReject(decoded(unreachable), out, RejectTarget.SOURCE), 0);
});
