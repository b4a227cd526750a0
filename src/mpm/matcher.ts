/**
 * The contract every multi-pattern matcher (MPM) engine implements: a builder
 * that collects literal patterns under caller-chosen ids, the immutable
 * {@link Matcher} it builds, and the {@link MatchSet} a scan writes the ids of
 * the patterns it found into.
 *
 * Matchers know patterns and ids only; mapping an id back to rules is the
 * detection engine's business.
 *
 * @module
 */

/** The largest pattern id a matcher accepts (ids are u32). */
export const MAX_PATTERN_ID = 0xffff_ffff;

/**
 * How one pattern may match.
 *
 * Offsets count from the `start` of the scanned window, as Suricata's prefilter
 * does once a content's `offset`/`depth` have been resolved against the buffer
 * start (`depth` there already includes the `offset`).
 */
export interface PatternOptions {
  /** Match ASCII letters regardless of case (`nocase`). */
  nocase: boolean;
  /** The pattern must START at or after this many bytes from the window start. */
  offset?: number;
  /** The pattern must END at most this many bytes from the window start. */
  depth?: number;
  /**
   * Who the pattern belongs to (e.g. `sid 2001219`), for compile errors: the
   * matcher itself knows ids only.
   */
  label?: string;
}

/** Collects patterns and compiles them into a {@link Matcher}. */
export interface MatcherBuilder {
  /**
   * Add one literal pattern.
   *
   * @param id caller-chosen u32 reported when the pattern matches; several
   *   patterns may share an id (any of them matching reports it once)
   * @param bytes the literal, any bytes including 0x00 and 0xFF (copied)
   * @param options case folding and the offset/depth window
   * @throws {RangeError} on an empty pattern, an id that is not a u32 or an
   *   offset/depth that is not a u32
   */
  addPattern(id: number, bytes: Uint8Array, options: PatternOptions): void;
  /** Compile the patterns added so far into an immutable matcher. */
  build(): Matcher;
}

/** An immutable compiled pattern set; scanning it is allocation-free. */
export interface Matcher {
  /** Engine name for stats and logs, e.g. `"ac"`. */
  readonly name: string;
  /** How many patterns were added (duplicates included). */
  readonly patternCount: number;
  /** Bytes held by the compiled tables. */
  readonly memoryBytes: number;
  /**
   * One more than the largest pattern id (0 when empty): a {@link MatchSet}
   * used with this matcher needs at least this capacity.
   */
  readonly idSpace: number;
  /**
   * Find the patterns that occur in `data[start..end)` and add each one's id
   * once to `out` (an id already in `out` is not added again). `out` is not
   * reset: call {@link MatchSet.reset} between independent buffers.
   *
   * @param data the bytes (e.g. a whole mapped capture file)
   * @param start absolute offset of the window's first byte (may exceed 2^31)
   * @param end absolute offset one past the window's last byte
   * @param out where matching ids are added
   * @throws {RangeError} when `out` is smaller than {@link Matcher.idSpace}
   */
  scan(data: Uint8Array, start: number, end: number, out: MatchSet): void;
}

/**
 * The ids found by one or more scans, without duplicates.
 *
 * `ids[0..count)` lists the ids in the order they were found. A
 * generation-stamped array over the id space makes "already found?" an O(1)
 * look-up and {@link MatchSet.reset} O(1): nothing is cleared or allocated.
 *
 * @example
 * ```ts
 * import { AhoCorasickBuilder, MatchSet } from "./mod.ts";
 * const builder = new AhoCorasickBuilder();
 * builder.addPattern(7, new TextEncoder().encode("GET "), { nocase: false });
 * const matcher = builder.build();
 * const found = new MatchSet(matcher.idSpace);
 * const data = new TextEncoder().encode("GET / HTTP/1.1\r\n");
 * found.reset();
 * matcher.scan(data, 0, data.length, found);
 * console.log(found.count, found.ids[0]); // 1 7
 * ```
 */
export class MatchSet {
  /** Ids found since the last reset, `ids[0..count)`. */
  readonly ids: Uint32Array;
  /** How many entries of {@link MatchSet.ids} are valid. */
  count = 0;
  /** `stamps[id] === generation` when `id` is in the set. */
  readonly stamps: Uint32Array;
  /**
   * The current generation (1..2^32-1). Public so engines can test
   * membership inline and tests can exercise the wrap-around.
   */
  generation = 1;

  /**
   * @param idSpace how many ids the set can hold: one more than the largest
   *   id (use the matcher's {@link Matcher.idSpace}, or the largest over
   *   several matchers that share the set)
   * @throws {RangeError} when `idSpace` is not an integer in 0..2^32
   */
  constructor(idSpace: number) {
    if (!Number.isInteger(idSpace) || idSpace < 0 || idSpace > MAX_PATTERN_ID + 1) {
      throw new RangeError(`match set id space must be an integer in 0..2^32, not ${idSpace}`);
    }
    this.ids = new Uint32Array(idSpace);
    this.stamps = new Uint32Array(idSpace);
  }

  /** How many distinct ids the set can hold. */
  get capacity(): number {
    return this.stamps.length;
  }

  /** Empty the set in O(1) by starting a new generation. */
  reset(): void {
    this.count = 0;
    const next = (this.generation + 1) >>> 0;
    if (next === 0) {
      // Wrapped: stamps from 2^32 generations ago could collide, so clear them.
      this.stamps.fill(0);
      this.generation = 1;
    } else {
      this.generation = next;
    }
  }

  /**
   * Whether `id` was added since the last reset.
   *
   * @param id a pattern id below {@link MatchSet.capacity}
   */
  has(id: number): boolean {
    return this.stamps[id] === this.generation;
  }

  /**
   * Add `id` unless it is already present.
   *
   * @param id a pattern id below {@link MatchSet.capacity}
   * @returns whether the id was new
   */
  add(id: number): boolean {
    if (this.stamps[id] === this.generation) return false;
    this.stamps[id] = this.generation;
    this.ids[this.count++] = id;
    return true;
  }
}
