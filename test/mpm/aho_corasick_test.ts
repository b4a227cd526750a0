/**
 * The Aho-Corasick matcher against a naive scan (seeded random pattern sets
 * that force overlaps, prefixes, suffixes and repeats), plus edge cases.
 */

import assert from "node:assert/strict";
import { AhoCorasickBuilder, type AhoCorasickMatcher, MatchSet } from "../../src/mpm/mod.ts";
import { mulberry32, naiveScan, POOL, randomCase, type TestPattern } from "./_naive.ts";

const enc = new TextEncoder();

function build(patterns: TestPattern[], denseBytesLimit?: number): AhoCorasickMatcher {
  const builder = new AhoCorasickBuilder({ denseBytesLimit });
  for (const p of patterns) builder.addPattern(p.id, p.bytes, p.options);
  return builder.build();
}

function scanIds(m: AhoCorasickMatcher, data: Uint8Array, start = 0, end = data.length): number[] {
  const set = new MatchSet(m.idSpace);
  m.scan(data, start, end, set);
  return Array.from(set.ids.subarray(0, set.count));
}

function sorted(ids: number[]): number[] {
  return [...ids].sort((a, b) => a - b);
}

function lit(id: number, text: string, nocase = false, offset?: number, depth?: number) {
  return { id, bytes: enc.encode(text), options: { nocase, offset, depth } };
}

const MODES: [string, number | undefined][] = [
  ["full DFA", undefined],
  ["root-only dense", 0],
  ["hybrid: a few dense rows", 120],
];
for (const [mode, limit] of MODES) {
  Deno.test(`ac: equals the naive scan on 3000 random cases (${mode})`, () => {
    const rand = mulberry32(0x5eed + (limit ?? 7));
    let windows = 0;
    let nonEmpty = 0;
    let mixed = 0;
    for (let n = 0; n < 3000; n++) {
      const { patterns, data } = randomCase(rand);
      const m = build(patterns, limit);
      if (limit === 0) assert.equal(m.denseStateCount, 1);
      if (m.denseStateCount > 1 && m.denseStateCount < m.stateCount) mixed++;
      const set = new MatchSet(m.idSpace);
      for (let w = 0; w < 4; w++) {
        const start = w === 0 ? 0 : Math.floor(rand() * (data.length + 1));
        const end = w === 0 ? data.length : start + Math.floor(rand() * (data.length - start + 1));
        set.reset();
        m.scan(data, start, end, set);
        const got = Array.from(set.ids.subarray(0, set.count));
        assert.equal(new Set(got).size, got.length, "each id once");
        const want = naiveScan(patterns, data, start, end);
        assert.deepEqual(sorted(got), want, JSON.stringify({ n, w, start, end, patterns, data }));
        windows++;
        if (want.length > 0) nonEmpty++;
      }
    }
    assert.ok(nonEmpty > windows / 3, `enough cases find something (${nonEmpty}/${windows})`);
    if (limit === 120) assert.ok(mixed > 2000, `dense and sparse states mixed in ${mixed} cases`);
  });
}

Deno.test("ac: long chains of nested suffixes (output lists that continue elsewhere)", () => {
  const rand = mulberry32(77);
  for (let n = 0; n < 300; n++) {
    const symbols = [0x61, 0x41, 0x00];
    const patterns: TestPattern[] = [];
    for (let i = 0; i < 40; i++) {
      const len = 1 + Math.floor(rand() * 14);
      const bytes = Uint8Array.from(
        { length: len },
        () => symbols[rand() < 0.85 ? 0 : 1 + Math.floor(rand() * 2)],
      );
      patterns.push({
        id: i,
        bytes,
        options: { nocase: rand() < 0.7, depth: rand() < 0.2 ? 20 : undefined },
      });
    }
    const data = Uint8Array.from(
      { length: 60 },
      () => symbols[rand() < 0.8 ? 0 : 1 + Math.floor(rand() * 2)],
    );
    for (const limit of [undefined, 0]) {
      const m = build(patterns, limit);
      for (const [start, end] of [[0, data.length], [5, 40], [30, 60]]) {
        assert.deepEqual(
          sorted(scanIds(m, data, start, end)),
          naiveScan(patterns, data, start, end),
        );
      }
    }
  }
  const runs = Array.from({ length: 30 }, (_, i) => lit(i, "a".repeat(i + 1)));
  assert.deepEqual(sorted(scanIds(build(runs), enc.encode("a".repeat(12)))), [...Array(12).keys()]);
});

Deno.test("ac: every byte value, 0x00 and 0xFF included, as single-byte patterns", () => {
  const b = new AhoCorasickBuilder();
  for (let i = 0; i < 256; i++) b.addPattern(i, new Uint8Array([i]), { nocase: false });
  b.addPattern(256, new Uint8Array([0x00, 0xff, 0x00]), { nocase: true });
  const m = b.build();
  assert.equal(m.classCount, 256 - 26 + 1);
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(sorted(scanIds(m, all)), Array.from({ length: 256 }, (_, i) => i));
  assert.deepEqual(sorted(scanIds(m, new Uint8Array([0, 0xff, 0]))), [0, 255, 256]);
  assert.deepEqual(scanIds(m, new Uint8Array([0x41])), [0x41], "uppercase A only, not a");
});

Deno.test("ac: memory-bounded hybrid layout on a large set still agrees", () => {
  const rand = mulberry32(4242);
  const patterns: TestPattern[] = [];
  for (let i = 0; i < 3000; i++) {
    const len = 2 + Math.floor(rand() * 10);
    const bytes = Uint8Array.from({ length: len }, () => POOL[Math.floor(rand() * POOL.length)]);
    patterns.push({ id: i, bytes, options: { nocase: rand() < 0.5 } });
  }
  const data = Uint8Array.from({ length: 20000 }, () => POOL[Math.floor(rand() * POOL.length)]);
  const full = build(patterns);
  const hybrid = build(patterns, 4096);
  assert.equal(full.denseStateCount, full.stateCount);
  assert.ok(hybrid.denseStateCount < hybrid.stateCount / 10);
  assert.ok(hybrid.memoryBytes < full.memoryBytes);
  const want = naiveScan(patterns, data, 0, data.length);
  assert.deepEqual(sorted(scanIds(full, data)), want);
  assert.deepEqual(sorted(scanIds(hybrid, data)), want);
});

Deno.test("ac: builder rejects bad input", () => {
  const b = new AhoCorasickBuilder();
  assert.throws(() => b.addPattern(0, new Uint8Array(0), { nocase: false }), RangeError);
  assert.throws(() => b.addPattern(-1, enc.encode("a"), { nocase: false }), RangeError);
  assert.throws(() => b.addPattern(2 ** 32, enc.encode("a"), { nocase: false }), RangeError);
  assert.throws(() => b.addPattern(1.5, enc.encode("a"), { nocase: false }), RangeError);
  assert.throws(() => b.addPattern(0, enc.encode("a"), { nocase: false, depth: -1 }), RangeError);
  assert.throws(() => b.addPattern(0, enc.encode("a"), { nocase: false, offset: NaN }), RangeError);
  assert.throws(() => new AhoCorasickBuilder({ denseBytesLimit: -1 }), RangeError);
  b.addPattern(2 ** 32 - 1, enc.encode("a"), { nocase: false });
  assert.equal(b.build().idSpace, 2 ** 32);
});

Deno.test("ac: the builder copies patterns and stays usable", () => {
  const b = new AhoCorasickBuilder();
  const bytes = enc.encode("abc");
  b.addPattern(0, bytes, { nocase: false });
  bytes[0] = 0x78;
  const first = b.build();
  b.addPattern(1, enc.encode("bc"), { nocase: false });
  const second = b.build();
  assert.deepEqual(scanIds(first, enc.encode("abc")), [0]);
  assert.deepEqual(sorted(scanIds(second, enc.encode("abc"))), [0, 1]);
  assert.equal(first.patternCount, 1);
  assert.equal(second.patternCount, 2);
  assert.ok(second.memoryBytes > 0);
});
