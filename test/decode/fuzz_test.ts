/**
 * Mutation fuzzing: well-formed frames of every encapsulation with random
 * bytes overwritten, decoded as every link type. No decode may throw, read
 * past the captured length (the result must not change with the bytes
 * after it) or report a span beyond it. Deterministic (seeded).
 */

import assert from "node:assert/strict";
import {
  assertWithin,
  be16,
  be32,
  bytes,
  decodeBytes,
  ethernet,
  ethIpv4Tcp,
  ethIpv4Udp,
  filler,
  icmp4,
  icmp6,
  ip6,
  ip6Ext,
  ip6Frag,
  ipv4,
  ipv6,
  snapshot,
  tcp,
  udp,
  vlanTag,
} from "./frames.ts";

/** xorshift32: a small deterministic generator. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const SEEDS: [Uint8Array, number][] = [
  [
    ethIpv4Tcp({ options: [0x94, 4, 0, 0, 1, 1, 1, 0] }, {
      options: [2, 4, 5, 0xb4, 4, 2, 1, 1, 5, 10, ...be32(1), ...be32(2)],
    }, filler(8)),
    1,
  ],
  [
    ethernet(
      0x8100,
      vlanTag(
        5,
        0x88a8,
        vlanTag(
          6,
          0x86dd,
          ipv6(
            { nh: 0 },
            bytes(
              ip6Ext(43, [1, 0, 5, 2, 0, 0]),
              bytes(44, 0, 2, 1, [0, 0, 0, 0], ip6("2001:db8::9")),
              ip6Frag(6, 0, false),
              tcp({}),
            ),
          ),
        ),
      ),
    ),
    1,
  ],
  [
    ethernet(
      0x0800,
      ipv4({ proto: 1 }, icmp4(3, 3, [0, 0, 0, 0], ipv4({ proto: 6 }, tcp({})).subarray(0, 28))),
    ),
    1,
  ],
  [
    ethernet(
      0x86dd,
      ipv6({ nh: 58 }, icmp6(1, 0, [0, 0, 0, 0], ipv6({ nh: 17 }, udp(1, 2, filler(4))))),
    ),
    1,
  ],
  [
    ethernet(
      0x0800,
      ipv4(
        { proto: 47 },
        bytes(
          0x30,
          0x81,
          be16(0x880b),
          be16(24),
          be16(1),
          be32(1),
          be32(1),
          0xff,
          3,
          0,
          0x21,
          ipv4({ proto: 17 }, udp(1, 2, filler(0))),
        ),
      ),
    ),
    1,
  ],
  [
    ethernet(
      0x0800,
      ipv4(
        { proto: 47 },
        bytes(
          0x10,
          0,
          be16(0x88be),
          be32(1),
          be16(0x1001),
          be16(1),
          be32(0),
          ethIpv4Udp(1, 2, filler(3)),
        ),
      ),
    ),
    1,
  ],
  [ethIpv4Udp(1, 4789, bytes(8, 0, 0, 0, 0, 0, 1, 0, ethIpv4Tcp())), 1],
  [
    ethIpv4Udp(
      3544,
      1,
      bytes(0, 0, 1, 2, 3, 4, 5, 6, ipv6({ nh: 17, hlim: 9 }, udp(3, 4, filler(2)))),
    ),
    1,
  ],
  [
    ethernet(0x8864, bytes(0x11, 0, be16(1), be16(50), be16(0x0021), ipv4({ proto: 6 }, tcp({})))),
    1,
  ],
  [ethernet(0x8847, bytes(be32(0x00064100), be32(0x00065140), [0, 0, 0, 0], ethIpv4Tcp())), 1],
  [bytes([2, 0, 0, 0], ipv4({ proto: 41 }, ipv6({ nh: 4 }, ipv4({ proto: 6 }, tcp({}))))), 0],
  [bytes(0xff, 3, be16(0x0057), ipv6({ nh: 51 }, bytes(6, 1, 0, 0, be32(1), be32(1), tcp({})))), 9],
  [bytes(filler(14), be16(0x0800), ipv4({ proto: 132 }, filler(20))), 113],
  [
    bytes(be16(0x86dd), filler(18), ipv6({ nh: 60 }, bytes(ip6Ext(59, [0xc2, 4, 0, 0, 0, 0])))),
    276,
  ],
  [bytes(0x0f, 0, be16(0x0800), ipv4({ proto: 4 }, ipv4({ proto: 50 }, filler(12)))), 104],
  [ipv6({ nh: 41 }, ipv6({ nh: 47 }, bytes(0, 0, be16(0x6558), ethIpv4Udp(5, 6, filler(1))))), 101],
];

Deno.test("fuzz: mutated frames never throw nor read past the capture", () => {
  const next = rng(0x7a75);
  let decodes = 0;
  for (const [seed, linkType] of SEEDS) {
    // The seed itself is well formed for its link type.
    const clean = decodeBytes(seed, linkType);
    assert.ok(clean.layers !== 0);
    for (let round = 0; round < 250; round++) {
      const frame = seed.slice();
      const flips = 1 + (next() % 4);
      for (let f = 0; f < flips; f++) {
        const at = next() % frame.length;
        frame[at] = next() % 3 === 0 ? frame[at] ^ (1 << (next() % 8)) : next() & 0xff;
      }
      const cut = next() % 3 === 0 ? next() % (frame.length + 1) : frame.length;
      const lt = next() % 8 === 0 ? [0, 1, 9, 101, 104, 113, 276][next() % 7] : linkType;
      const a = decodeBytes(frame, lt, { capLen: cut, fill: 0x00, at: 1 });
      assertWithin(a, cut, `seed ${SEEDS.findIndex((s) => s[0] === seed)} round ${round}`);
      const b = decodeBytes(frame, lt, { capLen: cut, fill: 0xff, at: 1 });
      assert.deepEqual(snapshot(b), snapshot(a));
      decodes += 2;
    }
  }
  assert.equal(decodes, SEEDS.length * 500);
});

Deno.test("fuzz: random bytes as every link type", () => {
  const next = rng(0xdec0de);
  for (let round = 0; round < 3000; round++) {
    const len = next() % 120;
    const frame = new Uint8Array(len);
    for (let i = 0; i < len; i++) frame[i] = next() & 0xff;
    // Bias toward plausible starts so deeper decoders get reached.
    if (len > 20 && next() % 2 === 0) frame[0] = 0x45;
    if (len > 14 && next() % 2 === 0) {
      frame.set(be16([0x0800, 0x86dd, 0x8100, 0x8847, 0x8864][next() % 5]), 12);
    }
    for (const lt of [0, 1, 9, 101, 104, 113, 228, 229, 276]) {
      const a = decodeBytes(frame, lt, { fill: 0x00 });
      assertWithin(a, len, `round ${round} lt ${lt}`);
      const b = decodeBytes(frame, lt, { fill: 0xff });
      assert.deepEqual(snapshot(b), snapshot(a));
    }
  }
});
