/**
 * The HTTP/1.0 and 1.1 parser (libhtp's job in Suricata): request and
 * response header blocks, Content-Length, chunked and until-close bodies,
 * gzip/deflate response bodies, pipelining, 100 Continue, HEAD/204/304.
 *
 * Input is one direction's in-order bytes in arbitrary chunks. An incomplete
 * header block is copied into a per-flow buffer (bounded, 64 KiB by
 * default); a complete one is parsed where it lies. A transaction's request
 * part is published (its buffers filled, {@link AppOutput.ready} called)
 * once its headers and body are complete or the body limit is reached; the
 * response part likewise; the transaction is logged when its response is
 * complete (or at {@link HttpParser.finish}). Responses are paired with
 * requests in order.
 *
 * @module
 */

import { constants, gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import { HttpRequestBuffer as Q, HttpResponseBuffer as R } from "./http_buffers.ts";
import { addResponseFileName } from "./http_files.ts";
import { httpEve } from "./http_eve.ts";
import { normalizeHost, normalizePath, parsePort, splitUri, UriParts } from "./http_uri.ts";
import { type AppOutput, type AppParser, Transaction, TxSide } from "./transaction.ts";

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/** Parser limits (Suricata's defaults). */
export interface HttpParserOptions {
  /** Request body bytes kept for `http.request_body` (default 100 KiB). */
  requestBodyLimit?: number;
  /** Response body bytes kept for `file.data`, after decompression (default 100 KiB). */
  responseBodyLimit?: number;
  /** Largest header block (default 64 KiB); beyond it the flow is given up. */
  maxHeaderBlock?: number;
  /** Transactions a flow may have in flight (default 32); beyond it the flow is given up. */
  maxLiveTxs?: number;
}

/** Where a direction's parser is. */
const St = {
  LINE: 0,
  BODY_CL: 1,
  CHUNK_LEN: 2,
  CHUNK_DATA: 3,
  CHUNK_DATA_END: 4,
  TRAILER: 5,
  CLOSE: 6,
  /** After a response: the next line is more body unless it is a status line (libhtp). */
  FINALIZE: 7,
} as const;

/** Content-Encoding of a response body. */
const Enc = { NONE: 0, GZIP: 1, DEFLATE: 2 } as const;

/** One HTTP request/response pair. Fields are valid once the part is parsed. */
export class HttpTx extends Transaction {
  /** Request protocol: 9 (HTTP/0.9), 10, 11, other HTTP/x.y as x*10+y, -2 invalid, -1 none yet. */
  requestProtocol = -1;
  /** Whether the method is HEAD (the response has no body). */
  isHead = false;
  /** Request Content-Length, -1 when absent or invalid. */
  requestContentLength = -1;
  /** Response Content-Length, -1 when absent or invalid. */
  responseContentLength = -1;
  /** Response status code, -1 when none or invalid. */
  status = -1;
  /** Whether the response had a status line (`status` field of EVE). */
  hasStatusLine = false;
  /** Leading digits of the status as EVE prints them. */
  statusValue = 0;
  /** The port of the Host header or absolute URI, -1 when none. */
  port = -1;
  /** Request body bytes on the wire (chunk framing included). */
  requestMessageLen = 0;
  /** Response body bytes on the wire (chunk framing included): EVE's `length`. */
  responseMessageLen = 0;
  /** Whether the request line was parsed. */
  hasRequest = false;
  /** Whether the response line was parsed (the response part started). */
  responseStarted = false;
  /** Whether a 100 Continue was seen. */
  seen100 = false;
  /** Whether the parser is done with the transaction (it may be collected once logged). */
  done = false;
  /** Whether {@link AppOutput.log} was called for it. */
  logRequested = false;
  /** The response's Content-Range value (rare; for EVE), or null. */
  contentRange: string | null = null;
  /** Content-Encoding of the response body ({@link Enc}). */
  encoding = 0;
  /** The request's X-Forwarded-For value (for EVE's `xff`), or null. */
  xff: Uint8Array | null = null;

  /** @inheritdoc */
  override reset(): void {
    super.reset();
    this.requestProtocol = -1;
    this.isHead = false;
    this.requestContentLength = -1;
    this.responseContentLength = -1;
    this.status = -1;
    this.hasStatusLine = false;
    this.statusValue = 0;
    this.port = -1;
    this.requestMessageLen = 0;
    this.responseMessageLen = 0;
    this.hasRequest = false;
    this.responseStarted = false;
    this.seen100 = false;
    this.done = false;
    this.logRequested = false;
    this.contentRange = null;
    this.encoding = 0;
    this.xff = null;
  }
}

/** One direction's parsing state. */
export class HttpDirection {
  /** {@link St} state. */
  st = 0;
  /** The incomplete header block (grows up to the limit, reused). */
  hdr: Uint8Array = new Uint8Array(0);
  /** Bytes in {@link HttpDirection.hdr}. */
  hdrLen = 0;
  /** Non-CR bytes of the current line. */
  lineLen = 0;
  /** Complete lines of the current block. */
  lineCount = 0;
  /** Body bytes left (Content-Length or chunk). */
  remaining = 0;
  /** Chunk-size line: value so far. */
  chunkVal = 0;
  /** Chunk-size line: hex digits seen. */
  chunkDigits = 0;
  /** Chunk-size line: 0 before digits, 1 in digits, 2 after. */
  chunkPhase = 0;
  /** Chunk-size line: invalid. */
  chunkBad = false;
  /** Chunk-size line: has an extension. */
  chunkExt = false;
  /** Body bytes kept (reused, up to the limit). */
  body: Uint8Array = new Uint8Array(0);
  /** Bytes in {@link HttpDirection.body}. */
  bodyLen = 0;
  /** The transaction this direction is parsing, or null between messages. */
  tx: HttpTx | null = null;
  /** Whether the part was published early (body limit reached). */
  published = false;
  /** Whether this direction is no longer parsed (gap in headers, tunnel, bad chunking). */
  dead = false;

  /** Fresh for a new flow (capacities stay). */
  reset(): void {
    this.st = St.LINE;
    this.hdrLen = 0;
    this.lineLen = 0;
    this.lineCount = 0;
    this.remaining = 0;
    this.chunkPhase = 0;
    this.bodyLen = 0;
    this.tx = null;
    this.published = false;
    this.dead = false;
  }
}

/** Per-flow HTTP state. */
export class HttpState {
  /** Client to server. */
  readonly req: HttpDirection = new HttpDirection();
  /** Server to client. */
  readonly res: HttpDirection = new HttpDirection();
  /** Live transactions in order. */
  readonly txs: HttpTx[] = [];
  /** Id of the next transaction. */
  nextTxId = 0;
  /** The flow was given up (limit exceeded): input is ignored. */
  gaveUp = false;
}

/** Header names the parser looks at. */
const H = {
  OTHER: 0,
  HOST: 1,
  USER_AGENT: 2,
  COOKIE: 3,
  SET_COOKIE: 4,
  REFERER: 5,
  ACCEPT: 6,
  ACCEPT_LANG: 7,
  ACCEPT_ENC: 8,
  CONNECTION: 9,
  CONTENT_TYPE: 10,
  CONTENT_LENGTH: 11,
  TRANSFER_ENCODING: 12,
  CONTENT_ENCODING: 13,
  SERVER: 14,
  LOCATION: 15,
  CONTENT_RANGE: 16,
  XFF: 17,
} as const;

const KNOWN: [Uint8Array, number][] = [
  ["host", H.HOST],
  ["user-agent", H.USER_AGENT],
  ["cookie", H.COOKIE],
  ["set-cookie", H.SET_COOKIE],
  ["referer", H.REFERER],
  ["accept", H.ACCEPT],
  ["accept-language", H.ACCEPT_LANG],
  ["accept-encoding", H.ACCEPT_ENC],
  ["connection", H.CONNECTION],
  ["content-type", H.CONTENT_TYPE],
  ["content-length", H.CONTENT_LENGTH],
  ["transfer-encoding", H.TRANSFER_ENCODING],
  ["content-encoding", H.CONTENT_ENCODING],
  ["server", H.SERVER],
  ["location", H.LOCATION],
  ["content-range", H.CONTENT_RANGE],
  ["x-forwarded-for", H.XFF],
].map(([n, c]) => [new TextEncoder().encode(n as string), c as number]);

function lower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
}

function headerCode(src: Uint8Array, from: number, to: number): number {
  const n = to - from;
  for (let k = 0; k < KNOWN.length; k++) {
    const name = KNOWN[k][0];
    if (name.length !== n) continue;
    let i = 0;
    while (i < n && lower(src[from + i]) === name[i]) i++;
    if (i === n) return KNOWN[k][1];
  }
  return H.OTHER;
}

function isSpace(b: number): boolean {
  return b === SP || b === HT || b === 0x0b || b === 0x0c || b === CR;
}

/** Token characters of RFC 7230 header names. */
function isToken(b: number): boolean {
  if (b <= 0x20 || b >= 0x7f) return false;
  // separators ( ) < > @ , ; : \ " / [ ] ? = { }
  return !(b === 0x28 || b === 0x29 || b === 0x3c || b === 0x3e || b === 0x40 || b === 0x2c ||
    b === 0x3b || b === 0x3a || b === 0x5c || b === 0x22 || b === 0x2f || b === 0x5b ||
    b === 0x5d || b === 0x3f || b === 0x3d || b === 0x7b || b === 0x7d);
}

/** Whether `src[from..to)` contains `word` case-insensitively (word is lowercase ASCII). */
function containsWord(src: Uint8Array, from: number, to: number, word: string): boolean {
  const n = word.length;
  for (let i = from; i + n <= to; i++) {
    let k = 0;
    while (k < n && lower(src[i + k]) === word.charCodeAt(k)) k++;
    if (k === n) return true;
  }
  return false;
}

/** Parse a decimal length with surrounding whitespace; -1 when invalid. */
function parseLength(src: Uint8Array, from: number, to: number): number {
  while (from < to && isSpace(src[from])) from++;
  while (to > from && isSpace(src[to - 1])) to--;
  if (from >= to || to - from > 15) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const b = src[i];
    if (b < 0x30 || b > 0x39) return -1;
    v = v * 10 + (b - 0x30);
  }
  return v;
}

function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Parse "HTTP/x.y" to x*10+y; -2 when not a valid protocol. */
function protocolNumber(src: Uint8Array, from: number, to: number): number {
  if (to - from !== 8) return -2;
  if (
    lower(src[from]) !== 0x68 || lower(src[from + 1]) !== 0x74 || lower(src[from + 2]) !== 0x74 ||
    lower(src[from + 3]) !== 0x70 || src[from + 4] !== 0x2f || src[from + 6] !== 0x2e
  ) return -2;
  const a = src[from + 5] - 0x30;
  const b = src[from + 7] - 0x30;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -2;
  return a * 10 + b;
}

/**
 * Whether a line after a response starts the next response (libhtp's
 * `htp_treat_response_line_as_body` negated: `\s*http`). An incomplete line
 * too short to tell counts as the next response.
 */
function statusLineFollows(data: Uint8Array, from: number, to: number, complete: boolean): boolean {
  let i = from;
  while (i < to && (isSpace(data[i]) || data[i] === LF || data[i] === 0)) i++;
  if (to - i < 4) return !complete;
  return lower(data[i]) === 0x68 && lower(data[i + 1]) === 0x74 && lower(data[i + 2]) === 0x74 &&
    lower(data[i + 3]) === 0x70;
}

/** Decompress a body; null when it is not valid compressed data. */
function decompress(data: Uint8Array, encoding: number, limit: number): Uint8Array | null {
  const opts = { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: limit };
  const run = (input: Uint8Array): Uint8Array => {
    if (encoding === Enc.GZIP) return gunzipSync(input, opts);
    try {
      return inflateSync(input, opts);
    } catch (e) {
      if (e instanceof RangeError) throw e;
      return inflateRawSync(input, opts);
    }
  };
  try {
    return run(data);
  } catch (e) {
    if (!(e instanceof RangeError)) return null;
  }
  // more than the limit: the longest input prefix whose output fits
  let lo = 0;
  let hi = data.length;
  let best: Uint8Array = new Uint8Array(0);
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    try {
      best = run(data.subarray(0, mid));
      lo = mid;
    } catch (e) {
      if (!(e instanceof RangeError)) return best;
      hi = mid;
    }
  }
  return best;
}

/** The HTTP/1.x parser. One instance serves every flow (state is per flow). */
export class HttpParser implements AppParser<HttpState> {
  /** @inheritdoc */
  readonly name = "http";
  /** Request body limit in bytes. */
  readonly requestBodyLimit: number;
  /** Response body limit in bytes. */
  readonly responseBodyLimit: number;
  /** Header block limit in bytes. */
  readonly maxHeaderBlock: number;
  /** In-flight transactions per flow. */
  readonly maxLiveTxs: number;
  /** Free transactions. */
  readonly #pool: HttpTx[] = [];
  // header table scratch (one parse at a time)
  #hCount = 0;
  #hNameStart = new Int32Array(64);
  #hNameEnd = new Int32Array(64);
  #hValStart = new Int32Array(64);
  #hValEnd = new Int32Array(64);
  #hCode = new Int32Array(64);
  #hRepeated = new Uint8Array(64);
  #vals: Uint8Array = new Uint8Array(4096);
  #valsLen = 0;
  #scratch: Uint8Array = new Uint8Array(4096);
  readonly #uri = new UriParts();

  /** @param options limits (Suricata's defaults when absent) */
  constructor(options: HttpParserOptions = {}) {
    this.requestBodyLimit = options.requestBodyLimit ?? 100 * 1024;
    this.responseBodyLimit = options.responseBodyLimit ?? 100 * 1024;
    this.maxHeaderBlock = options.maxHeaderBlock ?? 64 * 1024;
    this.maxLiveTxs = options.maxLiveTxs ?? 32;
  }

  /** @inheritdoc */
  newState(): HttpState {
    return new HttpState();
  }

  /** @inheritdoc */
  resetState(state: HttpState): void {
    for (const tx of state.txs) this.#release(tx);
    state.txs.length = 0;
    state.req.reset();
    state.res.reset();
    state.nextTxId = 0;
    state.gaveUp = false;
  }

  /** @inheritdoc */
  parse(
    state: HttpState,
    toServer: boolean,
    data: Uint8Array,
    start: number,
    end: number,
    out: AppOutput,
  ): void {
    const dir = toServer ? state.req : state.res;
    let pos = start;
    while (pos < end && !dir.dead && !state.gaveUp) {
      switch (dir.st) {
        case St.LINE:
          pos = this.#scanHeaders(state, dir, toServer, data, pos, end, out);
          break;
        case St.BODY_CL:
        case St.CHUNK_DATA: {
          const n = Math.min(dir.remaining, end - pos);
          this.#bodyData(dir, toServer, data, pos, pos + n, out);
          this.#msgLen(dir, toServer, n);
          pos += n;
          dir.remaining -= n;
          if (dir.remaining === 0) {
            if (dir.st === St.BODY_CL) this.#bodyDone(state, dir, toServer, out);
            else dir.st = St.CHUNK_DATA_END;
          }
          break;
        }
        case St.CHUNK_DATA_END: {
          const b = data[pos++];
          this.#msgLen(dir, toServer, 1);
          if (b === LF) this.#chunkLineStart(dir);
          break;
        }
        case St.CHUNK_LEN:
          pos = this.#chunkLen(state, dir, toServer, data, pos, end, out);
          break;
        case St.TRAILER: {
          // libhtp parses trailers as headers: not counted in the message length
          const b = data[pos++];
          if (b === LF) {
            if (dir.lineLen === 0) this.#bodyDone(state, dir, toServer, out);
            dir.lineLen = 0;
          } else if (b !== CR) {
            dir.lineLen++;
          }
          break;
        }
        case St.CLOSE:
          this.#bodyData(dir, toServer, data, pos, end, out);
          this.#msgLen(dir, toServer, end - pos);
          pos = end;
          break;
        case St.FINALIZE: {
          let i = pos;
          while (i < end && data[i] !== LF) i++;
          const lineEnd = i < end ? i + 1 : end;
          if (statusLineFollows(data, pos, lineEnd, i < end)) {
            this.#finalizeResponse(state, dir, out);
          } else {
            this.#msgLen(dir, toServer, lineEnd - pos);
            pos = lineEnd;
          }
          break;
        }
      }
    }
    if (dir.st === St.FINALIZE) this.#finalizeResponse(state, dir, out);
  }

  /** @inheritdoc */
  gap(state: HttpState, toServer: boolean, length: number, _out: AppOutput): void {
    const dir = toServer ? state.req : state.res;
    if (dir.dead || state.gaveUp) return;
    switch (dir.st) {
      case St.BODY_CL:
      case St.CHUNK_DATA:
        if (length < dir.remaining) {
          dir.remaining -= length;
          this.#msgLen(dir, toServer, length);
          return;
        }
        break;
      case St.CLOSE:
        this.#msgLen(dir, toServer, length);
        return;
      case St.FINALIZE:
        this.#finalizeResponse(state, dir, _out);
        return;
      case St.LINE:
        if (dir.hdrLen === 0 && dir.lineLen === 0 && dir.lineCount === 0) return;
        break;
    }
    dir.dead = true;
  }

  /** @inheritdoc */
  finish(state: HttpState, out: AppOutput): void {
    if (!state.gaveUp) {
      const req = state.req;
      if (!req.dead && req.st === St.LINE && req.hdrLen > 0) {
        if (req.lineCount === 0) out.event(null, "request_line_incomplete");
        const n = req.hdrLen;
        req.hdrLen = 0;
        req.lineLen = 0;
        req.lineCount = 0;
        this.#requestHeaders(state, req.hdr, 0, n, out);
      }
      if (req.tx !== null && req.st !== St.LINE) this.#bodyDone(state, req, true, out);
      const res = state.res;
      if (!res.dead && res.st === St.LINE && res.hdrLen > 0) {
        // an incomplete status line or header block: what libhtp makes of it at close
        const n = res.hdrLen;
        res.hdrLen = 0;
        res.lineLen = 0;
        res.lineCount = 0;
        this.#responseHeaders(state, res.hdr, 0, n, out);
      }
      if (res.tx !== null && res.st !== St.LINE && res.st !== St.FINALIZE) {
        this.#bodyDone(state, res, false, out);
      }
      if (res.st === St.FINALIZE) this.#finalizeResponse(state, res, out);
    }
    for (const tx of state.txs) {
      tx.done = true;
      if (!tx.logRequested) {
        tx.logRequested = true;
        out.log(tx, tx.progress === 0 ? TxSide.REQUEST : tx.progress);
      }
    }
  }

  /** @inheritdoc */
  collect(state: HttpState): void {
    const txs = state.txs;
    let n = 0;
    while (n < txs.length) {
      const tx = txs[n];
      if (!tx.done || tx.logged === 0 || (tx.published & tx.progress) !== tx.progress) break;
      n++;
    }
    if (n === 0) return;
    for (let k = 0; k < n; k++) this.#release(txs[k]);
    txs.splice(0, n);
  }

  /** @inheritdoc */
  eve(tx: Transaction, _side: number, _forAlert: boolean): Record<string, unknown> | null {
    return httpEve(tx as HttpTx);
  }

  // ------------------------------------------------------------ internals

  #release(tx: HttpTx): void {
    tx.reset();
    if (this.#pool.length < 1024) this.#pool.push(tx);
  }

  #msgLen(dir: HttpDirection, toServer: boolean, n: number): void {
    const tx = dir.tx;
    if (tx === null) return;
    if (toServer) tx.requestMessageLen += n;
    else tx.responseMessageLen += n;
  }

  #newTx(state: HttpState, out: AppOutput): HttpTx | null {
    if (state.txs.length >= this.maxLiveTxs) {
      out.event(null, "too_many_transactions");
      state.gaveUp = true;
      return null;
    }
    const tx = this.#pool.pop() ?? new HttpTx();
    tx.id = state.nextTxId++;
    state.txs.push(tx);
    return tx;
  }

  /** Copy bytes into the direction's header buffer; false (and the flow given up) past the limit. */
  #keep(
    state: HttpState,
    dir: HttpDirection,
    toServer: boolean,
    data: Uint8Array,
    from: number,
    to: number,
    out: AppOutput,
  ): boolean {
    const n = to - from;
    if (n <= 0) return true;
    const need = dir.hdrLen + n;
    if (need > this.maxHeaderBlock) {
      out.event(dir.tx, toServer ? "request_field_too_long" : "response_field_too_long");
      state.gaveUp = true;
      return false;
    }
    if (need > dir.hdr.length) {
      let size = Math.max(1024, dir.hdr.length * 2);
      while (size < need) size *= 2;
      const grown = new Uint8Array(Math.min(size, this.maxHeaderBlock));
      grown.set(dir.hdr.subarray(0, dir.hdrLen));
      dir.hdr = grown;
    }
    dir.hdr.set(data.subarray(from, to), dir.hdrLen);
    dir.hdrLen = need;
    return true;
  }

  /** Scan for the end of a header block; parse it when complete. */
  #scanHeaders(
    state: HttpState,
    dir: HttpDirection,
    toServer: boolean,
    data: Uint8Array,
    pos: number,
    end: number,
    out: AppOutput,
  ): number {
    let blockStart = pos;
    let lineLen = dir.lineLen;
    for (let i = pos; i < end; i++) {
      const b = data[i];
      if (b !== LF) {
        if (b !== CR) lineLen++;
        continue;
      }
      if (lineLen === 0) {
        if (dir.lineCount === 0) {
          blockStart = i + 1; // blank lines before the first line are ignored
          dir.hdrLen = 0;
          continue;
        }
        dir.lineLen = 0;
        return this.#blockDone(state, dir, toServer, data, blockStart, i + 1, out);
      }
      lineLen = 0;
      dir.lineCount++;
      if (dir.lineCount === 1 && toServer) {
        // HTTP/0.9: a request line without protocol has no headers
        let src = data;
        let from = blockStart;
        let to = i + 1;
        if (dir.hdrLen > 0) {
          if (!this.#keep(state, dir, toServer, data, blockStart, i + 1, out)) return end;
          blockStart = i + 1;
          src = dir.hdr;
          from = 0;
          to = dir.hdrLen;
        }
        if (!this.#hasProtocol(src, from, to) && !this.#headerFollows(data, i + 1, end)) {
          dir.lineLen = 0;
          return this.#blockDone(state, dir, toServer, data, blockStart, i + 1, out);
        }
      }
    }
    dir.lineLen = lineLen;
    if (end - blockStart + dir.hdrLen > this.maxHeaderBlock) {
      out.event(dir.tx, toServer ? "request_field_too_long" : "response_field_too_long");
      state.gaveUp = true;
      return end;
    }
    this.#keep(state, dir, toServer, data, blockStart, end, out);
    return end;
  }

  /**
   * Whether the line after a request line without protocol is a header
   * (libhtp then parses headers: the protocol was just missing, not 0.9).
   * Only what is in the current chunk is looked at.
   */
  #headerFollows(data: Uint8Array, from: number, end: number): boolean {
    for (let i = from; i < end; i++) {
      const b = data[i];
      if (b === LF) return false;
      if (b === COLON) return i > from;
    }
    return false;
  }

  #hasProtocol(src: Uint8Array, from: number, to: number): boolean {
    let i = from;
    while (i < to && isSpace(src[i])) i++;
    while (i < to && !isSpace(src[i]) && src[i] !== LF) i++; // method
    while (i < to && isSpace(src[i])) i++;
    while (i < to && !isSpace(src[i]) && src[i] !== LF) i++; // uri
    while (i < to && isSpace(src[i])) i++;
    return i < to && src[i] !== LF;
  }

  #blockDone(
    state: HttpState,
    dir: HttpDirection,
    toServer: boolean,
    data: Uint8Array,
    from: number,
    to: number,
    out: AppOutput,
  ): number {
    let src = data;
    let b = from;
    let e = to;
    if (dir.hdrLen > 0) {
      if (!this.#keep(state, dir, toServer, data, from, to, out)) return to;
      src = dir.hdr;
      b = 0;
      e = dir.hdrLen;
    } else if (e - b > this.maxHeaderBlock) {
      out.event(dir.tx, toServer ? "request_field_too_long" : "response_field_too_long");
      state.gaveUp = true;
      return to;
    }
    dir.hdrLen = 0;
    dir.lineLen = 0;
    dir.lineCount = 0;
    if (toServer) this.#requestHeaders(state, src, b, e, out);
    else this.#responseHeaders(state, src, b, e, out);
    // a body follows: the line and headers are inspected now (Suricata inspects
    // each buffer at its own progress), the body again when it is complete
    const st = dir.st;
    if (dir.tx !== null && !dir.published && st >= St.BODY_CL && st <= St.CLOSE) {
      out.ready(dir.tx, toServer ? TxSide.REQUEST : TxSide.RESPONSE);
    }
    return to;
  }

  // ------------------------------------------------------------ headers

  /** End of the line starting at `from` (the LF, or `to`). */
  #lineEnd(src: Uint8Array, from: number, to: number): number {
    let i = from;
    while (i < to && src[i] !== LF) i++;
    return i;
  }

  #addValue(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (this.#valsLen + n > this.#vals.length) {
      let size = this.#vals.length * 2;
      while (size < this.#valsLen + n) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#vals.subarray(0, this.#valsLen));
      this.#vals = grown;
    }
    this.#vals.set(src.subarray(from, to), this.#valsLen);
    this.#valsLen += n;
  }

  /** Parse the header lines of a block into the table; returns the end of the empty line. */
  #parseHeaderLines(
    tx: HttpTx | null,
    src: Uint8Array,
    from: number,
    to: number,
    toServer: boolean,
    out: AppOutput,
  ): void {
    this.#hCount = 0;
    this.#valsLen = 0;
    let i = from;
    let eventsInvalid = false;
    let eventsColon = false;
    let eventsFold = false;
    let tooMany = false;
    while (i < to) {
      const le = this.#lineEnd(src, i, to);
      let ls = i;
      i = le + 1;
      let e = le;
      while (e > ls && src[e - 1] === CR) e--;
      if (e === ls) break; // the empty line
      if (src[ls] === SP || src[ls] === HT) {
        // folded continuation of the previous header
        while (ls < e && (src[ls] === SP || src[ls] === HT)) ls++;
        const h = this.#hCount - 1;
        if (h < 0) {
          if (!eventsFold) {
            out.event(
              tx,
              toServer ? "invalid_request_field_folding" : "invalid_response_field_folding",
            );
            eventsFold = true;
          }
          continue;
        }
        if (this.#hValEnd[h] !== this.#valsLen) {
          const s = this.#hValStart[h];
          const n = this.#hValEnd[h] - s;
          this.#addValue(this.#vals, s, s + n);
          this.#hValStart[h] = this.#valsLen - n;
        }
        while (e > ls && isSpace(src[e - 1])) e--;
        if (e > ls) {
          this.#addValue(SPACE, 0, 1);
          this.#addValue(src, ls, e);
        }
        this.#hValEnd[h] = this.#valsLen;
        continue;
      }
      let colon = ls;
      while (colon < e && src[colon] !== COLON) colon++;
      let nameEnd: number;
      let vs: number;
      let invalid = false;
      if (colon === e) {
        if (!eventsColon) {
          out.event(tx, toServer ? "request_field_missing_colon" : "response_field_missing_colon");
          eventsColon = true;
        }
        nameEnd = e;
        vs = e;
        invalid = true;
      } else {
        nameEnd = colon;
        vs = colon + 1;
        if (colon === ls) invalid = true;
      }
      while (nameEnd > ls && isSpace(src[nameEnd - 1])) {
        nameEnd--;
        invalid = true;
      }
      if (!invalid) {
        for (let k = ls; k < nameEnd; k++) {
          if (!isToken(src[k])) {
            invalid = true;
            break;
          }
        }
      }
      if (invalid && !eventsInvalid) {
        out.event(tx, toServer ? "request_header_invalid" : "response_header_invalid");
        eventsInvalid = true;
      }
      while (vs < e && isSpace(src[vs])) vs++;
      let ve = e;
      while (ve > vs && isSpace(src[ve - 1])) ve--;
      // repeated header: merge into the first
      let found = -1;
      const nameLen = nameEnd - ls;
      for (let h = 0; h < this.#hCount && found < 0; h++) {
        if (this.#hNameEnd[h] - this.#hNameStart[h] !== nameLen) continue;
        const hs = this.#hNameStart[h];
        let k = 0;
        while (k < nameLen && lower(src[hs + k]) === lower(src[ls + k])) k++;
        if (k === nameLen) found = h;
      }
      if (found >= 0) {
        if (this.#hRepeated[found] === 0) {
          this.#hRepeated[found] = 1;
          out.event(tx, toServer ? "request_header_repetition" : "response_header_repetition");
        }
        if (this.#hCode[found] === H.CONTENT_LENGTH) {
          const a = parseLength(this.#vals, this.#hValStart[found], this.#hValEnd[found]);
          if (a !== parseLength(src, vs, ve)) {
            out.event(
              tx,
              toServer
                ? "duplicate_content_length_field_in_request"
                : "duplicate_content_length_field_in_response",
            );
          }
          continue; // the first Content-Length counts
        }
        if (this.#hValEnd[found] !== this.#valsLen) {
          const s = this.#hValStart[found];
          const n = this.#hValEnd[found] - s;
          this.#addValue(this.#vals, s, s + n);
          this.#hValStart[found] = this.#valsLen - n;
        }
        this.#addValue(COMMA_SPACE, 0, 2);
        this.#addValue(src, vs, ve);
        this.#hValEnd[found] = this.#valsLen;
        continue;
      }
      if (this.#hCount >= MAX_HEADERS) {
        if (!tooMany) {
          out.event(tx, toServer ? "request_too_many_headers" : "response_too_many_headers");
          tooMany = true;
        }
        continue;
      }
      const h = this.#hCount++;
      if (h >= this.#hNameStart.length) this.#growTable();
      this.#hNameStart[h] = ls;
      this.#hNameEnd[h] = nameEnd;
      this.#hValStart[h] = this.#valsLen;
      this.#addValue(src, vs, ve);
      this.#hValEnd[h] = this.#valsLen;
      this.#hCode[h] = headerCode(src, ls, nameEnd);
      this.#hRepeated[h] = 0;
    }
  }

  #growTable(): void {
    const size = this.#hNameStart.length * 2;
    const g = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.#hNameStart = g(this.#hNameStart);
    this.#hNameEnd = g(this.#hNameEnd);
    this.#hValStart = g(this.#hValStart);
    this.#hValEnd = g(this.#hValEnd);
    this.#hCode = g(this.#hCode);
    const r = new Uint8Array(size);
    r.set(this.#hRepeated);
    this.#hRepeated = r;
  }

  #find(code: number): number {
    for (let h = 0; h < this.#hCount; h++) if (this.#hCode[h] === code) return h;
    return -1;
  }

  /** Fill the header-derived buffers both directions have. */
  #fillHeaderBuffers(
    tx: HttpTx,
    src: Uint8Array,
    lineFrom: number,
    lineTo: number,
    rawFrom: number,
    rawTo: number,
    toServer: boolean,
  ): void {
    const buf = tx.buffers;
    const vals = this.#vals;
    const ids = toServer ? REQ_IDS : RES_IDS;
    const skip = toServer ? H.COOKIE : H.SET_COOKIE;
    // http.header
    if (this.#hCount > 0) {
      buf.begin(ids.header);
      for (let h = 0; h < this.#hCount; h++) {
        if (this.#hCode[h] === skip) continue;
        buf.append(src, this.#hNameStart[h], this.#hNameEnd[h]);
        buf.append(COLON_SPACE, 0, 2);
        buf.append(vals, this.#hValStart[h], this.#hValEnd[h]);
        buf.append(CRLF, 0, 2);
      }
      buf.end();
      buf.begin(ids.names);
      buf.append(CRLF, 0, 2);
      for (let h = 0; h < this.#hCount; h++) {
        buf.append(src, this.#hNameStart[h], this.#hNameEnd[h]);
        buf.append(CRLF, 0, 2);
      }
      buf.append(CRLF, 0, 2);
      buf.end();
      for (let h = 0; h < this.#hCount; h++) {
        buf.begin(ids.perHeader);
        buf.append(src, this.#hNameStart[h], this.#hNameEnd[h]);
        buf.append(COLON_SPACE, 0, 2);
        buf.append(vals, this.#hValStart[h], this.#hValEnd[h]);
        buf.end();
      }
    }
    if (rawTo > rawFrom) buf.add(ids.raw, src, rawFrom, rawTo);
    // http.start
    buf.begin(ids.start);
    buf.append(src, lineFrom, lineTo);
    buf.append(CRLF, 0, 2);
    for (let h = 0; h < this.#hCount; h++) {
      buf.append(src, this.#hNameStart[h], this.#hNameEnd[h]);
      buf.append(COLON_SPACE, 0, 2);
      buf.append(vals, this.#hValStart[h], this.#hValEnd[h]);
      buf.append(CRLF, 0, 2);
    }
    buf.append(CRLF, 0, 2);
    buf.end();
    for (let h = 0; h < this.#hCount; h++) {
      const v0 = this.#hValStart[h];
      const v1 = this.#hValEnd[h];
      switch (this.#hCode[h]) {
        case H.CONNECTION:
          buf.add(ids.connection, vals, v0, v1);
          break;
        case H.CONTENT_TYPE:
          buf.add(ids.contentType, vals, v0, v1);
          break;
        case H.CONTENT_LENGTH:
          buf.add(ids.contentLen, vals, v0, v1);
          break;
        case H.COOKIE:
          if (toServer) buf.add(Q.COOKIE, vals, v0, v1);
          break;
        case H.SET_COOKIE:
          if (!toServer) buf.add(R.COOKIE, vals, v0, v1);
          break;
        case H.USER_AGENT:
          if (toServer) buf.add(Q.USER_AGENT, vals, v0, v1);
          break;
        case H.REFERER:
          if (toServer) buf.add(Q.REFERER, vals, v0, v1);
          break;
        case H.ACCEPT:
          if (toServer) buf.add(Q.ACCEPT, vals, v0, v1);
          break;
        case H.ACCEPT_LANG:
          if (toServer) buf.add(Q.ACCEPT_LANG, vals, v0, v1);
          break;
        case H.ACCEPT_ENC:
          if (toServer) buf.add(Q.ACCEPT_ENC, vals, v0, v1);
          break;
        case H.SERVER:
          if (!toServer) buf.add(R.SERVER, vals, v0, v1);
          break;
        case H.LOCATION:
          if (!toServer) buf.add(R.LOCATION, vals, v0, v1);
          break;
      }
    }
  }

  /** Reserve scratch room. */
  #scratchFor(n: number): Uint8Array {
    if (this.#scratch.length < n) {
      let size = this.#scratch.length * 2;
      while (size < n) size *= 2;
      this.#scratch = new Uint8Array(size);
    }
    return this.#scratch;
  }

  #requestHeaders(state: HttpState, src: Uint8Array, b: number, e: number, out: AppOutput): void {
    const dir = state.req;
    const tx = this.#newTx(state, out);
    if (tx === null) return;
    dir.tx = tx;
    dir.published = false;
    dir.bodyLen = 0;
    tx.hasRequest = true;
    // request line
    const le = this.#lineEnd(src, b, e);
    let lineEnd = le;
    while (lineEnd > b && src[lineEnd - 1] === CR) lineEnd--;
    let p = b;
    if (p < lineEnd && isSpace(src[p])) {
      out.event(tx, "request_line_leading_whitespace");
      while (p < lineEnd && isSpace(src[p])) p++;
    }
    const mStart = p;
    while (p < lineEnd && !isSpace(src[p])) p++;
    const mEnd = p;
    let ws = 0;
    let odd = false;
    while (p < lineEnd && isSpace(src[p])) {
      if (src[p] !== SP) odd = true;
      ws++;
      p++;
    }
    if (ws > 1 || odd) out.event(tx, "method_delim_non_compliant");
    const uStart = p;
    while (p < lineEnd && src[p] !== SP) p++;
    let uEnd = p;
    if (p === lineEnd) {
      // no SP: another whitespace may still delimit the URI
      let q = uStart;
      while (q < lineEnd && !isSpace(src[q])) q++;
      if (q < lineEnd) {
        out.event(tx, "uri_delim_non_compliant");
        uEnd = q;
        p = q;
      }
    }
    ws = 0;
    odd = false;
    while (p < lineEnd && isSpace(src[p])) {
      if (src[p] !== SP) odd = true;
      ws++;
      p++;
    }
    if (ws > 1 || odd) out.event(tx, "uri_delim_non_compliant");
    const pStart = p;
    let pEnd = lineEnd;
    while (pEnd > pStart && isSpace(src[pEnd - 1])) pEnd--;
    const buf = tx.buffers;
    if (mEnd > mStart) buf.add(Q.METHOD, src, mStart, mEnd);
    tx.isHead = mEnd - mStart === 4 && src[mStart] === 0x48 && src[mStart + 1] === 0x45 &&
      src[mStart + 2] === 0x41 && src[mStart + 3] === 0x44;
    buf.add(Q.REQUEST_LINE, src, b, lineEnd);
    const uri = this.#uri;
    if (uEnd > uStart) {
      buf.add(Q.URI_RAW, src, uStart, uEnd);
      splitUri(src, uStart, uEnd, uri);
      const scratch = this.#scratchFor(uEnd - uStart);
      let n = normalizePath(src, uri.pathStart, uri.pathEnd, scratch, 0);
      for (let k = uri.pathEnd; k < uEnd; k++) scratch[n++] = src[k];
      buf.add(Q.URI, scratch, 0, n);
    } else {
      uri.hostStart = -1;
      uri.port = -1;
    }
    if (pEnd > pStart) {
      buf.add(Q.PROTOCOL, src, pStart, pEnd);
      tx.requestProtocol = protocolNumber(src, pStart, pEnd);
      if (tx.requestProtocol < 0) out.event(tx, "request_line_invalid");
    } else {
      tx.requestProtocol = 9;
      if (uEnd === uStart) out.event(tx, "request_line_invalid");
      else if (le < e - 1) out.event(tx, "request_line_missing_protocol");
    }
    // headers
    const hFrom = Math.min(le + 1, e);
    this.#parseHeaderLines(tx, src, hFrom, e, true, out);
    this.#fillHeaderBuffers(tx, src, b, lineEnd, hFrom, e, true);
    // host
    const hh = this.#find(H.HOST);
    if (uri.hostStart >= 0) {
      if (uri.port === -2) out.event(tx, "request_uri_host_invalid");
      else tx.port = uri.port;
      const scratch = this.#scratchFor(uri.hostEnd - uri.hostStart);
      const n = normalizeHost(src, uri.hostStart, uri.hostEnd, scratch, 0);
      buf.add(Q.HOST, scratch, 0, n);
      buf.add(Q.HOST_RAW, src, uri.hostStart, uri.hostEnd);
      if (hh >= 0 && !this.#sameHost(hh, scratch, n)) out.event(tx, "host_header_ambiguous");
    } else if (hh >= 0) {
      const vals = this.#vals;
      const v0 = this.#hValStart[hh];
      const v1 = this.#hValEnd[hh];
      buf.add(Q.HOST_RAW, vals, v0, v1);
      let hostEnd = v1;
      if (v0 < v1 && vals[v0] === 0x5b) {
        let k = v0;
        while (k < v1 && vals[k] !== 0x5d) k++;
        hostEnd = k < v1 ? k + 1 : v1;
        if (hostEnd < v1 && vals[hostEnd] === COLON) tx.port = parsePort(vals, hostEnd + 1, v1);
      } else {
        for (let k = v0; k < v1; k++) {
          if (vals[k] === COLON) {
            hostEnd = k;
            tx.port = parsePort(vals, k + 1, v1);
            break;
          }
        }
      }
      if (tx.port === -2) {
        tx.port = -1;
        out.event(tx, "request_header_host_invalid");
      }
      const scratch = this.#scratchFor(hostEnd - v0);
      const n = normalizeHost(vals, v0, hostEnd, scratch, 0);
      if (n > 0) buf.add(Q.HOST, scratch, 0, n);
    } else if (tx.requestProtocol >= 11) {
      out.event(tx, "missing_host_header");
    }
    const xff = this.#find(H.XFF);
    if (xff >= 0) tx.xff = this.#vals.slice(this.#hValStart[xff], this.#hValEnd[xff]);
    // body
    const te = this.#find(H.TRANSFER_ENCODING);
    const cl = this.#find(H.CONTENT_LENGTH);
    if (cl >= 0) {
      tx.requestContentLength = parseLength(this.#vals, this.#hValStart[cl], this.#hValEnd[cl]);
      if (tx.requestContentLength < 0) out.event(tx, "invalid_content_length_field_in_request");
    }
    if (te >= 0 && containsWord(this.#vals, this.#hValStart[te], this.#hValEnd[te], "chunked")) {
      this.#chunkLineStart(dir);
    } else {
      if (te >= 0) out.event(tx, "invalid_transfer_encoding_value_in_request");
      if (tx.requestContentLength > 0) {
        dir.st = St.BODY_CL;
        dir.remaining = tx.requestContentLength;
      } else {
        this.#bodyDone(state, dir, true, out);
      }
    }
  }

  #sameHost(h: number, host: Uint8Array, n: number): boolean {
    const vals = this.#vals;
    const v0 = this.#hValStart[h];
    let v1 = this.#hValEnd[h];
    for (let k = v0; k < v1; k++) {
      if (vals[k] === COLON && vals[v0] !== 0x5b) {
        v1 = k;
        break;
      }
    }
    while (v1 > v0 && vals[v1 - 1] === 0x2e) v1--;
    if (v1 - v0 !== n) return false;
    for (let k = 0; k < n; k++) if (lower(vals[v0 + k]) !== host[k]) return false;
    return true;
  }

  #responseHeaders(state: HttpState, src: Uint8Array, b: number, e: number, out: AppOutput): void {
    const dir = state.res;
    let tx = dir.tx;
    if (tx === null) {
      for (const t of state.txs) {
        if (!t.responseStarted) {
          tx = t;
          break;
        }
      }
      if (tx === null) {
        tx = this.#newTx(state, out);
        if (tx === null) return;
        out.event(tx, "unable_to_match_response_to_request");
      }
      dir.tx = tx;
      dir.published = false;
      dir.bodyLen = 0;
    }
    tx.responseStarted = true;
    const le = this.#lineEnd(src, b, e);
    let lineEnd = le;
    while (lineEnd > b && src[lineEnd - 1] === CR) lineEnd--;
    let p = b;
    while (p < lineEnd && isSpace(src[p])) p++;
    const pStart = p;
    while (p < lineEnd && !isSpace(src[p])) p++;
    const pEnd = p;
    if (
      pEnd - pStart < 4 || lower(src[pStart]) !== 0x68 || lower(src[pStart + 1]) !== 0x74 ||
      lower(src[pStart + 2]) !== 0x74 || lower(src[pStart + 3]) !== 0x70
    ) {
      // not a status line: an HTTP/0.9 response, its bytes are the body until close
      out.event(tx, "response_invalid_protocol");
      dir.st = St.CLOSE;
      this.#bodyData(dir, false, src, b, e, out);
      this.#msgLen(dir, false, e - b);
      return;
    }
    while (p < lineEnd && isSpace(src[p])) p++;
    const sStart = p;
    while (p < lineEnd && !isSpace(src[p])) p++;
    const sEnd = p;
    while (p < lineEnd && isSpace(src[p])) p++;
    const msgStart = p;
    let status = -1;
    if (sEnd - sStart === 3) {
      status = 0;
      for (let k = sStart; k < sEnd; k++) {
        const d = src[k] - 0x30;
        if (d < 0 || d > 9) {
          status = -1;
          break;
        }
        status = status * 10 + d;
      }
      if (status < 100) status = -1;
    }
    if (status < 0) out.event(tx, "response_invalid_status");
    if (protocolNumber(src, pStart, pEnd) < 0) out.event(tx, "response_invalid_protocol");
    if (status >= 100 && status < 200 && status !== 101) {
      // interim response: the real one follows
      if (tx.seen100) out.event(tx, "100_continue_already_seen");
      tx.seen100 = true;
      return;
    }
    tx.status = status;
    tx.hasStatusLine = true;
    let sv = 0;
    for (let k = sStart; k < sEnd; k++) {
      const d = src[k] - 0x30;
      if (d < 0 || d > 9) break;
      sv = sv * 10 + d;
    }
    tx.statusValue = sv;
    const buf = tx.buffers;
    buf.add(R.RESPONSE_LINE, src, b, lineEnd);
    buf.add(R.PROTOCOL, src, pStart, pEnd);
    if (sEnd > sStart) buf.add(R.STAT_CODE, src, sStart, sEnd);
    if (lineEnd > msgStart) buf.add(R.STAT_MSG, src, msgStart, lineEnd);
    const hFrom = Math.min(le + 1, e);
    this.#parseHeaderLines(tx, src, hFrom, e, false, out);
    this.#fillHeaderBuffers(tx, src, b, lineEnd, hFrom, e, false);
    const vals = this.#vals;
    const ce = this.#find(H.CONTENT_ENCODING);
    if (ce >= 0) {
      const v0 = this.#hValStart[ce];
      const v1 = this.#hValEnd[ce];
      if (containsWord(vals, v0, v1, "gzip")) tx.encoding = Enc.GZIP;
      else if (containsWord(vals, v0, v1, "deflate")) tx.encoding = Enc.DEFLATE;
    }
    const cr = this.#find(H.CONTENT_RANGE);
    if (cr >= 0) {
      tx.contentRange = String.fromCharCode(
        ...vals.subarray(
          this.#hValStart[cr],
          Math.min(this.#hValEnd[cr], this.#hValStart[cr] + 256),
        ),
      );
    }
    const te = this.#find(H.TRANSFER_ENCODING);
    const cl = this.#find(H.CONTENT_LENGTH);
    if (cl >= 0) {
      tx.responseContentLength = parseLength(vals, this.#hValStart[cl], this.#hValEnd[cl]);
      if (tx.responseContentLength < 0) out.event(tx, "invalid_content_length_field_in_response");
    }
    if (status === 101) {
      // switching protocols: nothing more is HTTP
      this.#bodyDone(state, dir, false, out);
      this.#finalizeResponse(state, dir, out);
      state.res.dead = true;
      state.req.dead = true;
      return;
    }
    if (tx.isHead || status === 204 || status === 304) {
      this.#bodyDone(state, dir, false, out);
    } else if (te >= 0 && containsWord(vals, this.#hValStart[te], this.#hValEnd[te], "chunked")) {
      this.#chunkLineStart(dir);
    } else {
      if (te >= 0) out.event(tx, "invalid_transfer_encoding_value_in_response");
      if (tx.responseContentLength >= 0) {
        if (tx.responseContentLength === 0) this.#bodyDone(state, dir, false, out);
        else {
          dir.st = St.BODY_CL;
          dir.remaining = tx.responseContentLength;
        }
      } else {
        dir.st = St.CLOSE;
      }
    }
  }

  // ------------------------------------------------------------ bodies

  #chunkLineStart(dir: HttpDirection): void {
    dir.st = St.CHUNK_LEN;
    dir.chunkVal = 0;
    dir.chunkDigits = 0;
    dir.chunkPhase = 0;
    dir.chunkBad = false;
    dir.chunkExt = false;
  }

  #chunkLen(
    state: HttpState,
    dir: HttpDirection,
    toServer: boolean,
    data: Uint8Array,
    pos: number,
    end: number,
    out: AppOutput,
  ): number {
    let i = pos;
    for (; i < end; i++) {
      const b = data[i];
      if (b === LF) {
        i++;
        this.#msgLen(dir, toServer, i - pos);
        if (dir.chunkDigits === 0 && !dir.chunkBad && dir.chunkPhase === 0) {
          return i; // an empty line before the size: skipped
        }
        const tx = dir.tx;
        if (dir.chunkBad || dir.chunkDigits === 0) {
          if (toServer) {
            out.event(tx, "invalid_request_chunk_len");
            this.#bodyDone(state, dir, true, out);
            dir.dead = true;
          } else {
            out.event(tx, "invalid_response_chunk_len");
            dir.st = St.CLOSE;
          }
          return i;
        }
        if (dir.chunkExt && toServer) out.event(tx, "request_chunk_extension");
        if (dir.chunkVal === 0) {
          dir.st = St.TRAILER;
          dir.lineLen = 0;
        } else {
          dir.st = St.CHUNK_DATA;
          dir.remaining = dir.chunkVal;
        }
        return i;
      }
      if (dir.chunkBad || b === CR) continue;
      const d = hexDigit(b);
      if (dir.chunkPhase === 0) {
        if (b === SP || b === HT) continue;
        if (d < 0) dir.chunkBad = true;
        else {
          dir.chunkPhase = 1;
          dir.chunkVal = d;
          dir.chunkDigits = 1;
        }
      } else if (dir.chunkPhase === 1) {
        if (d >= 0) {
          dir.chunkVal = dir.chunkVal * 16 + d;
          if (++dir.chunkDigits > 12) dir.chunkBad = true;
        } else if (b === 0x3b) {
          dir.chunkExt = true;
          dir.chunkPhase = 2;
        } else if (b === SP || b === HT) {
          dir.chunkPhase = 2;
        } else {
          dir.chunkBad = true;
        }
      } else if (b === 0x3b) {
        dir.chunkExt = true;
      } else if (!dir.chunkExt && b !== SP && b !== HT) {
        dir.chunkBad = true;
      }
    }
    this.#msgLen(dir, toServer, i - pos);
    if (i - pos > 0 && dir.chunkExt && dir.chunkDigits === 0) dir.chunkBad = true;
    return i;
  }

  #bodyData(
    dir: HttpDirection,
    toServer: boolean,
    data: Uint8Array,
    from: number,
    to: number,
    out: AppOutput,
  ): void {
    if (dir.published) return;
    const limit = toServer ? this.requestBodyLimit : this.responseBodyLimit;
    const n = Math.min(to - from, limit - dir.bodyLen);
    if (n > 0) {
      const need = dir.bodyLen + n;
      if (need > dir.body.length) {
        let size = Math.max(4096, dir.body.length * 2);
        while (size < need) size *= 2;
        const grown = new Uint8Array(Math.min(size, limit));
        grown.set(dir.body.subarray(0, dir.bodyLen));
        dir.body = grown;
      }
      dir.body.set(data.subarray(from, from + n), dir.bodyLen);
      dir.bodyLen = need;
    }
    if (dir.bodyLen >= limit && dir.tx !== null) this.#publish(dir, toServer, out);
  }

  /** Fill the body buffer and publish the part. */
  #publish(dir: HttpDirection, toServer: boolean, out: AppOutput): void {
    const tx = dir.tx!;
    dir.published = true;
    if (toServer) {
      if (dir.bodyLen > 0) tx.buffers.add(Q.REQUEST_BODY, dir.body, 0, dir.bodyLen);
      tx.progress |= TxSide.REQUEST;
      out.ready(tx, TxSide.REQUEST);
    } else {
      if (dir.bodyLen > 0) {
        let body: Uint8Array = dir.body.subarray(0, dir.bodyLen);
        if (tx.encoding !== Enc.NONE) {
          const plain = decompress(body, tx.encoding, this.responseBodyLimit);
          if (plain === null) out.event(tx, "gzip_decompression_failed");
          else body = plain;
        }
        tx.buffers.add(R.FILE_DATA, body, 0, body.length);
        addResponseFileName(tx);
      }
      tx.progress |= TxSide.RESPONSE;
      out.ready(tx, TxSide.RESPONSE);
    }
  }

  /** A message's body is complete (or the flow ends). */
  #bodyDone(state: HttpState, dir: HttpDirection, toServer: boolean, out: AppOutput): void {
    const tx = dir.tx;
    dir.st = St.LINE;
    dir.lineLen = 0;
    dir.lineCount = 0;
    if (tx === null) return;
    if (!dir.published) this.#publish(dir, toServer, out);
    dir.published = false;
    dir.bodyLen = 0;
    if (toServer) {
      dir.tx = null;
      if (tx.responseStarted && state.res.tx !== tx) this.#logTx(tx, out);
    } else {
      dir.st = St.FINALIZE; // the transaction stays for what follows the body
    }
  }

  /** The response is over: log the transaction if its request is complete. */
  #finalizeResponse(_state: HttpState, dir: HttpDirection, out: AppOutput): void {
    const tx = dir.tx;
    dir.tx = null;
    dir.st = St.LINE;
    if (tx !== null && ((tx.progress & TxSide.REQUEST) !== 0 || !tx.hasRequest)) {
      this.#logTx(tx, out);
    }
  }

  #logTx(tx: HttpTx, out: AppOutput): void {
    tx.done = true;
    if (tx.logRequested) return;
    tx.logRequested = true;
    out.log(tx, TxSide.BOTH);
  }
}

const MAX_HEADERS = 1024;
const CRLF = new Uint8Array([CR, LF]);
const COLON_SPACE = new Uint8Array([COLON, SP]);
const COMMA_SPACE = new Uint8Array([0x2c, SP]);
const SPACE = new Uint8Array([SP]);

const REQ_IDS = {
  header: Q.HEADER,
  names: Q.HEADER_NAMES,
  raw: Q.HEADER_RAW,
  perHeader: Q.REQUEST_HEADER,
  start: Q.START,
  connection: Q.CONNECTION,
  contentType: Q.CONTENT_TYPE,
  contentLen: Q.CONTENT_LEN,
};

const RES_IDS = {
  header: R.HEADER,
  names: R.HEADER_NAMES,
  raw: R.HEADER_RAW,
  perHeader: R.RESPONSE_HEADER,
  start: R.START,
  connection: R.CONNECTION,
  contentType: R.CONTENT_TYPE,
  contentLen: R.CONTENT_LEN,
};
