/**
 * A compiled rule (a *signature*, as Suricata calls it) and the builder that
 * keyword setups fill while a rule is compiled.
 *
 * A signature is checked in this order: header (protocol, addresses, ports),
 * then {@link PacketCondition}s (header keywords, flow, flowbits tests), then
 * one {@link BufferMatcher} per inspected buffer (content, pcre, byte_*), then
 * its {@link PostMatchAction}s (flowbits set/unset) and thresholds.
 *
 * @module
 */

import type { Packet } from "../decode/packet.ts";
import type { IpSet } from "../rules/address.ts";
import type { PortSet } from "../rules/port.ts";
import type { SourceLocation } from "../rules/diagnostic.ts";
import type { ParsedRule, RuleAction, RuleOption } from "../rules/rule.ts";
import type { DetectContext } from "./detect_context.ts";

/** A condition on the packet or its flow (ttl, flags, dsize, flow, flowbits isset, ...). */
export interface PacketCondition {
  /**
   * @param p the decoded packet
   * @param ctx detection scratch and flow state
   * @returns true when the condition holds
   */
  match(p: Packet, ctx: DetectContext): boolean;
}

/** Everything a signature checks inside one buffer (contents, pcre, byte_*, ...). */
export interface BufferMatcher {
  /**
   * @param data the buffer's backing bytes
   * @param start offset of the buffer's first byte in `data`
   * @param end offset just past its last byte
   * @param ctx detection scratch
   * @returns true when every condition on this buffer holds
   */
  match(data: Uint8Array, start: number, end: number, ctx: DetectContext): boolean;
}

/** Something a signature does when it matches (flowbits set, ...). */
export interface PostMatchAction {
  /**
   * @param p the packet
   * @param ctx detection scratch and flow state
   */
  apply(p: Packet, ctx: DetectContext): void;
}

/** The pattern the prefilter looks for on behalf of a signature. */
export interface FastPattern {
  /** The buffer it lies in. */
  bufferId: number;
  /** The bytes. */
  bytes: Uint8Array;
  /** Case-insensitive. */
  nocase: boolean;
  /** Must start at or after this offset in the buffer (absolute content offset), if known. */
  offset?: number;
  /** Must end within this many bytes of the buffer start, if known. */
  depth?: number;
}

/** One buffer a signature inspects and how. */
export interface BufferInspection {
  /** The buffer id (see buffers.ts). */
  bufferId: number;
  /** The compiled checks. */
  matcher: BufferMatcher;
}

/** Threshold and detection_filter settings (see keywords/threshold.ts). */
export interface ThresholdSpec {
  /** "threshold" | "limit" | "both" | "backoff" | "detection_filter". */
  type: string;
  /** by_src, by_dst, by_rule, by_both, by_flow. */
  track: string;
  /** count (backoff: the count at which to start). */
  count: number;
  /** seconds (backoff: multiplier). */
  seconds: number;
}

/** Where a signature's payload keywords inspect TCP data (Suricata's SIG_FLAG_REQUIRE_*). */
export const StreamMode = {
  /** Reassembled stream first; the packet only when its data did not go to the stream. */
  BOTH: 0,
  /** The packet payload only. */
  PACKET: 1,
  /** The reassembled stream only. */
  STREAM: 2,
  /**
   * The stream first, then the packet even when its data went to the stream
   * (Suricata sets both SIG_FLAG_REQUIRE_STREAM and _PACKET for a tcp rule
   * with a content anchored by depth/offset/startswith, or with stream_size):
   * such a rule may alert on the packet and again on the stream.
   */
  EITHER: 3,
} as const;

/** A rule compiled for matching. */
export class Signature {
  /** Position in the engine's evaluation order (set when the engine is built). */
  index = -1;
  /** Position in load order. */
  loadOrder = 0;
  /**
   * The rule as parsed, or null once {@link releaseRuleModel} has let it go
   * (after loading, unless the rule model is kept for tracing).
   */
  rule: ParsedRule | null;
  /** Where the rule starts. */
  location: SourceLocation;
  /** The rule's protocol word, in lower case (`tcp`, `http`, `tcp-pkt`, ...). */
  readonly protocol: string;
  /** The rule text (EVE `alert.rule`); "" when released without it. */
  text: string;
  /** Signature id. */
  sid: number;
  /** Generator id. */
  gid: number;
  /** Revision. */
  rev: number;
  /** The message. */
  msg: string;
  /** The action. */
  action: RuleAction;
  /** classtype short name, or null. */
  classtype: string | null = null;
  /** Priority (1 highest); from `priority`, else the classtype's, else 3. */
  priority = 3;
  /** True when `priority` was given explicitly. */
  priorityExplicit = false;
  /** metadata entries as written ("key value"). */
  metadata: string[] = [];
  /** references as written ("type,id"). */
  references: string[] = [];
  /** The `target` keyword's value: "src_ip", "dest_ip" or null. */
  target: string | null = null;

  /** IP version the rule is for (`ipv4`/`ipv6` rules), 0 for either. */
  ipVersion = 0;
  /** IP protocol number the rule is for; -1 for any IP protocol (`ip`). */
  ipProto = -1;
  /** Second IP protocol accepted (icmp rules match ICMPv4 and ICMPv6? no: -1 unless set). */
  ipProtoAlt = -1;
  /** The application protocol the rule is for (http, dns, ...), or null. */
  appProto: string | null = null;
  /** Source addresses. */
  src!: IpSet;
  /** Destination addresses. */
  dst!: IpSet;
  /** Source ports. */
  srcPorts!: PortSet;
  /** Destination ports. */
  dstPorts!: PortSet;
  /** `<>`: the header matches either way. */
  bidirectional = false;
  /** Header checks that can be skipped because they accept everything. */
  srcAny = false;
  /** See {@link Signature.srcAny}. */
  dstAny = false;
  /** See {@link Signature.srcAny}. */
  srcPortsAny = false;
  /** See {@link Signature.srcAny}. */
  dstPortsAny = false;

  /** Packet and flow conditions, checked in order. */
  conditions: PacketCondition[] = [];
  /** Buffer inspections, checked in order. */
  buffers: BufferInspection[] = [];
  /** What to do on a match, before alerting. */
  postMatch: PostMatchAction[] = [];
  /** The prefilter pattern, or null when the rule has none. */
  fastPattern: FastPattern | null = null;
  /** Match without raising an alert (flowbits:noalert, noalert). */
  noalert = false;
  /** Threshold or detection_filter, or null. */
  threshold: ThresholdSpec | null = null;
  /** Second threshold slot: detection_filter when a threshold is also present. */
  detectionFilter: ThresholdSpec | null = null;
  /** Sets flowbits (ordered before rules that test them). */
  setsFlowbits = false;
  /** Tests flowbits. */
  readsFlowbits = false;
  /** Buffers the rule inspects that no stage of this build fills yet (by name). */
  readonly waitingFor: string[] = [];
  /**
   * The transaction part the signature inspects (TxSide bits: 1 request,
   * 2 response, 3 either), 0 for a packet signature. Set when the engine is built.
   */
  txSide = 0;
  /**
   * Transaction parts (TxSide bits) that transaction keywords without a
   * buffer (tls.version, dns.opcode, ...) inspect; 0 when there are none.
   */
  txKeywordSide = 0;
  /** The application protocol's number (AppProto) the rule needs, 0 for any. */
  appProtoId = 0;
  /**
   * Where payload (pkt_data) keywords look on TCP: {@link StreamMode}.BOTH
   * (the stream when the packet's data went to it, else the packet),
   * PACKET (`tcp-pkt`, `flow:no_stream`, `dsize`), STREAM (`tcp-stream`,
   * `flow:only_stream`) or EITHER (anchored contents, `stream_size`).
   */
  streamMode: number = StreamMode.BOTH;
  /** Requires the payload to be inspected in the packet (not only the stream). */
  needsPayload = false;
  /** Which option made each condition and buffer step; only when compiled for tracing. */
  origins: SignatureOrigins | null = null;

  /** @param rule the parsed rule */
  constructor(rule: ParsedRule) {
    this.rule = rule;
    this.location = rule.location;
    this.protocol = rule.protocol;
    this.text = rule.text;
    this.sid = rule.sid;
    this.gid = rule.gid;
    this.rev = rule.rev;
    this.msg = rule.msg;
    this.action = rule.action;
  }
}

/**
 * The rule option behind each check of a signature, for explaining why it did
 * not match (`rules test`): null where no single option made the check.
 */
export interface SignatureOrigins {
  /** Per entry of {@link Signature.conditions}. */
  readonly conditions: (RuleOption | null)[];
  /** Per entry of {@link Signature.buffers}, per compiled step. */
  readonly buffers: (RuleOption | null)[][];
}

/** A keyword's value is invalid or not supported: the rule is skipped with this reason. */
export class KeywordError extends Error {
  /** The keyword. */
  readonly keyword: string;
  /** Offset in the keyword's value where the problem is (-1: the keyword itself). */
  readonly valueOffset: number;
  /** Whether the keyword is merely unsupported (counted apart from errors). */
  readonly unsupported: boolean;

  /**
   * @param keyword the keyword
   * @param message what is wrong
   * @param options where in the value, and whether it is "unsupported"
   */
  constructor(
    keyword: string,
    message: string,
    options: { valueOffset?: number; unsupported?: boolean } = {},
  ) {
    super(message);
    this.name = "KeywordError";
    this.keyword = keyword;
    this.valueOffset = options.valueOffset ?? -1;
    this.unsupported = options.unsupported ?? false;
  }
}

/**
 * The state of a rule being compiled: the signature so far, the sticky buffer
 * in effect, and per-buffer lists of inspection steps that keyword families
 * fill and turn into a {@link BufferMatcher} when the rule is complete.
 */
export class SignatureBuilder {
  /** The signature being built. */
  readonly sig: Signature;
  /** The option being applied. */
  option: RuleOption | null = null;
  /** The sticky buffer in effect (-1: none yet; content goes to pkt_data). */
  currentBuffer = -1;
  /** Inspection steps per buffer id, in rule order. Keyword families own the step shapes. */
  readonly steps: Map<number, unknown[]> = new Map();
  /** Buffer ids in the order they were first used. */
  readonly bufferOrder: number[] = [];
  /** The last step added to any buffer (for modifiers such as nocase, depth). */
  lastStep: unknown = null;
  /** The buffer of {@link SignatureBuilder.lastStep}. */
  lastStepBuffer = -1;
  /** Scratch for keyword families (e.g. byte_extract variable names). */
  readonly scratch: Map<string, unknown> = new Map();

  /** @param sig the signature to fill */
  constructor(sig: Signature) {
    this.sig = sig;
  }

  /**
   * Append an inspection step to a buffer.
   *
   * @param bufferId the buffer
   * @param step the step (its shape belongs to the keyword family)
   */
  addStep(bufferId: number, step: unknown): void {
    let list = this.steps.get(bufferId);
    if (!list) {
      list = [];
      this.steps.set(bufferId, list);
      this.bufferOrder.push(bufferId);
    }
    list.push(step);
    this.lastStep = step;
    this.lastStepBuffer = bufferId;
  }
}

/**
 * Let a loaded signature's parse go, keeping what detection and output use:
 * the rule's options and address/port trees are dropped, and the strings
 * kept are copied out of the rule file's text (a substring would keep the
 * whole file alive). Rule sets such as ET Open hold about a third of their
 * heap in the parsed model, which only compilation and tracing need.
 *
 * @param sig a compiled signature
 * @param keepText keep the rule text (EVE `alert.rule`); else it becomes ""
 */
export function releaseRuleModel(sig: Signature, keepText: boolean): void {
  sig.rule = null;
  sig.text = keepText ? detachedString(sig.text) : "";
  sig.msg = detachedString(sig.msg);
  if (sig.classtype !== null) sig.classtype = internedString(sig.classtype);
  if (sig.appProto !== null) sig.appProto = internedString(sig.appProto);
  // metadata entries repeat across rules (`signature_severity Major`); the
  // arrays are copied to their exact length (a pushed-to array keeps spare room)
  sig.metadata = sig.metadata.map(internedString);
  sig.references = sig.references.map(detachedString);
  sig.conditions = sig.conditions.slice();
  sig.buffers = sig.buffers.slice();
  sig.postMatch = sig.postMatch.slice();
  const at = sig.location;
  sig.location = { file: internedString(at.file), line: at.line, column: at.column };
}

/**
 * A copy of `s` that shares no memory with the string it was cut from. V8
 * keeps a substring as a slice of its parent (a rule's keyword value keeps
 * its whole rule file alive), and a concatenation as a pair. For strings a
 * compiled signature keeps.
 *
 * @param s the string
 * @returns an equal flat string
 */
export function detachedString(s: string): string {
  return s.length === 0 ? "" : JSON.parse(JSON.stringify(s));
}

const interned = new Map<string, string>();

/** One flat copy of a string that many signatures keep (file names, classtypes, metadata). */
function internedString(s: string): string {
  let copy = interned.get(s);
  if (copy === undefined) {
    copy = detachedString(s);
    interned.set(copy, copy);
  }
  return copy;
}
