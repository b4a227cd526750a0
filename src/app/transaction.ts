/**
 * Application-layer transactions and the buffers rules inspect in them.
 *
 * A parser turns a flow's bytes into {@link Transaction}s (an HTTP
 * request/response pair, a DNS query/answer, a TLS handshake, an SSH banner
 * exchange). When a part of a transaction is complete the parser publishes
 * the part's inspection buffers into the transaction's {@link TxBuffers} --
 * `http.uri`, `http.user_agent`, `dns.query`, `tls.sni`, ... by buffer id
 * (see src/detect/buffers.ts) -- and announces it through {@link AppOutput}.
 * Detection then inspects the buffers of that part on the packet that
 * completed it.
 *
 * Buffers are byte ranges of one byte array owned by the transaction. Bytes
 * are copied into it once when a part completes (a header block may have
 * arrived in several segments, and decoding -- URI normalisation, DNS name
 * decompression, gzip -- changes them anyway); a message body that a parser
 * gathered in a pooled array is not copied again: the transaction adopts the
 * array ({@link TxBuffers.adopt}). Transactions come from a pool
 * per parser and keep their byte array's capacity when reused, so a flow in
 * steady state allocates nothing.
 *
 * @module
 */

import { ByteCopier } from "../flow/byte_copy.ts";
import { workerBytes } from "./byte_pool.ts";
import type { JsonBytes } from "../output/json_bytes.ts";

/** Copies buffer bytes into transactions (memcpy for long runs). */
const copier = new ByteCopier();
/**
 * Transaction byte arrays come from the worker's pool: a transaction gives
 * its array back when it is reset for reuse, so pooled transactions hold none.
 */
const txBytes = workerBytes;
const EMPTY = new Uint8Array(0);

/** The parts of a transaction (bits of {@link Transaction.progress}). */
export const TxSide = {
  /** The client's part: request, query, ClientHello, client banner. */
  REQUEST: 1,
  /** The server's part: response, answer, ServerHello + certificate, server banner. */
  RESPONSE: 2,
  /** Both parts. */
  BOTH: 3,
} as const;

/** Buffer ids are below this (sticky buffers and their transformed variants). */
export const MAX_BUFFER_IDS = 1024;

/**
 * The smallest array a transaction takes from the pool: an HTTP transaction's
 * request and response header buffers alone fill 1-3 KiB, and each growth
 * copies what is held.
 */
const FIRST_BYTES = 4096;

/** Largest total of buffer bytes one transaction keeps (more is cut off). */
export const MAX_TX_BUFFER_BYTES = 1 << 20;

/**
 * The inspection buffers of one transaction: spans of {@link TxBuffers.bytes}
 * by buffer id. A buffer may hold several spans (a multi-buffer such as
 * `dns.query` with two questions, or `tls.certs`): {@link TxBuffers.first}
 * gives the first span of a buffer and {@link TxBuffers.next} the one after.
 *
 * @example
 * ```ts
 * import { TxBuffers } from "./transaction.ts";
 * const b = new TxBuffers();
 * const host = new TextEncoder().encode("Host: example.com\r\n");
 * b.add(7, host, 6, 17); // buffer 7 = "example.com"
 * const s = b.first(7);
 * console.log(b.spanEnd[s] - b.spanStart[s]); // 11
 * ```
 */
export class TxBuffers {
  /** The bytes all spans point into (grows; its capacity is kept on reuse). */
  bytes: Uint8Array;
  /** Bytes used in {@link TxBuffers.bytes}. */
  length = 0;
  /** Start of each span in {@link TxBuffers.bytes}. */
  spanStart: Int32Array;
  /** End (exclusive) of each span. */
  spanEnd: Int32Array;
  /** The next span of the same buffer, -1 for the last. */
  spanNext: Int32Array;
  /** Spans in use. */
  spanCount = 0;
  /** First span per buffer id, -1 when the buffer is absent. */
  readonly #first: Int32Array = new Int32Array(MAX_BUFFER_IDS).fill(-1);
  /** Last span per buffer id (to append in order). */
  readonly #last: Int32Array = new Int32Array(MAX_BUFFER_IDS).fill(-1);
  /** Buffer ids set, to clear only those. */
  readonly #set: Int32Array = new Int32Array(MAX_BUFFER_IDS);
  #setCount = 0;
  /** The span being built by {@link TxBuffers.begin}, -1 when none. */
  #open = -1;

  /** @param capacity initial byte capacity */
  constructor(capacity = 1024) {
    this.bytes = new Uint8Array(capacity);
    this.spanStart = new Int32Array(16);
    this.spanEnd = new Int32Array(16);
    this.spanNext = new Int32Array(16);
  }

  /** Forget every buffer (the capacity stays). */
  clear(): void {
    for (let k = 0; k < this.#setCount; k++) {
      const id = this.#set[k];
      this.#first[id] = -1;
      this.#last[id] = -1;
    }
    this.#setCount = 0;
    this.length = 0;
    this.spanCount = 0;
    this.#open = -1;
  }

  /**
   * The first span of a buffer.
   *
   * @param bufferId a buffer id
   * @returns a span index, or -1 when the transaction has no such buffer
   */
  first(bufferId: number): number {
    return this.#first[bufferId];
  }

  /**
   * The span after `span` in the same buffer.
   *
   * @param span a span index
   * @returns the next span index, or -1
   */
  next(span: number): number {
    return this.spanNext[span];
  }

  /**
   * Whether the transaction has the buffer.
   *
   * @param bufferId a buffer id
   */
  has(bufferId: number): boolean {
    return this.#first[bufferId] >= 0;
  }

  /**
   * Add a span to a buffer with a copy of `src[from..to)`.
   *
   * @param bufferId the buffer
   * @param src the bytes
   * @param from first byte
   * @param to one past the last byte
   * @returns false when the transaction's byte limit cut it off
   */
  add(bufferId: number, src: Uint8Array, from: number, to: number): boolean {
    this.begin(bufferId);
    const whole = this.append(src, from, to);
    this.end();
    return whole;
  }

  /**
   * Add a span holding `src[0..n)`, where `src` is an array from the
   * worker's byte pool that the transaction takes over (the caller drops
   * it): when the bytes held so far are fewer than `n`, `src` becomes
   * {@link TxBuffers.bytes} and they move after the span, so a long body
   * built in a parser's array is not copied again; otherwise `src` is
   * copied like {@link TxBuffers.add} and goes back to the pool.
   *
   * @param bufferId the buffer
   * @param src the bytes (pooled; the transaction's now)
   * @param n bytes of `src` in the span
   * @returns false when the transaction's byte limit cut it off
   */
  adopt(bufferId: number, src: Uint8Array, n: number): boolean {
    const held = this.length;
    if (n <= held || held + n > src.length || held + n > MAX_TX_BUFFER_BYTES) {
      const whole = this.add(bufferId, src, 0, n);
      txBytes.give(src);
      return whole;
    }
    copier.copy(src, n, this.bytes, 0, held);
    for (let s = 0; s < this.spanCount; s++) {
      this.spanStart[s] += n;
      this.spanEnd[s] += n;
    }
    txBytes.give(this.bytes);
    this.bytes = src;
    this.length = held + n;
    this.begin(bufferId);
    this.spanStart[this.#open] = 0;
    this.spanEnd[this.#open] = n;
    this.end();
    return true;
  }

  /**
   * Add a span holding ASCII text (for values a parser made up, e.g. a
   * status code it normalised). Allocation-free for the caller's string.
   *
   * @param bufferId the buffer
   * @param text ASCII (each char code is stored as one byte)
   */
  addAscii(bufferId: number, text: string): void {
    this.begin(bufferId);
    this.appendAscii(text);
    this.end();
  }

  /**
   * Start a span built piece by piece with {@link TxBuffers.append},
   * {@link TxBuffers.appendByte} and {@link TxBuffers.appendAscii}; close it
   * with {@link TxBuffers.end}.
   *
   * @param bufferId the buffer the span belongs to
   */
  begin(bufferId: number): void {
    if (this.#open >= 0) this.end();
    const s = this.spanCount++;
    if (s >= this.spanStart.length) this.#growSpans();
    this.spanStart[s] = this.length;
    this.spanEnd[s] = this.length;
    this.spanNext[s] = -1;
    if (this.#first[bufferId] < 0) {
      this.#first[bufferId] = s;
      this.#set[this.#setCount++] = bufferId;
    } else {
      this.spanNext[this.#last[bufferId]] = s;
    }
    this.#last[bufferId] = s;
    this.#open = s;
  }

  /**
   * Append `src[from..to)` to the open span.
   *
   * @returns false when the byte limit cut it off
   */
  append(src: Uint8Array, from: number, to: number): boolean {
    let n = to - from;
    if (n <= 0) return true;
    const room = MAX_TX_BUFFER_BYTES - this.length;
    const whole = n <= room;
    if (!whole) n = room;
    this.#reserve(n);
    copier.copy(this.bytes, this.length, src, from, n);
    this.length += n;
    this.spanEnd[this.#open] = this.length;
    return whole;
  }

  /**
   * Add a span to a buffer over bytes already held, `bytes[from..to)` (a
   * part of an earlier span): no copy. For buffers that are pieces of
   * another one, e.g. one header line of the whole header block.
   *
   * @param bufferId the buffer
   * @param from first byte, in {@link TxBuffers.bytes}
   * @param to one past the last byte (clipped to what is held)
   */
  alias(bufferId: number, from: number, to: number): void {
    this.begin(bufferId);
    const s = this.#open;
    this.spanStart[s] = Math.min(from, this.length);
    this.spanEnd[s] = Math.max(this.spanStart[s], Math.min(to, this.length));
    this.#open = -1;
  }

  /**
   * Append a copy of bytes already held, `bytes[from..to)`, to the open span.
   *
   * @param from first byte, in {@link TxBuffers.bytes}
   * @param to one past the last byte
   */
  appendHeld(from: number, to: number): void {
    let n = Math.min(to, this.length) - from;
    if (n <= 0) return;
    n = Math.min(n, MAX_TX_BUFFER_BYTES - this.length);
    this.#reserve(n);
    this.bytes.copyWithin(this.length, from, from + n);
    this.length += n;
    this.spanEnd[this.#open] = this.length;
  }

  /**
   * Make room for `n` more bytes in the open span, for a caller that builds
   * it from many small pieces: it writes them into {@link TxBuffers.bytes}
   * from {@link TxBuffers.length} on (re-read `bytes` after this call: it may
   * have grown) and then calls {@link TxBuffers.extendTo}.
   *
   * @param n bytes the caller will write
   * @returns false, reserving nothing, when the byte limit would cut them off
   *   (then build the span with {@link TxBuffers.append}, which cuts)
   */
  reserveOpen(n: number): boolean {
    if (n > MAX_TX_BUFFER_BYTES - this.length) return false;
    this.#reserve(n);
    return true;
  }

  /**
   * The open span (and the bytes used) now end at `end`: the caller wrote
   * `bytes[length..end)` after {@link TxBuffers.reserveOpen}.
   *
   * @param end one past the last byte written, within the room reserved
   */
  extendTo(end: number): void {
    this.length = end;
    this.spanEnd[this.#open] = end;
  }

  /** Append CR LF to the open span. */
  appendCrlf(): void {
    this.appendByte(0x0d);
    this.appendByte(0x0a);
  }

  /** Append one byte to the open span. */
  appendByte(b: number): void {
    if (this.length >= MAX_TX_BUFFER_BYTES) return;
    this.#reserve(1);
    this.bytes[this.length++] = b;
    this.spanEnd[this.#open] = this.length;
  }

  /** Append ASCII text to the open span (one byte per char code). */
  appendAscii(text: string): void {
    const n = Math.min(text.length, MAX_TX_BUFFER_BYTES - this.length);
    this.#reserve(n);
    const bytes = this.bytes;
    let at = this.length;
    for (let k = 0; k < n; k++) bytes[at++] = text.charCodeAt(k) & 0xff;
    this.length = at;
    this.spanEnd[this.#open] = at;
  }

  /** Close the open span. */
  end(): void {
    this.#open = -1;
  }

  /**
   * The text of a buffer's first span as latin1 (for EVE records; allocates).
   *
   * @param bufferId the buffer
   * @returns the text, or undefined when absent
   */
  text(bufferId: number): string | undefined {
    const s = this.#first[bufferId];
    return s < 0 ? undefined : this.spanText(s);
  }

  /**
   * The text of a span as latin1 (allocates).
   *
   * @param span a span index
   */
  spanText(span: number): string {
    let out = "";
    const bytes = this.bytes;
    const end = this.spanEnd[span];
    for (let i = this.spanStart[span]; i < end; i += 4096) {
      out += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 4096)));
    }
    return out;
  }

  /**
   * Give the byte array back to the shared pool (the spans are cleared):
   * for a transaction going back to its parser's pool.
   */
  release(): void {
    this.clear();
    txBytes.give(this.bytes);
    this.bytes = EMPTY;
  }

  #reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.bytes.length) return;
    const grown = txBytes.take(
      Math.min(Math.max(need, this.bytes.length * 2, FIRST_BYTES), MAX_TX_BUFFER_BYTES),
    );
    copier.copy(grown, 0, this.bytes, 0, this.length);
    txBytes.give(this.bytes);
    this.bytes = grown;
  }

  #growSpans(): void {
    const size = this.spanStart.length * 2;
    const grow = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.spanStart = grow(this.spanStart);
    this.spanEnd = grow(this.spanEnd);
    this.spanNext = grow(this.spanNext);
  }
}

/**
 * One transaction of a flow. Parsers extend it with their protocol's fields
 * (method, status, DNS id, TLS version, ...) and keep pools of their own
 * subclass.
 */
export class Transaction {
  /** Number of the transaction in its flow, from 0 (EVE's `tx_id`). */
  id = 0;
  /** {@link TxSide} bits of the parts that are complete. */
  progress = 0;
  /** The parts already published to detection ({@link TxSide} bits). */
  published = 0;
  /** The parts already written to EVE ({@link TxSide} bits). */
  logged = 0;
  /** The inspection buffers of the parts published so far. */
  readonly buffers: TxBuffers = new TxBuffers();
  /** Signatures that alerted on this transaction (engine keys: index and direction). */
  alertedSigs: Int32Array = new Int32Array(4);
  /** Entries of {@link Transaction.alertedSigs} in use. */
  alertedCount = 0;
  /**
   * The application-layer events raised on this transaction (Suricata keeps
   * them per transaction: `app-layer-event` rules inspect them with the
   * transaction, on a packet of the rule's direction).
   */
  readonly events: string[] = [];

  /** Incremented each time the transaction is reset (reused from a pool). */
  generation = 0;

  /** Make the transaction new again (pool reuse). Subclasses reset their fields too. */
  reset(): void {
    this.generation++;
    this.id = 0;
    this.progress = 0;
    this.published = 0;
    this.logged = 0;
    this.buffers.release();
    this.alertedCount = 0;
    this.events.length = 0;
  }

  /**
   * Whether a signature already alerted on this transaction.
   *
   * @param sigIndex the signature's index
   */
  hasAlerted(sigIndex: number): boolean {
    for (let k = 0; k < this.alertedCount; k++) if (this.alertedSigs[k] === sigIndex) return true;
    return false;
  }

  /**
   * Note that a signature alerted on this transaction.
   *
   * @param sigIndex the signature's index
   */
  noteAlerted(sigIndex: number): void {
    if (this.alertedCount === this.alertedSigs.length) {
      const grown = new Int32Array(this.alertedSigs.length * 2);
      grown.set(this.alertedSigs);
      this.alertedSigs = grown;
    }
    this.alertedSigs[this.alertedCount++] = sigIndex;
  }
}

/**
 * Where a parser reports what a chunk of input completed. One per worker;
 * the flow stage empties it after each packet.
 */
export interface AppOutput {
  /**
   * A part of a transaction is complete and its buffers are in
   * `tx.buffers`: detection inspects it on the current packet.
   *
   * @param tx the transaction
   * @param side {@link TxSide.REQUEST} or {@link TxSide.RESPONSE}
   */
  ready(tx: Transaction, side: number): void;
  /**
   * The transaction (or a part of it) should be written to EVE now
   * (an `http` record when the response is complete, a `dns` record per
   * message, a `tls` record when the handshake is done, ...).
   *
   * @param tx the transaction
   * @param side the part that completed ({@link TxSide} bits)
   */
  log(tx: Transaction, side: number): void;
  /**
   * An application-layer anomaly (Suricata's app-layer events, e.g.
   * `http.request_header_invalid`, `dns.malformed_data`,
   * `tls.invalid_record_type`): for `app-layer-event` rules and EVE anomaly
   * records.
   *
   * @param tx the transaction it belongs to, or null for the flow
   * @param event the event name without the protocol, as Suricata spells it
   *   (`"request_header_invalid"`)
   */
  event(tx: Transaction | null, event: string): void;
  /**
   * The flow's payload is encrypted from here on: from the next packet,
   * content (pkt_data) rules no longer inspect its packets or stream, while
   * transactions are still inspected (Suricata's
   * `APP_LAYER_PARSER_NO_INSPECTION_PAYLOAD`, which TLS application data
   * sets).
   */
  stopPayloadInspection(): void;
  /**
   * The rest of the flow is not inspected (Suricata's
   * `APP_LAYER_PARSER_NO_INSPECTION`, which SSH sets once both sides sent
   * NEWKEYS): the stream data not inspected yet is inspected at once (as
   * Suricata's detect/log flush), then content rules see no more of the
   * flow's payload.
   */
  endInspection(): void;
}

/** How EVE writes a protocol's records and events (Suricata's choices per logger). */
export interface AppLogStyle {
  /** Records carry a top-level `tx_id` (HTTP: CreateEveHeaderWithTxId). */
  readonly txId: boolean;
  /** Records are written from the packet's side, not the client's (SIP: LOG_DIR_PACKET). */
  readonly packetSide: boolean;
  /** Event names are written as raised (Suricata's Rust parsers), not upper case. */
  readonly eventsAsRaised: boolean;
  /** Events raised before their transaction exists are lost, as in Suricata (DNS, SIP). */
  readonly dropsEventsWithoutTx: boolean;
}

/**
 * A protocol parser. It keeps per-flow state of type `S` (taken from and
 * given back to a pool by the flow stage) and is fed one direction's bytes
 * in stream order: for TCP the reassembled stream, for UDP each datagram's
 * payload.
 *
 * A parser never throws on input: malformed data becomes an
 * {@link AppOutput.event}, and a parser that cannot go on marks its state
 * given up and ignores the rest of that flow. It bounds the memory it keeps
 * per flow.
 */
export interface AppParser<S> {
  /** The protocol's EVE name (`"http"`, `"dns"`, `"tls"`, `"ssh"`). */
  readonly name: string;
  /** How EVE writes its records and events. */
  readonly logStyle: AppLogStyle;
  /** A fresh per-flow state (the flow stage pools them). */
  newState(): S;
  /**
   * Make a state fresh for another flow (its transactions go back to the pool).
   *
   * @param state the state
   */
  resetState(state: S): void;
  /**
   * Parse bytes of one direction.
   *
   * @param state the flow's state
   * @param toServer the direction: true for client to server
   * @param data the bytes (a frame, or the stream arena)
   * @param start first byte to parse
   * @param end one past the last byte
   * @param out where completed parts, records and events go
   */
  parse(
    state: S,
    toServer: boolean,
    data: Uint8Array,
    start: number,
    end: number,
    out: AppOutput,
  ): void;
  /**
   * Bytes of one direction were lost (a gap in the TCP stream).
   *
   * @param state the flow's state
   * @param toServer the direction
   * @param length how many bytes
   * @param out where events go
   */
  gap(state: S, toServer: boolean, length: number, out: AppOutput): void;
  /**
   * The flow ended: complete what can be completed and log the transactions
   * not logged yet (Suricata logs an HTTP request without a response at the
   * end of the flow).
   *
   * @param state the flow's state
   * @param out where records go
   */
  finish(state: S, out: AppOutput): void;
  /**
   * Return the transactions that are complete, published and logged to the
   * pool (called after detection and logging of every packet).
   *
   * @param state the flow's state
   */
  collect(state: S): void;
  /**
   * The EVE object of a transaction (`{"hostname": ..., "url": ...}` for
   * http, Suricata's shapes), for the protocol's own record and for alerts
   * (Suricata adds it to alerts as `http`, `dns`, `tls`, ...). Allocates: called only
   * when something is written.
   *
   * @param tx the transaction
   * @param side the part being logged ({@link TxSide} bits); alerts pass the parts published
   * @param forAlert true for the object an alert carries (Suricata's alert
   *   shapes differ for some protocols, e.g. dns `{"query": [...]}`)
   * @returns the object, or null when there is nothing to write
   */
  eve(tx: Transaction, side: number, forAlert: boolean): Record<string, unknown> | null;
  /**
   * Optional: write the JSON text of the object `eve(tx, side, false)` returns, as
   * `JSON.stringify` writes it, straight into `out` without building the
   * object. Only for a protocol whose `eve` never returns null nor a
   * `records` list.
   *
   * @param tx the transaction
   * @param side the part being logged ({@link TxSide} bits)
   * @param out the record being built
   */
  eveJson?(tx: Transaction, side: number, out: JsonBytes): void;
}
