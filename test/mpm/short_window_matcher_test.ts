/**
 * ShortWindowMatcher: which matcher scans which window, when a set gets a
 * twin, and that Hyperscan with its twin finds what a naive scan finds on
 * windows either side of the length limit.
 */

import assert from "node:assert/strict";
import { AhoCorasickBuilder } from "../../src/mpm/aho_corasick.ts";
import {
  type Matcher,
  type MatcherBuilder,
  MatchSet,
  type PatternOptions,
} from "../../src/mpm/matcher.ts";
import {
  SHORT_WINDOW_MAX_BYTES,
  SHORT_WINDOW_MAX_PATTERNS,
  ShortWindowBuilder,
  ShortWindowMatcher,
} from "../../src/mpm/short_window_matcher.ts";
import { mulberry32, naiveScan, type TestPattern } from "./_naive.ts";
import { ENGINES, skipUnavailable } from "./_engines.ts";

const enc = new TextEncoder();

/** A builder whose matchers count the windows they scan (an Aho-Corasick inside). */
class CountingBuilder implements MatcherBuilder {
  readonly #inner = new AhoCorasickBuilder();
  readonly windows: number[] = [];
  addPattern(id: number, bytes: Uint8Array, options: PatternOptions): void {
    this.#inner.addPattern(id, bytes, options);
  }
  build(): Matcher {
    const inner = this.#inner.build();
    const windows = this.windows;
    return {
      name: "counting",
      patternCount: inner.patternCount,
      memoryBytes: inner.memoryBytes,
      idSpace: inner.idSpace,
      scan(data, start, end, out) {
        windows.push(end - start);
        inner.scan(data, start, end, out);
      },
    };
  }
}

function ids(m: Matcher, data: Uint8Array, start: number, end: number): number[] {
  const set = new MatchSet(m.idSpace);
  m.scan(data, start, end, set);
  return Array.from(set.ids.subarray(0, set.count)).sort((a, b) => a - b);
}

Deno.test("short window matcher: windows up to the limit stay in TypeScript, longer ones go native", () => {
  const native = new CountingBuilder();
  const builder = new ShortWindowBuilder(native);
  builder.addPattern(1, enc.encode("needle"), { nocase: true });
  builder.addPattern(2, enc.encode("tail"), { nocase: false, offset: 100 });
  const m = builder.build();
  assert.ok(m instanceof ShortWindowMatcher);
  assert.equal(m.name, "counting");
  const data = new Uint8Array(400).fill(0x2e);
  data.set(enc.encode("NEEDLE"), 10);
  data.set(enc.encode("tail"), 120);
  const limit = SHORT_WINDOW_MAX_BYTES;
  assert.deepEqual(ids(m, data, 0, limit), [1, 2], "a window of exactly the limit");
  assert.deepEqual(ids(m, data, 30, 30 + limit), [], "offset counts from the window");
  assert.deepEqual(native.windows, [], "the native matcher scanned nothing");
  assert.deepEqual(ids(m, data, 0, limit + 1), [1, 2]);
  assert.deepEqual(ids(m, data, 0, 400), [1, 2]);
  assert.deepEqual(native.windows, [limit + 1, 400]);
});

Deno.test("short window matcher: a set larger than the limit gets no twin", () => {
  const small = new ShortWindowBuilder(new CountingBuilder());
  const large = new ShortWindowBuilder(new CountingBuilder());
  for (let id = 0; id <= SHORT_WINDOW_MAX_PATTERNS; id++) {
    const bytes = enc.encode(`pattern-${id}`);
    if (id < SHORT_WINDOW_MAX_PATTERNS) small.addPattern(id, bytes, { nocase: false });
    large.addPattern(id, bytes, { nocase: false });
  }
  assert.ok(small.build() instanceof ShortWindowMatcher);
  const m = large.build();
  assert.ok(!(m instanceof ShortWindowMatcher));
  assert.equal(m.patternCount, SHORT_WINDOW_MAX_PATTERNS + 1);
  assert.equal(new ShortWindowBuilder(new CountingBuilder()).build().name, "counting", "empty set");
});

for (const engine of ENGINES.filter((e) => e.name === "hs-short")) {
  Deno.test({
    name: "short window matcher (hs-short): equals a naive scan on windows around the limit",
    ignore: skipUnavailable(engine),
    fn() {
      const rand = mulberry32(0x5170);
      const int = (n: number) => Math.floor(rand() * n);
      const alphabet = enc.encode("abcAB\u007f0");
      let nonEmpty = 0;
      for (let n = 0; n < 200; n++) {
        const patterns: TestPattern[] = [];
        for (let i = 0, count = 1 + int(40); i < count; i++) {
          const bytes = Uint8Array.from(
            { length: 1 + int(5) },
            () => alphabet[int(alphabet.length)],
          );
          const options = {
            nocase: rand() < 0.5,
            offset: rand() < 0.2 ? int(140) : undefined,
            depth: rand() < 0.2 ? 1 + int(200) : undefined,
          };
          patterns.push({ id: int(50), bytes, options });
        }
        const builder = engine.builder();
        for (const p of patterns) builder.addPattern(p.id, p.bytes, p.options);
        const m = builder.build();
        const data = Uint8Array.from({ length: 300 }, () => alphabet[int(alphabet.length)]);
        for (let w = 0; w < 4; w++) {
          const start = int(40);
          const end = start + SHORT_WINDOW_MAX_BYTES - 8 + int(17);
          const want = naiveScan(patterns, data, start, end);
          assert.deepEqual(ids(m, data, start, end), want, JSON.stringify({ n, w, start, end }));
          if (want.length > 0) nonEmpty++;
        }
      }
      assert.ok(nonEmpty > 400, `most windows find something (${nonEmpty} of 800)`);
    },
  });
}
