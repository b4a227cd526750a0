/**
 * JIT warm-up for the live path: before the rings open, synthesised
 * conversations (HTTP with a response, DNS, TLS, raw TCP and UDP, ICMP echo
 * both ways; over IPv6 HTTP, DNS, echo and neighbour discovery; an ARP
 * exchange) run through a throwaway flow table and detection stage over
 * the loaded rules, so that V8 has compiled the decoders, flow tracking,
 * reassembly, app-layer parsers and rule verification before the first real
 * packet. Without it the first packets of a bridge run unoptimised code:
 * with ET Open one ICMP echo took ~180 us in the loop right after start.
 *
 * Nothing of it is kept or written: its flows, host bits and alerts live in
 * the throwaway stage (no EVE, no fast.log); the rules' threshold gate is
 * the stage's own for the duration, and the engine's counters are put back. The traffic runs between
 * 203.0.113.0/24 (TEST-NET-3) and 10.0.0.5, and between 2001:db8::5 and
 * 2001:db8:1::80, with a 2024 clock. The live command gives the throwaway
 * flow stage the live one's options (parsers, fingerprints, reassembly), so
 * that the code paths compiled are the ones live traffic takes.
 *
 * @module
 */

import { openCaptureBytes } from "../capture/capture_file.ts";
import { Packet } from "../decode/packet.ts";
import type { DetectEngine } from "../detect/engine.ts";
import { ThresholdGate } from "../detect/threshold.ts";
import { flowTableOptions, reassemblyOptions } from "../flow/flow_config.ts";
import { flowbitCount } from "../flow/flowbits.ts";
import { FlowStage, type FlowStageOptions } from "../flow/flow_tracker.ts";
import type { SuricataConfig } from "../rules/config.ts";
import type { TestTraffic } from "../rules/rule_test_case.ts";
import { DetectStage } from "./detect_stage.ts";
import { scanFrames } from "./offline_scan.ts";
import { arpExchange, concat, synthesizeTraffic } from "./traffic_synth.ts";

/** What a warm-up did. */
export interface WarmUpReport {
  /** Packets run through the throwaway stage. */
  packets: number;
  /** Alerts the throwaway stage raised (written nowhere). */
  alerts: number;
  /** Wall time, ms. */
  elapsedMs: number;
}

/** Options of {@link warmUpDetection}. */
export interface WarmUpOptions {
  /** Rounds of the conversation set, each on new client ports. Default 100. */
  rounds?: number;
  /** Whether the live stage is inline (IPS): the throwaway one is made alike. */
  ips?: boolean;
  /**
   * The live flow stage's options (parsers, fingerprints, reassembly), so
   * that the throwaway stage runs the same code paths; the capacity is the
   * warm-up's own. Default: suricata.yaml's flow and reassembly settings.
   */
  flowOptions?: FlowStageOptions;
}

/** Flows the throwaway table holds (a round's conversations, many times over). */
const FLOW_CAPACITY = 4096;

/** Seconds between conversations on the synthesised clock (each lasts less). */
const CONVERSATION_SECONDS = 0.05;
/** Client ports a round's conversations take (`port` to `port + 8`): rounds do not share one. */
const PORTS_PER_ROUND = 9;
/** The warm-up's IPv6 client and server (documentation prefix). */
const CLIENT6 = "2001:db8::5";
const SERVER6 = "2001:db8:1::80";

/**
 * Run the synthesised traffic through a throwaway stage over `engine`.
 *
 * @param engine the loaded rules' engine (its gate and counters are restored afterwards)
 * @param config the configuration the live stage uses (flow and stream settings)
 * @param options rounds, inline or not
 * @returns packets run and the time taken
 */
export async function warmUpDetection(
  engine: DetectEngine,
  config: SuricataConfig,
  options: WarmUpOptions = {},
): Promise<WarmUpReport> {
  const started = performance.now();
  const ips = options.ips ?? false;
  const image = warmUpCapture(options.rounds ?? 100);
  const packet = new Packet();
  const flowOptions = options.flowOptions ?? {
    ...flowTableOptions(config),
    reassembly: reassemblyOptions(config, () => {}, ips),
  };
  const flows = new FlowStage({ ...flowOptions, capacity: FLOW_CAPACITY }, flowbitCount());
  const stage = new DetectStage(engine, packet, {
    flows,
    eve: null,
    fast: null,
    ips,
    flowVerdicts: true,
  });
  const gate = engine.gate;
  const counters = { ...engine.counters };
  engine.gate = new ThresholdGate();
  try {
    const scan = await scanFrames(openCaptureBytes(image, "warm-up"), { packet, stage });
    stage.finish();
    return {
      packets: scan.stats.packets,
      alerts: stage.alertCount,
      elapsedMs: performance.now() - started,
    };
  } finally {
    engine.gate = gate;
    Object.assign(engine.counters, counters);
  }
}

/**
 * Run the synthesised traffic through the decoders alone: what a live run
 * without rules does with each frame (it has no flow or detection stage).
 * Without it the first pings through a rule-less bridge ran the decoders
 * unoptimised.
 *
 * @param rounds rounds of the conversation set (default 100)
 * @returns packets decoded and the time taken (no alerts: there are no rules)
 */
export async function warmUpDecoding(rounds = 100): Promise<WarmUpReport> {
  const started = performance.now();
  const scan = await scanFrames(openCaptureBytes(warmUpCapture(rounds), "warm-up"), {
    packet: new Packet(),
  });
  return { packets: scan.stats.packets, alerts: 0, elapsedMs: performance.now() - started };
}

/** Traffic that {@link synthesizeTraffic} makes (all but a capture file). */
type SynthesisedTraffic = Exclude<TestTraffic, { kind: "pcap" }>;

/** One round's conversations, on client ports from `port`. */
function conversations(port: number): SynthesisedTraffic[] {
  return [
    {
      kind: "http",
      sport: port,
      method: "GET",
      uri: `/index.html?q=${port}`,
      headers: [["User-Agent", "curl/8.5.0"], ["Accept", "*/*"]],
      response: {
        status: 200,
        headers: [["Content-Type", "text/html"], ["Server", "nginx"]],
        body: "<html><body>warm</body></html>",
      },
    },
    {
      kind: "http",
      sport: port + 1,
      method: "POST",
      uri: "/api/v1/items",
      headers: [["Content-Type", "application/json"]],
      body: '{"id":1}',
      response: { status: 404 },
    },
    { kind: "dns", sport: port + 2, query: `host${port}.example.com` },
    { kind: "tls", sport: port + 3, sni: "www.example.org" },
    {
      kind: "tcp",
      sport: port + 4,
      dport: 22,
      payload: "SSH-2.0-OpenSSH_9.6|0d 0a|",
      reply: "SSH-2.0-OpenSSH_9.2|0d 0a|",
    },
    { kind: "udp", sport: port + 5, dport: 123, payload: "|e3 00 06 ec|", reply: "|24 02 06 ec|" },
    { kind: "icmp", sport: port + 6, type: 8, size: 56 },
    { kind: "icmp", src: "10.0.0.5", dst: "203.0.113.5", type: 0, size: 56 },
    // IPv6 (a bridge carries neighbour discovery from the start): the decoder's
    // and the flow table's IPv6 paths, which a first IPv6 packet would otherwise
    // run unoptimised (a 1-3 ms pause measured on a live bridge)
    {
      kind: "http",
      src: CLIENT6,
      dst: SERVER6,
      sport: port + 7,
      method: "POST",
      uri: "/v6",
      body: "x=1",
      response: { status: 204 },
    },
    { kind: "dns", src: CLIENT6, dst: SERVER6, sport: port + 8, query: `host${port}.example.net` },
    { kind: "icmp", src: CLIENT6, dst: SERVER6, type: 128, size: 56 },
    { kind: "icmp", src: SERVER6, dst: CLIENT6, type: 129, size: 56 },
    { kind: "icmp", src: CLIENT6, dst: "ff02::1:ff00:80", type: 135, size: 24 },
    { kind: "icmp", src: SERVER6, dst: CLIENT6, type: 136, size: 24 },
  ];
}

/** The warm-up traffic: `rounds` rounds of {@link conversations}, as one pcap image. */
function warmUpCapture(rounds: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let base = 0;
  for (let r = 0; r < rounds; r++) {
    const images = conversations(20000 + r * PORTS_PER_ROUND).map(synthesizeTraffic);
    // a bridge's first frame is often ARP: frames without an IP layer, too
    images.push(arpExchange("203.0.113.5", "10.0.0.5"));
    for (const image of images) {
      base += CONVERSATION_SECONDS;
      // records after the 24-byte file header, their clock moved on by the round
      const records = image.subarray(parts.length === 0 ? 0 : 24);
      const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
      for (let at = parts.length === 0 ? 24 : 0; at + 16 <= records.length;) {
        const usec = view.getUint32(at + 4, true) + Math.round(base * 1e6);
        view.setUint32(at, view.getUint32(at, true) + Math.floor(usec / 1e6), true);
        view.setUint32(at + 4, usec % 1e6, true);
        at += 16 + view.getUint32(at + 8, true);
      }
      parts.push(records);
    }
  }
  return concat(...parts);
}
