import assert from "node:assert/strict";
import { Layer } from "../../src/decode/packet.ts";
import {
  assertCutSafe,
  be16,
  bytes,
  decodeBytes,
  eventNames,
  filler,
  ipv4,
  ipv6,
  tcp,
  udp,
} from "./frames.ts";

const v4 = () => ipv4({ proto: 6 }, tcp({ dp: 25 }, filler(3)));

Deno.test("ppp: HDLC-framed, bare and compressed protocol fields carry IPv4", () => {
  const framings: [Uint8Array, number][] = [
    [bytes(0xff, 0x03, be16(0x0021), v4()), 4],
    [bytes(be16(0x0021), v4()), 2],
    [bytes(0x21, v4()), 1],
    [bytes(0xff, 0x03, 0x21, v4()), 3],
  ];
  for (const [frame, l3] of framings) {
    const p = decodeBytes(frame, 9);
    assert.equal(p.layers, Layer.PPP | Layer.IPV4 | Layer.TCP);
    assert.equal(p.l3Offset, l3);
    assert.equal(p.dstPort, 25);
    assert.equal(p.eventCount, 0);
    assertCutSafe(frame, 9);
  }
});

Deno.test("ppp: IPv6 (0x0057)", () => {
  const frame = bytes(0xff, 0x03, be16(0x0057), ipv6({ nh: 17 }, udp(1, 2, filler(2))));
  const p = decodeBytes(frame, 9);
  assert.equal(p.layers, Layer.PPP | Layer.IPV6 | Layer.UDP);
  assertCutSafe(frame, 9);
});

Deno.test("ppp: control protocols pass, others raise events", () => {
  assert.deepEqual(eventNames(decodeBytes(bytes(0xff, 0x03, be16(0xc021), filler(10)), 9)), []);
  assert.deepEqual(eventNames(decodeBytes(bytes(0xff, 0x03, be16(0x002b), filler(10)), 9)), [
    "ppp.unsup_proto",
  ]);
  assert.deepEqual(eventNames(decodeBytes(bytes(0xff, 0x03, be16(0x1234), filler(10)), 9)), [
    "ppp.wrong_type",
  ]);
  assert.deepEqual(eventNames(decodeBytes(bytes(0x23, filler(30)), 9)), ["ppp.unsup_proto"]);
  assert.deepEqual(eventNames(decodeBytes(bytes(0xff, 0x03, be16(0x0021), filler(19, 0x45)), 9)), [
    "ppp.ip4_pkt_too_small",
  ]);
  assert.deepEqual(eventNames(decodeBytes(bytes(be16(0x0057), filler(39, 0x60)), 9)), [
    "ppp.ip6_pkt_too_small",
  ]);
  assert.deepEqual(eventNames(decodeBytes(bytes(be16(0x002f), filler(10, 0x45)), 9)), [
    "ppp.vju_pkt_too_small",
  ]);
  assert.deepEqual(eventNames(decodeBytes(bytes(), 9)), ["ppp.pkt_too_small"]);
  assert.deepEqual(eventNames(decodeBytes(bytes(0xff, 0x03), 9)), ["ppp.pkt_too_small"]);
  assert.deepEqual(eventNames(decodeBytes(bytes(0xff, 0x03, 0x00), 9)), ["ppp.pkt_too_small"]);
});
