/**
 * The HTTP/1.0 and 1.1 parser (libhtp's job in Suricata): request and
 * response header blocks, Content-Length, chunked and until-close bodies,
 * gzip/deflate response bodies, pipelining, 100 Continue, HEAD/204/304.
 *
 * The request side parses header blocks where they lie (an incomplete one is
 * copied into a per-flow buffer, bounded, 64 KiB by default) and follows
 * libhtp where evasions care: HTTP/0.9 probing, and REQ_FINALIZE (a line
 * after a request that does not start with a known method is more body,
 * `request_body_unexpected`). A POST or PUT body is also the request's
 * `file.data`, as are the file parts of a multipart/form-data body.
 *
 * The response side is a port of libhtp 0.5's outbound parser
 * (`htp_response.c`), byte handling included: bare CR line ends, header
 * folding, NULs ignored in header lookups, chunk lengths with trailing junk,
 * "chunked" bodies that are not (read until close), bodies before the
 * status line, the line after a body probed for the next status line, and
 * Content-Encoding layers decoded by libhtp's streaming decompressors
 * (./http_decompress.ts). Evasion suites (http-evader) test these details.
 *
 * A transaction's request part is published (its buffers filled,
 * {@link AppOutput.ready} called) once its headers and body are complete or
 * the body limit is reached; the response part likewise, at the end of the
 * stream at the latest; the transaction is logged when both are complete
 * (or at {@link HttpParser.finish}). Responses are paired with requests in
 * order.
 *
 * @module
 */

import { ByteCopier } from "../flow/byte_copy.ts";
import { workerBytes } from "./byte_pool.ts";
import { Coding, Decompressor } from "./http_decompress.ts";
import { HttpRequestBuffer as Q, HttpResponseBuffer as R } from "./http_buffers.ts";
import { addResponseFileName } from "./http_files.ts";
import { httpEve, writeHttpEve } from "./http_eve.ts";
import type { JsonBytes } from "../output/json_bytes.ts";
import { normalizeHost, normalizePath, parsePort, splitUri, UriParts } from "./http_uri.ts";
import {
  type AppLogStyle,
  type AppOutput,
  type AppParser,
  MAX_TX_BUFFER_BYTES,
  Transaction,
  TxSide,
} from "./transaction.ts";

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
  /**
   * Content-Encoding layers decoded at most (Suricata's
   * `response-body-decompress-layer-limit`, libhtp's default 2; 0: no limit).
   */
  decompressLayerLimit?: number;
  /** lzma layers allowed (0 unless Suricata's `lzma-enabled`). */
  lzmaLayerLimit?: number;
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
  /**
   * After a request: the next line starts the next request when it begins
   * with a known method, else it is more body (libhtp's REQ_FINALIZE).
   */
  FINALIZE: 7,
} as const;

/** Whether `data[from..to)` is a method libhtp knows. */
function knownMethod(data: Uint8Array, from: number, to: number): boolean {
  for (let k = 0; k < KNOWN_METHODS.length; k++) {
    if (equalsMem(data, from, to - from, KNOWN_METHODS[k])) return true;
  }
  return false;
}

/** The methods libhtp knows (`htp_convert_method_to_number`). */
const KNOWN_METHODS = Object.freeze([
  "GET",
  "PUT",
  "POST",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
  "PROPFIND",
  "PROPPATCH",
  "MKCOL",
  "COPY",
  "MOVE",
  "LOCK",
  "UNLOCK",
  "VERSION-CONTROL",
  "CHECKOUT",
  "UNCHECKOUT",
  "CHECKIN",
  "UPDATE",
  "LABEL",
  "REPORT",
  "MKWORKSPACE",
  "MKACTIVITY",
  "BASELINE-CONTROL",
  "MERGE",
  "INVALID",
  "HEAD",
]);

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
  /** The request's X-Forwarded-For value (for EVE's `xff`), or null. */
  xff: Uint8Array | null = null;
  /** The request line had no protocol and no headers followed (libhtp's `is_protocol_0_9`). */
  isProtocol09 = false;
  /** The method is CONNECT. */
  isConnect = false;
  /**
   * What Suricata makes a file of in the request body: 0 nothing, 1 the
   * whole body (POST, PUT), 2 the files of a multipart/form-data body.
   */
  requestFiles = 0;
  /** The multipart boundary (with its leading `--`), or null. */
  boundary: Uint8Array | null = null;
  /** Response progress ({@link ResProgress}). */
  resProgress = 0;
  /** Response transfer coding ({@link Coding} of libhtp: {@link TransferCoding}). */
  transferCoding = 0;
  /** Response Content-Encoding being decoded ({@link Coding}). */
  encodingProcessing = 0;
  /** Response protocol as libhtp numbers it: -2 invalid, 9, 100, 101. */
  responseProtocol = -2;
  /** Decoded response body bytes (libhtp's `response_entity_len`). */
  responseEntityLen = 0;
  /** Once-per-transaction response warnings given ({@link ResFlag} bits). */
  resFlags = 0;

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
    this.xff = null;
    this.isProtocol09 = false;
    this.isConnect = false;
    this.requestFiles = 0;
    this.boundary = null;
    this.resProgress = 0;
    this.transferCoding = 0;
    this.encodingProcessing = 0;
    this.responseProtocol = -2;
    this.responseEntityLen = 0;
    this.resFlags = 0;
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
  body: Uint8Array = EMPTY;
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
    buffers.give(this.body);
    this.body = EMPTY;
    this.bodyLen = 0;
    this.tx = null;
    this.published = false;
    this.dead = false;
  }
}

/** libhtp's response parser states (`htp_connp_RES_*`). */
const RS = {
  IDLE: 0,
  LINE: 1,
  HEADERS: 2,
  BODY_DETERMINE: 3,
  CHUNKED_LENGTH: 4,
  CHUNKED_DATA: 5,
  CHUNKED_DATA_END: 6,
  CL_KNOWN: 7,
  STREAM_CLOSE: 8,
  FINALIZE: 9,
} as const;

/** Results of libhtp's state functions. */
const HTP = { OK: 0, DATA: 1, DATA_BUFFER: 2, ERROR: 3, DATA_OTHER: 4 } as const;

/** libhtp's stream status of a direction. */
const SS = { DATA: 0, CLOSED: 1, TUNNEL: 2, ERROR: 3 } as const;

/** libhtp's response progress. */
export const ResProgress = {
  NOT_STARTED: 0,
  LINE: 1,
  HEADERS: 2,
  BODY: 3,
  TRAILER: 4,
  COMPLETE: 5,
} as const;

/** libhtp's response transfer codings. */
export const TransferCoding = { UNKNOWN: 0, NO_BODY: 1, IDENTITY: 2, CHUNKED: 3 } as const;

/** Once-per-transaction response warnings. */
const ResFlag = { FIELD_INVALID: 1, FIELD_UNPARSEABLE: 2, INVALID_FOLDING: 4 } as const;

/** libhtp's `field_limit_hard` (Suricata's default): the longest response line kept. */
const FIELD_LIMIT_HARD = 18000;
/** libhtp's HTP_MAX_HEADER_FOLDED. */
const MAX_HEADER_FOLDED = 102400;
/** libhtp's compression bomb limits. */
const COMPRESSION_BOMB_LIMIT = 1048576;
const COMPRESSION_BOMB_RATIO = 2048;

/**
 * The server-to-client direction: a port of libhtp's outbound parser
 * (`htp_response.c`), byte handling included, because evasions live in its
 * details (bare CR line ends, folding, chunk lengths with junk, bodies
 * before the status line...).
 */
export class ResState {
  /** {@link RS} state. */
  st = 0;
  /** {@link SS} stream status. */
  status = 0;
  // the chunk being parsed (offsets are relative to `base`, as libhtp's)
  data: Uint8Array = EMPTY;
  base = 0;
  len = 0;
  read = 0;
  consume = 0;
  next = -1;
  /** Bytes of an incomplete line kept from earlier chunks (libhtp's `out_buf`). */
  buf: Uint8Array = EMPTY;
  bufLen = 0;
  bufActive = false;
  /** A header line that may continue on the next line (libhtp's `out_header`). */
  hdr: Uint8Array = EMPTY;
  hdrLen = 0;
  hdrActive = false;
  chunkedLength = 0;
  bodyLeft = -1;
  /** The transaction being answered (`out_tx`). */
  tx: HttpTx | null = null;
  /** Responses begun: the next one answers the transaction with this id. */
  nextTxIndex = 0;
  /** The body decoders of the current response. */
  decomp: Decompressor | null = null;
  /** Yield to the request side at the end of this transaction (failed CONNECT). */
  dataOtherAtTxEnd = false;
  /** The response line, then the unfolded header lines. */
  blk: Uint8Array = EMPTY;
  blkLen = 0;
  /** End of the response line in {@link ResState.blk} (-1: none yet). */
  lineEnd = -1;
  /** Unfolded header lines: pairs of [start, end) into {@link ResState.blk}. */
  lines: Int32Array = new Int32Array(64);
  /** Entries of {@link ResState.lines} in use (two per line). */
  linesLen = 0;
  /** The scratch header table holds this response's headers. */
  tableFresh = false;
  /** The line and header buffers were filled. */
  filled = false;
  /** Spans of the response line's parts in {@link ResState.blk} (-1: absent). */
  protoStart = -1;
  protoEnd = -1;
  codeStart = -1;
  codeEnd = -1;
  msgStart = -1;
  /** Header repetitions counted (libhtp's `res_header_repetitions`). */
  repetitions = 0;
  /** The header block as received (`http.header.raw`). */
  raw: Uint8Array = EMPTY;
  rawLen = 0;
  /** Whether the current response's header lines are trailer lines. */
  trailer = false;
  /** The decoded body kept for `file.data` (up to the limit). */
  body: Uint8Array = EMPTY;
  bodyLen = 0;
  /** The body limit was reached and the part published. */
  published = false;
  /** This direction is no longer parsed. */
  dead = false;
  /** Decompression bomb seen: decoders are stopped. */
  bomb = false;

  /** Fresh for a new flow (capacities stay). */
  reset(): void {
    this.st = RS.IDLE;
    this.status = SS.DATA;
    this.data = EMPTY;
    this.base =
      this.len =
      this.read =
      this.consume =
        0;
    this.next = -1;
    this.bufLen = 0;
    this.bufActive = false;
    this.hdrLen = 0;
    this.hdrActive = false;
    this.chunkedLength = 0;
    this.bodyLeft = -1;
    this.tx = null;
    this.nextTxIndex = 0;
    this.decomp = null;
    this.dataOtherAtTxEnd = false;
    this.blkLen = 0;
    this.lineEnd = -1;
    this.linesLen = 0;
    this.tableFresh = false;
    this.filled = false;
    this.protoStart =
      this.protoEnd =
      this.codeStart =
      this.codeEnd =
      this.msgStart =
        -1;
    this.repetitions = 0;
    this.rawLen = 0;
    this.releaseHeaderBytes();
    this.trailer = false;
    buffers.give(this.body);
    this.body = EMPTY;
    this.bodyLen = 0;
    this.published = false;
    this.dead = false;
    this.bomb = false;
  }

  /** The byte at chunk offset `i`. */
  at(i: number): number {
    return this.data[this.base + i];
  }

  /** Give the header arrays ({@link ResState.blk}, {@link ResState.raw}) back to the pool. */
  releaseHeaderBytes(): void {
    buffers.give(this.blk);
    this.blk = EMPTY;
    this.blkLen = 0;
    this.lineEnd = -1;
    this.linesLen = 0;
    this.tableFresh = false;
    buffers.give(this.raw);
    this.raw = EMPTY;
    this.rawLen = 0;
  }

  /** Append bytes to {@link ResState.blk}. */
  blkAdd(src: Uint8Array, from: number, to: number): void {
    this.blk = append(this.blk, this.blkLen, src, from, to);
    this.blkLen += Math.max(0, to - from);
  }

  /** Append bytes to {@link ResState.raw}. */
  rawAdd(src: Uint8Array, from: number, to: number): void {
    if (this.rawLen + to - from > 65536) return;
    this.raw = append(this.raw, this.rawLen, src, from, to);
    this.rawLen += Math.max(0, to - from);
  }
}

/** `dst[0..len)` with `src[from..to)` after it, in `dst` or a grown copy. */
function append(
  dst: Uint8Array,
  len: number,
  src: Uint8Array,
  from: number,
  to: number,
): Uint8Array {
  const n = to - from;
  if (n <= 0) return dst;
  const need = len + n;
  if (need > dst.length) {
    const grown = buffers.take(Math.max(need, dst.length * 2));
    copier.copy(grown, 0, dst, 0, len);
    buffers.give(dst);
    dst = grown;
  }
  copier.copy(dst, len, src, from, n);
  return dst;
}

/**
 * Message buffers come from the worker's pool: bodies go back once copied
 * into their transaction, so idle flows hold no body memory.
 */
const buffers = workerBytes;

/** Copies message bytes into the parser's buffers (memcpy for long runs). */
const copier = new ByteCopier();

const EMPTY = new Uint8Array(0);

/** Per-flow HTTP state. */
export class HttpState {
  /** Client to server. */
  readonly req: HttpDirection = new HttpDirection();
  /** Server to client (libhtp's outbound parser). */
  readonly res: ResState = new ResState();
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

// ------------------------------------------------------------ libhtp's helpers (htp_util.c, bstr.c)

/** libhtp's `htp_is_lws`. */
function isLws(c: number): boolean {
  return c === SP || c === HT;
}

/** libhtp's `htp_is_space`: SP, \f, \v, \t, \r, \n. */
function htpSpace(c: number): boolean {
  return c === SP || c === 0x0c || c === 0x0b || c === HT || c === CR || c === LF;
}

/** C's isspace() in the C locale (the same set). */
const cIsSpace = htpSpace;

/** Control characters libhtp skips around chunk lengths. */
function isChunkedCtl(c: number): boolean {
  return c === CR || c === LF || c === SP || c === HT || c === 0x0b || c === 0x0c;
}

/** libhtp's `htp_is_folding_char`. */
function isFoldingChar(c: number): boolean {
  return c === SP || c === HT || c === 0;
}

/** libhtp's `htp_is_token`. */
function htpToken(c: number): boolean {
  if (c < 32 || c > 126) return false;
  return !(c === 0x28 || c === 0x29 || c === 0x3c || c === 0x3e || c === 0x40 || c === 0x2c ||
    c === 0x3b || c === 0x3a || c === 0x5c || c === 0x22 || c === 0x2f || c === 0x5b ||
    c === 0x5d || c === 0x3f || c === 0x3d || c === 0x7b || c === 0x7d || c === SP || c === HT);
}

/** Set by {@link chomp}: 0 nothing removed, 1 LF or CR, 2 CRLF (libhtp's return value). */
let chompResult = 0;

/** libhtp's `htp_chomp`: the length without trailing line ends. */
function chomp(data: Uint8Array, from: number, len: number): number {
  let r = 0;
  while (len > 0) {
    if (data[from + len - 1] === LF) {
      len--;
      r = 1;
      if (len === 0) break;
      if (data[from + len - 1] === CR) {
        len--;
        r = 2;
      }
    } else if (data[from + len - 1] === CR) {
      len--;
      r = 1;
    } else break;
  }
  chompResult = r;
  return len;
}

/** Whether a line is the end of a header block (libhtp's `htp_connp_is_line_terminator`). */
function isLineTerminator(data: Uint8Array, from: number, len: number, nextNoLf: boolean): boolean {
  if (
    (len === 1 && (data[from] === CR || data[from] === LF)) ||
    (len === 2 && data[from] === CR && data[from + 1] === LF)
  ) return true;
  if (len === 2 && isLws(data[from]) && data[from + 1] === LF) return nextNoLf;
  return false;
}

/** libhtp's `htp_treat_response_line_as_body`: the line does not start with `\s*http`. */
function treatAsBody(data: Uint8Array, from: number, len: number): boolean {
  let pos = 0;
  while (pos < len && (htpSpace(data[from + pos]) || data[from + pos] === 0)) pos++;
  if (len < pos + 4) return true;
  return lower(data[from + pos]) !== 0x68 || lower(data[from + pos + 1]) !== 0x74 ||
    lower(data[from + pos + 2]) !== 0x74 || lower(data[from + pos + 3]) !== 0x70;
}

/** Set by {@link memToPint}: where parsing stopped (libhtp's quirk: len + 1 when all were digits). */
let pintLast = 0;

/** bstr's `bstr_util_mem_to_pint`. */
function memToPint(data: Uint8Array, from: number, len: number, base: number): number {
  let rval = 0;
  let seen = false;
  pintLast = 0;
  let i = 0;
  for (; i < len; i++) {
    const c = data[from + i];
    pintLast = i;
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x7a) d = c - 0x61 + 10;
    else if (c >= 0x41 && c <= 0x5a) d = c - 0x41 + 10;
    else d = -1;
    if (d === -1 || d >= base) return seen ? rval : -1;
    if (seen) {
      if ((Number.MAX_SAFE_INTEGER - d) / base < rval) return -2;
      rval = rval * base + d;
    } else {
      rval = d;
      seen = true;
    }
  }
  pintLast = i + 1;
  return rval;
}

/** libhtp's `htp_parse_positive_integer_whitespace`. */
function parsePositiveIntWs(data: Uint8Array, from: number, len: number, base: number): number {
  if (len === 0) return -1003;
  let pos = 0;
  while (pos < len && isLws(data[from + pos])) pos++;
  if (pos === len) return -1001;
  const r = memToPint(data, from + pos, len - pos, base);
  if (r < 0) return r;
  pos += pintLast;
  while (pos < len) {
    if (!isLws(data[from + pos])) return -1002;
    pos++;
  }
  return r;
}

/** Set by {@link parseChunkedLength}: the line had a `;` extension. */
let chunkExtension = false;

/** libhtp's `htp_parse_chunked_length`. */
function parseChunkedLength(data: Uint8Array, from: number, len: number): number {
  chunkExtension = false;
  while (len > 0) {
    const c = data[from];
    if (!(c === CR || c === LF || c === SP || c === HT || c === 0x0b || c === 0x0c)) break;
    from++;
    len--;
  }
  if (len === 0) return -1004;
  let i = 0;
  while (i < len && hexDigit(data[from + i]) >= 0) i++;
  if (i !== len) {
    for (let j = i; j < len; j++) {
      if (data[from + j] === 0x3b) {
        chunkExtension = true;
        break;
      }
    }
    len = i;
  }
  const v = parsePositiveIntWs(data, from, len, 16);
  if (v < 0) return v;
  if (v > 0x7fffffff) return -1;
  return v;
}

/** libhtp's `htp_parse_content_length`; `warn` gets its warnings (null: none). */
function parseContentLength(
  data: Uint8Array,
  from: number,
  to: number,
  warn: ((m: string) => void) | null,
): number {
  const len = to - from;
  let pos = 0;
  let r = 0;
  if (len === 0) return -1003;
  while (pos < len && (data[from + pos] < 0x30 || data[from + pos] > 0x39)) {
    if (!isLws(data[from + pos]) && warn !== null && r === 0) {
      warn("C-L value with extra data in the beginning");
      r = -1;
    }
    pos++;
  }
  if (pos === len) return -1001;
  r = memToPint(data, from + pos, len - pos, 10);
  // libhtp compares the offset within the digits with the whole length
  if (pintLast < len && warn !== null) warn("C-L value with extra data in the end");
  return r;
}

/** bstr's `bstr_util_cmp_mem_nocasenorzero` against lowercase ASCII `word`: 0 when equal. */
function cmpNoCaseNorZero(data: Uint8Array, from: number, to: number, word: string): number {
  let p1 = from;
  let p2 = 0;
  const n = word.length;
  while (p1 < to && p2 < n) {
    if (data[p1] === 0) {
      p1++;
      continue;
    }
    if (lower(data[p1]) !== word.charCodeAt(p2)) return 1;
    p1++;
    p2++;
  }
  while (p1 < to && data[p1] === 0) p1++;
  return p1 === to && p2 === n ? 0 : 1;
}

/** bstr's `bstr_util_mem_index_of_mem_nocasenorzero` (lowercase ASCII `word`). */
function indexOfNoCaseNorZero(data: Uint8Array, from: number, to: number, word: string): number {
  const n = word.length;
  for (let i = from; i < to; i++) {
    if (data[i] === 0) continue;
    let k = i;
    let j = 0;
    for (; j < n && k < to; j++, k++) {
      if (data[k] === 0) {
        j--;
        continue;
      }
      if (lower(data[k]) !== word.charCodeAt(j)) break;
    }
    if (j === n) return i - from;
  }
  return -1;
}

/** bstr's `bstr_util_mem_index_of_c_nocase` (lowercase ASCII `word`). */
function indexOfNoCase(data: Uint8Array, from: number, to: number, word: string): number {
  const n = word.length;
  for (let i = from; i + n <= to; i++) {
    let k = 0;
    while (k < n && lower(data[i + k]) === word.charCodeAt(k)) k++;
    if (k === n) return i - from;
  }
  return -1;
}

/** bstr's `bstr_util_cmp_mem` (case-sensitive) against ASCII `word`: whether equal. */
function equalsMem(data: Uint8Array, from: number, len: number, word: string): boolean {
  if (len !== word.length) return false;
  for (let k = 0; k < len; k++) if (data[from + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** bstr's `bstr_cmp_c_nocase`: whether equal ignoring ASCII case (lowercase `word`). */
function equalsNoCase(data: Uint8Array, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false;
  for (let k = 0; k < word.length; k++) {
    if (lower(data[from + k]) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** libhtp's `htp_parse_protocol`: 9, 100, 101, or -2 (invalid). */
function htpProtocol(data: Uint8Array, from: number, to: number): number {
  if (to - from !== 8) return -2;
  if (
    data[from] !== 0x48 || data[from + 1] !== 0x54 || data[from + 2] !== 0x54 ||
    data[from + 3] !== 0x50 || data[from + 4] !== 0x2f || data[from + 6] !== 0x2e
  ) return -2;
  const a = data[from + 5];
  const b = data[from + 7];
  if (a === 0x30 && b === 0x39) return 9;
  if (a === 0x31 && b === 0x30) return 100;
  if (a === 0x31 && b === 0x31) return 101;
  return -2;
}

/** Set by {@link getToken}: the token's start. */
let tokStart = 0;
/** Set by {@link getToken}: the token's length. */
let tokLen = 0;

/** libhtp's `get_token` with the separators `,` and SP. */
function getToken(data: Uint8Array, from: number, len: number): boolean {
  let i = 0;
  while (i < len && (data[from + i] === 0x2c || data[from + i] === SP)) i++;
  if (i >= len) return false;
  from += i;
  len -= i;
  for (i = 0; i < len; i++) {
    if (data[from + i] === 0x2c || data[from + i] === SP) break;
  }
  tokStart = from;
  tokLen = i;
  return true;
}

/**
 * The boundary of a multipart/form-data Content-Type value, `--` included
 * (Suricata's HTTPParseContentTypeHeader), or null.
 */
function multipartBoundary(vals: Uint8Array, from: number, to: number): Uint8Array | null {
  if (indexOfNoCase(vals, from, to, "multipart/form-data") < 0) return null;
  const at = indexOfNoCase(vals, from, to, "boundary=");
  if (at < 0) return null;
  let s = from + at + 9;
  let e = s;
  if (s < to && vals[s] === 0x22) {
    s++;
    e = s;
    while (e < to && vals[e] !== 0x22) e++;
  } else {
    while (e < to && vals[e] !== 0x3b && vals[e] !== SP && vals[e] !== HT) e++;
  }
  if (e === s || e - s > 200) return null;
  const b = new Uint8Array(e - s + 2);
  b[0] = b[1] = 0x2d;
  b.set(vals.subarray(s, e), 2);
  return b;
}

/** Where `needle` occurs in `hay[from..to)`, or -1. */
function indexOfBytes(hay: Uint8Array, from: number, to: number, needle: Uint8Array): number {
  const n = needle.length;
  outer: for (let i = from; i + n <= to; i++) {
    for (let k = 0; k < n; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** The file parts of a multipart body (a part whose headers name a filename) as file.data spans. */
function multipartFiles(tx: HttpTx, body: Uint8Array, len: number): void {
  const boundary = tx.boundary!;
  let at = indexOfBytes(body, 0, len, boundary);
  while (at >= 0) {
    let hs = at + boundary.length;
    if (hs + 1 < len && body[hs] === 0x2d && body[hs + 1] === 0x2d) break; // closing boundary
    while (hs < len && body[hs] !== LF) hs++;
    hs++;
    const next = indexOfBytes(body, hs, len, boundary);
    const partEnd = next < 0 ? len : next;
    const he = indexOfBytes(body, hs, partEnd, CRLFCRLF);
    if (he >= 0 && indexOfNoCase(body, hs, he, "filename") >= 0) {
      let ce = partEnd;
      if (next >= 0) {
        // the line end before the boundary is not part of the file
        if (ce > he + 4 && body[ce - 1] === LF) ce--;
        if (ce > he + 4 && body[ce - 1] === CR) ce--;
      }
      tx.buffers.add(Q.FILE_DATA, body, he + 4, Math.max(he + 4, ce));
    }
    at = next;
  }
}

/** The HTTP/1.x parser. One instance serves every flow (state is per flow). */
export class HttpParser implements AppParser<HttpState> {
  /** @inheritdoc */
  readonly name = "http";
  /** How EVE writes its records and events. */
  readonly logStyle: AppLogStyle = {
    txId: true,
    packetSide: false,
    eventsAsRaised: false,
    dropsEventsWithoutTx: false,
  };
  /** Request body limit in bytes. */
  readonly requestBodyLimit: number;
  /** Response body limit in bytes. */
  readonly responseBodyLimit: number;
  /** Header block limit in bytes. */
  readonly maxHeaderBlock: number;
  /** In-flight transactions per flow. */
  readonly maxLiveTxs: number;
  /** Content-Encoding layers decoded at most (0: no limit). */
  readonly decompressLayerLimit: number;
  /** lzma layers allowed. */
  readonly lzmaLayerLimit: number;
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
  /** Where each header's line and value start in the http.start buffer being filled. */
  #lineAt = new Int32Array(64);
  #valueAt = new Int32Array(64);
  #scratch: Uint8Array = new Uint8Array(4096);
  readonly #uri = new UriParts();

  /** @param options limits (Suricata's defaults when absent) */
  constructor(options: HttpParserOptions = {}) {
    this.requestBodyLimit = options.requestBodyLimit ?? 100 * 1024;
    this.responseBodyLimit = options.responseBodyLimit ?? 100 * 1024;
    this.maxHeaderBlock = options.maxHeaderBlock ?? 64 * 1024;
    this.maxLiveTxs = options.maxLiveTxs ?? 32;
    this.decompressLayerLimit = options.decompressLayerLimit ?? 2;
    this.lzmaLayerLimit = options.lzmaLayerLimit ?? 0;
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
    if (!toServer) {
      this.#resData(state, data, start, end, out);
      return;
    }
    const dir = state.req;
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
            if (dir.st === St.BODY_CL) this.#bodyEnd(dir);
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
            if (dir.lineLen === 0) this.#bodyEnd(dir);
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
        case St.FINALIZE:
          pos = this.#requestFinalize(state, dir, data, pos, end, out);
          break;
      }
    }
    // nothing more in this chunk: the request is complete (libhtp's REQ_FINALIZE)
    if (dir.st === St.FINALIZE) this.#bodyDone(state, dir, true, out);
  }

  /**
   * libhtp's REQ_FINALIZE on the line at `pos`: a known method starts the
   * next request; anything else is more body of this one ("Unexpected
   * request body" when it is not whitespace).
   */
  #requestFinalize(
    state: HttpState,
    dir: HttpDirection,
    data: Uint8Array,
    pos: number,
    end: number,
    out: AppOutput,
  ): number {
    let lineEnd = pos;
    while (lineEnd < end && data[lineEnd] !== LF) lineEnd++;
    let i = pos;
    while (i < lineEnd && htpSpace(data[i])) i++;
    const m0 = i;
    while (i < lineEnd && !htpSpace(data[i])) i++;
    if (i > m0) {
      if (knownMethod(data, m0, i)) {
        this.#bodyDone(state, dir, true, out);
        return pos;
      }
      out.event(dir.tx, "request_body_unexpected");
    }
    const to = lineEnd < end ? lineEnd + 1 : end;
    this.#bodyData(dir, true, data, pos, to, out);
    this.#msgLen(dir, true, to - pos);
    return to;
  }

  /** @inheritdoc */
  gap(state: HttpState, toServer: boolean, length: number, _out: AppOutput): void {
    if (!toServer) {
      this.#resGap(state, length, _out);
      return;
    }
    const dir = state.req;
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
      this.#resClose(state, out);
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

  /** @inheritdoc */
  eveJson(tx: Transaction, _side: number, out: JsonBytes): void {
    writeHttpEve(out, tx as HttpTx);
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
   * Whether a request line without protocol is followed by more than
   * HTTP/0.9 allows (libhtp's `htp_connp_REQ_PROTOCOL` probe): more than 16
   * bytes, or anything but whitespace, after it in the current chunk. Then
   * the protocol was just missing and headers are parsed.
   */
  #headerFollows(data: Uint8Array, from: number, end: number): boolean {
    if (end - from > 16) return true;
    for (let i = from; i < end; i++) if (!htpSpace(data[i])) return true;
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
    this.#requestHeaders(state, src, b, e, out);
    // a body follows: the line and headers are inspected now (Suricata inspects
    // each buffer at its own progress), the body again when it is complete
    const st = dir.st;
    if (dir.tx !== null && !dir.published && st >= St.BODY_CL && st <= St.CLOSE) {
      out.ready(dir.tx, TxSide.REQUEST);
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

  /**
   * Fill the header-derived buffers both directions have: from the start
   * line `src[lineFrom..lineTo)`, the header table, and the header block as
   * received, `raw[rawFrom..rawTo)`.
   */
  #fillHeaderBuffers(
    tx: HttpTx,
    src: Uint8Array,
    lineFrom: number,
    lineTo: number,
    raw: Uint8Array,
    rawFrom: number,
    rawTo: number,
    toServer: boolean,
  ): void {
    const buf = tx.buffers;
    const vals = this.#vals;
    const ids = toServer ? REQ_IDS : RES_IDS;
    const skip = toServer ? H.COOKIE : H.SET_COOKIE;
    const count = this.#hCount;
    if (this.#lineAt.length < count) this.#lineAt = new Int32Array(count * 2);
    if (this.#valueAt.length < count) this.#valueAt = new Int32Array(count * 2);
    const lineAt = this.#lineAt;
    const valueAt = this.#valueAt;
    // http.start: the line, every header as "name: value\r\n", an empty line.
    // The other header buffers are views of its bytes, or copies of them.
    const nameStart = this.#hNameStart;
    const nameEnd = this.#hNameEnd;
    const valStart = this.#hValStart;
    const valEnd = this.#hValEnd;
    let namesLength = 0;
    let valuesLength = 0;
    let skipped = 0;
    for (let h = 0; h < count; h++) {
      namesLength += nameEnd[h] - nameStart[h];
      valuesLength += valEnd[h] - valStart[h];
      if (this.#hCode[h] === skip) skipped++;
    }
    let headersEnd: number;
    buf.begin(ids.start);
    // the pieces are short (a header name, a value): written in place, not appended one by one
    if (buf.reserveOpen(lineTo - lineFrom + namesLength + valuesLength + 4 * count + 4)) {
      const out = buf.bytes;
      let at = put(out, buf.length, src, lineFrom, lineTo);
      out[at++] = CR;
      out[at++] = LF;
      for (let h = 0; h < count; h++) {
        lineAt[h] = at;
        at = put(out, at, src, nameStart[h], nameEnd[h]);
        out[at++] = COLON;
        out[at++] = SP;
        valueAt[h] = at;
        at = put(out, at, vals, valStart[h], valEnd[h]);
        out[at++] = CR;
        out[at++] = LF;
      }
      headersEnd = at;
      out[at++] = CR;
      out[at++] = LF;
      buf.extendTo(at);
    } else {
      buf.append(src, lineFrom, lineTo);
      buf.appendCrlf();
      for (let h = 0; h < count; h++) {
        lineAt[h] = buf.length;
        buf.append(src, nameStart[h], nameEnd[h]);
        buf.append(COLON_SPACE, 0, 2);
        valueAt[h] = buf.length;
        buf.append(vals, valStart[h], valEnd[h]);
        buf.appendCrlf();
      }
      headersEnd = buf.length;
      buf.appendCrlf();
    }
    buf.end();
    if (count > 0) {
      // http.header: the header lines, without the cookie ones
      if (skipped === 0) buf.alias(ids.header, lineAt[0], headersEnd);
      else {
        buf.begin(ids.header);
        for (let h = 0; h < count; h++) {
          if (this.#hCode[h] !== skip) buf.appendHeld(lineAt[h], this.#valueEnd(h) + 2);
        }
        buf.end();
      }
      buf.begin(ids.names);
      if (buf.reserveOpen(namesLength + 2 * count + 4)) {
        const out = buf.bytes;
        let at = buf.length;
        out[at++] = CR;
        out[at++] = LF;
        for (let h = 0; h < count; h++) {
          at = put(out, at, src, nameStart[h], nameEnd[h]);
          out[at++] = CR;
          out[at++] = LF;
        }
        out[at++] = CR;
        out[at++] = LF;
        buf.extendTo(at);
      } else {
        buf.appendCrlf();
        for (let h = 0; h < count; h++) {
          buf.append(src, nameStart[h], nameEnd[h]);
          buf.appendCrlf();
        }
        buf.appendCrlf();
      }
      buf.end();
      for (let h = 0; h < count; h++) buf.alias(ids.perHeader, lineAt[h], this.#valueEnd(h));
    }
    if (rawTo > rawFrom) buf.add(ids.raw, raw, rawFrom, rawTo);
    for (let h = 0; h < this.#hCount; h++) {
      const v0 = valueAt[h];
      const v1 = this.#valueEnd(h);
      switch (this.#hCode[h]) {
        case H.CONNECTION:
          buf.alias(ids.connection, v0, v1);
          break;
        case H.CONTENT_TYPE:
          buf.alias(ids.contentType, v0, v1);
          break;
        case H.CONTENT_LENGTH:
          buf.alias(ids.contentLen, v0, v1);
          break;
        case H.COOKIE:
          if (toServer) buf.alias(Q.COOKIE, v0, v1);
          break;
        case H.SET_COOKIE:
          if (!toServer) buf.alias(R.COOKIE, v0, v1);
          break;
        case H.USER_AGENT:
          if (toServer) buf.alias(Q.USER_AGENT, v0, v1);
          break;
        case H.REFERER:
          if (toServer) buf.alias(Q.REFERER, v0, v1);
          break;
        case H.ACCEPT:
          if (toServer) buf.alias(Q.ACCEPT, v0, v1);
          break;
        case H.ACCEPT_LANG:
          if (toServer) buf.alias(Q.ACCEPT_LANG, v0, v1);
          break;
        case H.ACCEPT_ENC:
          if (toServer) buf.alias(Q.ACCEPT_ENC, v0, v1);
          break;
        case H.SERVER:
          if (!toServer) buf.alias(R.SERVER, v0, v1);
          break;
        case H.LOCATION:
          if (!toServer) buf.alias(R.LOCATION, v0, v1);
          break;
      }
    }
  }

  /** The end of header h's value in the http.start buffer being filled (its CR LF follows). */
  #valueEnd(h: number): number {
    return this.#valueAt[h] + this.#hValEnd[h] - this.#hValStart[h];
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
    // the transaction may exist already: a response started before the request was complete
    const tx = dir.tx !== null && !dir.tx.hasRequest ? dir.tx : this.#newTx(state, out);
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
    tx.isConnect = equalsMem(src, mStart, mEnd - mStart, "CONNECT");
    if (equalsMem(src, mStart, mEnd - mStart, "PUT")) tx.requestFiles = 1;
    else if (equalsMem(src, mStart, mEnd - mStart, "POST")) tx.requestFiles = 1;
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
      // no protocol and no headers: HTTP/0.9, whose response has no status line
      tx.isProtocol09 = !(le < e - 1);
    }
    // headers
    const hFrom = Math.min(le + 1, e);
    this.#parseHeaderLines(tx, src, hFrom, e, true, out);
    this.#fillHeaderBuffers(tx, src, b, lineEnd, src, hFrom, e, true);
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
    if (tx.requestFiles === 1 && !tx.isHead) {
      // Suricata's HtpRequestBodySetupMultipart: a POST with a boundary is multipart
      const ct = this.#find(H.CONTENT_TYPE);
      if (ct >= 0 && !equalsMem(src, mStart, mEnd - mStart, "PUT")) {
        tx.boundary = multipartBoundary(this.#vals, this.#hValStart[ct], this.#hValEnd[ct]);
        if (tx.boundary !== null) tx.requestFiles = 2;
      }
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
        this.#bodyEnd(dir);
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
      dir.body = append(dir.body, dir.bodyLen, data, from, from + n);
      dir.bodyLen += n;
    }
    if (dir.bodyLen >= limit && dir.tx !== null) this.#publish(dir, toServer, out);
  }

  /** Fill the body buffer and publish the part. */
  #publish(dir: HttpDirection, _toServer: boolean, out: AppOutput): void {
    const tx = dir.tx!;
    dir.published = true;
    if (dir.bodyLen > 0) {
      tx.buffers.add(Q.REQUEST_BODY, dir.body, 0, dir.bodyLen);
      // the request's files (Suricata's HtpRequestBodyHandlePOSTorPUT / Multipart)
      if (tx.requestFiles === 1) tx.buffers.add(Q.FILE_DATA, dir.body, 0, dir.bodyLen);
      else if (tx.requestFiles === 2) multipartFiles(tx, dir.body, dir.bodyLen);
    }
    // copied into the transaction: the array serves other flows
    buffers.give(dir.body);
    dir.body = EMPTY;
    tx.progress |= TxSide.REQUEST;
    out.ready(tx, TxSide.REQUEST);
  }

  /** A message's body is complete (or the flow ends). */
  /** The request's body is over: what follows decides when it is complete. */
  #bodyEnd(dir: HttpDirection): void {
    dir.lineLen = 0;
    dir.lineCount = 0;
    dir.st = dir.tx === null ? St.LINE : St.FINALIZE;
  }

  /** The request is complete (or the flow ends): publish it. */
  #bodyDone(_state: HttpState, dir: HttpDirection, toServer: boolean, out: AppOutput): void {
    const tx = dir.tx;
    dir.st = St.LINE;
    dir.lineLen = 0;
    dir.lineCount = 0;
    if (tx === null) return;
    if (!dir.published) this.#publish(dir, toServer, out);
    dir.published = false;
    dir.bodyLen = 0;
    dir.tx = null;
    if (tx.resProgress === ResProgress.COMPLETE) this.#logTx(tx, out);
  }

  // ------------------------------------------------------------ responses (libhtp's outbound parser)

  /** libhtp's `htp_connp_res_data`: parse one chunk of server data (an empty one at close). */
  #resData(state: HttpState, data: Uint8Array, from: number, to: number, out: AppOutput): void {
    const r = state.res;
    if (r.dead || state.gaveUp || r.status === SS.ERROR) return;
    if (r.tx === null && r.st !== RS.IDLE) {
      r.status = SS.ERROR;
      return;
    }
    if (to - from === 0 && r.status !== SS.CLOSED) return;
    r.data = data;
    r.base = from;
    r.len = to - from;
    r.read = 0;
    r.consume = 0;
    r.tableFresh = false; // the scratch table may hold the request's headers now
    if (r.status === SS.TUNNEL) return;
    this.#out = out;
    this.#st = state;
    for (;;) {
      const rc = this.#resStep(state, r, out);
      if (rc === HTP.OK) {
        if (r.status === SS.TUNNEL || r.dead || state.gaveUp) break;
        continue;
      }
      if (rc === HTP.DATA || rc === HTP.DATA_BUFFER) {
        if (rc === HTP.DATA_BUFFER && !this.#resBuffer(r, out)) {
          r.status = SS.ERROR;
          break;
        }
        r.status = SS.DATA;
        break;
      }
      if (rc === HTP.DATA_OTHER) {
        r.status = SS.DATA;
        break;
      }
      r.status = SS.ERROR;
      break;
    }
    r.data = EMPTY;
  }

  #resStep(state: HttpState, r: ResState, out: AppOutput): number {
    switch (r.st) {
      case RS.IDLE:
        return this.#resIdle(state, r, out);
      case RS.LINE:
        return this.#resLine(state, r, out);
      case RS.HEADERS:
        return this.#resHeaders(state, r, out);
      case RS.BODY_DETERMINE:
        return this.#resBodyDetermine(state, r, out);
      case RS.CHUNKED_LENGTH:
        return this.#resChunkedLength(state, r, out);
      case RS.CHUNKED_DATA:
        return this.#resChunkedData(state, r, out);
      case RS.CHUNKED_DATA_END:
        return this.#resChunkedDataEnd(r);
      case RS.CL_KNOWN:
        return this.#resClKnown(state, r, out);
      case RS.STREAM_CLOSE:
        return this.#resStreamClose(state, r, out);
      case RS.FINALIZE:
        return this.#resFinalize(state, r, out);
    }
    return HTP.ERROR;
  }

  /** Keep the bytes of the chunk not consumed yet (libhtp's `htp_connp_res_buffer`). */
  #resBuffer(r: ResState, out: AppOutput): boolean {
    const n = Math.max(0, r.read - r.consume);
    const total = r.bufLen + n + (r.hdrActive ? r.hdrLen : 0);
    if (total > FIELD_LIMIT_HARD) {
      // "Response the buffer limit: ..." (Suricata knows no event for this wording)
      out.event(r.tx, "unknown_error");
      return false;
    }
    r.buf = append(r.buf, r.bufLen, r.data, r.base + r.consume, r.base + r.consume + n);
    r.bufLen += n;
    r.bufActive = true;
    r.consume = r.read;
    return true;
  }

  /** Set by {@link HttpParser.#resConsolidate}: the line's bytes. */
  #cData: Uint8Array = EMPTY;
  #cFrom = 0;
  #cLen = 0;

  /** libhtp's `htp_connp_res_consolidate_data`: the current line, buffered part included. */
  #resConsolidate(r: ResState, out: AppOutput): boolean {
    if (!r.bufActive) {
      this.#cData = r.data;
      this.#cFrom = r.base + r.consume;
      this.#cLen = Math.max(0, r.read - r.consume);
      return true;
    }
    if (!this.#resBuffer(r, out)) return false;
    this.#cData = r.buf;
    this.#cFrom = 0;
    this.#cLen = r.bufLen;
    return true;
  }

  /** libhtp's `htp_connp_res_clear_buffer`. */
  #resClear(r: ResState): void {
    r.consume = r.read;
    r.bufActive = false;
    r.bufLen = 0;
  }

  /** OUT_PEEK_NEXT */
  #peek(r: ResState): number {
    return r.read < r.len ? r.at(r.read) : -1;
  }

  /** libhtp's `htp_connp_RES_IDLE`: start a response and pair it with its request. */
  #resIdle(state: HttpState, r: ResState, out: AppOutput): number {
    if (r.read >= r.len) return HTP.DATA;
    let tx: HttpTx | null = null;
    for (const t of state.txs) {
      if (t.id === r.nextTxIndex) {
        tx = t;
        break;
      }
    }
    const req = state.req;
    let pendingRequest = false;
    if (
      tx === null && !req.dead && req.st === St.LINE && req.tx === null &&
      (req.hdrLen > 0 || req.lineLen > 0)
    ) {
      // libhtp makes the transaction on the request's first byte: this
      // response answers the request still being received
      tx = this.#newTx(state, out);
      if (tx === null) return HTP.ERROR;
      req.tx = tx;
      pendingRequest = true;
    }
    if (tx === null) {
      tx = this.#newTx(state, out);
      if (tx === null) return HTP.ERROR;
      out.event(tx, "unable_to_match_response_to_request");
    }
    r.nextTxIndex = tx.id + 1;
    r.bodyLeft = -1;
    // htp_tx_state_response_start
    r.tx = tx;
    tx.responseStarted = true;
    r.blkLen = 0;
    r.lineEnd = -1;
    r.linesLen = 0;
    r.rawLen = 0;
    r.trailer = false;
    r.filled = false;
    r.tableFresh = false;
    r.repetitions = 0;
    r.bodyLen = 0;
    r.published = false;
    r.bomb = false;
    r.decomp = null;
    if (tx.isProtocol09) {
      tx.transferCoding = TransferCoding.IDENTITY;
      tx.encodingProcessing = Coding.NONE;
      tx.resProgress = ResProgress.BODY;
      r.st = RS.STREAM_CLOSE;
    } else {
      r.st = RS.LINE;
      tx.resProgress = ResProgress.LINE;
    }
    if (pendingRequest && req.lineCount === 0) out.event(tx, "request_line_incomplete");
    return HTP.OK;
  }

  /** libhtp's `htp_connp_RES_LINE`. */
  #resLine(_state: HttpState, r: ResState, out: AppOutput): number {
    const tx = r.tx!;
    for (;;) {
      if (r.status !== SS.CLOSED) {
        if (r.read >= r.len) return HTP.DATA_BUFFER;
        r.next = r.at(r.read++);
      }
      if (r.next === CR) {
        const n = this.#peek(r);
        if (n === -1) return HTP.DATA_BUFFER;
        if (n === LF) continue;
        r.next = LF;
      }
      if (r.next !== LF && r.status !== SS.CLOSED) continue;
      if (!this.#resConsolidate(r, out)) return HTP.ERROR;
      const d = this.#cData;
      const f = this.#cFrom;
      let len = this.#cLen;
      if (isLineTerminator(d, f, len, false)) {
        if (r.status === SS.CLOSED) r.st = RS.FINALIZE;
        this.#resClear(r);
        return HTP.OK;
      }
      len = chomp(d, f, len);
      const chomped = chompResult;
      if (treatAsBody(d, f, len)) {
        // not a status line: browsers take it as body
        if (r.read + 1 < r.len && (r.at(r.read) === 0x48 || len <= 2)) {
          this.#resClear(r);
          return HTP.OK;
        }
        tx.encodingProcessing = Coding.NONE;
        r.consume = r.read;
        const rc = this.#resBody(r, tx, d, f, f + len + chomped);
        this.#resClear(r);
        if (rc !== HTP.OK) return rc;
        if (r.len <= r.read) {
          tx.transferCoding = TransferCoding.IDENTITY;
          tx.resProgress = ResProgress.BODY;
          r.bodyLeft = -1;
          r.st = RS.FINALIZE;
        }
        return HTP.OK;
      }
      // the response line (again after a 100 Continue)
      r.blkLen = 0;
      r.blkAdd(d, f, f + len);
      r.lineEnd = len;
      this.#resParseLine(r, tx, out);
      this.#resClear(r);
      r.st = RS.HEADERS;
      tx.resProgress = ResProgress.HEADERS;
      r.linesLen = 0;
      r.rawLen = 0;
      return HTP.OK;
    }
  }

  /** libhtp's `htp_parse_response_line_generic` and `htp_tx_state_response_line`. */
  #resParseLine(r: ResState, tx: HttpTx, out: AppOutput): void {
    const d = r.blk;
    const len = r.lineEnd;
    let pos = 0;
    r.protoStart =
      r.protoEnd =
      r.codeStart =
      r.codeEnd =
      r.msgStart =
        -1;
    tx.responseProtocol = -2;
    tx.status = -1;
    tx.hasStatusLine = false;
    tx.statusValue = 0;
    while (pos < len && htpSpace(d[pos])) pos++;
    let start = pos;
    while (pos < len && !htpSpace(d[pos])) pos++;
    if (pos > start) {
      r.protoStart = start;
      r.protoEnd = pos;
      tx.responseProtocol = htpProtocol(d, start, pos);
      while (pos < len && htpSpace(d[pos])) pos++;
      if (pos < len) {
        start = pos;
        while (pos < len && !htpSpace(d[pos])) pos++;
        r.codeStart = start;
        r.codeEnd = pos;
        tx.hasStatusLine = true;
        const v = parsePositiveIntWs(d, start, pos - start, 10);
        tx.status = v >= 100 && v <= 999 ? v : -1;
        let sv = 0;
        for (let k = start; k < pos && d[k] >= 0x30 && d[k] <= 0x39; k++) {
          sv = sv * 10 + d[k] - 0x30;
        }
        tx.statusValue = sv;
        while (pos < len && cIsSpace(d[pos])) pos++;
        if (pos < len) r.msgStart = pos;
      }
    }
    if (tx.responseProtocol === -2) out.event(tx, "response_invalid_protocol");
    if (tx.status === -1) out.event(tx, "response_invalid_status");
  }

  /** Hand a complete (unfolded) header line to the table (libhtp's `process_response_header`). */
  #resHeaderLine(r: ResState, d: Uint8Array, from: number, to: number): void {
    const s = r.blkLen;
    r.blkAdd(d, from, to);
    if (r.linesLen + 2 > r.lines.length) {
      const grown = new Int32Array(r.lines.length * 2);
      grown.set(r.lines);
      r.lines = grown;
    }
    r.lines[r.linesLen++] = s;
    r.lines[r.linesLen++] = r.blkLen;
  }

  /** libhtp's `htp_connp_RES_HEADERS` (response headers and trailers). */
  #resHeaders(_state: HttpState, r: ResState, out: AppOutput): number {
    const tx = r.tx!;
    let endWithCr = false;
    let lfCrEnding = false;
    for (;;) {
      if (r.status === SS.CLOSED) {
        r.st = RS.FINALIZE;
        return HTP.OK;
      }
      if (r.read >= r.len) return HTP.DATA_BUFFER;
      r.next = r.at(r.read++);
      if (r.next !== LF && r.next !== CR) {
        lfCrEnding = false;
        continue;
      }
      endWithCr = false;
      if (r.next === CR) {
        let n = this.#peek(r);
        if (n === -1) return HTP.DATA_BUFFER;
        if (n === LF) {
          r.read++;
          if (lfCrEnding) {
            // LF CR CR LF CR LF: only two line ends
            n = this.#peek(r);
            if (n === CR) {
              r.read++;
              r.consume++;
              n = this.#peek(r);
              if (n === LF) {
                r.read++;
                r.consume++;
                out.event(tx, "unknown_error"); // "Weird response end of lines mix"
              }
            }
          }
        } else if (n === CR) {
          continue;
        }
        lfCrEnding = false;
        endWithCr = true;
      } else {
        const n = this.#peek(r);
        lfCrEnding = false;
        if (n === CR) {
          r.read++;
          lfCrEnding = true;
        }
      }
      if (!this.#resConsolidate(r, out)) return HTP.ERROR;
      const d = this.#cData;
      const f = this.#cFrom;
      let len = this.#cLen;
      if (endWithCr && len < 2) continue; // CRCRLF is not an empty line
      if (!r.trailer) r.rawAdd(d, f, f + len);
      const nextNoLf = r.read < r.len && r.at(r.read) !== LF;
      if (isLineTerminator(d, f, len, nextNoLf)) {
        if (r.hdrActive) {
          this.#resHeaderLine(r, r.hdr, 0, r.hdrLen);
          r.hdrActive = false;
        }
        this.#resClear(r);
        r.st = r.trailer ? RS.FINALIZE : RS.BODY_DETERMINE;
        return HTP.OK;
      }
      len = chomp(d, f, len);
      if (len > 0 && !isFoldingChar(d[f])) {
        // a new header line
        if (r.hdrActive) {
          this.#resHeaderLine(r, r.hdr, 0, r.hdrLen);
          r.hdrActive = false;
        }
        if (!isFoldingChar(this.#peek(r))) {
          this.#resHeaderLine(r, d, f, f + len);
        } else {
          r.hdr = append(r.hdr, 0, d, f, f + len);
          r.hdrLen = len;
          r.hdrActive = true;
        }
      } else if (!r.hdrActive) {
        // folding without a header to add to
        if ((tx.resFlags & ResFlag.INVALID_FOLDING) === 0) {
          tx.resFlags |= ResFlag.INVALID_FOLDING;
          out.event(tx, "invalid_response_field_folding");
        }
        let trim = 0;
        while (trim < len && isFoldingChar(d[f + trim])) trim++;
        r.hdr = append(r.hdr, 0, d, f + trim, f + len);
        r.hdrLen = len - trim;
        r.hdrActive = true;
      } else {
        let colon = 0;
        while (colon < len && d[f + colon] !== COLON) colon++;
        let hdrColon = false;
        for (let k = 0; k < r.hdrLen && !hdrColon; k++) hdrColon = r.hdr[k] === COLON;
        if (colon < len && hdrColon && tx.responseProtocol === 101) {
          // a folded line that looks like a header of its own
          if ((tx.resFlags & ResFlag.INVALID_FOLDING) === 0) {
            tx.resFlags |= ResFlag.INVALID_FOLDING;
            out.event(tx, "invalid_response_field_folding");
          }
          this.#resHeaderLine(r, r.hdr, 0, r.hdrLen);
          r.hdr = append(r.hdr, 0, d, f + 1, f + len);
          r.hdrLen = len - 1;
        } else if (r.hdrLen < MAX_HEADER_FOLDED) {
          r.hdr = append(r.hdr, r.hdrLen, d, f, f + len);
          r.hdrLen += len;
        } else {
          out.event(tx, "unknown_error"); // "Response field length exceeds folded maximum"
        }
      }
      this.#resClear(r);
    }
  }

  /**
   * Build the header table of the response from its unfolded lines
   * (libhtp's `htp_parse_response_header_generic` and
   * `htp_process_response_header_generic`).
   */
  #resTable(r: ResState, tx: HttpTx, out: AppOutput): void {
    r.tableFresh = true;
    this.#hCount = 0;
    this.#valsLen = 0;
    const d = r.blk;
    const lines = r.lines;
    for (let li = 0; li < r.linesLen; li += 2) {
      const ls = lines[li];
      const le = ls + chomp(d, ls, lines[li + 1] - ls);
      let colon = ls;
      while (colon < le && d[colon] !== COLON) colon++;
      let nameEnd: number;
      let vs: number;
      if (colon === le) {
        if ((tx.resFlags & ResFlag.FIELD_UNPARSEABLE) === 0) {
          tx.resFlags |= ResFlag.FIELD_UNPARSEABLE | ResFlag.FIELD_INVALID;
          out.event(tx, "response_field_missing_colon");
        }
        nameEnd = ls;
        vs = ls;
      } else {
        if (colon === ls && (tx.resFlags & ResFlag.FIELD_INVALID) === 0) {
          tx.resFlags |= ResFlag.FIELD_INVALID;
          out.event(tx, "response_header_invalid");
        }
        nameEnd = colon;
        while (nameEnd > ls && htpSpace(d[nameEnd - 1])) {
          nameEnd--;
          if ((tx.resFlags & ResFlag.FIELD_INVALID) === 0) {
            tx.resFlags |= ResFlag.FIELD_INVALID;
            out.event(tx, "response_header_invalid");
          }
        }
        vs = colon + 1;
      }
      while (vs < le && isLws(d[vs])) vs++;
      let ve = le;
      for (let k = ls; k < nameEnd; k++) {
        if (!htpToken(d[k])) {
          if ((tx.resFlags & ResFlag.FIELD_INVALID) === 0) {
            tx.resFlags |= ResFlag.FIELD_INVALID;
            out.event(tx, "response_header_invalid");
          }
          break;
        }
      }
      while (ve - 1 > vs && isLws(d[ve - 1])) ve--;
      // the same name again (compared ignoring case only)
      const nameLen = nameEnd - ls;
      let found = -1;
      for (let h = 0; h < this.#hCount && found < 0; h++) {
        if (this.#hNameEnd[h] - this.#hNameStart[h] !== nameLen) continue;
        const hs = this.#hNameStart[h];
        let k = 0;
        while (k < nameLen && lower(d[hs + k]) === lower(d[ls + k])) k++;
        if (k === nameLen) found = h;
      }
      if (found >= 0) {
        if (this.#hRepeated[found] === 0) {
          this.#hRepeated[found] = 1;
          out.event(tx, "unknown_error"); // "Repetition for header"
        } else if (++r.repetitions > 64) {
          if (r.repetitions === 65) out.event(tx, "response_header_repetition");
          continue;
        }
        if (equalsNoCase(d, ls, nameEnd, "content-length")) {
          const a = parseContentLength(
            this.#vals,
            this.#hValStart[found],
            this.#hValEnd[found],
            null,
          );
          const b = parseContentLength(d, vs, ve, null);
          if (a === -1 || b === -1 || a !== b) {
            out.event(tx, "duplicate_content_length_field_in_response");
          }
          continue;
        }
        if (this.#hValEnd[found] !== this.#valsLen) {
          const s = this.#hValStart[found];
          const n = this.#hValEnd[found] - s;
          this.#addValue(this.#vals, s, s + n);
          this.#hValStart[found] = this.#valsLen - n;
        }
        this.#addValue(COMMA_SPACE, 0, 2);
        this.#addValue(d, vs, ve);
        this.#hValEnd[found] = this.#valsLen;
        continue;
      }
      if (this.#hCount >= MAX_HEADERS) {
        if (this.#hCount === MAX_HEADERS) out.event(tx, "response_too_many_headers");
        continue;
      }
      const h = this.#hCount++;
      if (h >= this.#hNameStart.length) this.#growTable();
      this.#hNameStart[h] = ls;
      this.#hNameEnd[h] = nameEnd;
      this.#hValStart[h] = this.#valsLen;
      this.#addValue(d, vs, Math.max(vs, ve));
      this.#hValEnd[h] = this.#valsLen;
      this.#hCode[h] = headerCode(d, ls, nameEnd);
      this.#hRepeated[h] = 0;
    }
  }

  /** A response header by name as libhtp's `htp_table_get_c` finds it (NULs in names ignored). */
  #resFind(r: ResState, name: string): number {
    for (let h = 0; h < this.#hCount; h++) {
      if (cmpNoCaseNorZero(r.blk, this.#hNameStart[h], this.#hNameEnd[h], name) === 0) return h;
    }
    return -1;
  }

  /** libhtp's `htp_connp_RES_BODY_DETERMINE`. */
  #resBodyDetermine(state: HttpState, r: ResState, out: AppOutput): number {
    const tx = r.tx!;
    this.#resTable(r, tx, out);
    const vals = this.#vals;
    const cl = this.#resFind(r, "content-length");
    const te = this.#resFind(r, "transfer-encoding");
    const status = tx.status;
    if (tx.isConnect && status >= 200 && status <= 299) {
      // a tunnel: nothing more of this connection is HTTP
      r.st = RS.FINALIZE;
      this.#resFill(r, tx);
      r.status = SS.TUNNEL;
      state.req.dead = true;
      return this.#resComplete(state, r, out);
    }
    if (status === 101) {
      if (te < 0 && cl < 0) {
        r.st = RS.FINALIZE;
        this.#resFill(r, tx);
        r.status = SS.TUNNEL;
        state.req.dead = true;
        return this.#resComplete(state, r, out);
      }
      out.event(tx, "unknown_error"); // "Switching Protocol with Content-Length"
    }
    if (status === 100 && te < 0) {
      let interim = true;
      if (cl >= 0 && parseContentLength(vals, this.#hValStart[cl], this.#hValEnd[cl], null) > 0) {
        interim = false;
      }
      if (interim) {
        if (tx.seen100) out.event(tx, "100_continue_already_seen");
        r.linesLen = 0;
        r.tableFresh = false;
        r.st = RS.LINE;
        tx.resProgress = ResProgress.LINE;
        tx.seen100 = true;
        return HTP.OK;
      }
    }
    if (tx.isHead) {
      tx.transferCoding = TransferCoding.NO_BODY;
      r.st = RS.FINALIZE;
    } else if ((status >= 100 && status <= 199) || status === 204 || status === 304) {
      if (te < 0 && cl < 0) {
        tx.transferCoding = TransferCoding.NO_BODY;
        r.st = RS.FINALIZE;
      } else {
        out.event(tx, "unknown_error"); // "Unexpected Response body"
      }
    }
    if (r.st !== RS.FINALIZE) {
      const ct = this.#resFind(r, "content-type");
      if (
        te >= 0 &&
        indexOfNoCaseNorZero(vals, this.#hValStart[te], this.#hValEnd[te], "chunked") !== -1
      ) {
        if (!equalsNoCase(vals, this.#hValStart[te], this.#hValEnd[te], "chunked")) {
          out.event(tx, "response_abnormal_transfer_encoding");
        }
        if (tx.responseProtocol < 101) out.event(tx, "response_chunked_old_proto");
        tx.transferCoding = TransferCoding.CHUNKED;
        r.st = RS.CHUNKED_LENGTH;
        tx.resProgress = ResProgress.BODY;
      } else if (cl >= 0) {
        tx.transferCoding = TransferCoding.IDENTITY;
        const n = parseContentLength(vals, this.#hValStart[cl], this.#hValEnd[cl], this.#warnSink);
        tx.responseContentLength = n;
        if (n < 0) {
          tx.responseContentLength = -1;
          out.event(tx, "invalid_content_length_field_in_response");
          this.#resFill(r, tx);
          return HTP.ERROR;
        }
        r.bodyLeft = n;
        if (n !== 0) {
          r.st = RS.CL_KNOWN;
          tx.resProgress = ResProgress.BODY;
        } else {
          r.st = RS.FINALIZE;
        }
      } else {
        if (
          ct >= 0 &&
          indexOfNoCase(vals, this.#hValStart[ct], this.#hValEnd[ct], "multipart/byteranges") !== -1
        ) {
          out.event(tx, "response_multipart_byteranges");
          this.#resFill(r, tx);
          return HTP.ERROR;
        }
        r.st = RS.STREAM_CLOSE;
        tx.transferCoding = TransferCoding.IDENTITY;
        tx.resProgress = ResProgress.BODY;
        r.bodyLeft = -1;
      }
    }
    return this.#resHeadersDone(r, tx, out);
  }

  /** libhtp's `htp_tx_state_response_headers`: the body decoders; the header buffers. */
  #resHeadersDone(r: ResState, tx: HttpTx, out: AppOutput): number {
    const vals = this.#vals;
    let multi = false;
    let coding: number = Coding.NONE;
    const ce = this.#resFind(r, "content-encoding");
    let v0 = 0;
    let v1 = 0;
    if (ce >= 0) {
      v0 = this.#hValStart[ce];
      v1 = this.#hValEnd[ce];
      if (
        cmpNoCaseNorZero(vals, v0, v1, "gzip") === 0 ||
        cmpNoCaseNorZero(vals, v0, v1, "x-gzip") === 0
      ) {
        coding = Coding.GZIP;
      } else if (
        cmpNoCaseNorZero(vals, v0, v1, "deflate") === 0 ||
        cmpNoCaseNorZero(vals, v0, v1, "x-deflate") === 0
      ) {
        coding = Coding.DEFLATE;
      } else if (cmpNoCaseNorZero(vals, v0, v1, "lzma") === 0) {
        coding = Coding.LZMA;
      } else if (cmpNoCaseNorZero(vals, v0, v1, "inflate") !== 0) {
        multi = true;
      }
    }
    tx.encodingProcessing = coding;
    this.#resFill(r, tx);
    // the status line and headers are inspected now, the body again when it is complete
    if (!r.published) out.ready(tx, TxSide.RESPONSE);
    if (coding === Coding.NONE && !multi) return HTP.OK;
    const warn = this.#warnSink;
    if (r.decomp !== null) this.#resEndDecoders(r);
    if (!multi) {
      r.decomp = new Decompressor(coding, warn);
      return HTP.OK;
    }
    let layers = 0;
    let nbLzma = 0;
    let comp: Decompressor | null = null;
    let input = v0;
    let inputLen = v1 - v0;
    while (inputLen > 0 && getToken(vals, input, inputLen)) {
      let cetype: number = Coding.NONE;
      if (this.decompressLayerLimit !== 0 && ++layers > this.decompressLayerLimit) {
        out.event(tx, "too_many_encoding_layers");
        break;
      }
      nbLzma++;
      const t0 = tokStart;
      const tl = tokLen;
      if (indexOfNoCase(vals, t0, t0 + tl, "gzip") !== -1) {
        if (!(equalsMem(vals, t0, tl, "gzip") || equalsMem(vals, t0, tl, "x-gzip"))) {
          out.event(tx, "abnormal_ce_header");
        }
        cetype = Coding.GZIP;
      } else if (indexOfNoCase(vals, t0, t0 + tl, "deflate") !== -1) {
        if (!(equalsMem(vals, t0, tl, "deflate") || equalsMem(vals, t0, tl, "x-deflate"))) {
          out.event(tx, "abnormal_ce_header");
        }
        cetype = Coding.DEFLATE;
      } else if (equalsMem(vals, t0, tl, "lzma")) {
        cetype = Coding.LZMA;
        if (nbLzma > this.lzmaLayerLimit) {
          out.event(tx, "compression_bomb");
          break;
        }
      } else if (equalsMem(vals, t0, tl, "inflate") || equalsMem(vals, t0, tl, "none")) {
        cetype = Coding.NONE;
      } else {
        out.event(tx, "abnormal_ce_header");
      }
      if (cetype !== Coding.NONE) {
        const d = new Decompressor(cetype, warn);
        if (comp === null) {
          tx.encodingProcessing = cetype;
          r.decomp = d;
        } else {
          comp.next = d;
        }
        comp = d;
      }
      // libhtp steps from where the token search started (bug for bug)
      if (tl + 1 >= inputLen) break;
      input += tl + 1;
      inputLen -= tl + 1;
    }
    return HTP.OK;
  }

  #resEndDecoders(r: ResState): void {
    for (let d: Decompressor | null = r.decomp; d !== null; d = d.next) d.end();
    r.decomp = null;
  }

  /** Fill the response's line and header buffers (once). */
  #resFill(r: ResState, tx: HttpTx): void {
    if (r.filled || r.lineEnd < 0) return;
    r.filled = true;
    const buf = tx.buffers;
    const d = r.blk;
    buf.add(R.RESPONSE_LINE, d, 0, r.lineEnd);
    if (r.protoStart >= 0) buf.add(R.PROTOCOL, d, r.protoStart, r.protoEnd);
    if (r.codeStart >= 0) buf.add(R.STAT_CODE, d, r.codeStart, r.codeEnd);
    if (r.msgStart >= 0) buf.add(R.STAT_MSG, d, r.msgStart, r.lineEnd);
    // the table is rebuilt when the headers did not end (the stream did)
    if (!r.tableFresh) this.#resTable(r, tx, this.#out!);
    this.#fillHeaderBuffers(tx, r.blk, 0, r.lineEnd, r.raw, 0, r.rawLen, false);
    const vals = this.#vals;
    const cr = this.#resFind(r, "content-range");
    if (cr >= 0) {
      tx.contentRange = String.fromCharCode(
        ...vals.subarray(
          this.#hValStart[cr],
          Math.min(this.#hValEnd[cr], this.#hValStart[cr] + 256),
        ),
      );
    }
  }

  /** libhtp's `htp_connp_RES_BODY_CHUNKED_LENGTH`. */
  #resChunkedLength(_state: HttpState, r: ResState, out: AppOutput): number {
    const tx = r.tx!;
    for (;;) {
      if (r.read >= r.len) return HTP.DATA_BUFFER;
      r.next = r.at(r.read++);
      if (r.next !== LF && (isChunkedCtl(r.next) || this.#probeChunkLength(r))) continue;
      if (!this.#resConsolidate(r, out)) return HTP.ERROR;
      const d = this.#cData;
      const f = this.#cFrom;
      const len = this.#cLen;
      tx.responseMessageLen += len;
      const n = parseChunkedLength(d, f, len);
      r.chunkedLength = n;
      if (chunkExtension) out.event(tx, "request_chunk_extension");
      if (n === -1004) {
        // an empty line before the length: go on
        r.consume = r.read;
        continue;
      }
      if (n < 0) {
        // not chunked after all: the rest is the body until the stream closes
        r.read = len > r.read ? 0 : r.read - len;
        r.st = RS.STREAM_CLOSE;
        tx.transferCoding = TransferCoding.IDENTITY;
        out.event(tx, "invalid_response_chunk_len");
        return HTP.OK;
      }
      this.#resClear(r);
      if (n > 0) {
        r.st = RS.CHUNKED_DATA;
      } else {
        r.st = RS.HEADERS;
        r.trailer = true;
        tx.resProgress = ResProgress.TRAILER;
      }
      return HTP.OK;
    }
  }

  /** libhtp's `data_probe_chunk_length`: whether the line so far may still be a chunk length. */
  #probeChunkLength(r: ResState): boolean {
    const n = r.read - r.consume;
    if (n < 8) return true;
    for (let i = 0; i < n; i++) {
      const c = r.at(r.consume + i);
      if (isChunkedCtl(c)) continue;
      return hexDigit(c) >= 0;
    }
    return true;
  }

  /** libhtp's `htp_connp_RES_BODY_CHUNKED_DATA`. */
  #resChunkedData(_state: HttpState, r: ResState, _out: AppOutput): number {
    const n = Math.min(r.chunkedLength, r.len - r.read);
    if (n === 0) return HTP.DATA;
    const rc = this.#resBody(r, r.tx!, r.data, r.base + r.read, r.base + r.read + n);
    if (rc !== HTP.OK) return rc;
    r.read += n;
    r.consume += n;
    r.chunkedLength -= n;
    if (r.chunkedLength === 0) {
      r.st = RS.CHUNKED_DATA_END;
      return HTP.OK;
    }
    return HTP.DATA;
  }

  /** libhtp's `htp_connp_RES_BODY_CHUNKED_DATA_END`: up to the end of the line. */
  #resChunkedDataEnd(r: ResState): number {
    const tx = r.tx!;
    for (;;) {
      if (r.read >= r.len) return HTP.DATA;
      r.next = r.at(r.read++);
      r.consume++;
      tx.responseMessageLen++;
      if (r.next === LF) {
        r.st = RS.CHUNKED_LENGTH;
        return HTP.OK;
      }
    }
  }

  /** libhtp's `htp_connp_RES_BODY_IDENTITY_CL_KNOWN`. */
  #resClKnown(_state: HttpState, r: ResState, _out: AppOutput): number {
    const tx = r.tx!;
    const n = Math.min(r.bodyLeft, r.len - r.read);
    if (r.status === SS.CLOSED) {
      r.st = RS.FINALIZE;
      return this.#resBody(r, tx, null, 0, 0);
    }
    if (n === 0) return HTP.DATA;
    const rc = this.#resBody(r, tx, r.data, r.base + r.read, r.base + r.read + n);
    if (rc !== HTP.OK) return rc;
    r.read += n;
    r.consume += n;
    r.bodyLeft -= n;
    if (r.bodyLeft === 0) {
      r.st = RS.FINALIZE;
      return this.#resBody(r, tx, null, 0, 0);
    }
    return HTP.DATA;
  }

  /** libhtp's `htp_connp_RES_BODY_IDENTITY_STREAM_CLOSE`. */
  #resStreamClose(_state: HttpState, r: ResState, _out: AppOutput): number {
    const n = r.len - r.read;
    if (n !== 0) {
      const rc = this.#resBody(r, r.tx!, r.data, r.base + r.read, r.base + r.read + n);
      if (rc !== HTP.OK) return rc;
      r.read += n;
      r.consume += n;
    }
    if (r.status === SS.CLOSED) {
      r.st = RS.FINALIZE;
      return HTP.OK;
    }
    return HTP.DATA;
  }

  /** libhtp's `htp_connp_RES_FINALIZE`: more body, or the next response. */
  #resFinalize(state: HttpState, r: ResState, out: AppOutput): number {
    if (r.status !== SS.CLOSED) {
      const n = this.#peek(r);
      if (n === -1) return this.#resComplete(state, r, out);
      if (n !== LF || r.consume >= r.read) {
        for (;;) {
          if (r.read >= r.len) return HTP.DATA_BUFFER;
          r.next = r.at(r.read++);
          if (r.next === LF) break;
        }
      }
    }
    if (!this.#resConsolidate(r, out)) return HTP.ERROR;
    const d = this.#cData;
    const f = this.#cFrom;
    const left = this.#cLen;
    if (left === 0) return this.#resComplete(state, r, out);
    if (treatAsBody(d, f, left)) {
      out.event(r.tx, "unknown_error"); // "Unexpected response body"
      const rc = this.#resBody(r, r.tx!, d, f, f + left);
      this.#resClear(r);
      return rc;
    }
    // unread the line so that the next response's line parser sees it
    r.read = r.read < left ? 0 : r.read - left;
    if (r.read < r.consume) r.consume = r.read;
    return this.#resComplete(state, r, out);
  }

  /** libhtp's `htp_tx_state_response_complete_ex` (not hybrid). */
  #resComplete(state: HttpState, r: ResState, out: AppOutput): number {
    const tx = r.tx!;
    if (tx.resProgress !== ResProgress.COMPLETE) {
      tx.resProgress = ResProgress.COMPLETE;
      if (tx.transferCoding !== TransferCoding.NO_BODY) this.#resBody(r, tx, null, 0, 0);
      this.#resPublish(r, tx, out);
    }
    if (r.dataOtherAtTxEnd) r.dataOtherAtTxEnd = false;
    const req = state.req;
    if ((tx.progress & TxSide.REQUEST) !== 0 || (!tx.hasRequest && req.tx !== tx)) {
      this.#logTx(tx, out);
    }
    r.tx = null;
    r.st = RS.IDLE;
    // the response is done: its header bytes serve other flows until the next one
    r.releaseHeaderBytes();
    return HTP.OK;
  }

  /** Publish the response part: its buffers and the body kept so far. */
  #resPublish(r: ResState, tx: HttpTx, out: AppOutput): void {
    if (r.published) return;
    r.published = true;
    this.#resFill(r, tx);
    if (r.bodyLen > 0) {
      // the transaction takes the array over
      tx.buffers.adopt(R.FILE_DATA, r.body, r.bodyLen);
      addResponseFileName(tx);
    } else {
      buffers.give(r.body);
    }
    r.body = EMPTY;
    tx.progress |= TxSide.RESPONSE;
    out.ready(tx, TxSide.RESPONSE);
  }

  /** libhtp's `htp_tx_res_process_body_data_ex`: body bytes, or null for the end of the body. */
  #resBody(r: ResState, tx: HttpTx, data: Uint8Array | null, from: number, to: number): number {
    tx.responseMessageLen += to - from;
    if (tx.encodingProcessing !== Coding.NONE) {
      if (r.decomp === null) return HTP.ERROR;
      this.#sinkR = r;
      this.#sinkTx = tx;
      r.decomp.decompress(data, from, to, this.#bodySink, this.#warnSink);
      if (r.bomb) {
        for (let d: Decompressor | null = r.decomp; d !== null; d = d.next) d.end();
      }
      if (data === null) this.#resEndDecoders(r);
      return HTP.OK;
    }
    if (data === null) return HTP.OK;
    tx.responseEntityLen += to - from;
    this.#resKeep(r, tx, data, from, to);
    return HTP.OK;
  }

  #sinkR: ResState | null = null;
  #sinkTx: HttpTx | null = null;
  #out: AppOutput | null = null;
  #st: HttpState | null = null;

  /** Decoded body bytes (libhtp's decompressor callback). */
  readonly #bodySink = (data: Uint8Array, from: number, to: number): void => {
    const r = this.#sinkR!;
    const tx = this.#sinkTx!;
    tx.responseEntityLen += to - from;
    this.#resKeep(r, tx, data, from, to);
    if (
      tx.responseEntityLen > COMPRESSION_BOMB_LIMIT &&
      tx.responseEntityLen > COMPRESSION_BOMB_RATIO * tx.responseMessageLen && !r.bomb
    ) {
      r.bomb = true;
      this.#out?.event(tx, "compression_bomb");
    }
  };

  /** libhtp's decompressor warnings as Suricata's events. */
  readonly #warnSink = (message: string): void => {
    const tx = this.#st?.res.tx ?? this.#sinkTx ?? null;
    this.#out?.event(
      tx,
      message.startsWith("GZip decompressor:") ? "gzip_decompression_failed" : "unknown_error",
    );
  };

  /** Suricata's response body callback: keep the body up to the limit. */
  #resKeep(r: ResState, tx: HttpTx, data: Uint8Array, from: number, to: number): void {
    if (r.published) return;
    const limit = this.responseBodyLimit;
    const n = Math.min(to - from, limit - r.bodyLen);
    if (n > 0) {
      if (r.bodyLen === 0 && tx.encodingProcessing === Coding.NONE) {
        // a body of known length gets room for what is kept of it at once
        // (growing the array as it arrives copies what it holds each time)
        const whole = Math.min(limit, tx.responseContentLength, MAX_TX_BUFFER_BYTES);
        if (whole > r.body.length) {
          buffers.give(r.body);
          r.body = buffers.take(whole);
        }
      }
      r.body = append(r.body, r.bodyLen, data, from, from + n);
      r.bodyLen += n;
    }
    if (r.bodyLen >= limit) this.#resPublish(r, tx, this.#out!);
  }

  /** Bytes of the server stream were lost. */
  #resGap(state: HttpState, length: number, out: AppOutput): void {
    const r = state.res;
    if (r.dead || state.gaveUp || r.status === SS.ERROR || r.tx === null) return;
    const tx = r.tx;
    this.#out = out;
    this.#st = state;
    switch (r.st) {
      case RS.CL_KNOWN: {
        const n = Math.min(length, r.bodyLeft);
        tx.responseMessageLen += n;
        r.bodyLeft -= n;
        if (r.bodyLeft === 0) {
          r.st = RS.FINALIZE;
          this.#resBody(r, tx, null, 0, 0);
        }
        return;
      }
      case RS.STREAM_CLOSE:
        tx.responseMessageLen += length;
        return;
      case RS.FINALIZE:
        this.#resComplete(state, r, out);
        return;
    }
    // "Gaps are not allowed during this state": the state stays
  }

  /** The server side of the connection closed (libhtp's `htp_connp_close`). */
  #resClose(state: HttpState, out: AppOutput): void {
    const r = state.res;
    if (r.dead || state.gaveUp) return;
    if (r.status !== SS.ERROR) r.status = SS.CLOSED;
    this.#resData(state, EMPTY, 0, 0, out);
    const tx = r.tx;
    if (tx !== null && !r.published) {
      // Suricata inspects what it has of the body at the end of the stream
      this.#resPublish(r, tx, out);
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
const CRLFCRLF = new Uint8Array([CR, LF, CR, LF]);
const COLON_SPACE = new Uint8Array([COLON, SP]);

/** Write `src[from..to)` to `out` at `at` (room known); returns the offset after it. Short runs. */
function put(out: Uint8Array, at: number, src: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) out[at++] = src[i];
  return at;
}
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
