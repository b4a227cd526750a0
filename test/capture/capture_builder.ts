/**
 * Test helpers: build pcap and pcapng files byte by byte (either byte order,
 * any header field deliberately wrong), write them to temporary files, and
 * read every frame back through `openCaptureFile` so that the mmap path is
 * exercised.
 *
 * @module
 */

import {
  type CaptureFile,
  FrameBatch,
  type FrameSource,
  openCaptureFile,
} from "../../src/capture/mod.ts";

/** A growable byte buffer with explicit byte order. */
export class ByteWriter {
  #buf = new Uint8Array(64);
  #view = new DataView(this.#buf.buffer);
  /** Bytes written so far. */
  length = 0;
  /** Byte order of multi-byte writes. */
  readonly le: boolean;

  /** @param le little-endian when true */
  constructor(le: boolean) {
    this.le = le;
  }

  #reserve(count: number): number {
    const at = this.length;
    if (at + count > this.#buf.length) {
      const grown = new Uint8Array(Math.max(this.#buf.length * 2, at + count));
      grown.set(this.#buf);
      this.#buf = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.length += count;
    return at;
  }

  /** @param v a byte */
  u8(v: number): this {
    const at = this.#reserve(1); // may replace #view: reserve first
    this.#view.setUint8(at, v);
    return this;
  }

  /** @param v an unsigned 16-bit value */
  u16(v: number): this {
    const at = this.#reserve(2); // may replace #view: reserve first
    this.#view.setUint16(at, v, this.le);
    return this;
  }

  /** @param v an unsigned 32-bit value */
  u32(v: number): this {
    const at = this.#reserve(4); // may replace #view: reserve first
    this.#view.setUint32(at, v >>> 0, this.le);
    return this;
  }

  /** @param v a signed 64-bit value */
  i64(v: bigint): this {
    const at = this.#reserve(8); // may replace #view: reserve first
    this.#view.setBigInt64(at, v, this.le);
    return this;
  }

  /** @param v an unsigned 64-bit value */
  u64(v: bigint): this {
    const at = this.#reserve(8); // may replace #view: reserve first
    this.#view.setBigUint64(at, v, this.le);
    return this;
  }

  /** @param b raw bytes */
  bytes(b: Uint8Array): this {
    const at = this.#reserve(b.length); // may replace #buf: reserve first
    this.#buf.set(b, at);
    return this;
  }

  /** Zero bytes up to the next multiple of 4. */
  pad4(): this {
    while (this.length % 4 !== 0) this.u8(0);
    return this;
  }

  /** @returns a copy of what was written */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.length);
  }
}

/** Concatenate byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Deterministic frame contents: `length` bytes derived from `seed`. */
export function frameBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

// ---------------------------------------------------------------- pcap

/** One pcap record to write. */
export interface PcapRecord {
  /** ts_sec. */
  sec: number;
  /** ts_usec or ts_nsec. */
  frac: number;
  /** The frame bytes (incl_len unless overridden). */
  data: Uint8Array;
  /** orig_len; defaults to the data length. */
  origLen?: number;
  /** incl_len as written, when it should lie about the data. */
  inclLen?: number;
}

/** pcap file header fields. */
export interface PcapHeader {
  /** Little-endian (default true). */
  le?: boolean;
  /** Nanosecond magic (default false). */
  nano?: boolean;
  /** Version (default 2.4). */
  major?: number;
  /** Version (default 2.4). */
  minor?: number;
  /** snaplen (default 65535). */
  snaplen?: number;
  /** The whole link-type field (default 1). */
  linkTypeField?: number;
}

/** The 24-byte pcap file header. */
export function pcapHeader(h: PcapHeader = {}): Uint8Array {
  const w = new ByteWriter(h.le ?? true);
  w.u32(h.nano ? 0xa1b23c4d : 0xa1b2c3d4).u16(h.major ?? 2).u16(h.minor ?? 4);
  w.u32(0).u32(0).u32(h.snaplen ?? 65535).u32(h.linkTypeField ?? 1);
  return w.finish();
}

/** One pcap record: 16-byte header and the data. */
export function pcapRecord(le: boolean, r: PcapRecord): Uint8Array {
  const w = new ByteWriter(le);
  w.u32(r.sec).u32(r.frac).u32(r.inclLen ?? r.data.length).u32(r.origLen ?? r.data.length);
  return w.bytes(r.data).finish();
}

/** A whole pcap file. */
export function pcapFile(h: PcapHeader, records: PcapRecord[]): Uint8Array {
  return concat(pcapHeader(h), ...records.map((r) => pcapRecord(h.le ?? true, r)));
}

// ---------------------------------------------------------------- pcapng

/** A pcapng option: code and value (padded when written). */
export interface PcapngOption {
  /** Option code. */
  code: number;
  /** Option value. */
  value: Uint8Array;
}

/** A block: type, total length, body padded to 4, total length. */
export function block(le: boolean, type: number, body: Uint8Array): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const w = new ByteWriter(le);
  w.u32(type).u32(total).bytes(body).pad4().u32(total);
  return w.finish();
}

/** Options as written in a block (with opt_endofopt when any). */
export function options(le: boolean, opts: PcapngOption[]): Uint8Array {
  if (opts.length === 0) return new Uint8Array(0);
  const w = new ByteWriter(le);
  for (const o of opts) w.u16(o.code).u16(o.value.length).bytes(o.value).pad4();
  return w.u16(0).u16(0).finish();
}

/** Section header block. */
export function shb(
  le: boolean,
  o: { major?: number; minor?: number; opts?: PcapngOption[] } = {},
): Uint8Array {
  const w = new ByteWriter(le);
  w.u32(0x1a2b3c4d).u16(o.major ?? 1).u16(o.minor ?? 0).i64(-1n);
  w.bytes(options(le, o.opts ?? []));
  return block(le, 0x0a0d0d0a, w.finish());
}

/** Interface description block; `tsresol`/`tsoffset` become options when given. */
export function idb(
  le: boolean,
  linkType: number,
  snaplen: number,
  o: { tsresol?: number; tsoffset?: bigint; opts?: PcapngOption[] } = {},
): Uint8Array {
  const opts: PcapngOption[] = [...(o.opts ?? [])];
  if (o.tsresol !== undefined) opts.push({ code: 9, value: new Uint8Array([o.tsresol]) });
  if (o.tsoffset !== undefined) {
    opts.push({ code: 14, value: new ByteWriter(le).i64(o.tsoffset).finish() });
  }
  const w = new ByteWriter(le);
  w.u16(linkType).u16(0).u32(snaplen).bytes(options(le, opts));
  return block(le, 1, w.finish());
}

/** Enhanced packet block with a 64-bit timestamp in the interface's units. */
export function epb(
  le: boolean,
  ifId: number,
  ts: bigint,
  data: Uint8Array,
  o: { origLen?: number; capLen?: number; opts?: PcapngOption[] } = {},
): Uint8Array {
  const w = new ByteWriter(le);
  w.u32(ifId).u32(Number(ts >> 32n)).u32(Number(ts & 0xffffffffn));
  w.u32(o.capLen ?? data.length).u32(o.origLen ?? data.length).bytes(data).pad4();
  w.bytes(options(le, o.opts ?? []));
  return block(le, 6, w.finish());
}

/** Obsolete packet block (if_id u16, drops u16). */
export function opb(
  le: boolean,
  ifId: number,
  ts: bigint,
  data: Uint8Array,
  o: { origLen?: number } = {},
): Uint8Array {
  const w = new ByteWriter(le);
  w.u16(ifId).u16(0).u32(Number(ts >> 32n)).u32(Number(ts & 0xffffffffn));
  w.u32(data.length).u32(o.origLen ?? data.length).bytes(data);
  return block(le, 2, w.finish());
}

/** Simple packet block. */
export function spb(le: boolean, origLen: number, data: Uint8Array): Uint8Array {
  return block(le, 3, new ByteWriter(le).u32(origLen).bytes(data).finish());
}

// ---------------------------------------------------------------- reading back

/** A frame as read back: descriptor fields and a copy of its bytes. */
export interface ReadFrame {
  /** Offset in the file. */
  offset: number;
  /** Captured length. */
  capLen: number;
  /** Wire length. */
  wireLen: number;
  /** Seconds. */
  sec: number;
  /** Nanoseconds. */
  nsec: number;
  /** Link type. */
  linkType: number;
  /** The captured bytes (copied, for comparison). */
  data: Uint8Array;
}

/**
 * Read every frame of a source with a batch of the given capacity.
 *
 * @returns the frames and the number of non-empty `next()` calls
 */
export function readAll(
  source: FrameSource,
  capacity = 5,
): { frames: ReadFrame[]; calls: number } {
  const batch = new FrameBatch(capacity);
  const frames: ReadFrame[] = [];
  let calls = 0;
  for (let n = source.next(batch); n > 0; n = source.next(batch)) {
    calls++;
    if (batch.count !== n) throw new Error(`batch.count ${batch.count} !== ${n}`);
    for (let i = 0; i < n; i++) {
      const offset = batch.offset[i];
      frames.push({
        offset,
        capLen: batch.capLen[i],
        wireLen: batch.wireLen[i],
        sec: batch.tsSec[i],
        nsec: batch.tsNsec[i],
        linkType: batch.linkType[i],
        data: batch.data.slice(offset, offset + batch.capLen[i]),
      });
    }
  }
  return { frames, calls };
}

/** Write bytes to a temporary file, run `fn` on its path, delete the file. */
export async function withTempFile<T>(
  bytes: Uint8Array,
  fn: (path: string) => T | Promise<T>,
  suffix = ".pcap",
): Promise<T> {
  const path = await Deno.makeTempFile({ prefix: "tarsier-capture-", suffix });
  try {
    await Deno.writeFile(path, bytes);
    return await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

/**
 * Write bytes to a temporary file, open it with `openCaptureFile` (mmap),
 * run `fn`, then close the capture and delete the file.
 */
export function withCapture<T>(
  bytes: Uint8Array,
  fn: (capture: CaptureFile) => T | Promise<T>,
  suffix = ".pcap",
): Promise<T> {
  return withTempFile(bytes, async (path) => {
    const capture = openCaptureFile(path);
    try {
      return await fn(capture);
    } finally {
      capture.close();
    }
  }, suffix);
}

/** Open bytes as a capture file and read every frame (mmap path). */
export function readCapture(
  bytes: Uint8Array,
  capacity = 5,
  suffix = ".pcap",
): Promise<{ frames: ReadFrame[]; calls: number; capture: CaptureFile }> {
  return withCapture(
    bytes,
    (capture) => ({ ...readAll(capture.source, capacity), capture }),
    suffix,
  );
}
