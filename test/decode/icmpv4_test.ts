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
  icmp4,
  ip4Value,
  ipv4,
  tcp,
  udp,
} from "./frames.ts";

const eth = (msg: Uint8Array) =>
  ethernet(0x0800, ipv4({ proto: 1, src: "192.0.2.254", dst: "10.0.0.1" }, msg));

Deno.test("icmpv4: echo request", () => {
  const frame = eth(icmp4(8, 0, [...be16(0x1234), ...be16(7)], filler(32)));
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.ICMPV4);
  assert.equal(p.icmpType, 8);
  assert.equal(p.icmpCode, 0);
  assert.equal(p.icmpId, 0x1234);
  assert.equal(p.icmpSeq, 7);
  assert.equal(p.l4Offset, 34);
  assert.equal(p.payloadOffset, 42);
  assert.equal(p.payloadLen, 32);
  assert.equal(p.eventCount, 0);
  assertCutSafe(frame);
});

Deno.test("icmpv4: port unreachable quotes an IPv4/UDP header", () => {
  const quoted = ipv4(
    { proto: 17, src: "10.0.0.1", dst: "192.0.2.254" },
    udp(40000, 53, filler(20)),
  )
    .subarray(0, 28);
  const frame = eth(icmp4(3, 3, [0, 0, 0, 0], quoted));
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.ICMPV4 | Layer.UDP);
  assert.equal(p.src4, ip4Value("192.0.2.254"), "outer addresses stay");
  assert.equal(p.srcPort, 0, "outer packet has no ports");
  assert.equal(p.ipProto, 1);
  assert.equal(p.icmpEmbL3Offset, 42);
  assert.equal(p.icmpEmbIpProto, 17);
  assert.equal(p.icmpEmbL4Offset, 62);
  assert.equal(p.icmpEmbSrcPort, 40000);
  assert.equal(p.icmpEmbDstPort, 53);
  assert.equal(p.payloadOffset, 42);
  assert.equal(p.payloadLen, 28);
  assert.equal(p.eventCount, 0);
  assertCutSafe(frame);
});

Deno.test("icmpv4: time exceeded quotes a TCP header", () => {
  const quoted = ipv4({ proto: 6 }, tcp({ sp: 33000, dp: 443 })).subarray(0, 28);
  const frame = eth(icmp4(11, 0, [0, 0, 0, 0], quoted));
  const p = decodeBytes(frame);
  assert.equal(p.layers & Layer.TCP, Layer.TCP);
  assert.equal(p.l4Offset, 34);
  assert.equal(p.icmpEmbSrcPort, 33000);
  assert.equal(p.icmpEmbDstPort, 443);
  assertCutSafe(frame);
});

Deno.test("icmpv4: type and code anomalies", () => {
  const cases: [Uint8Array, string[]][] = [
    [icmp4(8, 1, [0, 0, 0, 0], filler(4)), ["icmpv4.unknown_code"]],
    [icmp4(3, 16, [0, 0, 0, 0], filler(28)), ["icmpv4.unknown_code"]],
    [icmp4(5, 4, [0, 0, 0, 0], filler(28)), ["icmpv4.unknown_code"]],
    [icmp4(11, 2, [0, 0, 0, 0], filler(28)), ["icmpv4.unknown_code"]],
    [icmp4(12, 1, [0, 0, 0, 0], filler(28)), ["icmpv4.unknown_code"]],
    [icmp4(42, 0, [0, 0, 0, 0], filler(4)), ["icmpv4.unknown_type"]],
    [icmp4(3, 1, [0, 0, 0, 0], filler(12, 0x45)), ["icmpv4.ipv4_trunc_pkt"]],
    [icmp4(3, 1, [0, 0, 0, 0], filler(28, 0x65)), ["icmpv4.ipv4_unknown_ver"]],
    [icmp4(4, 0, [0, 0, 0, 0], new Uint8Array(0)), ["icmpv4.ipv4_trunc_pkt"]],
    [icmp4(13, 0, [0, 1, 0, 1], filler(4)), ["icmpv4.ipv4_trunc_pkt"]],
    [icmp4(9, 0, [2, 2, 0, 0], filler(8)), ["icmpv4.ipv4_trunc_pkt"]],
  ];
  for (const [msg, events] of cases) {
    const p = decodeBytes(eth(msg));
    assert.deepEqual(eventNames(p), events, `type ${msg[0]} code ${msg[1]}`);
  }
  const short = decodeBytes(eth(bytes(8, 0, 0, 0, 0, 0, 0)));
  assert.deepEqual(eventNames(short), ["icmpv4.pkt_too_small"]);
  assert.equal(short.l4Offset, -1);
  assert.equal(short.layers & Layer.ICMPV4, Layer.ICMPV4);
});
