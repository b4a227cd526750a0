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

/** Empty the memo (for tests; a reload starts from a clean memo anyway when it fills). */
export function clearPcreMemo(): void {
  memo.clear();
}

/**
 * One remembered outcome, as the on-disk cache keeps it
 * (`pcre_translation_cache.ts`): the memo key (options prefix and pattern)
 * with the translation or the refusal.
 */
export type PcreMemoEntry = readonly [key: string, outcome: TranslatedPcre | PcreTranslateError];

/**
 * Every remembered outcome, in the order remembered.
 *
 * @returns the memo's entries
 */
export function pcreMemoEntries(): PcreMemoEntry[] {
  return [...memo];
}

/**
 * Remember outcomes found earlier (the on-disk cache's), so that those
 * patterns are not translated again. Keys already held keep their outcome.
 *
 * @param entries outcomes keyed as {@link pcreMemoEntries} gives them
 */
export function seedPcreMemo(entries: Iterable<PcreMemoEntry>): void {
  for (const [key, outcome] of entries) {
    if (memo.size >= PCRE_MEMO_LIMIT) return;
    if (!memo.has(key)) memo.set(key, outcome);
  }
}
