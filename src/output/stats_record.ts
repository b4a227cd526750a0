/**
 * The EVE `stats` record written at the end of a run, with Suricata 7's
 * key names for the counters Tarsier keeps: `uptime`, `decoder` (packets,
 * bytes, per-protocol frames, decoder events), `flow` (flows by protocol,
 * how they ended), `tcp` (sessions, reassembly) and `detect` (alerts).
 * Counters Tarsier does not keep are left out rather than written as 0.
 *
 * @module
 */

import type { DecodeStats } from "../decode/decode_stats.ts";
import { formatEveTimestamp } from "./timestamp_format.ts";

/** Suricata's `decoder` key for each of Tarsier's layer names. */
const DECODER_KEYS: Readonly<Record<string, string>> = {
  ethernet: "ethernet",
  vlan: "vlan",
  qinq: "vlan_qinq",
  mpls: "mpls",
  sll: "sll",
  null: "null",
  raw: "raw",
  chdlc: "chdlc",
  ppp: "ppp",
  pppoe: "pppoe",
  arp: "arp",
  ipv4: "ipv4",
  ipv6: "ipv6",
  tcp: "tcp",
  udp: "udp",
  sctp: "sctp",
  icmpv4: "icmpv4",
  icmpv6: "icmpv6",
  gre: "gre",
  vxlan: "vxlan",
  teredo: "teredo",
  erspan: "erspan",
};

/** What goes into the stats record besides the decoder counters. */
export interface StatsFacts {
  /** Seconds since start. */
  uptime: number;
  /** Flows created, by Suricata's protocol key (`tcp`, `udp`, `icmpv4`, ...). */
  flows?: Record<string, number>;
  /** How flows ended: `timeout`, `shutdown`, `tcp_reuse`, `forced` (emergency evictions). */
  flowEnds?: Record<string, number>;
  /** Times the flow table entered emergency mode. */
  emergencies?: number;
  /** TCP counters (Suricata's names: sessions, overlap, overlap_diff_data, ...). */
  tcp?: Record<string, number>;
  /** Alerts written. */
  alerts: number;
  /**
   * Live capture: `kernel_packets`, `kernel_drops` (PACKET_STATISTICS),
   * `errors`, `busy_poll_windows` (busy-polling windows opened, Tarsier's
   * own), and the per-batch latencies `ring_wait_p50_us`,
   * `ring_wait_p99_us`, `ring_wait_max_us`, `batch_p99_us`, `batch_max_us`.
   */
  capture?: Record<string, number>;
  /**
   * Inline: `accepted`, `blocked`, `rejected`, `replaced` packets and the
   * `drop_reason` counters (Suricata 7's `ips` counters; see {@link ipsCounters}).
   */
  ips?: Record<string, number | Record<string, number>>;
}

/** Suricata 7's `ips.drop_reason.*` counters, in its order (all registered in IPS mode). */
const DROP_REASONS = [
  "decode_error",
  "defrag_error",
  "defrag_memcap",
  "flow_memcap",
  "flow_drop",
  "applayer_error",
  "applayer_memcap",
  "rules",
  "threshold_detection_filter",
  "stream_error",
  "stream_memcap",
  "stream_midstream",
  "stream_reassembly",
  "stream_urgent",
  "nfq_error",
  "tunnel_packet_drop",
] as const;

/**
 * The `ips` object of a stats record as Suricata 7 writes it inline: the
 * verdict counters, `replaced` (always 0: no `replace` keyword inline), and
 * every drop reason, 0 where Tarsier has no such cause.
 *
 * @param counts accepted, blocked, rejected; drops by rules and by a dropped flow
 * @returns the object
 */
export function ipsCounters(counts: {
  accepted: number;
  blocked: number;
  rejected: number;
  rulesDrops: number;
  flowDrops: number;
}): Record<string, number | Record<string, number>> {
  const reasons: Record<string, number> = {};
  for (const reason of DROP_REASONS) reasons[reason] = 0;
  reasons.rules = counts.rulesDrops;
  reasons.flow_drop = counts.flowDrops;
  return {
    accepted: counts.accepted,
    blocked: counts.blocked,
    rejected: counts.rejected,
    replaced: 0,
    drop_reason: reasons,
  };
}

/**
 * The JSON text (one line) of a stats record.
 *
 * @param decode the decoder counters of the run
 * @param facts the other counters
 * @param now the record time (wall clock), ms since the epoch
 * @returns the record
 */
export function statsRecord(decode: DecodeStats, facts: StatsFacts, now = Date.now()): string {
  const decoder: Record<string, unknown> = {
    pkts: decode.packets,
    bytes: decode.wireBytes,
  };
  for (const [name, count] of Object.entries(decode.protocols())) {
    const key = DECODER_KEYS[name];
    if (key !== undefined) decoder[key] = count;
  }
  if (decode.packets > 0) decoder.avg_pkt_size = Math.floor(decode.wireBytes / decode.packets);
  const events: Record<string, Record<string, number>> = {};
  for (const [name, count] of Object.entries(decode.anomalies())) {
    // "decoder.ipv4.trunc_pkt" -> event.ipv4.trunc_pkt
    const parts = name.replace(/^decoder\./, "").split(".");
    if (parts.length < 2) continue;
    const layer = parts[0];
    (events[layer] ??= {})[parts.slice(1).join(".")] = count;
  }
  if (Object.keys(events).length > 0) decoder.event = events;
  const stats: Record<string, unknown> = { uptime: Math.round(facts.uptime) };
  if (facts.capture !== undefined) stats.capture = facts.capture;
  stats.decoder = decoder;
  if (facts.flows !== undefined) {
    const flow: Record<string, number> = {};
    let total = 0;
    for (const [k, v] of Object.entries(facts.flows)) {
      flow[k] = v;
      total += v;
    }
    stats.flow = {
      total,
      ...flow,
      emerg_mode_entered: facts.emergencies ?? 0,
      end: facts.flowEnds ?? {},
    };
  }
  if (facts.tcp !== undefined) stats.tcp = facts.tcp;
  stats.detect = { alert: facts.alerts };
  if (facts.ips !== undefined) stats.ips = facts.ips;
  const sec = Math.floor(now / 1000);
  const ts = formatEveTimestamp(sec, (now - sec * 1000) * 1e6);
  return `{"timestamp":${JSON.stringify(ts)},"event_type":"stats","stats":${
    JSON.stringify(stats)
  }}`;
}
