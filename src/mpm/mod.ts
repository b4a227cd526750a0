/**
 * Multi-pattern matchers (MPM) behind one interface: the detection engine
 * adds literal patterns under u32 ids, builds a {@link Matcher}, and scans
 * buffers into a reusable {@link MatchSet}. Engines: Hyperscan through FFI
 * ({@link HyperscanBuilder}, when libhs is installed; compiled databases
 * cached on disk by {@link HyperscanCache}) and the embedded pure-TypeScript
 * Aho-Corasick ({@link AhoCorasickBuilder}); {@link selectMatcher} picks one
 * for `--mpm auto|hs|ac`.
 *
 * @example
 * ```ts
 * import { AhoCorasickBuilder, MatchSet } from "./mod.ts";
 * const enc = new TextEncoder();
 * const builder = new AhoCorasickBuilder();
 * builder.addPattern(0, enc.encode("cmd.exe"), { nocase: true });
 * builder.addPattern(1, new Uint8Array([0x00, 0x01]), { nocase: false, offset: 2, depth: 12 });
 * const matcher = builder.build();
 * const found = new MatchSet(matcher.idSpace);
 * const payload = enc.encode("GET /scripts/CMD.EXE?/c+dir HTTP/1.0\r\n");
 * found.reset();
 * matcher.scan(payload, 0, payload.length, found);
 * for (let i = 0; i < found.count; i++) console.log(found.ids[i]); // 0
 * ```
 *
 * @module
 */

export {
  AhoCorasickBuilder,
  AhoCorasickMatcher,
  type AhoCorasickOptions,
  DEFAULT_DENSE_BYTES_LIMIT,
} from "./aho_corasick.ts";
export {
  hyperscanAvailable,
  HyperscanBuilder,
  type HyperscanBuilderOptions,
  type HyperscanDatabases,
  hyperscanDescription,
  HyperscanMatcher,
} from "./hyperscan.ts";
export {
  defaultCacheDir,
  errorText,
  isMissingFile,
  sha256Hex,
  writeFileAtomically,
} from "./cache_files.ts";
export {
  HyperscanCache,
  type HyperscanCacheCounters,
  type HyperscanCacheOptions,
} from "./hyperscan_cache.ts";
export {
  type MatcherSelection,
  type MatcherSelectionOptions,
  MatcherUnavailableError,
  matcherVersionLine,
  type MpmChoice,
  parseMpmChoice,
  selectMatcher,
} from "./matcher_choice.ts";
export {
  MEMO_MAX_IDS,
  MEMO_MAX_WINDOW,
  MEMO_SLOTS,
  type MemoCounters,
  MemoMatcher,
} from "./memo_matcher.ts";
export {
  type Matcher,
  type MatcherBuilder,
  MatchSet,
  MAX_PATTERN_ID,
  type PatternOptions,
} from "./matcher.ts";
export {
  SHORT_WINDOW_MAX_BYTES,
  SHORT_WINDOW_MAX_PATTERNS,
  ShortWindowBuilder,
  ShortWindowMatcher,
} from "./short_window_matcher.ts";
