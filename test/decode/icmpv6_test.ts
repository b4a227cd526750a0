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
  icmp6,
  ipv6,
  tcp,
  udp,
} from "./frames.ts";

const eth = (msg: Uint8Array, hlim = 64) => ethernet(0x86dd, ipv6({ nh: 58, hlim }, msg));

Deno.test("icmpv6: echo request", () => {
  const frame = eth(icmp6(128, 0, [...be16(0x4242), ...be16(9)], filler(16)));
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV6 | Layer.ICMPV6);
  assert.equal(p.icmpType, 128);
  assert.equal(p.icmpId, 0x4242);
  assert.equal(p.icmpSeq, 9);
  assert.equal(p.payloadOffset, 14 + 40 + 8);
  assert.equal(p.payloadLen, 16);
  assert.equal(p.eventCount, 0);
  assertCutSafe(frame);
});

Deno.test("icmpv6: destination unreachable quotes an IPv6/TCP header", () => {
  const quoted = ipv6({ nh: 6 }, tcp({ sp: 2000, dp: 22 })).subarray(0, 48);
  const frame = eth(icmp6(1, 4, [0, 0, 0, 0], quoted));
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV6 | Layer.ICMPV6 | Layer.TCP);
  assert.equal(p.l4Offset, 54);
  assert.equal(p.srcPort, 0);
  assert.equal(p.icmpEmbL3Offset, 62);
  assert.equal(p.icmpEmbIpProto, 6);
  assert.equal(p.icmpEmbL4Offset, 102);
  assert.equal(p.icmpEmbSrcPort, 2000);
  assert.equal(p.icmpEmbDstPort, 22);
  assertCutSafe(frame);
  const tooBig = eth(icmp6(2, 0, [0, 0, 5, 0], ipv6({ nh: 17 }, udp(1, 2, filler(4)))));
  const q = decodeBytes(tooBig);
  assert.equal(q.layers & Layer.UDP, Layer.UDP);
  assert.equal(q.icmpEmbDstPort, 2);
  assertCutSafe(tooBig);
});

Deno.test("icmpv6: neighbour discovery and MLD", () => {
  const ns = eth(icmp6(135, 0, [0, 0, 0, 0], filler(16)), 255);
  assert.deepEqual(eventNames(decodeBytes(ns)), []);
  assertCutSafe(ns);
  assert.deepEqual(eventNames(decodeBytes(eth(icmp6(130, 0, [0, 0, 0, 0], filler(16)), 1))), []);
  assert.deepEqual(eventNames(decodeBytes(eth(icmp6(143, 0, [0, 0, 0, 0], filler(4)), 1))), []);
  assert.deepEqual(eventNames(decodeBytes(eth(icmp6(131, 0, [0, 0, 0, 0], filler(16)), 64))), [
    "icmpv6.mld_message_with_invalid_hl",
  ]);
});

Deno.test("icmpv6: type and code anomalies", () => {
  const cases: [Uint8Array, string[]][] = [
    [icmp6(128, 1, [0, 0, 0, 0], filler(2)), ["icmpv6.unknown_code"]],
    [icmp6(1, 7, [0, 0, 0, 0], filler(48)), ["icmpv6.unknown_code"]],
    [icmp6(4, 3, [0, 0, 0, 0], filler(48)), ["icmpv6.unknown_code"]],
    [icmp6(136, 1, [0, 0, 0, 0], filler(16)), ["icmpv6.unknown_code"]],
    [icmp6(50, 0, [0, 0, 0, 0], filler(4)), ["icmpv6.unassigned_type"]],
    [icmp6(200, 0, [0, 0, 0, 0], filler(4)), ["icmpv6.experimentation_type"]],
    [icmp6(127, 0, [0, 0, 0, 0], filler(4)), ["icmpv6.unknown_type"]],
    [icmp6(3, 0, [0, 0, 0, 0], filler(20, 0x60)), ["icmpv6.ipv6_trunc_pkt"]],
    [icmp6(3, 0, [0, 0, 0, 0], filler(40, 0x45)), ["icmpv6.ipv6_unknown_version"]],
  ];
  for (const [msg, events] of cases) {
    const p = decodeBytes(eth(msg));
    assert.deepEqual(eventNames(p), events, `type ${msg[0]} code ${msg[1]}`);
  }
  const short = decodeBytes(eth(bytes(128, 0, 0, 0)));
  assert.deepEqual(eventNames(short), ["icmpv6.pkt_too_small"]);
  assert.equal(short.l4Offset, -1);
});
