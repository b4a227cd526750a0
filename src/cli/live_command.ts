/**
 * `tarsier ids` and `tarsier ips`: live capture from AF_PACKET rings through
 * the same stages as `scan` (decode, flows, app layer, detection, EVE JSON
 * and fast.log).
 *
 * ```sh
 * tarsier ids --iface eth0 --rules local.rules --log-dir out/
 * tarsier ips --bridge eth0:eth1 --rules local.rules --log-dir out/ [--fail closed]
 * tarsier ips --bridge eth0:eth1 --rules local.rules --workers 2
 * ```
 *
 * `ids` inspects a copy of the traffic and never touches it: drop rules only
 * alert (`"allowed"`, fast.log `[wDrop]`). `ips` joins two interfaces: what
 * arrives on one leaves by the other unless a drop or reject rule matches
 * (`"blocked"`); a reject also answers with a TCP RST or ICMP unreachable; a
 * pass rule stops inspection of its flow.
 *
 * SIGINT/SIGTERM stop the capture: the rings are unmapped, the sockets closed
 * (which ends promiscuous mode), a last stats record written and eve.json
 * and fast.log flushed; exit code 0. Errors users can cause (no such
 * interface, interface down, no privileges) are one line and exit code 2.
 *
 * `--workers N` (N >= 2) runs N Deno Workers that share the traffic by flow
 * hash, one ring per interface each (`live_workers.ts`); the default, 1,
 * runs the loop on the main thread. In ips, two send threads beside each
 * loop, one per direction, forward the frames (`--no-send-thread`: the
 * loop sends them itself).
 *
 * @module
 */

import { type AfPacketOptions, AfPacketRing } from "../capture/afpacket.ts";
import { type LiveResult, runLive } from "../engine/live_capture.ts";
import { installFlushOnSignals } from "../output/eve_writer.ts";
import { statsRecord } from "../output/stats_record.ts";
import { InlineBridge } from "../verdict/inline_bridge.ts";
import { SendThread } from "../verdict/send_thread.ts";
import { buildDetection, type DetectionOptions, loadDetection } from "./scan_command.ts";
import { warmUp } from "./_live_warm_up.ts";
import { latencyFacts, liveStatsFacts, packetErrorLine, printLiveSummary } from "./_live_stats.ts";
import { UsageError } from "./usage_error.ts";
import { runLiveWorkers } from "./live_workers.ts";
import { parseMpmChoice } from "../mpm/matcher_choice.ts";

/** The most capture workers: the kernel's limit on a fanout group's members. */
const MAX_WORKERS = 256;

/** Options of `tarsier ids` / `tarsier ips`. */
export interface LiveCommandOptions extends DetectionOptions {
  /** Passive (ids) or inline (ips). */
  mode: "ids" | "ips";
  /** The interfaces: one for ids, the two bridged for ips. */
  interfaces: string[];
  /** On overload or an internal error: forward uninspected (open) or drop (closed). */
  failMode: "open" | "closed";
  /** Ring slots per interface. */
  ringFrames: number;
  /** Bytes per ring slot (0: from the MTU). */
  frameSize: number;
  /** Seconds between EVE stats records. */
  statsInterval: number;
  /**
   * Send without the qdisc layer (PACKET_QDISC_BYPASS): forwarded frames skip
   * tc, and packet taps on the interfaces (tcpdump) do not see them.
   */
  qdiscBypass: boolean;
  /** Summary at the end: text on stderr or JSON on stdout. */
  summary: "text" | "json";
  /** Capture workers (1: the loop runs on the main thread; N: see `live_workers.ts`). */
  workers: number;
  /**
   * ips: forward from send threads (one per direction) beside each capture loop
   * (`src/verdict/send_thread.ts`); the default.
   */
  sendThread: boolean;
  /**
   * Run synthesised traffic through a throwaway stage before capture starts,
   * so that the first packets run compiled code (`src/engine/jit_warm_up.ts`).
   */
  warmUp: boolean;
  /**
   * After a frame, keep looking at the rings for this long (ms) instead of
   * sleeping in poll(2), unless the traffic is load (`busyPollMs` of
   * `runLive`, which says why). 0 turns it off.
   */
  busyPollMs: number;
}

/**
 * Capture until SIGINT/SIGTERM.
 *
 * @param options parsed options
 * @returns the exit code (0 after a signal)
 */
export async function runLiveCommand(options: LiveCommandOptions): Promise<number> {
  if (options.workers > 1) return await runLiveWorkers(options);
  const loaded = loadDetection(options, { live: true });
  const warm = await warmUp(options, loaded);
  const ringOptions: AfPacketOptions = {
    frameCount: options.ringFrames,
    ignoreOutgoing: options.mode === "ips",
    qdiscBypass: options.qdiscBypass,
  };
  if (options.frameSize > 0) ringOptions.frameSize = options.frameSize;
  const rings: AfPacketRing[] = [];
  try {
    for (const name of options.interfaces) rings.push(AfPacketRing.open(name, ringOptions));
  } catch (error) {
    for (const ring of rings) ring.close();
    throw error;
  }
  const ips = options.mode === "ips";
  const pipeline = buildDetection(options, loaded, { flowVerdicts: true, inlineStream: ips });
  const { stage, flowStage, eve, fast, packet } = pipeline;
  let bridge: InlineBridge | null = null;
  if (ips) {
    try {
      const threads = options.sendThread ? await SendThread.forBridge(rings) : null;
      bridge = new InlineBridge(rings[0], rings[1], threads);
    } catch (error) {
      for (const ring of rings) ring.close();
      throw error;
    }
  }
  const writers = [eve, fast].filter((w) => w !== null);
  // the first signal stops the loop, which then writes the last stats record and
  // closes the writers; a second one (a stuck loop) closes them and exits at once
  const uninstall = installFlushOnSignals(writers, { signals: [], exit: false });
  const abort = new AbortController();
  const onSignal = () => {
    if (!abort.signal.aborted) return abort.abort();
    for (const w of writers) w.close();
    Deno.exit(130);
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  const rules = loaded.ruleset ? `${loaded.ruleset.report.loaded} rules` : "no rules";
  const what = ips ? `bridging ${options.interfaces.join(" <-> ")}` : `on ${options.interfaces[0]}`;
  console.error(
    `tarsier: ${options.mode} ${what}, ${rules}, ring ${rings[0].frameCount} x ` +
      `${rings[0].frameSize} B, fail ${options.failMode}${warm}; SIGINT/SIGTERM stops`,
  );
  const factsOf = (result: LiveResult) => liveStatsFacts(flowStage, stage, result, bridge);
  let result: LiveResult;
  try {
    result = await runLive({
      rings,
      bridge,
      stage,
      packet,
      signal: abort.signal,
      failOpen: options.failMode === "open",
      busyPollMs: options.busyPollMs,
      tickIntervalMs: options.statsInterval * 1000,
      onTick: (r) => {
        if (pipeline.writeStats && eve !== null) eve.writeRecord(statsRecord(r.stats, factsOf(r)));
        stage?.flush();
      },
      onError: (error, count) => {
        const message = error instanceof Error ? error.message : String(error);
        const line = packetErrorLine(count, options.failMode, message);
        if (line !== null) console.error(line);
      },
    });
    // flows end (their records, Suricata's "shutdown") while the ring memory is still mapped
    stage?.finish();
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
    // a send thread still sending from a ring must not see it unmapped
    const release = bridge === null || await bridge.close();
    for (const ring of rings) ring.close(release);
    // its reason arrives as a message: only now (the loop above stopped on its flag)
    if (bridge?.failure) console.error(`tarsier: send thread: ${bridge.failure}`);
  }
  // close() read the kernel counters one last time
  result.kernel.packets = 0;
  result.kernel.drops = 0;
  for (const ring of rings) {
    const k = ring.stats();
    result.kernel.packets += k.packets;
    result.kernel.drops += k.drops;
  }
  if (pipeline.writeStats && eve !== null) {
    eve.writeRecord(statsRecord(result.stats, factsOf(result)));
  }
  stage?.flush();
  for (const w of writers) w.close();
  uninstall();
  const summary = {
    mode: options.mode,
    interfaces: options.interfaces,
    packets: result.stats.packets,
    bytes: result.stats.wireBytes,
    kernel_packets: result.kernel.packets,
    kernel_drops: result.kernel.drops,
    alerts: stage?.alertCount ?? 0,
    internal_errors: result.internalErrors,
    bypassed: result.bypassed,
    busy_poll_windows: result.busyPollWindows,
    elapsed_s: Math.round(result.elapsedMs) / 1000,
    ...latencyFacts(result.ringWait, result.batchTime),
  };
  printLiveSummary(options.mode, options.summary, summary, bridge?.counters ?? null);
  return 0;
}

/** Raw option values as commander gives them. */
export interface RawLiveOptions {
  iface?: string;
  i?: string;
  bridge?: string;
  rules?: string[];
  S?: string[];
  s?: string[];
  logDir?: string;
  l?: string;
  c?: string;
  set?: string[];
  fail?: string;
  ringFrames?: string;
  frameSize?: string;
  qdiscBypass?: boolean;
  statsInterval?: string;
  workers?: string;
  sendThread?: boolean;
  warmUp?: boolean;
  busyPoll?: string;
  summary?: string;
  initErrorsFatal?: boolean;
  verbose?: boolean;
  mpm?: string;
  mpmCache?: boolean;
  mpmCacheDir?: string;
}

/**
 * Check and normalise the raw options of `tarsier ids` / `tarsier ips`.
 *
 * @param mode which command
 * @param raw commander's option values
 * @returns the options
 * @throws {UsageError} on a missing interface or a bad value
 */
export function parseLiveOptions(mode: "ids" | "ips", raw: RawLiveOptions): LiveCommandOptions {
  let interfaces: string[];
  if (mode === "ids") {
    const iface = raw.iface ?? raw.i;
    if (!iface) throw new UsageError("ids: no interface given (--iface NAME)");
    interfaces = [iface];
  } else {
    const parts = (raw.bridge ?? "").split(":");
    if (parts.length !== 2 || !parts[0] || !parts[1] || parts[0] === parts[1]) {
      throw new UsageError("ips: --bridge needs two different interfaces, e.g. eth0:eth1");
    }
    interfaces = parts;
  }
  const failMode = raw.fail ?? "open";
  if (failMode !== "open" && failMode !== "closed") {
    throw new UsageError(`${mode}: --fail must be open or closed, not "${failMode}"`);
  }
  const summary = raw.summary ?? "text";
  if (summary !== "text" && summary !== "json") {
    throw new UsageError(`${mode}: --summary must be text or json, not "${summary}"`);
  }
  const workers = positiveInt(mode, "--workers", raw.workers ?? "1");
  if (workers > MAX_WORKERS) {
    throw new UsageError(
      `${mode}: --workers ${workers}: at most ${MAX_WORKERS} (a fanout group's members)`,
    );
  }
  let mpm = null;
  if (raw.mpm !== undefined) {
    mpm = parseMpmChoice(raw.mpm);
    if (mpm === null) {
      throw new UsageError(`${mode}: --mpm must be auto, hs or ac, not "${raw.mpm}"`);
    }
  }
  return {
    mode,
    interfaces,
    failMode,
    ringFrames: positiveInt(mode, "--ring-frames", raw.ringFrames ?? "4096"),
    frameSize: raw.frameSize === undefined ? 0 : positiveInt(mode, "--frame-size", raw.frameSize),
    statsInterval: positiveInt(mode, "--stats-interval", raw.statsInterval ?? "8"),
    qdiscBypass: raw.qdiscBypass ?? false,
    summary,
    workers,
    sendThread: mode === "ips" && (raw.sendThread ?? true),
    warmUp: raw.warmUp ?? true,
    busyPollMs: raw.busyPoll === undefined
      ? defaultBusyPollMs(mode, workers, navigator.hardwareConcurrency)
      : busyPollMs(mode, raw.busyPoll),
    rules: [...(raw.rules ?? []), ...(raw.s ?? [])],
    exclusiveRules: raw.S ?? [],
    logDir: raw.logDir ?? raw.l ?? null,
    config: raw.c ?? null,
    sets: [...(raw.set ?? [])],
    ips: mode === "ips",
    initErrorsFatal: raw.initErrorsFatal ?? false,
    verbose: raw.verbose ?? false,
    mpm,
    mpmCacheDir: raw.mpmCache === false ? false : raw.mpmCacheDir ?? null,
    notes: [],
  };
}

/**
 * How long `ips` busy-polls after a frame by default, ms: long enough to
 * span the gaps of a link with at least 50 frames a second (an echo every
 * 10 ms among them), so that such a link's frames find the thread awake
 * (up to the load of `runLive`'s rate gate).
 */
export const IPS_BUSY_POLL_MS = 20;

/**
 * The default of `--busy-poll`: {@link IPS_BUSY_POLL_MS} for `ips` when the
 * machine has a CPU beyond the workers' (each busy-polling worker holds one
 * while frames come, and the kernel, the send threads and the hosts' own
 * programs need the rest), else 0; `ids` (passive: nothing waits for it) 0.
 *
 * @param mode which command
 * @param workers capture workers
 * @param cpus CPUs of the machine
 * @returns milliseconds
 */
export function defaultBusyPollMs(mode: "ids" | "ips", workers: number, cpus: number): number {
  return mode === "ips" && cpus > workers ? IPS_BUSY_POLL_MS : 0;
}

/** The longest `--busy-poll`, ms (a minute: longer is spinning for good). */
export const MAX_BUSY_POLL_MS = 60_000;

function busyPollMs(mode: string, text: string): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n > MAX_BUSY_POLL_MS) {
    throw new UsageError(
      `${mode}: --busy-poll must be whole milliseconds from 0 to ${MAX_BUSY_POLL_MS}, not "${text}"`,
    );
  }
  return n;
}

function positiveInt(mode: string, flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`${mode}: ${flag} must be a positive integer, not "${text}"`);
  }
  return n;
}
