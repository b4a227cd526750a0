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
 * Written once per flow end (not per packet), straight into the EVE writer's
 * record buffer.
 *
 * @module
 */

import { JsonBytes } from "./json_bytes.ts";
import { writeEveTimestamp } from "./timestamp_format.ts";

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

/** The flags a `tcp` object lists, in Suricata's order, as their JSON fields. */
const FLAG_FIELDS: readonly [number, string][] = [
  [0x02, ',"syn":true'],
  [0x01, ',"fin":true'],
  [0x04, ',"rst":true'],
  [0x08, ',"psh":true'],
  [0x10, ',"ack":true'],
  [0x20, ',"urg":true'],
  [0x40, ',"ecn":true'],
  [0x80, ',"cwr":true'],
];

/** A time in (fractional) seconds, rounded to the microsecond EVE shows, quoted. */
function timestamp(out: JsonBytes, t: number): void {
  let sec = Math.floor(t);
  let usec = Math.round((t - sec) * 1e6);
  if (usec === 1e6) {
    sec++;
    usec = 0;
  }
  out.ascii('"');
  writeEveTimestamp(out, sec, usec * 1000);
  out.ascii('"');
}

const HEX = "0123456789abcdef";

/** A byte of TCP flags as two lowercase hex digits, quoted. */
function hex(out: JsonBytes, n: number): void {
  out.ascii('"');
  out.ascii(HEX[n >>> 4]);
  out.ascii(HEX[n & 15]);
  out.ascii('"');
}

/** A flow's packet and byte counters, as the EVE `flow` object starts with them. */
export interface FlowCounters {
  /** Packets client to server. */
  pktsToServer: number | bigint;
  /** Packets server to client. */
  pktsToClient: number | bigint;
  /** Bytes client to server. */
  bytesToServer: number | bigint;
  /** Bytes server to client. */
  bytesToClient: number | bigint;
}

/**
 * Open the EVE `flow` object with its counters (`,"flow":{"pkts_toserver":
 * ... "bytes_toclient":N`): flow records and the `flow` of alerts write it
 * alike; the caller writes the rest and closes it.
 *
 * @param out where the text goes (appended)
 * @param c the counters
 */
export function openFlowObject(out: JsonBytes, c: FlowCounters): void {
  out.ascii(',"flow":{"pkts_toserver":');
  out.number(c.pktsToServer);
  out.ascii(',"pkts_toclient":');
  out.number(c.pktsToClient);
  out.ascii(',"bytes_toserver":');
  out.number(c.bytesToServer);
  out.ascii(',"bytes_toclient":');
  out.number(c.bytesToClient);
}

/**
 * Write the JSON text (one line, no newline) of an EVE flow record into `out`.
 *
 * @param out where the text goes (appended)
 * @param f the flow's facts
 */
export function writeFlowRecord(out: JsonBytes, f: FlowRecordInfo): void {
  out.ascii('{"timestamp":');
  timestamp(out, f.time);
  out.ascii(',"flow_id":');
  out.number(f.flowId);
  out.optionalString(',"in_iface":', f.inIface);
  out.ascii(',"event_type":"flow"');
  if (f.vlans.length > 0) {
    out.ascii(',"vlan":[');
    for (let i = 0; i < f.vlans.length; i++) {
      if (i > 0) out.ascii(",");
      out.number(f.vlans[i]);
    }
    out.ascii("]");
  }
  out.ascii(',"src_ip":');
  out.string(f.srcIp);
  if (f.srcPort !== undefined) {
    out.ascii(',"src_port":');
    out.number(f.srcPort);
  }
  out.ascii(',"dest_ip":');
  out.string(f.destIp);
  if (f.destPort !== undefined) {
    out.ascii(',"dest_port":');
    out.number(f.destPort);
  }
  out.ascii(',"proto":');
  out.string(f.proto);
  out.optionalString(',"app_proto":', f.appProto);
  out.optionalString(',"app_proto_ts":', f.appProtoTs);
  out.optionalString(',"app_proto_tc":', f.appProtoTc);
  if (f.traffic !== undefined) {
    out.ascii(',"traffic":');
    out.json(JSON.stringify(f.traffic));
  }
  openFlowObject(out, f);
  out.ascii(',"start":');
  timestamp(out, f.start);
  out.ascii(',"end":');
  timestamp(out, f.end);
  out.ascii(',"age":');
  out.number(Math.floor(f.end) - Math.floor(f.start));
  out.ascii(',"state":');
  out.string(f.state);
  out.ascii(',"reason":');
  out.string(f.reason);
  out.ascii(f.alerted ? ',"alerted":true' : ',"alerted":false');
  if (f.emergency) out.ascii(',"emergency":true');
  out.ascii("}");
  if (f.tcpFlagsTs !== undefined && f.tcpFlagsTc !== undefined) {
    const all = f.tcpFlagsTs | f.tcpFlagsTc;
    out.ascii(',"tcp":{"tcp_flags":');
    hex(out, all);
    out.ascii(',"tcp_flags_ts":');
    hex(out, f.tcpFlagsTs);
    out.ascii(',"tcp_flags_tc":');
    hex(out, f.tcpFlagsTc);
    for (const [bit, name] of FLAG_FIELDS) if ((all & bit) !== 0) out.ascii(name);
    if (f.tcpState !== undefined) {
      out.ascii(',"state":');
      out.string(f.tcpState);
      out.ascii(',"ts_max_regions":1,"tc_max_regions":1');
    }
    out.ascii("}");
  }
  out.ascii("}");
}

/**
 * The JSON text (one line, no newline) of an EVE flow record (see
 * {@link writeFlowRecord}).
 *
 * @param f the flow's facts
 * @returns the record
 */
export function flowRecord(f: FlowRecordInfo): string {
  const out = new JsonBytes(512);
  writeFlowRecord(out, f);
  return out.text();
}
