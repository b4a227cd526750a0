/**
 * A native matcher with a TypeScript twin for short windows of small
 * pattern sets.
 *
 * A Hyperscan scan costs a foreign call, and after the process has been idle
 * for a few milliseconds (an IPS between pings) it costs 35-45 us even for a
 * 56-byte ICMP payload and an 18 KB database: the library's code, the
 * database and the scratch all come back from memory. The embedded
 * Aho-Corasick automaton of a few hundred patterns is a few kilobytes, and
 * its scan of a short window is a loop of one load per byte. So a set of at
 * most {@link SHORT_WINDOW_MAX_PATTERNS} patterns is compiled twice, and
 * windows of at most {@link SHORT_WINDOW_MAX_BYTES} bytes are scanned by the
 * automaton, longer ones by the native matcher.
 *
 * Both matchers are exact for the same patterns and options (offset, depth,
 * nocase), so the ids found do not depend on which one scanned.
 *
 * @example
 * ```ts
 * import { AhoCorasickBuilder, MatchSet } from "./mod.ts";
 * import { ShortWindowBuilder } from "./short_window_matcher.ts";
 * // any builder works as the "native" one; Hyperscan's is the one it is for
 * const builder = new ShortWindowBuilder(new AhoCorasickBuilder());
 * builder.addPattern(7, new TextEncoder().encode("ping"), { nocase: true });
 * const matcher = builder.build();
 * const found = new MatchSet(matcher.idSpace);
 * const data = new TextEncoder().encode("a PING here");
 * matcher.scan(data, 0, data.length, found);
 * console.log(found.count, found.ids[0]); // 1 7
 * ```
 *
 * @module
 */

import { AhoCorasickBuilder } from "./aho_corasick.ts";
import type { Matcher, MatcherBuilder, MatchSet, PatternOptions } from "./matcher.ts";

/** Pattern sets up to this size get the TypeScript twin. */
export const SHORT_WINDOW_MAX_PATTERNS = 512;
/** Windows up to this many bytes are scanned by the twin. */
export const SHORT_WINDOW_MAX_BYTES = 128;

/**
 * Collects patterns for a native matcher and, while the set is small, for an
 * Aho-Corasick twin; see the module documentation.
 */
export class ShortWindowBuilder implements MatcherBuilder {
  readonly #native: MatcherBuilder;
  /** The twin's builder, dropped once the set grows past the limit. */
  #twin: AhoCorasickBuilder | null = new AhoCorasickBuilder();
  #count = 0;

  /**
   * @param native the builder of the matcher that scans long windows
   */
  constructor(native: MatcherBuilder) {
    this.#native = native;
  }

  /**
   * Add one literal pattern to both builders; see {@link MatcherBuilder.addPattern}.
   *
   * @param id the id reported on a match
   * @param bytes the literal
   * @param options case folding and window
   */
  addPattern(id: number, bytes: Uint8Array, options: PatternOptions): void {
    this.#native.addPattern(id, bytes, options);
    if (this.#twin === null) return;
    if (++this.#count > SHORT_WINDOW_MAX_PATTERNS) {
      this.#twin = null;
      return;
    }
    this.#twin.addPattern(id, bytes, options);
  }

  /**
   * The native matcher, paired with the twin when the set is small.
   *
   * @returns the matcher
   */
  build(): Matcher {
    const native = this.#native.build();
    if (this.#twin === null || this.#count === 0) return native;
    return new ShortWindowMatcher(native, this.#twin.build());
  }
}

/**
 * Scans windows of at most {@link SHORT_WINDOW_MAX_BYTES} with the
 * TypeScript twin and longer ones with the native matcher. Same contract as
 * {@link Matcher}; reports the native matcher's name.
 */
export class ShortWindowMatcher implements Matcher {
  /** The native matcher's name. */
  readonly name: string;
  /** The native matcher's pattern count. */
  readonly patternCount: number;
  /** Both matchers' tables. */
  readonly memoryBytes: number;
  /** The larger id space of the two (they hold the same ids). */
  readonly idSpace: number;
  readonly #native: Matcher;
  readonly #twin: Matcher;

  /**
   * @param native scans long windows
   * @param twin scans short windows; built from the same patterns
   */
  constructor(native: Matcher, twin: Matcher) {
    this.#native = native;
    this.#twin = twin;
    this.name = native.name;
    this.patternCount = native.patternCount;
    this.memoryBytes = native.memoryBytes + twin.memoryBytes;
    this.idSpace = Math.max(native.idSpace, twin.idSpace);
  }

  /**
   * Add the ids of the patterns in `data[start..end)` to `out`; see
   * {@link Matcher.scan}.
   *
   * @param data the bytes
   * @param start absolute offset of the window's first byte
   * @param end absolute offset one past the window's last byte
   * @param out where matching ids are added
   */
  scan(data: Uint8Array, start: number, end: number, out: MatchSet): void {
    if (end - start <= SHORT_WINDOW_MAX_BYTES) this.#twin.scan(data, start, end, out);
    else this.#native.scan(data, start, end, out);
  }
}
