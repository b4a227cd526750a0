/**
 * The flow stage of the detection pipeline: looks each packet's flow up in
 * the {@link FlowTable}, fills the detection context (flow slot, direction,
 * established, packets, age, flowbits/flowints) and gives the EVE fields of
 * the flow (flow_id, direction, flow{...}) for alert records.
 *
 * Per packet, the pipeline sets `ctx.now` to the packet time and calls
 * {@link FlowStage.update} before the detection engine inspects the packet.
 * Stream reassembly and full TCP state tracking come with the flow/stream
 * stage, which will sit beside this one.
 *
 * @module
 */

import { DetectContext, FlowDirection } from "../detect/detect_context.ts";
import type { FlowTracker } from "../engine/detect_stage.ts";
import type { EveExtras } from "../output/eve_record.ts";
import { decodePacket } from "../decode/decoder.ts";
import { checksumState, CsumKind } from "../decode/checksum.ts";
import { Packet } from "../decode/packet.ts";
import { FlowbitStore, flowintCount, trafficFlowbits } from "./flowbits.ts";
import { HostBitStore } from "./host_bits.ts";
import { FlowEnd, FlowTable, type FlowTableOptions, TcpState } from "./flow_table.ts";
import type { FlowRecordInfo } from "../output/flow_record.ts";
import { eveProtoName, formatIpv4, formatIpv6 } from "../output/ip_format.ts";
import { type ReassemblyOptions, TcpReassembly } from "./tcp_reassembly.ts";
import { MIN_WINDOW } from "./stream_arena.ts";
import {
  APP_PROTO_NAMES,
  AppProto,
  detectAppProto,
  detectServerOpening,
  detectUdpAppProto,
  triggersInspection,
} from "../app/proto_detect.ts";
import { AppLayer } from "../app/app_layer.ts";
import { defaultParsers, type ParserOptions } from "../app/parsers.ts";

/**
 * TCP checksum validation by the stream engine (Suricata's
 * `stream.checksum-validation` with the capture's `checksum-checks`): "no"
 * trusts every checksum; "yes" makes the stream engine ignore TCP packets
 * with a bad one; "auto" does so until, after 1000 packets, more than one
 * in ten had a bad one (checksum offloading), then trusts them all.
 */
export type ChecksumValidation = "yes" | "no" | "auto";

/** Options of the flow stage: the flow table's, and TCP reassembly's (null: no reassembly). */
export interface FlowStageOptions extends FlowTableOptions {
  /** TCP checksum validation, default "auto". */
  checksumValidation?: ChecksumValidation;
  /** TCP stream reassembly options; the capacity is the flow table's. Null turns reassembly off. */
  reassembly?: Omit<ReassemblyOptions, "capacity"> | null;
  /** Application-layer parser settings (what rules and configuration ask for). */
  parsers?: ParserOptions;
  /** Parse application protocols (default true); false only detects them. */
  appLayer?: boolean;
}

/**
 * Why a pseudo packet carries stream data, as its EVE `pkt_src` says:
 * the flow ended (Suricata's flow-timeout packets), or its inspection ends
 * early and what the streams hold is inspected first (Suricata's
 * detect/log flush).
 */
export type PseudoPacketSource = "stream (flow timeout)" | "stream (detect/log)";

/**
 * Receives a pseudo packet of a flow whose stream data not yet inspected
 * must be now: `ctx` holds its flow fields and stream blocks; inspect it
 * and write its alerts.
 */
export type StreamEndHandler = (
  pseudo: Packet,
  ctx: DetectContext,
  source: PseudoPacketSource,
) => void;

/** EVE names of the TCP states (Suricata's StreamTcpStateAsString), by TcpState number. */
const TCP_STATE_NAMES: readonly string[] = [
  "none",
  "listen",
  "syn_sent",
  "syn_recv",
  "established",
  "fin_wait1",
  "fin_wait2",
  "time_wait",
  "last_ack",
  "close_wait",
  "closing",
  "closed",
];
const FLOW_STATE_NAMES: readonly string[] = ["new", "established", "closed"];

function endReasonName(reason: number): string {
  switch (reason) {
    case FlowEnd.TIMEOUT:
      return "timeout";
    case FlowEnd.SHUTDOWN:
      return "shutdown";
    case FlowEnd.TCP_REUSE:
      return "tcp_reuse";
    default:
      return "forced";
  }
}

const TCP_HEADER = 20;
/** Packets after which the checksum auto mode decides (Suricata's CHECKSUM_SAMPLE_COUNT). */
const CHECKSUM_SAMPLE = 1000;
const TCP_FIN = 0x01;
const TCP_PSH = 0x08;

/** Flow tracking for one worker. */
export class FlowStage implements FlowTracker {
  /** The flow table. */
  readonly table: FlowTable;
  /** Per-flow flowbits and flowints. */
  readonly flowbits: FlowbitStore;
  /** Host bits and xbits. */
  readonly hostbits: HostBitStore = new HostBitStore();
  /** TCP stream reassembly, null when turned off. */
  readonly reassembly: TcpReassembly | null;
  /** Called with the pseudo packet of each flow that ends with uninspected stream data. */
  onStreamEnd: StreamEndHandler | null = null;
  /** Pseudo packets made at flow end. */
  pseudoPackets = 0;
  /** Receives the facts of the EVE `flow` record of each flow that ends, null to make none. */
  onFlowRecord: ((record: FlowRecordInfo) => void) | null = null;
  /** Flows that ended, by {@link FlowEnd} reason (index). */
  readonly endedByReason: Float64Array = new Float64Array(8);
  /** Flows that ended, by IP protocol number. */
  readonly endedByProto: Float64Array = new Float64Array(256);
  /** TCP flows that ended having had a TCP session. */
  tcpSessions = 0;
  /** Per flow slot: an alert was raised on it. */
  readonly alerted: Uint8Array;
  /** Per flow slot: {@link FlowVerdict} bits, cleared when the flow ends. */
  readonly verdict: Uint8Array;
  /** Per flow slot: the interface its first packet came in on (live capture), or null. */
  readonly #inIface: (string | null)[];
  /** Per flow slot and direction (slot * 2 + 0 to server, + 1 to client): TCP flags seen. */
  readonly tcpFlagsSeen: Uint8Array;
  /** TCP packets the stream engine ignored for a bad checksum. */
  invalidChecksums = 0;
  /** Packets seen (for the checksum auto mode). */
  #packets = 0;
  /** Whether TCP checksums are checked now. */
  #validateChecksums: boolean;
  readonly #checksumAuto: boolean;
  /** The latest packet time seen (the time flow records carry). */
  #now = 0;
  readonly #addr: Uint8Array = new Uint8Array(16);
  /** The application layer: parsers and their per-flow state. */
  readonly app: AppLayer;
  /** Per flow slot: the {@link AppProto} detected from its first TCP data. */
  readonly appProto: Uint8Array;
  /** The traffic/id and traffic/label flowbits (known once rules are loaded). */
  #trafficBits: { bit: number; kind: "id" | "label"; value: string }[] | null = null;
  /** Per flow slot: 1 once data of the flow reached the application layer. */
  readonly #appSeen: Uint8Array;
  /** Per flow slot: the protocol one direction's data was detected as when it differs. */
  readonly #appProtoOther: Uint8Array;
  /** Per flow slot: which direction that was (1 to server, 2 to client). */
  readonly #appOtherSide: Uint8Array;
  /** Per flow slot: directions whose first data went through detection (1 to server, 2 to client). */
  readonly #appTried: Uint8Array;
  readonly #asyncOneside: boolean;
  readonly #pseudo: Packet = new Packet();
  readonly #pseudoCtx: DetectContext;
  readonly #pseudoFrame: Uint8Array = new Uint8Array(40 + TCP_HEADER);

  /**
   * @param options flow table and reassembly options
   * @param flowbitNames how many flowbit names the rules use (`flowbitCount()`)
   * @param flowintNames how many flowint names the rules use
   */
  constructor(options: FlowStageOptions, flowbitNames: number, flowintNames = flowintCount()) {
    this.table = new FlowTable(options);
    this.flowbits = new FlowbitStore(this.table, flowbitNames, flowintNames);
    this.#asyncOneside = options.asyncOneside ?? false;
    const checksums = options.checksumValidation ?? "auto";
    this.#validateChecksums = checksums !== "no";
    this.#checksumAuto = checksums === "auto";
    this.reassembly = options.reassembly === null
      ? null
      : new TcpReassembly({ ...options.reassembly, capacity: this.table.capacity });
    this.appProto = new Uint8Array(this.table.capacity);
    this.app = new AppLayer(
      this.table.capacity,
      options.appLayer === false
        ? { tcp: new Map(), udp: new Map() }
        : defaultParsers(options.parsers),
    );
    this.alerted = new Uint8Array(this.table.capacity);
    this.verdict = new Uint8Array(this.table.capacity);
    this.#inIface = new Array<string | null>(this.table.capacity).fill(null);
    this.tcpFlagsSeen = new Uint8Array(this.table.capacity * 2);
    this.#appTried = new Uint8Array(this.table.capacity);
    this.#appProtoOther = new Uint8Array(this.table.capacity);
    this.#appSeen = new Uint8Array(this.table.capacity);
    this.#appOtherSide = new Uint8Array(this.table.capacity);
    this.#pseudoCtx = new DetectContext(this.#pseudo);
    this.#pseudoCtx.pseudo = true;
    this.table.onEnd = (f, reason) => this.#flowEnded(f, reason);
  }

  /**
   * Bytes of per-flow state, all preallocated: the flow table, flowbits,
   * reassembly bookkeeping and this stage's arrays (reassembled data lives
   * in the reassembly arena, under its own memcap).
   */
  get memoryBytes(): number {
    return this.table.memoryBytes + this.flowbits.memoryBytes +
      (this.reassembly?.metadataBytes ?? 0) + this.appProto.byteLength +
      this.#appTried.byteLength + this.alerted.byteLength + this.verdict.byteLength +
      this.tcpFlagsSeen.byteLength;
  }

  /**
   * How many flows fit in a flow memcap (suricata.yaml `flow.memcap`, bytes),
   * measured on a small stage built with the same options.
   *
   * @param memcap bytes for all per-flow state
   * @param options the stage options (their capacity is ignored)
   * @param flowbitNames flowbit names the rules use
   * @param flowintNames flowint names the rules use
   * @returns the capacity, at least 1024 flows
   */
  static capacityFor(
    memcap: number,
    options: FlowStageOptions,
    flowbitNames: number,
    flowintNames = flowintCount(),
  ): number {
    const probeFlows = 1024;
    const reassembly = options.reassembly === null
      ? null
      : { ...options.reassembly, memcap: 0, maxWindow: MIN_WINDOW };
    const probe = new FlowStage(
      { ...options, capacity: probeFlows, reassembly },
      flowbitNames,
      flowintNames,
    );
    const perFlow = probe.memoryBytes / probeFlows;
    return Math.max(probeFlows, Math.floor(memcap / perFlow));
  }

  /**
   * End every flow (the end of the capture): flows with stream data not
   * inspected yet hand their pseudo packets to {@link FlowStage.onStreamEnd}.
   */
  endAll(): void {
    this.table.flushAll();
  }

  #flowEnded(f: number, reason: number): void {
    const r = this.reassembly;
    const app = this.app;
    if (app.flow(f) !== null || (r !== null && this.table.proto[f] === 6)) {
      // the parsers get what is left of both streams, then complete what they can
      if (r !== null && this.table.proto[f] === 6) {
        this.#feedApp(f, true, r, false);
        this.#feedApp(f, false, r, false);
      }
      app.finish(f);
    }
    if (r !== null) this.#endStreams(f, r);
    app.release(f);
    this.endedByReason[reason]++;
    this.endedByProto[this.table.proto[f]]++;
    if (this.table.proto[f] === 6 && this.table.tcpState[f] !== TcpState.NONE) this.tcpSessions++;
    if (this.onFlowRecord !== null) this.onFlowRecord(this.#recordOf(f, reason));
    this.appProto[f] = AppProto.UNKNOWN;
    this.#appTried[f] = 0;
    this.#appProtoOther[f] = 0;
    this.#appOtherSide[f] = 0;
    this.#appSeen[f] = 0;
    this.alerted[f] = 0;
    this.verdict[f] = 0;
    this.#inIface[f] = null;
    this.tcpFlagsSeen[f * 2] = 0;
    this.tcpFlagsSeen[f * 2 + 1] = 0;
  }

  /** The facts of a flow's EVE record (made once per flow end). */
  #recordOf(f: number, reason: number): FlowRecordInfo {
    const t = this.table;
    const proto = t.proto[f];
    const ports = proto === 6 || proto === 17 || proto === 132;
    const vlans: number[] = [];
    for (let v = 0; v < 3 && t.vlan[f * 3 + v] !== 0; v++) vlans.push(t.vlan[f * 3 + v]);
    const app = this.appProto[f];
    const tcp = proto === 6;
    const session = tcp && t.tcpState[f] !== TcpState.NONE;
    return {
      time: this.#now,
      flowId: t.flowId[f],
      inIface: this.#inIface[f] ?? undefined,
      vlans,
      srcIp: this.#address(t.addrA, f),
      destIp: this.#address(t.addrB, f),
      srcPort: ports ? t.portA[f] : undefined,
      destPort: ports ? t.portB[f] : undefined,
      proto: eveProtoName(proto),
      appProto: app !== AppProto.UNKNOWN ? APP_PROTO_NAMES[app] : undefined,
      appProtoTs: this.#appOtherSide[f] === 1 ? APP_PROTO_NAMES[this.#appProtoOther[f]] : undefined,
      appProtoTc: this.#appOtherSide[f] === 2 ? APP_PROTO_NAMES[this.#appProtoOther[f]] : undefined,
      traffic: this.traffic(f),
      pktsToServer: t.pktsToServer[f],
      pktsToClient: t.pktsToClient[f],
      bytesToServer: t.bytesToServer[f],
      bytesToClient: t.bytesToClient[f],
      start: t.firstTs[f],
      end: t.lastTs[f],
      state: FLOW_STATE_NAMES[t.flowState[f]] ?? "new",
      reason: endReasonName(reason),
      alerted: this.alerted[f] === 1,
      emergency: t.emergency,
      tcpFlagsTs: tcp ? (session ? this.tcpFlagsSeen[f * 2] : 0) : undefined,
      tcpFlagsTc: tcp ? (session ? this.tcpFlagsSeen[f * 2 + 1] : 0) : undefined,
      tcpState: session ? TCP_STATE_NAMES[t.tcpState[f]] : undefined,
    };
  }

  #address(words: Uint32Array, f: number): string {
    const base = f * 4;
    if (this.table.ipVersion[f] === 4) return formatIpv4(words[base]);
    const b = this.#addr;
    for (let w = 0; w < 4; w++) storeWord(b, w * 4, words[base + w]);
    return formatIpv6(b, 0);
  }

  #endStreams(f: number, r: TcpReassembly): void {
    if (this.onStreamEnd !== null) {
      this.#inspectStreams(f, r, "stream (flow timeout)");
      this.app.afterPacket(f);
    }
    r.reset(f);
  }

  /**
   * Hand both directions' stream data not inspected yet (and transaction
   * parts waiting) to {@link FlowStage.onStreamEnd} as pseudo packets.
   */
  #inspectStreams(f: number, r: TcpReassembly, source: PseudoPacketSource): void {
    const onStreamEnd = this.onStreamEnd;
    if (onStreamEnd === null) return;
    const fa = this.app.flow(f);
    for (let d = 0; d < 2; d++) {
      const toServer = d === 0;
      const txPending = fa !== null && this.table.proto[f] === 6 &&
        fa.hasPending(toServer ? 1 : 2);
      if (!r.hasPending(f, toServer) && !txPending) continue;
      const ctx = this.#pseudoCtx;
      const pseudo = this.#pseudoPacket(f, toServer);
      this.#fill(f, toServer, ctx);
      ctx.now = this.table.lastTs[f];
      ctx.streamAdded = false;
      ctx.streamEvents = 0;
      ctx.stream = r;
      ctx.streamBlockCount = r.prepare(f, toServer, this.table.tcpState[f], true, true);
      ctx.payloadInspection = fa === null || !fa.payloadStopped;
      if (!ctx.payloadInspection) ctx.streamBlockCount = 0;
      if (ctx.streamBlockCount > 0 || txPending) {
        this.pseudoPackets++;
        onStreamEnd(pseudo, ctx, source);
      }
      r.commit();
    }
  }

  /** Build and decode the pseudo packet of one direction of a flow (raw IP + TCP header). */
  #pseudoPacket(f: number, toServer: boolean): Packet {
    const t = this.table;
    const b = this.#pseudoFrame;
    b.fill(0);
    const v6 = t.ipVersion[f] === 6;
    const base = f * 4;
    const src = toServer ? t.addrA : t.addrB;
    const dst = toServer ? t.addrB : t.addrA;
    let at = 0;
    if (v6) {
      b[0] = 0x60;
      b[5] = TCP_HEADER;
      b[6] = 6;
      b[7] = 64;
      for (let w = 0; w < 4; w++) {
        storeWord(b, 8 + 4 * w, src[base + w]);
        storeWord(b, 24 + 4 * w, dst[base + w]);
      }
      at = 40;
    } else {
      b[0] = 0x45;
      b[3] = 20 + TCP_HEADER;
      b[8] = 64;
      b[9] = 6;
      storeWord(b, 12, src[base]);
      storeWord(b, 16, dst[base]);
      at = 20;
    }
    const sp = toServer ? t.portA[f] : t.portB[f];
    const dp = toServer ? t.portB[f] : t.portA[f];
    b[at] = sp >>> 8;
    b[at + 1] = sp & 0xff;
    b[at + 2] = dp >>> 8;
    b[at + 3] = dp & 0xff;
    b[at + 12] = 0x50;
    b[at + 13] = 0x10; // ACK
    const p = this.#pseudo;
    p.data = b;
    p.frameOffset = 0;
    p.capLen = at + TCP_HEADER;
    p.wireLen = at + TCP_HEADER;
    p.linkType = 101;
    const ts = t.lastTs[f];
    p.tsSec = Math.floor(ts);
    p.tsNsec = Math.round((ts - p.tsSec) * 1e9);
    decodePacket(p);
    return p;
  }

  /**
   * Find or create the packet's flow and fill the context: `flowIndex`
   * (-1 without a flow), `direction`, `established`, `flowPackets`,
   * `flowAge`, `flowGeneration`, `flowbits`, `hostbits`, the stream blocks
   * to inspect and `payloadInspection` (false once a parser found the flow's
   * payload encrypted). When a parser ends the flow's inspection on this
   * packet (SSH after both NEWKEYS), the streams' pending data is handed to
   * {@link FlowStage.onStreamEnd} from here, before the packet itself is
   * inspected: detection may run (and write alerts) inside this call.
   *
   * @param p the decoded packet
   * @param ctx the detection context to fill; `ctx.now` must hold the packet time
   */
  update(p: Packet, ctx: DetectContext): void {
    ctx.flowbits = this.flowbits;
    ctx.hostbits = this.hostbits;
    ctx.streamAdded = false;
    ctx.payloadInspection = true;
    ctx.streamBlockCount = 0;
    ctx.streamEvents = 0;
    ctx.clientStreamSize = -1;
    ctx.serverStreamSize = -1;
    ctx.appProto = 0;
    ctx.app = null;
    ctx.appEvents = null;
    this.app.startPacket();
    if (ctx.now > this.#now) this.#now = ctx.now;
    // the stream engine ignores a TCP packet with a bad checksum (state, data)
    let checked = true;
    if (this.#validateChecksums && p.ipProto === 6 && p.l4Offset >= 0) {
      const state = checksumState(p, p.ipVersion === 4 ? CsumKind.TCPV4 : CsumKind.TCPV6);
      if (state === 0) {
        checked = false;
        this.invalidChecksums++;
      }
    }
    if (this.#checksumAuto && ++this.#packets === CHECKSUM_SAMPLE) {
      const bad = this.invalidChecksums;
      if (bad > 0 && CHECKSUM_SAMPLE / bad < 10) this.#validateChecksums = false;
    }
    const f = this.table.lookupOrCreate(p, ctx.now, checked);
    ctx.flowIndex = f;
    if (f < 0) {
      ctx.direction = FlowDirection.UNKNOWN;
      ctx.established = false;
      ctx.flowPackets = 0;
      ctx.flowGeneration = 0;
      ctx.flowAge = 0;
      return;
    }
    const t = this.table;
    let toServer = t.lastToServer;
    ctx.streamEvents = t.lastEvents;
    if (t.proto[f] === 6 && p.ipProto === 6) {
      this.tcpFlagsSeen[f * 2 + (toServer ? 0 : 1)] |= p.tcpFlags;
    }
    ctx.direction = toServer ? FlowDirection.TO_SERVER : FlowDirection.TO_CLIENT;
    ctx.established = t.lastEstablished;
    ctx.flowPackets = t.pktsToServer[f] + t.pktsToClient[f];
    if (this.#inIface[f] === null) this.#inIface[f] = p.inIface;
    ctx.flowGeneration = t.generation[f];
    ctx.flowAge = ctx.now - t.firstTs[f];
    // a parser that found the payload encrypted stops content inspection from
    // the next packet on (Suricata sets the packet's flag before the stream step)
    const fa = this.app.flow(f);
    ctx.payloadInspection = fa === null || !fa.payloadStopped;
    const r = this.reassembly;
    if (r !== null && t.proto[f] === 6 && p.ipProto === 6 && checked) {
      const state = t.tcpState[f];
      ctx.stream = r;
      const added = r.segment(f, toServer, p, state);
      ctx.streamAdded = added;
      ctx.streamEvents |= r.events;
      const side = toServer ? 1 : 2;
      if (added && (this.#appTried[f] & side) === 0 && this.appProto[f] === AppProto.UNKNOWN) {
        // protocol detection on the first data of each direction
        this.#appTried[f] |= side;
        const at = p.frameOffset + p.payloadOffset;
        const proto = detectAppProto(p.data, at, p.payloadLen, toServer, t.portB[f]);
        const reversed = proto === AppProto.UNKNOWN && toServer && this.#midstream(f)
          ? detectServerOpening(p.data, at, p.payloadLen)
          : AppProto.UNKNOWN;
        if (reversed !== AppProto.UNKNOWN) {
          // a midstream flow picked up the wrong way round: Suricata's
          // protocol detection turns it (FlowSwap), and this packet goes to the client
          this.#turn(f, r);
          toServer = false;
          ctx.direction = FlowDirection.TO_CLIENT;
          this.#appTried[f] = 2;
          this.appProto[f] = reversed;
        } else if (proto !== AppProto.UNKNOWN) this.appProto[f] = proto;
        else if (this.#appTried[f] === 3) this.appProto[f] = AppProto.FAILED;
      } else if (added && (this.#appTried[f] & side) === 0) {
        // the other direction's first data: a different protocol is a mismatch
        this.#appTried[f] |= side;
        const known = this.appProto[f];
        const at = p.frameOffset + p.payloadOffset;
        const proto = known === AppProto.FAILED
          ? AppProto.UNKNOWN
          : detectAppProto(p.data, at, p.payloadLen, toServer, t.portB[f]);
        if (proto !== AppProto.UNKNOWN && proto !== known) {
          this.#appProtoOther[f] = proto;
          this.#appOtherSide[f] = side;
          this.app.flowEvent("applayer_mismatch_protocol_both_directions");
        }
      }
      if (state !== TcpState.NONE) {
        ctx.clientStreamSize = r.streamOffset(f, true) + 1;
        ctx.serverStreamSize = r.streamOffset(f, false) + 1;
      }
      const oneSided = this.#asyncOneside && t.seen[f] !== 3;
      // a parser that completes a message asks for the stream to be inspected
      // without waiting for a chunk (see #feedApp); for a protocol Tarsier
      // detects but does not parse, a PSH or FIN stands for the message end
      const app = this.appProto[f];
      if (
        added && triggersInspection(app) && !this.app.parses(app, true) &&
        (p.tcpFlags & (TCP_PSH | TCP_FIN)) !== 0
      ) {
        r.requestInspection(f, toServer);
      }
      const proto = this.appProto[f];
      if (proto !== AppProto.UNKNOWN && proto !== AppProto.FAILED) {
        // the parser gets the data this packet acknowledges (Suricata's IDS
        // mode), and its own when no acknowledgement will come; inline, its
        // own data as it arrives (Suricata's IPS mode); a protocol without a
        // parser only counts as seen from then on
        if (r.inline) this.#feedApp(f, toServer, r, false);
        else {
          this.#feedApp(f, !toServer, r, true);
          const closing = (p.tcpFlags & 0x04) !== 0 ||
            ((p.tcpFlags & TCP_FIN) !== 0 && state > TcpState.TIME_WAIT) ||
            state === TcpState.CLOSED;
          if (oneSided || closing) this.#feedApp(f, toServer, r, !oneSided);
        }
      }
      const parsed = this.app.flow(f);
      if (parsed !== null && parsed.inspectionEnding) {
        // Suricata's detect/log flush: what both streams hold is inspected
        // first, then the flow's payload no more (this packet still is)
        parsed.inspectionEnding = false;
        this.#inspectStreams(f, r, "stream (detect/log)");
        parsed.payloadStopped = true;
      }
      ctx.streamBlockCount = r.prepare(f, toServer, state, oneSided, false);
      if (!ctx.payloadInspection) {
        // nothing inspects the encrypted stream: it is done with at once
        if (ctx.streamBlockCount > 0) r.commit();
        ctx.streamBlockCount = 0;
      }
    } else if (t.proto[f] === 17 && p.ipProto === 17 && p.payloadLen > 0) {
      const at = p.frameOffset + p.payloadOffset;
      if (this.appProto[f] === AppProto.UNKNOWN) {
        this.appProto[f] = detectUdpAppProto(p.data, at, p.payloadLen, t.portA[f], t.portB[f]);
      }
      const proto = this.appProto[f];
      this.#appSeen[f] = 1;
      if (this.app.parses(proto, false)) {
        this.app.feed(f, proto, false, toServer, p.data, at, at + p.payloadLen, 0);
      }
    }
    // rules see the protocol once its data reached the application layer
    // (in IDS mode when acknowledged), as Suricata's flow alproto
    ctx.appProto = this.#appSeen[f] === 1 ? this.appProto[f] : AppProto.UNKNOWN;
    ctx.app = this.app.flow(f);
    ctx.appEvents = this.app.events;
  }

  /** Give a stream's next in-order data to the flow's parser. */
  #feedApp(f: number, toServer: boolean, r: TcpReassembly, acked: boolean): void {
    const proto = this.appProto[f];
    if (proto === AppProto.UNKNOWN || proto === AppProto.FAILED) return;
    const n = r.appData(f, toServer, acked);
    if (n > 0) this.#appSeen[f] = 1;
    if (!this.app.parses(proto, true)) return;
    if (n > 0 || r.appGap > 0) {
      const parts = this.app.counters.completeParts;
      this.app.feed(f, proto, true, toServer, r.bytes, r.appStart, r.appStart + n, r.appGap);
      // Suricata's parsers trigger raw stream inspection when they complete a message
      if (this.app.counters.completeParts !== parts && triggersInspection(proto)) {
        r.requestInspection(f, toServer);
      }
    }
  }

  /**
   * Note that the packet's flow raised an alert (EVE flow records' `alerted`).
   *
   * @param ctx the context {@link FlowStage.update} filled
   */
  markAlerted(ctx: DetectContext): void {
    if (ctx.flowIndex >= 0) this.alerted[ctx.flowIndex] = 1;
  }

  /**
   * After detection: the stream data the packet inspected is done with
   * (Suricata's raw progress update).
   *
   * @param ctx the context {@link FlowStage.update} filled
   */
  finish(ctx: DetectContext): void {
    if (ctx.streamBlockCount > 0) this.reassembly?.commit();
    this.app.afterPacket(ctx.flowIndex);
  }

  /**
   * A pseudo packet of a flow, client to server, at its last packet time.
   *
   * @param f the flow slot
   * @returns the packet (reused: valid until the next call)
   */
  flowPacket(f: number): Packet {
    return this.#pseudoPacket(f, true);
  }

  /**
   * The EVE flow_id of a flow slot.
   *
   * @param f the flow slot
   */
  flowId(f: number): number | bigint {
    return this.table.flowId[f];
  }

  /**
   * The flow's `traffic` object (its `traffic/id/...` and `traffic/label/...`
   * flowbits), undefined when it has none. Allocates: for records only.
   *
   * @param f the flow slot
   */
  traffic(f: number): { id?: string[]; label?: string[] } | undefined {
    const bits = this.#trafficBits ??= trafficFlowbits();
    if (bits.length === 0) return undefined;
    let out: { id?: string[]; label?: string[] } | undefined;
    for (const b of bits) {
      if (!this.flowbits.isSet(f, b.bit)) continue;
      out ??= {};
      (out[b.kind] ??= []).push(b.value);
    }
    return out;
  }

  /** No SYN seen either way: the session was picked up midstream. */
  #midstream(f: number): boolean {
    return ((this.tcpFlagsSeen[f * 2] | this.tcpFlagsSeen[f * 2 + 1]) & 0x02) === 0;
  }

  /** Turn a flow round: the client becomes the server, with its stream and flags. */
  #turn(f: number, r: TcpReassembly): void {
    this.table.reverse(f);
    r.swap(f);
    this.app.swap(f);
    const flags = this.tcpFlagsSeen[f * 2];
    this.tcpFlagsSeen[f * 2] = this.tcpFlagsSeen[f * 2 + 1];
    this.tcpFlagsSeen[f * 2 + 1] = flags;
  }

  /** Flow fields of the context for a flow and direction (pseudo packets). */
  #fill(f: number, toServer: boolean, ctx: DetectContext): void {
    const t = this.table;
    ctx.flowbits = this.flowbits;
    ctx.hostbits = this.hostbits;
    ctx.flowIndex = f;
    ctx.direction = toServer ? FlowDirection.TO_SERVER : FlowDirection.TO_CLIENT;
    ctx.established = t.isEstablished(f);
    ctx.flowPackets = t.pktsToServer[f] + t.pktsToClient[f];
    ctx.flowGeneration = t.generation[f];
    ctx.flowAge = t.lastTs[f] - t.firstTs[f];
    ctx.appProto = this.appProto[f];
    ctx.app = this.app.flow(f);
  }

  /**
   * EVE fields of the packet's flow.
   *
   * @param _p the packet
   * @param ctx the context {@link FlowStage.update} filled
   * @returns flow_id, direction and flow counters for EVE
   */
  eveExtras(_p: Packet, ctx: DetectContext): EveExtras | undefined {
    const f = ctx.flowIndex;
    if (f < 0) return undefined;
    const t = this.table;
    const start = t.firstTs[f];
    const startSec = Math.floor(start);
    // the protocol as rules saw it on this packet (before its data reached the app layer: none)
    const app = ctx.appProto;
    return {
      appProto: app !== AppProto.UNKNOWN && app !== AppProto.FAILED
        ? APP_PROTO_NAMES[app]
        : undefined,
      flowId: t.flowId[f],
      traffic: this.traffic(f),
      direction: ctx.direction === FlowDirection.TO_CLIENT ? "to_client" : "to_server",
      flow: {
        pktsToServer: t.pktsToServer[f],
        pktsToClient: t.pktsToClient[f],
        bytesToServer: t.bytesToServer[f],
        bytesToClient: t.bytesToClient[f],
        startSec,
        startNsec: Math.round((start - startSec) * 1e6) * 1000,
      },
    };
  }
}

function storeWord(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
