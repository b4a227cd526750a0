/**
 * PCRE translations remembered by pattern and options.
 *
 * A ruleset repeats its `pcre` patterns: ET Open has 4,511 `pcre` options
 * but 1,646 distinct values (`/^\d{4}[01]/R` alone 264 times). Translating a
 * pattern (pcre_translate.ts) parses it into a tree, checks it and emits the
 * JavaScript source, so each repeat would redo the same work. The memo keeps
 * the outcome of a translation, the source or the refusal, so a repeated
 * pattern costs one map lookup and is refused with the same error.
 *
 * The memo is bounded: it is emptied when it reaches {@link PCRE_MEMO_LIMIT}
 * entries, so that a long-running process reloading changing rulesets does
 * not keep every pattern it has ever seen.
 *
 * @example
 * ```ts
 * import { translatePcreMemo } from "./pcre_memo.ts";
 * const a = translatePcreMemo("^GET\\s", { caseless: true });
 * const b = translatePcreMemo("^GET\\s", { caseless: true });
 * a === b; // true: the second call is a lookup
 * ```
 *
 * @module
 */

import {
  type PcreOptions,
  PcreTranslateError,
  type TranslatedPcre,
  translatePcre,
} from "./pcre_translate.ts";

/** Entries the memo holds before it is emptied (ET Open needs ~1,650). */
export const PCRE_MEMO_LIMIT = 8192;

/**
 * Outcomes seeded from the on-disk cache at most (half of
 * {@link PCRE_MEMO_LIMIT}, so that a load's new patterns fit beside them),
 * and so the most that cache's file keeps.
 */
export const PCRE_SEED_LIMIT = PCRE_MEMO_LIMIT / 2;

const memo = new Map<string, TranslatedPcre | PcreTranslateError>();

function flag(on: boolean | undefined): string {
  return on ? "1" : "0";
}

/** Options as a fixed-length prefix, so that prefix + pattern is unambiguous. */
function keyOf(pattern: string, o: PcreOptions): string {
  const auto = o.noAutoCapture ?? true;
  return flag(o.caseless) + flag(o.multiline) + flag(o.dotall) + flag(o.extended) +
    flag(o.dollarEndOnly) + flag(o.ungreedy) + flag(auto) + pattern;
}

/**
 * {@link translatePcre}, remembered: the same pattern with the same options
 * returns the same {@link TranslatedPcre} object, or throws the same
 * {@link PcreTranslateError}, without translating again. Other errors (which
 * would be translator bugs) are not remembered.
 *
 * @param pattern the PCRE2 pattern
 * @param options compile options (Suricata's `/flags`)
 * @returns the JavaScript source
 * @throws {PcreTranslateError} when PCRE2 rejects the pattern or it has no exact translation
 */
export function translatePcreMemo(pattern: string, options: PcreOptions = {}): TranslatedPcre {
  const key = keyOf(pattern, options);
  used?.add(key);
  let outcome = memo.get(key);
  if (outcome === undefined) {
    try {
      outcome = translatePcre(pattern, options);
    } catch (error) {
      if (!(error instanceof PcreTranslateError)) throw error;
      outcome = error;
    }
    if (memo.size >= PCRE_MEMO_LIMIT) memo.clear();
    memo.set(key, outcome);
  }
  if (outcome instanceof PcreTranslateError) throw outcome;
  return outcome;
}

/** How many translations the memo holds (for tests). */
export function pcreMemoSize(): number {
  return memo.size;
}

/** Empty the memo (for tests). */
export function clearPcreMemo(): void {
  memo.clear();
}

/**
 * One remembered outcome, as the on-disk cache keeps it
 * (`pcre_translation_cache.ts`): the memo key (options prefix and pattern)
 * with the translation or the refusal.
 */
export type PcreMemoEntry = readonly [key: string, outcome: TranslatedPcre | PcreTranslateError];

/** Keys looked up since {@link recordPcreUse}, or null when not recording. */
let used: Set<string> | null = null;

/**
 * Remember outcomes found earlier (the on-disk cache's), so that those
 * patterns are not translated again. Keys already held keep their outcome.
 * Seeding stops at {@link PCRE_SEED_LIMIT}, so that the patterns a load
 * translates fit beside the seeded ones before the memo is emptied.
 *
 * @param entries outcomes keyed as {@link pcreEntriesUsed} gives them
 * @returns how many were seeded
 */
export function seedPcreMemo(entries: Iterable<PcreMemoEntry>): number {
  let seeded = 0;
  for (const [key, outcome] of entries) {
    if (memo.size >= PCRE_SEED_LIMIT) break;
    if (!memo.has(key)) {
      memo.set(key, outcome);
      seeded++;
    }
  }
  return seeded;
}

/** Start recording which keys are looked up ({@link pcreEntriesUsed}). */
export function recordPcreUse(): void {
  used = new Set();
}

/**
 * The outcomes of the keys looked up since recording started (a load's
 * patterns, for the on-disk cache), in lookup order; recording stops.
 *
 * @returns the entries (keys the memo no longer holds are left out)
 */
export function pcreEntriesUsed(): PcreMemoEntry[] {
  const entries: PcreMemoEntry[] = [];
  for (const key of used ?? []) {
    const outcome = memo.get(key);
    if (outcome !== undefined) entries.push([key, outcome]);
  }
  used = null;
  return entries;
}
