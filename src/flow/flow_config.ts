/**
 * Flow table options from a suricata.yaml: `flow-timeouts.*`,
 * `flow.emergency-recovery`, `stream.midstream`, `stream.async-oneside`
 * and `vlan.use-for-tracking`. A key the configuration lacks takes
 * Suricata's built-in value (flow-private.h), as Suricata does, not the
 * value of the suricata.yaml it ships.
 *
 * @module
 */

import type { SuricataConfig } from "../rules/config.ts";
import type { ReassemblyOptions } from "./tcp_reassembly.ts";
import { hostOsPolicyOf } from "./host_os_policy.ts";
import type { ChecksumValidation } from "./flow_tracker.ts";
import {
  DEFAULT_TIMEOUTS,
  type FlowTableOptions,
  type FlowTimeouts,
  type ProtoTimeouts,
} from "./flow_table.ts";

/** Suricata's built-in timeouts, used for keys the configuration lacks. */
const BUILT_IN: FlowTimeouts = {
  // UDP, ICMP and other protocols: the built-in values equal the shipped ones
  ...DEFAULT_TIMEOUTS,
  tcp: {
    new: 30,
    established: 300,
    closed: 10,
    emergencyNew: 10,
    emergencyEstablished: 100,
    emergencyClosed: 5,
  },
};

function protoTimeouts(config: SuricataConfig, section: string, d: ProtoTimeouts): ProtoTimeouts {
  const at = (key: string, fallback: number) =>
    config.getNumber(`flow-timeouts.${section}.${key}`, fallback);
  return {
    new: at("new", d.new),
    established: at("established", d.established),
    closed: at("closed", d.closed),
    emergencyNew: at("emergency-new", d.emergencyNew),
    emergencyEstablished: at("emergency-established", d.emergencyEstablished),
    emergencyClosed: at("emergency-closed", d.emergencyClosed),
  };
}

/**
 * The flow table options a configuration asks for.
 *
 * @example
 * ```ts
 * import { loadConfig } from "../rules/config.ts";
 * import { flowTableOptions } from "./flow_config.ts";
 * import { FlowTable } from "./flow_table.ts";
 * const { config } = loadConfig();
 * const flows = new FlowTable({ ...flowTableOptions(config), capacity: 4096 });
 * ```
 *
 * @param config the loaded configuration
 * @returns timeouts, midstream, async-oneside, VLAN tracking, emergency recovery
 */
export function flowTableOptions(
  config: SuricataConfig,
): FlowTableOptions & { checksumValidation: ChecksumValidation } {
  const other = protoTimeouts(config, "default", BUILT_IN.other);
  return {
    timeouts: {
      tcp: protoTimeouts(config, "tcp", BUILT_IN.tcp),
      udp: protoTimeouts(config, "udp", BUILT_IN.udp),
      icmp: protoTimeouts(config, "icmp", BUILT_IN.icmp),
      other,
    },
    midstream: config.getBool("stream.midstream", false),
    checksumValidation: !config.getBool("stream.checksum-validation", true)
      ? "no"
      : checksumChecks(config),
    asyncOneside: config.getBool("stream.async-oneside", false),
    vlanTracking: config.getBool("vlan.use-for-tracking", true),
    emergencyRecovery: config.getNumber("flow.emergency-recovery", 30),
  };
}

/** `pcap-file.checksum-checks`: auto (the default) or a boolean. */
function checksumChecks(config: SuricataConfig): ChecksumValidation {
  const key = "pcap-file.checksum-checks";
  if (config.getString(key, "auto").trim().toLowerCase() === "auto") return "auto";
  return config.getBool(key, true) ? "yes" : "no";
}

/**
 * TCP reassembly options from suricata.yaml's `stream` section:
 * `stream.reassembly.memcap`, `.depth`, `.toserver-chunk-size`,
 * `.toclient-chunk-size`, `host-os-policy` (the overlap policy of each
 * receiving host) and `stream.inline` (IPS mode: inspect data as it
 * arrives). Chunk sizes are not randomized (Suricata randomizes them by
 * default by up to 10%).
 *
 * @param config the loaded configuration
 * @param warn receives notes about doubtful settings
 * @param ips a live inline IPS: `stream.inline: auto` (its default) is on
 * @returns the reassembly options (the capacity is the flow table's)
 */
export function reassemblyOptions(
  config: SuricataConfig,
  warn: (message: string) => void = () => {},
  ips = false,
): Omit<ReassemblyOptions, "capacity"> {
  // "auto" (the default inline) means inline in IPS mode, which a scan is not
  const mode = config.getString("stream.inline", ips ? "auto" : "no").trim().toLowerCase();
  const inline = mode === "auto" ? ips : config.getBool("stream.inline", false);
  const hosts = hostOsPolicyOf(config, warn);
  return {
    policyFor: hosts === null ? null : (p) => hosts.forDestination(p),
    memcap: config.getSize("stream.reassembly.memcap", 64 * 1024 * 1024),
    depth: config.getSize("stream.reassembly.depth", 1024 * 1024),
    toServerChunk: config.getSize("stream.reassembly.toserver-chunk-size", 2560),
    toClientChunk: config.getSize("stream.reassembly.toclient-chunk-size", 2560),
    inline,
    checkOverlapDifferentData:
      config.getBool("stream.reassembly.check-overlap-different-data", false) || inline,
  };
}
