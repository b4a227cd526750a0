/**
 * EVE `flow` records: one per flow when it ends, in Suricata 7's field
 * order - timestamp, flow_id, in_iface (live capture), event_type, vlan, src_ip, src_port, dest_ip,
 * dest_port, proto, app_proto, flow{pkts_toserver, pkts_toclient,
 * bytes_toserver, bytes_toclient, start, end, age, state, reason, alerted},
 * then for TCP tcp{tcp_flags, tcp_flags_ts, tcp_flags_tc, syn, fin, rst,
 * psh, ack, urg, ecn, cwr, state, ts_max_regions, tc_max_regions}; a TCP
 * flow that never had a session logs flags 00 and no state, as Suricata.
 * Source is the client.
 *
 * Made once per flow end (not per packet), so building a string is fine.
 *
 * @module
 */

import { formatEveTimestamp } from "./timestamp_format.ts";

/** What a flow record reports; the flow stage fills it from its table. */
export interface FlowRecordInfo {
  /** Record time (the packet time at which the flow ended), seconds. */
  time: number;
  /** flow_id. */
  flowId: number;
  /** `in_iface`: the interface the flow's first packet came in on (live capture). */
  inIface?: string;
  /** VLAN ids, outermost first (empty without). */
  vlans: number[];
  /** Client address. */
  srcIp: string;
  /** Server address. */
  destIp: string;
  /** Ports, when the protocol has them. */
  srcPort?: number;
  /** Server port. */
  destPort?: number;
  /** EVE protocol name ("TCP", "UDP", "ICMP", ...). */
  proto: string;
  /** EVE app_proto, when known. */
  appProto?: string;
  /** `app_proto_ts`: what the client's data was detected as, when it differs. */
  appProtoTs?: string;
  /** `app_proto_tc`: what the server's data was detected as, when it differs. */
  appProtoTc?: string;
  /** `traffic`: the flow's traffic/id and traffic/label flowbits. */
  traffic?: { id?: string[]; label?: string[] };
  /** Packet and byte counters. */
  pktsToServer: number;
  /** Packets server to client. */
  pktsToClient: number;
  /** Bytes client to server. */
  bytesToServer: number;
  /** Bytes server to client. */
  bytesToClient: number;
  /** First and last packet times, seconds. */
  start: number;
  /** Last packet time. */
  end: number;
  /** "new", "established" or "closed". */
  state: string;
  /** "timeout", "shutdown", "tcp_reuse" or "forced". */
  reason: string;
  /** Whether the flow raised an alert. */
  alerted: boolean;
  /** The table was in emergency mode when the flow ended. */
  emergency?: boolean;
  /** TCP flags seen client to server and server to client (TCP flows only). */
  tcpFlagsTs?: number;
  /** TCP flags seen server to client. */
  tcpFlagsTc?: number;
  /** The TCP session state name ("established", "closed", ...); absent without a session. */
  tcpState?: string;
}

const FLAG_NAMES: readonly [number, string][] = [
  [0x02, "syn"],
  [0x01, "fin"],
  [0x04, "rst"],
  [0x08, "psh"],
  [0x10, "ack"],
  [0x20, "urg"],
  [0x40, "ecn"],
  [0x80, "cwr"],
];

/** A time in (fractional) seconds, rounded to the microsecond EVE shows. */
function timestamp(t: number): string {
  let sec = Math.floor(t);
  let usec = Math.round((t - sec) * 1e6);
  if (usec === 1e6) {
    sec++;
    usec = 0;
  }
  return JSON.stringify(formatEveTimestamp(sec, usec * 1000));
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/**
 * The JSON text (one line, no newline) of an EVE flow record.
 *
 * @param f the flow's facts
 * @returns the record
 */
export function flowRecord(f: FlowRecordInfo): string {
  let s = `{"timestamp":${timestamp(f.time)},"flow_id":${f.flowId}`;
  if (f.inIface !== undefined) s += `,"in_iface":${JSON.stringify(f.inIface)}`;
  s += `,"event_type":"flow"`;
  if (f.vlans.length > 0) s += `,"vlan":[${f.vlans.join(",")}]`;
  s += `,"src_ip":${JSON.stringify(f.srcIp)}`;
  if (f.srcPort !== undefined) s += `,"src_port":${f.srcPort}`;
  s += `,"dest_ip":${JSON.stringify(f.destIp)}`;
  if (f.destPort !== undefined) s += `,"dest_port":${f.destPort}`;
  s += `,"proto":${JSON.stringify(f.proto)}`;
  if (f.appProto !== undefined) s += `,"app_proto":${JSON.stringify(f.appProto)}`;
  if (f.appProtoTs !== undefined) s += `,"app_proto_ts":${JSON.stringify(f.appProtoTs)}`;
  if (f.appProtoTc !== undefined) s += `,"app_proto_tc":${JSON.stringify(f.appProtoTc)}`;
  if (f.traffic !== undefined) s += `,"traffic":${JSON.stringify(f.traffic)}`;
  s += `,"flow":{"pkts_toserver":${f.pktsToServer},"pkts_toclient":${f.pktsToClient}` +
    `,"bytes_toserver":${f.bytesToServer},"bytes_toclient":${f.bytesToClient}` +
    `,"start":${timestamp(f.start)},"end":${timestamp(f.end)}` +
    `,"age":${Math.floor(f.end) - Math.floor(f.start)}` +
    `,"state":${JSON.stringify(f.state)},"reason":${JSON.stringify(f.reason)}` +
    `,"alerted":${f.alerted}`;
  if (f.emergency) s += `,"emergency":true`;
  s += "}";
  if (f.tcpFlagsTs !== undefined && f.tcpFlagsTc !== undefined) {
    const all = f.tcpFlagsTs | f.tcpFlagsTc;
    s += `,"tcp":{"tcp_flags":"${hex(all)}","tcp_flags_ts":"${hex(f.tcpFlagsTs)}"` +
      `,"tcp_flags_tc":"${hex(f.tcpFlagsTc)}"`;
    for (const [bit, name] of FLAG_NAMES) if ((all & bit) !== 0) s += `,"${name}":true`;
    if (f.tcpState !== undefined) {
      s += `,"state":${JSON.stringify(f.tcpState)},"ts_max_regions":1,"tc_max_regions":1`;
    }
    s += "}";
  }
  return s + "}";
}
