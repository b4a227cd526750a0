/** MemoMatcher: remembered results equal fresh scans, on both engines. */

import assert from "node:assert/strict";
import { MatchSet } from "../../src/mpm/matcher.ts";
import type { Matcher } from "../../src/mpm/matcher.ts";
import { MEMO_MAX_IDS, MEMO_MAX_WINDOW, MemoMatcher } from "../../src/mpm/memo_matcher.ts";
import { ENGINES, skipUnavailable } from "./_engines.ts";

const enc = new TextEncoder();

/** Sorted ids a matcher finds in `data[start..end)`, scanned into a fresh set. */
function found(m: Matcher, data: Uint8Array, start: number, end: number): number[] {
  const set = new MatchSet(m.idSpace);
  m.scan(data, start, end, set);
  return Array.from(set.ids.subarray(0, set.count)).sort((a, b) => a - b);
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LINES = [
  "GET",
  "POST",
  "200",
  "text/html; charset=UTF-8",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
  "/index.php?id=1&cmd=whoami",
  "/index.php?id=2&cmd=whoami",
  "Host: example.com\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n\r\n",
  "cmd.exe /c dir",
  "CMD.EXE /C DIR",
];

for (const engine of ENGINES) {
  const ignore = skipUnavailable(engine);

  Deno.test({
    name: `memo matcher (${engine.name}): same ids as the wrapped matcher, windows repeating`,
    ignore,
    fn() {
      const b = engine.builder();
      const patterns = ["GET", "post", "cmd.exe", "whoami", "id=2", "html", "Win64", "\r\n\r\n"];
      patterns.forEach((p, id) =>
        b.addPattern(id, enc.encode(p), { nocase: id % 2 === 1 || p === "cmd.exe" })
      );
      // windowed patterns: where they may match counts from the window's start
      b.addPattern(8, enc.encode("GET"), { nocase: false, offset: 0, depth: 3 });
      b.addPattern(9, enc.encode("/index"), { nocase: false, offset: 0, depth: 6 });
      b.addPattern(10, enc.encode("Accept"), { nocase: true, offset: 20 });
      const inner = b.build();
      const memo = new MemoMatcher(inner);
      const next = random(7);
      // the lines at random places of one buffer, and windows over them or straddling them
      const data = new Uint8Array(16384);
      for (let round = 0; round < 2000; round++) {
        const line = enc.encode(LINES[Math.floor(next() * LINES.length)]);
        const at = Math.floor(next() * (data.length - 400));
        if (next() < 0.5) data.set(line, at); // bytes at a place may change after being seen
        const start = next() < 0.8 ? at : at + Math.floor(next() * 8);
        const end = start + (next() < 0.8 ? line.length : Math.floor(next() * 300));
        assert.deepEqual(
          found(memo, data, start, end),
          found(inner, data, start, end),
          `round ${round}: window ${start}..${end}`,
        );
      }
      assert.ok(memo.counters.hits > 500, `hits ${memo.counters.hits}`);
      assert.ok(memo.counters.misses > 10, `misses ${memo.counters.misses}`);
    },
  });

  Deno.test({
    name: `memo matcher (${engine.name}): a hit adds to what the set holds, once`,
    ignore,
    fn() {
      const b = engine.builder();
      b.addPattern(1, enc.encode("Host"), { nocase: false });
      b.addPattern(2, enc.encode("curl"), { nocase: false });
      const memo = new MemoMatcher(b.build());
      const first = enc.encode("xx Host: a curl");
      const second = enc.encode("Host: a curl");
      const set = new MatchSet(memo.idSpace);
      memo.scan(first, 3, first.length, set); // miss
      set.reset();
      set.add(2);
      memo.scan(second, 0, second.length, set); // hit: the same bytes elsewhere
      assert.equal(memo.counters.hits, 1);
      assert.deepEqual(Array.from(set.ids.subarray(0, set.count)), [2, 1]);
      assert.throws(() => memo.scan(second, 0, second.length, new MatchSet(1)), RangeError);
    },
  });

  Deno.test({
    name: `memo matcher (${engine.name}): long windows and many ids are scanned every time`,
    ignore,
    fn() {
      const b = engine.builder();
      for (let id = 0; id <= MEMO_MAX_IDS; id++) {
        b.addPattern(id, enc.encode(`p${String.fromCharCode(65 + id)}`), { nocase: false });
      }
      const memo = new MemoMatcher(b.build());
      const many = enc.encode(
        Array.from({ length: MEMO_MAX_IDS + 1 }, (_, id) => `p${String.fromCharCode(65 + id)}`)
          .join(" "),
      );
      const long = new Uint8Array(MEMO_MAX_WINDOW + 1).fill(0x20);
      long.set(enc.encode("pA"), MEMO_MAX_WINDOW - 1);
      for (let k = 0; k < 2; k++) {
        assert.equal(found(memo, many, 0, many.length).length, MEMO_MAX_IDS + 1);
        assert.deepEqual(found(memo, long, 0, long.length), [0]);
      }
      assert.equal(memo.counters.hits, 0);
      assert.equal(memo.counters.misses, 2, "only the window with many ids is looked up");
    },
  });
}

Deno.test("memo matcher: windows that differ in their last byte spread over the slots", () => {
  const b = ENGINES[0].builder();
  b.addPattern(0, enc.encode("id="), { nocase: false });
  const memo = new MemoMatcher(b.build());
  const windows = Array.from({ length: 40 }, (_, i) => enc.encode(`/index.php?id=${i}`));
  for (let pass = 0; pass < 2; pass++) {
    for (const w of windows) assert.deepEqual(found(memo, w, 0, w.length), [0]);
  }
  // 40 windows in 256 slots: a few share one; a hash whose low bits ignore the last bytes
  // put /index.php?id=0..9 in two slots
  assert.ok(memo.counters.hits >= 32, `hits ${memo.counters.hits} of 40`);
});
