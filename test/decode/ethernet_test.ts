import assert from "node:assert/strict";
import { Layer } from "../../src/decode/packet.ts";
import {
  assertCutSafe,
  bytes,
  decodeBytes,
  ethernet,
  ethIpv4Tcp,
  ethIpv4Udp,
  eventNames,
  filler,
  ip4Value,
} from "./frames.ts";

Deno.test("ethernet: IPv4/TCP frame decodes every layer", () => {
  const frame = ethIpv4Tcp(
    { src: "192.0.2.1", dst: "198.51.100.2" },
    { sp: 40000, dp: 443 },
    filler(10),
  );
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.TCP);
  assert.equal(p.etherType, 0x0800);
  assert.equal(p.l2Offset, 0);
  assert.equal(p.l3Offset, 14);
  assert.equal(p.src4, ip4Value("192.0.2.1"));
  assert.equal(p.dst4, ip4Value("198.51.100.2"));
  assert.equal(p.srcPort, 40000);
  assert.equal(p.dstPort, 443);
  assert.equal(p.payloadOffset, 14 + 20 + 20);
  assert.equal(p.payloadLen, 10);
  assert.deepEqual(eventNames(p), []);
  assertCutSafe(frame);
});

Deno.test("ethernet: trailing padding is not payload", () => {
  const frame = bytes(ethIpv4Udp(5000, 53, filler(4)), new Uint8Array(60 - 46));
  assert.equal(frame.length, 60);
  const p = decodeBytes(frame);
  assert.equal(p.payloadOffset, 14 + 20 + 8);
  assert.equal(p.payloadLen, 4);
  assert.equal(p.ipTotalLen, 32);
  assertCutSafe(frame);
});

Deno.test("ethernet: short frame raises ethernet.pkt_too_small", () => {
  const p = decodeBytes(filler(13));
  assert.equal(p.layers, Layer.ETHERNET);
  assert.deepEqual(eventNames(p), ["ethernet.pkt_too_small"]);
  assert.equal(p.l3Offset, -1);
});

Deno.test("ethernet: unknown Ethertype stops quietly", () => {
  const frame = ethernet(0x88cc, filler(30)); // LLDP
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET);
  assert.equal(p.etherType, 0x88cc);
  assert.equal(p.eventCount, 0);
  assert.equal(p.payloadOffset, -1);
});

Deno.test("ethernet: Data Center Ethernet prefix then inner Ethernet", () => {
  const inner = ethIpv4Udp(1, 2, filler(3));
  const frame = ethernet(0x8903, bytes([0xaa, 0xbb], inner));
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.UDP);
  assert.equal(p.l3Offset, 14 + 2 + 14);
  assertCutSafe(frame);
  const short = decodeBytes(ethernet(0x8903, filler(10)));
  assert.deepEqual(eventNames(short), ["dce.pkt_too_small"]);
});
