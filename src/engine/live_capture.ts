/**
 * The live pipeline driver: frames from AF_PACKET rings flow through the
 * decoder and the detection stage and, inline, to the bridge's verdict
 * (forward, drop, reject), batch by batch.
 *
 * The loop is synchronous: take every ready frame of each ring, inspect and
 * act on each where it lies, hand the batch back to the kernel (inline: the
 * bridge does, once its frames are sent, maybe by its send thread); when no
 * ring has anything, look again without sleeping while a busy-polling
 * window is open (`busyPollMs`: for that long after a frame, unless the
 * traffic is load), else wait in `poll(2)` (blocking, at most
 * `idleTimeoutMs`; on a bridge at most 1 ms for about a second after a
 * frame, see `briskTimeoutMs`), or, while a send thread holds frames, on
 * its queue. It
 * yields to the event loop (a MessageChannel turn) so that SIGINT/SIGTERM
 * and periodic stats run: once `yieldIntervalMs` has passed and the rings
 * then stay quiet for 1 ms, and under traffic without such a gap every 2
 * intervals; a wait that merely timed out does not yield. A frame that wakes the poll is
 * handled before any yield, so a yield seldom delays a packet (a reply
 * follows its request within a fraction of a millisecond; the gap lets it
 * pass first).
 *
 * Failure policy (`failOpen`): an exception while inspecting a packet
 * forwards it (fail open) or drops it (fail closed), and is counted; the
 * first one is reported. When a ring's backlog reaches `overloadFraction`
 * of its slots, fail-open forwards its frames uninspected until it drains
 * (a batch comes back less than full), counted as `bypassed`; fail-closed
 * keeps inspecting and lets the kernel drop what does not fit
 * (`kernel_drops`). Both are tested on real rings
 * (test/e2e/live_fail_policy_test.ts).
 *
 * @module
 */

import { type AfPacketRing, pollRings, pollSetOf, type RingStats } from "../capture/afpacket.ts";
import { FrameBatch } from "../capture/frame_batch.ts";
import { decodeFrame } from "../decode/decoder.ts";
import { DecodeStats } from "../decode/decode_stats.ts";
import { Packet } from "../decode/packet.ts";
import type { InlineBridge } from "../verdict/inline_bridge.ts";
import { PacketVerdict } from "../verdict/packet_verdict.ts";
import type { PacketStage } from "./offline_scan.ts";
import { EventLoopYield } from "./event_loop_yield.ts";
import { LatencyHistogram } from "./latency_histogram.ts";
import { realtimeMicros } from "../../ffi/libc.ts";

/** A stage that also decides the inline verdict of the packet it processed. */
export interface VerdictStage extends PacketStage {
  /** {@link PacketVerdict} bits of the last packet processed. */
  readonly verdict: number;
}

/** How long the ring must stay quiet before a due yield to the event loop, ms. */
const QUIET_GAP_MS = 1;

/** The interval over which busy polling measures the frame rate, ms. */
const RATE_INTERVAL_MS = 20;

/**
 * More frames than this per rate interval is load (12,800 a second): busy
 * polling stops until an interval with fewer.
 */
const LOADED_FRAMES = 256;

/**
 * Empty polls after a frame that wait at most `briskTimeoutMs` (see
 * {@link LiveOptions.briskTimeoutMs}): about a second at 1 ms.
 */
const BRISK_POLLS = 1000;

/** Options of {@link runLive}. */
export interface LiveOptions {
  /** The rings: one (IDS), or the two sides of the bridge (IPS). */
  rings: readonly AfPacketRing[];
  /** The inline bridge (IPS), or null (IDS: nothing is forwarded). */
  bridge: InlineBridge | null;
  /** Detection and output, or null (decode and count only). */
  stage: VerdictStage | null;
  /** Stops the loop at the next yield when aborted. */
  signal: AbortSignal;
  /** On an internal error or overload: forward (true) or drop (false). Default true. */
  failOpen?: boolean;
  /** Backlog (fraction of a ring's slots) that counts as overload. Default 0.75. */
  overloadFraction?: number;
  /** The packet instance to decode into. */
  packet?: Packet;
  /** Descriptors per batch. Default 64. */
  batchCapacity?: number;
  /** Longest blocking wait when idle, ms. Default 50. */
  idleTimeoutMs?: number;
  /**
   * Longest blocking wait for the first {@link BRISK_POLLS} empty polls
   * after a frame, ms. Default 1 on a bridge, else `idleTimeoutMs`.
   *
   * An inline bridge keeps waking every millisecond for about a second
   * after traffic, for its latency: on a virtual machine whose vCPUs halt
   * when idle, a capture thread asleep in poll(2) for the 16 ms between
   * two echoes was woken 150-180 microseconds (median) after its frame
   * reached the ring, and 25 when it polls with a 1 ms timeout (the
   * hypervisor's halt polling then catches the wake): ping's cold median
   * through the bridge went from 0.32-0.37 to 0.21 ms with ET Open. A link
   * quiet for longer goes back to `idleTimeoutMs`: the wake-ups cost about
   * 3% of a core.
   */
  briskTimeoutMs?: number;
  /**
   * After a frame, keep looking at the rings without sleeping for this
   * long, ms (busy polling; default 0: sleep in poll(2) at once).
   *
   * A capture thread asleep in poll(2) is woken when a frame reaches its
   * ring, and on a virtual machine that wake-up is the tail of the latency
   * an inline bridge adds: an echo request waited 30-60 us (median) in the
   * ring but 0.5 ms at the 99th percentile, and sometimes several, when the
   * vCPU had halted (a short poll timeout does not help: the vCPU halts
   * between the timer wake-ups). A thread that keeps looking sees the frame
   * at once, at the price of one core while frames come at least this
   * often. Under load (more than {@link LOADED_FRAMES} frames per
   * {@link RATE_INTERVAL_MS}) it does not busy-poll: the thread then seldom
   * sleeps long, and a core spent looking is taken from the kernel and the
   * send threads that forward (one TCP flow through a bridge on two vCPUs
   * went from 3.3-3.8 to 1.6-2.3 Gbit/s when it kept looking).
   */
  busyPollMs?: number;
  /**
   * Time between yields to the event loop, ms: a yield waits for 1 ms
   * without frames, or for 2 intervals under traffic without such a gap.
   * Default 250 (few wake-ups under sparse traffic). Some yields let the
   * runtime poll its I/O ({@link EventLoopYield.yieldToIo}), where
   * SIGINT/SIGTERM are seen: every other one (a stop within about 0.5 s
   * when idle, 1 s under traffic), but on a bridge that had frames in the
   * last second every 4th (1-2 s), as such a turn takes 0.3-0.8 ms and
   * sometimes a few.
   */
  yieldIntervalMs?: number;
  /** Called about every `tickIntervalMs` (e.g. to write a stats record). */
  onTick?: (result: LiveResult) => void;
  /** Interval of `onTick`, ms. Default 8000 (Suricata's stats interval). */
  tickIntervalMs?: number;
  /** Told about internal errors (each one; the caller rate-limits). */
  onError?: (error: unknown, count: number) => void;
}

/** What a live run has done so far. */
export interface LiveResult {
  /** Decoder counters. */
  stats: DecodeStats;
  /** Kernel counters summed over the rings. */
  kernel: RingStats;
  /** Wall time since the start, ms. */
  elapsedMs: number;
  /** Exceptions while inspecting a packet. */
  internalErrors: number;
  /** Frames forwarded uninspected because of overload (fail open). */
  bypassed: number;
  /** Blocking waits for frames (poll(2) calls). */
  polls: number;
  /** Busy-polling windows opened: frames that found none open (see `busyPollMs`). */
  busyPollWindows: number;
  /**
   * Per batch: how long its first (oldest) frame waited in the ring, from
   * the kernel's receive timestamp to the loop taking the batch, us. A
   * wake-up from poll(2), a batch before it and a yield to the event loop
   * all show here.
   */
  ringWait: LatencyHistogram;
  /** Per batch: from taking it to handing it back (inspection, verdicts, sends), us. */
  batchTime: LatencyHistogram;
}

/**
 * Capture until `signal` aborts.
 *
 * @param options rings, bridge, stage, policies
 * @returns the counters at the end
 */
export async function runLive(options: LiveOptions): Promise<LiveResult> {
  const rings = options.rings;
  const bridge = options.bridge;
  const stage = options.stage;
  const failOpen = options.failOpen ?? true;
  const overload = options.overloadFraction ?? 0.75;
  const packet = options.packet ?? new Packet();
  const batch = new FrameBatch(options.batchCapacity ?? 64);
  const idleTimeout = options.idleTimeoutMs ?? 50;
  const briskTimeout = options.briskTimeoutMs ??
    (bridge !== null ? Math.min(1, idleTimeout) : idleTimeout);
  /** Empty polls since the last frame (counted up to {@link BRISK_POLLS}; brisk after a frame). */
  let emptyPolls = BRISK_POLLS;
  const busyPoll = options.busyPollMs ?? 0;
  /** When the last batch was done (performance.now(), ms): the quiet gap since. */
  let lastBatchEnd = -Infinity;
  /** Busy polling goes on until then (performance.now(), ms). */
  let busyUntil = -Infinity;
  /** Frames since `rateStart`, and whether the last rate interval counted as load. */
  let rateFrames = 0;
  let rateStart = -Infinity;
  let loaded = false;
  const yieldInterval = options.yieldIntervalMs ?? 250;
  const tickInterval = options.tickIntervalMs ?? 8000;
  const pollSet = pollSetOf(rings);
  /** Per ring: 1 while fail-open forwards its frames uninspected (overload). */
  const overloaded = new Uint8Array(rings.length);
  const started = performance.now();
  const result: LiveResult = {
    stats: new DecodeStats(),
    kernel: { packets: 0, drops: 0 },
    elapsedMs: 0,
    internalErrors: 0,
    bypassed: 0,
    polls: 0,
    busyPollWindows: 0,
    ringWait: new LatencyHistogram(),
    batchTime: new LatencyHistogram(),
  };
  const stats = result.stats;
  let lastYield = started;
  let lastTick = started;
  let rounds = 0;
  /** 1 after a poll(2) said ready and the rings have not given a frame since. */
  let readyEmpty = 0;
  const yielder = new EventLoopYield();
  // the loop tests a flag: AbortSignal's \`aborted\` getter allocates on every read
  const stopped = new Uint8Array(1);
  const onAbort = () => (stopped[0] = 1);
  if (options.signal.aborted) stopped[0] = 1;
  else options.signal.addEventListener("abort", onAbort, { once: true });
  try {
    while (stopped[0] === 0) {
      let got = 0;
      for (let s = 0; s < rings.length; s++) {
        const ring = rings[s];
        // a send thread's slots are behind the cursor: the ring must not lap into them
        const held = bridge === null ? 0 : bridge.heldSlots(s);
        const n = ring.next(batch, held);
        if (n === 0) {
          overloaded[s] = 0;
          continue;
        }
        const takenUs = realtimeMicros();
        const batchStarted = performance.now();
        if (busyPoll > 0) {
          // the frame rate over the last interval of at least RATE_INTERVAL_MS
          // (ended by this batch, which counts in the next)
          const elapsed = batchStarted - rateStart;
          if (elapsed >= RATE_INTERVAL_MS) {
            loaded = rateFrames * RATE_INTERVAL_MS > LOADED_FRAMES * elapsed;
            rateStart = batchStarted;
            rateFrames = 0;
          }
          rateFrames += n;
          // a frame on a link not under load opens or extends a busy-polling
          // window; under load the thread stops looking
          if (loaded) busyUntil = -Infinity;
          else {
            if (batchStarted >= busyUntil) result.busyPollWindows++;
            busyUntil = batchStarted + busyPoll;
          }
        }
        result.ringWait.record(takenUs - (batch.tsSec[0] * 1e6 + batch.tsNsec[0] / 1000));
        got += n;
        readyEmpty = 0;
        emptyPolls = 0;
        // fail open: from a backlog of `overload` until the ring drains (a batch not full)
        if (overloaded[s] === 0) {
          if (failOpen && bridge !== null && ring.backlogAtLeast(overload, held)) {
            overloaded[s] = 1;
          }
        } else if (n < batch.capacity) overloaded[s] = 0;
        const bypass = overloaded[s] === 1;
        packet.inIface = ring.iface;
        if (bridge !== null) bridge.beginBatch(s, n);
        for (let i = 0; i < n; i++) {
          decodeFrame(packet, batch, i);
          stats.count(packet);
          let verdict: number = PacketVerdict.PASS;
          if (bypass) result.bypassed++;
          else if (stage !== null) {
            try {
              stage.process(packet, 0);
              verdict = stage.verdict;
            } catch (error) {
              result.internalErrors++;
              options.onError?.(error, result.internalErrors);
              verdict = failOpen ? PacketVerdict.PASS : PacketVerdict.DROP;
            }
          }
          if (bridge !== null) bridge.apply(s, batch, i, packet, verdict);
        }
        // forwarded frames are sent from their slots: before the slots go back
        if (bridge !== null) bridge.endBatch(s);
        else ring.release();
        lastBatchEnd = performance.now();
        result.batchTime.record((lastBatchEnd - batchStarted) * 1000);
      }
      let now: number;
      if (got === 0) {
        // a frame that wakes the poll is handled before any yield; a yield that is
        // due waits for a quiet gap, so that it does not delay the next frame
        // (a reply follows its request within a fraction of a millisecond)
        now = performance.now();
        const due = now - lastYield >= yieldInterval;
        if (now < busyUntil) {
          // busy polling: look at the rings rather than sleep, until a frame, the
          // window's end or a due yield, which still waits for a quiet gap (looking)
          // and is then taken at once
          const quietAt = lastBatchEnd + QUIET_GAP_MS;
          if (!due || now < quietAt) {
            lookForFrames(
              rings,
              bridge,
              due ? quietAt : Math.min(busyUntil, lastYield + yieldInterval),
            );
            continue;
          }
        } else if (bridge !== null && bridge.waitForSends(1)) {
          // frames a send thread still holds keep poll(2) from sleeping: wait for it instead
          if (!due) continue;
        } else {
          let timeout = idleTimeout;
          if (due) timeout = QUIET_GAP_MS;
          else if (emptyPolls < BRISK_POLLS) {
            emptyPolls++;
            timeout = briskTimeout;
          }
          result.polls++;
          const ready = pollRings(pollSet, rings.length, timeout);
          // a socket readable twice with no frame at the cursor does not hold the loop:
          // it yields (so a stop is seen) rather than spin on poll(2)
          if (ready > 0 && readyEmpty === 0) {
            readyEmpty = 1;
            continue;
          }
          // a wait that timed out: nothing to do until a yield is due (a brisk
          // bridge times out every millisecond)
          if (ready === 0 && !due) continue;
        }
        now = performance.now();
      } else {
        // busy without a quiet gap: yield anyway, less often
        if ((++rounds & 15) !== 0) continue;
        now = performance.now();
        if (now - lastYield < yieldInterval * 2) continue;
      }
      if (now - lastTick >= tickInterval) {
        lastTick = now;
        options.onTick?.(snapshot(result, rings, started));
      }
      // a message turn (~0.2 ms) rather than a timer turn (~2 ms); nothing here needs timers
      // an I/O turn (where signals are seen) takes 0.3-0.8 ms, sometimes a few: on a
      // bridge every 4th yield while frames came in the last second, else every other
      await yielder.turn(bridge === null || emptyPolls >= BRISK_POLLS ? 1 : 3);
      lastYield = performance.now();
    }
  } finally {
    options.signal.removeEventListener("abort", onAbort);
    yielder.close();
  }
  return snapshot(result, rings, started);
}

/**
 * Look at the rings without sleeping until one has a frame or `until`
 * passes (busy polling). The loop is this function's own: a loop of the
 * capture loop's would be compiled on the stack (OSR) and thrown away each
 * time it ends.
 *
 * @param rings the rings
 * @param bridge the bridge whose send threads may hold slots, or null
 * @param until performance.now() at which to give up, ms
 * @returns true when a ring has a frame
 */
function lookForFrames(
  rings: readonly AfPacketRing[],
  bridge: InlineBridge | null,
  until: number,
): boolean {
  for (let looks = 1;; looks++) {
    for (let s = 0; s < rings.length; s++) {
      if (rings[s].hasFrame(bridge === null ? 0 : bridge.heldSlots(s))) return true;
    }
    // the clock every 64 looks (a look is a load per ring)
    if ((looks & 63) === 0 && performance.now() >= until) return false;
  }
}

/** The result with the kernel counters read now. */
function snapshot(result: LiveResult, rings: readonly AfPacketRing[], started: number): LiveResult {
  let packets = 0;
  let drops = 0;
  for (const ring of rings) {
    const k = ring.stats();
    packets += k.packets;
    drops += k.drops;
  }
  result.kernel.packets = packets;
  result.kernel.drops = drops;
  result.elapsedMs = performance.now() - started;
  return result;
}
