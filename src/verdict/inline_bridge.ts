/**
 * The inline verdict on a two-interface bridge: what arrived on one ring
 * leaves by the other interface unless the verdict drops it; a reject also
 * answers with a TCP RST or ICMP unreachable.
 *
 * Forwarding sends the frame from its slot in the receive ring on the peer
 * interface's own packet socket (as Suricata's AF_PACKET copy-mode does): no
 * copy in user space, the kernel's copy on transmit only, and the peer's
 * socket does not capture its own transmission. Frames to forward are
 * gathered and sent together, up to 32 in one `sendmmsg(2)` whose iovecs
 * point into the ring ({@link FrameSender}): one system call per batch
 * rather than per frame. With {@link SendThread}s (one per side, as
 * Suricata has a thread per interface) a side's frames and its batch's
 * slots are queued to its thread instead: it sends them and hands the
 * slots back, so the kernel's transmit work for each direction runs beside
 * the inspection. {@link InlineBridge.endBatch} ends each ring batch either
 * way.
 *
 * @module
 */

import { addressOf, errno, libc, sizeBigInt } from "../../ffi/libc.ts";
import type { AfPacketRing } from "../capture/afpacket.ts";
import type { FrameBatch } from "../capture/frame_batch.ts";
import type { Packet } from "../decode/packet.ts";
import { FrameSender } from "./frame_sender.ts";
import { SendCounter } from "./send_queue.ts";
import type { SendThread } from "./send_thread.ts";
import { PacketVerdict } from "./packet_verdict.ts";
import { buildReject, RejectTarget } from "./reject_packet.ts";

/** Counters of an {@link InlineBridge}, Suricata's `ips.*` and more. */
export interface BridgeCounters {
  /** Frames forwarded to the peer interface. */
  accepted: number;
  /** Of those, the frames the send threads sent. */
  threadSent: number;
  /** Frames dropped by a verdict (including rejects). */
  blocked: number;
  /** Reject packets sent. */
  rejected: number;
  /** Frames that could not be forwarded whole (larger than a ring slot): dropped. */
  truncated: number;
  /** `send(2)` failures (the frame is lost). */
  sendErrors: number;
  /** errno of the last send failure (0: none). */
  lastErrno: number;
}

/** Bridge counters at zero (one bridge's start, or a sum's). */
export function emptyBridgeCounters(): BridgeCounters {
  return {
    accepted: 0,
    threadSent: 0,
    blocked: 0,
    rejected: 0,
    truncated: 0,
    sendErrors: 0,
    lastErrno: 0,
  };
}

/** A batch at least this large goes to a sleeping send thread (wakes it). */
const WAKE_BATCH = 4;
/**
 * Frames queued to a send thread are published every this many, not only at
 * the batch's end: a batch of 64 frames with ET Open takes 3-8 ms to
 * inspect, and its first frames need not wait for its last (nor leave with
 * them in one burst).
 */
const PUBLISH_EVERY = 8;

/** Forwards, drops and rejects frames between two rings. */
export class InlineBridge {
  /** The two sides: a frame from `rings[s]` leaves by `rings[s ^ 1]`. */
  readonly rings: readonly [AfPacketRing, AfPacketRing];
  readonly #counters = emptyBridgeCounters();
  /** Reject packets the kernel refused, and the last errno. */
  #rejectErrors = 0;
  #rejectErrno = 0;
  readonly #reject = new Uint8Array(2048);
  readonly #send = libc().send;
  /** Frames forwarded from this thread. */
  readonly #sender = new FrameSender();
  /** Whether this batch's frames go to the send thread (else they are sent here). */
  #queueing = false;
  /** Frames queued to the send thread since the last publish. */
  #unpublished = 0;
  /** Per side: slots handed to its send thread so far (it counts those it gave back). */
  readonly #handedOff = new Float64Array(2);

  /**
   * The send threads, one per side (`sendThreads[s]` forwards the frames of
   * `rings[s]`), or null (frames are sent from this thread).
   */
  readonly sendThreads: readonly [SendThread, SendThread] | null;

  /**
   * @param a one side of the bridge
   * @param b the other side
   * @param sendThreads a send thread per side ({@link SendThread.forBridge}), or null
   *   to send from this thread
   */
  constructor(
    a: AfPacketRing,
    b: AfPacketRing,
    sendThreads: readonly [SendThread, SendThread] | null = null,
  ) {
    this.rings = [a, b];
    this.sendThreads = sendThreads;
    const addresses = [addressOf(a.data), addressOf(b.data)];
    if (addresses[0] === 0 || addresses[1] === 0) {
      throw new Error("inline bridge: no ring address (FFI not allowed?)");
    }
    // frames are sent from the rings where they lie: the sender knows the rings' addresses
    this.#sender.setBase(0, addresses[0]);
    this.#sender.setBase(1, addresses[1]);
  }

  /** What was done so far (with send threads: what they have sent so far). */
  get counters(): BridgeCounters {
    const c = this.#counters;
    const here = this.#sender;
    c.accepted = here.sent;
    c.sendErrors = this.#rejectErrors + here.errors;
    c.lastErrno = here.lastErrno !== 0 ? here.lastErrno : this.#rejectErrno;
    c.threadSent = 0;
    for (const thread of this.sendThreads ?? []) {
      const there = thread.queue.counters;
      c.threadSent += there[SendCounter.SENT];
      c.sendErrors += there[SendCounter.ERRORS];
      if (there[SendCounter.ERRORS] > 0) c.lastErrno = there[SendCounter.LAST_ERRNO];
    }
    c.accepted += c.threadSent;
    return c;
  }

  /**
   * Carry out the verdict on frame `i` of `batch`, which came from side `side`.
   *
   * @param side 0 or 1: the ring the batch came from
   * @param batch the batch (its frames still leased)
   * @param i the frame's index in the batch
   * @param p the frame decoded (for reject packets)
   * @param verdict {@link PacketVerdict} bits
   */
  apply(side: number, batch: FrameBatch, i: number, p: Packet, verdict: number): void {
    if (verdict === PacketVerdict.PASS) {
      this.forward(side, batch, i);
      return;
    }
    this.#counters.blocked++;
    // a reject leaves after the frames forwarded before it on the same interface
    if ((verdict & PacketVerdict.REJECT_SOURCE) !== 0) {
      this.#drainTowards(side ^ 1);
      this.#sendReject(p, RejectTarget.SOURCE, this.rings[side].fd);
    }
    if ((verdict & PacketVerdict.REJECT_DESTINATION) !== 0) {
      this.#drainTowards(side);
      this.#sendReject(p, RejectTarget.DESTINATION, this.rings[side ^ 1].fd);
    }
  }

  /**
   * Send frame `i` of `batch` out of the other interface, from where it
   * lies: gathered here and sent at the batch's end ({@link endBatch}), or
   * queued to the send thread, published to it every 8 frames and at the
   * batch's end.
   *
   * @param side 0 or 1: the ring the batch came from
   * @param batch the batch
   * @param i the frame's index
   */
  forward(side: number, batch: FrameBatch, i: number): void {
    const length = batch.capLen[i];
    if (length < batch.wireLen[i]) {
      this.#counters.truncated++;
      this.#counters.blocked++;
      return;
    }
    if (this.#queueing) {
      const thread = this.sendThreads![side];
      if (!thread.queue.pushForward(side, batch.offset[i], length)) {
        this.#waitForRoom(thread);
        thread.queue.pushForward(side, batch.offset[i], length);
      }
      if (++this.#unpublished >= PUBLISH_EVERY) {
        this.#unpublished = 0;
        thread.queue.publish();
      }
      return;
    }
    this.#sender.add(this.rings[side ^ 1].fd, side, batch.offset[i], length);
  }

  /**
   * Start a batch of `n` frames from side `side`. With send threads, decide
   * who sends them: the side's thread when it is awake or has frames queued
   * (order is kept), or when the batch is large enough to wake it for;
   * otherwise this thread, at once, so that sparse traffic pays no thread
   * wake-up in latency.
   *
   * @param side 0 or 1: the ring the batch comes from
   * @param n frames in the batch
   */
  beginBatch(side: number, n: number): void {
    const threads = this.sendThreads;
    if (threads === null) return;
    const queue = threads[side].queue;
    if (queue.failed) this.#threadFailed(threads[side]);
    this.#queueing = n >= WAKE_BATCH || queue.backlog > 0 || !queue.consumerSleeping;
  }

  /**
   * End a batch of `ring`'s frames: when this thread sent them, send the
   * frames gathered and hand the slots back; else queue the slots to be
   * handed back after the frames queued before them, and wake the side's
   * send thread.
   *
   * @param side 0 or 1: the ring the batch came from
   */
  endBatch(side: number): void {
    const ring = this.rings[side];
    if (!this.#queueing) {
      this.#sender.flush();
      ring.release();
      return;
    }
    const thread = this.sendThreads![side];
    const queue = thread.queue;
    if (ring.leaseCount > 0) {
      if (!queue.pushRelease(side, ring.leaseStart, ring.leaseCount)) {
        this.#waitForRoom(thread);
        queue.pushRelease(side, ring.leaseStart, ring.leaseCount);
      }
      this.#handedOff[side] += ring.leaseCount;
      ring.detachLease();
    }
    queue.publish();
    this.#unpublished = 0;
  }

  /**
   * With a send thread that still holds frames (their slots keep the ring
   * readable to `poll(2)`): wait until it has sent some, at most `timeoutMs`.
   * A thread holds frames of its own side only, so both are asked.
   *
   * @param timeoutMs the longest wait
   * @returns true when it waited (the caller should look at the rings again
   *   rather than poll)
   */
  waitForSends(timeoutMs: number): boolean {
    const threads = this.sendThreads;
    if (threads === null) return false;
    for (let s = 0; s < 2; s++) {
      const queue = threads[s].queue;
      if (queue.failed) this.#threadFailed(threads[s]);
      if (queue.backlog > 0) {
        queue.waitForConsumer(timeoutMs);
        return true;
      }
    }
    return false;
  }

  /**
   * Slots of side `side`'s ring its send thread still holds (behind the
   * ring's cursor, still marked filled): for the ring's overload probe.
   *
   * @param side 0 or 1
   * @returns the count (0 without send threads)
   */
  heldSlots(side: number): number {
    const threads = this.sendThreads;
    if (threads === null) return 0;
    return this.#handedOff[side] - threads[side].queue.counters[SendCounter.RELEASED];
  }

  /** Why a send thread failed (its message, once it has arrived), or null. */
  get failure(): string | null {
    return this.sendThreads?.find((t) => t.failure !== null)?.failure ?? null;
  }

  /**
   * Stop the send threads, if any, once they have sent and released what
   * is queued. Call it before the rings close.
   *
   * @returns true when the rings may be unmapped (no threads, or they stopped)
   */
  async close(): Promise<boolean> {
    const threads = this.sendThreads;
    if (threads === null) return true;
    await Promise.all(threads.map((t) => t.stop()));
    // a failed thread has left its loop: it touches the rings no more
    return threads.every((t) => t.queue.stopped || t.queue.failed);
  }

  /**
   * Before a reject leaves by the interface side `side`'s frames go out of:
   * send what this thread gathered, and let side `side`'s send thread send
   * what it holds (at most 50 ms), so the reject does not overtake them.
   */
  #drainTowards(side: number): void {
    this.#sender.flush();
    const threads = this.sendThreads;
    if (threads === null) return;
    const queue = threads[side].queue;
    queue.publish();
    const start = performance.now();
    while (queue.backlog > 0 && !queue.failed && performance.now() - start < 50) {
      queue.waitForConsumer(1);
    }
  }

  #threadFailed(thread: SendThread): never {
    throw new Error(`send thread failed${thread.failure === null ? "" : `: ${thread.failure}`}`);
  }

  /**
   * Wait until the send thread has made room in its queue.
   *
   * @throws {Error} when the thread has failed or makes no progress for a second
   */
  #waitForRoom(thread: SendThread): void {
    const queue = thread.queue;
    queue.publish();
    const start = performance.now();
    for (let k = 0; queue.backlog >= queue.capacity; k++) {
      if ((k & 1023) === 1023) {
        if (queue.failed) this.#threadFailed(thread);
        if (queue.stopped) throw new Error("send thread: stopped");
        if (performance.now() - start > 1000) throw new Error("send thread: no progress for 1 s");
      }
    }
  }

  #sendReject(p: Packet, target: number, fd: number): void {
    const length = buildReject(p, this.#reject, target);
    if (length === 0) return;
    if (this.#send(fd, this.#reject, sizeBigInt(length), 0) >= 0) this.#counters.rejected++;
    else {
      this.#rejectErrors++;
      this.#rejectErrno = errno();
    }
  }
}
