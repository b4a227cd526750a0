/**
 * The entry module of one capture worker of `tarsier ids|ips --workers N`
 * (a Deno Worker; see `live_workers.ts` for the whole design). It owns
 * everything mutable on its packet path: its rings (one per interface,
 * handed over by the main thread), its `Packet`, flow table, detection
 * engine (loaded and compiled here; the Hyperscan cache makes the second
 * worker's load cheap), inline bridge and output buffers. It runs the same
 * synchronous loop as the single-threaded command (`runLive`).
 *
 * Sequence: `load` -> `loaded`; `start` -> capture, `counters` about every
 * second; `stop` -> end the flows (their records), flush and close
 * eve.json/fast.log, close the rings (which leaves promiscuous mode) ->
 * `stopped`. A load error or an exception outside a packet's inspection ->
 * `failed` (the main thread stops every worker and exits non-zero).
 *
 * @module
 */

import { AfPacketRing, LiveCaptureError } from "../capture/afpacket.ts";
import { CaptureFormatError } from "../capture/capture_file.ts";
import { runLive } from "../engine/live_capture.ts";
import type { LiveResult } from "../engine/live_capture.ts";
import { ConfigError } from "../rules/config.ts";
import { InlineBridge } from "../verdict/inline_bridge.ts";
import { SendThread } from "../verdict/send_thread.ts";
import { LibcError } from "../../ffi/libc.ts";
import { HyperscanError } from "../../ffi/hyperscan.ts";
import {
  type FromWorker,
  latencyCounts,
  type ToWorker,
  type WorkerCounters,
} from "./_live_worker_protocol.ts";
import type { LiveCommandOptions } from "./live_command.ts";
import { buildDetection, type DetectionPipeline, loadDetection } from "./scan_command.ts";
import { liveStatsFacts } from "./_live_stats.ts";
import { warmUp } from "./_live_warm_up.ts";
import { UsageError } from "./usage_error.ts";

/** The worker's global scope, typed for what is used here. */
const scope = globalThis as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  close(): void;
};

/** How often counters go to the main thread (and outputs are flushed), ms. */
const TICK_MS = 1000;

let options: LiveCommandOptions | null = null;
let pipeline: DetectionPipeline | null = null;
const abort = new AbortController();

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === "load") load(message.options, message.sharedLogs, message.quiet);
  else if (message.type === "start") start(message.rings.map((h) => AfPacketRing.adopt(h)));
  else if (message.type === "stop") abort.abort();
};

async function load(
  opts: LiveCommandOptions,
  sharedLogs: "truncate" | "append",
  quiet: boolean,
): Promise<void> {
  try {
    options = opts;
    const loaded = loadDetection(opts, { quiet, live: true });
    const warm = await warmUp(opts, loaded);
    pipeline = buildDetection(opts, loaded, {
      flowVerdicts: true,
      inlineStream: opts.mode === "ips",
      sharedLogs,
      quiet,
    });
    scope.postMessage({
      type: "loaded",
      rules: loaded.ruleset ? loaded.ruleset.report.loaded : null,
      eve: pipeline.eve !== null,
      writeStats: pipeline.writeStats,
      warm,
    });
  } catch (error) {
    fail(error);
  }
}

async function start(rings: AfPacketRing[]): Promise<void> {
  const opts = options!;
  const { stage, flowStage, packet, eve, fast } = pipeline!;
  let bridge: InlineBridge | null = null;
  if (opts.mode === "ips") {
    try {
      const threads = opts.sendThread ? await SendThread.forBridge(rings) : null;
      bridge = new InlineBridge(rings[0], rings[1], threads);
    } catch (error) {
      for (const ring of rings) ring.close();
      fail(error);
      return;
    }
  }
  const countersOf = (result: LiveResult): WorkerCounters => {
    const facts = liveStatsFacts(flowStage, stage, result, bridge);
    return {
      decode: result.stats,
      facts,
      bypassed: result.bypassed,
      internalErrors: result.internalErrors,
      bridge: bridge === null ? null : { ...bridge.counters },
      ringWait: latencyCounts(result.ringWait),
      batchTime: latencyCounts(result.batchTime),
    };
  };
  try {
    const result = await runLive({
      rings,
      bridge,
      stage,
      packet,
      signal: abort.signal,
      failOpen: opts.failMode === "open",
      busyPollMs: opts.busyPollMs,
      tickIntervalMs: TICK_MS,
      onTick: (r) => {
        scope.postMessage({ type: "counters", counters: countersOf(r) });
        stage?.flush();
      },
      onError: (error) => {
        scope.postMessage({
          type: "packet-error",
          message: error instanceof Error ? error.message : String(error),
        });
      },
    });
    // flows end (their records) while the ring memory is still mapped
    stage?.finish();
    stage?.flush();
    eve?.close();
    fast?.close();
    result.kernel.packets = 0;
    result.kernel.drops = 0;
    // a send thread still sending from a ring must not see it unmapped
    const release = bridge === null || await bridge.close();
    for (const ring of rings) {
      ring.close(release); // reads the kernel counters one last time
      const k = ring.stats();
      result.kernel.packets += k.packets;
      result.kernel.drops += k.drops;
    }
    scope.postMessage({ type: "stopped", counters: countersOf(result) });
  } catch (error) {
    const release = bridge === null || await bridge.close();
    for (const ring of rings) ring.close(release);
    eve?.close();
    fast?.close();
    // a send thread's reason arrives as a message: only now
    fail(bridge?.failure ? new Error(`send thread: ${bridge.failure}`) : error);
  }
}

function fail(error: unknown): void {
  const usage = error instanceof UsageError || error instanceof ConfigError ||
    error instanceof LiveCaptureError || error instanceof CaptureFormatError ||
    error instanceof LibcError || error instanceof HyperscanError ||
    error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied;
  const message = error instanceof Error ? error.message : String(error);
  scope.postMessage({ type: "failed", message, usage });
}
