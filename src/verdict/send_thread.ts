/**
 * The send thread of an inline bridge: a Deno Worker (`send_worker.ts`)
 * that forwards the frames the packet thread queues and hands their slots
 * back to the kernel. Sending a frame makes the kernel transmit it in the
 * sender's context (on a veth pair, the receiving namespace's whole stack
 * runs there too); with a send thread that work runs beside the
 * inspection, as Suricata's per-interface threads do, and the packet
 * thread pays one queue entry per frame and at most one futex wake per
 * batch.
 *
 * A bridge has two ({@link SendThread.forBridge}), one per direction. The
 * frames stay where they lie: a send thread sees the same ring mappings and
 * sends from them (`sendmmsg(2)`, the kernel's copy only).
 * A ring must not be unmapped before {@link SendThread.stop} has returned.
 *
 * @module
 */

import { addressOf } from "../../ffi/libc.ts";
import type { AfPacketRing } from "../capture/afpacket.ts";
import { SendQueue } from "./send_queue.ts";

/** One ring as the send thread sees it. */
export interface SendRing {
  /** Its socket: frames from the other ring leave by it. */
  fd: number;
  /** The ring mapping's address. */
  address: bigint;
  /** Bytes per slot. */
  frameSize: number;
  /** Slots. */
  frameCount: number;
}

/** Messages to the send thread. */
export type ToSendThread = {
  type: "start";
  queue: SharedArrayBuffer;
  rings: SendRing[];
  spinChecks: number;
};

/** Messages from the send thread. */
export type FromSendThread =
  | { type: "started" }
  | { type: "stopped" }
  | { type: "failed"; message: string };

const WORKER_MODULE = new URL("./send_worker.ts", import.meta.url);

/**
 * Queue entries: enough for every slot of two 4096-slot rings plus one
 * release entry per batch, so the packet thread seldom finds it full.
 */
const QUEUE_CAPACITY = 16384;

/**
 * Queue-empty checks the send thread makes before it sleeps (tens of microseconds):
 * under traffic the next batch usually comes within them.
 */
const SPIN_CHECKS = 4096;

/** How long {@link SendThread.stop} waits for the queue to drain, ms. */
const STOP_TIMEOUT_MS = 3000;

/** The packet thread's handle on a send thread. */
export class SendThread {
  /** The queue to the thread. */
  readonly queue: SendQueue;
  /** Why the thread failed, or null. */
  failure: string | null = null;
  readonly #worker: Worker;
  readonly #stopped: Promise<void>;

  private constructor(queue: SendQueue, worker: Worker, stopped: Promise<void>) {
    this.queue = queue;
    this.#worker = worker;
    this.#stopped = stopped;
  }

  /**
   * Start a send thread for the two rings of a bridge.
   *
   * @param rings the bridge's sides (a frame from one leaves by the other)
   * @returns the thread, once it runs
   * @throws {Error} when the thread cannot start
   */
  static async start(rings: readonly AfPacketRing[]): Promise<SendThread> {
    const queue = new SendQueue(QUEUE_CAPACITY);
    const worker = new Worker(WORKER_MODULE, { type: "module", name: "tarsier-send" });
    let thread: SendThread | null = null;
    let started!: () => void;
    let failed!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    const stopped = new Promise<void>((resolve) => {
      const fail = (message: string) => {
        if (thread !== null) thread.failure ??= message;
        failed(new Error(`send thread: ${message}`));
        resolve();
      };
      worker.onmessage = (event: MessageEvent<FromSendThread>) => {
        const m = event.data;
        if (m.type === "started") started();
        else if (m.type === "stopped") resolve();
        else fail(m.message);
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        fail(event.message || "died");
      };
    });
    thread = new SendThread(queue, worker, stopped);
    const message: ToSendThread = {
      type: "start",
      queue: queue.buffer,
      rings: rings.map((r) => ({
        fd: r.fd,
        address: BigInt(addressOf(r.data)),
        frameSize: r.frameSize,
        frameCount: r.frameCount,
      })),
      spinChecks: SPIN_CHECKS,
    };
    worker.postMessage(message);
    try {
      await ready;
    } catch (error) {
      worker.terminate();
      throw error;
    }
    return thread;
  }

  /**
   * Start the two send threads of a bridge: thread `s` forwards the frames
   * of `rings[s]` (out of the other side) and hands back `rings[s]`'s slots,
   * so each direction's transmit work has a thread.
   *
   * @param rings the bridge's two sides
   * @returns the threads, once both run
   * @throws {Error} when a thread cannot start (any started one is ended)
   */
  static async forBridge(rings: readonly AfPacketRing[]): Promise<[SendThread, SendThread]> {
    const started = await Promise.allSettled([SendThread.start(rings), SendThread.start(rings)]);
    const threads = started.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
    const failed = started.find((r) => r.status === "rejected");
    if (failed !== undefined) {
      await Promise.all(threads.map((t) => t.stop()));
      throw (failed as PromiseRejectedResult).reason;
    }
    return [threads[0], threads[1]];
  }

  /**
   * Let the thread send and release everything queued, then end it. After
   * this the rings may be closed.
   */
  async stop(): Promise<void> {
    this.queue.requestStop();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, STOP_TIMEOUT_MS));
    await Promise.race([this.#stopped, timeout]);
    clearTimeout(timer);
    if (!this.queue.stopped) this.failure ??= "did not stop in time";
    this.#worker.terminate();
  }
}
