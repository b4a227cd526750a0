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

Deno.test("sll: LINUX_SLL (113) carries IPv4", () => {
  const header = bytes(be16(0), be16(1), be16(6), filler(6), [0, 0], be16(0x0800));
  const frame = bytes(header, ipv4({ proto: 6 }, tcp({ dp: 22 })));
  const p = decodeBytes(frame, 113);
  assert.equal(p.layers, Layer.SLL | Layer.IPV4 | Layer.TCP);
  assert.equal(p.l3Offset, 16);
  assert.equal(p.dstPort, 22);
  assertCutSafe(frame, 113);
  const short = decodeBytes(filler(15), 113);
  assert.deepEqual(eventNames(short), ["sll.pkt_too_small"]);
});

Deno.test("sll: LINUX_SLL2 (276) carries IPv6", () => {
  const header = bytes(be16(0x86dd), [0, 0], [0, 0, 0, 2], be16(1), 0, 6, filler(8));
  const frame = bytes(header, ipv6({ nh: 17 }, udp(53, 5353, filler(7))));
  const p = decodeBytes(frame, 276);
  assert.equal(p.layers, Layer.SLL | Layer.IPV6 | Layer.UDP);
  assert.equal(p.l3Offset, 20);
  assert.equal(p.src6Offset, 28);
  assertCutSafe(frame, 276);
  assert.deepEqual(eventNames(decodeBytes(filler(19), 276)), ["sll.pkt_too_small"]);
});
