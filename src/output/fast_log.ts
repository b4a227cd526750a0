/**
 * Suricata 7's fast.log line (`alert-fastlog.c`), byte for byte:
 *
 * ```
 * 07/05/2019-09:13:37.460702  [wDrop] [**] [1:2000003:1] TEST drop ip [**] [Classification: (null)] [Priority: 3] {UDP} 5.6.7.8:53 -> 1.2.3.4:53
 * ```
 *
 * - local time `MM/DD/YYYY-HH:MM:SS.uuuuuu`, then TWO spaces;
 * - `[Drop] ` (drop/reject rule, IPS mode) or `[wDrop] ` (IDS mode), else nothing;
 * - the message as the rule wrote it (unescaped, not JSON-escaped);
 * - `[Classification: (null)]` when the rule has no classtype;
 * - `{proto}` as Suricata names it, `PROTO:NNN` for unnamed numbers;
 * - IPv6 addresses in full uncompressed form;
 * - for ICMP/ICMPv6 the type and code stand where the ports would
 *   (`10.10.0.2:8 -> 198.51.100.2:0`); protocols without ports print `:0`;
 * - a packet without an IP header prints `[**] [Raw pkt: ` and its first 32
 *   bytes as `XX ` hex, then `] [pcap file packet: N]` (or `]` live).
 *
 * @module
 */

import type { Packet } from "../decode/packet.ts";
import type { AlertInfo } from "./eve_record.ts";
import { fastLogProtoName, packetDstIp, packetSrcIp } from "./ip_format.ts";
import { formatFastTimestamp } from "./timestamp_format.ts";

const HEX_UPPER = "0123456789ABCDEF";

/**
 * The fast.log action marker for an alert.
 *
 * @param alert the alert (its `drop` flag)
 * @param ips whether the engine runs inline
 * @returns `"[Drop] "`, `"[wDrop] "` or `""`
 */
export function fastLogActionPrefix(alert: AlertInfo, ips: boolean): string {
  if (!alert.drop) return "";
  return ips ? "[Drop] " : "[wDrop] ";
}

/**
 * One fast.log line, without its newline.
 *
 * @example
 * ```ts
 * fastLogLine(packet, 1, {
 *   action: "allowed", drop: true, gid: 1, signatureId: 2000003, rev: 1,
 *   signature: "TEST drop ip", severity: 3,
 * }, false);
 * // "07/05/2019-09:13:37.460702  [wDrop] [**] [1:2000003:1] TEST drop ip [**] ..."
 * ```
 * @param packet the decoded packet the alert fired on
 * @param pcapCnt its number in the capture file (0 for live capture)
 * @param alert the rule-side content
 * @param ips whether the engine runs inline (for `[Drop]` vs `[wDrop]`)
 * @returns the line
 */
export function fastLogLine(
  packet: Packet,
  pcapCnt: number,
  alert: AlertInfo,
  ips: boolean,
): string {
  let s = formatFastTimestamp(packet.tsSec, packet.tsNsec) + "  " +
    fastLogActionPrefix(alert, ips) + "[**] [" + alert.gid + ":" + alert.signatureId + ":" +
    alert.rev + "] " + alert.signature + " [**] [Classification: " +
    (alert.category ?? "(null)") + "] [Priority: " + alert.severity + "]";
  const src = packetSrcIp(packet);
  if (src !== undefined) {
    const proto = packet.ipProto;
    const icmp = proto === 1 || proto === 58;
    const sp = icmp ? packet.icmpType : packet.srcPort;
    const dp = icmp ? packet.icmpCode : packet.dstPort;
    return s + " {" + fastLogProtoName(proto) + "} " + src + ":" + sp + " -> " +
      packetDstIp(packet) + ":" + dp;
  }
  s += " [**] [Raw pkt: ";
  const n = Math.min(packet.capLen, 32);
  const d = packet.data, base = packet.frameOffset;
  for (let i = 0; i < n; i++) {
    const b = d[base + i];
    s += HEX_UPPER[b >>> 4] + HEX_UPPER[b & 15] + " ";
  }
  return s + (pcapCnt > 0 ? "] [pcap file packet: " + pcapCnt + "]" : "]");
}
