/**
 * The offline pipeline driver: frames from a capture file flow through the
 * decoder into the counters, batch by batch. Later stages (flow, detect,
 * output) plug in here, left to right.
 *
 * The loop is synchronous per batch and yields to the event loop about every
 * 100 ms (a MessageChannel turn, {@link EventLoopYield}), so progress
 * updates run on long files; every 4th yield also lets the runtime poll its
 * I/O ({@link EventLoopYield.yieldToIo}), where SIGINT/SIGTERM are seen
 * (message turns alone let a scan of the big corpus run to its end through a
 * SIGINT).
 *
 * @module
 */

import { FrameBatch, type FrameSource } from "../capture/frame_batch.ts";
import type { CaptureDamage } from "../capture/frame_batch.ts";
import { decodeFrame } from "../decode/decoder.ts";
import { DecodeStats } from "../decode/decode_stats.ts";
import { Packet } from "../decode/packet.ts";
import { EventLoopYield } from "./event_loop_yield.ts";

/** How often, at most, the loop yields to the event loop (ms). */
const YIELD_INTERVAL_MS = 100;
/** Batches between clock checks. */
const BATCHES_PER_CLOCK_CHECK = 16;

/** Options of {@link scanFrames}. */
export interface ScanOptions {
  /** Called about every 100 ms with bytes consumed and total bytes. */
  onProgress?: (position: number, size: number) => void;
  /** Stops the scan at the next yield when aborted (e.g. on SIGINT). */
  signal?: AbortSignal;
  /** Called after each batch with the input position all frames before which are done. */
  onBatchDone?: (position: number) => void;
  /** Descriptors per batch. */
  batchCapacity?: number;
  /** The packet instance to decode into (one per worker). */
  packet?: Packet;
  /** The stage after decoding (detection and output), if any. */
  stage?: PacketStage | null;
}

/** A pipeline stage that consumes decoded packets. */
export interface PacketStage {
  /**
   * @param p the decoded packet
   * @param pcapCnt its frame number, 1-based
   */
  process(p: Packet, pcapCnt: number): void;
}

/** What a scan produced. */
export interface ScanResult {
  /** Decoder counters over every frame read. */
  stats: DecodeStats;
  /** Where the capture was damaged, if it was. */
  damage: CaptureDamage | null;
  /** Wall time spent in the loop, ms. */
  elapsedMs: number;
  /** True when the scan stopped early because `signal` was aborted. */
  interrupted: boolean;
}

/**
 * Read every frame of `source`, decode it and count it.
 *
 * @param source the frame source (a capture file reader)
 * @param options progress callback, abort signal, batch size
 * @returns counters, damage, timing
 */
export async function scanFrames(
  source: FrameSource,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const batch = new FrameBatch(options.batchCapacity);
  const packet = options.packet ?? new Packet();
  const stage = options.stage ?? null;
  const stats = new DecodeStats();
  const started = performance.now();
  let lastYield = started;
  let batches = 0;
  let interrupted = false;
  const yielder = new EventLoopYield();
  try {
    for (;;) {
      const n = source.next(batch);
      if (n === 0) break;
      for (let i = 0; i < n; i++) {
        decodeFrame(packet, batch, i);
        stats.count(packet);
        if (stage !== null) stage.process(packet, stats.packets);
      }
      options.onBatchDone?.(source.position);
      if (++batches % BATCHES_PER_CLOCK_CHECK !== 0) continue;
      const now = performance.now();
      if (now - lastYield < YIELD_INTERVAL_MS) continue;
      options.onProgress?.(source.position, source.size);
      await yielder.turn(3);
      lastYield = performance.now();
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
    }
  } finally {
    yielder.close();
  }
  options.onProgress?.(source.position, source.size);
  return {
    stats,
    damage: source.damage,
    elapsedMs: performance.now() - started,
    interrupted,
  };
}
