/**
 * The alert writers: {@link EveWriter} (eve.json) and {@link FastLogWriter}
 * (fast.log), each owning one {@link LineWriter}, and
 * {@link installFlushOnSignals}, which flushes and closes them when the
 * process is interrupted or exits.
 *
 * Writes after `close()` (e.g. a packet still in flight after SIGINT closed
 * the files) are ignored and return false, so shutdown never throws.
 *
 * @module
 */

import type { Packet } from "../decode/packet.ts";
import { DECODER_EVENT_NAMES } from "../decode/events.ts";
import {
  type AlertInfo,
  type AnomalyInfo,
  type AppObject,
  decoderAnomaly,
  type DropReason,
  type EveExtras,
  type EveOptions,
  writeAlertRecord,
  writeAnomalyRecord,
  writeAppRecord,
  writeDropRecord,
} from "./eve_record.ts";
import { JsonBytes } from "./json_bytes.ts";
import { fastLogLine } from "./fast_log.ts";
import { type FlowRecordInfo, writeFlowRecord } from "./flow_record.ts";
import { type LineSink, LineWriter, type LineWriterOptions } from "./line_writer.ts";

/** Something {@link installFlushOnSignals} can flush and close. */
export interface Flushable {
  /** Write out buffered lines. */
  flush(): void;
  /** Flush and release the file. */
  close(): void;
}

/** Options of {@link EveWriter}: the EVE settings and the file's. */
export interface EveWriterOptions extends EveOptions, LineWriterOptions {}

/**
 * Writes EVE JSON records, one per line, to a file.
 *
 * @example
 * ```ts
 * const eve = new EveWriter("eve.json", { append: false, payload: true });
 * eve.alert(packet, pcapCnt, alertInfo, { flowId, direction: "to_server" });
 * eve.close();
 * ```
 */
export class EveWriter implements Flushable {
  /** The EVE settings every record is written with. */
  readonly options: EveOptions;
  readonly #out: LineWriter;
  /** The record being built (reused). */
  readonly #json: JsonBytes = new JsonBytes();

  /**
   * Open the file (appending by default, like Suricata's eve-log).
   *
   * @param target file path, or a sink (e.g. `Deno.stdout`)
   * @param options EVE settings, append/truncate, buffer size
   */
  constructor(target: string | LineSink, options: EveWriterOptions = {}) {
    this.options = { ...options };
    this.#out = new LineWriter(target, options);
  }

  /** Records written so far. */
  get records(): number {
    return this.#out.lines;
  }

  /** Whether the writer was closed. */
  get closed(): boolean {
    return this.#out.closed;
  }

  /**
   * Write an `alert` record (see {@link writeAlertRecord}).
   *
   * @param packet the packet the alert fired on
   * @param pcapCnt its number in the capture file (0 live)
   * @param alert the rule-side content
   * @param extras flow/app-layer facts, when known
   * @returns false when the writer is closed
   */
  alert(packet: Packet, pcapCnt: number, alert: AlertInfo, extras?: EveExtras): boolean {
    if (this.#out.closed) return false;
    writeAlertRecord(this.#begin(), packet, pcapCnt, alert, extras, this.options);
    this.#end();
    return true;
  }

  /**
   * Write an application-layer transaction record (see {@link writeAppRecord}).
   *
   * @param packet the packet it is written on
   * @param pcapCnt its number in the capture file (0: none)
   * @param eventType `"http"`, `"dns"`, ...
   * @param object the protocol's object, or what writes its JSON text
   * @param extras flow facts (flow_id, tx_id, reverse)
   * @returns false when the writer is closed
   */
  app(
    packet: Packet,
    pcapCnt: number,
    eventType: string,
    object: AppObject,
    extras?: EveExtras,
  ): boolean {
    if (this.#out.closed) return false;
    writeAppRecord(this.#begin(), packet, pcapCnt, eventType, object, extras, this.options);
    this.#end();
    return true;
  }

  /**
   * Write an `anomaly` record (see {@link writeAnomalyRecord}).
   *
   * @param packet the packet the event was raised on
   * @param pcapCnt its number in the capture
   * @param anomaly what happened
   * @param extras flow facts, when known
   * @returns false when the writer is closed
   */
  anomaly(packet: Packet, pcapCnt: number, anomaly: AnomalyInfo, extras?: EveExtras): boolean {
    if (this.#out.closed) return false;
    writeAnomalyRecord(this.#begin(), packet, pcapCnt, anomaly, extras, this.options);
    this.#end();
    return true;
  }

  /**
   * Write a `drop` record (see {@link writeDropRecord}).
   *
   * @param packet the dropped packet
   * @param reason why it was dropped
   * @param alert the rule that dropped it, or null
   * @param extras flow_id, direction
   * @returns false when the writer is closed
   */
  drop(packet: Packet, reason: DropReason, alert: AlertInfo | null, extras?: EveExtras): boolean {
    if (this.#out.closed) return false;
    writeDropRecord(this.#begin(), packet, reason, alert, extras, this.options);
    this.#end();
    return true;
  }

  /**
   * Write a `flow` record (see {@link writeFlowRecord}).
   *
   * @param flow the ended flow's facts
   * @returns false when the writer is closed
   */
  flow(flow: FlowRecordInfo): boolean {
    if (this.#out.closed) return false;
    writeFlowRecord(this.#begin(), flow);
    this.#end();
    return true;
  }

  /**
   * Write one `anomaly` record per decoder event raised on the packet, in
   * event-number order (Suricata writes them in the order raised, once per
   * raise; the packet keeps one bit per event).
   *
   * @param packet the decoded packet
   * @param pcapCnt its number in the capture file (0 live)
   * @param extras flow facts, when known
   * @returns the number of records written
   */
  decoderAnomalies(packet: Packet, pcapCnt: number, extras?: EveExtras): number {
    if (packet.eventCount === 0 || this.#out.closed) return 0;
    let n = 0;
    for (let ev = 0; ev < DECODER_EVENT_NAMES.length; ev++) {
      if (packet.hasEvent(ev)) {
        this.anomaly(packet, pcapCnt, decoderAnomaly(DECODER_EVENT_NAMES[ev]), extras);
        n++;
      }
    }
    return n;
  }

  /**
   * Write a record built elsewhere (another event type): one JSON object, no
   * newline inside.
   *
   * @param json the record's JSON text
   * @returns false when the writer is closed
   */
  writeRecord(json: string): boolean {
    if (this.#out.closed) return false;
    this.#out.writeLine(json);
    return true;
  }

  /** The emptied record buffer, for the next record. */
  #begin(): JsonBytes {
    this.#json.reset();
    return this.#json;
  }

  /** Write the record built since {@link EveWriter.#begin} as one line. */
  #end(): void {
    this.#out.writeBytes(this.#json.bytes, this.#json.length);
  }

  /** Write out buffered records. */
  flush(): void {
    this.#out.flush();
  }

  /** Flush and close the file. Idempotent. */
  close(): void {
    this.#out.close();
  }
}

/** Options of {@link FastLogWriter}. */
export interface FastLogWriterOptions extends LineWriterOptions {
  /** Inline (IPS) mode: drop rules print `[Drop]` instead of `[wDrop]`. */
  ips?: boolean;
}

/**
 * Writes fast.log lines (see {@link fastLogLine}).
 *
 * @example
 * ```ts
 * const fast = new FastLogWriter("fast.log", { append: false });
 * fast.alert(packet, pcapCnt, alertInfo);
 * fast.close();
 * ```
 */
export class FastLogWriter implements Flushable {
  /** Inline (IPS) mode. */
  readonly ips: boolean;
  readonly #out: LineWriter;

  /**
   * Open the file (appending by default).
   *
   * @param target file path, or a sink
   * @param options IPS mode, append/truncate, buffer size
   */
  constructor(target: string | LineSink, options: FastLogWriterOptions = {}) {
    this.ips = options.ips ?? false;
    this.#out = new LineWriter(target, options);
  }

  /** Lines written so far. */
  get records(): number {
    return this.#out.lines;
  }

  /** Whether the writer was closed. */
  get closed(): boolean {
    return this.#out.closed;
  }

  /**
   * Write one alert line.
   *
   * @param packet the packet the alert fired on
   * @param pcapCnt its number in the capture file (0 live)
   * @param alert the rule-side content
   * @returns false when the writer is closed
   */
  alert(packet: Packet, pcapCnt: number, alert: AlertInfo): boolean {
    if (this.#out.closed) return false;
    this.#out.writeLine(fastLogLine(packet, pcapCnt, alert, this.ips));
    return true;
  }

  /** Write out buffered lines. */
  flush(): void {
    this.#out.flush();
  }

  /** Flush and close the file. Idempotent. */
  close(): void {
    this.#out.close();
  }
}

/** Options of {@link installFlushOnSignals}. */
export interface FlushOnSignalsOptions {
  /** Signals to handle (default SIGINT and SIGTERM). */
  signals?: readonly Deno.Signal[];
  /**
   * Exit after closing the writers (default true), with 130 for SIGINT and
   * 143 for SIGTERM. Set false when the caller stops gracefully itself (a
   * listener replaces Deno's default of exiting on the signal).
   */
  exit?: boolean;
}

const SIGNAL_EXIT_CODES: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
};

/**
 * Flush and close `writers` when the process gets SIGINT/SIGTERM (then exit,
 * unless `exit: false`) and when it unloads (normal end, `Deno.exit`), so the
 * files end with whole lines.
 *
 * @example
 * ```ts
 * const uninstall = installFlushOnSignals([eve, fast]);
 * // ... run ...
 * uninstall();
 * ```
 * @param writers the writers to flush and close
 * @param options signals, whether to exit
 * @returns a function removing the listeners
 */
export function installFlushOnSignals(
  writers: Iterable<Flushable>,
  options: FlushOnSignalsOptions = {},
): () => void {
  const list = [...writers];
  const closeAll = () => {
    for (const w of list) {
      try {
        w.close();
      } catch {
        // A failing file must not keep the others from being flushed.
      }
    }
  };
  const exit = options.exit ?? true;
  const signals = options.signals ?? (["SIGINT", "SIGTERM"] as const);
  const handlers: Array<[Deno.Signal, () => void]> = [];
  for (const sig of signals) {
    const handler = () => {
      closeAll();
      if (exit) Deno.exit(SIGNAL_EXIT_CODES[sig] ?? 1);
    };
    Deno.addSignalListener(sig, handler);
    handlers.push([sig, handler]);
  }
  globalThis.addEventListener("unload", closeAll);
  return () => {
    for (const [sig, handler] of handlers) Deno.removeSignalListener(sig, handler);
    globalThis.removeEventListener("unload", closeAll);
  };
}
