/**
 * What the main thread and the capture workers of `tarsier ids|ips
 * --workers N` say to each other (`postMessage`, structured clone), and how
 * the main thread sums the workers' counters. Messages go once per run or
 * once per tick (about a second), never per packet.
 *
 * @module
 */

import type { RingHandle } from "../capture/afpacket.ts";
import { DecodeStats } from "../decode/decode_stats.ts";
import { LatencyHistogram } from "../engine/latency_histogram.ts";
import type { StatsFacts } from "../output/stats_record.ts";
import { type BridgeCounters, emptyBridgeCounters } from "../verdict/inline_bridge.ts";
import type { LiveCommandOptions } from "./live_command.ts";
import { latencyFacts } from "./_live_stats.ts";

/** Main -> worker: load the rules and build the pipeline (no capture yet). */
export interface LoadMessage {
  /** Message kind. */
  type: "load";
  /** This worker's index (its member index in every fanout group). */
  index: number;
  /** The command's options. */
  options: LiveCommandOptions;
  /** Empty eve.json/fast.log first (the first worker) or only append to them. */
  sharedLogs: "truncate" | "append";
  /** Print no notes or rule diagnostics (every worker but the first). */
  quiet: boolean;
}

/** Main -> worker: capture from these rings (one per interface, in the command's order). */
export interface StartMessage {
  /** Message kind. */
  type: "start";
  /** The rings, opened and joined to their fanout groups by the main thread. */
  rings: RingHandle[];
}

/** Main -> worker: stop at the next yield, flush, close, and say `stopped`. */
export interface StopMessage {
  /** Message kind. */
  type: "stop";
}

/** Anything the main thread sends a worker. */
export type ToWorker = LoadMessage | StartMessage | StopMessage;

/** A worker's counters, as plain values. */
export interface WorkerCounters {
  /** Decoder counters (a {@link DecodeStats} through structured clone: fields only). */
  decode: DecodeStats;
  /** Flow, TCP, detection, capture and IPS counters, as for a stats record. */
  facts: StatsFacts;
  /** Frames forwarded uninspected because of overload. */
  bypassed: number;
  /** Exceptions while inspecting a packet. */
  internalErrors: number;
  /** The bridge's counters (ips), or null (ids). */
  bridge: BridgeCounters | null;
  /** The ring-wait histogram ({@link LatencyHistogram}'s buckets and maximum). */
  ringWait: LatencyCounts;
  /** The batch-time histogram. */
  batchTime: LatencyCounts;
}

/** A {@link LatencyHistogram} as plain values. */
export interface LatencyCounts {
  /** Durations per bucket. */
  buckets: number[];
  /** The longest, us. */
  maxUs: number;
}

/**
 * A histogram as plain values, for a message.
 *
 * @param h the histogram
 * @returns its buckets and maximum
 */
export function latencyCounts(h: LatencyHistogram): LatencyCounts {
  return { buckets: Array.from(h.buckets), maxUs: h.maxUs };
}

/** Worker -> main: the pipeline is built; capture can start. */
export interface LoadedMessage {
  /** Message kind. */
  type: "loaded";
  /** Rules loaded, or null without rules. */
  rules: number | null;
  /** Whether eve.json is written (there are rules). */
  eve: boolean;
  /** Whether EVE stats records are wanted. */
  writeStats: boolean;
  /** What the worker's JIT warm-up did, as the start line says it ("" when none ran). */
  warm: string;
}

/** Worker -> main: the latest counters (each tick, and with `stopped`). */
export interface CountersMessage {
  /** Message kind. */
  type: "counters";
  /** The counters so far. */
  counters: WorkerCounters;
}

/** Worker -> main: an exception while inspecting a packet (the fail policy applied). */
export interface PacketErrorMessage {
  /** Message kind. */
  type: "packet-error";
  /** The exception's message. */
  message: string;
}

/** Worker -> main: capture ended, outputs flushed and closed, rings closed. */
export interface StoppedMessage {
  /** Message kind. */
  type: "stopped";
  /** The final counters. */
  counters: WorkerCounters;
}

/** Worker -> main: the worker cannot go on (load error, or an error outside a packet). */
export interface FailedMessage {
  /** Message kind. */
  type: "failed";
  /** One line: what went wrong. */
  message: string;
  /** A user's error (bad rule file, config): exit code 2 rather than an internal error. */
  usage: boolean;
}

/** Anything a worker sends the main thread. */
export type FromWorker =
  | LoadedMessage
  | CountersMessage
  | PacketErrorMessage
  | StoppedMessage
  | FailedMessage;

/** The workers' counters summed. */
export interface SummedCounters {
  /** Decoder counters. */
  decode: DecodeStats;
  /** Stats-record facts (uptime left 0: the caller's). */
  facts: StatsFacts;
  /** Frames forwarded uninspected. */
  bypassed: number;
  /** Exceptions while inspecting a packet. */
  internalErrors: number;
  /** Bridge counters (ips), or null. */
  bridge: BridgeCounters | null;
  /** The workers' ring-wait histograms merged. */
  ringWait: LatencyHistogram;
  /** The workers' batch-time histograms merged. */
  batchTime: LatencyHistogram;
}

/**
 * Sum the workers' counters (numeric leaves of nested records are added;
 * the latency quantiles are those of the merged histograms).
 *
 * @param all each worker's latest counters (null: none received yet)
 * @returns the sums
 */
export function sumCounters(all: readonly (WorkerCounters | null)[]): SummedCounters {
  const decode = new DecodeStats();
  const facts: StatsFacts = { uptime: 0, alerts: 0 };
  let bypassed = 0;
  let internalErrors = 0;
  let bridge: BridgeCounters | null = null;
  const ringWait = new LatencyHistogram();
  const batchTime = new LatencyHistogram();
  for (const c of all) {
    if (c === null) continue;
    ringWait.merge(c.ringWait.buckets, c.ringWait.maxUs);
    batchTime.merge(c.batchTime.buckets, c.batchTime.maxUs);
    addDecode(decode, c.decode);
    addNumbers(facts as unknown as Record<string, unknown>, { ...c.facts, uptime: 0 });
    bypassed += c.bypassed;
    internalErrors += c.internalErrors;
    if (c.bridge !== null) {
      bridge ??= emptyBridgeCounters();
      bridge.accepted += c.bridge.accepted;
      bridge.threadSent += c.bridge.threadSent;
      bridge.blocked += c.bridge.blocked;
      bridge.rejected += c.bridge.rejected;
      bridge.truncated += c.bridge.truncated;
      bridge.sendErrors += c.bridge.sendErrors;
      if (c.bridge.lastErrno !== 0) bridge.lastErrno = c.bridge.lastErrno;
    }
  }
  // quantiles do not add up: those of the merged histograms replace the sums
  if (facts.capture !== undefined) Object.assign(facts.capture, latencyFacts(ringWait, batchTime));
  return { decode, facts, bypassed, internalErrors, bridge, ringWait, batchTime };
}

function addDecode(into: DecodeStats, from: DecodeStats): void {
  into.packets += from.packets;
  into.bytes += from.bytes;
  into.wireBytes += from.wireBytes;
  into.framesWithEvents += from.framesWithEvents;
  for (let i = 0; i < into.layerFrames.length; i++) into.layerFrames[i] += from.layerFrames[i];
  for (let i = 0; i < into.eventFrames.length; i++) into.eventFrames[i] += from.eventFrames[i];
  into.firstTs = Math.min(into.firstTs, from.firstTs);
  into.lastTs = Math.max(into.lastTs, from.lastTs);
}

/** Add every numeric leaf of `from` into `into`, creating nested records as needed. */
function addNumbers(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(from)) {
    if (typeof value === "number") {
      into[key] = (typeof into[key] === "number" ? into[key] as number : 0) + value;
    } else if (value !== null && typeof value === "object") {
      const nested = (into[key] ??= {}) as Record<string, unknown>;
      addNumbers(nested, value as Record<string, unknown>);
    }
  }
}
