import assert from "node:assert/strict";
import { Layer } from "../../src/decode/packet.ts";
import { assertCutSafe, decodeBytes, eventNames, filler, ipv4, ipv6, tcp, udp } from "./frames.ts";

Deno.test("raw: every raw link type picks the IP version by nibble", () => {
  const v4 = ipv4({ proto: 6 }, tcp({}, filler(2)));
  const v6 = ipv6({ nh: 17 }, udp(1, 2, filler(2)));
  for (const lt of [101, 12, 14, 228, 229]) {
    const p4 = decodeBytes(v4, lt);
    assert.equal(p4.layers, Layer.RAW | Layer.IPV4 | Layer.TCP, `lt ${lt}`);
    assert.equal(p4.l3Offset, 0);
    const p6 = decodeBytes(v6, lt);
    assert.equal(p6.layers, Layer.RAW | Layer.IPV6 | Layer.UDP, `lt ${lt}`);
  }
  assertCutSafe(v4, 101);
  assertCutSafe(v6, 229);
});

Deno.test("raw: short packet and bad version", () => {
  assert.deepEqual(eventNames(decodeBytes(filler(19, 0x45), 101)), ["ipv4.pkt_too_small"]);
  assert.deepEqual(eventNames(decodeBytes(filler(40, 0x50), 101)), ["ipraw.invalid_ip_version"]);
});

Deno.test("raw: unknown link type decodes nothing", () => {
  const p = decodeBytes(ipv4({}, tcp({})), 147);
  assert.equal(p.layers, 0);
  assert.equal(p.eventCount, 0);
});
