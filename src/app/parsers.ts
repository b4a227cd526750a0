/**
 * The parsers of this build, by protocol and transport, and the protocols
 * rules may name because this build detects them (`alert smb ...` rules
 * with packet keywords only need the flow's protocol).
 *
 * @module
 */

import { registerAppParser, registerAppProtocol } from "../detect/buffers.ts";
import { provideFeature } from "../detect/keywords/requires.ts";
import type { AppParsers } from "./app_layer.ts";
import { APP_PROTO_NAMES, AppProto } from "./proto_detect.ts";
import type { AppParser } from "./transaction.ts";
import { DceRpcParser } from "./dcerpc_parser.ts";
import { DnsParser } from "./dns_parser.ts";
import { HttpParser, type HttpParserOptions } from "./http_parser.ts";
import { MqttParser } from "./mqtt_parser.ts";
import { SipParser } from "./sip_parser.ts";
import { SshParser } from "./ssh_parser.ts";
import { TlsParser } from "./tls_parser.ts";

for (const [id, name] of Object.entries(APP_PROTO_NAMES)) {
  if (Number(id) !== AppProto.FAILED) registerAppProtocol(name);
}

for (const name of ["dcerpc", "dns", "http", "ssh", "tls", "sip", "mqtt"]) registerAppParser(name);
// what the TLS parser computes, for `requires: feature ...` (Suricata's HAVE_JA3/HAVE_JA4)
for (const feature of ["ja3", "ja4"]) provideFeature(feature);

/** What the parsers compute beyond what they always do. */
export interface ParserOptions {
  /** Compute SSH HASSH (Suricata: when a rule uses it or `app-layer.protocols.ssh.hassh`). */
  sshHassh?: boolean;
  /** Compute JA3/JA3S (Suricata: `ja3-fingerprints`, auto when a rule uses them). */
  ja3?: boolean;
  /** Compute JA4 (Suricata: `ja4-fingerprints`, auto when a rule uses it). */
  ja4?: boolean;
  /** Content rules inspect encrypted TLS payload (Suricata's tls `encryption-handling: full`). */
  tlsInspectEncrypted?: boolean;
  /** HTTP parser limits (Suricata's `app-layer.protocols.http.libhtp.default-config`). */
  http?: HttpParserOptions;
}

/**
 * The parsers to use, fresh for one worker.
 *
 * @param options what to compute
 * @returns TCP and UDP parsers by {@link AppProto} number
 */
export function defaultParsers(options: ParserOptions = {}): AppParsers {
  const tcp = new Map<number, AppParser<unknown>>();
  const udp = new Map<number, AppParser<unknown>>();
  tcp.set(AppProto.HTTP, new HttpParser(options.http ?? {}) as AppParser<unknown>);
  tcp.set(AppProto.DNS, new DnsParser({ tcp: true }) as AppParser<unknown>);
  udp.set(AppProto.DNS, new DnsParser() as AppParser<unknown>);
  tcp.set(AppProto.DCERPC, new DceRpcParser() as AppParser<unknown>);
  tcp.set(AppProto.SSH, new SshParser({ hassh: options.sshHassh ?? false }) as AppParser<unknown>);
  tcp.set(
    AppProto.TLS,
    new TlsParser({
      ja3: options.ja3 ?? false,
      ja4: options.ja4 ?? false,
      inspectEncrypted: options.tlsInspectEncrypted ?? false,
    }) as AppParser<unknown>,
  );
  udp.set(AppProto.SIP, new SipParser() as AppParser<unknown>);
  tcp.set(AppProto.MQTT, new MqttParser() as AppParser<unknown>);
  return { tcp, udp };
}
