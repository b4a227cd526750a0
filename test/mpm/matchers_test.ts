/**
 * The matcher contract (`src/mpm/matcher.ts`) on every engine: the embedded
 * Aho-Corasick and Hyperscan (ignored, with a message, without libhs). Each
 * engine is compared with a naive scan on seeded random pattern sets and on
 * edge cases: windows, offset/depth, case folding, every byte value, shared
 * ids, offsets beyond 2^31.
 */

import assert from "node:assert/strict";
import { type Matcher, MatchSet } from "../../src/mpm/matcher.ts";
import { mulberry32, naiveScan, randomCase, type TestPattern } from "./_naive.ts";
import { ENGINES, skipUnavailable } from "./_engines.ts";

const enc = new TextEncoder();

function sorted(ids: number[]): number[] {
  return [...ids].sort((a, b) => a - b);
}

function lit(id: number, text: string, nocase = false, offset?: number, depth?: number) {
  return { id, bytes: enc.encode(text), options: { nocase, offset, depth } };
}

function scanIds(m: Matcher, data: Uint8Array, start = 0, end = data.length): number[] {
  const set = new MatchSet(m.idSpace);
  m.scan(data, start, end, set);
  return Array.from(set.ids.subarray(0, set.count));
}

for (const engine of ENGINES) {
  const ignore = skipUnavailable(engine);
  const test = (name: string, fn: () => void) =>
    Deno.test({ name: `${engine.name}: ${name}`, ignore, fn });
  const build = (patterns: TestPattern[]): Matcher => {
    const builder = engine.builder();
    for (const p of patterns) builder.addPattern(p.id, p.bytes, p.options);
    return builder.build();
  };

  test("equals the naive scan on 1500 random cases, 4 windows each", () => {
    const rand = mulberry32(0x5eed);
    let windows = 0;
    let nonEmpty = 0;
    for (let n = 0; n < 1500; n++) {
      const { patterns, data } = randomCase(rand);
      const m = build(patterns);
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
  });

  test("windows as short as the shortest pattern's offset plus length still match", () => {
    const m = build([lit(1, "abcd", false, 2), lit(2, "xyz", false, 3), lit(3, "q", false, 0, 0)]);
    const data = enc.encode("..abcd");
    assert.deepEqual(scanIds(m, data), [1]);
    assert.deepEqual(scanIds(m, data, 0, 5), [], "one byte short");
    assert.deepEqual(scanIds(m, enc.encode("...xyz")), [2]);
    assert.deepEqual(scanIds(m, enc.encode("xyz")), [], "before its offset");
  });

  test("every byte value, 0x00 and 0xFF included, as single-byte patterns", () => {
    const b = engine.builder();
    for (let i = 0; i < 256; i++) b.addPattern(i, new Uint8Array([i]), { nocase: false });
    b.addPattern(256, new Uint8Array([0x00, 0xff, 0x00]), { nocase: true });
    const m = b.build();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.deepEqual(sorted(scanIds(m, all)), Array.from({ length: 256 }, (_, i) => i));
    assert.deepEqual(sorted(scanIds(m, new Uint8Array([0, 0xff, 0]))), [0, 255, 256]);
    assert.deepEqual(scanIds(m, new Uint8Array([0x41])), [0x41], "uppercase A only, not a");
  });

  test("builder rejects bad input; the largest id is 2^32-1", () => {
    const b = engine.builder();
    assert.throws(() => b.addPattern(0, new Uint8Array(0), { nocase: false }), RangeError);
    assert.throws(() => b.addPattern(-1, enc.encode("a"), { nocase: false }), RangeError);
    assert.throws(() => b.addPattern(2 ** 32, enc.encode("a"), { nocase: false }), RangeError);
    assert.throws(() => b.addPattern(1.5, enc.encode("a"), { nocase: false }), RangeError);
    assert.throws(() => b.addPattern(0, enc.encode("a"), { nocase: false, depth: -1 }), RangeError);
    assert.throws(
      () => b.addPattern(0, enc.encode("a"), { nocase: false, offset: NaN }),
      RangeError,
    );
    b.addPattern(2 ** 32 - 1, enc.encode("a"), { nocase: false });
    assert.equal(b.build().idSpace, 2 ** 32);
  });

  test("the builder copies patterns and stays usable", () => {
    const b = engine.builder();
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

  test("a view with a byteOffset is scanned from its own first byte", () => {
    const m = build([lit(1, "abc", false, undefined, 3)]);
    const whole = enc.encode("xxabcxx");
    assert.deepEqual(scanIds(m, whole.subarray(2)), [1]);
    assert.deepEqual(scanIds(m, whole), []);
  });

  test("scans accumulate into one set until reset, each id once", () => {
    const rand = mulberry32(99);
    for (let n = 0; n < 500; n++) {
      const { patterns, data } = randomCase(rand);
      const m = build(patterns);
      const set = new MatchSet(m.idSpace);
      const mid = Math.floor(data.length / 2);
      m.scan(data, 0, mid, set);
      m.scan(data, mid, data.length, set);
      m.scan(data, 0, data.length, set);
      const want = new Set([
        ...naiveScan(patterns, data, 0, mid),
        ...naiveScan(patterns, data, mid, data.length),
        ...naiveScan(patterns, data, 0, data.length),
      ]);
      assert.deepEqual(sorted(Array.from(set.ids.subarray(0, set.count))), sorted([...want]));
    }
  });

  test("classic overlapping set he/she/his/hers", () => {
    const m = build([lit(1, "he"), lit(2, "she"), lit(3, "his"), lit(4, "hers")]);
    assert.deepEqual(sorted(scanIds(m, enc.encode("ushers"))), [1, 2, 4]);
    assert.deepEqual(sorted(scanIds(m, enc.encode("ahishers"))), [1, 2, 3, 4]);
    assert.deepEqual(scanIds(m, enc.encode("hxs")), []);
  });

  test("a pattern found many times is reported once", () => {
    const m = build([lit(5, "a"), lit(6, "aa")]);
    const set = new MatchSet(m.idSpace);
    m.scan(enc.encode("aaaaaaaaaa"), 0, 10, set);
    assert.equal(set.count, 2);
    assert.deepEqual(sorted(Array.from(set.ids.subarray(0, 2))), [5, 6]);
  });

  test("empty pattern set, empty input, empty window", () => {
    const empty = engine.builder().build();
    assert.equal(empty.patternCount, 0);
    assert.equal(empty.idSpace, 0);
    assert.equal(empty.name, engine.matcherName);
    assert.deepEqual(scanIds(empty, enc.encode("anything")), []);
    const m = build([lit(0, "x")]);
    assert.deepEqual(scanIds(m, new Uint8Array(0)), []);
    assert.deepEqual(scanIds(m, enc.encode("xxx"), 1, 1), []);
    assert.deepEqual(scanIds(m, enc.encode("xxx"), 2, 1), [], "end before start scans nothing");
    assert.deepEqual(scanIds(m, enc.encode("ax"), 1, 99), [0], "end past the data is clipped");
  });

  test("a pattern longer than the input or window", () => {
    const m = build([lit(0, "abcdef")]);
    assert.deepEqual(scanIds(m, enc.encode("abcde")), []);
    assert.deepEqual(scanIds(m, enc.encode("abcdef"), 0, 5), []);
    assert.deepEqual(scanIds(m, enc.encode("abcdef"), 1, 6), []);
    assert.deepEqual(scanIds(m, enc.encode("abcdef")), [0]);
  });

  test("windows with start > 0, matches at the very end", () => {
    const m = build([lit(1, "GET"), lit(2, "end")]);
    const data = enc.encode("GET /x HTTP/1.1 end");
    assert.deepEqual(sorted(scanIds(m, data)), [1, 2]);
    assert.deepEqual(scanIds(m, data, 1, data.length), [2], "GET starts before the window");
    assert.deepEqual(scanIds(m, data, 0, data.length - 1), [1], "end crosses the window end");
    assert.deepEqual(scanIds(m, data, data.length - 3, data.length), [2]);
  });

  test("offset and depth count from the window start", () => {
    // depth: the match must END within depth bytes; offset: START at or after.
    const m = build([
      lit(1, "abc", false, undefined, 5),
      lit(2, "abc", false, 3),
      lit(3, "xy", false, 2, 4),
    ]);
    assert.deepEqual(scanIds(m, enc.encode("..abc")), [1]);
    assert.deepEqual(scanIds(m, enc.encode("...abc")), [2]);
    assert.deepEqual(scanIds(m, enc.encode("..xy")), [3]);
    assert.deepEqual(scanIds(m, enc.encode(".xy.")), []);
    assert.deepEqual(scanIds(m, enc.encode("...xy")), []);
    const data = enc.encode("zzzz..abc");
    assert.deepEqual(scanIds(m, data, 4, data.length), [1], "relative to start, not to 0");
    const never = build([lit(9, "abcdef", false, undefined, 3)]);
    assert.deepEqual(scanIds(never, enc.encode("abcdef")), [], "depth shorter than the pattern");
  });

  test("case-sensitive patterns are verified, nocase ones fold ASCII only", () => {
    const m = build([lit(1, "User-Agent"), lit(2, "host:", true), lit(3, "\u00e9")]);
    assert.deepEqual(scanIds(m, enc.encode("USER-AGENT: x")), []);
    assert.deepEqual(scanIds(m, enc.encode("User-Agent: x")), [1]);
    assert.deepEqual(scanIds(m, enc.encode("HoSt: y")), [2]);
    const upper = build([{ id: 4, bytes: new Uint8Array([0xc9]), options: { nocase: true } }]);
    assert.deepEqual(scanIds(upper, new Uint8Array([0xe9])), [], "0xC9 is not 0xE9 folded");
  });

  test("several patterns may share an id", () => {
    const m = build([lit(3, "foo"), lit(3, "bar"), lit(3, "BAZ", true)]);
    assert.deepEqual(scanIds(m, enc.encode("xxbarxxfooxx")), [3]);
    assert.deepEqual(scanIds(m, enc.encode("baz")), [3]);
    assert.deepEqual(scanIds(m, enc.encode("ba")), []);
  });

  test("absolute offsets beyond 2^31", () => {
    let data: Uint8Array;
    try {
      data = new Uint8Array(2 ** 31 + 4096);
    } catch {
      console.warn("skipping: cannot allocate 2 GiB");
      return;
    }
    const base = 2 ** 31 + 100;
    data.set(enc.encode("..needle..NEEDLE"), base);
    const m = build([lit(1, "needle", true, 2, 8), lit(2, "NEEDLE", false, 10)]);
    assert.deepEqual(sorted(scanIds(m, data, base, base + 16)), [1, 2]);
    assert.deepEqual(scanIds(m, data, base + 1, base + 16), [], "offsets shift with start");
  });

  test("a match set smaller than the id space is refused", () => {
    const m = build([lit(10, "a")]);
    assert.throws(() => m.scan(enc.encode("a"), 0, 1, new MatchSet(10)), RangeError);
    assert.deepEqual(scanIds(m, enc.encode("a")), [10]);
  });
}
