/**
 * The SIP parser over UDP, as Suricata 7's rust/src/sip: one message per
 * datagram, read by the direction it travels -- to the server as a request
 * (`METHOD SP Request-URI SP SIP-Version CRLF`), to the client as a
 * response (`SIP-Version SP Status-Code SP Reason-Phrase CRLF`) -- then
 * header lines up to an empty line, then the body.
 *
 * Every well-formed message is its own {@link SipTx} (requests and
 * responses are not paired; EVE's `tx_id` counts messages), published and
 * logged at once. Buffers: `sip.method`, `sip.uri`, `sip.request_line` on a
 * request; `sip.stat_code`, `sip.stat_msg`, `sip.response_line` on a
 * response; `sip.protocol` on both. A message that is cut short raises
 * `incomplete_data`, one that does not parse `invalid_data` (UDP keep-alives
 * do), raised without a transaction: Suricata sets them on the flow's latest
 * transaction, already inspected and logged, so EVE never shows them.
 *
 * @module
 */

import { BufferSide, registerBuffer, registerBufferSide } from "../detect/buffers.ts";
import { eveBytes } from "./http_eve.ts";
import {
  type AppLogStyle,
  type AppOutput,
  type AppParser,
  Transaction,
  TxSide,
} from "./transaction.ts";

/** Buffer id of `sip.method`. */
export const SIP_METHOD_BUFFER: number = registerBuffer("sip.method", "sip", true).id;
/** Buffer id of `sip.uri`. */
export const SIP_URI_BUFFER: number = registerBuffer("sip.uri", "sip", true).id;
/** Buffer id of `sip.protocol` (request and response). */
export const SIP_PROTOCOL_BUFFER: number = registerBuffer("sip.protocol", "sip", true).id;
/** Buffer id of `sip.request_line`. */
export const SIP_REQUEST_LINE_BUFFER: number = registerBuffer("sip.request_line", "sip", true).id;
/** Buffer id of `sip.stat_code`. */
export const SIP_STAT_CODE_BUFFER: number = registerBuffer("sip.stat_code", "sip", true).id;
/** Buffer id of `sip.stat_msg`. */
export const SIP_STAT_MSG_BUFFER: number = registerBuffer("sip.stat_msg", "sip", true).id;
/** Buffer id of `sip.response_line`. */
export const SIP_RESPONSE_LINE_BUFFER: number = registerBuffer("sip.response_line", "sip", true).id;

for (const name of ["sip.stat_code", "sip.stat_msg", "sip.response_line"]) {
  registerBufferSide(name, BufferSide.RESPONSE);
}
registerBufferSide("sip.protocol", BufferSide.EITHER);

/** Default bound on a flow's transactions not yet collected. */
export const SIP_MAX_LIVE_TX = 512;

/** One SIP message. */
export class SipTx extends Transaction {
  /** A request (else a response). */
  isRequest = true;

  /** Make the transaction new again. */
  override reset(): void {
    super.reset();
    this.isRequest = true;
  }
}

/** A flow's SIP state. */
export class SipState {
  /** Live transactions, oldest first. */
  readonly txs: SipTx[] = [];
  /** The next transaction's id. */
  nextTxId = 0;
  /** Messages dropped because too many transactions were live. */
  dropped = 0;
  /** Datagrams that were not a whole SIP message. */
  malformed = 0;
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const SIP_SLASH = new Uint8Array([0x53, 0x49, 0x50, 0x2f]); // "SIP/"

/** `!%'*+-._\`` and alphanumerics (RFC 3261 token). */
function isToken(b: number): boolean {
  return isAlnum(b) || b === 0x21 || b === 0x25 || b === 0x27 || b === 0x2a || b === 0x2b ||
    b === 0x2d || b === 0x2e || b === 0x5f || b === 0x60;
}

function isAlnum(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

function isAlpha(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/** Request-URI characters: token, `~#@:;=?+&$,/`. */
function isUriChar(b: number): boolean {
  return isToken(b) || b === 0x7e || b === 0x23 || b === 0x40 || b === 0x3a || b === 0x3b ||
    b === 0x3d || b === 0x3f || b === 0x26 || b === 0x24 || b === 0x2c || b === 0x2f;
}

/** Version characters after `SIP/`: alphanumerics, `.` and `/`. */
function isVersionChar(b: number): boolean {
  return isAlnum(b) || b === 0x2e || b === 0x2f;
}

/** Reason-phrase characters: token, `$&(),/:;=?@[\]^` and space. */
function isReasonChar(b: number): boolean {
  return isToken(b) || b === 0x24 || b === 0x26 || b === 0x28 || b === 0x29 || b === 0x2c ||
    b === 0x2f || b === 0x3a || b === 0x3b || b === 0x3d || b === 0x3f || b === 0x40 ||
    b === 0x5b || b === 0x5c || b === 0x5d || b === 0x5e || b === SP;
}

/** What reading a message found. */
const Parse = { OK: 0, INCOMPLETE: 1, INVALID: 2 } as const;

/**
 * The SIP parser (UDP). One instance per worker; it pools the transactions
 * of all its flows.
 *
 * @example
 * ```ts
 * import { SipParser } from "./sip_parser.ts";
 * const parser = new SipParser();
 * const state = parser.newState();
 * const out = { ready() {}, log() {}, event() {} };
 * const msg = new TextEncoder().encode("OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n");
 * parser.parse(state, true, msg, 0, msg.length, out);
 * console.log(state.txs.length); // 1
 * ```
 */
export class SipParser implements AppParser<SipState> {
  /** EVE's protocol name. */
  readonly name = "sip";
  /** How EVE writes its records and events. */
  readonly logStyle: AppLogStyle = {
    txId: false,
    packetSide: true,
    eventsAsRaised: true,
    dropsEventsWithoutTx: true,
  };
  /** Bound on live transactions per flow. */
  readonly maxLiveTx: number;
  readonly #pool: SipTx[] = [];
  /** Field bounds of the message being read. */
  readonly #f = new Int32Array(8);

  /** @param maxLiveTx bound on live transactions per flow */
  constructor(maxLiveTx = SIP_MAX_LIVE_TX) {
    this.maxLiveTx = maxLiveTx;
  }

  /** A fresh per-flow state. */
  newState(): SipState {
    return new SipState();
  }

  /** Make a state fresh for another flow; its transactions go back to the pool. */
  resetState(state: SipState): void {
    for (const tx of state.txs) this.#release(tx);
    state.txs.length = 0;
    state.nextTxId = 0;
    state.dropped = 0;
    state.malformed = 0;
  }

  /** Parse one datagram. */
  parse(
    state: SipState,
    toServer: boolean,
    data: Uint8Array,
    start: number,
    end: number,
    out: AppOutput,
  ): void {
    if (end <= start) return;
    const f = this.#f;
    const r = toServer ? readRequest(data, start, end, f) : readResponse(data, start, end, f);
    if (r !== Parse.OK) {
      // Suricata sets it on the flow's latest transaction, which was logged and
      // inspected with its own datagram: the event is raised without one
      state.malformed++;
      out.event(null, r === Parse.INCOMPLETE ? "incomplete_data" : "invalid_data");
      return;
    }
    if (state.txs.length >= this.maxLiveTx) {
      state.dropped++;
      state.nextTxId++;
      return;
    }
    const tx = this.#pool.pop() ?? new SipTx();
    tx.id = state.nextTxId++;
    tx.isRequest = toServer;
    const b = tx.buffers;
    // f: [0,1) first field, [1,2) second, [2,3) third, f[3] end of the line
    if (toServer) {
      b.add(SIP_METHOD_BUFFER, data, f[0], f[1]);
      b.add(SIP_URI_BUFFER, data, f[2], f[3]);
      b.add(SIP_PROTOCOL_BUFFER, data, f[4], f[5]);
      b.add(SIP_REQUEST_LINE_BUFFER, data, start, f[6]);
    } else {
      b.add(SIP_PROTOCOL_BUFFER, data, f[0], f[1]);
      b.add(SIP_STAT_CODE_BUFFER, data, f[2], f[3]);
      b.add(SIP_STAT_MSG_BUFFER, data, f[4], f[5]);
      b.add(SIP_RESPONSE_LINE_BUFFER, data, start, f[6]);
    }
    const side = toServer ? TxSide.REQUEST : TxSide.RESPONSE;
    tx.progress = side;
    state.txs.push(tx);
    out.ready(tx, side);
    out.log(tx, side);
  }

  /** UDP has no gaps. */
  gap(_state: SipState, _toServer: boolean, _length: number, _out: AppOutput): void {}

  /** Every message was logged when it was parsed. */
  finish(_state: SipState, _out: AppOutput): void {}

  /** Return the transactions published and logged to the pool. */
  collect(state: SipState): void {
    const txs = state.txs;
    let kept = 0;
    for (let k = 0; k < txs.length; k++) {
      const tx = txs[k];
      const side = tx.progress;
      if ((tx.published & side) === side && (tx.logged & side) === side) this.#release(tx);
      else txs[kept++] = tx;
    }
    txs.length = kept;
  }

  /**
   * The EVE `sip` object (the same for the sip record and alerts):
   * `{method, uri, version, request_line}` or
   * `{version, code, reason, response_line}`.
   */
  eve(tx: Transaction, _side: number, _forAlert: boolean): Record<string, unknown> | null {
    const t = tx as SipTx;
    const o: Record<string, unknown> = {};
    const put = (key: string, id: number) => {
      const b = t.buffers;
      const s = b.first(id);
      if (s >= 0) o[key] = eveBytes(b.bytes.subarray(b.spanStart[s], b.spanEnd[s]));
    };
    if (t.isRequest) {
      put("method", SIP_METHOD_BUFFER);
      put("uri", SIP_URI_BUFFER);
      put("version", SIP_PROTOCOL_BUFFER);
      put("request_line", SIP_REQUEST_LINE_BUFFER);
    } else {
      put("version", SIP_PROTOCOL_BUFFER);
      put("code", SIP_STAT_CODE_BUFFER);
      put("reason", SIP_STAT_MSG_BUFFER);
      put("response_line", SIP_RESPONSE_LINE_BUFFER);
    }
    return o;
  }

  #release(tx: SipTx): void {
    tx.reset();
    this.#pool.push(tx);
  }
}

/**
 * Read a request: fills `f` with method [0,1), URI [2,3), version [4,5)
 * and the end of the request line (f[6]).
 */
function readRequest(d: Uint8Array, start: number, end: number, f: Int32Array): number {
  let i = start;
  while (i < end && isAlpha(d[i])) i++;
  if (i === end) return Parse.INCOMPLETE;
  if (i === start || d[i] !== SP) return Parse.INVALID;
  f[0] = start;
  f[1] = i++;
  const u = i;
  while (i < end && isUriChar(d[i])) i++;
  if (i === end) return Parse.INCOMPLETE;
  if (i === u || d[i] !== SP) return Parse.INVALID;
  f[2] = u;
  f[3] = i++;
  const v = readVersion(d, i, end);
  if (v < 0) return -v;
  f[4] = i;
  f[5] = v;
  f[6] = v;
  return readRest(d, v, end);
}

/**
 * Read a response: fills `f` with version [0,1), status code [2,3),
 * reason [4,5) and the end of the status line (f[6]).
 */
function readResponse(d: Uint8Array, start: number, end: number, f: Int32Array): number {
  const v = readVersion(d, start, end);
  if (v < 0) return -v;
  f[0] = start;
  f[1] = v;
  let i = v;
  if (i === end) return Parse.INCOMPLETE;
  if (d[i] !== SP) return Parse.INVALID;
  i++;
  if (end - i < 3) return Parse.INCOMPLETE;
  f[2] = i;
  f[3] = i + 3;
  i += 3;
  if (i === end) return Parse.INCOMPLETE;
  if (d[i] !== SP) return Parse.INVALID;
  i++;
  const r = i;
  while (i < end && isReasonChar(d[i])) i++;
  f[4] = r;
  f[5] = i;
  f[6] = i;
  return readRest(d, i, end);
}

/** `SIP/` then version characters: returns where they end, or -Parse.* */
function readVersion(d: Uint8Array, i: number, end: number): number {
  for (let k = 0; k < 4; k++, i++) {
    if (i === end) return -Parse.INCOMPLETE;
    if (d[i] !== SIP_SLASH[k]) return -Parse.INVALID;
  }
  const s = i;
  while (i < end && isVersionChar(d[i])) i++;
  if (i === end) return -Parse.INCOMPLETE;
  if (i === s) return -Parse.INVALID;
  return i;
}

/** The CRLF ending the first line, header lines, the empty line; the body is the rest. */
function readRest(d: Uint8Array, i: number, end: number): number {
  if (end - i < 2) return Parse.INCOMPLETE;
  if (d[i] !== CR || d[i + 1] !== LF) return Parse.INVALID;
  i += 2;
  for (;;) {
    if (end - i < 2) return Parse.INCOMPLETE;
    if (d[i] === CR && d[i + 1] === LF) return Parse.OK;
    if (d[i] === SP || d[i] === 0x09) {
      // a folded header line continues the previous one
      while (i < end && d[i] !== LF) i++;
      if (i === end) return Parse.INCOMPLETE;
      i++;
      continue;
    }
    // a header: a name of token characters, optional spaces, a colon, a value to CRLF
    const n = i;
    while (i < end && isToken(d[i])) i++;
    if (i === end) return Parse.INCOMPLETE;
    if (i === n) return Parse.INVALID;
    while (i < end && (d[i] === SP || d[i] === 0x09)) i++;
    if (i === end) return Parse.INCOMPLETE;
    if (d[i] !== 0x3a) return Parse.INVALID;
    while (i < end && d[i] !== LF) i++;
    if (i === end) return Parse.INCOMPLETE;
    if (d[i - 1] !== CR) return Parse.INVALID;
    i++;
  }
}
