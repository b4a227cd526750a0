import assert from "node:assert/strict";
import { Layer } from "../../src/decode/packet.ts";
import {
  assertCutSafe,
  decodeBytes,
  ethernet,
  ethIpv4Udp,
  eventNames,
  filler,
  ipv4,
  udp,
} from "./frames.ts";

Deno.test("udp: header fields and payload", () => {
  const frame = ethIpv4Udp(5353, 53, filler(21));
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.UDP);
  assert.equal(p.srcPort, 5353);
  assert.equal(p.dstPort, 53);
  assert.equal(p.udpLen, 29);
  assert.equal(p.l4Offset, 34);
  assert.equal(p.l4HeaderLen, 8);
  assert.equal(p.payloadOffset, 42);
  assert.equal(p.payloadLen, 21);
  assertCutSafe(frame);
});

Deno.test("udp: the UDP length bounds the payload", () => {
  const frame = ethernet(0x0800, ipv4({ proto: 17 }, udp(1, 2, filler(10), 12)));
  const p = decodeBytes(frame);
  assert.equal(p.payloadLen, 4);
  assert.deepEqual(eventNames(p), []);
});

Deno.test("udp: header anomalies", () => {
  const cases: [Uint8Array, string][] = [
    [ethernet(0x0800, ipv4({ proto: 17 }, filler(7))), "udp.hlen_too_small"],
    [ethernet(0x0800, ipv4({ proto: 17 }, udp(1, 2, filler(4), 40))), "udp.pkt_too_small"],
    [ethernet(0x0800, ipv4({ proto: 17 }, udp(1, 2, filler(4), 7))), "udp.len_invalid"],
    [ethernet(0x0800, ipv4({ proto: 17 }, udp(1, 2, filler(4), 0))), "udp.len_invalid"],
  ];
  for (const [frame, event] of cases) {
    const p = decodeBytes(frame);
    assert.deepEqual(eventNames(p), [event]);
    assert.equal(p.l4Offset, -1);
    assert.equal(p.srcPort, 0);
    assert.equal(p.layers & Layer.UDP, Layer.UDP);
  }
});
