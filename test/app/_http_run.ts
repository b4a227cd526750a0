/**
 * Test helper: drive the HTTP parser like the flow stage does (publish,
 * log, collect after every chunk) and record what it produced.
 *
 * @module
 */

import { HttpParser, type HttpState, type HttpTx } from "../../src/app/http_parser.ts";
import { bufferById } from "../../src/detect/buffers.ts";
import { type AppOutput, type Transaction, TxSide } from "../../src/app/transaction.ts";
import { JsonBytes } from "../../src/output/json_bytes.ts";
import type { StreamChunk } from "./_tcp_streams.ts";

/** What one transaction looked like when it was logged. */
export interface TxRecord {
  /** Its id. */
  id: number;
  /** EVE `http` object. */
  eve: Record<string, unknown>;
  /** Buffers by name, each a list of latin1 spans. */
  buffers: Record<string, string[]>;
  /** Events raised on it. */
  events: string[];
}

/** A recording {@link AppOutput} that acts like the engine. */
export class Recorder implements AppOutput {
  readonly parser: HttpParser;
  readonly records: TxRecord[] = [];
  readonly flowEvents: string[] = [];
  readonly txEvents = new Map<Transaction, string[]>();
  readyCount = 0;
  /** Parts published before they were complete (the headers before a body). */
  earlyCount = 0;
  #logs: [Transaction, number][] = [];

  constructor(parser: HttpParser) {
    this.parser = parser;
  }

  ready(tx: Transaction, side: number): void {
    // a part is published early (its line and headers, before a body) at most once more
    // before it is complete; a complete part only once
    if ((tx.progress & side) === 0) {
      this.earlyCount++;
      return;
    }
    this.readyCount++;
    if ((tx.published & side) !== 0) throw new Error(`part ${side} of tx ${tx.id} published twice`);
    tx.published |= side;
  }

  log(tx: Transaction, side: number): void {
    this.#logs.push([tx, side]);
  }

  stopPayloadInspection(): void {}

  endInspection(): void {}

  event(tx: Transaction | null, event: string): void {
    if (tx === null) this.flowEvents.push(event);
    else {
      const list = this.txEvents.get(tx) ?? [];
      list.push(event);
      this.txEvents.set(tx, list);
    }
  }

  /** Write the pending logs (as the engine does after detection) and collect. */
  afterPacket(state: HttpState): void {
    for (const [tx, side] of this.#logs) {
      this.records.push(snapshot(this.parser, tx as HttpTx, side, this.txEvents.get(tx) ?? []));
      this.txEvents.delete(tx);
      tx.logged |= side;
    }
    this.#logs = [];
    this.parser.collect(state);
  }
}

/** The buffers of a transaction by name. */
export function buffersOf(tx: Transaction): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let id = 1; id < 1024; id++) {
    let s = tx.buffers.first(id);
    if (s < 0) continue;
    const list: string[] = [];
    for (; s >= 0; s = tx.buffers.next(s)) list.push(tx.buffers.spanText(s));
    out[bufferById(id).name] = list;
  }
  return out;
}

/** The scratch buffer of {@link snapshot}'s check of `eveJson`. */
const json = new JsonBytes();

function snapshot(parser: HttpParser, tx: HttpTx, side: number, events: string[]): TxRecord {
  const eve = parser.eve(tx, side, false) ?? {};
  // the record writer's path must write exactly the object's JSON text
  json.reset();
  parser.eveJson(tx, side, json);
  if (json.text() !== JSON.stringify(eve)) {
    throw new Error(`eveJson wrote ${json.text()}, the object is ${JSON.stringify(eve)}`);
  }
  return {
    id: tx.id,
    eve,
    buffers: buffersOf(tx),
    events: [...events],
  };
}

/**
 * Feed chunks to a parser, each cut into pieces by `cut`.
 *
 * @param chunks the connection's chunks
 * @param cut piece lengths for a chunk (default: the whole chunk)
 * @param parser the parser (a default one when absent)
 * @returns the recorder with every logged transaction
 */
export function runChunks(
  chunks: { toServer: boolean; data: Uint8Array }[],
  cut: (len: number) => number[] = (len) => [len],
  parser: HttpParser = new HttpParser(),
): Recorder {
  const rec = new Recorder(parser);
  const state = parser.newState();
  for (const c of chunks) {
    let at = 0;
    for (const n of cut(c.data.length)) {
      parser.parse(state, c.toServer, c.data, at, at + n, rec);
      rec.afterPacket(state);
      at += n;
    }
    if (at < c.data.length) {
      parser.parse(state, c.toServer, c.data, at, c.data.length, rec);
      rec.afterPacket(state);
    }
  }
  parser.finish(state, rec);
  rec.afterPacket(state);
  return rec;
}

/** Text to bytes (latin1). */
export function bytes(text: string): Uint8Array {
  const b = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i) & 0xff;
  return b;
}

/** Cut into pieces of one byte. */
export const byteByByte = (len: number): number[] => new Array(len).fill(1);

/** A request direction chunk. */
export function req(text: string | Uint8Array): StreamChunk {
  return { toServer: true, data: typeof text === "string" ? bytes(text) : text, pcapCnt: 0 };
}

/** A response direction chunk. */
export function res(text: string | Uint8Array): StreamChunk {
  return { toServer: false, data: typeof text === "string" ? bytes(text) : text, pcapCnt: 0 };
}

export { TxSide };
