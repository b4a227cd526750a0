import assert from "node:assert/strict";
import { Layer } from "../../src/decode/packet.ts";
import {
  assertCutSafe,
  be16,
  bytes,
  decodeBytes,
  ethernet,
  eventNames,
  filler,
  ipv4,
  ipv6,
  tcp,
  udp,
} from "./frames.ts";

function session(proto: number[], payload: Uint8Array, length?: number): Uint8Array {
  return bytes(
    0x11,
    0x00,
    be16(0x0042),
    be16(length ?? proto.length + payload.length),
    proto,
    payload,
  );
}

Deno.test("pppoe: session carries IPv4 and IPv6", () => {
  const v4 = ethernet(0x8864, session(be16(0x0021), ipv4({ proto: 6 }, tcp({}))));
  const p = decodeBytes(v4);
  assert.equal(p.layers, Layer.ETHERNET | Layer.PPPOE | Layer.PPP | Layer.IPV4 | Layer.TCP);
  assert.equal(p.l3Offset, 14 + 8);
  assert.equal(p.eventCount, 0);
  assertCutSafe(v4);
  const v6 = ethernet(0x8864, session(be16(0x0057), ipv6({ nh: 17 }, udp(1, 2, filler(4)))));
  const q = decodeBytes(v6);
  assert.equal(q.layers, Layer.ETHERNET | Layer.PPPOE | Layer.PPP | Layer.IPV6 | Layer.UDP);
  assertCutSafe(v6);
  const compressed = ethernet(0x8864, session([0x21], ipv4({ proto: 6 }, tcp({}))));
  assert.equal(decodeBytes(compressed).l3Offset, 14 + 7);
});

Deno.test("pppoe: session events", () => {
  assert.deepEqual(eventNames(decodeBytes(ethernet(0x8864, filler(6)))), ["pppoe.pkt_too_small"]);
  assert.deepEqual(
    eventNames(decodeBytes(ethernet(0x8864, session(be16(0x0021), filler(10, 0x45))))),
    [
      "ppp.ip4_pkt_too_small",
    ],
  );
  assert.deepEqual(eventNames(decodeBytes(ethernet(0x8864, session(be16(0x4242), filler(10))))), [
    "ppp.wrong_type",
  ]);
  // Zero length: nothing to decode.
  const empty = decodeBytes(ethernet(0x8864, session(be16(0x0021), filler(20), 0)));
  assert.equal(empty.layers, Layer.ETHERNET | Layer.PPPOE);
});

Deno.test("pppoe: discovery is validated and counted", () => {
  const padi = ethernet(0x8863, bytes(0x11, 0x09, be16(0), be16(4), be16(0x0101), be16(0)));
  const p = decodeBytes(padi);
  assert.equal(p.layers, Layer.ETHERNET | Layer.PPPOE);
  assert.equal(p.eventCount, 0);
  assertCutSafe(padi);
  assert.deepEqual(eventNames(decodeBytes(ethernet(0x8863, bytes(0x11, 0x33, be16(0), be16(0))))), [
    "pppoe.wrong_code",
  ]);
  assert.deepEqual(
    eventNames(decodeBytes(ethernet(0x8863, bytes(0x11, 0x09, be16(0), be16(50))))),
    [
      "pppoe.malformed_tags",
    ],
  );
  assert.deepEqual(eventNames(decodeBytes(ethernet(0x8863, bytes(0x11, 0x09)))), [
    "pppoe.pkt_too_small",
  ]);
});
