/**
 * Compile parsed rules into signatures: resolve the header (protocol,
 * address and port variables) and apply every option through the keyword
 * registry. A rule that cannot be compiled is skipped with a diagnostic that
 * names the keyword and points at it (file:line:col); the others load.
 *
 * @module
 */

import { type AddressResolver, ipSetIsAny } from "../rules/address.ts";
import { diagnosticAt, type RuleDiagnostic } from "../rules/diagnostic.ts";
import { type PortResolver, portSetIsAny } from "../rules/port.ts";
import { locateInRule, type ParsedRule, type RuleOption } from "../rules/rule.ts";
import "../app/parsers.ts";
import { appProtocolParsed, bufferById } from "./buffers.ts";
import { bufferAvailable } from "./buffer_transforms.ts";
import { lookupKeyword, signatureFinalizers } from "./keyword_registry.ts";
import { KeywordError, Signature, SignatureBuilder, StreamMode } from "./signature.ts";

/** IP protocol numbers. */
export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58, SCTP: 132 } as const;

/** Transport of each application protocol Suricata 7 knows (rule protocol word -> ip protos). */
const APP_PROTOCOLS: Record<string, readonly number[]> = {
  http: [6],
  http1: [6],
  http2: [6],
  ftp: [6],
  "ftp-data": [6],
  smtp: [6],
  imap: [6],
  pop3: [6],
  tls: [6],
  ssh: [6],
  smb: [6],
  dcerpc: [6, 17],
  dns: [6, 17],
  dhcp: [17],
  ntp: [17],
  tftp: [17],
  krb5: [6, 17],
  snmp: [17],
  sip: [6, 17],
  ike: [17],
  ikev2: [17],
  nfs: [6, 17],
  mqtt: [6],
  rdp: [6],
  rfb: [6],
  modbus: [6],
  dnp3: [6],
  enip: [6, 17],
  quic: [17],
  pgsql: [6],
  telnet: [6],
  ldap: [6, 17],
  "http-proxy": [6],
  irc: [6],
  bittorrent: [6, 17],
  "bittorrent-dht": [17],
  websocket: [6],
  doh2: [6],
  mdns: [17],
  llmnr: [17],
};

/** What compiling one rule gave. */
export type CompileResult =
  | { ok: true; sig: Signature }
  | { ok: false; diagnostic: RuleDiagnostic; reason: string };

/** Lookups the compiler needs from the configuration. */
export interface CompileEnvironment {
  /** Resolves address specs with the configured address groups. */
  addresses: AddressResolver;
  /** Resolves port specs with the configured port groups. */
  ports: PortResolver;
  /** classtype short name -> { description, priority }. */
  classifications: ReadonlyMap<string, { description: string; priority: number }>;
  /** Record which option made each check (`Signature.origins`), to explain misses. */
  traceOrigins?: boolean;
}

/**
 * Compile one parsed rule.
 *
 * @param rule the parsed rule
 * @param env address/port resolvers and classifications
 * @returns the signature, or a diagnostic and a short reason for grouping in summaries
 */
export function compileRule(rule: ParsedRule, env: CompileEnvironment): CompileResult {
  const sig = new Signature(rule);
  if (rule.action === "config") {
    return fail(rule, -1, "unsupported action config", "unsupported action config");
  }
  const protoError = applyProtocol(sig, rule.protocol);
  if (protoError) return fail(rule, -1, protoError, protoError);

  const src = env.addresses.resolve(rule.source);
  if ("error" in src) return { ok: false, diagnostic: src.error, reason: "invalid address" };
  sig.src = src.set;
  const dst = env.addresses.resolve(rule.destination);
  if ("error" in dst) return { ok: false, diagnostic: dst.error, reason: "invalid address" };
  sig.dst = dst.set;
  const srcPorts = env.ports.resolve(rule.sourcePorts);
  if ("error" in srcPorts) return { ok: false, diagnostic: srcPorts.error, reason: "invalid port" };
  const dstPorts = env.ports.resolve(rule.destinationPorts);
  if ("error" in dstPorts) return { ok: false, diagnostic: dstPorts.error, reason: "invalid port" };
  sig.srcPorts = srcPorts.set;
  sig.dstPorts = dstPorts.set;
  sig.bidirectional = rule.direction === "<>";
  const transactional = rule.direction === "=>";
  sig.srcAny = ipSetIsAny(sig.src);
  sig.dstAny = ipSetIsAny(sig.dst);
  sig.srcPortsAny = portSetIsAny(sig.srcPorts);
  sig.dstPortsAny = portSetIsAny(sig.dstPorts);

  const builder = new SignatureBuilder(sig);
  const origins = env.traceOrigins
    ? { steps: new Map<unknown, RuleOption>(), conditions: [] as (RuleOption | null)[] }
    : null;
  // Suricata evaluates `requires` before any other keyword: a rule for a
  // newer engine is skipped for that reason, not for a keyword it uses.
  const options = rule.options.some((o) => o.name === "requires")
    ? [
      ...rule.options.filter((o) => o.name === "requires"),
      ...rule.options.filter((o) => o.name !== "requires"),
    ]
    : rule.options;
  for (const option of options) {
    const keyword = lookupKeyword(option.name);
    if (!keyword) {
      return failAt(option.location, `unsupported keyword ${option.name}`, option.name, true);
    }
    if (keyword.value === "required" && option.value === null) {
      return failAt(option.location, `${option.name} needs a value`, option.name, false);
    }
    if (keyword.value === "none" && option.value !== null) {
      return failAt(option.location, `${option.name} takes no value`, option.name, false);
    }
    builder.option = option;
    const stepBefore = builder.lastStep;
    const conditionsBefore = sig.conditions.length;
    try {
      keyword.setup(builder, option.value);
      if (origins !== null) {
        if (builder.lastStep !== stepBefore) origins.steps.set(builder.lastStep, option);
        for (let k = conditionsBefore; k < sig.conditions.length; k++) {
          origins.conditions[k] = option;
        }
      }
    } catch (error) {
      if (!(error instanceof KeywordError)) throw error;
      const at = error.valueOffset >= 0 && option.valueOffset >= 0
        ? locateInRule(rule, option.valueOffset + error.valueOffset)
        : option.location;
      const reason = error.unsupported
        ? `unsupported ${error.keyword}: ${error.message}`
        : `invalid ${error.keyword}`;
      return {
        ok: false,
        diagnostic: diagnosticAt(at, `${error.keyword}: ${error.message}`, error.keyword),
        reason,
      };
    }
  }
  builder.option = null;
  if (transactional) {
    // reached only when `requires` did not already skip the rule
    return fail(rule, -1, `direction "=>" needs Suricata 8`, "unsupported direction =>");
  }
  try {
    for (const finalize of signatureFinalizers()) finalize(builder);
  } catch (error) {
    if (!(error instanceof KeywordError)) throw error;
    return fail(rule, -1, `${error.keyword}: ${error.message}`, `invalid ${error.keyword}`);
  }

  if (origins !== null) {
    sig.origins = {
      conditions: sig.conditions.map((_, k) => origins.conditions[k] ?? null),
      buffers: sig.buffers.map((b) =>
        (builder.steps.get(b.bufferId) ?? []).map((step) => origins.steps.get(step) ?? null)
      ),
    };
  }
  if (sig.classtype !== null) {
    const klass = env.classifications.get(sig.classtype);
    // Suricata (without strict mode) loads a rule whose classtype is unknown,
    // with the default priority and an empty category.
    if (klass && !sig.priorityExplicit) sig.priority = klass.priority;
  }
  for (const inspection of sig.buffers) {
    const info = bufferById(inspection.bufferId);
    if (!bufferAvailable(inspection.bufferId) && !sig.waitingFor.includes(info.name)) {
      sig.waitingFor.push(info.name);
    }
  }
  if (
    sig.appProto !== null && !appProtocolParsed(sig.appProto) &&
    !sig.waitingFor.includes(`app-layer:${sig.appProto}`)
  ) {
    sig.waitingFor.push(`app-layer:${sig.appProto}`);
  }
  return { ok: true, sig };
}

function applyProtocol(sig: Signature, protocol: string): string | null {
  switch (protocol) {
    case "ipv4":
      sig.ipVersion = 4;
      sig.ipProto = -1;
      return null;
    case "ipv6":
      sig.ipVersion = 6;
      sig.ipProto = -1;
      return null;
    case "ip":
    case "pkthdr":
      sig.ipProto = -1;
      return null;
    case "tcp":
      sig.ipProto = IpProto.TCP;
      return null;
    case "tcp-pkt":
      sig.ipProto = IpProto.TCP;
      sig.streamMode = StreamMode.PACKET;
      return null;
    case "tcp-stream":
      sig.ipProto = IpProto.TCP;
      sig.streamMode = StreamMode.STREAM;
      return null;
    case "udp":
      sig.ipProto = IpProto.UDP;
      return null;
    case "icmp":
      sig.ipProto = IpProto.ICMP;
      sig.ipProtoAlt = IpProto.ICMPV6;
      return null;
    case "icmpv4":
      sig.ipProto = IpProto.ICMP;
      return null;
    case "icmpv6":
      sig.ipProto = IpProto.ICMPV6;
      return null;
    case "sctp":
      sig.ipProto = IpProto.SCTP;
      return null;
  }
  const transports = APP_PROTOCOLS[protocol];
  if (!transports) return `unknown protocol ${protocol}`;
  sig.ipProto = transports[0];
  sig.ipProtoAlt = transports.length > 1 ? transports[1] : -1;
  sig.appProto = protocol === "http1" ? "http" : protocol;
  return null;
}

function fail(rule: ParsedRule, _offset: number, message: string, reason: string): CompileResult {
  return { ok: false, diagnostic: diagnosticAt(rule.location, message), reason };
}

function failAt(
  at: ParsedRule["location"],
  message: string,
  keyword: string,
  unsupported: boolean,
): CompileResult {
  return {
    ok: false,
    diagnostic: diagnosticAt(at, message, keyword),
    reason: unsupported ? `unsupported keyword ${keyword}` : `invalid ${keyword}`,
  };
}
