/**
 * The Hyperscan multi-pattern matcher (`name: "hs"`), behind the same
 * {@link Matcher} interface as the embedded Aho-Corasick.
 *
 * Patterns are compiled with `HS_FLAG_SINGLEMATCH` (each id is reported at
 * most once per scan, as Suricata's `util-mpm-hs.c`) and `HS_FLAG_CASELESS`
 * for `nocase` patterns that contain letters, as Suricata renders them:
 * `\xNN` per byte through `hs_compile_ext_multi`, offset and depth becoming
 * the exact end-offset bounds `MIN_OFFSET = offset + length` and `MAX_OFFSET =
 * depth`. A pattern whose window cannot hold it (`offset + length > depth`)
 * never matches and is left out. One exception: when a set holds more than
 * {@link SINGLE_BYTE_LIMIT} single-byte patterns without a window, those go to
 * a second database compiled by `hs_compile_lit_multi`, since the extended
 * compiler is very slow on them; a window is then scanned by both.
 *
 * Scanning is allocation-free:
 *
 * - Databases are compiled in **vectored** mode and scanned with
 *   `hs_scan_vector` over a one-entry address list: the window's address is
 *   written as two u32 halves into a preallocated `BigUint64Array`, so any
 *   window of a mapped multi-GiB file is scanned in place with no pointer
 *   object, BigInt or subarray per scan (a block-mode `hs_scan` would need a
 *   pointer object per window).
 * - The base address of a scanned `Uint8Array` is looked up once per buffer
 *   (a cache of the last 8 buffers: packet data, the stream arena, ...).
 * - One match callback per isolate writes ids straight into the
 *   {@link MatchSet} of the scan in progress; it declares only the id
 *   argument (see `MATCH_CALLBACK` in `ffi/hyperscan.ts`).
 * - One scratch serves every database of the isolate (grown with
 *   `hs_alloc_scratch` as databases are built; scans do not nest).
 *
 * Compiled databases can be cached on disk ({@link HyperscanCache}).
 *
 * @module
 */

import {
  allocScratch,
  compileExtMulti,
  compileLitMulti,
  databaseSize,
  errorName,
  freeDatabase,
  hostPlatform,
  HS_FLAG_CASELESS,
  HS_FLAG_SINGLEMATCH,
  HS_MODE_VECTORED,
  HS_SCAN_TERMINATED,
  HS_SUCCESS,
  type HsExpression,
  hsVersion,
  hyperscan,
  HyperscanError,
  hyperscanLoadError,
  type HyperscanSymbols,
  MATCH_CALLBACK,
} from "../../ffi/hyperscan.ts";
import { addressOf } from "../../ffi/libc.ts";
import { HyperscanCache } from "./hyperscan_cache.ts";
import { type Matcher, type MatcherBuilder, MatchSet, MAX_PATTERN_ID } from "./matcher.ts";
import type { PatternOptions } from "./matcher.ts";

/** Bumped whenever the way patterns become expressions changes (invalidates caches). */
const EXPRESSION_FORMAT = "tarsier-hs-2";

/**
 * Above this many single-byte patterns without a window, those go to a
 * separate `hs_compile_lit_multi` database: `hs_compile_ext_multi` takes
 * 0.1 s for 16 of them, 0.4 s for 32, 1.6 s for 64 and 20 s for 256
 * (measured here, libhs 5.4), while 2-byte and longer patterns compile in
 * milliseconds. Below it, one database holds everything: one scan per
 * window (ET Open's packet prefilter: ~930 MB/s with one database against
 * ~380-530 MB/s split in two).
 */
const SINGLE_BYTE_LIMIT = 8;

/** Options of {@link HyperscanBuilder}. */
export interface HyperscanBuilderOptions {
  /** Where compiled databases are cached; null or absent: always compile. */
  cache?: HyperscanCache | null;
}

/**
 * Whether Hyperscan can be used here (libhs loads and supports this CPU).
 *
 * @returns true when {@link HyperscanBuilder} can build matchers
 */
export function hyperscanAvailable(): boolean {
  return hyperscan() !== null;
}

/**
 * One line saying which Hyperscan this is, e.g. `Hyperscan 5.4.0 2021-01-26`,
 * or why it is unavailable.
 *
 * @returns the description
 */
export function hyperscanDescription(): string {
  return hyperscan() === null ? `unavailable: ${hyperscanLoadError()}` : `Hyperscan ${hsVersion()}`;
}

function checkU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_PATTERN_ID) {
    throw new RangeError(`${what} must be an integer in 0..2^32-1, not ${value}`);
  }
}

/** `\xNN` of each byte value. */
const ESCAPED_BYTE = Array.from({ length: 256 }, (_, b) => "\\x" + b.toString(16).padStart(2, "0"));

/** `\xNN` for every byte: any byte is matched literally. */
function escaped(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += ESCAPED_BYTE[bytes[i]];
  return text;
}

/** A pattern as a reader sees it: printable ASCII as is, other bytes as `|hex|`. */
function printable(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) {
    text += b >= 0x20 && b < 0x7f && b !== 0x7c && b !== 0x22
      ? String.fromCharCode(b)
      : `|${b.toString(16).padStart(2, "0")}|`;
  }
  return text.replaceAll("||", " ");
}

function isPlain(options: PatternOptions): boolean {
  return (options.offset ?? 0) === 0 && options.depth === undefined;
}

function hasLetter(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] | 0x20;
    if (b >= 0x61 && b <= 0x7a) return true;
  }
  return false;
}

/**
 * Collects literal patterns and compiles them into a {@link HyperscanMatcher}.
 *
 * @example
 * ```ts
 * import { HyperscanBuilder } from "./hyperscan.ts";
 * import { MatchSet } from "./matcher.ts";
 * const enc = new TextEncoder();
 * const builder = new HyperscanBuilder();
 * builder.addPattern(1, enc.encode("user-agent:"), { nocase: true });
 * builder.addPattern(2, enc.encode("/etc/passwd"), { nocase: false, depth: 64 });
 * const matcher = builder.build();
 * const found = new MatchSet(matcher.idSpace);
 * const data = enc.encode("GET /../../etc/passwd HTTP/1.1\r\nUser-Agent: x\r\n");
 * matcher.scan(data, 0, data.length, found);
 * console.log(found.count); // 2
 * ```
 */
export class HyperscanBuilder implements MatcherBuilder {
  readonly #cache: HyperscanCache | null;
  readonly #ids: number[] = [];
  readonly #bytes: Uint8Array[] = [];
  readonly #options: PatternOptions[] = [];

  /** @param options the on-disk cache, if any */
  constructor(options: HyperscanBuilderOptions = {}) {
    this.#cache = options.cache ?? null;
  }

  /** How many patterns were added so far. */
  get patternCount(): number {
    return this.#ids.length;
  }

  /**
   * Add one literal pattern; see {@link MatcherBuilder.addPattern}.
   *
   * @param id caller-chosen u32 reported when the pattern matches
   * @param bytes the literal, any bytes (copied)
   * @param options case folding, the offset/depth window and a label for errors
   * @throws {RangeError} on an empty pattern or a value that is not a u32
   */
  addPattern(id: number, bytes: Uint8Array, options: PatternOptions): void {
    checkU32(id, "pattern id");
    if (bytes.length === 0) throw new RangeError(`pattern ${id} is empty`);
    if (options.offset !== undefined) checkU32(options.offset, `offset of pattern ${id}`);
    if (options.depth !== undefined) checkU32(options.depth, `depth of pattern ${id}`);
    this.#ids.push(id);
    this.#bytes.push(bytes.slice());
    this.#options.push({ ...options });
  }

  /**
   * Compile the patterns added so far, or load them from the cache.
   *
   * @returns the matcher
   * @throws {HyperscanError} when libhs is unavailable or a pattern does not
   *   compile (the message names the pattern id, its bytes and its label)
   */
  build(): HyperscanMatcher {
    const hs = hyperscan();
    if (hs === null) {
      throw new HyperscanError("dlopen", 0, `Hyperscan unavailable: ${hyperscanLoadError()}`);
    }
    // Single-byte patterns without a window go to the literal database when
    // there are many of them (hs_compile_ext_multi is slow on those); all the
    // others are compiled together as extended expressions (one scan).
    let singleBytes = 0;
    for (let p = 0; p < this.#ids.length; p++) {
      if (this.#bytes[p].length === 1 && isPlain(this.#options[p])) singleBytes++;
    }
    const splitSingles = singleBytes > SINGLE_BYTE_LIMIT;
    const plain = new ExpressionSet();
    const extended = new ExpressionSet();
    let idSpace = 0;
    let minWindow = Infinity;
    for (let p = 0; p < this.#ids.length; p++) {
      const id = this.#ids[p];
      const bytes = this.#bytes[p];
      const { nocase, offset = 0, depth } = this.#options[p];
      idSpace = Math.max(idSpace, id + 1);
      if (depth !== undefined && offset + bytes.length > depth) continue; // can never match
      minWindow = Math.min(minWindow, offset + bytes.length);
      const flags = HS_FLAG_SINGLEMATCH | (nocase && hasLetter(bytes) ? HS_FLAG_CASELESS : 0);
      if (splitSingles && bytes.length === 1 && isPlain(this.#options[p])) {
        plain.add(p, { expression: escaped(bytes), flags, id }, bytes);
      } else {
        extended.add(p, {
          expression: escaped(bytes),
          flags,
          id,
          minOffset: offset > 0 ? offset + bytes.length : undefined,
          maxOffset: depth,
        }, bytes);
      }
    }
    const literal = this.#database(plain, "lit");
    const ext = this.#database(extended, "ext");
    return new HyperscanMatcher(hs, {
      literal: literal.db,
      extended: ext.db,
      patternCount: this.#ids.length,
      idSpace,
      minWindow: minWindow === Infinity ? 0 : minWindow,
      fromCache: literal.cached + ext.cached,
    });
  }

  /**
   * Compile one database of the matcher or load it from the cache: `lit`
   * (many single-byte patterns, `hs_compile_lit_multi`) or `ext` (all others,
   * `hs_compile_ext_multi`).
   */
  #database(
    set: ExpressionSet,
    kind: "lit" | "ext",
  ): { db: Deno.PointerObject | null; cached: number } {
    if (set.expressions.length === 0) return { db: null, cached: 0 };
    const cache = this.#cache;
    const key = cache === null ? "" : cacheKey(kind, set.expressions);
    const cached = cache === null ? null : cache.load(key, "VECTORED");
    if (cached !== null) return { db: cached, cached: 1 };
    let db: Deno.PointerObject;
    try {
      db = kind === "lit"
        ? compileLitMulti(
          set.expressions.map((e, i) => ({ bytes: set.bytes[i], flags: e.flags, id: e.id })),
          HS_MODE_VECTORED,
        )
        : compileExtMulti(set.expressions, HS_MODE_VECTORED);
    } catch (error) {
      throw this.#explain(error, set.sources);
    }
    cache?.store(key, db);
    return { db, cached: 0 };
  }

  #explain(error: unknown, sources: number[]): unknown {
    if (!(error instanceof HyperscanError) || error.expression < 0) return error;
    const p = sources[error.expression];
    const label = this.#options[p].label;
    return new HyperscanError(
      error.call,
      error.code,
      `hyperscan: pattern ${this.#ids[p]} "${printable(this.#bytes[p])}"` +
        `${label ? ` (${label})` : ""} does not compile: ${error.message}`,
      error.expression,
    );
  }
}

/** Distinct expressions of one database, with the pattern each came from. */
class ExpressionSet {
  readonly expressions: HsExpression[] = [];
  readonly bytes: Uint8Array[] = [];
  /** expression index -> pattern index, for error messages */
  readonly sources: number[] = [];
  readonly #seen = new Set<string>();

  add(pattern: number, e: HsExpression, bytes: Uint8Array): void {
    const key = expressionKey(e);
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.expressions.push(e);
    this.bytes.push(bytes);
    this.sources.push(pattern);
  }
}

function expressionKey(e: HsExpression): string {
  return `${e.id}/${e.flags}/${e.minOffset ?? ""}/${e.maxOffset ?? ""}/${e.expression}`;
}

/** The cache key: the expressions, how they are compiled, the library, the CPU and the mode. */
function cacheKey(kind: string, expressions: HsExpression[]): string {
  const platform = hostPlatform();
  const parts = [
    EXPRESSION_FORMAT,
    kind,
    hsVersion(),
    `tune=${platform.tune} features=${platform.cpuFeatures}`,
    `mode=${HS_MODE_VECTORED}`,
  ];
  for (const e of expressions) parts.push(expressionKey(e));
  return HyperscanCache.key(parts);
}

// ---- per-isolate scan state: one scratch, one callback, one address list ----

let scratch: Deno.PointerObject | null = null;
/** The set the scan in progress adds to. */
let target = new MatchSet(0);
/** hs_scan_vector's `data` argument: one address, written as two u32 halves. */
const vectorAddress = new BigUint64Array(1);
const vectorWords = new Uint32Array(vectorAddress.buffer);
/** hs_scan_vector's `length` argument. */
const vectorLength = new Uint32Array(1);
/**
 * Base addresses of recently scanned buffers (packet data, the stream arena,
 * application-layer buffers...), in front of `addressOf`'s per-array memo (a
 * WeakMap look-up; a first look-up allocates a pointer object and a BigInt).
 */
const BASE_CACHE_SIZE = 8;
const baseData: (Uint8Array | null)[] = new Array(BASE_CACHE_SIZE).fill(null);
const baseAddress = new Float64Array(BASE_CACHE_SIZE);
let baseNext = 0;
let callback: Deno.UnsafeCallback<typeof MATCH_CALLBACK> | null = null;

function onMatch(id: number): number {
  const set = target;
  const generation = set.generation;
  if (set.stamps[id] !== generation) {
    set.stamps[id] = generation;
    set.ids[set.count++] = id;
  }
  return 0;
}

function matchCallback(): Deno.PointerObject {
  callback ??= new Deno.UnsafeCallback(MATCH_CALLBACK, onMatch);
  return callback.pointer;
}

/**
 * The slot of {@link baseAddress} that holds the address of `data[0]`, from
 * the cache or looked up (replacing the oldest entry). A slot number rather
 * than the address: a function that returns a double boxes it in a heap
 * number whenever it is not inlined (seen on the live path: a young-garbage
 * object per scan).
 */
function baseSlotOf(data: Uint8Array): number {
  for (let i = 0; i < BASE_CACHE_SIZE; i++) {
    if (baseData[i] === data) return i;
  }
  const slot = baseNext;
  baseData[slot] = data;
  baseAddress[slot] = addressOf(data);
  baseNext = (baseNext + 1) % BASE_CACHE_SIZE;
  return slot;
}

/** What {@link HyperscanMatcher} is made of. */
export interface HyperscanDatabases {
  /** Single-byte patterns without a window, when many (`hs_compile_lit_multi`), or null. */
  literal: Deno.PointerObject | null;
  /** All other patterns (`hs_compile_ext_multi`), or null. */
  extended: Deno.PointerObject | null;
  /** Patterns added. */
  patternCount: number;
  /** One more than the largest id. */
  idSpace: number;
  /**
   * The shortest window any pattern can match in (its offset plus its
   * length); shorter windows are not scanned. 0 when unknown.
   */
  minWindow?: number;
  /** How many of the databases came from the on-disk cache. */
  fromCache: number;
}

/**
 * Compiled Hyperscan databases: usually one; a second for many single-byte
 * patterns (each null when empty; a window is scanned by both). Scanning is
 * allocation-free.
 */
export class HyperscanMatcher implements Matcher {
  /** Engine name: `"hs"`. */
  readonly name = "hs";
  /** How many patterns were added (duplicates included). */
  readonly patternCount: number;
  /** Bytes held by the compiled databases. */
  readonly memoryBytes: number;
  /** One more than the largest pattern id. */
  readonly idSpace: number;
  /** How many of the (up to two) databases came from the on-disk cache. */
  readonly fromCache: number;
  #literal: Deno.PointerObject | null;
  #extended: Deno.PointerObject | null;
  readonly #scanVector: HyperscanSymbols["hs_scan_vector"];
  #callback: Deno.PointerObject | null;
  /** Windows shorter than this hold no match: they are not scanned (a scan costs ~0.1 us at least). */
  readonly #minWindow: number;

  /**
   * Use {@link HyperscanBuilder.build}.
   *
   * @param hs the bound symbols
   * @param parts the databases and counts
   */
  constructor(hs: HyperscanSymbols, parts: HyperscanDatabases) {
    this.#literal = parts.literal;
    this.#extended = parts.extended;
    this.#scanVector = hs.hs_scan_vector;
    this.patternCount = parts.patternCount;
    this.idSpace = parts.idSpace;
    this.#minWindow = Math.max(1, parts.minWindow ?? 0);
    this.fromCache = parts.fromCache;
    let memory = 0;
    for (const db of [parts.literal, parts.extended]) {
      if (db === null) continue;
      memory += databaseSize(db);
      scratch = allocScratch(db, scratch);
    }
    this.memoryBytes = memory;
    this.#callback = memory === 0 ? null : matchCallback();
  }

  /**
   * Add the ids of the patterns in `data[start..end)` to `out`; see
   * {@link Matcher.scan}.
   *
   * @param data the bytes (e.g. a whole mapped capture file)
   * @param start absolute offset of the window's first byte
   * @param end absolute offset one past the window's last byte (clipped to `data.length`)
   * @param out where matching ids are added
   * @throws {RangeError} when `out` is smaller than {@link HyperscanMatcher.idSpace}
   *   or the window exceeds 4 GiB
   * @throws {HyperscanError} when the scan fails
   */
  scan(data: Uint8Array, start: number, end: number, out: MatchSet): void {
    if (out.stamps.length < this.idSpace) {
      throw new RangeError(
        `match set holds ${out.stamps.length} ids, matcher needs ${this.idSpace}`,
      );
    }
    if (end > data.length) end = data.length;
    if (end - start < this.#minWindow || this.#callback === null) return;
    const length = end - start;
    if (length > 0xffff_ffff) throw new RangeError(`window of ${length} bytes exceeds 4 GiB`);
    const address = baseAddress[baseSlotOf(data)] + start;
    const low = address % 0x1_0000_0000;
    vectorWords[0] = low;
    vectorWords[1] = (address - low) / 0x1_0000_0000;
    vectorLength[0] = length;
    target = out;
    const scanVector = this.#scanVector;
    let code = HS_SUCCESS;
    if (this.#literal !== null) {
      code = scanVector(
        this.#literal,
        vectorAddress,
        vectorLength,
        1,
        0,
        scratch,
        this.#callback,
        null,
      );
    }
    if (this.#extended !== null && code === HS_SUCCESS) {
      code = scanVector(
        this.#extended,
        vectorAddress,
        vectorLength,
        1,
        0,
        scratch,
        this.#callback,
        null,
      );
    }
    if (code !== HS_SUCCESS && code !== HS_SCAN_TERMINATED) {
      throw new HyperscanError("hs_scan_vector", code, `hs_scan_vector failed: ${errorName(code)}`);
    }
  }

  /** Free the databases; later scans find nothing. */
  free(): void {
    for (const db of [this.#literal, this.#extended]) if (db !== null) freeDatabase(db);
    this.#literal = null;
    this.#extended = null;
    this.#callback = null;
  }
}
