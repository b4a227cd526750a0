/**
 * Response body decompression as libhtp 0.5 does it for Suricata 7
 * (`htp_decompressors.c`): a chain of streaming gzip/deflate decoders, one
 * per Content-Encoding layer, fed the body in the chunks it arrives in.
 *
 * libhtp's behaviour on broken input is what evasions probe, so it is kept:
 * - output produced before a data error is passed on and the error is taken
 *   as the end of the stream (the rest of that input chunk is dropped);
 * - after an error without output, the decoder restarts: first the same
 *   format with the gzip header's optional fields skipped, then the other
 *   format (gzip <-> raw deflate), three restarts at most;
 * - when every restart failed, the input is passed on as is, and so is all
 *   that follows (passthrough);
 * - a layer that ended hands its buffered output on only at the end of the
 *   body.
 *
 * zlib's own inflate state machine is pako's port of it (`npm:pako`), used
 * through its low-level zlib API so that partial output and error codes are
 * zlib's. lzma is not decoded: an lzma layer passes its input through, as
 * Suricata does with its default `lzma-enabled: no`.
 *
 * @module
 */

import * as zlib from "pako/lib/zlib/inflate.js";
import ZStreamCtor from "pako/lib/zlib/zstream.js";

/** Content-Encoding values (libhtp's `htp_content_encoding_t`). */
export const Coding = { NONE: 0, GZIP: 1, DEFLATE: 2, LZMA: 3 } as const;

/** zlib's z_stream as pako models it. */
interface ZStream {
  input: Uint8Array | null;
  next_in: number;
  avail_in: number;
  output: Uint8Array | null;
  next_out: number;
  avail_out: number;
}

interface Inflate {
  inflateInit2(strm: ZStream, windowBits: number): number;
  inflate(strm: ZStream, flush: number): number;
  inflateEnd(strm: ZStream): number;
}

const Z: Inflate = zlib as unknown as Inflate;
const newStream = ZStreamCtor as unknown as new () => ZStream;

const Z_OK = 0;
const Z_STREAM_END = 1;
const Z_DATA_ERROR = -3;
const Z_NO_FLUSH = 0;

/** libhtp's output buffer size: output reaches the next layer in pieces of this size. */
const GZIP_BUF_SIZE = 8192;

/** Where decompressed bytes go (`data[from..to)`; valid only during the call). */
export type BodySink = (data: Uint8Array, from: number, to: number) => void;

/** Warnings libhtp logs (Suricata turns them into events). */
export type WarnSink = (message: string) => void;

/** How many bytes of a gzip header's optional fields to skip (libhtp's probe). */
function gzipProbe(data: Uint8Array, from: number, to: number): number {
  const n = to - from;
  if (n < 4) return 0;
  let consumed = 0;
  if (data[from] === 0x1f && data[from + 1] === 0x8b && data[from + 3] !== 0) {
    const flags = data[from + 3];
    if ((flags & (1 << 3)) !== 0 || (flags & (1 << 4)) !== 0) {
      // FNAME or FCOMMENT: a NUL-terminated string after the fixed 10 bytes
      let len = 10;
      while (len < n && data[from + len] !== 0) len++;
      consumed = len + 1;
    } else if ((flags & (1 << 1)) !== 0) {
      consumed = 12;
    } else {
      consumed = 10;
    }
  }
  return consumed > n ? 0 : consumed;
}

/** One layer of a decompressor chain (libhtp's `htp_decompressor_gzip_t`). */
export class Decompressor {
  /** The format the zlib stream is set up for, 0 after a final failure (`zlib_initialized`). */
  #format: number;
  readonly #strm: ZStream = new newStream();
  readonly #buffer = new Uint8Array(GZIP_BUF_SIZE);
  #restart = 0;
  /** Input goes to the sink undecoded. */
  passthrough = false;
  /** The next (inner) layer, or null. */
  next: Decompressor | null = null;

  /**
   * @param format {@link Coding.GZIP}, {@link Coding.DEFLATE} or {@link Coding.LZMA}
   * @param warn where "LZMA decompression disabled" goes
   */
  constructor(format: number, warn: WarnSink) {
    this.#format = format;
    if (format === Coding.LZMA) {
      warn("LZMA decompression disabled");
      this.passthrough = true;
    } else {
      Z.inflateInit2(this.#strm, format === Coding.DEFLATE ? -15 : 15 + 32);
    }
    this.#strm.output = this.#buffer;
    this.#strm.next_out = 0;
    this.#strm.avail_out = GZIP_BUF_SIZE;
  }

  /** Free the zlib state (libhtp's `htp_gzip_decompressor_end`). */
  end(): void {
    if (this.#format === Coding.GZIP || this.#format === Coding.DEFLATE) {
      Z.inflateEnd(this.#strm);
    }
    this.#format = 0;
  }

  /** Pass output on: to the next layer while this one works, else to the sink. */
  #emit(data: Uint8Array | null, from: number, to: number, sink: BodySink, warn: WarnSink): void {
    if (this.next !== null && this.#format !== 0) this.next.decompress(data, from, to, sink, warn);
    else if (data !== null && to > from) sink(data, from, to);
  }

  /**
   * Decompress a piece of body (libhtp's `htp_gzip_decompressor_decompress`).
   *
   * @param data the bytes, or null for the end of the body (what is buffered is passed on)
   * @param from first byte
   * @param to one past the last byte
   * @param sink where the decoded body goes
   * @param warn where libhtp's warnings go
   */
  decompress(
    data: Uint8Array | null,
    from: number,
    to: number,
    sink: BodySink,
    warn: WarnSink,
  ): void {
    if (this.passthrough) {
      if (data !== null && to > from) sink(data, from, to);
      return;
    }
    const strm = this.#strm;
    if (data === null) {
      const len = GZIP_BUF_SIZE - strm.avail_out;
      if (this.next !== null && this.#format !== 0) {
        this.next.decompress(len > 0 ? this.#buffer : null, 0, len, sink, warn);
      } else if (len > 0) {
        sink(this.#buffer, 0, len);
      }
      return;
    }
    let consumed = 0;
    for (;;) {
      // restart:
      strm.input = data;
      strm.next_in = from + consumed;
      strm.avail_in = to - from - consumed;
      let rc = Z_OK;
      let restarted = false;
      while (strm.avail_in !== 0) {
        if (strm.avail_out === 0) {
          this.#emit(this.#buffer, 0, GZIP_BUF_SIZE, sink, warn);
          strm.next_out = 0;
          strm.avail_out = GZIP_BUF_SIZE;
        }
        if (this.#format === Coding.GZIP || this.#format === Coding.DEFLATE) {
          rc = Z.inflate(strm, Z_NO_FLUSH);
        } else {
          return; // a previous error ended this layer
        }
        if (GZIP_BUF_SIZE > strm.avail_out && rc === Z_DATA_ERROR) {
          // output before the error: use it and take the error as the end
          warn(`GZip decompressor: inflate failed with ${rc}`);
          rc = Z_STREAM_END;
        }
        if (rc === Z_STREAM_END) {
          const len = GZIP_BUF_SIZE - strm.avail_out;
          this.#emit(this.#buffer, 0, len, sink, warn);
          strm.avail_out = GZIP_BUF_SIZE;
          strm.next_out = 0;
          return;
        }
        if (rc !== Z_OK) {
          warn(`GZip decompressor: inflate failed with ${rc}`);
          Z.inflateEnd(strm);
          const skip = this.#restartWith(data, from, to);
          if (skip >= 0) {
            consumed = skip;
            restarted = true;
            break;
          }
          this.#format = 0;
          // every attempt failed: the data may not be compressed at all
          if (to > from) sink(data, from, to);
          strm.avail_out = GZIP_BUF_SIZE;
          strm.next_out = 0;
          this.passthrough = true;
          return;
        }
      }
      if (!restarted) return;
      if (consumed > to - from) return;
    }
  }

  /** libhtp's `htp_gzip_decompressor_restart`: bytes to skip, or -1 when giving up. */
  #restartWith(data: Uint8Array, from: number, to: number): number {
    if (this.#restart >= 3) return -1;
    let consumed: number;
    if (this.#restart === 0) {
      consumed = gzipProbe(data, from, to);
      Z.inflateInit2(this.#strm, this.#format === Coding.GZIP ? 15 + 32 : -15);
    } else if (this.#format === Coding.DEFLATE) {
      Z.inflateInit2(this.#strm, 15 + 32);
      this.#format = Coding.GZIP;
      consumed = gzipProbe(data, from, to);
    } else if (this.#format === Coding.GZIP) {
      Z.inflateInit2(this.#strm, -15);
      this.#format = Coding.DEFLATE;
      consumed = gzipProbe(data, from, to);
    } else {
      return -1;
    }
    this.#restart++;
    return consumed;
  }
}
