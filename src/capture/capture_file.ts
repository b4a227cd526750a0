/**
 * Open a capture file by content, not by name: open a window on it, sniff its
 * magic and hand back the matching {@link FrameSource} reading through the
 * window.
 *
 * @module
 */

import { hexStart } from "./_bytes.ts";
import { CaptureFormatError } from "./capture_format_error.ts";
import type { FrameSource } from "./frame_batch.ts";
import { type ByteWindow } from "./byte_window.ts";
import { FileWindow } from "./file_window.ts";
import { PcapReader, startsLikePcap } from "./pcap_reader.ts";
import { PcapngReader, startsLikePcapng } from "./pcapng_reader.ts";

export { CaptureFormatError };

/** The capture formats Tarsier reads. */
export type CaptureFormat = "pcap" | "pcapng";

/** A capture file and the frame source reading it. Call {@link CaptureFile.close} when done. */
export class CaptureFile {
  /** The window on the file; {@link FrameBatch.data} of every batch is its `bytes`. */
  readonly file: FileWindow;
  /** The reader through the window. */
  readonly source: FrameSource;
  /** Which format the magic said. */
  readonly format: CaptureFormat;

  /**
   * Pair a window with its reader; {@link openCaptureFile} is the usual way in.
   *
   * @param file the window
   * @param source the reader through it
   * @param format its format
   */
  constructor(file: FileWindow, source: FrameSource, format: CaptureFormat) {
    this.file = file;
    this.source = source;
    this.format = format;
  }

  /**
   * A new reader through the same window, from the first frame (for scanning
   * a file again without opening it again). The previous reader must not be
   * used any more: the window moves under it.
   *
   * @returns the reader
   */
  reopen(): FrameSource {
    this.file.slide(0);
    return openCaptureBytes(this.file, this.file.path);
  }

  /** Close the file. Batches filled before stay readable until their next `next()`. */
  close(): void {
    this.file.close();
  }
}

/**
 * Pick the reader for a capture by its first bytes.
 *
 * @param input the whole capture in memory, or a window on a file
 * @param name the name error messages start with (the path)
 * @returns a pcap or pcapng reader positioned at the first frame
 * @throws {CaptureFormatError} when the capture is empty, not pcap or pcapng,
 *   cut inside its file header, or of an unsupported version
 */
export function openCaptureBytes(
  input: Uint8Array | ByteWindow,
  name: string,
): PcapReader | PcapngReader {
  const size = input instanceof Uint8Array ? input.length : input.size;
  if (size === 0) throw new CaptureFormatError(name, "empty file");
  // a window is at the file's start here: just opened, or rewound by reopen()
  const bytes = input instanceof Uint8Array ? input : input.bytes.subarray(0, input.end);
  if (startsLikePcap(bytes)) return new PcapReader(input, name);
  if (startsLikePcapng(bytes)) return new PcapngReader(input, name);
  let detail = `not a pcap or pcapng file (starts with ${hexStart(bytes, 4)})`;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) detail += "; it looks gzip-compressed";
  throw new CaptureFormatError(name, detail);
}

/**
 * Open a capture file and the reader its magic calls for.
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
 * @returns the window on the file, its reader and format
 * @throws {CaptureFormatError} when the file is not a readable capture (nothing stays open)
 * @throws {LibcError} when the file cannot be opened or read (missing, no permission, a directory)
 */
export function openCaptureFile(path: string): CaptureFile {
  const file = FileWindow.open(path);
  try {
    const source = openCaptureBytes(file, path);
    return new CaptureFile(file, source, source.format);
  } catch (error) {
    file.close();
    throw error;
  }
}
