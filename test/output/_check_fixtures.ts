/**
 * Rebuilds every record of fixtures/suricata_records.jsonl with src/output/
 * and compares it with what Suricata 7 wrote, byte for byte. Run by
 * eve_fixtures_test.ts in a subprocess whose TZ matches the variant:
 *
 *     TZ=UTC deno run --allow-read test/output/_check_fixtures.ts full
 *     TZ=Europe/Berlin deno run --allow-read test/output/_check_fixtures.ts plain
 *
 * Prints one JSON object: `{ "checked": n, "failures": [...] }`.
 *
 * What comes from the decoded frame (addresses, ports, ICMP, VLANs, payload,
 * packet bytes, ether, tunnel) is computed; what later stages would supply
 * (flow_id, flow counters, app_proto, direction, tx_id, app-layer objects,
 * community_id, verdict, stream data) is taken from the expected record, so
 * its placement and formatting are what is checked.
 *
 * @module
 */

import { decodeBase64 } from "./_base64.ts";
import { packetFromFrame } from "./_frame_decoder.ts";
import {
  alertActionOf,
  type AlertInfo,
  alertRecord,
  type AnomalyInfo,
  anomalyRecord,
  decoderAnomaly,
  type EveExtras,
  type EveOptions,
  type RuleAction,
  ruleDrops,
  ruleMetadata,
  tunnelInfo,
} from "../../src/output/eve_record.ts";
import { fastLogLine } from "../../src/output/fast_log.ts";

const HERE = new URL(".", import.meta.url);

/** One line of the fixture file. */
export interface FixtureRecord {
  case: string;
  kind: "alert" | "anomaly";
  tunnel: boolean;
  pcap_cnt: number;
  ts_sec: number;
  ts_usec: number;
  linktype: number;
  frame: string;
  full: string;
  plain: string;
  fast_full?: string;
  fast_plain?: string;
}

/** Read the fixture records. */
export function readFixtures(): FixtureRecord[] {
  const text = Deno.readTextFileSync(new URL("fixtures/suricata_records.jsonl", HERE));
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

interface RuleFacts {
  action: RuleAction;
  metadata: Array<[string, string]>;
}

/** sid -> action and metadata pairs, from the fixture rule files. */
export function readRules(): Map<number, RuleFacts> {
  const rules = new Map<number, RuleFacts>();
  for (const file of ["traffic.rules", "generic.rules"]) {
    for (const line of Deno.readTextFileSync(new URL("fixtures/" + file, HERE)).split("\n")) {
      if (line.startsWith("#") || line.trim() === "") continue;
      const action = line.split(" ")[0] as RuleAction;
      const sid = Number(/\bsid:(\d+)/.exec(line)![1]);
      const md = /\bmetadata:([^;]*);/.exec(line);
      const metadata: Array<[string, string]> = [];
      if (md) {
        for (const item of md[1].split(",")) {
          const t = item.trim();
          const sp = t.indexOf(" ");
          metadata.push([t.slice(0, sp), t.slice(sp + 1).trim()]);
        }
      }
      rules.set(sid, { action, metadata });
    }
  }
  return rules;
}

/** Seconds and nanoseconds of an EVE timestamp such as `2026-11-26T16:44:01.812329+0100`. */
export function parseEveTime(ts: string): { sec: number; nsec: number } {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})([+-]\d\d)(\d\d)$/.exec(ts);
  if (!m) throw new Error("bad timestamp " + ts);
  const ms = Date.parse(`${m[1]}${m[3]}:${m[4]}`);
  return { sec: ms / 1000, nsec: Number(m[2]) * 1000 };
}

const HEADER_AND_KNOWN = new Set([
  "timestamp",
  "flow_id",
  "pcap_cnt",
  "event_type",
  "vlan",
  "src_ip",
  "src_port",
  "dest_ip",
  "dest_port",
  "proto",
  "icmp_type",
  "icmp_code",
  "pkt_src",
  "ether",
  "community_id",
  "tx_id",
  "alert",
  "tunnel",
  "app_proto",
  "direction",
  "flow",
  "payload",
  "payload_printable",
  "stream",
  "packet",
  "packet_info",
  "verdict",
  "host",
  "pcap_filename",
  "anomaly",
]);

// deno-lint-ignore no-explicit-any
type Json = any;

/** The extras a later stage would supply, taken from the expected record. */
function extrasFrom(raw: string, e: Json, packetTunnel: EveExtras["tunnel"]): EveExtras {
  const x: EveExtras = {};
  const flowId = /"flow_id":(\d+)/.exec(raw);
  if (flowId) x.flowId = BigInt(flowId[1]);
  if (e.community_id !== undefined) x.communityId = e.community_id;
  if (e.tx_id !== undefined) x.txId = e.tx_id;
  if (e.app_proto !== undefined) x.appProto = e.app_proto;
  if (e.direction !== undefined) x.direction = e.direction;
  if (e.flow !== undefined) {
    const start = parseEveTime(e.flow.start);
    x.flow = {
      pktsToServer: e.flow.pkts_toserver,
      pktsToClient: e.flow.pkts_toclient,
      bytesToServer: e.flow.bytes_toserver,
      bytesToClient: e.flow.bytes_toclient,
      startSec: start.sec,
      startNsec: start.nsec,
    };
  }
  const appLayer: Record<string, unknown> = {};
  let hasApp = false;
  for (const key of Object.keys(e)) {
    if (!HEADER_AND_KNOWN.has(key)) {
      appLayer[key] = e[key];
      hasApp = true;
    }
  }
  if (hasApp) x.appLayer = appLayer;
  if (e.stream === 1) {
    x.stream = true;
    if (e.payload !== undefined) x.streamPayload = decodeBase64(e.payload);
  }
  if (e.verdict !== undefined) {
    x.verdict = { action: e.verdict.action };
    if (e.verdict["reject-target"] !== undefined) {
      x.verdict.rejectTarget = e.verdict["reject-target"];
    }
    if (e.verdict.reject !== undefined) x.verdict.reject = e.verdict.reject;
  }
  if (packetTunnel !== undefined) x.tunnel = packetTunnel;
  return x;
}

/** A mismatch. */
export interface Failure {
  case: string;
  kind: string;
  pcapCnt: number;
  what: string;
  expected: string;
  actual: string;
}

function firstDifference(expected: string, actual: string): string {
  try {
    const e = JSON.parse(expected), a = JSON.parse(actual);
    const ek = Object.keys(e), ak = Object.keys(a);
    if (ek.join(",") !== ak.join(",")) return `field order/set: ${ek.join(",")} vs ${ak.join(",")}`;
    for (const key of ek) {
      if (JSON.stringify(e[key]) !== JSON.stringify(a[key])) return `field ${key}`;
    }
  } catch {
    // fall through
  }
  let i = 0;
  while (i < expected.length && expected[i] === actual[i]) i++;
  return `offset ${i}`;
}

/**
 * Check every record of one variant.
 *
 * @param variant "full" (run under TZ=UTC) or "plain" (TZ=Europe/Berlin)
 * @returns how many lines were compared, and the mismatches
 */
export function checkVariant(variant: "full" | "plain"): { checked: number; failures: Failure[] } {
  const rules = readRules();
  const failures: Failure[] = [];
  let checked = 0;
  for (const rec of readFixtures()) {
    const raw = variant === "full" ? rec.full : rec.plain;
    const e: Json = JSON.parse(raw);
    const packet = packetFromFrame(decodeBase64(rec.frame), {
      linkType: rec.linktype,
      tsSec: rec.ts_sec,
      tsNsec: rec.ts_usec * 1000,
      decapsulate: rec.tunnel,
    });
    const pcapCnt = rec.tunnel ? 0 : rec.pcap_cnt;
    const options: EveOptions = variant === "full"
      ? {
        payload: true,
        payloadPrintable: true,
        packet: true,
        packetHeader: true,
        ethernet: true,
        sensorName: "sensor1",
        pcapFilename: e.pcap_filename,
      }
      : {};
    const extras = extrasFrom(raw, e, rec.tunnel ? tunnelInfo(packet, rec.pcap_cnt) : undefined);
    const fail = (what: string, expected: string, actual: string) =>
      failures.push({
        case: rec.case,
        kind: rec.kind,
        pcapCnt: rec.pcap_cnt,
        what,
        expected,
        actual,
      });
    let actual: string;
    if (rec.kind === "alert") {
      const sid = e.alert.signature_id;
      const rule = rules.get(sid);
      if (rule === undefined) throw new Error(`no rule for sid ${sid}`);
      const ips = rec.case.endsWith("-ips");
      const alert: AlertInfo = {
        action: alertActionOf(rule.action, ips),
        drop: ruleDrops(rule.action),
        gid: e.alert.gid,
        signatureId: sid,
        rev: e.alert.rev,
        signature: e.alert.signature,
        category: e.alert.category === "" ? null : e.alert.category,
        severity: e.alert.severity,
        metadata: rule.metadata.length > 0 ? ruleMetadata(rule.metadata) : undefined,
      };
      actual = alertRecord(packet, pcapCnt, alert, extras, options);
      const fastExpected = variant === "full" ? rec.fast_full! : rec.fast_plain!;
      const fastActual = fastLogLine(packet, pcapCnt || rec.pcap_cnt, alert, ips);
      checked++;
      if (fastActual !== fastExpected) fail("fast.log", fastExpected, fastActual);
    } else {
      const an = e.anomaly;
      const anomaly: AnomalyInfo = an.type === "applayer"
        ? { type: "applayer", appProto: an.app_proto, event: an.event, layer: an.layer }
        : an.type === "decode"
        ? decoderAnomaly(an.event.replace(/^decoder\./, ""))
        : { type: an.type, event: an.event };
      actual = anomalyRecord(packet, pcapCnt, anomaly, extras, options);
    }
    checked++;
    if (actual !== raw) fail("eve: " + firstDifference(raw, actual), raw, actual);
  }
  return { checked, failures };
}

if (import.meta.main) {
  const variant = Deno.args[0] === "plain" ? "plain" : "full";
  console.log(JSON.stringify(checkVariant(variant)));
}
