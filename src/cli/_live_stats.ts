/**
 * What the live commands report, shared by the one-worker path
 * (`live_command.ts`) and the workers (`live_worker.ts`, `live_workers.ts`):
 * the facts of a stats record, the rate limit of internal-error lines, and
 * the summary printed at the end.
 *
 * @module
 */

import type { LiveResult } from "../engine/live_capture.ts";
import type { LatencyHistogram } from "../engine/latency_histogram.ts";
import type { DetectStage } from "../engine/detect_stage.ts";
import type { FlowStage } from "../flow/flow_tracker.ts";
import { ipsCounters, type StatsFacts } from "../output/stats_record.ts";
import type { BridgeCounters, InlineBridge } from "../verdict/inline_bridge.ts";
import { strerror } from "../../ffi/libc.ts";
import { statsFactsOf } from "./scan_command.ts";

/**
 * The facts of a live stats record: the scan's, the kernel's capture
 * counters and, inline, the bridge's `ips` counters.
 *
 * @param flows the flow stage, or null
 * @param stage the detection stage, or null
 * @param result the live loop's counters
 * @param bridge the inline bridge (ips), or null (ids)
 * @returns the facts
 */
export function liveStatsFacts(
  flows: FlowStage | null,
  stage: DetectStage | null,
  result: LiveResult,
  bridge: InlineBridge | null,
): StatsFacts {
  const facts = statsFactsOf(flows, stage, result.elapsedMs);
  facts.capture = {
    kernel_packets: result.kernel.packets,
    kernel_drops: result.kernel.drops,
    errors: result.internalErrors,
    busy_poll_windows: result.busyPollWindows,
    ...latencyFacts(result.ringWait, result.batchTime),
  };
  if (bridge !== null) {
    const c = bridge.counters;
    facts.ips = ipsCounters({
      accepted: c.accepted,
      blocked: c.blocked,
      rejected: c.rejected,
      rulesDrops: stage?.rulesDrops ?? 0,
      flowDrops: stage?.flowDrops ?? 0,
    });
  }
  return facts;
}

/**
 * The live loop's per-batch latencies as stats and summary fields (Tarsier's
 * own; Suricata has no such counters): the ring wait's median, 99th
 * percentile and maximum, the batch time's 99th percentile and maximum, in
 * microseconds (quantiles as their power-of-two bucket's upper bound).
 *
 * @param ringWait how long each batch's first frame waited in the ring
 * @param batchTime how long each batch took
 * @returns the fields
 */
export function latencyFacts(
  ringWait: LatencyHistogram,
  batchTime: LatencyHistogram,
): Record<string, number> {
  const wait = ringWait.summary();
  const batch = batchTime.summary();
  return {
    ring_wait_p50_us: wait.p50Us,
    ring_wait_p99_us: wait.p99Us,
    ring_wait_max_us: wait.maxUs,
    batch_p99_us: batch.p99Us,
    batch_max_us: batch.maxUs,
  };
}

/**
 * The line for the `count`-th internal error on a packet, or null when it is
 * not reported: the first three, then the 4th, 8th, 16th, ...
 *
 * @param count errors so far
 * @param failMode the failure policy in force
 * @param message the error's message
 * @returns the line, or null
 */
export function packetErrorLine(count: number, failMode: string, message: string): string | null {
  if (count > 3 && (count & (count - 1)) !== 0) return null;
  return `tarsier: internal error on a packet (${count} so far, fail ${failMode}): ${message}`;
}

/** A summary value: a count, a name, or one per interface or worker. */
type SummaryValue = number | string | readonly (number | string)[];

/**
 * Print the summary of a live run: `fields`, then (ips) the bridge's
 * counters, as JSON on stdout or as aligned text on stderr; and a line
 * with the reason when frames could not be sent.
 *
 * @param mode `ids` or `ips`
 * @param format `json` (stdout) or `text` (stderr)
 * @param fields what the run counted, in the order printed
 * @param bridge the bridge's counters (summed over workers), or null (ids)
 */
export function printLiveSummary(
  mode: string,
  format: "text" | "json",
  fields: Record<string, SummaryValue>,
  bridge: BridgeCounters | null,
): void {
  const summary: Record<string, SummaryValue> = { ...fields };
  if (bridge !== null) {
    summary.accepted = bridge.accepted;
    summary.send_thread = bridge.threadSent;
    summary.blocked = bridge.blocked;
    summary.rejected = bridge.rejected;
    summary.truncated = bridge.truncated;
    summary.send_errors = bridge.sendErrors;
  }
  if (format === "json") console.log(JSON.stringify(summary));
  else {
    const lines = Object.entries(summary).map(([k, v]) =>
      `  ${k.padEnd(16)} ${Array.isArray(v) ? v.join(" ") : v}`
    );
    console.error(`tarsier: ${mode} stopped\n${lines.join("\n")}`);
  }
  if (bridge !== null && bridge.sendErrors > 0) {
    console.error(
      `tarsier: ${bridge.sendErrors} frames could not be sent: ${strerror(bridge.lastErrno)}`,
    );
  }
}
