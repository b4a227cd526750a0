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
  tcp,
  udp,
  vlanTag,
} from "./frames.ts";

const ip = () => ipv4({ proto: 17 }, udp(1000, 2000, filler(5)));

Deno.test("vlan: one 802.1Q tag", () => {
  const frame = ethernet(0x8100, vlanTag(100, 0x0800, ip(), 5));
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.VLAN | Layer.IPV4 | Layer.UDP);
  assert.equal(p.vlanCount, 1);
  assert.equal(p.vlanId0, 100);
  assert.equal(p.etherType, 0x0800);
  assert.equal(p.l3Offset, 18);
  assert.equal(p.eventCount, 0);
  assertCutSafe(frame);
});

Deno.test("vlan: QinQ 802.1ad outer tag and 0x9100", () => {
  for (const outer of [0x88a8, 0x9100]) {
    const frame = ethernet(outer, vlanTag(10, 0x8100, vlanTag(20, 0x0800, ip())));
    const p = decodeBytes(frame);
    assert.equal(p.layers, Layer.ETHERNET | Layer.VLAN | Layer.QINQ | Layer.IPV4 | Layer.UDP);
    assert.equal(p.vlanCount, 2);
    assert.equal(p.vlanId0, 10);
    assert.equal(p.vlanId1, 20);
    assert.equal(p.l3Offset, 22);
    assertCutSafe(frame);
  }
});

Deno.test("vlan: three tags decode, a fourth raises vlan.too_many_layers", () => {
  const three = ethernet(0x8100, vlanTag(1, 0x8100, vlanTag(2, 0x8100, vlanTag(3, 0x0800, ip()))));
  const p3 = decodeBytes(three);
  assert.equal(p3.vlanCount, 3);
  assert.deepEqual([p3.vlanId0, p3.vlanId1, p3.vlanId2], [1, 2, 3]);
  assert.ok((p3.layers & Layer.UDP) !== 0);
  assert.equal(p3.eventCount, 0);
  assertCutSafe(three);
  const four = ethernet(
    0x8100,
    vlanTag(1, 0x8100, vlanTag(2, 0x8100, vlanTag(3, 0x8100, vlanTag(4, 0x0800, ip())))),
  );
  const p4 = decodeBytes(four);
  assert.deepEqual(eventNames(p4), ["vlan.too_many_layers"]);
  assert.equal(p4.vlanCount, 3);
  assert.equal(p4.layers & Layer.IPV4, 0);
});

Deno.test("vlan: header_too_small and unknown_type", () => {
  const short = decodeBytes(ethernet(0x8100, bytes(0, 5, 8)));
  assert.deepEqual(eventNames(short), ["vlan.header_too_small"]);
  assert.ok((short.layers & Layer.VLAN) !== 0);
  // An 802.3 length field (LLC) after the tag is not an Ethertype Suricata knows.
  const llc = decodeBytes(ethernet(0x8100, vlanTag(7, 0x0026, filler(38))));
  assert.deepEqual(eventNames(llc), ["vlan.unknown_type"]);
  assert.equal(llc.vlanId0, 7);
});

Deno.test("vlan: 802.1ah and VN-Tag carry what follows", () => {
  const ah = ethernet(0x88e7, bytes([0, 0, 0, 1], filler(12), be16(0x0800), ip()));
  const p = decodeBytes(ah);
  assert.ok((p.layers & Layer.UDP) !== 0);
  assert.equal(p.l3Offset, 14 + 18);
  assertCutSafe(ah);
  assert.deepEqual(eventNames(decodeBytes(ethernet(0x88e7, filler(17)))), [
    "ieee8021ah.header_too_small",
  ]);
  const vn = ethernet(0x8926, bytes([0x80, 0, 0, 0], be16(0x0800), ipv4({}, tcp({}))));
  const q = decodeBytes(vn);
  assert.ok((q.layers & Layer.TCP) !== 0);
  assertCutSafe(vn);
  assert.deepEqual(eventNames(decodeBytes(ethernet(0x8926, filler(5)))), [
    "vntag.header_too_small",
  ]);
  assert.deepEqual(eventNames(decodeBytes(ethernet(0x8926, bytes([0, 0, 0, 0], be16(0x1234))))), [
    "vntag.unknown_type",
  ]);
});
