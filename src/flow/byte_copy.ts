/**
 * Copying bytes between typed arrays on the per-packet path.
 *
 * Measured here, per copy of n bytes:
 * - a byte loop unrolled by 8: about 1.1 ns a byte (64 bytes 64 ns, 1448 bytes 1.66 us);
 * - a loop over 32-bit words (through `Int32Array` views of the two arrays'
 *   buffers, shifting when the source is not word-aligned with the
 *   destination): side by side with the byte loop, 64 bytes 31-47 ns
 *   against 82-102, 200 bytes 78-86 ns against 251-261, 1000 bytes 292-331
 *   ns against 1,118-1,413; but 16 bytes 35-45 ns against 24;
 * - `dst.set(src.subarray(...))`: 60-125 ns from 16 bytes to 8 KB, but a
 *   view object a call (about 100 bytes of young garbage): over the big
 *   corpus 132,000 copies of 1 KiB and more, and the steady-state GC test
 *   of flow tracking then saw a scavenge;
 * - libc's `memcpy` on the arrays' addresses: 180-280 ns whatever n, and
 *   about 32 bytes of young garbage a call (Deno's slow FFI path boxes the
 *   address numbers; see `memcpyOrNull` for why the fast path is avoided).
 *
 * So copies of {@link MEMCPY_MIN} bytes and more (full-size TCP segments,
 * message bodies) go through memcpy, whose garbage is then at most 3% of the
 * bytes copied, shorter ones from {@link WORDS_MIN} bytes on through the word
 * loop, and the shortest through the byte loop; the loops make none (a word
 * view is made once per buffer and kept). With the word loop for the long
 * copies too the scan of the big corpus took 0.3-0.5 s more (in a slow
 * stretch of this machine). The steady-state GC tests see no scavenge over
 * their measured passes with this split. The word loop assumes a
 * little-endian machine (it is skipped on others).
 *
 * @example
 * ```ts
 * import { ByteCopier } from "./byte_copy.ts";
 * const copier = new ByteCopier();
 * const dst = new Uint8Array(8);
 * copier.copy(dst, 2, new Uint8Array([1, 2, 3]), 0, 3); // dst = 0,0,1,2,3,0,0,0
 * ```
 *
 * @module
 */

import { addressOf, memcpyOrNull } from "../../ffi/libc.ts";

/** Copies of at least this many bytes go through libc's memcpy. */
export const MEMCPY_MIN = 1024;
/** Copies of at least this many bytes (and below {@link MEMCPY_MIN}) go a 32-bit word at a time. */
export const WORDS_MIN = 32;
/** libc's memcpy, null when FFI is not allowed (then every copy is a loop). */
const memcpy = memcpyOrNull();
/** Whether a word's first byte in memory is its low byte (the word loop's shifts assume so). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** The `Int32Array` over each buffer copied with the word loop. */
const wordViews = new WeakMap<ArrayBufferLike, Int32Array>();

/**
 * A copier that remembers the last source and destination arrays and their
 * addresses (taking an address costs an object) and word views. Give each
 * call site its own, so that they do not evict each other's arrays.
 */
export class ByteCopier {
  #src: Uint8Array | null = null;
  #srcAddress = 0;
  #dst: Uint8Array | null = null;
  #dstAddress = 0;
  #wordSrc: Uint8Array | null = null;
  #srcWords: Int32Array = EMPTY_WORDS;
  #wordDst: Uint8Array | null = null;
  #dstWords: Int32Array = EMPTY_WORDS;

  /**
   * Copy `src[from, from+n)` to `dst[at, at+n)` (both ranges in bounds,
   * not overlapping).
   *
   * @param dst the destination
   * @param at offset in `dst`
   * @param src the source
   * @param from offset in `src`
   * @param n bytes to copy
   */
  copy(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
    if (n >= MEMCPY_MIN && memcpy !== null) {
      if (src !== this.#src) {
        this.#src = src;
        this.#srcAddress = addressOf(src);
      }
      if (dst !== this.#dst) {
        this.#dst = dst;
        this.#dstAddress = addressOf(dst);
      }
      if (
        this.#srcAddress !== 0 && this.#dstAddress !== 0 && from + n <= src.length &&
        at + n <= dst.length
      ) {
        memcpy(this.#dstAddress + at, this.#srcAddress + from, n);
        return;
      }
    }
    if (n >= WORDS_MIN && LITTLE_ENDIAN) {
      if (src !== this.#wordSrc) {
        this.#wordSrc = src;
        this.#srcWords = wordsOf(src);
      }
      if (dst !== this.#wordDst) {
        this.#wordDst = dst;
        this.#dstWords = wordsOf(dst);
      }
      copyWords(dst, this.#dstWords, at, src, this.#srcWords, from, n);
      return;
    }
    copyLoop(dst, at, src, from, n);
  }
}

const EMPTY_WORDS = new Int32Array(0);

/** The `Int32Array` over the whole buffer of `bytes` (made once per buffer). */
function wordsOf(bytes: Uint8Array): Int32Array {
  const buffer = bytes.buffer;
  let words = wordViews.get(buffer);
  if (words === undefined) {
    words = new Int32Array(buffer, 0, Math.floor(buffer.byteLength / 4));
    wordViews.set(buffer, words);
  }
  return words;
}

/**
 * Copy `n` bytes (at least a few words' worth) a 32-bit word at a time:
 * bytes up to a word boundary of the destination, then whole destination
 * words, each made of the source's two overlapping words when the source is
 * not aligned with it, then the bytes left. `dstWords` and `srcWords` are
 * the word views of the arrays' buffers.
 */
function copyWords(
  dst: Uint8Array,
  dstWords: Int32Array,
  at: number,
  src: Uint8Array,
  srcWords: Int32Array,
  from: number,
  n: number,
): void {
  const end = at + n;
  let d = at;
  let s = from;
  while (((dst.byteOffset + d) & 3) !== 0) dst[d++] = src[s++];
  let words = (end - d) >> 2;
  const dw = (dst.byteOffset + d) / 4;
  const sa = src.byteOffset + s;
  const shift = (sa & 3) << 3;
  const sw = (sa - (sa & 3)) / 4;
  if (shift === 0) {
    for (let i = 0; i < words; i++) dstWords[dw + i] = srcWords[sw + i];
  } else {
    // the last word read reaches up to 3 bytes past the range: not past the view
    if (sw + words >= srcWords.length) words--;
    const back = 32 - shift;
    let low = srcWords[sw] >>> shift;
    for (let i = 0; i < words; i++) {
      const high = srcWords[sw + 1 + i];
      dstWords[dw + i] = low | (high << back);
      low = high >>> shift;
    }
  }
  d += words << 2;
  s += words << 2;
  while (d < end) dst[d++] = src[s++];
}

/** Copy `n` bytes with a loop, 8 bytes a round. */
function copyLoop(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    const d = at + k;
    const s = from + k;
    dst[d] = src[s];
    dst[d + 1] = src[s + 1];
    dst[d + 2] = src[s + 2];
    dst[d + 3] = src[s + 3];
    dst[d + 4] = src[s + 4];
    dst[d + 5] = src[s + 5];
    dst[d + 6] = src[s + 6];
    dst[d + 7] = src[s + 7];
  }
  for (; k < n; k++) dst[at + k] = src[from + k];
}
