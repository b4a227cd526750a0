/**
 * EVE settings from a suricata.yaml: the first `eve-log` output's `alert`
 * options (payload, payload-printable, packet, metadata) and whether
 * decoder and stream anomalies are logged (`anomaly.types.decode`,
 * `anomaly.types.stream`).
 *
 * @module
 */

import type { ConfigNode, SuricataConfig } from "../rules/config.ts";
import type { EveOptions } from "./eve_record.ts";

/** What the configuration asks of EVE output. */
export interface EveSettings {
  /** Options of alert records. */
  options: EveOptions;
  /** Log decoder anomalies as `anomaly` records. */
  decoderAnomalies: boolean;
  /** Log stream (TCP reassembly) anomalies as `anomaly` records (`anomaly.types.stream`). */
  streamAnomalies: boolean;
  /** Log application-layer parser events as `anomaly` records (`anomaly.types.applayer`). */
  appAnomalies: boolean;
  /** Application protocols whose transactions get records of their own (`http`, `dns`...). */
  appRecords: Set<string>;
  /** Write the `verdict` object in alert records (`alert.verdict`). */
  verdict: boolean;
  /**
   * Write a `drop` record per dropped packet in IPS mode (`types: - drop`),
   * with the dropping rule's `alert` object (`alerts: yes`), for every
   * packet or only the first of each direction of a dropped flow
   * (`flows: all|start`); null when off (as in Suricata's shipped config).
   */
  dropRecords: DropRecordSettings | null;
  /** Write a `flow` record per flow when it ends (`types: - flow`). */
  flowRecords: boolean;
  /** Write a `stats` record at the end (`types: - stats`). */
  statsRecords: boolean;
  /** Add the capture file name to records (`pcap-file: true`). */
  pcapFile: boolean;
}

/** eve-log `drop` settings. */
export interface DropRecordSettings {
  /** `alerts: yes`: the record carries the dropping rule's `alert` object. */
  alerts: boolean;
  /** `flows: start`: a dropped flow is logged once per direction (else every packet). */
  flowsStart: boolean;
}

const TRUE = new Set(["yes", "true", "on", "1", "enabled"]);

function flag(node: ConfigNode | undefined, name: string, fallback: boolean): boolean {
  const v = node?.child(name)?.value;
  return v === undefined || v === null ? fallback : TRUE.has(v.toLowerCase());
}

/** The application protocols with transaction records. */
const APP_RECORD_TYPES = ["http", "dns", "tls", "ssh", "sip", "mqtt", "dcerpc"];

/**
 * Read the EVE settings; Suricata's defaults when the configuration has none.
 *
 * @param config the loaded configuration
 * @returns the settings
 */
export function eveSettingsOf(config: SuricataConfig): EveSettings {
  const settings: EveSettings = {
    options: {},
    decoderAnomalies: false,
    streamAnomalies: false,
    appAnomalies: true,
    appRecords: new Set(APP_RECORD_TYPES),
    verdict: false,
    dropRecords: null,
    flowRecords: true,
    statsRecords: true,
    pcapFile: false,
  };
  const outputs = config.get("outputs");
  const eve = outputs?.children.map((item) => item.child("eve-log")).find((n) => n !== undefined);
  const types = eve?.child("types");
  settings.options.ethernet = flag(eve, "ethernet", false);
  settings.pcapFile = flag(eve, "pcap-file", false);
  // without eve-log types: Suricata's shipped configuration, which logs flows and stats
  if (!types) return settings;
  settings.flowRecords = false;
  settings.statsRecords = false;
  settings.appAnomalies = false;
  settings.appRecords = new Set();
  for (const item of types.children) {
    const kind = item.value ?? item.name;
    const body = item.child(kind);
    if (kind === "alert") {
      settings.options = {
        payload: flag(body, "payload", false),
        payloadPrintable: flag(body, "payload-printable", false),
        packet: flag(body, "packet", false),
        ruleMetadata: body?.child("metadata") ? flag(body, "metadata", true) : true,
        // metadata: {rule: {raw: yes}} writes the rule text as alert.rule
        rule: flag(body?.child("metadata")?.child("rule"), "raw", false),
        ethernet: settings.options.ethernet,
      };
      const xff = body?.child("xff");
      if (xff !== undefined && flag(xff, "enabled", false)) {
        const mode = xff.child("mode")?.value === "overwrite" ? "overwrite" : "extra-data";
        const deployment = xff.child("deployment")?.value === "forward" ? "forward" : "reverse";
        settings.options.xff = { mode, deployment };
      }
      settings.verdict = flag(body, "verdict", false);
    } else if (kind === "drop") {
      if (flag(body, "enabled", true)) {
        settings.dropRecords = {
          alerts: flag(body, "alerts", false),
          flowsStart: body?.child("flows")?.value?.toLowerCase() === "start",
        };
      }
    } else if (kind === "flow") {
      settings.flowRecords = flag(body, "enabled", true);
    } else if (kind === "stats") {
      settings.statsRecords = flag(body, "enabled", true);
    } else if (kind === "anomaly") {
      settings.decoderAnomalies = flag(body, "enabled", true) &&
        flag(body?.child("types"), "decode", false);
      settings.streamAnomalies = flag(body, "enabled", true) &&
        flag(body?.child("types"), "stream", false);
      settings.appAnomalies = flag(body, "enabled", true) &&
        flag(body?.child("types"), "applayer", true);
    } else if (APP_RECORD_TYPES.includes(kind)) {
      if (flag(body, "enabled", true)) settings.appRecords.add(kind);
    }
  }
  return settings;
}
