/**
 * Open a capture file by content, not by name: map it, sniff its magic and
 * hand back the matching {@link FrameSource} over the one mapped buffer.
 *
 * @module
 */

import { hexStart } from "./_bytes.ts";
import { CaptureFormatError } from "./capture_format_error.ts";
import type { FrameSource } from "./frame_batch.ts";
import { MappedFile } from "./mapped_file.ts";
import { PcapReader, startsLikePcap } from "./pcap_reader.ts";
import { PcapngReader, startsLikePcapng } from "./pcapng_reader.ts";

export { CaptureFormatError };

/** The capture formats Tarsier reads. */
export type CaptureFormat = "pcap" | "pcapng";

/** A mapped capture file and the frame source reading it. Call {@link CaptureFile.close} when done. */
export class CaptureFile {
  /** The mapping; {@link FrameBatch.data} of every batch is its `bytes`. */
  readonly file: MappedFile;
  /** The reader over the mapping. */
  readonly source: FrameSource;
  /** Which format the magic said. */
  readonly format: CaptureFormat;

  /**
   * Pair a mapping with its reader; {@link openCaptureFile} is the usual way in.
   *
   * @param file the mapping
   * @param source the reader over `file.bytes`
   * @param format its format
   */
  constructor(file: MappedFile, source: FrameSource, format: CaptureFormat) {
    this.file = file;
    this.source = source;
    this.format = format;
  }

  /**
   * A new reader over the same mapping, positioned at the first frame (for
   * scanning a file again without mapping it again).
   *
   * @returns the reader
   */
  reopen(): FrameSource {
    return openCaptureBytes(this.file.bytes, this.file.path);
  }

  /**
   * Unmap the file. Every batch filled from {@link CaptureFile.source} is dead
   * afterwards: release all leases first.
   */
  close(): void {
    this.file.close();
  }
}

/**
 * Pick the reader for a buffer by its first bytes.
 *
 * @param bytes the whole capture (a mapped file or any buffer)
 * @param name the name error messages start with (the path)
 * @returns a pcap or pcapng reader positioned at the first frame
 * @throws {CaptureFormatError} when the buffer is empty, not pcap or pcapng,
 *   cut inside its file header, or of an unsupported version
 */
export function openCaptureBytes(bytes: Uint8Array, name: string): PcapReader | PcapngReader {
  if (bytes.length === 0) throw new CaptureFormatError(name, "empty file");
  if (startsLikePcap(bytes)) return new PcapReader(bytes, name);
  if (startsLikePcapng(bytes)) return new PcapngReader(bytes, name);
  let detail = `not a pcap or pcapng file (starts with ${hexStart(bytes, 4)})`;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) detail += "; it looks gzip-compressed";
  throw new CaptureFormatError(name, detail);
}

/**
 * Map a capture file and open the reader its magic calls for.
 *
 * @example
 * ```ts
 * import { FrameBatch, openCaptureFile } from "./mod.ts";
 * const capture = openCaptureFile("traffic.pcap");
 * try {
 *   const batch = new FrameBatch();
 *   let frames = 0;
 *   for (let n = capture.source.next(batch); n > 0; n = capture.source.next(batch)) frames += n;
 *   console.log(capture.format, frames, capture.source.damage);
 * } finally {
 *   capture.close();
 * }
 * ```
 *
 * @param path the file
 * @returns the mapping, its reader and format
 * @throws {CaptureFormatError} when the file is not a readable capture (nothing stays mapped)
 * @throws {LibcError} when the file cannot be opened or mapped (missing, no permission, a directory)
 */
export function openCaptureFile(path: string): CaptureFile {
  const file = MappedFile.open(path);
  try {
    const source = openCaptureBytes(file.bytes, path);
    return new CaptureFile(file, source, source.format);
  } catch (error) {
    file.close();
    throw error;
  }
}
