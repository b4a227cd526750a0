/**
 * Copying bytes between typed arrays on the per-packet path without making
 * garbage: `dst.set(src.subarray(...))` costs a view object per call.
 *
 * Measured here, per copy of n bytes:
 * - a byte loop unrolled by 8: about 1.1 ns a byte (64 bytes 64 ns, 1448 bytes 1.66 us);
 * - 32-bit words through DataViews of the two arrays: about 0.5 ns a byte
 *   (24 ns, 700 ns), but a DataView must be made whenever an array changes;
 * - libc's `memcpy` on the arrays' addresses: about 160 ns whatever n, but
 *   each call boxes its two 64-bit address arguments (Deno's slow path for
 *   numbers), some 32 bytes of young garbage;
 * - `dst.set(src.subarray(...))`: about 55 ns whatever n, and a view object.
 *
 * So copies of {@link MEMCPY_MIN} bytes and more go through memcpy (rare:
 * message bodies, a few bytes of garbage per kilobytes copied), shorter
 * ones through words when the copier sees the same arrays again and again
 * (TCP segments into the reassembly arena), else through the byte loop.
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
export const MEMCPY_MIN = 4096;
/** libc's memcpy, null when FFI is not allowed (then every copy is a loop). */
const memcpy = memcpyOrNull();
const NO_VIEW = new DataView(new ArrayBuffer(0));

/**
 * A copier that remembers the last source and destination arrays, their
 * addresses and (with `words`) DataViews over them. Give each call site its
 * own, so that they do not evict each other's arrays.
 */
export class ByteCopier {
  readonly #words: boolean;
  #src: Uint8Array | null = null;
  #srcAddress = 0;
  #srcView: DataView<ArrayBufferLike> = NO_VIEW;
  #dst: Uint8Array | null = null;
  #dstAddress = 0;
  #dstView: DataView<ArrayBufferLike> = NO_VIEW;

  /**
   * @param words copy short runs 4 bytes at a time through DataViews: for a
   *   call site whose arrays rarely change (a view is made on each change)
   */
  constructor(words = false) {
    this.#words = words;
  }

  /**
   * Copy `src[from, from+n)` to `dst[at, at+n)` (both ranges in bounds).
   *
   * @param dst the destination
   * @param at offset in `dst`
   * @param src the source
   * @param from offset in `src`
   * @param n bytes to copy
   */
  copy(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
    if (n >= MEMCPY_MIN && memcpy !== null) {
      this.#use(dst, src);
      if (
        this.#srcAddress !== 0 && this.#dstAddress !== 0 && from + n <= src.length &&
        at + n <= dst.length
      ) {
        memcpy(this.#dstAddress + at, this.#srcAddress + from, n);
        return;
      }
    }
    if (this.#words && n >= 16 && from + n <= src.length && at + n <= dst.length) {
      this.#use(dst, src);
      const d = this.#dstView;
      const s = this.#srcView;
      let k = 0;
      for (; k + 16 <= n; k += 16) {
        d.setUint32(at + k, s.getUint32(from + k, true), true);
        d.setUint32(at + k + 4, s.getUint32(from + k + 4, true), true);
        d.setUint32(at + k + 8, s.getUint32(from + k + 8, true), true);
        d.setUint32(at + k + 12, s.getUint32(from + k + 12, true), true);
      }
      for (; k < n; k++) dst[at + k] = src[from + k];
      return;
    }
    copyLoop(dst, at, src, from, n);
  }

  /** Remember the arrays: their addresses, and views when copying words. */
  #use(dst: Uint8Array, src: Uint8Array): void {
    if (src !== this.#src) {
      this.#src = src;
      this.#srcAddress = memcpy === null ? 0 : addressOf(src);
      this.#srcView = this.#words
        ? new DataView(src.buffer, src.byteOffset, src.byteLength)
        : NO_VIEW;
    }
    if (dst !== this.#dst) {
      this.#dst = dst;
      this.#dstAddress = memcpy === null ? 0 : addressOf(dst);
      this.#dstView = this.#words
        ? new DataView(dst.buffer, dst.byteOffset, dst.byteLength)
        : NO_VIEW;
    }
  }
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
