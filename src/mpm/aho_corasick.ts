/**
 * The embedded multi-pattern matcher: Aho-Corasick over a case-folded,
 * compressed alphabet, in pure TypeScript.
 *
 * Layout (see `README.md` for the measurements behind it):
 *
 * - **Alphabet.** A 256-entry translate table maps each byte, ASCII-lowercased,
 *   to a class: every folded byte that occurs in some pattern gets its own
 *   class, all other bytes share class 0 (which leads back to the root).
 * - **States** are numbered in breadth-first order, so shallow states come
 *   first. The first `denseStateCount` states have a dense row of
 *   `classCount` next-state entries in ONE `Int32Array`, with the failure
 *   links already resolved: for them the automaton is a DFA. When the whole
 *   automaton fits the dense budget (every set up to a few thousand ET Open
 *   patterns) all states are dense and the matcher is a full DFA.
 * - Deeper states, when there are too many to give each a dense row, keep
 *   only their trie edges (a flat list of (class, target) pairs) and a failure
 *   link: a contiguous NFA with dense rows near the root, as in BurntSushi's
 *   aho-corasick. A miss follows failure links until a state has the edge or
 *   is dense; failure links always lead to shallower states, so that ends at
 *   a dense row.
 * - **State codes.** Next-state entries hold a code, not a state number: a
 *   dense state's code is the offset of its row (`state * classCount`), a
 *   sparse state's is `denseCodeLimit + (state - denseStateCount)`. The code
 *   is stored bit-inverted (negative) when some pattern ends in the target
 *   state, so the scan loop is one load, one add and one sign test per byte.
 * - **Outputs.** Each state lists the patterns that end in it (own, then those
 *   of its dictionary suffix, i.e. the nearest state on its failure chain
 *   with own patterns), flattened into `outStart`/`outPat`. Long lists end in
 *   a "continue at that state's list" entry instead of a copy, so memory stays
 *   linear even for nested suffixes ("a", "aa", "aaa", ...). Overlapping,
 *   prefix and suffix patterns are all found.
 * - Case-sensitive patterns that contain letters are verified against the
 *   original bytes at the match position; offset/depth are checked there too.
 *
 * @module
 */

import { MAX_PATTERN_ID } from "./matcher.ts";
import type { Matcher, MatcherBuilder, MatchSet, PatternOptions } from "./matcher.ts";

/**
 * Default budget for the dense rows: 16 MiB. Below it the whole automaton is
 * a DFA; above it only the shallowest states are dense.
 */
export const DEFAULT_DENSE_BYTES_LIMIT = 16 * 1024 * 1024;

/** Tuning for {@link AhoCorasickBuilder}. */
export interface AhoCorasickOptions {
  /**
   * Most bytes the dense rows may take ({@link DEFAULT_DENSE_BYTES_LIMIT} by
   * default). The root always gets a dense row; a tiny limit forces the
   * sparse path (tests use this).
   */
  denseBytesLimit?: number;
}

/** Longest output list copied inline before a state refers to its suffix's list. */
const INLINE_OUTPUTS = 8;

/** Pattern flag: case-sensitive with letters, compare the original bytes. */
const FLAG_VERIFY = 1;
/** Pattern flag: it has an offset (earliest start). */
const FLAG_OFFSET = 2;
/** Pattern flag: it has a depth (latest end). */
const FLAG_DEPTH = 4;

/** ASCII lowercase of every byte. */
const FOLD: Uint8Array = (() => {
  const fold = new Uint8Array(256);
  for (let b = 0; b < 256; b++) fold[b] = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
  return fold;
})();

function checkU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_PATTERN_ID) {
    throw new RangeError(`${what} must be an integer in 0..2^32-1, not ${value}`);
  }
}

/**
 * Collects patterns and compiles them into an {@link AhoCorasickMatcher}.
 *
 * @example
 * ```ts
 * import { AhoCorasickBuilder, MatchSet } from "./mod.ts";
 * const enc = new TextEncoder();
 * const builder = new AhoCorasickBuilder();
 * builder.addPattern(1, enc.encode("user-agent:"), { nocase: true });
 * builder.addPattern(2, enc.encode("/etc/passwd"), { nocase: false, depth: 64 });
 * const matcher = builder.build();
 * const found = new MatchSet(matcher.idSpace);
 * const data = enc.encode("GET /../../etc/passwd HTTP/1.1\r\nUser-Agent: x\r\n");
 * matcher.scan(data, 0, data.length, found);
 * console.log(Array.from(found.ids.subarray(0, found.count))); // [2, 1]
 * ```
 */
export class AhoCorasickBuilder implements MatcherBuilder {
  readonly #denseBytesLimit: number;
  readonly #ids: number[] = [];
  readonly #bytes: Uint8Array[] = [];
  readonly #flags: number[] = [];
  readonly #offsets: number[] = [];
  readonly #depths: number[] = [];

  /**
   * @param options tuning, see {@link AhoCorasickOptions}
   * @throws {RangeError} when `denseBytesLimit` is negative or not a number
   */
  constructor(options: AhoCorasickOptions = {}) {
    const limit = options.denseBytesLimit ?? DEFAULT_DENSE_BYTES_LIMIT;
    if (!(limit >= 0)) throw new RangeError(`denseBytesLimit must be >= 0, not ${limit}`);
    this.#denseBytesLimit = limit;
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
   * @param options case folding and the offset/depth window
   * @throws {RangeError} on an empty pattern or a value that is not a u32
   */
  addPattern(id: number, bytes: Uint8Array, options: PatternOptions): void {
    checkU32(id, "pattern id");
    if (bytes.length === 0) throw new RangeError(`pattern ${id} is empty`);
    const copy = bytes.slice();
    let flags = 0;
    if (!options.nocase) {
      for (let i = 0; i < copy.length; i++) {
        if (FOLD[copy[i]] !== copy[i] || (copy[i] >= 0x61 && copy[i] <= 0x7a)) {
          flags |= FLAG_VERIFY;
          break;
        }
      }
    }
    if (options.offset !== undefined) {
      checkU32(options.offset, `offset of pattern ${id}`);
      if (options.offset > 0) flags |= FLAG_OFFSET;
    }
    if (options.depth !== undefined) {
      checkU32(options.depth, `depth of pattern ${id}`);
      flags |= FLAG_DEPTH;
    }
    this.#ids.push(id);
    this.#bytes.push(copy);
    this.#flags.push(flags);
    this.#offsets.push(options.offset ?? 0);
    this.#depths.push(options.depth ?? 0);
  }

  /** Compile the patterns added so far (the builder stays usable). */
  build(): AhoCorasickMatcher {
    return compile(
      this.#ids,
      this.#bytes,
      this.#flags,
      this.#offsets,
      this.#depths,
      this.#denseBytesLimit,
    );
  }
}

/** The compiled tables, as produced by {@link compile}. */
interface Tables {
  translate: Uint8Array;
  classCount: number;
  stateCount: number;
  denseCount: number;
  delta: Int32Array;
  sparseStart: Int32Array;
  sparseClass: Uint8Array;
  sparseTarget: Int32Array;
  sparseFail: Int32Array;
  outStart: Int32Array;
  outPat: Int32Array;
  patId: Uint32Array;
  patLen: Int32Array;
  patFlags: Uint8Array;
  patOffset: Uint32Array;
  patDepth: Uint32Array;
  patStart: Int32Array;
  patBytes: Uint8Array;
  idSpace: number;
  minOffset: number;
  maxDepth: number;
}

function compile(
  ids: number[],
  bytes: Uint8Array[],
  flags: number[],
  offsets: number[],
  depths: number[],
  denseBytesLimit: number,
): AhoCorasickMatcher {
  const n = ids.length;

  // Alphabet: one class per folded byte that some pattern uses, 0 for the rest.
  const used = new Uint8Array(256);
  let totalBytes = 0;
  for (const p of bytes) {
    totalBytes += p.length;
    for (let i = 0; i < p.length; i++) used[FOLD[p[i]]] = 1;
  }
  const classOfFolded = new Uint8Array(256);
  let classCount = 1;
  for (let b = 0; b < 256; b++) if (used[b]) classOfFolded[b] = classCount++;
  const translate = new Uint8Array(256);
  for (let b = 0; b < 256; b++) translate[b] = classOfFolded[FOLD[b]];

  // Trie over classes. Edges: a map for look-up, sibling lists for walking.
  const edge = new Map<number, number>();
  const firstChild: number[] = [-1];
  const nextSibling: number[] = [-1];
  const edgeClass: number[] = [0];
  const ownFirst: number[] = [-1]; // head of the list of patterns ending here
  const patNext = new Int32Array(n); // next pattern in the same state's list
  for (let p = 0; p < n; p++) {
    const pat = bytes[p];
    let node = 0;
    for (let i = 0; i < pat.length; i++) {
      const c = translate[pat[i]];
      const key = node * classCount + c;
      let child = edge.get(key);
      if (child === undefined) {
        child = firstChild.length;
        edge.set(key, child);
        firstChild.push(-1);
        nextSibling.push(firstChild[node]);
        edgeClass.push(c);
        ownFirst.push(-1);
        firstChild[node] = child;
      }
      node = child;
    }
    patNext[p] = ownFirst[node];
    ownFirst[node] = p;
  }
  const stateCount = firstChild.length;

  // Breadth-first numbering: order[new] = old, renum[old] = new.
  const order = new Int32Array(stateCount);
  const renum = new Int32Array(stateCount);
  let tail = 1;
  for (let head = 0; head < tail; head++) {
    for (let t = firstChild[order[head]]; t >= 0; t = nextSibling[t]) {
      renum[t] = tail;
      order[tail++] = t;
    }
  }

  const rowBytes = classCount * 4;
  // Codes (see the module doc) must stay below 2^31.
  const maxDense = Math.floor((0x7fff_ffff - stateCount) / classCount);
  const denseCount = Math.max(
    1,
    Math.min(stateCount, maxDense, Math.floor(denseBytesLimit / rowBytes)),
  );
  const delta = new Int32Array(denseCount * classCount);
  const fail = new Int32Array(stateCount);
  const sparseStart = new Int32Array(stateCount - denseCount + 1);
  let sparseEdges = 0;
  for (let q = denseCount; q < stateCount; q++) {
    sparseStart[q - denseCount] = sparseEdges;
    for (let t = firstChild[order[q]]; t >= 0; t = nextSibling[t]) sparseEdges++;
  }
  sparseStart[stateCount - denseCount] = sparseEdges;
  const sparseClass = new Uint8Array(sparseEdges);
  const sparseTarget = new Int32Array(sparseEdges);

  for (let q = 0; q < stateCount; q++) {
    const old = order[q];
    if (q < denseCount) {
      // A dense row: the failure state's row (already complete), then own edges.
      if (q > 0) delta.copyWithin(q * classCount, fail[q] * classCount, (fail[q] + 1) * classCount);
      for (let t = firstChild[old]; t >= 0; t = nextSibling[t]) {
        delta[q * classCount + edgeClass[t]] = renum[t];
      }
    } else {
      let k = sparseStart[q - denseCount];
      for (let t = firstChild[old]; t >= 0; t = nextSibling[t]) {
        sparseClass[k] = edgeClass[t];
        sparseTarget[k++] = renum[t];
      }
    }
    // Failure links of the children: fail(child) = next(fail(q), class).
    for (let t = firstChild[old]; t >= 0; t = nextSibling[t]) {
      const c = edgeClass[t];
      let target = 0;
      if (q > 0) {
        let f = fail[q];
        for (;;) {
          if (f < denseCount) {
            target = delta[f * classCount + c];
            break;
          }
          const hit = edge.get(order[f] * classCount + c);
          if (hit !== undefined) {
            target = renum[hit];
            break;
          }
          f = fail[f];
        }
      }
      fail[renum[t]] = target;
    }
  }

  // Outputs: each state lists the patterns that end in it: its own, then
  // those of its dictionary suffix (the nearest state on its failure chain
  // with own patterns). The suffix's list is copied while the result stays
  // short, else referenced by one entry ~suffix at the end ("continue there"),
  // so memory stays linear even for sets of nested suffixes.
  const outStart = new Int32Array(stateCount + 1);
  const outList: number[] = [];
  const dictLink = new Int32Array(stateCount);
  const outMark = new Uint8Array(stateCount);
  dictLink[0] = -1;
  for (let q = 0; q < stateCount; q++) {
    const first = outList.length;
    outStart[q] = first;
    for (let p = ownFirst[order[q]]; p >= 0; p = patNext[p]) outList.push(p);
    if (q > 0) {
      const f = fail[q];
      const d = ownFirst[order[f]] >= 0 ? f : dictLink[f];
      dictLink[q] = d;
      if (d >= 0) {
        const from = outStart[d];
        const to = outStart[d + 1];
        if (outList.length - first + to - from <= INLINE_OUTPUTS) {
          for (let i = from; i < to; i++) outList.push(outList[i]);
        } else {
          outList.push(~d);
        }
      }
    }
    outMark[q] = outList.length > first ? 1 : 0;
  }
  outStart[stateCount] = outList.length;
  const outPat = Int32Array.from(outList);

  // Encode next-state entries as "codes": a dense state's code is the offset
  // of its row (q * classCount), a sparse state's is denseCodeLimit + (q -
  // denseCount); a code is stored bit-inverted (negative) when patterns end in
  // the target state, so a scan tests for output without another load.
  const denseCodeLimit = denseCount * classCount;
  const code = (q: number) => q < denseCount ? q * classCount : denseCodeLimit + q - denseCount;
  const encode = (q: number) => outMark[q] !== 0 ? ~code(q) : code(q);
  for (let i = 0; i < delta.length; i++) delta[i] = encode(delta[i]);
  for (let i = 0; i < sparseTarget.length; i++) sparseTarget[i] = encode(sparseTarget[i]);
  const sparseCount = stateCount - denseCount;
  const sparseFail = new Int32Array(sparseCount);
  for (let j = 0; j < sparseCount; j++) sparseFail[j] = code(fail[denseCount + j]);

  // Patterns, struct-of-arrays.
  const patId = new Uint32Array(n);
  const patLen = new Int32Array(n);
  const patFlags = new Uint8Array(n);
  const patOffset = new Uint32Array(n);
  const patDepth = new Uint32Array(n);
  const patStart = new Int32Array(n);
  const patBytes = new Uint8Array(totalBytes);
  let idSpace = 0;
  let minOffset = n > 0 ? Infinity : 0;
  let maxDepth = 0;
  for (let p = 0, at = 0; p < n; p++) {
    patId[p] = ids[p];
    patLen[p] = bytes[p].length;
    patFlags[p] = flags[p];
    patOffset[p] = offsets[p];
    patDepth[p] = depths[p];
    patStart[p] = at;
    patBytes.set(bytes[p], at);
    at += bytes[p].length;
    idSpace = Math.max(idSpace, ids[p] + 1);
    minOffset = Math.min(minOffset, offsets[p]);
    maxDepth = Math.max(maxDepth, (flags[p] & FLAG_DEPTH) !== 0 ? depths[p] : Infinity);
  }

  return new AhoCorasickMatcher({
    translate,
    classCount,
    stateCount,
    denseCount,
    delta,
    sparseStart,
    sparseClass,
    sparseTarget,
    sparseFail,
    outStart,
    outPat,
    patId,
    patLen,
    patFlags,
    patOffset,
    patDepth,
    patStart,
    patBytes,
    idSpace,
    minOffset,
    maxDepth,
  });
}

/**
 * A compiled Aho-Corasick automaton. Build it with {@link AhoCorasickBuilder};
 * {@link AhoCorasickMatcher.scan} allocates nothing.
 */
export class AhoCorasickMatcher implements Matcher {
  /** Engine name: `"ac"`. */
  readonly name = "ac";
  /** How many patterns were added (duplicates included). */
  readonly patternCount: number;
  /** Bytes held by the compiled tables. */
  readonly memoryBytes: number;
  /** One more than the largest pattern id (0 when empty). */
  readonly idSpace: number;
  /** Automaton states (trie nodes, the root included). */
  readonly stateCount: number;
  /** States with a dense, fully resolved row (all of them for a full DFA). */
  readonly denseStateCount: number;
  /** Alphabet classes (distinct folded pattern bytes, plus class 0). */
  readonly classCount: number;

  readonly #translate: Uint8Array;
  readonly #delta: Int32Array;
  readonly #denseCodeLimit: number;
  readonly #sparseStart: Int32Array;
  readonly #sparseClass: Uint8Array;
  readonly #sparseTarget: Int32Array;
  readonly #sparseFail: Int32Array;
  readonly #outStart: Int32Array;
  readonly #outPat: Int32Array;
  readonly #patId: Uint32Array;
  readonly #patLen: Int32Array;
  readonly #patFlags: Uint8Array;
  readonly #patOffset: Uint32Array;
  readonly #patDepth: Uint32Array;
  readonly #patStart: Int32Array;
  readonly #patBytes: Uint8Array;
  readonly #minOffset: number;
  readonly #maxDepth: number;

  /** Use {@link AhoCorasickBuilder.build}. @internal */
  constructor(t: Tables) {
    this.patternCount = t.patId.length;
    this.idSpace = t.idSpace;
    this.stateCount = t.stateCount;
    this.denseStateCount = t.denseCount;
    this.classCount = t.classCount;
    this.#translate = t.translate;
    this.#delta = t.delta;
    this.#denseCodeLimit = t.denseCount * t.classCount;
    this.#sparseStart = t.sparseStart;
    this.#sparseClass = t.sparseClass;
    this.#sparseTarget = t.sparseTarget;
    this.#sparseFail = t.sparseFail;
    this.#outStart = t.outStart;
    this.#outPat = t.outPat;
    this.#patId = t.patId;
    this.#patLen = t.patLen;
    this.#patFlags = t.patFlags;
    this.#patOffset = t.patOffset;
    this.#patDepth = t.patDepth;
    this.#patStart = t.patStart;
    this.#patBytes = t.patBytes;
    this.#minOffset = t.minOffset;
    this.#maxDepth = t.maxDepth;
    this.memoryBytes = [
      t.translate,
      t.delta,
      t.sparseStart,
      t.sparseClass,
      t.sparseTarget,
      t.sparseFail,
      t.outStart,
      t.outPat,
      t.patId,
      t.patLen,
      t.patFlags,
      t.patOffset,
      t.patDepth,
      t.patStart,
      t.patBytes,
    ].reduce((sum, a) => sum + a.byteLength, 0);
  }

  /**
   * Add the id of each pattern found in `data[start..end)` to `out`, once;
   * see {@link Matcher.scan}. Allocates nothing.
   *
   * @param data the bytes
   * @param start absolute offset of the window's first byte
   * @param end absolute offset one past the window's last byte
   * @param out where matching ids are added (not reset here)
   * @throws {RangeError} when `out` is smaller than {@link AhoCorasickMatcher.idSpace}
   */
  scan(data: Uint8Array, start: number, end: number, out: MatchSet): void {
    if (out.stamps.length < this.idSpace) {
      throw new RangeError(
        `match set holds ${out.stamps.length} ids, matcher needs ${this.idSpace}`,
      );
    }
    // Nothing can start before the smallest offset or end after the largest
    // depth; an `end` past the data is clipped to it.
    const from = start + this.#minOffset;
    const to = Math.min(end, start + this.#maxDepth, data.length);
    const translate = this.#translate;
    const delta = this.#delta;
    const denseCodeLimit = this.#denseCodeLimit;
    let s = 0; // the current state's code (never negative)
    for (let i = from; i < to; i++) {
      const c = translate[data[i]];
      s = s < denseCodeLimit ? delta[s + c] : this.#sparseNext(s, c);
      if (s < 0) {
        s = ~s;
        this.#report(s, data, start, i, out);
      }
    }
  }

  /**
   * The next state's (possibly inverted) code from the sparse state coded
   * `code` on class `c`: its own edge, else its failure link's, down to a
   * dense state (failure links only lead to shallower states).
   */
  #sparseNext(code: number, c: number): number {
    const limit = this.#denseCodeLimit;
    const sparseStart = this.#sparseStart;
    const sparseClass = this.#sparseClass;
    let s = code;
    while (s >= limit) {
      const j = s - limit;
      const e = sparseStart[j + 1];
      for (let k = sparseStart[j]; k < e; k++) {
        if (sparseClass[k] === c) return this.#sparseTarget[k];
      }
      s = this.#sparseFail[j];
    }
    return this.#delta[s + c];
  }

  /** Add the patterns that end at `last` in the state coded `code` and pass their checks. */
  #report(code: number, data: Uint8Array, start: number, last: number, out: MatchSet): void {
    const outStart = this.#outStart;
    const outPat = this.#outPat;
    const patId = this.#patId;
    const patFlags = this.#patFlags;
    const stamps = out.stamps;
    const ids = out.ids;
    const generation = out.generation;
    const limit = this.#denseCodeLimit;
    // Codes are internal (< 2^31), so | 0 is safe here.
    const state = code < limit ? (code / this.classCount) | 0 : this.denseStateCount + code - limit;
    let k = outStart[state];
    let e = outStart[state + 1];
    while (k < e) {
      const p = outPat[k++];
      if (p < 0) {
        // Continue with the list of the dictionary suffix ~p.
        k = outStart[~p];
        e = outStart[~p + 1];
        continue;
      }
      const id = patId[p];
      if (stamps[id] === generation) continue;
      const flags = patFlags[p];
      if (flags !== 0) {
        const len = this.#patLen[p];
        const relEnd = last + 1 - start;
        if ((flags & FLAG_DEPTH) !== 0 && relEnd > this.#patDepth[p]) continue;
        if ((flags & FLAG_OFFSET) !== 0 && relEnd - len < this.#patOffset[p]) continue;
        if ((flags & FLAG_VERIFY) !== 0 && !this.#verify(p, data, last + 1 - len)) continue;
      }
      stamps[id] = generation;
      ids[out.count++] = id;
    }
  }

  /** Whether pattern `p` occurs byte for byte at `at`. */
  #verify(p: number, data: Uint8Array, at: number): boolean {
    const patBytes = this.#patBytes;
    const base = this.#patStart[p];
    const len = this.#patLen[p];
    for (let j = 0; j < len; j++) {
      if (data[at + j] !== patBytes[base + j]) return false;
    }
    return true;
  }
}
