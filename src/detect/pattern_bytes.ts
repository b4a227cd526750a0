/**
 * Rule pattern bytes packed into shared chunks. A content pattern is a few
 * bytes, but a `Uint8Array` of its own also costs an `ArrayBuffer` and a
 * backing-store allocation (about 200 bytes in V8); ET Open has some 100,000
 * of them. A packed pattern is a view into a 64 KiB chunk shared with other
 * patterns: only the view object remains per pattern.
 *
 * Packed patterns are read-only by convention: writing to one would not
 * reach its neighbours (each view has its own range), but nothing should.
 *
 * @example
 * ```ts
 * import { packedBytes } from "./pattern_bytes.ts";
 * const p = packedBytes([0x47, 0x45, 0x54]); // "GET"
 * p.length; // 3
 * ```
 *
 * @module
 */

const CHUNK = 64 * 1024;
/** Patterns longer than this get their own array (they are rare). */
const LARGEST_PACKED = 4096;
const EMPTY = new Uint8Array(0);

/**
 * Copies of byte strings packed into shared chunks. A chunk lives as long as
 * any view into it, so what is packed together should die together: the
 * compiled patterns in one packer ({@link packedBytes}), the bytes of rules
 * being compiled in another.
 */
export class BytePacker {
  #chunk = new Uint8Array(CHUNK);
  #used = 0;

  /**
   * A read-only copy of `bytes`, packed with the others of this packer.
   *
   * @param bytes the bytes
   * @returns a view of exactly `bytes.length` bytes
   */
  pack(bytes: ArrayLike<number>): Uint8Array {
    const n = bytes.length;
    if (n === 0) return EMPTY;
    if (n > LARGEST_PACKED) return Uint8Array.from(bytes);
    if (this.#used + n > CHUNK) {
      this.#chunk = new Uint8Array(CHUNK);
      this.#used = 0;
    }
    const view = this.#chunk.subarray(this.#used, this.#used + n);
    view.set(bytes);
    this.#used += n;
    return view;
  }
}

const patterns = new BytePacker();

/**
 * A read-only copy of `bytes`, packed with other patterns.
 *
 * @param bytes the pattern
 * @returns a view of exactly `bytes.length` bytes
 */
export function packedBytes(bytes: ArrayLike<number>): Uint8Array {
  return patterns.pack(bytes);
}

/**
 * A packed copy of `bytes` with ASCII letters in lower case.
 *
 * @param bytes the pattern
 * @param lower a 256-entry case table
 * @returns the folded copy
 */
export function packedFolded(bytes: Uint8Array, lower: Uint8Array): Uint8Array {
  const view = packedBytes(bytes);
  for (let i = 0; i < view.length; i++) view[i] = lower[view[i]];
  return view;
}
