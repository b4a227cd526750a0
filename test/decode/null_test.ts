import assert from "node:assert/strict";
import { Layer } from "../../src/decode/packet.ts";
import {
  assertCutSafe,
  bytes,
  decodeBytes,
  eventNames,
  filler,
  ipv4,
  ipv6,
  tcp,
  udp,
} from "./frames.ts";

const v4 = () => ipv4({ proto: 17 }, udp(1, 2, filler(3)));
const v6 = () => ipv6({ nh: 6 }, tcp({}));

Deno.test("null: AF_INET in either byte order", () => {
  for (const family of [[2, 0, 0, 0], [0, 0, 0, 2]]) {
    const frame = bytes(family, v4());
    const p = decodeBytes(frame, 0);
    assert.equal(p.layers, Layer.NULL | Layer.IPV4 | Layer.UDP);
    assert.equal(p.l3Offset, 4);
    assertCutSafe(frame, 0);
  }
});

Deno.test("null: every AF_INET6 value in either byte order", () => {
  for (const af of [24, 28, 30, 10, 26, 23]) {
    for (const family of [[af, 0, 0, 0], [0, 0, 0, af]]) {
      const p = decodeBytes(bytes(family, v6()), 0);
      assert.equal(p.layers, Layer.NULL | Layer.IPV6 | Layer.TCP, `af ${af}`);
    }
  }
  assertCutSafe(bytes([30, 0, 0, 0], v6()), 0);
});

Deno.test("null: unsupported family and short header", () => {
  assert.deepEqual(eventNames(decodeBytes(bytes([7, 0, 0, 0], v4()), 0)), [
    "ltnull.unsupported_type",
  ]);
  assert.deepEqual(eventNames(decodeBytes(bytes([2, 0, 1, 0], v4()), 0)), [
    "ltnull.unsupported_type",
  ]);
  assert.deepEqual(eventNames(decodeBytes(bytes(2, 0, 0), 0)), ["ltnull.pkt_too_small"]);
});
