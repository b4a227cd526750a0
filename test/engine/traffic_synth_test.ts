/**
 * Synthesised traffic over IPv6: the frames decode as IPv6, every checksum
 * (TCP, UDP, ICMPv6 over the pseudo header) is correct, and mixing the
 * versions is refused.
 */

import assert from "node:assert/strict";
import { openCaptureBytes } from "../../src/capture/capture_file.ts";
import { FrameBatch } from "../../src/capture/frame_batch.ts";
import { checksumState, CsumKind } from "../../src/decode/checksum.ts";
import { decodeFrame } from "../../src/decode/decoder.ts";
import { Layer, Packet } from "../../src/decode/packet.ts";
import { arpExchange, synthesizeTraffic } from "../../src/engine/traffic_synth.ts";

/** Per frame: IP version, protocol, the checksum state of its kind, ICMP type, ARP opcode (-1: none). */
function frames(image: Uint8Array, kind: number) {
  const source = openCaptureBytes(image, "synth");
  const batch = new FrameBatch(64);
  const p = new Packet();
  const out: { v: number; proto: number; csum: number; icmpType: number; arpOp: number }[] = [];
  for (let n = source.next(batch); n > 0; n = source.next(batch)) {
    for (let i = 0; i < n; i++) {
      decodeFrame(p, batch, i);
      out.push({
        v: p.ipVersion,
        proto: p.ipProto,
        csum: checksumState(p, kind),
        icmpType: p.icmpType,
        arpOp: (p.layers & Layer.ARP) !== 0 ? p.arpOp : -1,
      });
    }
  }
  return out;
}

Deno.test("traffic synthesis: an IPv6 TCP session, UDP datagram and ICMPv6 echo carry correct checksums", () => {
  const src = "2001:db8::5";
  const dst = "2001:db8:1::80";
  const tcp = frames(
    synthesizeTraffic({ kind: "tcp", src, dst, payload: "hello", reply: "world" }),
    CsumKind.TCPV6,
  );
  assert.equal(tcp.length, 10);
  for (const f of tcp) assert.deepEqual([f.v, f.proto, f.csum], [6, 6, 1]);
  const udp = frames(
    synthesizeTraffic({ kind: "dns", src, dst, query: "example.com" }),
    CsumKind.UDPV6,
  );
  assert.deepEqual(udp.map((f) => [f.v, f.proto, f.csum]), [[6, 17, 1]]);
  const icmp = frames(synthesizeTraffic({ kind: "icmp", src, dst, size: 56 }), CsumKind.ICMPV6);
  assert.deepEqual(icmp.map((f) => [f.v, f.proto, f.csum, f.icmpType]), [[6, 58, 1, 128]]);
  const solicit = frames(synthesizeTraffic({ kind: "icmp", src, dst, type: 135 }), CsumKind.ICMPV6);
  assert.deepEqual(solicit.map((f) => [f.csum, f.icmpType]), [[1, 135]]);
  // IPv4 is unchanged: ICMPv4 echo, its own checksum
  const icmp4 = frames(synthesizeTraffic({ kind: "icmp" }), CsumKind.ICMPV4);
  assert.deepEqual(icmp4.map((f) => [f.v, f.proto, f.csum, f.icmpType]), [[4, 1, 1, 8]]);
});

Deno.test("traffic synthesis: addresses of two versions, or not addresses, are refused", () => {
  assert.throws(
    () => synthesizeTraffic({ kind: "icmp", src: "2001:db8::5", dst: "10.0.0.5" }),
    /both be IPv4 or both IPv6/,
  );
  assert.throws(
    () => synthesizeTraffic({ kind: "icmp", src: "2001:db8::5::1" }),
    /not an IPv6 address/,
  );
  assert.throws(() => synthesizeTraffic({ kind: "icmp", dst: "10.0.0" }), /not an IPv4/);
  assert.throws(
    () => synthesizeTraffic({ kind: "udp", src: "010.0.0.5", payload: "x" }),
    /no leading zeros/,
  );
});

Deno.test("traffic synthesis: an ARP exchange decodes as a request and a reply, without IP", () => {
  const image = arpExchange("203.0.113.5", "10.0.0.5");
  const arp = frames(image, CsumKind.IPV4);
  assert.deepEqual(arp.map((f) => [f.v, f.arpOp, f.csum]), [[0, 1, -1], [0, 2, -1]]);
  // the records' bytes: Ethernet (dst, src), then sender and target hardware and protocol addresses
  const client = [0x00, 0x00, 0x5e, 0x00, 0x53, 0x01];
  const server = [0x00, 0x00, 0x5e, 0x00, 0x53, 0x02];
  const request = Array.from(image.subarray(24 + 16, 24 + 16 + 42));
  const reply = Array.from(image.subarray(24 + 16 + 42 + 16, 24 + 16 + 42 + 16 + 42));
  const fields = (f: number[]) => [
    f.slice(0, 6),
    f.slice(6, 12),
    f.slice(22, 28),
    f.slice(28, 32),
    f.slice(32, 38),
    f.slice(38, 42),
  ];
  assert.deepEqual(fields(request), [
    [255, 255, 255, 255, 255, 255],
    client,
    client,
    [203, 0, 113, 5],
    [0, 0, 0, 0, 0, 0],
    [10, 0, 0, 5],
  ]);
  assert.deepEqual(fields(reply), [client, server, server, [10, 0, 0, 5], client, [
    203,
    0,
    113,
    5,
  ]]);
  assert.throws(() => arpExchange("2001:db8::5", "10.0.0.5"), /ARP addresses must be IPv4/);
});
