/**
 * The pcapng reader (draft-ietf-opsawg-pcapng): a sequence of blocks
 * `type, total_len, body, total_len`. Each section (SHB) has its own byte
 * order and its own interfaces (IDB: link type, snaplen, `if_tsresol`,
 * `if_tsoffset`). Frames come from enhanced (EPB), simple (SPB) and obsolete
 * (OPB) packet blocks; every other block is skipped by its length.
 *
 * The reader walks a window on the file ({@link ByteWindow}: a
 * {@link FileWindow}, or a whole capture in memory) and writes descriptors
 * into a {@link FrameBatch}; it never copies a frame and never allocates per
 * frame or per batch (the window slides at most once a batch). Damage (a malformed or truncated block) stops the reader: the
 * frames before it are delivered, and {@link PcapngReader.damage} says where
 * and why.
 *
 * @module
 */

import { hexStart, i64, startsLikeMagic, u16, u32 } from "./_bytes.ts";
import { DEFAULT_TSRESOL, putTimestamp } from "./_timestamp.ts";
import { CaptureFormatError } from "./capture_format_error.ts";
import type { CaptureDamage, FrameBatch, FrameSource } from "./frame_batch.ts";
import { type ByteWindow, windowOf } from "./byte_window.ts";

/** Block type of the section header block (a palindrome: the same in both byte orders). */
export const PCAPNG_SHB = 0x0a0d0d0a;
/** Block type of the interface description block. */
export const PCAPNG_IDB = 1;
/** Block type of the obsolete packet block. */
export const PCAPNG_OPB = 2;
/** Block type of the simple packet block. */
export const PCAPNG_SPB = 3;
/** Block type of the enhanced packet block. */
export const PCAPNG_EPB = 6;
/** The section header's byte-order magic, as written by the section's writer. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Smallest block: type, total_len and the trailing total_len. */
const BLOCK_MIN = 12;
/** Smallest SHB: + byte-order magic, version, section length. */
const SHB_MIN = 28;
/** Smallest IDB: + link type, reserved, snaplen. */
const IDB_MIN = 20;
/** Smallest EPB/OPB: + interface, ts_high, ts_low, cap_len, orig_len. */
const PACKET_BLOCK_MIN = 32;
/** Smallest SPB: + orig_len. */
const SPB_MIN = 16;
/** Interface option: `if_tsresol`. */
const IF_TSRESOL = 9;
/** Interface option: `if_tsoffset`. */
const IF_TSOFFSET = 14;
/** Interfaces a section may define before the per-interface arrays grow. */
const INITIAL_INTERFACES = 16;

/**
 * Whether a buffer looks like the start of a pcapng file: it begins with the
 * SHB block type, or with its first bytes when shorter than 4 bytes.
 *
 * @param b the buffer
 * @returns true when it starts like pcapng
 */
export function startsLikePcapng(b: Uint8Array): boolean {
  return startsLikeMagic(b, [PCAPNG_SHB]);
}

/** Byte order of a section from its byte-order magic at `p`: 1 LE, 0 BE, -1 neither. */
function sectionOrder(b: Uint8Array, p: number): number {
  const magic = u32(b, p, false);
  if (magic === 0x4d3c2b1a) return 1;
  if (magic === PCAPNG_BYTE_ORDER_MAGIC) return 0;
  return -1;
}

/** Whether libpcap reads this section version: 1.0, or the never-standardised 1.2. */
function supportedVersion(major: number, minor: number): boolean {
  return major === 1 && (minor === 0 || minor === 2);
}

/**
 * A pcapng file as a {@link FrameSource}.
 *
 * @example
 * ```ts
 * import { FrameBatch } from "./frame_batch.ts";
 * import { PcapngReader } from "./pcapng_reader.ts";
 * const reader = new PcapngReader(await Deno.readFile("x.pcapng"), "x.pcapng");
 * const batch = new FrameBatch();
 * for (let n = reader.next(batch); n > 0; n = reader.next(batch)) {
 *   for (let i = 0; i < n; i++) console.log(batch.linkType[i], batch.tsSec[i], batch.tsNsec[i]);
 * }
 * if (reader.damage) console.log(reader.damage.offset, reader.damage.reason);
 * ```
 */
export class PcapngReader implements FrameSource {
  /** Always `"pcapng"`. */
  readonly format = "pcapng";
  /** Total bytes of the file. */
  readonly size: number;

  #window: ByteWindow;
  /** The window's bytes and the file offset of their first, while a batch is filled. */
  #bytes: Uint8Array = new Uint8Array(0);
  #start = 0;
  #position = 0;
  #damage: CaptureDamage | null = null;
  /** Byte order of the current section. */
  #le: boolean;
  #sectionCount = 0;
  /** Interfaces of the current section, by interface id. */
  #interfaceCount = 0;
  #ifLinkType = new Uint16Array(INITIAL_INTERFACES);
  #ifSnaplen = new Float64Array(INITIAL_INTERFACES);
  #ifTsresol = new Uint8Array(INITIAL_INTERFACES);
  #ifTsoffset = new Float64Array(INITIAL_INTERFACES);

  /**
   * Check the first section header; blocks are read by {@link PcapngReader.next}.
   *
   * @param input the whole file in memory, or a window over it ({@link FileWindow})
   * @param name the file's name for error messages
   * @throws {CaptureFormatError} when the buffer does not start with a pcapng
   *   section header of version 1.0 with a valid byte-order magic
   */
  constructor(input: Uint8Array | ByteWindow, name = "capture") {
    const window = windowOf(input);
    window.hold(0, Math.min(window.size, SHB_MIN));
    const bytes = window.bytes.subarray(0, window.end - window.start);
    if (window.size === 0) throw new CaptureFormatError(name, "empty file");
    if (!startsLikePcapng(bytes)) {
      throw new CaptureFormatError(name, `not a pcapng file (starts with ${hexStart(bytes, 4)})`);
    }
    if (window.size < SHB_MIN) {
      throw new CaptureFormatError(
        name,
        `file header truncated (${window.size} of ${SHB_MIN} bytes)`,
      );
    }
    const order = sectionOrder(bytes, 8);
    if (order < 0) {
      throw new CaptureFormatError(
        name,
        `pcapng section header has no byte-order magic (${hexStart(bytes.subarray(8), 4)})`,
      );
    }
    const le = order === 1;
    const major = u16(bytes, 12, le);
    const minor = u16(bytes, 14, le);
    if (!supportedVersion(major, minor)) {
      throw new CaptureFormatError(name, `unsupported pcapng version ${major}.${minor}`);
    }
    this.#window = window;
    this.size = window.size;
    this.#le = le;
  }

  /** Offset of the next block: bytes consumed so far. */
  get position(): number {
    return this.#position;
  }

  /** Where and why reading stopped early, or null. */
  get damage(): CaptureDamage | null {
    return this.#damage;
  }

  /** Section header blocks read so far. */
  get sectionCount(): number {
    return this.#sectionCount;
  }

  /** Interfaces defined so far in the current section. */
  get interfaceCount(): number {
    return this.#interfaceCount;
  }

  /**
   * Fill `batch` with the next packet blocks' descriptors. Allocation-free
   * (the per-interface arrays grow only when a section defines more than 16
   * interfaces).
   *
   * @param batch the batch to fill; `batch.data` becomes the file's buffer
   * @returns frames filled; 0 at the end of the file or once damage was found
   */
  next(batch: FrameBatch): number {
    const window = this.#window;
    const size = this.size;
    const capacity = batch.capacity;
    let p = this.#position;
    window.topUp(p);
    let b = this.#bytes = batch.data = window.bytes;
    let start = this.#start = window.start;
    let n = 0;
    while (n < capacity && this.#damage === null) {
      const remaining = size - p;
      if (remaining === 0) break;
      // the type, the length and (in a section header) the byte-order magic
      const head = remaining < 12 ? remaining : 12;
      if (p + head > window.end) {
        if (n > 0) break; // the next call slides the window
        if (!this.#hold(p, head)) break;
        b = this.#bytes = batch.data = window.bytes;
        start = this.#start = window.start;
      }
      let q = p - start;
      let le = this.#le;
      const type = remaining >= 4 ? u32(b, q, le) : -1;
      if (remaining < 8) {
        const need = type === PCAPNG_SHB ? SHB_MIN : BLOCK_MIN;
        this.#fail(p, `truncated block: ${remaining} of ${need} bytes`);
        break;
      }
      if (type === PCAPNG_SHB) {
        // A new section: its byte-order magic says how to read even its length.
        if (remaining < BLOCK_MIN) {
          this.#fail(p, `truncated block: ${remaining} of ${SHB_MIN} bytes`);
          break;
        }
        const order = sectionOrder(b, q + 8);
        if (order < 0) {
          this.#fail(p, `section header has no byte-order magic (${this.#hex(p + 8)})`);
          break;
        }
        le = order === 1;
      }
      const total = u32(b, q + 4, le);
      if (total < BLOCK_MIN) {
        this.#fail(p, `block length ${total} is less than ${BLOCK_MIN}`);
        break;
      }
      if (total % 4 !== 0) {
        this.#fail(p, `block length ${total} is not a multiple of 4`);
        break;
      }
      if (total > remaining) {
        this.#fail(p, `truncated block: ${remaining} of ${total} bytes`);
        break;
      }
      if (p + total > window.end) {
        if (n > 0) break;
        // a block that is skipped needs only its trailing length (it may be gigabytes long)
        const from = type === PCAPNG_EPB || type === PCAPNG_OPB || type === PCAPNG_SPB ||
            type === PCAPNG_IDB || type === PCAPNG_SHB
          ? p
          : p + total - 4;
        if (!this.#hold(from, p + total - from)) break;
        b = this.#bytes = batch.data = window.bytes;
        start = this.#start = window.start;
        q = p - start; // negative for a skipped block whose start was dropped: only its trailer is read
      }
      const trailer = u32(b, q + total - 4, le);
      if (trailer !== total) {
        this.#fail(p, `block trailing length ${trailer} differs from its length ${total}`);
        break;
      }
      if (type === PCAPNG_EPB || type === PCAPNG_OPB) {
        if (total < PACKET_BLOCK_MIN) {
          this.#fail(p, `packet block too short (${total} bytes)`);
          break;
        }
        const ifId = type === PCAPNG_EPB ? u32(b, q + 8, le) : u16(b, q + 8, le);
        if (ifId >= this.#interfaceCount) {
          this.#fail(p, this.#unknownInterface(ifId));
          break;
        }
        const capLen = u32(b, q + 20, le);
        if (capLen > total - PACKET_BLOCK_MIN) {
          this.#fail(
            p,
            `captured length ${capLen} exceeds the block (${
              total - PACKET_BLOCK_MIN
            } bytes of data)`,
          );
          break;
        }
        batch.offset[n] = q + 28;
        batch.capLen[n] = capLen;
        batch.wireLen[n] = u32(b, q + 24, le);
        batch.linkType[n] = this.#ifLinkType[ifId];
        putTimestamp(
          u32(b, q + 12, le),
          u32(b, q + 16, le),
          this.#ifTsresol[ifId],
          this.#ifTsoffset[ifId],
          batch.tsSec,
          batch.tsNsec,
          n,
        );
        n++;
      } else if (type === PCAPNG_SPB) {
        if (total < SPB_MIN) {
          this.#fail(p, `simple packet block too short (${total} bytes)`);
          break;
        }
        if (this.#interfaceCount === 0) {
          this.#fail(p, this.#unknownInterface(0));
          break;
        }
        const wireLen = u32(b, q + 8, le);
        const snaplen = this.#ifSnaplen[0];
        let capLen = total - SPB_MIN;
        if (wireLen < capLen) capLen = wireLen;
        if (snaplen !== 0 && snaplen < capLen) capLen = snaplen;
        batch.offset[n] = q + 12;
        batch.capLen[n] = capLen;
        batch.wireLen[n] = wireLen;
        batch.linkType[n] = this.#ifLinkType[0];
        batch.tsSec[n] = 0;
        batch.tsNsec[n] = 0;
        n++;
      } else if (type === PCAPNG_IDB) {
        if (!this.#addInterface(p, total, le)) break;
      } else if (type === PCAPNG_SHB) {
        if (total < SHB_MIN) {
          this.#fail(p, `section header block too short (${total} bytes)`);
          break;
        }
        const major = u16(b, q + 12, le);
        const minor = u16(b, q + 14, le);
        if (!supportedVersion(major, minor)) {
          this.#fail(p, `unsupported pcapng version ${major}.${minor}`);
          break;
        }
        this.#le = le;
        this.#interfaceCount = 0;
        this.#sectionCount++;
      }
      p += total;
    }
    this.#position = p;
    batch.count = n;
    return n;
  }

  /** Read an IDB at `p` into the next interface slot; false (and damage) when malformed. */
  #addInterface(p: number, total: number, le: boolean): boolean {
    const b = this.#bytes;
    const at = p - this.#start; // p in the window
    if (total < IDB_MIN) {
      this.#fail(p, `interface description block too short (${total} bytes)`);
      return false;
    }
    let tsresol = DEFAULT_TSRESOL;
    let tsoffset = 0;
    const end = at + total - 4;
    let q = at + 16;
    while (q + 4 <= end) {
      const code = u16(b, q, le);
      const length = u16(b, q + 2, le);
      if (code === 0) break;
      if (q + 4 + length > end) {
        this.#fail(p, `interface option ${code} runs past the end of its block`);
        return false;
      }
      if (code === IF_TSRESOL) {
        if (length !== 1) {
          this.#fail(p, `interface option if_tsresol has length ${length}, not 1`);
          return false;
        }
        tsresol = b[q + 4];
      } else if (code === IF_TSOFFSET) {
        if (length !== 8) {
          this.#fail(p, `interface option if_tsoffset has length ${length}, not 8`);
          return false;
        }
        tsoffset = i64(b, q + 4, le);
      }
      q += 4 + ((length + 3) & ~3);
    }
    const id = this.#interfaceCount;
    if (id === this.#ifLinkType.length) this.#growInterfaces();
    this.#ifLinkType[id] = u16(b, at + 8, le);
    this.#ifSnaplen[id] = u32(b, at + 12, le);
    this.#ifTsresol[id] = tsresol;
    this.#ifTsoffset[id] = tsoffset;
    this.#interfaceCount = id + 1;
    return true;
  }

  #growInterfaces(): void {
    const capacity = this.#ifLinkType.length * 2;
    const linkType = new Uint16Array(capacity);
    const snaplen = new Float64Array(capacity);
    const tsresol = new Uint8Array(capacity);
    const tsoffset = new Float64Array(capacity);
    linkType.set(this.#ifLinkType);
    snaplen.set(this.#ifSnaplen);
    tsresol.set(this.#ifTsresol);
    tsoffset.set(this.#ifTsoffset);
    this.#ifLinkType = linkType;
    this.#ifSnaplen = snaplen;
    this.#ifTsresol = tsresol;
    this.#ifTsoffset = tsoffset;
  }

  #unknownInterface(id: number): string {
    const count = this.#interfaceCount;
    return `packet block refers to interface ${id}, but the section defines ${count}`;
  }

  #hex(p: number): string {
    const at = p - this.#start;
    return hexStart(this.#bytes.subarray(at, at + 4), 4);
  }

  /** Hold `[p, p + length)` in the window; false (and damage) when the file cannot be read. */
  #hold(p: number, length: number): boolean {
    if (this.#window.hold(p, length)) return true;
    this.#fail(p, this.#window.failure ?? "the file could not be read");
    return false;
  }

  #fail(offset: number, reason: string): void {
    this.#damage = { offset, reason };
  }
}
