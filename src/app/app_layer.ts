/**
 * The application layer of one worker: which parser a flow's bytes go to,
 * the per-flow parser states (pooled), and what the parsers completed on the
 * current packet -- the transaction parts detection inspects and the
 * transactions EVE logs.
 *
 * The flow stage feeds it: for TCP the reassembled, in-order stream (in IDS
 * mode what the peer acknowledged, so a request is parsed on the packet that
 * acknowledges it, as Suricata does), for UDP each datagram. A part is
 * inspected on the next packet of its direction (the request on a packet to
 * the server) or on the flow-end pseudo packets; a UDP datagram's part on the
 * datagram itself.
 *
 * @module
 */

import {
  type AppLogStyle,
  type AppOutput,
  type AppParser,
  type Transaction,
  TxSide,
} from "./transaction.ts";

/** One flow's application-layer state. */
export class FlowApp {
  /** The parser's per-flow state. */
  state: unknown = null;
  /** The flow's parser. */
  parser: AppParser<unknown> | null = null;
  /** The {@link AppProto} number of the parser. */
  proto = 0;
  /** Transaction parts complete but not inspected yet: the transactions... */
  readonly pendingTx: Transaction[] = [];
  /** ...and which part ({@link TxSide}). */
  readonly pendingSide: number[] = [];
  /** Pending entries in use. */
  pendingCount = 0;
  /** The parser gave up or the flow's protocol has none. */
  disabled = false;
  /**
   * The parser found the flow's payload encrypted: content rules no longer
   * inspect its packets (Suricata's FLOW_NOPAYLOAD_INSPECTION).
   */
  payloadStopped = false;
  /** The parser ended the flow's inspection: the flow stage flushes its streams, then stops it. */
  inspectionEnding = false;
  /** The newest transaction with a part from the client [0] and from the server [1]. */
  readonly lastTx: (Transaction | null)[] = [null, null];
  /** Their generations when noted (a transaction reused since is not this flow's any more). */
  readonly lastTxGeneration: number[] = [0, 0];

  /**
   * The transaction a packet or stream match of one direction is logged
   * with (Suricata's guess: the transaction being inspected that way).
   *
   * @param toServer the direction
   * @returns the transaction, or null when none is known
   */
  guessTx(toServer: boolean): Transaction | null {
    const first = toServer ? 0 : 1;
    return this.#live(first) ?? this.#live(first ^ 1);
  }

  /** The noted transaction of a side if it still belongs to this flow. */
  #live(k: number): Transaction | null {
    const tx = this.lastTx[k];
    return tx !== null && tx.generation === this.lastTxGeneration[k] ? tx : null;
  }

  /**
   * Whether a part of `side` waits for inspection.
   *
   * @param side {@link TxSide.REQUEST} or {@link TxSide.RESPONSE}
   */
  hasPending(side: number): boolean {
    for (let k = 0; k < this.pendingCount; k++) if ((this.pendingSide[k] & side) !== 0) return true;
    return false;
  }
}

/** An app-layer event raised on the current packet. */
export interface AppEventInfo {
  /** The protocol's EVE name. */
  proto: string;
  /** The event name without the protocol. */
  event: string;
  /** The transaction's id, or -1. */
  txId: number;
  /** How EVE writes the parser's events; null for protocol-detection events. */
  style: AppLogStyle | null;
}

/** Called for each transaction record EVE should write. */
export type AppLogHandler = (
  f: number,
  flowApp: FlowApp,
  tx: Transaction,
  side: number,
) => void;

/** Parsers by {@link AppProto} number, per transport. */
export interface AppParsers {
  /** Parsers of TCP streams. */
  readonly tcp: ReadonlyMap<number, AppParser<unknown>>;
  /** Parsers of UDP datagrams. */
  readonly udp: ReadonlyMap<number, AppParser<unknown>>;
}

/** The application layer of one worker. */
export class AppLayer implements AppOutput {
  /** Per flow slot: its state, null before the first parsed byte. */
  readonly #flows: (FlowApp | null)[];
  readonly #free: FlowApp[] = [];
  readonly #statePools: Map<AppParser<unknown>, unknown[]> = new Map();
  readonly #parsers: AppParsers;
  /**
   * Per {@link AppProto} number (a byte): bit 1 with a TCP parser, bit 2
   * with a UDP one (asked per packet: cheaper than the maps).
   */
  readonly #parses: Uint8Array = new Uint8Array(256);
  /** The flow being fed (for {@link AppOutput} calls). */
  #current: FlowApp | null = null;
  #currentSlot = -1;
  /** Records to write after detection: flow slots, transactions, sides. */
  readonly #logSlot: number[] = [];
  readonly #logTx: Transaction[] = [];
  readonly #logSide: number[] = [];
  #logCount = 0;
  /** Events raised on the current packet. */
  readonly events: AppEventInfo[] = [];
  /** Receives the transaction records (EVE `http`, `dns`, ...). */
  onLog: AppLogHandler | null = null;
  /** Counters: bytes parsed, transaction parts published (and of them complete ones), events. */
  readonly counters = { bytes: 0, parts: 0, completeParts: 0, events: 0, gaps: 0 };

  /**
   * @param capacity flow slots
   * @param parsers the parsers by protocol (fixed from then on)
   */
  constructor(capacity: number, parsers: AppParsers) {
    this.#flows = new Array<FlowApp | null>(capacity).fill(null);
    this.#parsers = parsers;
    for (const proto of parsers.tcp.keys()) this.#parses[proto] |= 1;
    for (const proto of parsers.udp.keys()) this.#parses[proto] |= 2;
  }

  /**
   * Whether a protocol has a parser.
   *
   * @param proto an {@link AppProto} number
   * @param tcp the transport: TCP or UDP
   */
  parses(proto: number, tcp: boolean): boolean {
    return (this.#parses[proto] & (tcp ? 1 : 2)) !== 0;
  }

  /**
   * The application-layer state of a flow, or null.
   *
   * @param f the flow slot
   */
  flow(f: number): FlowApp | null {
    return this.#flows[f];
  }

  /** Forget the events of the previous packet. */
  startPacket(): void {
    // most packets raise none: writing the length of an empty array is a runtime call
    if (this.events.length !== 0) this.events.length = 0;
  }

  /**
   * Parse bytes of a flow.
   *
   * @param f the flow slot
   * @param proto the flow's {@link AppProto}
   * @param tcp TCP stream bytes (else one UDP datagram)
   * @param toServer the direction
   * @param data the bytes
   * @param start first byte
   * @param end one past the last byte
   * @param gap bytes lost before `start` (TCP)
   */
  feed(
    f: number,
    proto: number,
    tcp: boolean,
    toServer: boolean,
    data: Uint8Array,
    start: number,
    end: number,
    gap: number,
  ): void {
    const fa = this.#flowFor(f, proto, tcp);
    if (fa === null || fa.disabled) return;
    const parser = fa.parser!;
    this.#current = fa;
    this.#currentSlot = f;
    if (gap > 0) {
      this.counters.gaps++;
      parser.gap(fa.state, toServer, gap, this);
    }
    if (end > start) {
      this.counters.bytes += end - start;
      parser.parse(fa.state, toServer, data, start, end, this);
    }
    this.#current = null;
  }

  /**
   * The flow ends: the parser completes and logs what it can. Its pending
   * parts stay for the flow-end inspection; call {@link AppLayer.release}
   * after it.
   *
   * @param f the flow slot
   */
  finish(f: number): void {
    const fa = this.#flows[f];
    if (fa === null || fa.parser === null) return;
    this.#current = fa;
    this.#currentSlot = f;
    if (!fa.disabled) fa.parser.finish(fa.state, this);
    this.#current = null;
  }

  /**
   * After detection of a packet: write the records the parsers asked for,
   * drop the inspected pending parts and let the parser free what is done.
   *
   * @param f the packet's flow slot, or -1
   */
  afterPacket(f: number): void {
    this.#flushLogs();
    if (f < 0) return;
    const fa = this.#flows[f];
    if (fa === null || fa.parser === null) return;
    let n = 0;
    for (let k = 0; k < fa.pendingCount; k++) {
      const tx = fa.pendingTx[k];
      const side = fa.pendingSide[k];
      if ((tx.published & side) === side) continue;
      fa.pendingTx[n] = tx;
      fa.pendingSide[n] = side;
      n++;
    }
    fa.pendingCount = n;
    if (n === 0) fa.parser.collect(fa.state);
  }

  /**
   * The flow is gone: its state goes back to the pool.
   *
   * @param f the flow slot
   */
  release(f: number): void {
    this.#flushLogs();
    const fa = this.#flows[f];
    if (fa === null) return;
    this.#flows[f] = null;
    if (fa.parser !== null) {
      fa.parser.resetState(fa.state);
      this.#poolOf(fa.parser).push(fa.state);
    }
    fa.state = null;
    fa.parser = null;
    fa.proto = 0;
    fa.pendingTx.length = 0;
    fa.pendingSide.length = 0;
    fa.pendingCount = 0;
    fa.disabled = false;
    fa.payloadStopped = false;
    fa.inspectionEnding = false;
    fa.lastTx[0] = null;
    fa.lastTx[1] = null;
    this.#free.push(fa);
  }

  /**
   * Turn a flow round (its client is now its server).
   *
   * @param f the flow slot
   */
  swap(f: number): void {
    // parsing starts after the turn; nothing parsed yet has a direction to fix
    if (this.#flows[f] !== null) this.release(f);
  }

  // ------------------------------------------------------------ AppOutput

  /** @inheritdoc */
  ready(tx: Transaction, side: number): void {
    const fa = this.#current;
    if (fa === null) return;
    for (let part = TxSide.REQUEST; part <= TxSide.RESPONSE; part <<= 1) {
      if ((side & part) === 0) continue;
      this.counters.parts++;
      if ((tx.progress & part) !== 0) this.counters.completeParts++;
      const d = part === TxSide.REQUEST ? 0 : 1;
      fa.lastTx[d] = tx;
      fa.lastTxGeneration[d] = tx.generation;
      // a part published again (more buffers, e.g. SSH's HASSH after the banner) is inspected again
      tx.published &= ~part;
      const k = fa.pendingCount++;
      fa.pendingTx[k] = tx;
      fa.pendingSide[k] = part;
    }
  }

  /** @inheritdoc */
  stopPayloadInspection(): void {
    if (this.#current !== null) this.#current.payloadStopped = true;
  }

  /** @inheritdoc */
  endInspection(): void {
    if (this.#current !== null) this.#current.inspectionEnding = true;
  }

  /** @inheritdoc */
  log(tx: Transaction, side: number): void {
    const k = this.#logCount++;
    this.#logSlot[k] = this.#currentSlot;
    this.#logTx[k] = tx;
    this.#logSide[k] = side;
  }

  /** @inheritdoc */
  event(tx: Transaction | null, event: string): void {
    const fa = this.#current;
    this.counters.events++;
    if (this.events.length < 64) {
      this.events.push({
        proto: fa?.parser?.name ?? "",
        event,
        txId: tx === null ? -1 : tx.id,
        style: fa?.parser?.logStyle ?? null,
      });
    }
    // kept on the transaction too, for app-layer-event rules (as many as Suricata keeps)
    if (tx !== null && tx.events.length < 32 && !tx.events.includes(event)) tx.events.push(event);
  }

  /**
   * A protocol-detection event of the flow being processed (Suricata's
   * `applayer_*` events, e.g. `applayer_mismatch_protocol_both_directions`).
   *
   * @param event the event name
   */
  flowEvent(event: string): void {
    this.counters.events++;
    if (this.events.length < 64) this.events.push({ proto: "", event, txId: -1, style: null });
  }

  // ------------------------------------------------------------ internals

  #flushLogs(): void {
    const n = this.#logCount;
    if (n === 0) return;
    this.#logCount = 0;
    for (let k = 0; k < n; k++) {
      const f = this.#logSlot[k];
      const tx = this.#logTx[k];
      const side = this.#logSide[k];
      const fa = this.#flows[f];
      if (fa !== null && this.onLog !== null) this.onLog(f, fa, tx, side);
      tx.logged |= side;
    }
  }

  #flowFor(f: number, proto: number, tcp: boolean): FlowApp | null {
    let fa = this.#flows[f];
    if (fa !== null) return fa.proto === proto ? fa : null;
    const parser = (tcp ? this.#parsers.tcp : this.#parsers.udp).get(proto);
    if (parser === undefined) return null;
    fa = this.#free.pop() ?? new FlowApp();
    fa.parser = parser;
    fa.proto = proto;
    const pool = this.#poolOf(parser);
    fa.state = pool.length > 0 ? pool.pop() : parser.newState();
    this.#flows[f] = fa;
    return fa;
  }

  #poolOf(parser: AppParser<unknown>): unknown[] {
    let pool = this.#statePools.get(parser);
    if (pool === undefined) {
      pool = [];
      this.#statePools.set(parser, pool);
    }
    return pool;
  }
}
