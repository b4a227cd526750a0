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
  MADV_SEQUENTIAL,
  madvise,
  MAP_PRIVATE,
  mmap,
  munmap,
  openReadOnly,
  PROT_READ,
} from "../../ffi/libc.ts";

/** A read-only memory mapping of a file. Call {@link MappedFile.close} when done. */
export class MappedFile {
  /** The path the file was opened by. */
  readonly path: string;
  /** The file's bytes; dead (segfaults if touched) after {@link MappedFile.close}. */
  readonly bytes: Uint8Array;
  /** The file size in bytes. */
  readonly size: number;
  #address: Deno.PointerObject | null;
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
