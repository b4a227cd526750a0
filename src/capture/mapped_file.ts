/**
 * A whole file mapped read-only into memory and seen as ONE `Uint8Array`.
 *
 * The view is obtained once with `Deno.UnsafePointerView.getArrayBuffer`; the
 * file is never read into the JavaScript heap, so scanning a 300 MB capture
 * costs page cache, not heap. Files over 4 GiB work: offsets are plain
 * numbers (exact up to 2^53).
 *
 * @module
 */

import {
  closeFd,
  fstat,
  LibcError,
  MADV_DONTNEED,
  MADV_POPULATE_READ,
  MADV_SEQUENTIAL,
  madvise,
  MAP_PRIVATE,
  mmap,
  munmap,
  openReadOnly,
  PROT_READ,
} from "../../ffi/libc.ts";

/** Pages are released in multiples of this (the largest common page size). */
const PAGE_ALIGN = 64 * 1024;
/**
 * Pages are released and faulted in windows of this many bytes: at most
 * about two windows of the file are resident (they count in the process's
 * RSS), at the cost of two madvise calls per window.
 */
const WINDOW = 4 * 1024 * 1024;

/** A read-only memory mapping of a file. Call {@link MappedFile.close} when done. */
export class MappedFile {
  /** The path the file was opened by. */
  readonly path: string;
  /** The file's bytes; dead (segfaults if touched) after {@link MappedFile.close}. */
  readonly bytes: Uint8Array;
  /** The file size in bytes. */
  readonly size: number;
  #address: Deno.PointerObject | null;
  #released = 0;
  #populated = 0;
  #closed = false;

  private constructor(path: string, bytes: Uint8Array, address: Deno.PointerObject | null) {
    this.path = path;
    this.bytes = bytes;
    this.size = bytes.length;
    this.#address = address;
  }

  /**
   * Map a file read-only. An empty file gives an empty view (nothing mapped).
   *
   * @param path the file to map
   * @returns the mapping
   * @throws {LibcError} when the file cannot be opened or mapped, or is a directory
   */
  static open(path: string): MappedFile {
    const fd = openReadOnly(path);
    try {
      const stat = fstat(fd, path);
      if (stat.isDirectory) throw new LibcError("open", 21, `${path}: is a directory`);
      if (stat.size === 0) return new MappedFile(path, new Uint8Array(0), null);
      const address = mmap(fd, stat.size, {
        prot: PROT_READ,
        flags: MAP_PRIVATE,
        subject: path,
      });
      try {
        madvise(address, stat.size, MADV_SEQUENTIAL);
        const buffer = Deno.UnsafePointerView.getArrayBuffer(address, stat.size);
        return new MappedFile(path, new Uint8Array(buffer), address);
      } catch (error) {
        munmap(address, stat.size); // do not leak the mapping when no view could be made
        throw error;
      }
    } finally {
      closeFd(fd); // the mapping keeps the file alive
    }
  }

  /**
   * Tell the mapping how far a front-to-back scan has come: pages before
   * `offset` go back to the kernel, so resident memory stays small on large
   * files, and the next window after it is faulted in at once, which costs
   * less than one page fault per page. Safe for any view: the mapping is
   * private and read-only, so a released page touched again is read back
   * from the file. Acts in steps of {@link WINDOW} bytes.
   *
   * @param offset every byte before this offset has been processed
   */
  advance(offset: number): void {
    if (this.#address === null) return;
    const done = Math.floor(Math.min(offset, this.size) / PAGE_ALIGN) * PAGE_ALIGN;
    if (done - this.#released >= WINDOW) {
      this.#madvise(this.#released, done - this.#released, MADV_DONTNEED);
      this.#released = done;
    }
    if (this.#populated - done < WINDOW / 2 && this.#populated < this.size) {
      const from = Math.max(this.#populated, done);
      const length = Math.min(WINDOW, this.size - from);
      this.#madvise(from, length, MADV_POPULATE_READ);
      this.#populated = from + length;
    }
  }

  #madvise(from: number, length: number, advice: number): void {
    if (this.#address === null || length <= 0) return;
    const start = Deno.UnsafePointer.offset(this.#address, from);
    if (start !== null) madvise(start, length, advice);
  }

  /** Whether {@link MappedFile.close} has run. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Unmap the file. Every view over {@link MappedFile.bytes} is dead afterwards. */
  close(): void {
    if (this.#address !== null) {
      munmap(this.#address, this.size);
      this.#address = null;
    }
    this.#closed = true;
  }
}
