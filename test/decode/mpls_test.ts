import assert from "node:assert/strict";
import { Layer } from "../../src/decode/packet.ts";
import {
  assertCutSafe,
  be32,
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

/** One label stack entry. */
function label(value: number, bottom: boolean, ttl = 64): number[] {
  return be32(((value << 12) | (bottom ? 0x100 : 0) | ttl) >>> 0);
}

const ip4 = () => ipv4({ proto: 17 }, udp(1, 2, filler(4)));

Deno.test("mpls: label stack then IPv4 by first nibble", () => {
  const frame = ethernet(0x8847, bytes(label(1000, false), label(2000, true), ip4()));
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.MPLS | Layer.IPV4 | Layer.UDP);
  assert.equal(p.mplsCount, 2);
  assert.equal(p.l3Offset, 22);
  assert.equal(p.eventCount, 0);
  assertCutSafe(frame);
});

Deno.test("mpls: explicit null labels pick IPv4 and IPv6", () => {
  const v4 = decodeBytes(ethernet(0x8847, bytes(label(0, true), ip4())));
  assert.ok((v4.layers & Layer.UDP) !== 0);
  const six = ethernet(0x8848, bytes(label(2, true), ipv6({ nh: 6 }, tcp({}))));
  const v6 = decodeBytes(six);
  assert.ok((v6.layers & (Layer.IPV6 | Layer.TCP)) === (Layer.IPV6 | Layer.TCP));
  assertCutSafe(six);
});

Deno.test("mpls: Ethernet pseudowire behind a control word", () => {
  const inner = ethernet(0x0800, ip4());
  const frame = ethernet(0x8847, bytes(label(500, true), [0, 0, 0, 0], inner));
  const p = decodeBytes(frame);
  assert.ok((p.layers & Layer.UDP) !== 0);
  assert.equal(p.l3Offset, 14 + 4 + 4 + 14);
  assertCutSafe(frame);
});

Deno.test("mpls: bad labels and short stacks raise events", () => {
  const cases: [number[], string][] = [
    [label(1, true), "mpls.bad_label_router_alert"],
    [label(3, true), "mpls.bad_label_implicit_null"],
    [label(7, true), "mpls.bad_label_reserved"],
  ];
  for (const [l, name] of cases) {
    assert.deepEqual(eventNames(decodeBytes(ethernet(0x8847, bytes(l, ip4())))), [name]);
  }
  assert.deepEqual(eventNames(decodeBytes(ethernet(0x8847, bytes(label(99, false), 1, 2)))), [
    "mpls.header_too_small",
  ]);
  assert.deepEqual(eventNames(decodeBytes(ethernet(0x8847, bytes(label(99, true), 0x45)))), [
    "mpls.pkt_too_small",
  ]);
  assert.deepEqual(
    eventNames(decodeBytes(ethernet(0x8847, bytes(label(99, true), filler(30, 0x50))))),
    [
      "mpls.unknown_payload_type",
    ],
  );
});
