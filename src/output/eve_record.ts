/**
 * The JSON text of EVE `alert` and `anomaly` records, field for field and in
 * the field order of Suricata 7.0 (`output-json.c` `CreateEveHeader`,
 * `output-json-alert.c`, `output-json-anomaly.c`), verified against the
 * output of Suricata 7.0.10 (test/output/fixtures/).
 *
 * The packet supplies what the decoder knows (time, VLANs, addresses, ports,
 * ICMP type/code, payload, frame bytes). What later stages know (flow id and
 * counters, app-layer protocol and transaction, direction, verdict, tunnel)
 * comes in {@link EveExtras}; a field whose extra is absent is left out, as
 * Suricata leaves it out for a packet without a flow. Writer-level settings
 * (payload, packet, ethernet, sensor name, pcap file name) are
 * {@link EveOptions}, mirroring suricata.yaml's eve-log options.
 *
 * Records are written into a {@link JsonBytes} (the `write*Record`
 * functions; the `*Record` ones return the same text as a string). Strings
 * are escaped as `JSON.stringify` escapes them, which is exactly what
 * Suricata's JsonBuilder escapes (`"`, `\`, control characters, with
 * `\b \t \n \f \r` short forms and lowercase `\u00XX` for the rest).
 *
 * @module
 */

import { Layer, type Packet, Tunnel } from "../decode/packet.ts";
import {
  eveProtoName,
  formatIpv4,
  formatIpv6,
  formatMac,
  packetDstIp,
  packetSrcIp,
} from "./ip_format.ts";
import { type FlowCounters, openFlowObject } from "./flow_record.ts";
import { JsonBytes } from "./json_bytes.ts";
import { writeEveTimestamp } from "./timestamp_format.ts";

/** EVE `alert.action`: `"blocked"` for reject rules, and for drop rules in IPS mode. */
export type AlertAction = "allowed" | "blocked";

/** A rule's action keyword. */
export type RuleAction =
  | "alert"
  | "pass"
  | "drop"
  | "reject"
  | "rejectsrc"
  | "rejectdst"
  | "rejectboth";

/**
 * EVE `alert.action` for a rule action, as Suricata decides it: reject rules
 * are `"blocked"` in IDS and IPS mode, drop rules only in IPS mode.
 *
 * @param action the rule's action
 * @param ips whether the engine runs inline (IPS)
 * @returns `"allowed"` or `"blocked"`
 */
export function alertActionOf(action: RuleAction, ips: boolean): AlertAction {
  if (action.startsWith("reject")) return "blocked";
  if (action === "drop" && ips) return "blocked";
  return "allowed";
}

/**
 * Whether a rule action includes dropping (drop and the reject actions), which
 * fast.log marks with `[Drop]` (IPS) or `[wDrop]` (IDS, "would drop").
 *
 * @param action the rule's action
 * @returns true for drop and reject*
 */
export function ruleDrops(action: RuleAction): boolean {
  return action === "drop" || action.startsWith("reject");
}

/**
 * Rule metadata as EVE `alert.metadata` shows it: keys with their values.
 * Either a plain object, or entries (use entries when a key could look like
 * an integer, as JavaScript objects list such keys first).
 */
export type AlertMetadata =
  | Readonly<Record<string, readonly string[]>>
  | ReadonlyArray<readonly [string, readonly string[]]>;

/**
 * Group a rule's `metadata:` pairs (in rule order) the way Suricata 7 prints
 * them: keys sorted case-insensitively (a key differing only in case joins
 * the first one), the values of a repeated key in REVERSE rule order.
 *
 * @example
 * ```ts
 * ruleMetadata([["zeta", "1"], ["alpha", "2"], ["alpha", "4"]]);
 * // [["alpha", ["4", "2"]], ["zeta", ["1"]]]
 * ```
 * @param pairs `[key, value]` in the order the rule lists them
 * @returns entries for {@link AlertInfo.metadata}
 */
export function ruleMetadata(
  pairs: Iterable<readonly [string, string]>,
): Array<[string, string[]]> {
  // Suricata prepends each pair to a list, then sorts it (stably) by key.
  const list = [...pairs].reverse();
  const sorted = list
    .map((p, i) => ({ key: p[0], lower: p[0].toLowerCase(), value: p[1], i }))
    .sort((a, b) => (a.lower < b.lower ? -1 : a.lower > b.lower ? 1 : a.i - b.i));
  const out: Array<[string, string[]]> = [];
  let lastLower: string | undefined;
  for (const m of sorted) {
    if (m.lower === lastLower) out[out.length - 1][1].push(m.value);
    else out.push([m.key, [m.value]]);
    lastLower = m.lower;
  }
  return out;
}

/**
 * The rule-side content of one alert. Made once per rule and not changed
 * afterwards: the record writer keeps the text of its `alert` object.
 */
export interface AlertInfo {
  /** EVE `alert.action` (see {@link alertActionOf}). */
  action: AlertAction;
  /** The rule's action includes dropping: fast.log's `[Drop]` / `[wDrop]` (see {@link ruleDrops}). */
  drop?: boolean;
  /** Generator id (1 for rules). */
  gid: number;
  /** `sid`. */
  signatureId: number;
  /** `rev` (0 when the rule has none). */
  rev: number;
  /** `msg`, unescaped. */
  signature: string;
  /**
   * The classtype's description; `undefined`/`null` when the rule has no
   * classtype (EVE `""`, fast.log `(null)`).
   */
  category?: string | null;
  /** Priority (the classtype's, or the rule's `priority:`; 3 by default). */
  severity: number;
  /** Rule metadata, already in Suricata's order (see {@link ruleMetadata}). */
  metadata?: AlertMetadata;
  /** The rule text, written as `alert.rule` when {@link EveOptions.rule} is set. */
  rule?: string;
}

/** A flow's counters for the `flow` object of an alert. */
export interface FlowInfo extends FlowCounters {
  /** First packet's time, seconds. */
  startSec: number;
  /** First packet's time, nanoseconds within the second. */
  startNsec: number;
}

/** The outer packet of a tunnel, EVE's `tunnel` object (see {@link tunnelInfo}). */
export interface TunnelInfo {
  /** Outer source address. */
  srcIp: string;
  /** Outer source port (0 when the outer protocol has none). */
  srcPort: number;
  /** Outer destination address. */
  destIp: string;
  /** Outer destination port. */
  destPort: number;
  /** Outer protocol name (`"GRE"`, `"UDP"`, `"IPv6"`...). */
  proto: string;
  /** Tunnel nesting depth (1 for one level). */
  depth: number;
  /** Outer frame's number in the capture file (0: none). */
  pcapCnt: number;
  /** Outer packet's source (`"wire/pcap"`). */
  pktSrc: string;
}

/** EVE `verdict` (written only when given). */
export interface VerdictInfo {
  /** `"alert"`, `"drop"` (IPS) or `"pass"`. */
  action: "alert" | "drop" | "pass";
  /** For reject rules: `"to_client"`, `"to_server"` or `"both"`. */
  rejectTarget?: "to_client" | "to_server" | "both";
  /** For reject rules: `["tcp-reset"]` or `["icmp-prohib"]`. */
  reject?: readonly string[];
}

/** What an anomaly record reports. */
export type AnomalyInfo =
  | {
    /** Decoder or stream event. */
    type: "decode" | "stream";
    /** Full EVE name, e.g. `"decoder.ipv4.trunc_pkt"`, `"stream.pkt_broken_ack"`. */
    event: string;
  }
  | {
    /** App-layer event. */
    type: "applayer";
    /** The flow's app-layer protocol (`"http"`, `"ftp"`...). */
    appProto: string;
    /** Event name, e.g. `"APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION"`. */
    event: string;
    /** Where it was raised: `"proto_detect"`, `"proto_parser"`... */
    layer: string;
  };

/**
 * The anomaly for a decoder event of Tarsier's `events.ts` (names without
 * Suricata's `decoder.` prefix, which EVE shows).
 *
 * @example
 * ```ts
 * decoderAnomaly("ipv4.trunc_pkt"); // { type: "decode", event: "decoder.ipv4.trunc_pkt" }
 * ```
 * @param name the event name, e.g. `"ipv4.trunc_pkt"`
 * @returns the anomaly
 */
export function decoderAnomaly(name: string): AnomalyInfo {
  return { type: "decode", event: "decoder." + name };
}

/**
 * Per-event facts from stages after decoding. Each is written, in Suricata's
 * place, only when present.
 */
export interface EveExtras {
  /** `flow_id` (present when the packet belongs to a flow); a string must be decimal digits. */
  flowId?: number | bigint | string;
  /** `parent_id` (a flow created by an expectation, e.g. FTP data). */
  parentId?: number | bigint | string;
  /** `in_iface`: the capture interface (default: the packet's, set on live capture). */
  inIface?: string;
  /**
   * `pkt_src`; default `"wire/pcap"`, or for a {@link EveExtras.tunnel} the
   * tunnel kind's (`"gre tunnel"`, `"vxlan encapsulation"`...).
   */
  pktSrc?: string;
  /** Top-level `metadata` (flowbits, flowvars, pktvars), written as JSON. */
  vars?: Readonly<Record<string, unknown>>;
  /** `community_id`. */
  communityId?: string;
  /** `tx_id` of the app-layer transaction the alert (or app-layer anomaly) is about. */
  txId?: number | bigint;
  /** `tx_guessed`. */
  txGuessed?: boolean;
  /**
   * The packet is the inner packet of a tunnel: writes `tunnel` and logs the
   * record as Suricata logs a tunnel's pseudo-packet (no `pcap_cnt`, `vlan`
   * or `ether`; `packet` holds the inner IP packet with link type 12).
   */
  tunnel?: TunnelInfo;
  /** App-layer objects written after `alert` in order, e.g. `{ http: {...} }`. */
  appLayer?: Readonly<Record<string, unknown>>;
  /** `files` (file info of the transaction). */
  files?: readonly unknown[];
  /** `app_proto` (`"http"`, `"dns"`, `"failed"`...). */
  appProto?: string;
  /** `app_proto_ts` (when it differs from app_proto). */
  appProtoTs?: string;
  /** `app_proto_tc`. */
  appProtoTc?: string;
  /** `app_proto_orig`. */
  appProtoOrig?: string;
  /** `app_proto_expected`. */
  appProtoExpected?: string;
  /** `direction` of the packet in its flow. */
  direction?: "to_server" | "to_client";
  /** `flow` counters (addresses come from the packet and direction). */
  flow?: FlowInfo;
  /** `traffic`: the flow's traffic/id and traffic/label flowbits. */
  traffic?: { id?: string[]; label?: string[] };
  /**
   * 1 when the alert matched on reassembled stream data (TCP only): `stream`
   * is 1 and `payload` holds {@link EveExtras.streamPayload}.
   */
  stream?: boolean;
  /** The stream data logged as `payload` for a stream alert. */
  streamPayload?: Uint8Array;
  /** `verdict`. */
  verdict?: VerdictInfo;
  /** Write the packet's destination as `src_ip`/`src_port` (a record of the flow's client side). */
  reverse?: boolean;
  /** The transaction's X-Forwarded-For value (alerts, with {@link EveOptions.xff}). */
  xff?: string;
}

/** Suricata's alert `xff` settings. */
export interface XffOptions {
  /** `overwrite`: the client's address is replaced; `extra-data`: written as `xff`. */
  mode: "overwrite" | "extra-data";
  /** `forward`: the first address of the chain; `reverse`: the last. */
  deployment: "forward" | "reverse";
}

/**
 * The address Suricata takes from an X-Forwarded-For chain
 * (app-layer-htp-xff.c), or null when it is not an IP address.
 *
 * @param chain the header value
 * @param deployment which end of the chain
 */
export function xffAddress(chain: string, deployment: "forward" | "reverse"): string | null {
  let ip: string;
  if (deployment === "reverse") {
    const comma = chain.lastIndexOf(",");
    ip = comma >= 0 ? chain.slice(comma + 1) : chain;
  } else {
    const comma = chain.indexOf(",");
    ip = comma >= 0 ? chain.slice(0, comma) : chain;
  }
  ip = ip.trim();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4 !== null) return v4.slice(1).every((o) => Number(o) <= 255) ? ip : null;
  return /^[0-9a-fA-F:.]+$/.test(ip) && ip.includes(":") ? ip : null;
}

/** Writer-level settings, as in suricata.yaml's eve-log section. */
export interface EveOptions {
  /** alert `payload: yes`: payload in base64. */
  payload?: boolean;
  /** alert `payload-printable: yes`. */
  payloadPrintable?: boolean;
  /** alert `packet: yes`: the whole frame in base64, and `packet_info`. */
  packet?: boolean;
  /** alert `metadata` (default true): write `alert.metadata`. */
  ruleMetadata?: boolean;
  /** alert `rule: yes`: write `alert.rule`. */
  rule?: boolean;
  /** anomaly `packethdr: yes`: the first 32 bytes of the frame. */
  packetHeader?: boolean;
  /** eve-log `ethernet: yes`: `ether{src_mac,dest_mac}`. */
  ethernet?: boolean;
  /** `sensor-name`: written as `host`. */
  sensorName?: string;
  /** eve-log `pcap-file: true`: the capture file name as `pcap_filename`. */
  pcapFilename?: string;
  /** alert `xff` (enabled): X-Forwarded-For handling. */
  xff?: XffOptions;
}

const NO_EXTRAS: EveExtras = {};
const NO_OPTIONS: EveOptions = {};
const LINKTYPE_RAW = 12;

// ---------------------------------------------------------------- helpers

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Base64 (standard alphabet, padded) of `bytes[start, end)`. */
function base64(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  let i = start;
  for (; i + 2 < end; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    s += B64[n >>> 18] + B64[(n >>> 12) & 63] + B64[(n >>> 6) & 63] + B64[n & 63];
  }
  if (end - i === 1) {
    const n = bytes[i] << 16;
    s += B64[n >>> 18] + B64[(n >>> 12) & 63] + "==";
  } else if (end - i === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    s += B64[n >>> 18] + B64[(n >>> 12) & 63] + B64[(n >>> 6) & 63] + "=";
  }
  return s;
}

/**
 * Suricata's printable rendering of payload bytes (`PrintStringsToBuffer`):
 * printable ASCII (0x20..0x7e), `\n` and `\r` as they are, every other byte
 * as `.`.
 *
 * @param bytes the buffer
 * @param start first byte
 * @param end one past the last byte
 * @returns the text (JSON-escape it to write it)
 */
export function payloadPrintable(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    s += (b >= 0x20 && b <= 0x7e) || b === 0x0a || b === 0x0d ? String.fromCharCode(b) : ".";
  }
  return s;
}

/** The JSON object text of rule metadata. */
function metadataJson(md: AlertMetadata): string {
  const entries = Array.isArray(md)
    ? md as ReadonlyArray<readonly [string, readonly string[]]>
    : Object.entries(md as Readonly<Record<string, readonly string[]>>);
  let s = "{";
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) s += ",";
    s += JSON.stringify(entries[i][0]) + ":" + JSON.stringify(entries[i][1]);
  }
  return s + "}";
}

function hasEntries(md: AlertMetadata): boolean {
  return Array.isArray(md) ? md.length > 0 : Object.keys(md).length > 0;
}

/** Protocols whose ports EVE logs. */
function logsPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132;
}

function isIp(packet: Packet): boolean {
  return packet.ipVersion === 4 || packet.ipVersion === 6;
}

/**
 * The `pkt_src` Suricata gives the inner packet of a tunnel kind
 * ({@link Tunnel}); `"wire/pcap"` for none.
 *
 * @param kind `packet.tunnel`
 * @returns e.g. `"gre tunnel"`
 */
export function tunnelPktSrc(kind: number): string {
  switch (kind) {
    case Tunnel.GRE:
      return "gre tunnel";
    case Tunnel.VXLAN:
      return "vxlan encapsulation";
    case Tunnel.TEREDO:
      return "teredo tunnel";
    case Tunnel.IPV4_IN_IPV6:
    case Tunnel.IPV6_IN_IPV6:
      return "ipv6 tunnel";
    case Tunnel.IPV6_IN_IPV4:
    case Tunnel.IPV4_IN_IPV4:
      return "ipv4 tunnel";
    default:
      return "wire/pcap";
  }
}

/**
 * The `tunnel` object for a tunnelled packet, read from its outer IP header
 * (`packet.outerL3Offset`): outer addresses, outer protocol and its ports
 * (TCP/UDP/SCTP; 0 otherwise). `undefined` when the packet is not tunnelled.
 *
 * @param packet the decoded packet (innermost fields, outer offset)
 * @param pcapCnt the frame's number in the capture file (0: none)
 * @param depth nesting depth (default 1)
 * @returns the tunnel info, or undefined
 */
export function tunnelInfo(packet: Packet, pcapCnt: number, depth = 1): TunnelInfo | undefined {
  const o = packet.outerL3Offset;
  if (o < 0 || packet.tunnel === Tunnel.NONE) return undefined;
  const d = packet.data;
  const base = packet.frameOffset + o;
  const version = d[base] >>> 4;
  let srcIp: string, destIp: string, proto: number, l4: number;
  if (version === 4) {
    srcIp = formatIpv4(
      (d[base + 12] << 24) | (d[base + 13] << 16) | (d[base + 14] << 8) | d[base + 15],
    );
    destIp = formatIpv4(
      (d[base + 16] << 24) | (d[base + 17] << 16) | (d[base + 18] << 8) | d[base + 19],
    );
    proto = d[base + 9];
    l4 = o + (d[base] & 15) * 4;
  } else if (version === 6) {
    srcIp = formatIpv6(d, base + 8);
    destIp = formatIpv6(d, base + 24);
    proto = d[base + 6];
    l4 = o + 40;
  } else {
    return undefined;
  }
  let srcPort = 0, destPort = 0;
  if (logsPorts(proto) && l4 + 4 <= packet.capLen) {
    const p = packet.frameOffset + l4;
    srcPort = (d[p] << 8) | d[p + 1];
    destPort = (d[p + 2] << 8) | d[p + 3];
  }
  return {
    srcIp,
    srcPort,
    destIp,
    destPort,
    proto: eveProtoName(proto),
    depth,
    pcapCnt,
    pktSrc: "wire/pcap",
  };
}

// ---------------------------------------------------------------- records

/** `"` + `s` + `"` for text that needs no escaping (names, addresses). */
function quoted(out: JsonBytes, s: string): void {
  out.ascii('"');
  out.ascii(s);
  out.ascii('"');
}

/** A `flow_id`/`parent_id` (a string is decimal digits). */
function id(out: JsonBytes, v: number | bigint | string): void {
  if (typeof v === "string") out.ascii(v);
  else out.number(v);
}

/** The common header: the opening brace, then the fields up to and including `community_id`. */
function header(
  out: JsonBytes,
  packet: Packet,
  pcapCnt: number,
  eventType: string,
  x: EveExtras,
  o: EveOptions,
): void {
  const tunnel = x.tunnel !== undefined;
  out.ascii('{"timestamp":"');
  writeEveTimestamp(out, packet.tsSec, packet.tsNsec);
  out.ascii('"');
  if (x.flowId !== undefined) {
    out.ascii(',"flow_id":');
    id(out, x.flowId);
  }
  if (x.parentId !== undefined) {
    out.ascii(',"parent_id":');
    id(out, x.parentId);
  }
  const inIface = x.inIface ?? packet.inIface;
  if (inIface !== null) {
    out.ascii(',"in_iface":');
    out.string(inIface);
  }
  if (pcapCnt > 0 && !tunnel) {
    out.ascii(',"pcap_cnt":');
    out.number(pcapCnt);
  }
  out.ascii(',"event_type":');
  quoted(out, eventType);
  // a tunnel's inner packet is a pseudo packet of its own: only VLAN ids
  // decoded inside the tunnel are its (ERSPAN's, an inner 802.1Q tag)
  const vlans = tunnel && !packet.tunnelVlans ? 0 : packet.vlanCount;
  if (vlans > 0) {
    out.ascii(',"vlan":[');
    out.number(packet.vlanId0);
    if (vlans > 1) {
      out.ascii(",");
      out.number(packet.vlanId1);
    }
    if (vlans > 2) {
      out.ascii(",");
      out.number(packet.vlanId2);
    }
    out.ascii("]");
  }
  if (isIp(packet)) {
    const proto = packet.ipProto;
    const ports = logsPorts(proto);
    // a transaction record is written from the client's side (Suricata's LOG_DIR_FLOW)
    const rev = x.reverse === true;
    let srcIp = rev ? packetDstIp(packet) : packetSrcIp(packet);
    let destIp = rev ? packetSrcIp(packet) : packetDstIp(packet);
    if (eventType === "alert" && o.xff?.mode === "overwrite" && x.xff !== undefined) {
      // Suricata's XFF overwrite: the client's address is the forwarded one
      const ip = xffAddress(x.xff, o.xff.deployment);
      if (ip !== null) {
        if (x.direction === "to_client") destIp = ip;
        else srcIp = ip;
      }
    }
    out.ascii(',"src_ip":');
    quoted(out, srcIp!);
    if (ports) {
      out.ascii(',"src_port":');
      out.number(rev ? packet.dstPort : packet.srcPort);
    }
    out.ascii(',"dest_ip":');
    quoted(out, destIp!);
    if (ports) {
      out.ascii(',"dest_port":');
      out.number(rev ? packet.srcPort : packet.dstPort);
    }
    out.ascii(',"proto":');
    out.string(eveProtoName(proto));
    if (
      (proto === 1 && (packet.layers & Layer.ICMPV4) !== 0) ||
      (proto === 58 && (packet.layers & Layer.ICMPV6) !== 0)
    ) {
      out.ascii(',"icmp_type":');
      out.number(packet.icmpType);
      out.ascii(',"icmp_code":');
      out.number(packet.icmpCode);
    }
  }
  out.ascii(',"pkt_src":');
  out.string(x.pktSrc ?? (tunnel ? tunnelPktSrc(packet.tunnel) : "wire/pcap"));
  if (x.vars !== undefined) {
    out.ascii(',"metadata":');
    out.json(JSON.stringify(x.vars));
  }
  if (o.ethernet && !tunnel && (packet.layers & Layer.ETHERNET) !== 0) {
    const e = packet.frameOffset + packet.l2Offset;
    out.ascii(',"ether":{"src_mac":');
    quoted(out, formatMac(packet.data, e + 6));
    out.ascii(',"dest_mac":');
    quoted(out, formatMac(packet.data, e));
    out.ascii("}");
  }
  if (x.communityId !== undefined) {
    out.ascii(',"community_id":');
    out.string(x.communityId);
  }
}

/** `tx_id` and `tx_guessed`. */
function txFields(out: JsonBytes, x: EveExtras): void {
  if (x.txId !== undefined) {
    out.ascii(',"tx_id":');
    out.number(x.txId);
  }
  if (x.txGuessed) out.ascii(',"tx_guessed":true');
}

/** The `alert` object's text of an {@link AlertInfo}, with the settings it was made for. */
interface AlertObjectText {
  metadata: boolean;
  rule: boolean;
  bytes: Uint8Array;
}

/** The `alert` object per {@link AlertInfo}: made on a rule's first alert, then copied. */
const alertObjects = new WeakMap<AlertInfo, AlertObjectText>();

function alertObject(out: JsonBytes, a: AlertInfo, o: EveOptions): void {
  const metadata = o.ruleMetadata !== false;
  const rule = o.rule === true;
  let text = alertObjects.get(a);
  if (text === undefined || text.metadata !== metadata || text.rule !== rule) {
    const b = new JsonBytes(512);
    writeAlertObject(b, a, metadata, rule);
    text = { metadata, rule, bytes: b.bytes.slice(0, b.length) };
    alertObjects.set(a, text);
  }
  out.raw(text.bytes);
}

function writeAlertObject(out: JsonBytes, a: AlertInfo, metadata: boolean, rule: boolean): void {
  out.ascii(',"alert":{"action":');
  quoted(out, a.action);
  out.ascii(',"gid":');
  out.number(a.gid);
  out.ascii(',"signature_id":');
  out.number(a.signatureId);
  out.ascii(',"rev":');
  out.number(a.rev);
  out.ascii(',"signature":');
  out.string(a.signature);
  out.ascii(',"category":');
  out.string(a.category ?? "");
  out.ascii(',"severity":');
  out.number(a.severity);
  if (metadata && a.metadata !== undefined && hasEntries(a.metadata)) {
    out.ascii(',"metadata":');
    out.json(metadataJson(a.metadata));
  }
  if (rule && a.rule !== undefined) {
    out.ascii(',"rule":');
    out.string(a.rule);
  }
  out.ascii("}");
}

function tunnelObject(out: JsonBytes, t: TunnelInfo): void {
  out.ascii(',"tunnel":{"src_ip":');
  out.string(t.srcIp);
  out.ascii(',"src_port":');
  out.number(t.srcPort);
  out.ascii(',"dest_ip":');
  out.string(t.destIp);
  out.ascii(',"dest_port":');
  out.number(t.destPort);
  out.ascii(',"proto":');
  out.string(t.proto);
  out.ascii(',"depth":');
  out.number(t.depth);
  if (t.pcapCnt > 0) {
    out.ascii(',"pcap_cnt":');
    out.number(t.pcapCnt);
  }
  out.ascii(',"pkt_src":');
  out.string(t.pktSrc);
  out.ascii("}");
}

function flowObject(out: JsonBytes, packet: Packet, f: FlowInfo, toClient: boolean): void {
  const src = packetSrcIp(packet)!, dst = packetDstIp(packet)!;
  const sp = logsPorts(packet.ipProto) ? packet.srcPort : 0;
  const dp = logsPorts(packet.ipProto) ? packet.dstPort : 0;
  openFlowObject(out, f);
  out.ascii(',"start":"');
  writeEveTimestamp(out, f.startSec, f.startNsec);
  out.ascii('","src_ip":');
  quoted(out, toClient ? dst : src);
  out.ascii(',"dest_ip":');
  quoted(out, toClient ? src : dst);
  // Suricata writes the ports when the packet's source port is non-zero.
  if (sp > 0) {
    out.ascii(',"src_port":');
    out.number(toClient ? dp : sp);
    out.ascii(',"dest_port":');
    out.number(toClient ? sp : dp);
  }
  out.ascii("}");
}

function payloadFields(
  out: JsonBytes,
  bytes: Uint8Array,
  start: number,
  end: number,
  o: EveOptions,
): void {
  if (o.payload && end > start) {
    out.ascii(',"payload":');
    quoted(out, base64(bytes, start, end));
  }
  if (o.payloadPrintable) {
    out.ascii(',"payload_printable":');
    out.string(payloadPrintable(bytes, start, end));
  }
}

/** `packet` (base64) and `packet_info`. */
function packetFields(out: JsonBytes, packet: Packet, tunnel: boolean, maxLen: number): void {
  // A tunnel's pseudo-packet holds the inner IP packet only (link type raw).
  const from = tunnel && packet.l3Offset >= 0 ? packet.l3Offset : 0;
  const len = Math.min(packet.capLen - from, maxLen);
  const start = packet.frameOffset + from;
  out.ascii(',"packet":');
  quoted(out, base64(packet.data, start, start + len));
  out.ascii(',"packet_info":{"linktype":');
  out.number(tunnel ? LINKTYPE_RAW : packet.linkType);
  out.ascii("}");
}

function verdictObject(out: JsonBytes, v: VerdictInfo): void {
  out.ascii(',"verdict":{"action":');
  quoted(out, v.action);
  if (v.rejectTarget !== undefined) {
    out.ascii(',"reject-target":');
    quoted(out, v.rejectTarget);
  }
  if (v.reject !== undefined) {
    out.ascii(',"reject":');
    out.json(JSON.stringify(v.reject));
  }
  out.ascii("}");
}

/** `host`, `pcap_filename` and the closing brace. */
function trailer(out: JsonBytes, o: EveOptions): void {
  if (o.sensorName !== undefined) {
    out.ascii(',"host":');
    out.string(o.sensorName);
  }
  if (o.pcapFilename !== undefined) {
    out.ascii(',"pcap_filename":');
    out.string(o.pcapFilename);
  }
  out.ascii("}");
}

/**
 * The protocol object of an application-layer record: the object, or a
 * function writing its JSON text (as `JSON.stringify` would) into the record.
 */
export type AppObject = Readonly<Record<string, unknown>> | ((out: JsonBytes) => void);

/** The records built for the string-returning functions. */
const scratch = new JsonBytes();

/** The text `write` builds in {@link scratch}. */
function recordText(write: (out: JsonBytes) => void): string {
  scratch.reset();
  write(scratch);
  return scratch.text();
}

/**
 * Write the JSON text (one line, no newline) of an EVE `alert` record into
 * `out`.
 *
 * Field order: timestamp, flow_id, parent_id, in_iface, pcap_cnt, event_type,
 * vlan, src_ip, src_port, dest_ip, dest_port, proto, icmp_type, icmp_code,
 * pkt_src, metadata, ether, community_id, tx_id, tx_guessed,
 * alert{action, gid, signature_id, rev, signature, category, severity,
 * metadata, rule}, tunnel, (app-layer objects), files, app_proto,
 * app_proto_ts, app_proto_tc, app_proto_orig, app_proto_expected, direction,
 * flow{...}, payload, payload_printable, stream, packet, packet_info,
 * verdict, host, pcap_filename.
 *
 * For a packet without an IP header (a decoder-event alert) Suricata writes
 * only the header, tx fields, alert, tunnel, packet and verdict.
 *
 * @param out where the text goes (appended)
 * @param packet the decoded packet the alert fired on
 * @param pcapCnt its number in the capture file (1-based; 0 for live capture)
 * @param alert the rule-side content
 * @param extras flow/app-layer facts, when known
 * @param options writer settings
 */
export function writeAlertRecord(
  out: JsonBytes,
  packet: Packet,
  pcapCnt: number,
  alert: AlertInfo,
  extras: EveExtras = NO_EXTRAS,
  options: EveOptions = NO_OPTIONS,
): void {
  const x = extras, o = options;
  const tunnel = x.tunnel !== undefined;
  header(out, packet, pcapCnt, "alert", x, o);
  txFields(out, x);
  alertObject(out, alert, o);
  if (x.tunnel !== undefined) tunnelObject(out, x.tunnel);
  if (isIp(packet)) {
    if (x.appLayer !== undefined) {
      for (const key in x.appLayer) {
        out.ascii(",");
        out.string(key);
        out.ascii(":");
        out.json(JSON.stringify(x.appLayer[key]));
      }
    }
    if (x.files !== undefined) {
      out.ascii(',"files":');
      out.json(JSON.stringify(x.files));
    }
    out.optionalString(',"app_proto":', x.appProto);
    out.optionalString(',"app_proto_ts":', x.appProtoTs);
    out.optionalString(',"app_proto_tc":', x.appProtoTc);
    out.optionalString(',"app_proto_orig":', x.appProtoOrig);
    out.optionalString(',"app_proto_expected":', x.appProtoExpected);
    if (x.direction !== undefined) {
      out.ascii(',"direction":');
      quoted(out, x.direction);
    }
    if (x.flow !== undefined) flowObject(out, packet, x.flow, x.direction === "to_client");
    if (x.traffic !== undefined) {
      out.ascii(',"traffic":');
      out.json(JSON.stringify(x.traffic));
    }
    if (o.payload || o.payloadPrintable) {
      const stream = x.stream === true && packet.ipProto === 6;
      const sp = x.streamPayload;
      const d = packet.data, po = packet.frameOffset + packet.payloadOffset;
      const plen = packet.payloadOffset >= 0 ? packet.payloadLen : 0;
      if (!stream) payloadFields(out, d, po, po + plen, o);
      else if (sp !== undefined && sp.length > 0) payloadFields(out, sp, 0, sp.length, o);
      else if (plen > 0) payloadFields(out, d, po, po + plen, o);
      out.ascii(stream ? ',"stream":1' : ',"stream":0');
    }
  }
  if (o.packet) packetFields(out, packet, tunnel, Infinity);
  if (x.verdict !== undefined) verdictObject(out, x.verdict);
  trailer(out, o);
}

/**
 * The JSON text (one line, no newline) of an EVE `alert` record (see
 * {@link writeAlertRecord}).
 *
 * @example
 * ```ts
 * const line = alertRecord(packet, 7, {
 *   action: "allowed", gid: 1, signatureId: 1000001, rev: 2,
 *   signature: "TEST", category: "Misc activity", severity: 3,
 * }, { flowId: 1234n, direction: "to_server" });
 * ```
 * @param packet the decoded packet the alert fired on
 * @param pcapCnt its number in the capture file (1-based; 0 for live capture)
 * @param alert the rule-side content
 * @param extras flow/app-layer facts, when known
 * @param options writer settings
 * @returns the record's JSON text
 */
export function alertRecord(
  packet: Packet,
  pcapCnt: number,
  alert: AlertInfo,
  extras?: EveExtras,
  options?: EveOptions,
): string {
  return recordText((out) => writeAlertRecord(out, packet, pcapCnt, alert, extras, options));
}

/**
 * Write the JSON text (one line, no newline) of an EVE `anomaly` record into
 * `out`.
 *
 * Field order: the alert header (timestamp ... community_id), tx_id (app-layer
 * anomalies of a transaction), anomaly{type, event} for decode/stream events
 * or anomaly{app_proto, type:"applayer", event, layer}, then for decode and
 * stream events with {@link EveOptions.packetHeader} packet (first 32 bytes)
 * and packet_info, then host, pcap_filename.
 *
 * @param out where the text goes (appended)
 * @param packet the decoded packet the event was raised on
 * @param pcapCnt its number in the capture file (0 for live capture)
 * @param anomaly what happened
 * @param extras flow facts, when known (flow_id, tx_id, ...)
 * @param options writer settings
 */
export function writeAnomalyRecord(
  out: JsonBytes,
  packet: Packet,
  pcapCnt: number,
  anomaly: AnomalyInfo,
  extras: EveExtras = NO_EXTRAS,
  options: EveOptions = NO_OPTIONS,
): void {
  const x = extras, o = options;
  header(out, packet, pcapCnt, "anomaly", x, o);
  if (x.txId !== undefined) {
    out.ascii(',"tx_id":');
    out.number(x.txId);
  }
  if (anomaly.type === "applayer") {
    out.ascii(',"anomaly":{"app_proto":');
    out.string(anomaly.appProto);
    out.ascii(',"type":"applayer","event":');
    out.string(anomaly.event);
    out.ascii(',"layer":');
    out.string(anomaly.layer);
    out.ascii("}");
  } else {
    out.ascii(',"anomaly":{"type":');
    quoted(out, anomaly.type);
    out.ascii(',"event":');
    out.string(anomaly.event);
    out.ascii("}");
    if (o.packetHeader) packetFields(out, packet, x.tunnel !== undefined, 32);
  }
  trailer(out, o);
}

/**
 * The JSON text (one line, no newline) of an EVE `anomaly` record (see
 * {@link writeAnomalyRecord}).
 *
 * @example
 * ```ts
 * anomalyRecord(packet, 3, decoderAnomaly("ipv4.opt_pad_required"));
 * ```
 * @param packet the decoded packet the event was raised on
 * @param pcapCnt its number in the capture file (0 for live capture)
 * @param anomaly what happened
 * @param extras flow facts, when known (flow_id, tx_id, ...)
 * @param options writer settings
 * @returns the record's JSON text
 */
export function anomalyRecord(
  packet: Packet,
  pcapCnt: number,
  anomaly: AnomalyInfo,
  extras?: EveExtras,
  options?: EveOptions,
): string {
  return recordText((out) => writeAnomalyRecord(out, packet, pcapCnt, anomaly, extras, options));
}

/** Why an inline packet was dropped (Suricata's `drop.reason`). */
export type DropReason = "rules" | "flow drop";

/** One `"key":value` of the `drop` object, a comma before all but the first. */
function dropField(out: JsonBytes, first: boolean, key: string, value: number | string): void {
  out.ascii(first ? '"' : ',"');
  out.ascii(key);
  out.ascii('":');
  if (typeof value === "number") out.number(value);
  else out.ascii(value);
}

/**
 * Write the JSON text (one line, no newline) of an EVE `drop` record (IPS
 * only) into `out`: Suricata's output-json-drop.c.
 *
 * Field order: the header (timestamp ... pkt_src), direction, drop{len,
 * tos, ttl, ipid (IPv4) or len, tc, hoplimit, flowlbl (IPv6); tcpseq,
 * tcpack, tcpwin, syn, ack, psh, rst, urg, fin, tcpres, tcpurgp (TCP) or
 * udplen (UDP) or icmp_id, icmp_seq (ICMPv4); reason}, then the `alert`
 * object of the rule that dropped it (eve-log `drop.alerts`), host.
 *
 * @param out where the text goes (appended)
 * @param packet the dropped packet
 * @param reason why it was dropped
 * @param alert the rule that dropped it, or null (not logged, or a flow drop)
 * @param extras flow_id, direction, in_iface
 * @param options writer settings
 */
export function writeDropRecord(
  out: JsonBytes,
  packet: Packet,
  reason: DropReason,
  alert: AlertInfo | null,
  extras: EveExtras = NO_EXTRAS,
  options: EveOptions = NO_OPTIONS,
): void {
  const x = extras, o = options;
  header(out, packet, 0, "drop", x, o);
  if (x.direction !== undefined) {
    out.ascii(',"direction":');
    quoted(out, x.direction);
  }
  out.ascii(',"drop":{');
  const data = packet.data;
  let first = true;
  if (packet.ipVersion === 4) {
    dropField(out, true, "len", packet.ipTotalLen);
    dropField(out, false, "tos", packet.tos);
    dropField(out, false, "ttl", packet.ttl);
    dropField(out, false, "ipid", packet.ipId);
    first = false;
  } else if (packet.ipVersion === 6) {
    const ip = packet.frameOffset + packet.l3Offset;
    const label = ((data[ip + 1] & 0x0f) << 16) | (data[ip + 2] << 8) | data[ip + 3];
    dropField(out, true, "len", (data[ip + 4] << 8) | data[ip + 5]);
    dropField(out, false, "tc", packet.tos);
    dropField(out, false, "hoplimit", packet.ttl);
    dropField(out, false, "flowlbl", label);
    first = false;
  }
  if (packet.ipProto === 6 && (packet.layers & Layer.TCP) !== 0) {
    const f = packet.tcpFlags;
    const flag = (bit: number) => ((f & bit) !== 0 ? "true" : "false");
    dropField(out, first, "tcpseq", packet.tcpSeq >>> 0);
    dropField(out, false, "tcpack", packet.tcpAck >>> 0);
    dropField(out, false, "tcpwin", packet.tcpWindow);
    dropField(out, false, "syn", flag(0x02));
    dropField(out, false, "ack", flag(0x10));
    dropField(out, false, "psh", flag(0x08));
    dropField(out, false, "rst", flag(0x04));
    dropField(out, false, "urg", flag(0x20));
    dropField(out, false, "fin", flag(0x01));
    dropField(out, false, "tcpres", data[packet.frameOffset + packet.l4Offset + 12] & 0x0f);
    dropField(out, false, "tcpurgp", packet.tcpUrgent);
    first = false;
  } else if (packet.ipProto === 17 && (packet.layers & Layer.UDP) !== 0) {
    dropField(out, first, "udplen", packet.udpLen);
    first = false;
  } else if (packet.ipProto === 1 && (packet.layers & Layer.ICMPV4) !== 0) {
    dropField(out, first, "icmp_id", packet.icmpId);
    dropField(out, false, "icmp_seq", packet.icmpSeq);
    first = false;
  }
  dropField(out, first, "reason", '"' + reason + '"');
  out.ascii("}");
  if (alert !== null) alertObject(out, alert, o);
  trailer(out, o);
}

/**
 * The JSON text (one line, no newline) of an EVE `drop` record (see
 * {@link writeDropRecord}).
 *
 * @example
 * ```ts
 * const line = dropRecord(packet, "rules", alertInfo, { flowId: 1n, direction: "to_server" });
 * ```
 * @param packet the dropped packet
 * @param reason why it was dropped
 * @param alert the rule that dropped it, or null (not logged, or a flow drop)
 * @param extras flow_id, direction, in_iface
 * @param options writer settings
 * @returns the record's JSON text
 */
export function dropRecord(
  packet: Packet,
  reason: DropReason,
  alert: AlertInfo | null,
  extras?: EveExtras,
  options?: EveOptions,
): string {
  return recordText((out) => writeDropRecord(out, packet, reason, alert, extras, options));
}

/**
 * Write the JSON text (one line, no newline) of an application-layer
 * transaction record (`http`, `dns`, `tls`, `ssh`...) into `out`.
 *
 * Field order: the header (timestamp ... pkt_src), tx_id, then the
 * protocol's object under its event type, host, pcap_filename.
 *
 * @param out where the text goes (appended)
 * @param packet the packet the record is written on (or a flow's pseudo packet)
 * @param pcapCnt its number in the capture (0: none)
 * @param eventType the protocol's record type, e.g. `"http"`
 * @param object the protocol's object, or what writes its JSON text
 * @param extras flow_id, tx_id, reverse (client side first), pkt_src
 * @param options writer settings
 */
export function writeAppRecord(
  out: JsonBytes,
  packet: Packet,
  pcapCnt: number,
  eventType: string,
  object: AppObject,
  extras: EveExtras = NO_EXTRAS,
  options: EveOptions = NO_OPTIONS,
): void {
  header(out, packet, pcapCnt, eventType, extras, options);
  txFields(out, extras);
  out.ascii(",");
  out.string(eventType);
  out.ascii(":");
  if (typeof object === "function") object(out);
  else out.json(JSON.stringify(object));
  trailer(out, options);
}
