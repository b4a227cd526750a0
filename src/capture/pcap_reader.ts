/**
 * The classic pcap reader (`pcap-savefile(5)`): a 24-byte file header, then
 * records of a 16-byte header (ts_sec, ts_usec or ts_nsec, incl_len,
 * orig_len) and `incl_len` bytes of frame. Both byte orders, microsecond and
 * nanosecond magics.
 *
 * The reader walks a window on the file ({@link ByteWindow}: a
 * {@link FileWindow}, or a whole capture in memory) and writes descriptors
 * into a {@link FrameBatch}; it never copies a frame and never allocates per
 * frame or per batch (the window slides at most once a batch). Damage (an oversized or truncated record) stops the reader: the
 * frames before it are delivered, and {@link PcapReader.damage} says where and
 * why.
 *
 * @module
 */

import { hexStart, startsLikeMagic, u16, u32 } from "./_bytes.ts";
import { CaptureFormatError } from "./capture_format_error.ts";
import type { CaptureDamage, FrameBatch, FrameSource } from "./frame_batch.ts";
import { type ByteWindow, windowOf } from "./byte_window.ts";

/** Size of the pcap file header. */
export const PCAP_FILE_HEADER_LENGTH = 24;
/** Size of a pcap record header. */
export const PCAP_RECORD_HEADER_LENGTH = 16;
/**
 * Largest record libpcap accepts whatever the snaplen (its `MAXIMUM_SNAPLEN`);
 * a record may be larger only when the file's snaplen is.
 */
export const PCAP_MAXIMUM_SNAPLEN = 262144;

/** The four pcap magics as big-endian u32s. */
const PCAP_MAGICS = [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1] as const;

/**
 * Whether a buffer looks like the start of a pcap file: it begins with a pcap
 * magic, or with the first bytes of one when it is shorter than 4 bytes.
 *
 * @param b the buffer
 * @returns true when it starts like pcap
 */
export function startsLikePcap(b: Uint8Array): boolean {
  return startsLikeMagic(b, PCAP_MAGICS);
}

/** 0 = not pcap; 1 = us big-endian, 2 = us little, 3 = ns big, 4 = ns little. */
function pcapMagicKind(b: Uint8Array): number {
  if (b.length < 4) return 0;
  const m = u32(b, 0, false);
  if (m === 0xa1b2c3d4) return 1;
  if (m === 0xd4c3b2a1) return 2;
  if (m === 0xa1b23c4d) return 3;
  if (m === 0x4d3cb2a1) return 4;
  return 0;
}

/**
 * A pcap file as a {@link FrameSource}.
 *
 * @example
 * ```ts
 * import { FrameBatch } from "./frame_batch.ts";
 * import { PcapReader } from "./pcap_reader.ts";
 * const reader = new PcapReader(await Deno.readFile("x.pcap"), "x.pcap");
 * const batch = new FrameBatch();
 * for (let n = reader.next(batch); n > 0; n = reader.next(batch)) {
 *   for (let i = 0; i < n; i++) console.log(batch.offset[i], batch.capLen[i]);
 * }
 * if (reader.damage) console.log(reader.damage.reason);
 * ```
 */
export class PcapReader implements FrameSource {
  /** Always `"pcap"`. */
  readonly format = "pcap";
  /** Total bytes of the file. */
  readonly size: number;
  /** True when the file was written little-endian. */
  readonly littleEndian: boolean;
  /** True for the nanosecond magic `a1b23c4d`, false for microseconds. */
  readonly nanosecond: boolean;
  /** Header version, major (2). */
  readonly versionMajor: number;
  /** Header version, minor (4). */
  readonly versionMinor: number;
  /** Header snaplen, as written (0 in some writers). */
  readonly snaplen: number;
  /** Link type of every frame: the low 16 bits of the header's link-type field. */
  readonly linkType: number;

  #window: ByteWindow;
  #position = PCAP_FILE_HEADER_LENGTH;
  #damage: CaptureDamage | null = null;
  /** Largest acceptable incl_len: max(snaplen, 262144). */
  #maxRecord: number;
  /** Timestamp fraction units per second: 10^6 or 10^9. */
  #unitsPerSecond: number;
  /** Nanoseconds per fraction unit: 1000 or 1. */
  #nanosPerUnit: number;

  /**
   * Read the file header; records are read by {@link PcapReader.next}.
   *
   * @param input the whole file in memory, or a window over it ({@link FileWindow})
   * @param name the file's name for error messages
   * @throws {CaptureFormatError} when the input is not a pcap file of version 2.x (x <= 4)
   */
  constructor(input: Uint8Array | ByteWindow, name = "capture") {
    const window = windowOf(input);
    window.hold(0, Math.min(window.size, PCAP_FILE_HEADER_LENGTH));
    const bytes = window.bytes.subarray(0, window.end - window.start);
    if (window.size === 0) throw new CaptureFormatError(name, "empty file");
    if (!startsLikePcap(bytes)) {
      throw new CaptureFormatError(name, `not a pcap file (starts with ${hexStart(bytes, 4)})`);
    }
    if (window.size < PCAP_FILE_HEADER_LENGTH) {
      throw new CaptureFormatError(
        name,
        `file header truncated (${window.size} of ${PCAP_FILE_HEADER_LENGTH} bytes)`,
      );
    }
    const kind = pcapMagicKind(bytes);
    const le = kind === 2 || kind === 4;
    this.#window = window;
    this.size = window.size;
    this.littleEndian = le;
    this.nanosecond = kind >= 3;
    this.versionMajor = u16(bytes, 4, le);
    this.versionMinor = u16(bytes, 6, le);
    if (this.versionMajor !== 2 || this.versionMinor > 4) {
      throw new CaptureFormatError(
        name,
        `unsupported pcap version ${this.versionMajor}.${this.versionMinor}`,
      );
    }
    this.snaplen = u32(bytes, 16, le);
    this.linkType = u32(bytes, 20, le) & 0xffff;
    this.#maxRecord = Math.max(this.snaplen, PCAP_MAXIMUM_SNAPLEN);
    this.#unitsPerSecond = this.nanosecond ? 1e9 : 1e6;
    this.#nanosPerUnit = this.nanosecond ? 1 : 1000;
  }

  /** Offset of the next record: bytes consumed so far. */
  get position(): number {
    return this.#position;
  }

  /** Where and why reading stopped early, or null. */
  get damage(): CaptureDamage | null {
    return this.#damage;
  }

  /**
   * Fill `batch` with the next records' descriptors. Allocation-free.
   *
   * @param batch the batch to fill; `batch.data` becomes the file's buffer
   * @returns frames filled; 0 at the end of the file or once damage was found
   */
  next(batch: FrameBatch): number {
    const window = this.#window;
    const le = this.littleEndian;
    const size = this.size;
    const capacity = batch.capacity;
    const linkType = this.linkType;
    const maxRecord = this.#maxRecord;
    const unitsPerSecond = this.#unitsPerSecond;
    const nanosPerUnit = this.#nanosPerUnit;
    let p = this.#position;
    window.topUp(p);
    let b = window.bytes;
    let start = window.start;
    let end = window.end;
    batch.data = b;
    let n = 0;
    while (n < capacity && this.#damage === null) {
      const remaining = size - p;
      if (remaining === 0) break;
      if (remaining < PCAP_RECORD_HEADER_LENGTH) {
        this.#fail(p, `truncated record: ${remaining} of ${PCAP_RECORD_HEADER_LENGTH} bytes`);
        break;
      }
      if (p + PCAP_RECORD_HEADER_LENGTH > end) {
        if (n > 0) break; // the next call slides the window
        if (!this.#hold(p, PCAP_RECORD_HEADER_LENGTH)) break;
        b = batch.data = window.bytes;
        start = window.start;
        end = window.end;
      }
      let q = p - start;
      const inclLen = u32(b, q + 8, le);
      if (inclLen > maxRecord) {
        this.#fail(p, `record length ${inclLen} exceeds the maximum ${maxRecord}`);
        break;
      }
      const recordLen = PCAP_RECORD_HEADER_LENGTH + inclLen;
      if (recordLen > remaining) {
        this.#fail(p, `truncated record: ${remaining} of ${recordLen} bytes`);
        break;
      }
      if (p + recordLen > end) {
        if (n > 0) break;
        if (!this.#hold(p, recordLen)) break;
        b = batch.data = window.bytes;
        start = window.start;
        end = window.end;
        q = p - start;
      }
      let sec = u32(b, q, le);
      let frac = u32(b, q + 4, le);
      if (frac >= unitsPerSecond) {
        const whole = Math.floor(frac / unitsPerSecond);
        sec += whole;
        frac -= whole * unitsPerSecond;
      }
      batch.offset[n] = q + PCAP_RECORD_HEADER_LENGTH;
      batch.capLen[n] = inclLen;
      batch.wireLen[n] = u32(b, q + 12, le);
      batch.tsSec[n] = sec;
      batch.tsNsec[n] = frac * nanosPerUnit;
      batch.linkType[n] = linkType;
      n++;
      p += recordLen;
    }
    this.#position = p;
    batch.count = n;
    return n;
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
