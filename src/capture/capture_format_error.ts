/**
 * The error thrown when a file is not a capture Tarsier can read: not pcap or
 * pcapng at all, empty, cut inside its file header, or of an unsupported
 * version. Damage further into a readable file is never thrown: sources report
 * it in `FrameSource.damage`.
 *
 * @module
 */

/**
 * A file that is not a readable capture. The message is one line:
 * `<subject>: <detail>`, e.g. `notes.txt: not a pcap or pcapng file (starts with 23 20 54 61)`.
 *
 * @example
 * ```ts
 * import { CaptureFormatError } from "./capture_format_error.ts";
 * const error = new CaptureFormatError("x.pcap", "empty file");
 * console.log(error.message); // "x.pcap: empty file"
 * ```
 */
export class CaptureFormatError extends Error {
  /** What was being read: the path as given, or a name for an in-memory buffer. */
  readonly subject: string;
  /** What is wrong, without the subject, e.g. `empty file`. */
  readonly detail: string;

  /**
   * Make the error; the message is `<subject>: <detail>`.
   *
   * @param subject the path (or buffer name) the message starts with
   * @param detail what is wrong, one line
   */
  constructor(subject: string, detail: string) {
    super(`${subject}: ${detail}`);
    this.name = "CaptureFormatError";
    this.subject = subject;
    this.detail = detail;
  }
}
