/**
 * A buffered writer of whole lines. Lines are encoded (UTF-8) into one
 * preallocated buffer and written with synchronous writes; the buffer is
 * written out only at line boundaries, so a file written through it holds only
 * whole lines whenever the process stops between two writes (crash, SIGINT
 * with {@link LineWriter.flush} in the handler, `Deno.exit`): never half a
 * record.
 *
 * A line longer than the buffer is written on its own, right after the
 * buffered lines before it, in one loop of writes.
 *
 * @module
 */

import { ByteCopier } from "../flow/byte_copy.ts";

/** Where the bytes go: an open file, `Deno.stdout`, or a test double. */
export interface LineSink {
  /** Write some of `p`, returning how many bytes were written. */
  writeSync(p: Uint8Array): number;
  /** Release the sink (optional). */
  close?(): void;
}

/** Options of {@link LineWriter}. */
export interface LineWriterOptions {
  /** Append to an existing file (default) or truncate it. */
  append?: boolean;
  /** Buffer size in bytes (default 64 KiB, at least 16). */
  bufferSize?: number;
}

/** The default buffer size: 64 KiB. */
export const DEFAULT_LINE_BUFFER_SIZE = 64 * 1024;

const encoder = new TextEncoder();
const NEWLINE = 0x0a;
/** Copies records into the buffer without a view of them each. */
const copier = new ByteCopier();

/**
 * Write all of `bytes` to `sink`, looping on short writes.
 *
 * @param sink where to write
 * @param bytes what to write
 */
function writeAll(sink: LineSink, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    const n = sink.writeSync(off === 0 ? bytes : bytes.subarray(off));
    if (n <= 0) throw new Error(`write returned ${n}`);
    off += n;
  }
}

/**
 * Buffered, synchronous writer of whole lines to a file or a {@link LineSink}.
 *
 * @example
 * ```ts
 * const w = new LineWriter("/tmp/eve.json", { append: false });
 * w.writeLine('{"event_type":"alert"}');
 * w.close();
 * ```
 */
export class LineWriter {
  /** The file path, or `undefined` when writing to a caller's sink. */
  readonly path: string | undefined;
  #sink: LineSink | undefined;
  readonly #ownsSink: boolean;
  readonly #buf: Uint8Array;
  #pos = 0;
  #lines = 0;
  #bytes = 0;

  /**
   * Open `target` for writing (creating the file if needed), or wrap a sink.
   *
   * @param target a file path, or a sink the caller owns
   * @param options append or truncate, buffer size
   */
  constructor(target: string | LineSink, options: LineWriterOptions = {}) {
    const size = Math.max(16, Math.floor(options.bufferSize ?? DEFAULT_LINE_BUFFER_SIZE));
    this.#buf = new Uint8Array(size);
    if (typeof target === "string") {
      const append = options.append ?? true;
      this.path = target;
      this.#sink = Deno.openSync(target, {
        write: true,
        create: true,
        append,
        truncate: !append,
      });
      this.#ownsSink = true;
    } else {
      this.path = undefined;
      this.#sink = target;
      this.#ownsSink = false;
    }
  }

  /** Whether {@link LineWriter.close} was called. */
  get closed(): boolean {
    return this.#sink === undefined;
  }

  /** Lines accepted so far. */
  get lines(): number {
    return this.#lines;
  }

  /** Bytes accepted so far (written or buffered), newlines included. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes buffered and not yet written. */
  get pending(): number {
    return this.#pos;
  }

  /**
   * Add one line; a newline is appended. The line must not contain a newline
   * itself (JSON text from `JSON.stringify` never does).
   *
   * @param line the line's text without its newline
   */
  writeLine(line: string): void {
    const sink = this.#sink;
    if (sink === undefined) throw new Error("LineWriter: write after close");
    // Fast path: the line and its newline fit behind what is buffered.
    if (this.#tryBuffer(line)) return;
    // Write out the whole lines buffered so far, then retry in the empty buffer.
    this.#writeBuffered(sink);
    if (this.#tryBuffer(line)) return;
    // Longer than the buffer: write it on its own.
    const bytes = encoder.encode(line + "\n");
    writeAll(sink, bytes);
    this.#lines++;
    this.#bytes += bytes.length;
  }

  /**
   * Add one line given as UTF-8 bytes, `bytes[0, length)`; a newline is
   * appended. The bytes must not contain a newline.
   *
   * @param bytes the line's bytes (copied; the caller may reuse them)
   * @param length how many of them
   */
  writeBytes(bytes: Uint8Array, length: number): void {
    const sink = this.#sink;
    if (sink === undefined) throw new Error("LineWriter: write after close");
    const buf = this.#buf;
    if (this.#pos + length + 1 > buf.length) this.#writeBuffered(sink);
    if (length + 1 <= buf.length) {
      copier.copy(buf, this.#pos, bytes, 0, length);
      buf[this.#pos + length] = NEWLINE;
      this.#pos += length + 1;
    } else {
      // Longer than the buffer: written on its own, newline included.
      const whole = new Uint8Array(length + 1);
      whole.set(bytes.subarray(0, length));
      whole[length] = NEWLINE;
      writeAll(sink, whole);
    }
    this.#lines++;
    this.#bytes += length + 1;
  }

  /** Encode `line` + newline behind the buffered bytes if it fits whole. */
  #tryBuffer(line: string): boolean {
    const buf = this.#buf;
    const pos = this.#pos;
    // A string of n UTF-16 units needs at most 3n bytes; skip the attempt
    // when even the shortest encoding (n bytes) cannot fit.
    if (pos + line.length + 1 > buf.length) return false;
    const r = encoder.encodeInto(line, buf.subarray(pos, buf.length - 1));
    if (r.read < line.length) return false; // did not fit; bytes past pos are ignored
    buf[pos + r.written] = NEWLINE;
    const n = r.written + 1;
    this.#pos = pos + n;
    this.#lines++;
    this.#bytes += n;
    return true;
  }

  #writeBuffered(sink: LineSink): void {
    if (this.#pos === 0) return;
    const n = this.#pos;
    // Reset first: if the write throws, the bytes are not written twice.
    this.#pos = 0;
    writeAll(sink, this.#buf.subarray(0, n));
  }

  /** Write out every buffered line. */
  flush(): void {
    const sink = this.#sink;
    if (sink === undefined) return;
    this.#writeBuffered(sink);
  }

  /** Flush, then close the file (a caller's sink is flushed, not closed). Idempotent. */
  close(): void {
    const sink = this.#sink;
    if (sink === undefined) return;
    try {
      this.#writeBuffered(sink);
    } finally {
      this.#sink = undefined;
      if (this.#ownsSink) sink.close?.();
    }
  }
}
