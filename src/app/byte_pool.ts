/**
 * Byte arrays shared by the flows of one worker: a parser takes one when a
 * message needs room and gives it back when the bytes have been copied out,
 * so memory follows the messages in progress instead of every flow keeping
 * its largest message's buffer. Arrays go around; none is dropped, so a
 * steady state makes no garbage.
 *
 * @example
 * ```ts
 * import { BytePool } from "./byte_pool.ts";
 * const pool = new BytePool();
 * const a = pool.take(3000); // a.length >= 3000 (4096)
 * pool.give(a);
 * pool.take(2000) === a; // false: 2000 asks for the 2048 class
 * ```
 *
 * @module
 */

/** The smallest array handed out (2^MIN_CLASS bytes). */
const MIN_CLASS = 10;
/** Size classes up to 2^MAX_CLASS bytes; larger arrays are not kept. */
const MAX_CLASS = 24;

/** Free arrays by power-of-two size class. */
export class BytePool {
  readonly #free: Uint8Array[][] = [];
  /** Bytes in the free arrays. */
  freeBytes = 0;

  constructor() {
    for (let c = 0; c <= MAX_CLASS; c++) this.#free.push([]);
  }

  /**
   * An array of at least `min` bytes (contents undefined).
   *
   * @param min bytes needed
   * @returns a pooled or new array; its length is a power of two (at least 1 KiB)
   */
  take(min: number): Uint8Array {
    let c = MIN_CLASS;
    while ((1 << c) < min && c < 31) c++;
    if (c <= MAX_CLASS) {
      const list = this.#free[c];
      if (list.length > 0) {
        const buf = list.pop()!;
        this.freeBytes -= buf.length;
        return buf;
      }
    }
    return new Uint8Array(2 ** c);
  }

  /**
   * Give an array back (an empty or odd-sized one is ignored).
   *
   * @param buf an array from {@link BytePool.take}
   */
  give(buf: Uint8Array): void {
    const n = buf.length;
    if (n < 1 << MIN_CLASS || n > 1 << MAX_CLASS || (n & (n - 1)) !== 0) return;
    const c = 31 - Math.clz32(n);
    this.#free[c].push(buf);
    this.freeBytes += n;
  }
}

/**
 * The pool of this worker (module state is per isolate, so each Deno Worker
 * has its own): HTTP message buffers and transaction byte arrays.
 */
export const workerBytes: BytePool = new BytePool();
