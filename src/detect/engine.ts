/**
 * The detection engine: signatures grouped by IP protocol, one multi-pattern
 * prefilter per group over the packet payload, then per-candidate
 * verification in Suricata's evaluation order. Matches go to an
 * {@link AlertQueue}.
 *
 * Per packet nothing is allocated: candidates are marked in a reused bitmap
 * and walked in signature order.
 *
 * @module
 */

import type { Packet } from "../decode/packet.ts";
import { AhoCorasickBuilder } from "../mpm/aho_corasick.ts";
import {
  type Matcher,
  type MatcherBuilder,
  MatchSet,
  type PatternOptions,
} from "../mpm/matcher.ts";
import { MemoMatcher } from "../mpm/memo_matcher.ts";
import { matchesIpv4, matchesIpv6 } from "../rules/address.ts";
import { matchesPort, type PortSet } from "../rules/port.ts";
import { APP_PROTO_NAMES } from "../app/proto_detect.ts";
import { type Transaction, TxBuffers, TxSide } from "../app/transaction.ts";
import { ipv4Coverage, Ipv4RuleIndex, Ipv6RuleIndex } from "./address_index.ts";
import { applyTransform, TRANSFORM_SLACK, transformChain } from "./buffer_transforms.ts";
import { AlertQueue } from "./alert_queue.ts";
import {
  bufferById,
  bufferByName,
  bufferCount,
  BufferSide,
  bufferSide,
  PKT_DATA,
  registerBuffer,
} from "./buffers.ts";
import { FlowCondition, FlowOption } from "./keywords/flow.ts";
import { type DetectContext, FlowDirection } from "./detect_context.ts";
import { type FastPattern, type Signature, StreamMode } from "./signature.ts";
import { ContentInspector, StepKind } from "./content_inspect.ts";
import { IpProto } from "./signature_compiler.ts";

/** Decides whether a matching signature may alert (thresholds, detection_filter). */
export interface AlertGate {
  /**
   * @param sig the signature that matched
   * @param p the packet
   * @param ctx detection state
   * @returns true when the match should raise an alert
   */
  allow(sig: Signature, p: Packet, ctx: DetectContext): boolean;
}

/** Sees each packet after the engine inspected it (see match_trace.ts). */
export interface PacketTracer {
  /**
   * @param p the packet just inspected
   * @param ctx its detection context (stream blocks still in place)
   */
  inspected(p: Packet, ctx: DetectContext): void;
}

/** Creates the prefilter matcher of a group. */
export type MatcherFactory = () => MatcherBuilder;

/** Header buffers the engine fills from the decoded packet itself. */
const IPV4_HDR = registerBuffer("ipv4.hdr", null, true).id;
const IPV6_HDR = registerBuffer("ipv6.hdr", null, true).id;
const TCP_HDR = registerBuffer("tcp.hdr", null, true).id;
const UDP_HDR = registerBuffer("udp.hdr", null, true).id;
const ICMPV4_HDR = registerBuffer("icmpv4.hdr", null, true).id;
const ICMPV6_HDR = registerBuffer("icmpv6.hdr", null, true).id;
/** The packet's source and destination addresses (4 or 16 bytes, as Suricata's ip.src/ip.dst). */
const IP_SRC = registerBuffer("ip.src", null, true).id;
const IP_DST = registerBuffer("ip.dst", null, true).id;

/** Whether {@link DetectEngine} inspects a buffer on the packet path (without a transaction). */
function isPacketBuffer(id: number): boolean {
  return id === PKT_DATA || id === TCP_HDR || id === UDP_HDR || id === ICMPV4_HDR ||
    id === ICMPV6_HDR || id === IP_SRC || id === IP_DST || id === IPV4_HDR || id === IPV6_HDR;
}

/**
 * Whether a packet signature can never match: its first buffer needs a
 * transaction, which packets are inspected without (such as `alert tcp`
 * rules with `file_data`: about 5 candidates of every TCP packet in ET Open).
 * Its conditions, the only checks before that buffer, have no effects, so
 * leaving it out of the groups changes nothing but the work.
 */
function needsTransaction(sig: Signature): boolean {
  return sig.buffers.length > 0 && !isPacketBuffer(sig.buffers[0].bufferId);
}

/** Suricata's default action order: pass, drop, reject, alert. */
const ACTION_RANK: Record<string, number> = {
  pass: 0,
  drop: 1,
  reject: 2,
  rejectsrc: 2,
  rejectdst: 2,
  rejectboth: 2,
  alert: 3,
};

/**
 * Fast patterns longer than this are prefiltered anywhere in their buffer,
 * without their offset/depth window; shorter ones keep it, so that a 1 to 3
 * byte pattern anchored at the start does not make every buffer a candidate.
 * Dropping the window loses nothing (each candidate is verified with its
 * window) and keeps Hyperscan's databases small: bounded patterns are
 * compiled into extra engines (ET Open's 50-pattern ICMP database is 208 KB
 * with the windows and 18 KB without), which cost more to scan, most of all
 * from a cold cache after an idle gap on a live link.
 */
const WINDOWED_PATTERN_MAX = 3;

/** The prefilter options of a fast pattern: its window only when it is short (see {@link WINDOWED_PATTERN_MAX}). */
function prefilterOptions(fp: FastPattern, label?: string): PatternOptions {
  if (fp.bytes.length > WINDOWED_PATTERN_MAX) return { nocase: fp.nocase, label };
  return { nocase: fp.nocase, offset: fp.offset, depth: fp.depth, label };
}

/** The key of a fast pattern in a prefilter: patterns with equal keys share one id. */
function prefilterKey(options: PatternOptions, bytes: Uint8Array): string {
  return `${options.nocase ? "i" : "c"}:${options.offset ?? ""}:${options.depth ?? ""}:${
    bytesKey(bytes)
  }`;
}

/** Where a candidate's prefilter pattern was found. */
const FROM_PACKET = 1;
const FROM_STREAM = 2;
const BOTH_SOURCES = FROM_PACKET | FROM_STREAM;

/** Protocol groups. */
const GROUP_OTHER = 0;
const GROUP_TCP = 1;
const GROUP_UDP = 2;
const GROUP_ICMP = 3;
const GROUP_ICMPV6 = 4;
const GROUP_NON_IP = 5;
const GROUP_COUNT = 6;

function groupOfProto(proto: number): number {
  switch (proto) {
    case IpProto.TCP:
      return GROUP_TCP;
    case IpProto.UDP:
      return GROUP_UDP;
    case IpProto.ICMP:
      return GROUP_ICMP;
    case IpProto.ICMPV6:
      return GROUP_ICMPV6;
    default:
      return GROUP_OTHER;
  }
}

/**
 * The pkt_data prefilter of one packet direction: the patterns of the
 * signatures that can match a packet going that way.
 */
class PacketPrefilter {
  /** The matcher, null when no signature of this direction has a pattern. */
  matcher: Matcher | null = null;
  /**
   * The matcher for a TCP packet whose payload went to the stream: only the
   * patterns of signatures that may still match the packet itself
   * ({@link StreamMode}.PACKET or EITHER; the others see that data in the
   * stream), as Suricata's packet MPM holds only signatures with packet
   * content. `matcher` itself when every signature may; null when none may.
   */
  packetOnly: Matcher | null = null;
  /** Pattern id -> signatures: CSR offsets into {@link PacketPrefilter.patternSigs}. */
  patternStart: Int32Array = new Int32Array(1);
  /** Signature indices per pattern (of this direction only). */
  patternSigs: Int32Array = new Int32Array(0);
}

/** One protocol group: its prefilters and the signatures without a prefilter pattern. */
class SignatureGroup {
  /**
   * The prefilters over pkt_data fast patterns by packet direction: [0] for
   * packets not to the client (flow:to_server rules and rules without a
   * direction), [1] for packets to the client (flow:to_client rules and rules
   * without a direction). Suricata's signature group heads are per
   * direction too; each scan uses about half the patterns.
   */
  readonly prefilters: [PacketPrefilter, PacketPrefilter] = [
    new PacketPrefilter(),
    new PacketPrefilter(),
  ];
  /** Distinct pkt_data prefilter patterns of the group. */
  patternCount = 0;
  /** Signatures checked on every packet of the group (no prefilter pattern). */
  alwaysSigs: Int32Array = new Int32Array(0);
  /** Signatures without a pattern, found by their (small) source address set. */
  bySource: Ipv4RuleIndex | null = null;
  /** Signatures without a pattern, found by their (small) destination address set. */
  byDestination: Ipv4RuleIndex | null = null;
  /** The same signatures, by the IPv6 ranges of their source address set. */
  bySource6: Ipv6RuleIndex | null = null;
  /** The same signatures, by the IPv6 ranges of their destination address set. */
  byDestination6: Ipv6RuleIndex | null = null;
  /**
   * Pattern-less signatures with a few destination ports, by port (CSR:
   * `dstPortStart[port]..dstPortStart[port + 1]` in {@link SignatureGroup.dstPortSigs}),
   * or null when the group has none; the same by source port.
   */
  dstPortStart: Int32Array | null = null;
  /** See {@link SignatureGroup.dstPortStart}. */
  dstPortSigs: Int32Array = new Int32Array(0);
  /** See {@link SignatureGroup.dstPortStart}. */
  srcPortStart: Int32Array | null = null;
  /** See {@link SignatureGroup.dstPortStart}. */
  srcPortSigs: Int32Array = new Int32Array(0);
  /** Signatures of the group that have a pkt_data fast pattern. */
  prefilterCount = 0;
}

/** The prefilter of one application buffer in a transaction group. */
interface TxBufferPrefilter {
  /** The buffer its patterns lie in. */
  bufferId: number;
  /** Its matcher. */
  matcher: Matcher;
  /** Pattern id -> signatures (CSR offsets into patternSigs). */
  patternStart: Int32Array;
  /** Signature indices per pattern. */
  patternSigs: Int32Array;
}

/** The signatures inspecting one part (request or response) of one protocol's transactions. */
class TxGroup {
  /** Signatures without a fast pattern in an application buffer: checked on every part. */
  alwaysSigs: Int32Array = new Int32Array(0);
  /** One prefilter per buffer holding fast patterns. */
  prefilters: TxBufferPrefilter[] = [];
  /**
   * Signatures whose fast pattern lies in their payload (pkt_data, their first
   * buffer): candidates when the pattern occurs, anywhere, in the stream
   * blocks or the payload of the packet the part is inspected with (the only
   * data their pkt_data check looks at), or null when the group has none.
   */
  payload: TxBufferPrefilter | null = null;
}

/**
 * Whether a transaction signature's payload fast pattern can stand for the
 * signature: its fast pattern is in pkt_data, pkt_data is the first buffer
 * #matches checks (only conditions, which have no effects, come before it)
 * and its steps have no effects either (a dataset `set`, a base64 decode
 * with its own steps), so a signature left out when the pattern is absent
 * would have failed there with nothing changed.
 */
function payloadPrefiltered(sig: Signature): boolean {
  const fp = sig.fastPattern;
  if (fp === null || fp.bufferId !== PKT_DATA) return false;
  if (sig.buffers.length === 0 || sig.buffers[0].bufferId !== PKT_DATA) return false;
  const m = sig.buffers[0].matcher;
  return m instanceof ContentInspector &&
    !m.steps.some((st) => st.kind === StepKind.BUFFER_TEST || st.kind === StepKind.BASE64_DECODE);
}

/** AppProto numbers by rule protocol name. */
const APP_PROTO_IDS: ReadonlyMap<string, number> = new Map(
  Object.entries(APP_PROTO_NAMES).map(([id, name]) => [name, Number(id)]),
);

/** Counters of what the engine did. */
export interface EngineCounters {
  /** Packets inspected. */
  packets: number;
  /** Candidate signatures verified. */
  candidates: number;
  /** Signatures that matched (alerting or not). */
  matches: number;
}

/** Options of {@link DetectEngine.build}. */
export interface EngineOptions {
  /** Creates prefilter matcher builders (default: Aho-Corasick). */
  matcher?: MatcherFactory;
  /** Maximum alerts per packet (Suricata's packet-alert-max, default 15). */
  alertMax?: number;
  /** Action evaluation order (Suricata's action-order); default pass, drop, reject, alert. */
  actionOrder?: string[];
}

/** Most noalert matches per packet whose actions are kept. */
const SILENT_MAX = 64;

/** Signatures compiled into groups, ready to inspect packets. */
export class DetectEngine {
  /** A `pass` rule matched the last packet inspected (inspection stopped there). */
  passed = false;
  /**
   * Indexes of the signatures that matched the last packet without alerting
   * (`noalert`), the first {@link DetectEngine.silentCount} of them: their
   * actions still apply (Suricata applies a noalert rule's drop or reject
   * "even if not alerting").
   */
  readonly silentSigs: Int32Array = new Int32Array(SILENT_MAX);
  /** How many of {@link DetectEngine.silentSigs} are set. */
  silentCount = 0;
  /** Active signatures in evaluation order (`sig.index` is the position). */
  readonly sigs: Signature[];
  /** Signatures loaded but not evaluated: they need a buffer no stage fills yet. */
  readonly waiting: Signature[];
  /** Name of the prefilter matcher in use. */
  readonly matcherName: string;
  /** Counters. */
  readonly counters: EngineCounters = { packets: 0, candidates: 0, matches: 0 };
  /** Optional threshold gate. */
  gate: AlertGate | null = null;
  /** Optional observer of every inspected packet (`rules test` traces); null costs nothing. */
  tracer: PacketTracer | null = null;
  readonly #groups: SignatureGroup[] = [];
  readonly #matchSet: MatchSet;
  readonly #marks: Uint32Array;
  /** Candidates whose prefilter pattern (or no pattern) makes the packet payload worth checking. */
  readonly #viaPacket: Uint32Array;
  /** Candidates whose prefilter pattern (or no pattern) makes the stream worth checking. */
  readonly #viaStream: Uint32Array;
  /** 1 for signatures whose payload keywords may look at the stream (evaluated on pseudo packets). */
  readonly #streamCapable: Uint8Array;
  /** Where the candidate being checked may match (set per candidate). */
  #checkPacket = true;
  #checkStream = true;
  readonly #alertMax: number;
  /** Transaction groups by AppProto number * 4 + part ({@link TxSide}). */
  readonly #txGroups: (TxGroup | null)[] = [];
  /** Per buffer id: the id of its response variant (`<name>:response`), -1 when none. */
  readonly #responseVariant: Int32Array;
  /** Transformed buffers derived for the transaction part being inspected. */
  readonly #derived: TxBuffers = new TxBuffers();
  /** The spans {@link DetectEngine.#txFirst} found are in these buffers. */
  #spanSource: TxBuffers = this.#derived;
  #xformA: Uint8Array = new Uint8Array(4096);
  #xformB: Uint8Array = new Uint8Array(4096);
  /** Lowest and highest bitmap words marked for the current packet. */
  #lo = 0;
  #hi = -1;
  /**
   * Per signature index: its header class. Signatures with the same
   * addresses, ports and direction share one, and a class's header check is
   * done once per packet (most candidates fail there: with ET Open, three
   * quarters of them).
   */
  readonly #headerClass: Int32Array;
  /** Per header class: the packet stamp its result is for. */
  readonly #headerStamp: Uint32Array;
  /** Per header class: 1 when the header matched the stamped packet. */
  readonly #headerResult: Uint8Array;
  /** Changes with every packet inspected. */
  #packetStamp = 0;
  /** Per signature index: the id of its source / destination address set (-1: any). */
  readonly #srcSet: Int32Array;
  readonly #dstSet: Int32Array;
  /** The address sets by id (signatures share the sets of `$HOME_NET` and the like). */
  readonly #sets: Signature["src"][] = [];
  /**
   * Per address set id * 2 + (0: the packet's source, 1: its destination):
   * the packet stamp of the membership known, and the membership.
   */
  readonly #inSetStamp: Uint32Array;
  readonly #inSetResult: Uint8Array;

  private constructor(sigs: Signature[], waiting: Signature[], options: EngineOptions) {
    this.sigs = sigs;
    this.waiting = waiting;
    this.#alertMax = options.alertMax ?? 15;
    this.#marks = new Uint32Array((sigs.length + 31) >>> 5);
    this.#viaPacket = new Uint32Array(this.#marks.length);
    this.#viaStream = new Uint32Array(this.#marks.length);
    this.#streamCapable = Uint8Array.from(sigs, (sig) => (inspectsStream(sig) ? 1 : 0));
    const setIds = new Map<string, number>();
    // the resolver hands out one set object per address spec text: most
    // signatures are settled by that object, without spelling out its ranges
    const setIdsByObject = new Map<Signature["src"], number>();
    const setIdOf = (any: boolean, set: Signature["src"]): number => {
      if (any) return -1;
      let id = setIdsByObject.get(set);
      if (id !== undefined) return id;
      const key = `${set.v4.join(",")}/${set.v6.join(",")}`;
      id = setIds.get(key);
      if (id === undefined) {
        setIds.set(key, id = this.#sets.length);
        this.#sets.push(set);
      }
      setIdsByObject.set(set, id);
      return id;
    };
    this.#srcSet = Int32Array.from(sigs, (sig) => setIdOf(sig.srcAny, sig.src));
    this.#dstSet = Int32Array.from(sigs, (sig) => setIdOf(sig.dstAny, sig.dst));
    this.#inSetStamp = new Uint32Array(this.#sets.length * 2);
    this.#inSetResult = new Uint8Array(this.#sets.length * 2);
    // what a header check depends on: direction, address set ids and ports
    const classes = new Map<string, number>();
    const ports = (any: boolean, set: PortSet) => any ? "*" : set.ranges.join(",");
    this.#headerClass = Int32Array.from(sigs, (sig, i) => {
      const key = `${sig.bidirectional ? "<>" : "->"} ${this.#srcSet[i]} ${
        ports(sig.srcPortsAny, sig.srcPorts)
      } ${this.#dstSet[i]} ${ports(sig.dstPortsAny, sig.dstPorts)}`;
      let c = classes.get(key);
      if (c === undefined) classes.set(key, c = classes.size);
      return c;
    });
    this.#headerStamp = new Uint32Array(classes.size);
    this.#headerResult = new Uint8Array(classes.size);
    const factory = options.matcher ?? (() => new AhoCorasickBuilder());
    let idSpace = 1;
    let name = "none";
    for (let g = 0; g < GROUP_COUNT; g++) {
      const group = buildGroup(sigs, g, factory);
      this.#groups.push(group);
      for (const pf of group.prefilters) {
        if (pf.matcher === null) continue;
        idSpace = Math.max(idSpace, pf.matcher.idSpace);
        name = pf.matcher.name;
      }
    }
    this.#responseVariant = new Int32Array(bufferCount()).fill(-1);
    for (let id = 0; id < this.#responseVariant.length; id++) {
      const variant = bufferByName(bufferById(id).name + ":response");
      if (variant !== undefined) this.#responseVariant[id] = variant.id;
    }
    // the signatures of each transaction group, in evaluation order, by
    // group key in the order the groups are first met
    const txMembers = new Map<number, { part: number; sigs: Signature[] }>();
    for (const sig of sigs) {
      if (sig.txSide === 0) continue;
      for (let part = TxSide.REQUEST; part <= TxSide.RESPONSE; part <<= 1) {
        if ((sig.txSide & part) === 0) continue;
        const key = sig.appProtoId * 4 + part;
        const members = txMembers.get(key);
        if (members === undefined) txMembers.set(key, { part, sigs: [sig] });
        else members.sigs.push(sig);
      }
    }
    for (const [key, { part, sigs: members }] of txMembers) {
      while (this.#txGroups.length <= key) this.#txGroups.push(null);
      const group = buildTxGroup(members, part, factory);
      this.#txGroups[key] = group;
      for (const pf of group.prefilters) {
        idSpace = Math.max(idSpace, pf.matcher.idSpace);
        name = pf.matcher.name;
      }
      if (group.payload !== null) idSpace = Math.max(idSpace, group.payload.matcher.idSpace);
    }
    this.matcherName = name;
    this.#matchSet = new MatchSet(idSpace);
  }

  /**
   * Order signatures as Suricata does and build the groups.
   *
   * @param loaded compiled signatures in load order
   * @param options matcher and limits
   * @returns the engine
   */
  static build(loaded: Signature[], options: EngineOptions = {}): DetectEngine {
    const active: Signature[] = [];
    const waiting: Signature[] = [];
    loaded.forEach((sig, i) => {
      sig.loadOrder = i;
      (sig.waitingFor.length > 0 ? waiting : active).push(sig);
    });
    for (const sig of active) {
      sig.appProtoId = sig.appProto === null ? 0 : APP_PROTO_IDS.get(sig.appProto) ?? 0;
      sig.txSide = txSideOf(sig);
    }
    const rank = actionRanks(options.actionOrder);
    active.sort((a, b) => compareSignatures(a, b, rank));
    active.forEach((sig, i) => (sig.index = i));
    return new DetectEngine(active, waiting, options);
  }

  /** Prefilter patterns over all groups. */
  get patternCount(): number {
    let n = 0;
    for (const g of this.#groups) n += g.patternCount;
    return n;
  }

  /**
   * Inspect one decoded packet; matches that alert are appended to `alerts`.
   *
   * @param p the packet
   * @param ctx detection state (flow, variables)
   * @param alerts the queue to fill (reset by the caller)
   */
  inspect(p: Packet, ctx: DetectContext, alerts: AlertQueue): void {
    this.counters.packets++;
    if (++this.#packetStamp > 0xffff_fffe) {
      this.#packetStamp = 1;
      this.#headerStamp.fill(0);
      this.#inSetStamp.fill(0);
    }
    this.passed = false;
    this.silentCount = 0;
    const group = this.#groups[p.ipVersion === 0 ? GROUP_NON_IP : groupOfProto(p.ipProto)];
    const marks = this.#marks;
    this.#lo = marks.length;
    this.#hi = -1;
    // signatures without a prefilter pattern may match in the packet and in the stream
    this.#markAll(group.alwaysSigs, 0, group.alwaysSigs.length, BOTH_SOURCES);
    if (p.ipVersion === 4) {
      for (let side = 0; side < 2; side++) {
        const index = side === 0 ? group.bySource : group.byDestination;
        if (index === null) continue;
        const k = index.intervalOf(side === 0 ? p.src4 : p.dst4);
        this.#markAll(index.sigs, index.start[k], index.start[k + 1], BOTH_SOURCES);
      }
    } else if (p.ipVersion === 6) {
      for (let side = 0; side < 2; side++) {
        const index = side === 0 ? group.bySource6 : group.byDestination6;
        if (index === null) continue;
        const k = index.intervalOf(
          p.data,
          p.frameOffset + (side === 0 ? p.src6Offset : p.dst6Offset),
        );
        this.#markAll(index.sigs, index.start[k], index.start[k + 1], BOTH_SOURCES);
      }
    }
    const proto = p.ipProto;
    if (
      p.ipVersion !== 0 &&
      (proto === IpProto.TCP || proto === IpProto.UDP || proto === IpProto.SCTP)
    ) {
      // pattern-less signatures for a few ports: only those of this packet's ports
      const dst = group.dstPortStart;
      if (dst !== null) {
        this.#markAll(group.dstPortSigs, dst[p.dstPort], dst[p.dstPort + 1], BOTH_SOURCES);
      }
      const src = group.srcPortStart;
      if (src !== null) {
        this.#markAll(group.srcPortSigs, src[p.srcPort], src[p.srcPort + 1], BOTH_SOURCES);
      }
    }
    const stream = ctx.streamBlockCount > 0 ? ctx.stream : null;
    // flow:to_client rules see only packets to the client, flow:to_server ones only the others
    const pf = group.prefilters[ctx.direction === FlowDirection.TO_CLIENT ? 1 : 0];
    const matcher = pf.matcher;
    const packetMatcher = ctx.streamAdded ? pf.packetOnly : matcher;
    if (packetMatcher !== null && p.payloadLen > 0 && ctx.payloadInspection) {
      const set = this.#matchSet;
      set.reset();
      const start = p.frameOffset + p.payloadOffset;
      packetMatcher.scan(p.data, start, start + p.payloadLen, set);
      this.#markMatched(pf, set, FROM_PACKET);
    }
    if (matcher !== null && stream !== null) {
      // the prefilter over the reassembled stream blocks (Suricata's stream mpm)
      const set = this.#matchSet;
      set.reset();
      for (let k = 0; k < ctx.streamBlockCount; k++) {
        matcher.scan(stream.bytes, stream.blockStart[k], stream.blockEnd[k], set);
      }
      this.#markMatched(pf, set, FROM_STREAM);
    }
    const viaPacket = this.#viaPacket;
    const viaStream = this.#viaStream;
    const lo = this.#lo;
    const hi = this.#hi;
    let stop = false;
    for (let w = lo; w <= hi; w++) {
      let word = marks[w];
      if (word === 0) continue;
      marks[w] = 0;
      const packetWord = viaPacket[w];
      const streamWord = viaStream[w];
      viaPacket[w] = 0;
      viaStream[w] = 0;
      if (stop) continue;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        word &= word - 1;
        const sig = this.sigs[(w << 5) + bit];
        if (ctx.pseudo && this.#streamCapable[sig.index] === 0) continue;
        // a pattern found only in the stream cannot match the packet, and the other way round
        this.#checkPacket = ((packetWord >>> bit) & 1) !== 0;
        this.#checkStream = ((streamWord >>> bit) & 1) !== 0;
        this.counters.candidates++;
        ctx.streamMatch = false;
        if (!this.#matches(sig, p, ctx)) continue;
        if (this.#matched(sig, p, ctx, alerts, ctx.streamMatch, null)) {
          stop = true;
          break;
        }
      }
    }
    const app = ctx.app;
    if (app !== null && app.pendingCount > 0 && !stop) this.#inspectTxs(p, ctx, alerts);
    if (this.tracer !== null) this.tracer.inspected(p, ctx);
  }

  /**
   * Inspect the transaction parts of the packet's flow that wait for a
   * packet of this direction (requests on packets to the server).
   */
  #inspectTxs(p: Packet, ctx: DetectContext, alerts: AlertQueue): void {
    const app = ctx.app!;
    const part = ctx.direction === 2 ? TxSide.RESPONSE : TxSide.REQUEST;
    for (let k = 0; k < app.pendingCount; k++) {
      if (app.pendingSide[k] !== part) continue;
      const tx = app.pendingTx[k];
      if ((tx.published & part) !== 0) continue;
      tx.published |= part;
      const key = app.proto * 4 + part;
      const group = key < this.#txGroups.length ? this.#txGroups[key] : null;
      if (group === null) continue;
      ctx.tx = tx;
      ctx.txSide = part;
      this.#derived.clear();
      this.#inspectTx(group, tx, part, p, ctx, alerts);
      ctx.tx = null;
      ctx.txSide = 0;
    }
  }

  #inspectTx(
    group: TxGroup,
    tx: Transaction,
    part: number,
    p: Packet,
    ctx: DetectContext,
    alerts: AlertQueue,
  ): void {
    const marks = this.#marks;
    this.#lo = marks.length;
    this.#hi = -1;
    this.#markAll(group.alwaysSigs, 0, group.alwaysSigs.length, FROM_PACKET);
    const set = this.#matchSet;
    const payload = group.payload;
    if (payload !== null && ctx.payloadInspection) {
      set.reset();
      const stream = ctx.stream;
      if (stream !== null) {
        for (let k = 0; k < ctx.streamBlockCount; k++) {
          payload.matcher.scan(stream.bytes, stream.blockStart[k], stream.blockEnd[k], set);
        }
      }
      if (p.payloadLen > 0) {
        const start = p.frameOffset + (p.payloadOffset < 0 ? 0 : p.payloadOffset);
        payload.matcher.scan(p.data, start, start + p.payloadLen, set);
      }
      const ids = set.ids;
      for (let m = 0; m < set.count; m++) {
        const id = ids[m];
        this.#markAll(
          payload.patternSigs,
          payload.patternStart[id],
          payload.patternStart[id + 1],
          FROM_PACKET,
        );
      }
    }
    for (let i = 0; i < group.prefilters.length; i++) {
      const pf = group.prefilters[i];
      let span = this.#txFirst(tx, pf.bufferId, part);
      if (span < 0) continue;
      const src = this.#spanSource;
      set.reset();
      for (; span >= 0; span = src.next(span)) {
        pf.matcher.scan(src.bytes, src.spanStart[span], src.spanEnd[span], set);
      }
      const ids = set.ids;
      for (let m = 0; m < set.count; m++) {
        const id = ids[m];
        this.#markAll(pf.patternSigs, pf.patternStart[id], pf.patternStart[id + 1], FROM_PACKET);
      }
    }
    const viaPacket = this.#viaPacket;
    const viaStream = this.#viaStream;
    const lo = this.#lo;
    const hi = this.#hi;
    let stop = false;
    for (let w = lo; w <= hi; w++) {
      let word = marks[w];
      if (word === 0) continue;
      marks[w] = 0;
      viaPacket[w] = 0;
      viaStream[w] = 0;
      if (stop) continue;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        word &= word - 1;
        const sig = this.sigs[(w << 5) + bit];
        // a signature alerts once per transaction and direction (Suricata's per-direction detect state)
        const key = sig.index * 2 + (part === TxSide.RESPONSE ? 1 : 0);
        if (tx.hasAlerted(key)) continue;
        this.#checkPacket = !ctx.pseudo;
        // payload keywords of a transaction signature see the stream chunk of this packet too
        // (Suricata inspects the raw stream with the transaction, e.g. dcerpc.opnum + content)
        this.#checkStream = this.#streamCapable[sig.index] === 1;
        this.counters.candidates++;
        ctx.streamMatch = false;
        if (!this.#matches(sig, p, ctx)) continue;
        tx.noteAlerted(key);
        if (this.#matched(sig, p, ctx, alerts, false, tx)) {
          stop = true;
          break;
        }
      }
    }
  }

  /**
   * The first span of a buffer in the transaction part being inspected
   * (deriving a transformed buffer on first use); the spans are in
   * {@link DetectEngine.#spanSource}.
   *
   * @returns a span index, -1 when the buffer is absent
   */
  #txFirst(tx: Transaction, id: number, part: number): number {
    const chain = transformChain(id);
    if (chain === undefined) {
      let real = id;
      if (part === TxSide.RESPONSE && this.#responseVariant[id] >= 0) {
        real = this.#responseVariant[id];
      }
      this.#spanSource = tx.buffers;
      return tx.buffers.first(real);
    }
    const derived = this.#derived;
    const known = derived.first(id);
    if (known >= 0) {
      this.#spanSource = derived;
      return known;
    }
    let span = this.#txFirst(tx, chain.base, part);
    if (span < 0) return -1;
    const src = this.#spanSource;
    for (; span >= 0; span = src.next(span)) {
      let data = src.bytes;
      let start = src.spanStart[span];
      let end = src.spanEnd[span];
      for (const t of chain.transforms) {
        const need = end - start + TRANSFORM_SLACK;
        let out = data === this.#xformA ? this.#xformB : this.#xformA;
        if (out.length < need) {
          out = new Uint8Array(need * 2);
          if (data === this.#xformA) this.#xformB = out;
          else this.#xformA = out;
        }
        const n = applyTransform(t, data, start, end, out);
        if (n < 0) return -1;
        data = out;
        start = 0;
        end = n;
      }
      derived.add(id, data, start, end);
    }
    this.#spanSource = derived;
    return derived.first(id);
  }

  /**
   * Mark the signatures sigs[from..to) as candidates of the current packet,
   * noting where their pattern was found ({@link FROM_PACKET}, {@link FROM_STREAM}).
   */
  #markAll(sigs: Int32Array, from: number, to: number, sources: number): void {
    const marks = this.#marks;
    const viaPacket = this.#viaPacket;
    const viaStream = this.#viaStream;
    const packet = (sources & FROM_PACKET) !== 0;
    const stream = (sources & FROM_STREAM) !== 0;
    let lo = this.#lo;
    let hi = this.#hi;
    for (let j = from; j < to; j++) {
      const s = sigs[j];
      const w = s >>> 5;
      const b = 1 << (s & 31);
      marks[w] |= b;
      if (packet) viaPacket[w] |= b;
      if (stream) viaStream[w] |= b;
      if (w < lo) lo = w;
      if (w > hi) hi = w;
    }
    this.#lo = lo;
    this.#hi = hi;
  }

  /**
   * What follows a signature's match: its post-match actions, then a pass
   * (inspection stops), a silent match (noalert: its action still applies)
   * or an alert, if the threshold gate lets it through.
   *
   * @returns true when a pass rule stops inspection of the packet
   */
  #matched(
    sig: Signature,
    p: Packet,
    ctx: DetectContext,
    alerts: AlertQueue,
    streamMatch: boolean,
    tx: Transaction | null,
  ): boolean {
    this.counters.matches++;
    for (let a = 0; a < sig.postMatch.length; a++) sig.postMatch[a].apply(p, ctx);
    if (sig.action === "pass") {
      this.passed = true;
      return true;
    }
    if (sig.noalert) {
      if (this.silentCount < SILENT_MAX) this.silentSigs[this.silentCount++] = sig.index;
      return false;
    }
    if (this.gate !== null && !this.gate.allow(sig, p, ctx)) return false;
    if (alerts.count < this.#alertMax) alerts.push(sig.index, streamMatch, tx);
    return false;
  }

  /** Mark the signatures of every pattern the prefilter found. */
  #markMatched(pf: PacketPrefilter, set: MatchSet, sources: number): void {
    const ids = set.ids;
    const patternStart = pf.patternStart;
    for (let k = 0; k < set.count; k++) {
      const id = ids[k];
      this.#markAll(pf.patternSigs, patternStart[id], patternStart[id + 1], sources);
    }
  }

  /** {@link headerMatches}, with address set memberships known once per packet. */
  #headerMatches(sig: Signature, p: Packet, reversed: boolean): boolean {
    if (!portsMatch(sig, p, reversed)) return false;
    if (p.ipVersion !== 4 && p.ipVersion !== 6) return sig.srcAny && sig.dstAny;
    const src = this.#srcSet[sig.index];
    if (src >= 0 && !this.#inSet(src, reversed ? 1 : 0, p)) return false;
    const dst = this.#dstSet[sig.index];
    if (dst >= 0 && !this.#inSet(dst, reversed ? 0 : 1, p)) return false;
    return true;
  }

  /** Whether the packet's source (side 0) or destination (1) address is in set `id`. */
  #inSet(id: number, side: number, p: Packet): boolean {
    const k = id * 2 + side;
    if (this.#inSetStamp[k] === this.#packetStamp) return this.#inSetResult[k] === 1;
    const set = this.#sets[id];
    const ok = p.ipVersion === 4
      ? matchesIpv4(set, side === 0 ? p.src4 : p.dst4)
      : matchesIpv6(set, p.data, p.frameOffset + (side === 0 ? p.src6Offset : p.dst6Offset));
    this.#inSetStamp[k] = this.#packetStamp;
    this.#inSetResult[k] = ok ? 1 : 0;
    return ok;
  }

  #matches(sig: Signature, p: Packet, ctx: DetectContext): boolean {
    if (sig.appProtoId !== 0 && sig.appProtoId !== ctx.appProto) return false;
    if (sig.ipProto !== -1 && sig.ipProto !== p.ipProto && sig.ipProtoAlt !== p.ipProto) {
      return false;
    }
    if (sig.ipVersion !== 0 && sig.ipVersion !== p.ipVersion) return false;
    const hc = this.#headerClass[sig.index];
    if (this.#headerStamp[hc] === this.#packetStamp) {
      if (this.#headerResult[hc] === 0) return false;
    } else {
      const ok = this.#headerMatches(sig, p, false) ||
        (sig.bidirectional && this.#headerMatches(sig, p, true));
      this.#headerStamp[hc] = this.#packetStamp;
      this.#headerResult[hc] = ok ? 1 : 0;
      if (!ok) return false;
    }
    const conditions = sig.conditions;
    for (let i = 0; i < conditions.length; i++) {
      if (!conditions[i].match(p, ctx)) return false;
    }
    const buffers = sig.buffers;
    for (let i = 0; i < buffers.length; i++) {
      const b = buffers[i];
      const id = b.bufferId;
      if (id === PKT_DATA) {
        // an encrypted flow's payload is not inspected (Suricata's PKT_NOPAYLOAD_INSPECTION)
        if (!ctx.payloadInspection) return false;
        // Suricata's DetectEngineInspectRulePayloadMatches: the stream first,
        // then the packet unless its data went to the stream
        const mode = sig.streamMode;
        if (
          mode !== StreamMode.PACKET && this.#checkStream && ctx.streamBlockCount > 0 &&
          ctx.stream !== null
        ) {
          const st = ctx.stream;
          let hit = false;
          for (let k = 0; k < ctx.streamBlockCount && !hit; k++) {
            hit = b.matcher.match(st.bytes, st.blockStart[k], st.blockEnd[k], ctx);
          }
          if (hit) {
            ctx.streamMatch = true;
            continue;
          }
        }
        if (mode === StreamMode.STREAM) return false;
        if (mode === StreamMode.BOTH && ctx.streamAdded) return false;
        // Suricata: payload-inspecting signatures never match a packet without payload
        if (p.payloadLen === 0 || !this.#checkPacket) return false;
        const start = p.frameOffset + (p.payloadOffset < 0 ? 0 : p.payloadOffset);
        if (!b.matcher.match(p.data, start, start + p.payloadLen, ctx)) return false;
        continue;
      }
      let offset = -1;
      let length = 0;
      if (id === TCP_HDR || id === UDP_HDR || id === ICMPV4_HDR || id === ICMPV6_HDR) {
        const proto = id === TCP_HDR
          ? IpProto.TCP
          : id === UDP_HDR
          ? IpProto.UDP
          : id === ICMPV4_HDR
          ? IpProto.ICMP
          : IpProto.ICMPV6;
        if (p.ipProto === proto && p.l4Offset >= 0) {
          offset = p.l4Offset;
          length = p.l4HeaderLen;
        }
      } else if (id === IP_SRC || id === IP_DST) {
        if (p.ipVersion === 4 && p.l3Offset >= 0) {
          offset = p.l3Offset + (id === IP_SRC ? 12 : 16);
          length = 4;
        } else if (p.ipVersion === 6) {
          offset = id === IP_SRC ? p.src6Offset : p.dst6Offset;
          length = 16;
        }
      } else if (id === IPV4_HDR || id === IPV6_HDR) {
        if (p.l3Offset >= 0 && p.ipVersion === (id === IPV4_HDR ? 4 : 6)) {
          offset = p.l3Offset;
          length = p.ipHeaderLen; // IPv6: with its extension headers, as Suricata
        }
      } else {
        const tx = ctx.tx;
        if (tx === null) return false;
        let span = this.#txFirst(tx, id, ctx.txSide);
        const src = this.#spanSource;
        let hit = false;
        for (; span >= 0 && !hit; span = src.next(span)) {
          hit = b.matcher.match(src.bytes, src.spanStart[span], src.spanEnd[span], ctx);
        }
        if (!hit) return false;
        continue;
      }
      if (offset < 0) return false;
      const start = p.frameOffset + offset;
      if (!b.matcher.match(p.data, start, start + length, ctx)) return false;
    }
    return true;
  }
}

/** Whether a signature's payload keywords may look at the reassembled stream. */
function inspectsStream(sig: Signature): boolean {
  return sig.streamMode !== StreamMode.PACKET && sig.buffers.some((b) => b.bufferId === PKT_DATA);
}

/**
 * Whether a packet matches a signature's addresses and ports.
 *
 * @param sig the signature
 * @param p the packet
 * @param reversed check the header the other way round (`<>` rules)
 * @returns true when addresses and ports match
 */
export function headerMatches(sig: Signature, p: Packet, reversed: boolean): boolean {
  if (!portsMatch(sig, p, reversed)) return false;
  if (p.ipVersion === 4) {
    if (!sig.srcAny && !matchesIpv4(sig.src, reversed ? p.dst4 : p.src4)) return false;
    if (!sig.dstAny && !matchesIpv4(sig.dst, reversed ? p.src4 : p.dst4)) return false;
  } else if (p.ipVersion === 6) {
    const base = p.frameOffset;
    const s = base + (reversed ? p.dst6Offset : p.src6Offset);
    const d = base + (reversed ? p.src6Offset : p.dst6Offset);
    if (!sig.srcAny && !matchesIpv6(sig.src, p.data, s)) return false;
    if (!sig.dstAny && !matchesIpv6(sig.dst, p.data, d)) return false;
  } else if (!sig.srcAny || !sig.dstAny) {
    return false;
  }
  return true;
}

/** Whether a packet matches a signature's ports (`reversed`: the other way round). */
function portsMatch(sig: Signature, p: Packet, reversed: boolean): boolean {
  const hasPorts = p.ipProto === IpProto.TCP || p.ipProto === IpProto.UDP ||
    p.ipProto === IpProto.SCTP;
  const sp = reversed ? p.dstPort : p.srcPort;
  const dp = reversed ? p.srcPort : p.dstPort;
  if (!sig.srcPortsAny && !(hasPorts && matchesPort(sig.srcPorts, sp))) return false;
  if (!sig.dstPortsAny && !(hasPorts && matchesPort(sig.dstPorts, dp))) return false;
  return true;
}

function actionRanks(order: string[] | undefined): Record<string, number> {
  if (!order || order.length === 0) return ACTION_RANK;
  const rank: Record<string, number> = {};
  for (const [action, r] of Object.entries(ACTION_RANK)) {
    const base = action.startsWith("reject") ? "reject" : action;
    const at = order.indexOf(base);
    rank[action] = at < 0 ? r : at;
  }
  return rank;
}

function compareSignatures(a: Signature, b: Signature, rank: Record<string, number>): number {
  const action = (rank[a.action] ?? 3) - (rank[b.action] ?? 3);
  if (action !== 0) return action;
  const flowbits = flowbitsRank(a) - flowbitsRank(b);
  if (flowbits !== 0) return flowbits;
  if (a.priority !== b.priority) return a.priority - b.priority;
  return a.loadOrder - b.loadOrder;
}

/** Suricata orders flowbits setters before readers: set only, set+read, read only, neither. */
function flowbitsRank(s: Signature): number {
  if (s.setsFlowbits && !s.readsFlowbits) return 0;
  if (s.setsFlowbits && s.readsFlowbits) return 1;
  if (s.readsFlowbits) return 2;
  return 3;
}

/** Address sets up to this many IPv4 addresses are worth indexing. */
const MAX_INDEXED_COVERAGE = 1 << 24;

/**
 * Which address set of a pattern-less signature to index it by: the smaller
 * one, when it is small; null to check the signature on every packet.
 */
function indexSide(sig: Signature): "src" | "dst" | null {
  if (sig.bidirectional) return null;
  const src = sig.srcAny ? Infinity : ipv4Coverage(sig.src.v4);
  const dst = sig.dstAny ? Infinity : ipv4Coverage(sig.dst.v4);
  const best = Math.min(src, dst);
  if (best > MAX_INDEXED_COVERAGE) return null;
  return src <= dst ? "src" : "dst";
}

function inGroup(sig: Signature, group: number): boolean {
  if (group === GROUP_NON_IP) return sig.ipProto === -1 && sig.srcAny && sig.dstAny;
  if (sig.ipProto === -1) return true;
  return groupOfProto(sig.ipProto) === group ||
    (sig.ipProtoAlt !== -1 && groupOfProto(sig.ipProtoAlt) === group);
}

/** Pattern-less signatures for at most this many ports are found by port. */
const MAX_BUCKETED_PORTS = 32;

/** How many ports a set holds. */
function portCount(set: PortSet): number {
  const r = set.ranges;
  let n = 0;
  for (let k = 0; k < r.length; k += 2) n += r[k + 1] - r[k] + 1;
  return n;
}

/** Signatures by each port of their set (CSR over 0..65535; signatures in order). */
function portIndex(
  sigs: Signature[],
  portsOf: (sig: Signature) => PortSet,
): [Int32Array, Int32Array] {
  const count = new Int32Array(65537);
  for (const sig of sigs) {
    const r = portsOf(sig).ranges;
    for (let k = 0; k < r.length; k += 2) {
      for (let port = r[k]; port <= r[k + 1]; port++) count[port + 1]++;
    }
  }
  for (let port = 0; port < 65536; port++) count[port + 1] += count[port];
  const start = Int32Array.from(count);
  const fill = Int32Array.from(count);
  const out = new Int32Array(start[65536]);
  for (const sig of sigs) {
    const r = portsOf(sig).ranges;
    for (let k = 0; k < r.length; k += 2) {
      for (let port = r[k]; port <= r[k + 1]; port++) out[fill[port]++] = sig.index;
    }
  }
  return [start, out];
}

/** A pattern's bytes as a map key: one char per byte (cheaper than joining numbers). */
function bytesKey(bytes: Uint8Array): string {
  let key = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    key += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return key;
}

function buildGroup(sigs: Signature[], group: number, factory: MatcherFactory): SignatureGroup {
  const out = new SignatureGroup();
  const always: number[] = [];
  const bySource: { sig: number; ranges: Uint32Array }[] = [];
  const byDestination: { sig: number; ranges: Uint32Array }[] = [];
  const bySource6: { sig: number; ranges: Uint32Array }[] = [];
  const byDestination6: { sig: number; ranges: Uint32Array }[] = [];
  const byDstPort: Signature[] = [];
  const bySrcPort: Signature[] = [];
  const patternIds = new Map<string, number>();
  const patterns: { bytes: Uint8Array; options: PatternOptions }[] = [];
  /** Per direction: pattern id -> the signatures of that direction using it. */
  const sigsOfPattern: [number[][], number[][]] = [[], []];
  /** Per direction: pattern id -> whether a signature using it may match a stream's packet. */
  const packetSide: [boolean[], boolean[]] = [[], []];
  for (const sig of sigs) {
    if (sig.txSide !== 0 || !inGroup(sig, group) || needsTransaction(sig)) continue;
    const fp = sig.fastPattern;
    if (fp === null || fp.bufferId !== PKT_DATA || group === GROUP_NON_IP) {
      const side = group === GROUP_NON_IP ? null : indexSide(sig);
      if (side === null) {
        // not worth an address index: by its ports when they are few, else on every packet
        if (group === GROUP_NON_IP || sig.bidirectional) always.push(sig.index);
        else if (!sig.dstPortsAny && portCount(sig.dstPorts) <= MAX_BUCKETED_PORTS) {
          byDstPort.push(sig);
        } else if (!sig.srcPortsAny && portCount(sig.srcPorts) <= MAX_BUCKETED_PORTS) {
          bySrcPort.push(sig);
        } else always.push(sig.index);
      } else {
        (side === "src" ? bySource : byDestination).push({
          sig: sig.index,
          ranges: side === "src" ? sig.src.v4 : sig.dst.v4,
        });
        const v6 = (side === "src" ? sig.src : sig.dst).v6;
        if (v6.length > 0) {
          (side === "src" ? bySource6 : byDestination6).push({ sig: sig.index, ranges: v6 });
        }
      }
      continue;
    }
    const options = prefilterOptions(fp, `sid ${sig.sid}`);
    const key = prefilterKey(options, fp.bytes);
    let id = patternIds.get(key);
    if (id === undefined) {
      id = patterns.length;
      patternIds.set(key, id);
      patterns.push({ bytes: fp.bytes, options });
      sigsOfPattern[0].push([]);
      sigsOfPattern[1].push([]);
      packetSide[0].push(false);
      packetSide[1].push(false);
    }
    const sides = directionsOf(sig);
    const onPacket = sig.streamMode === StreamMode.PACKET || sig.streamMode === StreamMode.EITHER;
    for (let side = 0; side < 2; side++) {
      if ((sides & (1 << side)) === 0) continue;
      sigsOfPattern[side][id].push(sig.index);
      if (onPacket) packetSide[side][id] = true;
    }
    out.prefilterCount++;
  }
  out.patternCount = patterns.length;
  out.alwaysSigs = Int32Array.from(always);
  if (byDstPort.length > 0) {
    [out.dstPortStart, out.dstPortSigs] = portIndex(byDstPort, (sig) => sig.dstPorts);
  }
  if (bySrcPort.length > 0) {
    [out.srcPortStart, out.srcPortSigs] = portIndex(bySrcPort, (sig) => sig.srcPorts);
  }
  if (bySource.length > 0) out.bySource = Ipv4RuleIndex.build(bySource);
  if (byDestination.length > 0) out.byDestination = Ipv4RuleIndex.build(byDestination);
  if (bySource6.length > 0) out.bySource6 = Ipv6RuleIndex.build(bySource6);
  if (byDestination6.length > 0) out.byDestination6 = Ipv6RuleIndex.build(byDestination6);
  // one matcher per distinct pattern set: the two directions (and the
  // packet-only sets) often hold the same patterns
  const matchers = new Map<string, Matcher>();
  const matcherOf = (ids: number[]): Matcher | null => {
    if (ids.length === 0) return null;
    const key = ids.join(",");
    let m = matchers.get(key);
    if (m === undefined) {
      const builder = factory();
      for (const id of ids) builder.addPattern(id, patterns[id].bytes, patterns[id].options);
      m = builder.build();
      matchers.set(key, m);
    }
    return m;
  };
  for (let side = 0; side < 2; side++) {
    const of = sigsOfPattern[side];
    const ids: number[] = [];
    const packetIds: number[] = [];
    for (let id = 0; id < patterns.length; id++) {
      if (of[id].length === 0) continue;
      ids.push(id);
      if (packetSide[side][id]) packetIds.push(id);
    }
    const pf = out.prefilters[side];
    pf.matcher = matcherOf(ids);
    if (pf.matcher === null) continue;
    pf.packetOnly = group === GROUP_TCP ? matcherOf(packetIds) : pf.matcher;
    [pf.patternStart, pf.patternSigs] = patternIndex(of, pf.matcher.idSpace);
  }
  return out;
}

/**
 * Pattern id -> signatures as CSR arrays: the signatures of pattern `id` are
 * `sigs[start[id] .. start[id + 1])`, for every id below `idSpace` (a
 * matcher may number its ids beyond the patterns given).
 *
 * @param sigsOf the signature indexes per pattern id
 * @param idSpace one more than the largest id the matcher reports
 * @returns [start, sigs]
 */
function patternIndex(sigsOf: number[][], idSpace: number): [Int32Array, Int32Array] {
  const start = new Int32Array(Math.max(idSpace, sigsOf.length) + 1);
  let total = 0;
  for (let id = 0; id < sigsOf.length; id++) {
    start[id] = total;
    total += sigsOf[id].length;
  }
  for (let id = sigsOf.length; id < start.length; id++) start[id] = total;
  return [start, Int32Array.from(sigsOf.flat())];
}

/**
 * The packet directions a signature can match (bits: 1 not to the client,
 * 2 to the client), from its flow keyword, as {@link FlowCondition} decides.
 */
function directionsOf(sig: Signature): number {
  let sides = 3;
  for (const c of sig.conditions) {
    if (!(c instanceof FlowCondition)) continue;
    if ((c.options & FlowOption.TO_SERVER) !== 0) sides &= 1;
    if ((c.options & FlowOption.TO_CLIENT) !== 0) sides &= 2;
  }
  return sides;
}

/** The base (untransformed) buffer of a buffer id. */
function baseBuffer(id: number): number {
  return transformChain(id)?.base ?? id;
}

/**
 * The transaction part a signature inspects ({@link TxSide} bits), 0 when it
 * inspects no application buffer (a packet signature).
 */
function txSideOf(sig: Signature): number {
  let app = false;
  let side = 0;
  for (const b of sig.buffers) {
    const info = bufferById(baseBuffer(b.bufferId));
    if (info.appProto === null) continue;
    app = true;
    const bs = bufferSide(info.name);
    if (bs !== BufferSide.EITHER) side |= bs;
  }
  if (sig.txKeywordSide !== 0) {
    app = true;
    if (sig.txKeywordSide !== TxSide.BOTH) side |= sig.txKeywordSide;
  }
  if (!app || sig.appProtoId === 0) return 0;
  // both: inspected with the response, when the request's buffers are there too
  if (side === TxSide.BOTH) return TxSide.RESPONSE;
  if (side !== 0) return side;
  for (const c of sig.conditions) {
    if (!(c instanceof FlowCondition)) continue;
    if ((c.options & FlowOption.TO_SERVER) !== 0) return TxSide.REQUEST;
    if ((c.options & FlowOption.TO_CLIENT) !== 0) return TxSide.RESPONSE;
  }
  return TxSide.BOTH;
}

/**
 * Build the group of one part of one protocol's transactions.
 *
 * @param sigs the group's signatures (all of one protocol and part), in evaluation order
 * @param part the part ({@link TxSide})
 * @param factory creates prefilter matcher builders
 * @returns the group
 */
function buildTxGroup(sigs: Signature[], part: number, factory: MatcherFactory): TxGroup {
  const out = new TxGroup();
  const always: number[] = [];
  const byBuffer = new Map<
    number,
    { builder: MatcherBuilder; ids: Map<string, number>; sigsOf: number[][] }
  >();
  const payload = { builder: factory(), ids: new Map<string, number>(), sigsOf: [] as number[][] };
  for (const sig of sigs) {
    const fp = sig.fastPattern;
    if (fp !== null && payloadPrefiltered(sig)) {
      // anywhere in a block or the payload: no offset or depth, which are relative to either
      const key = `${fp.nocase ? "i" : "c"}:${bytesKey(fp.bytes)}`;
      let id = payload.ids.get(key);
      if (id === undefined) {
        id = payload.sigsOf.length;
        payload.ids.set(key, id);
        payload.sigsOf.push([]);
        payload.builder.addPattern(id, fp.bytes, { nocase: fp.nocase });
      }
      payload.sigsOf[id].push(sig.index);
      continue;
    }
    if (fp === null || bufferById(baseBuffer(fp.bufferId)).appProto === null) {
      always.push(sig.index);
      continue;
    }
    // in the response part a buffer and its `:response` variant are the same spans
    // (file.data and file.data:response): one prefilter scans them once
    let bufferId = fp.bufferId;
    if (part === TxSide.RESPONSE && transformChain(bufferId) === undefined) {
      bufferId = bufferByName(bufferById(bufferId).name + ":response")?.id ?? bufferId;
    }
    let entry = byBuffer.get(bufferId);
    if (entry === undefined) {
      entry = { builder: factory(), ids: new Map(), sigsOf: [] };
      byBuffer.set(bufferId, entry);
    }
    const options = prefilterOptions(fp);
    const key = prefilterKey(options, fp.bytes);
    let id = entry.ids.get(key);
    if (id === undefined) {
      id = entry.sigsOf.length;
      entry.ids.set(key, id);
      entry.sigsOf.push([]);
      entry.builder.addPattern(id, fp.bytes, options);
    }
    entry.sigsOf[id].push(sig.index);
  }
  out.alwaysSigs = Int32Array.from(always);
  for (const [bufferId, entry] of byBuffer) {
    // application buffers are short and repeat (methods, header names, hosts): remember results
    const matcher = new MemoMatcher(entry.builder.build());
    const [patternStart, patternSigs] = patternIndex(entry.sigsOf, matcher.idSpace);
    out.prefilters.push({ bufferId, matcher, patternStart, patternSigs });
  }
  if (payload.sigsOf.length > 0) {
    const matcher = payload.builder.build();
    const [patternStart, patternSigs] = patternIndex(payload.sigsOf, matcher.idSpace);
    out.payload = { bufferId: PKT_DATA, matcher, patternStart, patternSigs };
  }
  return out;
}

export { AlertQueue };
