/**
 * The on-disk Hyperscan database cache: a second build of the same patterns
 * loads its databases from files and finds the same ids; damaged, truncated
 * or foreign files are reported once and rebuilt; an unwritable directory is
 * reported once and not fatal. Ignored (with a message) without libhs.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { HyperscanBuilder, type HyperscanMatcher } from "../../src/mpm/hyperscan.ts";
import { HyperscanCache } from "../../src/mpm/hyperscan_cache.ts";
import { MatchSet } from "../../src/mpm/matcher.ts";
import { ENGINES, skipUnavailable } from "./_engines.ts";

const ignore = skipUnavailable(ENGINES.find((e) => e.name === "hs")!);
const enc = new TextEncoder();
const DATA = enc.encode("GET /cgi-bin/../etc/passwd HTTP/1.1\r\nHost: x\r\nUser-Agent: curl\r\n");

function build(cache: HyperscanCache, extra = ""): HyperscanMatcher {
  const b = new HyperscanBuilder({ cache });
  b.addPattern(0, enc.encode("GET"), { nocase: false, depth: 3 });
  b.addPattern(1, enc.encode("/etc/passwd" + extra), { nocase: false });
  b.addPattern(2, enc.encode("user-agent:"), { nocase: true });
  b.addPattern(3, enc.encode("host"), { nocase: true, offset: 30 });
  b.addPattern(4, enc.encode("POST"), { nocase: false });
  // enough single-byte patterns for a second (literal) database; none occurs in DATA
  for (let i = 1; i <= 9; i++) b.addPattern(10 + i, new Uint8Array([i]), { nocase: false });
  return b.build();
}

function ids(m: HyperscanMatcher): number[] {
  const set = new MatchSet(m.idSpace);
  m.scan(DATA, 0, DATA.length, set);
  return Array.from(set.ids.subarray(0, set.count)).sort((a, b) => a - b);
}

function withCache(fn: (cache: HyperscanCache, warnings: string[], dir: string) => void) {
  return () => {
    const dir = Deno.makeTempDirSync({ prefix: "tarsier-hs-cache-" });
    const warnings: string[] = [];
    try {
      fn(new HyperscanCache({ dir, warn: (m) => warnings.push(m) }), warnings, dir);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  };
}

function cacheFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test({
  name: "hs cache: a second build loads both databases and finds the same ids",
  ignore,
  fn: withCache((cache, warnings, dir) => {
    const cold = build(cache);
    assert.equal(cold.fromCache, 0);
    assert.deepEqual(ids(cold), [0, 1, 2, 3]);
    const files = cacheFiles(dir);
    assert.equal(files.length, 2, "an extended and a single-byte literal database");
    assert.ok(files.every((f) => /^[0-9a-f]{64}\.hs$/.test(f)), files.join());
    const warm = build(cache);
    assert.equal(warm.fromCache, 2);
    assert.deepEqual(ids(warm), [0, 1, 2, 3]);
    assert.deepEqual(cache.counters, {
      hits: 2,
      misses: 2,
      damaged: 0,
      stored: 2,
      writeFailures: 0,
    });
    assert.deepEqual(warnings, []);
    // another pattern set is another key: the literal database is compiled again
    const other = build(cache, "x");
    assert.equal(other.fromCache, 1, "only the single-byte database is shared");
    assert.deepEqual(ids(other), [0, 2, 3]);
  }),
});

Deno.test({
  name: "hs cache: truncated, flipped and foreign files are reported once and rebuilt",
  ignore,
  fn: withCache((cache, warnings, dir) => {
    build(cache);
    const [a, b] = cacheFiles(dir).map((f) => join(dir, f));
    const bytes = Deno.readFileSync(a);
    Deno.writeFileSync(a, bytes.subarray(0, bytes.length >> 1)); // truncated
    const other = Deno.readFileSync(b);
    other[other.length - 10] ^= 0xff; // one flipped byte
    Deno.writeFileSync(b, other);
    const rebuilt = build(cache);
    assert.equal(rebuilt.fromCache, 0);
    assert.deepEqual(ids(rebuilt), [0, 1, 2, 3]);
    assert.equal(cache.counters.damaged, 2);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(
      warnings[0],
      /mpm cache: .*\.hs is damaged \((checksum mismatch|truncated.*)\); rebuilding it/,
    );
    assert.deepEqual(Deno.readFileSync(a), bytes, "the file was rewritten whole");
    assert.equal(build(cache).fromCache, 2, "and loads again");
    // a file of the right name but not ours; an empty file
    Deno.writeFileSync(a, enc.encode("not a database at all, but long enough to have a header"));
    Deno.writeFileSync(b, new Uint8Array(0));
    assert.deepEqual(ids(build(cache)), [0, 1, 2, 3]);
    assert.equal(cache.counters.damaged, 4);
    assert.equal(warnings.length, 1, "warned once per cache");
  }),
});

Deno.test({
  name: "hs cache: a payload Hyperscan refuses behind a valid checksum is rebuilt",
  ignore,
  fn: withCache((cache, warnings, dir) => {
    build(cache);
    const path = join(dir, cacheFiles(dir)[0]);
    const file = Deno.readFileSync(path);
    const payload = file.slice(40);
    payload.fill(0x41, 0, 16); // destroys the serialized database's header
    // the cache's framing, made valid again: magic, sha256(payload), payload
    file.set(createHash("sha256").update(payload).digest(), 8);
    file.set(payload, 40);
    Deno.writeFileSync(path, file);
    assert.deepEqual(ids(build(cache)), [0, 1, 2, 3]);
    assert.equal(cache.counters.damaged, 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /is damaged \(hs_serialized_database_info failed: HS_INVALID\)/);
  }),
});

Deno.test({
  name: "hs cache: an unwritable directory is reported once, never fatal",
  ignore,
  fn() {
    const base = Deno.makeTempDirSync({ prefix: "tarsier-hs-cache-" });
    const blocker = join(base, "file");
    Deno.writeFileSync(blocker, new Uint8Array(1));
    const warnings: string[] = [];
    try {
      const cache = new HyperscanCache({
        dir: join(blocker, "sub"),
        warn: (m) => warnings.push(m),
      });
      assert.deepEqual(ids(build(cache)), [0, 1, 2, 3]);
      assert.deepEqual(ids(build(cache)), [0, 1, 2, 3]);
      assert.equal(cache.counters.writeFailures, 4);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /mpm cache: cannot write .*; not caching/);
    } finally {
      Deno.removeSync(base, { recursive: true });
    }
  },
});

Deno.test("hs cache: keys depend on every part and on part boundaries", () => {
  const k = HyperscanCache.key(["a", "bc"]);
  assert.match(k, /^[0-9a-f]{64}$/);
  assert.equal(k, HyperscanCache.key(["a", "bc"]));
  assert.notEqual(k, HyperscanCache.key(["ab", "c"]));
  assert.notEqual(k, HyperscanCache.key(["a", "bd"]));
});

Deno.test("hs cache: a key is SHA-256 over each part's length, a colon and the part", () => {
  // the key format of existing caches: a change here would make every
  // warm cache cold
  const expected = createHash("sha256").update("2:ab1:c0:2:\u00e9x").digest("hex");
  assert.equal(expected, "756749a45df37c7558d7c7087dc841feaafdd8d9effaa3e86d90783212fb67f4");
  assert.equal(HyperscanCache.key(["ab", "c", "", "\u00e9x"]), expected);
});
