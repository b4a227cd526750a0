/**
 * The DNS parser, over UDP (one message per datagram) and TCP (messages
 * behind a 2-byte length, split anywhere in the stream), as Suricata 7.0's
 * rust/src/dns/dns.rs:
 *
 * - every well-formed message becomes its own {@link DnsTx} (queries and
 *   responses are not paired; EVE's `tx_id` counts messages), is published
 *   (`dns.query` on queries) and logged at once;
 * - a message is read by the direction it travels: to the server as a
 *   request (questions only), to the client as a response (questions,
 *   answers, authorities);
 * - a message whose header counts cannot fit in it is ignored silently; one
 *   that cannot be read raises `malformed_data`, a QR bit set on a request
 *   raises `not_request` and drops it; over TCP either ends parsing of the
 *   flow (Suricata's parser error);
 * - `not_response`, `z_flag_set`, `invalid_opcode`, `name_too_long`,
 *   `infinite_loop`, `too_many_labels` as Suricata raises them.
 *
 * Suricata hangs an event on the flow's most recent live transaction
 * (`malformed_data`, `not_request` and `not_response` are raised before the
 * message's own transaction exists): this parser passes that transaction,
 * or null when the flow has none left (Suricata 7.0 then loses the event).
 *
 * @module
 */

import { registerBuffer } from "../detect/buffers.ts";
import type { AppLogStyle, AppOutput, AppParser, Transaction } from "./transaction.ts";
import { TxSide } from "./transaction.ts";
import { DNS_HEADER_LEN, DnsWalker, NameFlag, ScanResult, u16 } from "./dns_message.ts";
import { DnsTx } from "./dns_tx.ts";
import { dnsAlertObject, dnsAnswerRecord, dnsQueryRecords } from "./dns_eve.ts";

/** The `dns.query` buffer: each question's name of a query (a multi-buffer). */
export const DNS_QUERY_BUFFER: number = registerBuffer("dns.query", "dns", true).id;

/** Default bound on a flow's transactions not yet collected. */
export const DEFAULT_MAX_LIVE_TX = 512;

/** Largest TCP DNS message with its length prefix. */
const MAX_TCP_FRAME = 65535 + 2;

/** Options of a {@link DnsParser}. */
export interface DnsParserOptions {
  /** Parse TCP streams (length-prefixed messages) instead of UDP datagrams. */
  tcp?: boolean;
  /**
   * Most transactions a flow keeps before {@link DnsParser.collect} frees
   * them; messages beyond are parsed but dropped (counted in
   * {@link DnsState.dropped}).
   */
  maxLiveTx?: number;
}

/** A flow's DNS state. */
export class DnsState {
  /** Live transactions, oldest first. */
  readonly txs: DnsTx[] = [];
  /** The next transaction's id. */
  nextTxId = 0;
  /** Messages dropped because {@link DnsParserOptions.maxLiveTx} transactions were live. */
  dropped = 0;
  /** TCP: parsing stopped after a parse error. */
  givenUp = false;
  /** TCP: a gap was seen; parsing resumes where the stream looks like DNS again. */
  gap = false;
  /** TCP: the incomplete frame of each direction (0 to server, 1 to client), allocated on first need. */
  readonly pending: (Uint8Array | null)[] = [null, null];
  /** TCP: bytes in {@link DnsState.pending}. */
  readonly pendingLen: Int32Array = new Int32Array(2);
}

/**
 * The DNS application-layer parser. One instance per worker (it pools the
 * transactions of all its flows); choose the transport at construction.
 *
 * @example
 * ```ts
 * import { DnsParser } from "./dns_parser.ts";
 * const udp = new DnsParser();
 * const tcp = new DnsParser({ tcp: true });
 * console.log(udp.tcp, tcp.tcp); // false true
 * ```
 */
export class DnsParser implements AppParser<DnsState> {
  /** EVE's protocol name. */
  readonly name = "dns";
  /** How EVE writes its records and events. */
  readonly logStyle: AppLogStyle = {
    txId: false,
    packetSide: false,
    eventsAsRaised: false,
    dropsEventsWithoutTx: true,
  };
  /** Whether this parser reads TCP streams. */
  readonly tcp: boolean;
  /** Bound on live transactions per flow. */
  readonly maxLiveTx: number;
  readonly #walker = new DnsWalker();
  readonly #pool: DnsTx[] = [];

  /** @param options transport and limits */
  constructor(options: DnsParserOptions = {}) {
    this.tcp = options.tcp ?? false;
    this.maxLiveTx = options.maxLiveTx ?? DEFAULT_MAX_LIVE_TX;
  }

  /** A fresh per-flow state. */
  newState(): DnsState {
    return new DnsState();
  }

  /** Make a state fresh for another flow; its transactions go back to the pool. */
  resetState(state: DnsState): void {
    for (const tx of state.txs) this.#release(tx);
    state.txs.length = 0;
    state.nextTxId = 0;
    state.dropped = 0;
    state.givenUp = false;
    state.gap = false;
    state.pendingLen[0] = 0;
    state.pendingLen[1] = 0;
  }

  /** Parse a datagram (UDP) or a chunk of one direction's stream (TCP). */
  parse(
    state: DnsState,
    toServer: boolean,
    data: Uint8Array,
    start: number,
    end: number,
    out: AppOutput,
  ): void {
    if (!this.tcp) {
      this.#message(state, toServer, data, start, end, out);
      return;
    }
    if (state.givenUp || end <= start) return;
    if (state.gap) {
      const probe = this.#probeTcp(data, start, end);
      if (probe !== PROBE_NOT_DNS) state.gap = false;
      // Suricata skips the chunk in the response direction only.
      else if (!toServer) return;
    }
    const dir = toServer ? 0 : 1;
    let p = start;
    if (state.pendingLen[dir] > 0) {
      p = this.#completePending(state, dir, toServer, data, p, end, out);
      if (p < 0) return;
    }
    while (p < end) {
      if (end - p === 1) {
        this.#stash(state, dir, data, p, end);
        return;
      }
      const size = u16(data, p);
      if (size === 0) {
        p += 2;
        continue;
      }
      if (end - p < size + 2) {
        this.#stash(state, dir, data, p, end);
        return;
      }
      if (!this.#message(state, toServer, data, p + 2, p + 2 + size, out)) {
        state.givenUp = true;
        return;
      }
      p += size + 2;
    }
  }

  /** TCP bytes were lost: drop the incomplete frame and resynchronise on what looks like DNS. */
  gap(state: DnsState, toServer: boolean, length: number, _out: AppOutput): void {
    if (!this.tcp || length <= 0) return;
    state.pendingLen[toServer ? 0 : 1] = 0;
    state.gap = true;
  }

  /** The flow ended: every message was logged when it was parsed; an incomplete TCP frame is dropped. */
  finish(state: DnsState, _out: AppOutput): void {
    state.pendingLen[0] = 0;
    state.pendingLen[1] = 0;
  }

  /** Return the transactions published and logged to the pool. */
  collect(state: DnsState): void {
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
   * The EVE object of a transaction.
   *
   * For its own records (`forAlert` false) it returns `{ records: [...] }`:
   * one `dns` object per EVE record to write -- one per question of a query
   * (`{"version":2,"type":"query",...}`), one for a response
   * (`{"version":2,"type":"answer",...}`) -- or null when Suricata writes
   * nothing (no question). For an alert it returns Suricata 7's alert shape
   * `{"version":2,"query":[...]}` or `{"version":2,"answer":{...}}`.
   *
   * @param tx a {@link DnsTx}
   * @param _side ignored: a DNS transaction holds one message
   * @param forAlert the alert shape
   */
  eve(tx: Transaction, _side: number, forAlert: boolean): Record<string, unknown> | null {
    const dns = tx as DnsTx;
    if (forAlert) return dnsAlertObject(dns);
    if (dns.side === TxSide.REQUEST) {
      const records = dnsQueryRecords(dns, false);
      return records.length === 0 ? null : { records };
    }
    const answer = dnsAnswerRecord(dns, false);
    return answer === null ? null : { records: [answer] };
  }

  /**
   * Parse one message. Returns false where Suricata's TCP parser fails
   * (unreadable header counts, malformed data, a response sent as a request).
   */
  #message(
    state: DnsState,
    toServer: boolean,
    data: Uint8Array,
    start: number,
    end: number,
    out: AppOutput,
  ): boolean {
    const w = this.#walker;
    const result = w.scan(data, start, end, !toServer);
    if (result === ScanResult.INVALID_HEADER) return !this.tcp;
    if (result === ScanResult.MALFORMED) {
      out.event(last(state), "malformed_data");
      return false;
    }
    const flags = u16(data, start + 2);
    const qr = (flags & 0x8000) !== 0;
    if (toServer && qr) {
      out.event(last(state), "not_request");
      return false;
    }
    if (!toServer && !qr) out.event(last(state), "not_response");
    if (state.txs.length >= this.maxLiveTx) {
      state.dropped++;
      return true;
    }
    const tx = this.#pool.pop() ?? new DnsTx();
    tx.id = state.nextTxId++;
    tx.side = toServer ? TxSide.REQUEST : TxSide.RESPONSE;
    tx.progress = tx.side;
    tx.setMessage(data, start, end);
    tx.setQueryTypes(w.questionType, w.questionCount);
    state.txs.push(tx);
    if (toServer) this.#fillQueryBuffer(tx, data, start, end);
    if ((flags & 0x0040) !== 0) out.event(tx, "z_flag_set");
    if (tx.opcode >= 7) out.event(tx, "invalid_opcode");
    const nameFlags = w.messageFlags;
    if ((nameFlags & NameFlag.TRUNCATED) !== 0) out.event(tx, "name_too_long");
    if ((nameFlags & NameFlag.INFINITE_LOOP) !== 0) out.event(tx, "infinite_loop");
    if ((nameFlags & NameFlag.LABEL_LIMIT) !== 0) out.event(tx, "too_many_labels");
    out.ready(tx, tx.side);
    out.log(tx, tx.side);
    return true;
  }

  /** `dns.query`: each question's name, up to the first empty one (Suricata stops there). */
  #fillQueryBuffer(tx: DnsTx, data: Uint8Array, start: number, end: number): void {
    const w = this.#walker;
    const count = w.questionCount;
    for (let k = 0; k < count; k++) {
      w.readName(data, start, end, w.questionAt[k], end);
      if (w.nameLen === 0) break;
      tx.buffers.add(DNS_QUERY_BUFFER, w.name, 0, w.nameLen);
    }
  }

  /** Keep the incomplete frame `data[from..to)` of a direction. */
  #stash(state: DnsState, dir: number, data: Uint8Array, from: number, to: number): void {
    let buf = state.pending[dir];
    if (buf === null) buf = state.pending[dir] = new Uint8Array(MAX_TCP_FRAME);
    const at = state.pendingLen[dir];
    buf.set(data.subarray(from, to), at);
    state.pendingLen[dir] = at + (to - from);
  }

  /**
   * Feed the kept incomplete frame of a direction from `data[p..end)`.
   * Returns where parsing goes on in `data`, or -1 when the chunk is used up
   * (or parsing stopped).
   */
  #completePending(
    state: DnsState,
    dir: number,
    toServer: boolean,
    data: Uint8Array,
    p: number,
    end: number,
    out: AppOutput,
  ): number {
    const buf = state.pending[dir] as Uint8Array;
    let have = state.pendingLen[dir];
    if (have < 2) buf[have++] = data[p++];
    const size = u16(buf, 0);
    if (size === 0) {
      state.pendingLen[dir] = 0;
      return p < end ? p : -1;
    }
    const take = Math.min(size + 2 - have, end - p);
    buf.set(data.subarray(p, p + take), have);
    have += take;
    p += take;
    if (have < size + 2) {
      state.pendingLen[dir] = have;
      return -1;
    }
    state.pendingLen[dir] = 0;
    if (!this.#message(state, toServer, buf, 2, size + 2, out)) {
      state.givenUp = true;
      return -1;
    }
    return p < end ? p : -1;
  }

  /** Suricata's probe_tcp after a gap: does the stream at `p` look like a DNS frame? */
  #probeTcp(data: Uint8Array, p: number, end: number): number {
    if (end - p < 2) return PROBE_INCOMPLETE;
    const dlen = u16(data, p);
    const q = p + 2;
    const avail = Math.min(end - q, dlen);
    if (avail < dlen) {
      if (avail < DNS_HEADER_LEN) return PROBE_NOT_DNS;
      return headerFits(data, q, dlen) ? PROBE_DNS : PROBE_NOT_DNS;
    }
    if (dlen < DNS_HEADER_LEN) return PROBE_INCOMPLETE;
    return this.#walker.scan(data, q, q + dlen, false) === ScanResult.OK
      ? PROBE_DNS
      : PROBE_NOT_DNS;
  }

  #release(tx: DnsTx): void {
    tx.reset();
    this.#pool.push(tx);
  }
}

const PROBE_NOT_DNS = 0;
const PROBE_DNS = 1;
const PROBE_INCOMPLETE = 2;

/** The flow's most recent live transaction, where Suricata hangs message-level events. */
function last(state: DnsState): DnsTx | null {
  const n = state.txs.length;
  return n === 0 ? null : state.txs[n - 1];
}

/** Whether the header's record counts fit in a message of `len` bytes. */
function headerFits(data: Uint8Array, q: number, len: number): boolean {
  const count = u16(data, q + 4) + u16(data, q + 6) + u16(data, q + 8) + u16(data, q + 10);
  return 2 * count + DNS_HEADER_LEN <= len;
}
