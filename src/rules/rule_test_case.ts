/**
 * The test cases a YAML rule carries (`tests:`): what traffic to run and how
 * many alerts of the rule to expect. Traffic is a capture file or a short
 * description that the engine synthesises into real packets (an HTTP
 * request, a DNS query, a TLS ClientHello with an SNI, a raw TCP or UDP
 * payload, an ICMP message). This module only checks the shapes; it never
 * builds packets.
 *
 * @module
 */

import type { SourceLocation } from "./diagnostic.ts";

/** Endpoints of synthesised traffic; every field has a default. */
export interface TrafficEndpoints {
  /** Client address, IPv4 or IPv6 (default 203.0.113.5, outside the default HOME_NET). */
  src?: string;
  /** Server address, of the client's version (default 10.0.0.5, inside the default HOME_NET). */
  dst?: string;
  /** Client port (default 40000). */
  sport?: number;
  /** Server port (default by kind: http 80, dns 53, tls 443, tcp 80, udp 53). */
  dport?: number;
}

/** An HTTP/1.1 request over a full TCP session (and an optional response). */
export interface HttpTraffic extends TrafficEndpoints {
  /** Kind tag. */
  kind: "http";
  /** Request method (default GET). */
  method?: string;
  /** Request target (default /). */
  uri?: string;
  /** Version text (default HTTP/1.1). */
  version?: string;
  /** Host header (default the server address). */
  host?: string;
  /** Extra request headers in order. */
  headers?: [string, string][];
  /** Request body (a Content-Length header is added). */
  body?: string;
  /** The server's answer, if any. */
  response?: { status?: number; headers?: [string, string][]; body?: string };
}

/** A DNS query (over UDP). */
export interface DnsTraffic extends TrafficEndpoints {
  /** Kind tag. */
  kind: "dns";
  /** The name asked for, e.g. `example.duckdns.org`. */
  query: string;
  /** Record type name or number (default A). */
  type?: string | number;
}

/** A TLS ClientHello carrying a server name, over a full TCP session. */
export interface TlsTraffic extends TrafficEndpoints {
  /** Kind tag. */
  kind: "tls";
  /** The server_name extension's host name. */
  sni: string;
}

/** Raw TCP (full session) or UDP payloads. */
export interface RawTraffic extends TrafficEndpoints {
  /** Kind tag. */
  kind: "tcp" | "udp";
  /** Client-to-server bytes, in content syntax (`text|0d 0a|`). */
  payload: string;
  /** Server-to-client bytes, in content syntax. */
  reply?: string;
  /** How a TCP session ends: `fin` (default) or `rst` (the server resets it). */
  close?: "fin" | "rst";
}

/** One ICMPv4 message. */
export interface IcmpTraffic extends TrafficEndpoints {
  /** Kind tag. */
  kind: "icmp";
  /** ICMP type (default 8, echo request; over IPv6, ICMPv6 and 128, echo request). */
  type?: number;
  /** ICMP code (default 0). */
  code?: number;
  /** Data after the header, in content syntax. */
  payload?: string;
  /** Data length when there is no payload (filled with `A`; default 32). */
  size?: number;
}

/** A capture file, relative to the YAML file that names it. */
export interface PcapTraffic {
  /** Kind tag. */
  kind: "pcap";
  /** The path as written. */
  path: string;
}

/** What a test case runs. */
export type TestTraffic =
  | HttpTraffic
  | DnsTraffic
  | TlsTraffic
  | RawTraffic
  | IcmpTraffic
  | PcapTraffic;

/** Traffic kinds in the order the format documents them. */
export const TRAFFIC_KINDS: readonly TestTraffic["kind"][] = Object.freeze([
  "pcap",
  "http",
  "dns",
  "tls",
  "tcp",
  "udp",
  "icmp",
]);

/** One test case of a rule. */
export interface RuleTestCase {
  /** A name for reports (default: the kind and a short summary). */
  name: string;
  /** The traffic. */
  traffic: TestTraffic;
  /** How many alerts of the rule's sid the traffic must raise. */
  alerts: number;
  /** Where the test case is written. */
  location: SourceLocation;
}

/** The keys each traffic kind accepts, with their JSON types. */
export const TRAFFIC_FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  pcap: {},
  http: {
    method: "string",
    uri: "string",
    version: "string",
    host: "string",
    headers: "headers",
    body: "string",
    response: "response",
  },
  dns: { query: "string", type: "string|number" },
  tls: { sni: "string" },
  tcp: { payload: "string", reply: "string", close: "close" },
  udp: { payload: "string", reply: "string" },
  icmp: { type: "number", code: "number", payload: "string", size: "size" },
};

/** Endpoint keys every synthesised kind accepts. */
export const ENDPOINT_FIELDS: Readonly<Record<string, string>> = {
  src: "string",
  dst: "string",
  sport: "port",
  dport: "port",
};

/** Keys a kind must have. */
export const REQUIRED_TRAFFIC_FIELDS: Readonly<Record<string, readonly string[]>> = {
  dns: ["query"],
  tls: ["sni"],
  tcp: ["payload"],
  udp: ["payload"],
};

/**
 * A short label for a test case, for reports.
 *
 * @param t the traffic
 * @returns e.g. `http GET /index.html`, `dns evil.example`, `pcap tests/x.pcap`
 */
export function describeTraffic(t: TestTraffic): string {
  switch (t.kind) {
    case "pcap":
      return `pcap ${t.path}`;
    case "http":
      return `http ${t.method ?? "GET"} ${t.uri ?? "/"}`;
    case "dns":
      return `dns ${t.query}`;
    case "tls":
      return `tls sni ${t.sni}`;
    case "tcp":
    case "udp":
      return `${t.kind} ${JSON.stringify(shorten(t.payload))}`;
    case "icmp":
      return `icmp type ${t.type ?? 8} code ${t.code ?? 0}`;
  }
}

function shorten(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + "..." : s;
}
