/**
 * The pcre translations of earlier runs, kept on disk beside the Hyperscan
 * databases, so that a start-up with a known ruleset does not translate its
 * patterns again.
 *
 * Translating ET Open's 1,646 distinct `pcre` patterns takes 120-160 ms of
 * a 1.1-1.4 s start-up: the translator runs once per pattern, mostly before
 * the JIT has compiled it. The cache seeds the in-process memo
 * (`pcre_memo.ts`) with earlier outcomes, translations and refusals alike,
 * so a pattern seen before costs a map lookup and is refused with the same
 * error.
 *
 * A cache file belongs to one translator: its name carries a hash of the
 * source text of the translator, the memo and this module and of the V8
 * version (the translation is checked against V8's RegExp syntax), so a
 * changed translator, file format or runtime simply misses. (V8 flags that
 * change RegExp syntax are not part of it.) File: the hex SHA-256 of the
 * payload, a newline, then the payload, JSON `{"entries": [...]}` with each
 * entry `[key, source, jsGroups]` or, for a refusal,
 * `[key, null, message, offset, unsupported, construct]`.
 *
 * The file holds the patterns the last load looked up (seeded or not),
 * then those of earlier loads, at most {@link PCRE_SEED_LIMIT} (4,096) in
 * all: a few rulesets that share a cache directory (ET Open, a test set)
 * keep theirs, and the patterns of loads not repeated for long fall off the
 * end. It is written whole under a temporary name and renamed (capture
 * workers loading together each write a whole file); a damaged file is
 * reported once, ignored and rewritten, never
 * fatal. So is a directory that cannot be written.
 *
 * @example
 * ```ts
 * import { PcreTranslationCache } from "./pcre_translation_cache.ts";
 * const cache = PcreTranslationCache.open("/tmp/tarsier-cache");
 * cache?.load(); // before the rules compile
 * // ... compile the rules (translatePcreMemo) ...
 * cache?.save(); // keeps what this run translated
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { errorText, isMissingFile, sha256Hex, writeFileAtomically } from "../mpm/cache_files.ts";
import {
  PCRE_SEED_LIMIT,
  pcreEntriesUsed,
  type PcreMemoEntry,
  recordPcreUse,
  seedPcreMemo,
} from "./pcre_memo.ts";
import { PcreTranslateError, type TranslatedPcre } from "./pcre_translate.ts";

/** What a {@link PcreTranslationCache} did. */
export interface PcreCacheCounters {
  /** Outcomes read from the file and seeded into the memo. */
  loaded: number;
  /**
   * Outcomes written, this load's and those kept from the file (0 when the
   * file already began with this load's patterns).
   */
  stored: number;
  /** Whether the file was found damaged (ignored and rewritten). */
  damaged: boolean;
  /** Whether writing the file failed (the run goes on without it). */
  writeFailed: boolean;
}

type RefusalEntry = [string, null, string, number, boolean, string];
type TranslationEntry = [string, string, number];

/** The translator's identity, or null when its source cannot be read (not run from files). */
let identity: string | null | undefined;

function translatorIdentity(): string | null {
  if (identity !== undefined) return identity;
  try {
    const hash = createHash("sha256");
    hash.update(`tarsier-pcre-translations/1 v8 ${Deno.version.v8}\n`);
    for (const module of ["./pcre_translate.ts", "./pcre_memo.ts", "./pcre_translation_cache.ts"]) {
      hash.update(Deno.readTextFileSync(new URL(module, import.meta.url)));
    }
    identity = hash.digest("hex").slice(0, 32);
  } catch {
    identity = null;
  }
  return identity;
}

/** A file of pcre translations for this translator, in a cache directory. */
export class PcreTranslationCache {
  /** The file (`<dir>/pcre-<translator hash>.json`). */
  readonly path: string;
  /** What the cache did so far. */
  readonly counters: PcreCacheCounters = {
    loaded: 0,
    stored: 0,
    damaged: false,
    writeFailed: false,
  };
  readonly #warn: (message: string) => void;
  /** The file's entries, kept after this load's in the file written. */
  #fileEntries: PcreMemoEntry[] = [];

  private constructor(path: string, warn: (message: string) => void) {
    this.path = path;
    this.#warn = warn;
  }

  /**
   * The cache file of this translator in `dir`.
   *
   * @param dir the cache directory (created on the first save)
   * @param warn where warnings go (default: `console.error` with a `tarsier: warning:` prefix)
   * @returns the cache, or null when the translator's identity is unknown
   *   (its source files cannot be read: nothing is cached)
   */
  static open(
    dir: string,
    warn: (message: string) => void = (m) => console.error(`tarsier: warning: ${m}`),
  ): PcreTranslationCache | null {
    const id = translatorIdentity();
    return id === null ? null : new PcreTranslationCache(join(dir, `pcre-${id}.json`), warn);
  }

  /**
   * Seed the pcre memo with the file's outcomes and start recording the
   * patterns this load looks up. A missing file is a quiet miss; a damaged
   * one is reported and ignored.
   *
   * @returns how many outcomes were seeded
   */
  load(): number {
    recordPcreUse();
    let text: string;
    try {
      text = Deno.readTextFileSync(this.path);
    } catch (error) {
      if (!isMissingFile(error)) this.#damaged(errorText(error));
      return 0;
    }
    const entries = parseCacheText(text);
    if (typeof entries === "string") {
      this.#damaged(entries);
      return 0;
    }
    this.#fileEntries = entries;
    this.counters.loaded = seedPcreMemo(entries);
    return this.counters.loaded;
  }

  /**
   * Write the outcomes of the patterns this load looked up, then the
   * file's others, at most {@link PCRE_SEED_LIMIT}, unless the file already
   * begins with this load's patterns; recording stops. A failure is
   * reported; the run goes on.
   */
  save(): void {
    const entries = pcreEntriesUsed().slice(0, PCRE_SEED_LIMIT);
    const used = new Set(entries.map(([key]) => key));
    const file = this.#fileEntries;
    let current = !this.counters.damaged && file.length >= entries.length;
    for (let i = 0; current && i < entries.length; i++) current = used.has(file[i][0]);
    if (current) return;
    for (const entry of file) {
      if (entries.length >= PCRE_SEED_LIMIT) break;
      if (!used.has(entry[0])) entries.push(entry);
    }
    try {
      writeFileAtomically(this.path, cacheText(entries));
      this.counters.stored = entries.length;
    } catch (error) {
      this.counters.writeFailed = true;
      this.#warn(`pcre translation cache ${this.path}: not written: ${errorText(error)}`);
    }
  }

  #damaged(why: string): void {
    this.counters.damaged = true;
    this.#warn(`pcre translation cache ${this.path}: ${why}; translating again`);
  }
}

/**
 * A cache file's text for memo entries.
 *
 * @param entries the memo's outcomes
 * @returns the checksum line and the JSON payload
 */
export function cacheText(entries: readonly PcreMemoEntry[]): string {
  const rows: (TranslationEntry | RefusalEntry)[] = entries.map(([key, outcome]) =>
    outcome instanceof PcreTranslateError
      ? [key, null, outcome.message, outcome.offset, outcome.unsupported, outcome.construct]
      : [key, outcome.source, outcome.jsGroups]
  );
  const payload = JSON.stringify({ entries: rows });
  return `${sha256Hex(payload)}\n${payload}`;
}

/**
 * The memo entries of a cache file's text.
 *
 * @param text the file's text
 * @returns the entries, or what is wrong with the text
 */
export function parseCacheText(text: string): PcreMemoEntry[] | string {
  const newline = text.indexOf("\n");
  if (newline !== 64) return "no checksum line";
  const payload = text.slice(newline + 1);
  if (sha256Hex(payload) !== text.slice(0, newline)) return "checksum mismatch";
  let rows: unknown;
  try {
    rows = (JSON.parse(payload) as { entries?: unknown }).entries;
  } catch (error) {
    return `not JSON: ${errorText(error)}`;
  }
  if (!Array.isArray(rows)) return "no entries";
  const entries: PcreMemoEntry[] = [];
  for (const row of rows) {
    const entry = entryOf(row);
    if (entry === null) return `malformed entry ${JSON.stringify(row).slice(0, 80)}`;
    entries.push(entry);
  }
  return entries;
}

function entryOf(row: unknown): PcreMemoEntry | null {
  if (!Array.isArray(row) || typeof row[0] !== "string") return null;
  if (row.length === 3 && typeof row[1] === "string" && isCount(row[2])) {
    const translated: TranslatedPcre = { source: row[1], jsGroups: row[2] };
    return [row[0], translated];
  }
  if (
    row.length === 6 && row[1] === null && typeof row[2] === "string" && isCount(row[3]) &&
    typeof row[4] === "boolean" && typeof row[5] === "string"
  ) {
    return [row[0], new PcreTranslateError(row[2], row[3], row[4], row[5])];
  }
  return null;
}

function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}
