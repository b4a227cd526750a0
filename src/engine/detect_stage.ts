/**
 * The detection stage of the pipeline: for each decoded packet, update its
 * flow, run the detection engine and write what alerted to EVE JSON and
 * fast.log. The per-alert rule data ({@link AlertInfo}) is prepared once per
 * signature when the stage is built, so an alert costs only its output line.
 *
 * @module
 */

import { decodePacket } from "../decode/decoder.ts";
import { Layer, Packet } from "../decode/packet.ts";
import { AlertQueue } from "../detect/alert_queue.ts";
import { DetectContext } from "../detect/detect_context.ts";
import type { DetectEngine } from "../detect/engine.ts";
import type { Signature } from "../detect/signature.ts";
import {
  alertActionOf,
  type AlertInfo,
  type DropReason,
  type EveExtras,
  ruleDrops,
  ruleMetadata,
  tunnelInfo,
} from "../output/eve_record.ts";
import type { EveWriter, FastLogWriter } from "../output/eve_writer.ts";
import type { DropRecordSettings } from "../output/eve_config.ts";
import type { Defragmenter } from "../flow/defrag.ts";
import { RAISED_STREAM_EVENTS } from "../detect/keywords/stream_event.ts";
import type { AppLayer, FlowApp } from "../app/app_layer.ts";
import type { AppParser, Transaction } from "../app/transaction.ts";
import type { JsonBytes } from "../output/json_bytes.ts";
import type { PseudoPacketSource, StreamEndHandler } from "../flow/flow_tracker.ts";
import { FlowDirection } from "../detect/detect_context.ts";
import { PacketVerdict, verdictOfAction } from "../verdict/packet_verdict.ts";

/** Keeps flow state for the detection stage (the flow table, when present). */
export interface FlowTracker {
  /**
   * Find or create the packet's flow and fill the context's flow fields.
   *
   * @param p the decoded packet
   * @param ctx the detection context to fill (flowIndex, direction, established, ...)
   */
  update(p: Packet, ctx: DetectContext): void;
  /**
   * EVE fields of the packet's flow (flow_id, flow{...}), or undefined.
   *
   * @param p the packet
   * @param ctx the context `update` filled
   * @returns the extras for the EVE record
   */
  eveExtras(p: Packet, ctx: DetectContext): EveExtras | undefined;
  /**
   * After detection of a packet: release what it inspected (stream data).
   *
   * @param ctx the context `update` filled
   */
  finish(ctx: DetectContext): void;
  /**
   * Note that the packet's flow raised an alert.
   *
   * @param ctx the context `update` filled
   */
  markAlerted(ctx: DetectContext): void;
  /**
   * Per flow slot: {@link FlowVerdict} bits (live capture), cleared when the
   * flow ends, so that a reused slot starts with none.
   */
  readonly verdict: Uint8Array;
  /** Receives the pseudo packets of flows ending with uninspected stream data. */
  onStreamEnd: StreamEndHandler | null;
  /** End every flow (end of input), making their pseudo packets. */
  endAll(): void;
  /** The application layer (its transaction records are written by the stage). */
  readonly app: AppLayer;
  /**
   * A packet standing for a flow (its client to server, at its last packet
   * time), for records written when no packet of the flow is at hand.
   *
   * @param f the flow slot
   */
  flowPacket(f: number): Packet;
  /**
   * The EVE flow_id of a flow slot.
   *
   * @param f the flow slot
   */
  flowId(f: number): number | bigint;
}

/** Bits of {@link FlowTracker.verdict}: what live capture decided for a whole flow. */
export const FlowVerdict = {
  /** A pass rule matched: the rest of the flow is not inspected. */
  PASSED: 1,
  /** A drop or reject rule matched inline: the rest of the flow is dropped. */
  DROPPED: 2,
  /** A drop record was written for a packet to the server (eve-log drop `flows: start`). */
  DROP_LOGGED_TO_SERVER: 4,
  /** A drop record was written for a packet to the client. */
  DROP_LOGGED_TO_CLIENT: 8,
} as const;

/** Where the stage writes, and how. */
export interface DetectStageOptions {
  /** EVE JSON writer, or null. */
  eve: EveWriter | null;
  /** fast.log writer, or null. */
  fast: FastLogWriter | null;
  /** Inline (IPS) mode: drop rules block. */
  ips?: boolean;
  /** Write the EVE `verdict` object in alert records. */
  verdict?: boolean;
  /** Write decoder anomalies to EVE (suricata.yaml anomaly.types.decode). */
  logDecoderAnomalies?: boolean;
  /** Write stream anomalies to EVE (suricata.yaml anomaly.types.stream). */
  logStreamAnomalies?: boolean;
  /** Write application-layer parser events to EVE (suricata.yaml anomaly.types.applayer). */
  logAppAnomalies?: boolean;
  /** Protocols whose transactions are written as records of their own (default: all). */
  appRecords?: ReadonlySet<string>;
  /** Flow tracking, or null for per-packet detection only. */
  flows?: FlowTracker | null;
  /** classtype -> description, for `alert.category`. */
  classDescriptions?: ReadonlyMap<string, string>;
  /**
   * IP defragmentation: fragments are inspected, then added; a completed
   * datagram is decoded and inspected as a packet of its own (`pkt_src`
   * "defrag", the pcap_cnt of the fragment that completed it).
   */
  defrag?: Defragmenter | null;
  /**
   * Live capture: a `pass` rule stops inspection of its whole flow, and in
   * IPS mode a drop or reject rule drops every later packet of its flow
   * (Suricata's flow pass and flow drop). Off for files, as `scan` has been.
   */
  flowVerdicts?: boolean;
  /** Write EVE `drop` records for packets dropped inline (IPS), or null. */
  dropRecords?: DropRecordSettings | null;
}

/**
 * The options with every field present, in one order: each stage's options
 * object then has the same hidden class, so code that V8 optimised on the
 * warm-up's stage (a few writers and modes given) is not thrown away on the
 * first packet of the live one (all of them given).
 */
function fixedShape(o: DetectStageOptions): DetectStageOptions {
  // `satisfies`: an option added to the interface but not here is a type error
  return {
    eve: o.eve,
    fast: o.fast,
    ips: o.ips ?? false,
    verdict: o.verdict ?? false,
    logDecoderAnomalies: o.logDecoderAnomalies ?? false,
    logStreamAnomalies: o.logStreamAnomalies ?? false,
    logAppAnomalies: o.logAppAnomalies ?? false,
    appRecords: o.appRecords,
    flows: o.flows ?? null,
    classDescriptions: o.classDescriptions,
    defrag: o.defrag ?? null,
    flowVerdicts: o.flowVerdicts ?? false,
    dropRecords: o.dropRecords ?? null,
  } satisfies Record<keyof DetectStageOptions, unknown>;
}

/** Runs detection on packets and writes alerts. One per worker. */
export class DetectStage {
  /** The engine. */
  readonly engine: DetectEngine;
  /** The detection context reused for every packet. */
  readonly ctx: DetectContext;
  /** The alerts of the current packet. */
  readonly alerts: AlertQueue = new AlertQueue();
  /** Alerts written so far. */
  alertCount = 0;
  /** Signature ids and how often each alerted. */
  readonly alertsBySid: Map<number, number> = new Map();
  /** Per signature index, made on its first alert (most rules never alert). */
  readonly #info: (AlertInfo | undefined)[];
  readonly #ips: boolean;
  readonly #classes: ReadonlyMap<string, string>;
  readonly #options: DetectStageOptions;
  /** The alerts of a pseudo packet (kept apart: it may come in the middle of a packet). */
  readonly #pseudoAlerts: AlertQueue = new AlertQueue();
  /** The reassembled datagram, decoded (reused). */
  readonly #defragPacket: Packet = new Packet();
  /**
   * The inline verdict of the last packet processed: {@link PacketVerdict}
   * bits from the actions of the rules that alerted (and of its flow).
   */
  verdict = 0;
  /** Packets not inspected because their flow was passed or dropped. */
  flowVerdictSkips = 0;
  /** Inline: packets dropped by a rule's action (Suricata's `ips.drop_reason.rules`). */
  rulesDrops = 0;
  /** Inline: packets dropped because their flow was (`ips.drop_reason.flow_drop`). */
  flowDrops = 0;
  /** Whether the packet being processed belongs to a flow dropped before it. */
  #inFlowDrop = false;
  /** Verdict bits per signature index. */
  readonly #sigVerdict: Uint8Array;

  /**
   * @param engine the detection engine
   * @param packet the packet instance the decoder fills
   * @param options writers and modes
   */
  constructor(engine: DetectEngine, packet: Packet, options: DetectStageOptions) {
    this.engine = engine;
    this.ctx = new DetectContext(packet);
    this.#options = fixedShape(options);
    const ips = options.ips ?? false;
    const classes = options.classDescriptions ?? new Map<string, string>();
    this.#ips = ips;
    this.#classes = classes;
    this.#info = new Array(engine.sigs.length);
    this.#sigVerdict = Uint8Array.from(engine.sigs, (sig) => verdictOfAction(sig.action));
    const flows = options.flows ?? null;
    if (flows !== null) {
      flows.onStreamEnd = (pseudo, ctx, source) => this.#inspectPseudo(pseudo, ctx, source);
      if (options.eve) flows.app.onLog = (f, fa, tx, side) => this.#txRecord(f, fa, tx, side);
    }
  }

  /** The alert data of signature `index`, made once. */
  #alertInfo(index: number): AlertInfo {
    return this.#info[index] ??= alertInfoOf(this.engine.sigs[index], this.#ips, this.#classes);
  }

  /** The packet being finished (records of its flow are written on it). */
  #logPacket: Packet | null = null;
  #logCtx: DetectContext | null = null;
  #logPktSrc: string | undefined = undefined;

  /** The transaction whose record {@link DetectStage.#writeTxJson} writes (set around the call). */
  #jsonParser: AppParser<unknown> | null = null;
  #jsonTx: Transaction | null = null;
  #jsonSide = 0;
  /** Writes the JSON text of that transaction's object: one function for every record, no closure each. */
  readonly #writeTxJson = (out: JsonBytes): void => {
    this.#jsonParser!.eveJson!(this.#jsonTx!, this.#jsonSide, out);
  };

  /** Write a transaction record (EVE `http`, `dns`...) the parser asked for. */
  #txRecord(f: number, fa: FlowApp, tx: Transaction, side: number): void {
    const eve = this.#options.eve;
    const flows = this.#options.flows ?? null;
    if (eve === null || flows === null || fa.parser === null) return;
    const parser = fa.parser;
    const records = this.#options.appRecords;
    if (records !== undefined && !records.has(parser.name)) return;
    // a parser that writes its JSON text itself builds no object (object stays null)
    let object: Record<string, unknown> | null = null;
    if (parser.eveJson === undefined) {
      object = parser.eve(tx, side, false);
      if (object === null) return;
    }
    let p: Packet;
    let pcapCnt = 0;
    let extras: EveExtras;
    const ctx = this.#logCtx;
    if (ctx !== null && this.#logPacket !== null && ctx.flowIndex === f) {
      p = this.#logPacket;
      pcapCnt = ctx.pcapCnt;
      extras = {
        flowId: flows.flowId(f),
        reverse: ctx.direction === FlowDirection.TO_CLIENT,
        pktSrc: this.#logPktSrc,
      };
    } else {
      p = flows.flowPacket(f);
      extras = { flowId: flows.flowId(f), pktSrc: "stream (flow timeout)" };
    }
    const style = parser.logStyle;
    if (style.txId) extras.txId = tx.id;
    if (style.packetSide) extras.reverse = false;
    if (object === null) {
      this.#jsonParser = parser;
      this.#jsonTx = tx;
      this.#jsonSide = side;
      eve.app(p, pcapCnt, parser.name, this.#writeTxJson, extras);
      this.#jsonParser = null;
      this.#jsonTx = null;
      return;
    }
    const list = Array.isArray(object.records) ? object.records : [object];
    for (const record of list) eve.app(p, pcapCnt, parser.name, record, extras);
  }

  /**
   * The end of the input: every flow ends, and stream data not inspected yet
   * is inspected on pseudo packets (`pkt_src` "stream (flow timeout)").
   */
  finish(): void {
    this.#options.flows?.endAll();
  }

  #inspectPseudo(p: Packet, ctx: DetectContext, source: PseudoPacketSource): void {
    const alerts = this.#pseudoAlerts;
    alerts.reset();
    ctx.pcapCnt = 0;
    this.engine.inspect(p, ctx, alerts);
    if (alerts.count > 0) {
      this.#writeAlerts(p, 0, ctx, alerts, this.#options.flows ?? null, source);
    }
    this.#logPacket = p;
    this.#logCtx = ctx;
    this.#logPktSrc = source;
  }

  /**
   * Inspect one decoded packet and write its alerts.
   *
   * @param p the packet
   * @param pcapCnt its frame number (1-based)
   */
  process(p: Packet, pcapCnt: number): void {
    // Suricata defragments while decoding: the defrag events are on the
    // fragment when it is inspected; the datagram is inspected after it
    const defrag = this.#options.defrag ?? null;
    const done = defrag !== null && (p.layers & Layer.FRAGMENT) !== 0 && defrag.add(p);
    this.verdict = PacketVerdict.PASS;
    this.#inspect(p, pcapCnt, undefined);
    if (done && defrag !== null) {
      const rp = this.#defragPacket;
      rp.data = defrag.output;
      rp.frameOffset = 0;
      rp.capLen = defrag.outputLength;
      rp.wireLen = defrag.outputLength;
      rp.linkType = defrag.outputLinkType;
      rp.tsSec = p.tsSec;
      rp.tsNsec = p.tsNsec;
      rp.inIface = p.inIface;
      decodePacket(rp);
      const ctx = this.ctx;
      const outer = ctx.packet;
      ctx.packet = rp;
      this.#inspect(rp, pcapCnt, "defrag");
      ctx.packet = outer;
    }
    if (this.#options.ips && (this.verdict & PacketVerdict.DROP) !== 0) {
      if (this.#inFlowDrop) this.flowDrops++;
      else this.rulesDrops++;
    }
  }

  #inspect(p: Packet, pcapCnt: number, pktSrc: string | undefined): void {
    const ctx = this.ctx;
    ctx.pcapCnt = pcapCnt;
    ctx.now = p.tsSec + p.tsNsec / 1e9;
    const flows = this.#options.flows ?? null;
    if (flows !== null) flows.update(p, ctx);
    const alerts = this.alerts;
    alerts.reset();
    const flowVerdicts = this.#options.flowVerdicts === true && flows !== null &&
      ctx.flowIndex >= 0;
    let skip = false;
    if (flowVerdicts) {
      // per-slot bits, not flow ids: a flow id is a double, boxed on every read
      const fv = flows.verdict[ctx.flowIndex];
      if ((fv & FlowVerdict.DROPPED) !== 0) {
        this.verdict |= PacketVerdict.DROP;
        skip = true;
      } else if ((fv & FlowVerdict.PASSED) !== 0) skip = true;
      if (skip) this.flowVerdictSkips++;
    }
    // the first rule without an alert (noalert) whose action drops: its action still applies
    let silentDrop = -1;
    if (!skip) {
      const engine = this.engine;
      engine.inspect(p, ctx, alerts);
      for (let i = 0; i < engine.silentCount; i++) {
        const v = this.#sigVerdict[engine.silentSigs[i]];
        if (v === 0) continue;
        if (silentDrop < 0) silentDrop = engine.silentSigs[i];
        this.verdict |= v;
      }
    }
    const eve = this.#options.eve;
    let v = 0;
    for (let i = 0; i < alerts.count; i++) v |= this.#sigVerdict[alerts.sigIndex[i]];
    this.verdict |= v;
    if (
      flowVerdicts && !skip && (this.verdict & PacketVerdict.DROP) !== 0 && this.#options.ips
    ) {
      flows!.verdict[ctx.flowIndex] = FlowVerdict.DROPPED;
    }
    if (alerts.count > 0) this.#writeAlerts(p, pcapCnt, ctx, alerts, flows, pktSrc);
    if (pktSrc === undefined) this.#inFlowDrop = skip && (this.verdict & PacketVerdict.DROP) !== 0;
    const drops = this.#options.dropRecords ?? null;
    if (
      drops !== null && eve !== null && this.#options.ips && pktSrc === undefined &&
      (this.verdict & PacketVerdict.DROP) !== 0
    ) {
      this.#dropRecord(p, ctx, drops, skip ? "flow drop" : "rules", silentDrop);
    }
    if (flowVerdicts && !skip && this.engine.passed) {
      flows!.verdict[ctx.flowIndex] |= FlowVerdict.PASSED;
    }
    if (flows !== null) {
      this.#logPacket = p;
      this.#logCtx = ctx;
      this.#logPktSrc = pktSrc;
      flows.finish(ctx);
      this.#logPacket = null;
      this.#logCtx = null;
    }
    if (eve !== null && p.eventCount !== 0 && this.#options.logDecoderAnomalies) {
      const extras = flows?.eveExtras(p, ctx);
      eve.decoderAnomalies(p, pcapCnt, pktSrc ? { ...extras, pktSrc } : extras);
    }
    const appEvents = ctx.appEvents;
    if (
      eve !== null && appEvents !== null && appEvents.length > 0 && this.#options.logAppAnomalies
    ) {
      const extras = flows?.eveExtras(p, ctx);
      for (const e of appEvents) {
        const style = e.style;
        if (e.txId < 0 && style !== null && style.dropsEventsWithoutTx) continue;
        eve.anomaly(p, pcapCnt, {
          type: "applayer",
          appProto: e.proto,
          event: style !== null && style.eventsAsRaised ? e.event : e.event.toUpperCase(),
          layer: "proto_parser",
        }, e.txId >= 0 ? { ...extras, txId: e.txId } : extras);
      }
    }
    if (eve !== null && ctx.streamEvents !== 0 && this.#options.logStreamAnomalies) {
      const extras = flows?.eveExtras(p, ctx);
      for (const [name, bit] of RAISED_STREAM_EVENTS) {
        if ((ctx.streamEvents & bit) !== 0) {
          eve.anomaly(p, pcapCnt, { type: "stream", event: "stream." + name }, extras);
        }
      }
    }
  }

  /**
   * Write the EVE `drop` record of a packet dropped inline, as Suricata's
   * drop logger: with `flows: start`, a flow dropped earlier is logged once
   * per direction (a packet a rule dropped is always logged).
   */
  #dropRecord(
    p: Packet,
    ctx: DetectContext,
    drops: DropRecordSettings,
    reason: DropReason,
    silentDrop: number,
  ): void {
    const flows = this.#options.flows ?? null;
    const f = ctx.flowIndex;
    if (drops.flowsStart && flows !== null && f >= 0) {
      const bit = ctx.direction === FlowDirection.TO_CLIENT
        ? FlowVerdict.DROP_LOGGED_TO_CLIENT
        : FlowVerdict.DROP_LOGGED_TO_SERVER;
      if (reason === "flow drop" && (flows.verdict[f] & bit) !== 0) return;
      flows.verdict[f] |= bit;
    }
    let alert: AlertInfo | null = null;
    if (drops.alerts && reason === "rules") {
      const alerts = this.alerts;
      for (let i = 0; i < alerts.count && alert === null; i++) {
        const info = this.#alertInfo(alerts.sigIndex[i]);
        if (info.action === "blocked") alert = info;
      }
      if (alert === null && silentDrop >= 0) alert = this.#alertInfo(silentDrop);
    }
    const extras = flows?.eveExtras(p, ctx);
    this.#options.eve!.drop(p, reason, alert, {
      flowId: extras?.flowId,
      direction: extras?.direction,
    });
  }

  #writeAlerts(
    p: Packet,
    pcapCnt: number,
    ctx: DetectContext,
    alerts: AlertQueue,
    flows: FlowTracker | null,
    pktSrc: string | undefined,
  ): void {
    flows?.markAlerted(ctx);
    let extras = flows?.eveExtras(p, ctx);
    if (pktSrc !== undefined) extras = { ...extras, pktSrc };
    if (p.tunnel !== 0) {
      // the inner packet of a tunnel is logged as Suricata logs its pseudo-packet
      const tunnel = tunnelInfo(p, pcapCnt);
      if (tunnel) extras = { ...extras, tunnel };
    }
    if (this.#options.verdict) {
      // Suricata's packet verdict: drop when an alerting rule drops in IPS mode
      let drop = false;
      for (let i = 0; i < alerts.count; i++) {
        drop ||= this.#alertInfo(alerts.sigIndex[i]).drop === true;
      }
      extras = {
        ...extras,
        verdict: { action: drop && this.#options.ips ? "drop" : "alert" },
      };
    }
    let streamExtras: EveExtras | undefined;
    for (let i = 0; i < alerts.count; i++) {
      const index = alerts.sigIndex[i];
      const info = this.#alertInfo(index);
      let tx = alerts.tx[i];
      let guessed = false;
      if (tx === null && ctx.app !== null && (alerts.streamMatch[i] === 1 || p.ipProto === 17)) {
        // Suricata logs a stream match (and a UDP app-layer match) with the
        // transaction being inspected in the packet's direction
        tx = ctx.app.guessTx(ctx.direction !== FlowDirection.TO_CLIENT);
        guessed = tx !== null && p.ipProto !== 17;
      }
      if (tx !== null) {
        const parser = ctx.app?.parser ?? null;
        const object = parser?.eve(tx, tx.published | tx.progress, true) ?? null;
        const txExtras: EveExtras = { ...extras, txId: tx.id };
        if (guessed) txExtras.txGuessed = true;
        if (parser !== null && object !== null) txExtras.appLayer = { [parser.name]: object };
        if (alerts.streamMatch[i] === 1) {
          txExtras.stream = true;
          txExtras.streamPayload = (streamExtras ??= {
            ...extras,
            stream: true,
            streamPayload: streamPayloadOf(ctx),
          }).streamPayload;
        }
        if (typeof object?.xff === "string") txExtras.xff = object.xff;
        this.#options.eve?.alert(p, pcapCnt, info, txExtras);
      } else if (alerts.streamMatch[i] === 1) {
        streamExtras ??= { ...extras, stream: true, streamPayload: streamPayloadOf(ctx) };
        this.#options.eve?.alert(p, pcapCnt, info, streamExtras);
      } else this.#options.eve?.alert(p, pcapCnt, info, extras);
      this.#options.fast?.alert(p, pcapCnt, info);
      this.alertCount++;
      const sid = info.signatureId;
      this.alertsBySid.set(sid, (this.alertsBySid.get(sid) ?? 0) + 1);
    }
  }

  /** Flush the writers (what was written stays whole lines). */
  flush(): void {
    this.#options.eve?.flush();
    this.#options.fast?.flush();
  }
}

const encoder = new TextEncoder();

/**
 * The stream data an alert logs as its payload: the blocks inspected, holes
 * written as Suricata writes them (`[N bytes missing]`). Made only for an
 * alert, so it may allocate.
 */
function streamPayloadOf(ctx: DetectContext): Uint8Array {
  const st = ctx.stream;
  if (st === null) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let k = 0; k < ctx.streamBlockCount; k++) {
    const gap = st.blockGapBefore[k];
    if (gap > 0) {
      const marker = encoder.encode(`[${gap} bytes missing]`);
      parts.push(marker);
      total += marker.length;
    }
    const block = st.bytes.subarray(st.blockStart[k], st.blockEnd[k]);
    parts.push(block);
    total += block.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function alertInfoOf(
  sig: Signature,
  ips: boolean,
  classes: ReadonlyMap<string, string>,
): AlertInfo {
  const action = sig.action === "pass" || sig.action === "config" ? "alert" : sig.action;
  return {
    action: alertActionOf(action, ips),
    drop: ruleDrops(action),
    gid: sig.gid,
    signatureId: sig.sid,
    rev: sig.rev,
    signature: sig.msg,
    category: sig.classtype === null ? null : classes.get(sig.classtype) ?? null,
    severity: sig.priority,
    metadata: sig.metadata.length > 0 ? ruleMetadata(sig.metadata.map(splitMetadata)) : undefined,
    rule: sig.text,
  };
}

function splitMetadata(entry: string): [string, string] {
  const trimmed = entry.trim();
  const space = trimmed.indexOf(" ");
  return space < 0 ? [trimmed, ""] : [trimmed.slice(0, space), trimmed.slice(space + 1).trim()];
}
