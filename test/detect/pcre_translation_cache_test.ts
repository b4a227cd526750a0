/**
 * The on-disk cache of pcre translations: what one run translated, the next
 * reads back (translations and refusals alike) and uses without translating;
 * a damaged file or an unwritable directory is reported, never fatal.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  clearPcreMemo,
  PCRE_MEMO_LIMIT,
  PCRE_SEED_LIMIT,
  pcreEntriesUsed,
  type PcreMemoEntry,
  pcreMemoSize,
  recordPcreUse,
  translatePcreMemo,
} from "../../src/detect/pcre_memo.ts";
import {
  cacheText,
  parseCacheText,
  PcreTranslationCache,
} from "../../src/detect/pcre_translation_cache.ts";
import { PcreTranslateError, translatePcre } from "../../src/detect/pcre_translate.ts";

/** A pattern Suricata's PCRE2 accepts and the translator refuses (no exact JavaScript form). */
const REFUSED = "(?i)([\\xe9])\\1";

function refusalOf(pattern: string): PcreTranslateError {
  try {
    translatePcreMemo(pattern);
  } catch (error) {
    if (error instanceof PcreTranslateError) return error;
    throw error;
  }
  throw new Error(`${pattern} was translated`);
}

function openIn(dir: string, warnings: string[]): PcreTranslationCache {
  const cache = PcreTranslationCache.open(dir, (m) => warnings.push(m));
  assert.ok(cache !== null, "the translator's sources are readable when run from files");
  return cache;
}

/** A test with a fresh temporary directory and an empty memo (both cleaned up after it). */
function cacheTest(name: string, fn: (dir: string) => void): void {
  Deno.test(name, () => {
    const dir = Deno.makeTempDirSync({ prefix: "tarsier-pcre-cache-" });
    clearPcreMemo();
    try {
      fn(dir);
    } finally {
      clearPcreMemo();
      Deno.removeSync(dir, { recursive: true });
    }
  });
}

cacheTest("pcre cache: a run's translations and refusals are read back by the next", (dir) => {
  const warnings: string[] = [];
  const first = openIn(join(dir, "cache"), warnings);
  assert.equal(first.load(), 0, "no file yet: a quiet miss");
  const translated = translatePcreMemo("^GET\\s+/a(b|c)+", { caseless: true });
  const refused = refusalOf(REFUSED);
  first.save();
  assert.equal(first.counters.stored, 2);
  assert.match(first.path, /\/cache\/pcre-[0-9a-f]{32}\.json$/);

  clearPcreMemo();
  const second = openIn(join(dir, "cache"), warnings);
  assert.equal(second.path, first.path, "one file per translator");
  assert.equal(second.load(), 2);
  assert.equal(pcreMemoSize(), 2, "the memo is seeded");
  assert.deepEqual(translatePcreMemo("^GET\\s+/a(b|c)+", { caseless: true }), translated);
  const again = refusalOf(REFUSED);
  assert.equal(again.message, refused.message);
  assert.equal(again.offset, refused.offset);
  assert.equal(again.unsupported, refused.unsupported);
  assert.equal(again.construct, refused.construct);
  // nothing new: the file is left as it is
  const before = Deno.statSync(first.path).mtime;
  second.save();
  assert.equal(second.counters.stored, 0);
  assert.deepEqual(Deno.statSync(first.path).mtime, before);
  assert.deepEqual(warnings, []);
});

cacheTest("pcre cache: a seeded outcome is used as it is, without translating", (dir) => {
  recordPcreUse();
  translatePcreMemo("cached\\d+");
  const [[key]] = pcreEntriesUsed();
  const cache = openIn(dir, []);
  // a file whose entry differs from what the translator gives: the memo
  // must return the file's, which proves the pattern was not translated
  Deno.writeTextFileSync(
    cache.path,
    cacheText([[key, { source: "from-the-file", jsGroups: 0 }]]),
  );
  clearPcreMemo();
  assert.equal(cache.load(), 1);
  assert.equal(translatePcreMemo("cached\\d+").source, "from-the-file");
  assert.notEqual(translatePcre("cached\\d+").source, "from-the-file");
});

cacheTest("pcre cache: a damaged file is reported once, ignored and rewritten", (dir) => {
  recordPcreUse();
  translatePcreMemo("a+b");
  const good = cacheText(pcreEntriesUsed());
  const damages: [string, RegExp][] = [
    [good.slice(0, good.length - 5), /checksum mismatch/],
    [good.replace("a+b", "a+c"), /checksum mismatch/],
    ["not a cache file", /no checksum line/],
    [cacheText([]).replace(/^.*\n/, "") + "\n", /no checksum line/],
  ];
  for (const [text, why] of damages) {
    clearPcreMemo();
    const warnings: string[] = [];
    const cache = openIn(dir, warnings);
    Deno.writeTextFileSync(cache.path, text);
    assert.equal(cache.load(), 0);
    assert.equal(pcreMemoSize(), 0, "nothing seeded from a damaged file");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], why);
    assert.match(warnings[0], /; translating again$/);
    translatePcreMemo("a+b");
    cache.save();
    assert.equal(Deno.readTextFileSync(cache.path), good, "rewritten whole");
  }
});

Deno.test("pcre cache: malformed entries with a right checksum are refused", async () => {
  const { createHash } = await import("node:crypto");
  const sealed = (payload: string) =>
    `${createHash("sha256").update(payload).digest("hex")}\n${payload}`;
  assert.match(parseCacheText(sealed("{")) as string, /^not JSON/);
  assert.match(parseCacheText(sealed("{}")) as string, /^no entries/);
  for (const row of [["k", 1, 2], ["k", "src", -1], ["k", null, "m", 0, "yes", "c"], [1, "s", 0]]) {
    const text = sealed(JSON.stringify({ entries: [row] }));
    assert.match(parseCacheText(text) as string, /^malformed entry/, JSON.stringify(row));
  }
  const ok = parseCacheText(sealed(JSON.stringify({
    entries: [["k", "s", 0], ["r", null, "why", 3, true, "construct"]],
  })));
  assert.ok(Array.isArray(ok));
  assert.equal(ok.length, 2);
  assert.ok(ok[1][1] instanceof PcreTranslateError);
});

cacheTest(
  "pcre cache: the file keeps the last load's patterns, then earlier loads', not the memo",
  (dir) => {
    translatePcreMemo("before\\s+the\\s+load");
    const first = openIn(dir, []);
    first.load();
    translatePcreMemo("one+");
    translatePcreMemo("two+");
    first.save();
    assert.equal(first.counters.stored, 2);
    const keys = (parseCacheText(Deno.readTextFileSync(first.path)) as PcreMemoEntry[])
      .map(([key]) => key.slice(7));
    assert.deepEqual(keys, ["one+", "two+"], "option prefix cut off; the earlier pattern left out");

    // a load that looks up one of them and a new one: those two first, then the other
    clearPcreMemo();
    const second = openIn(dir, []);
    assert.equal(second.load(), 2);
    translatePcreMemo("two+");
    translatePcreMemo("three+");
    second.save();
    const after = (parseCacheText(Deno.readTextFileSync(first.path)) as PcreMemoEntry[])
      .map(([key]) => key.slice(7));
    assert.deepEqual(after, ["two+", "three+", "one+"]);

    // a load of only known patterns moves them to the front; once there, no write
    const keysOf = () =>
      (parseCacheText(Deno.readTextFileSync(first.path)) as PcreMemoEntry[]).map(([key]) =>
        key.slice(7)
      );
    for (const expectStored of [3, 0]) {
      clearPcreMemo();
      const again = openIn(dir, []);
      assert.equal(again.load(), 3);
      translatePcreMemo("one+");
      again.save();
      assert.equal(again.counters.stored, expectStored);
      assert.deepEqual(keysOf(), ["one+", "two+", "three+"]);
    }
  },
);

cacheTest(
  "pcre cache: seeding stops at half the memo's limit, so a load's new patterns fit",
  (dir) => {
    const cache = openIn(dir, []);
    const entries: PcreMemoEntry[] = [];
    for (let i = 0; i < PCRE_MEMO_LIMIT; i++) {
      entries.push([`0000001p${i}`, { source: `p${i}`, jsGroups: 0 }]);
    }
    Deno.writeTextFileSync(cache.path, cacheText(entries));
    assert.equal(cache.load(), PCRE_SEED_LIMIT);
    assert.equal(cache.counters.loaded, PCRE_SEED_LIMIT);
    assert.equal(pcreMemoSize(), PCRE_SEED_LIMIT);
    // a seeded pattern is answered from the memo (the file's made-up source)
    assert.equal(translatePcreMemo("p7").source, "p7");
    assert.equal(
      translatePcreMemo("p7", { caseless: true }).source,
      translatePcre("p7", {
        caseless: true,
      }).source,
    );
    // the file written: this load's two first, then the file's, 4,096 in all
    cache.save();
    const written = parseCacheText(Deno.readTextFileSync(cache.path)) as PcreMemoEntry[];
    assert.equal(written.length, PCRE_SEED_LIMIT);
    assert.deepEqual(written.slice(0, 3).map(([key]) => key), [
      "0000001p7",
      "1000001p7",
      "0000001p0",
    ]);
  },
);

cacheTest("pcre cache: a directory that cannot be written is reported, not fatal", (dir) => {
  const file = join(dir, "a-file");
  Deno.writeTextFileSync(file, "");
  const warnings: string[] = [];
  const cache = openIn(join(file, "cache"), warnings);
  assert.equal(cache.load(), 0, "a path under a file: nothing to read");
  translatePcreMemo("x+y");
  cache.save();
  assert.equal(cache.counters.writeFailed, true);
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], /not written/);
  assert.equal(translatePcreMemo("x+y").source, translatePcre("x+y").source, "the run goes on");
});
