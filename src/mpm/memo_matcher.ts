/**
 * A matcher that remembers what it found in short windows: a scan of bytes
 * it has seen recently copies the ids found then instead of scanning again.
 *
 * Short application-layer buffers repeat: the HTTP method, status code,
 * header names, `Server`, `Content-Type`, hosts, user agents. A Hyperscan
 * scan of such a buffer costs 1-7 us in a run (its database is out of the
 * CPU caches by then); hashing and comparing the bytes costs a fraction of
 * that. What a matcher finds depends only on the window's bytes (offsets and
 * depths count from the window's start), so a remembered result is exact.
 *
 * The memo is direct-mapped: {@link MEMO_SLOTS} slots, a window's slot
 * chosen by a hash of its bytes; a slot keeps the last window that hashed to
 * it (its bytes, compared in full on a hit) and the ids found there. Windows
 * longer than {@link MEMO_MAX_WINDOW} bytes, and results of more than
 * {@link MEMO_MAX_IDS} ids, are not kept. The tables are made on the first
 * scan; nothing is allocated after that.
 *
 * @example
 * ```ts
 * import { AhoCorasickBuilder, MatchSet } from "./mod.ts";
 * import { MemoMatcher } from "./memo_matcher.ts";
 * const builder = new AhoCorasickBuilder();
 * builder.addPattern(3, new TextEncoder().encode("GET"), { nocase: false });
 * const matcher = new MemoMatcher(builder.build());
 * const found = new MatchSet(matcher.idSpace);
 * const method = new TextEncoder().encode("GET");
 * matcher.scan(method, 0, 3, found); // scans, remembers
 * found.reset();
 * matcher.scan(method, 0, 3, found); // from the memo
 * console.log(found.count, found.ids[0]); // 1 3
 * ```
 *
 * @module
 */

import { type Matcher, MatchSet } from "./matcher.ts";

/** Windows longer than this are always scanned. */
export const MEMO_MAX_WINDOW = 256;
/** Slots of a memo (a power of two). */
export const MEMO_SLOTS = 256;
/** Results with more ids than this are not kept. */
export const MEMO_MAX_IDS = 16;

/** The set a missed window is scanned into, shared by every memo (grown to the largest id space). */
let fresh = new MatchSet(0);
/** 32-bit words of a memo slot's window. */
const SLOT_WORDS = MEMO_MAX_WINDOW / 4;
/**
 * The words of the window being looked up, as {@link hashBytes} read them
 * (the tail zero-padded): compared with a slot's words on a look-up and
 * copied into the slot on a miss, so the window's bytes are read once.
 */
const windowWords = new Int32Array(SLOT_WORDS);

/** Counters of a {@link MemoMatcher}, for tests and benchmarks. */
export interface MemoCounters {
  /** Windows answered from the memo. */
  hits: number;
  /** Windows short enough to keep but scanned. */
  misses: number;
}

/**
 * Wraps a matcher and answers short windows it has seen from a memo; see
 * the module documentation. Same contract as {@link Matcher}.
 */
export class MemoMatcher implements Matcher {
  /** The wrapped matcher's name. */
  readonly name: string;
  /** The wrapped matcher's pattern count. */
  readonly patternCount: number;
  /** The wrapped matcher's tables, plus the memo's once made. */
  get memoryBytes(): number {
    return this.#inner.memoryBytes + this.#keys.byteLength + this.#ids.byteLength +
      this.#lengths.byteLength + this.#hashes.byteLength + this.#counts.byteLength;
  }
  /** The wrapped matcher's id space. */
  readonly idSpace: number;
  /** Hits and misses so far. */
  readonly counters: MemoCounters = { hits: 0, misses: 0 };
  readonly #inner: Matcher;
  /** Slot k's window as words (the tail zero-padded) at `k * SLOT_WORDS`. */
  #keys = new Int32Array(0);
  /** Slot k's window length, -1 when empty. */
  #lengths = new Int32Array(0);
  #hashes = new Uint32Array(0);
  /** Slot k's ids at `k * MEMO_MAX_IDS`, `#counts[k]` of them. */
  #ids = new Uint32Array(0);
  #counts = new Uint8Array(0);

  /**
   * @param inner the matcher whose results are remembered
   */
  constructor(inner: Matcher) {
    this.#inner = inner;
    this.name = inner.name;
    this.patternCount = inner.patternCount;
    this.idSpace = inner.idSpace;
  }

  /**
   * Add the ids of the patterns in `data[start..end)` to `out`, from the
   * memo when the same bytes were scanned recently; see {@link Matcher.scan}.
   *
   * @param data the bytes
   * @param start absolute offset of the window's first byte
   * @param end absolute offset one past the window's last byte (clipped to `data.length`)
   * @param out where matching ids are added
   * @throws {RangeError} when `out` is smaller than {@link MemoMatcher.idSpace}
   */
  scan(data: Uint8Array, start: number, end: number, out: MatchSet): void {
    if (end > data.length) end = data.length;
    const n = end - start;
    if (n <= 0 || n > MEMO_MAX_WINDOW) {
      this.#inner.scan(data, start, end, out);
      return;
    }
    if (out.stamps.length < this.idSpace) {
      throw new RangeError(
        `match set holds ${out.stamps.length} ids, matcher needs ${this.idSpace}`,
      );
    }
    if (this.#lengths.length === 0) this.#allocate();
    const hash = hashBytes(data, start, n);
    const slot = hash & (MEMO_SLOTS - 1);
    const ids = this.#ids;
    const first = slot * MEMO_MAX_IDS;
    const words = (n + 3) >>> 2;
    if (this.#lengths[slot] === n && this.#hashes[slot] === hash && this.#same(slot, words)) {
      this.counters.hits++;
      const count = this.#counts[slot];
      for (let i = 0; i < count; i++) out.add(ids[first + i]);
      return;
    }
    this.counters.misses++;
    if (fresh.stamps.length < this.idSpace) fresh = new MatchSet(this.idSpace);
    const found = fresh;
    found.reset();
    this.#inner.scan(data, start, end, found);
    const count = found.count;
    for (let i = 0; i < count; i++) out.add(found.ids[i]);
    if (count > MEMO_MAX_IDS) return;
    const keys = this.#keys;
    const at = slot * SLOT_WORDS;
    for (let i = 0; i < words; i++) keys[at + i] = windowWords[i];
    for (let i = 0; i < count; i++) ids[first + i] = found.ids[i];
    this.#counts[slot] = count;
    this.#hashes[slot] = hash;
    this.#lengths[slot] = n;
  }

  /** Whether slot `slot` holds the window just hashed, `words` words long (lengths already equal). */
  #same(slot: number, words: number): boolean {
    const keys = this.#keys;
    const at = slot * SLOT_WORDS;
    for (let i = 0; i < words; i++) if (keys[at + i] !== windowWords[i]) return false;
    return true;
  }

  #allocate(): void {
    this.#keys = new Int32Array(MEMO_SLOTS * SLOT_WORDS);
    this.#lengths = new Int32Array(MEMO_SLOTS).fill(-1);
    this.#hashes = new Uint32Array(MEMO_SLOTS);
    this.#ids = new Uint32Array(MEMO_SLOTS * MEMO_MAX_IDS);
    this.#counts = new Uint8Array(MEMO_SLOTS);
  }
}

/**
 * A hash of `data[start..start+n)`: its bytes taken 4 at a time as
 * little-endian words (the tail as one more, shorter word), each mixed in
 * with a multiply, then MurmurHash3's finalizer (so that the low bits, which
 * choose the slot, depend on every byte). The words are left in
 * {@link windowWords} (n at most {@link MEMO_MAX_WINDOW}).
 */
function hashBytes(data: Uint8Array, start: number, n: number): number {
  let h = 0x811c9dc5 ^ n;
  let i = start;
  const end = start + n;
  let k = 0;
  for (; i + 4 <= end; i += 4) {
    const w = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    windowWords[k++] = w;
    h = Math.imul(h ^ w, 0x01000193);
    h ^= h >>> 15;
  }
  if (i < end) {
    let w = 0;
    for (let shift = 0; i < end; i++, shift += 8) w |= data[i] << shift;
    windowWords[k] = w;
    h = Math.imul(h ^ w, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
