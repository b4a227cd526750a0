/**
 * The entry module of the send thread of an inline bridge (a Deno Worker;
 * see `send_thread.ts`). It takes frames to forward from a
 * {@link SendQueue}, sends them from where they lie in the receive rings
 * (a {@link FrameSender}: batches of `sendmmsg(2)`), and hands each
 * batch's slots back to the kernel once its frames are sent. The kernel's work of transmitting (on a veth, the receiving
 * side's whole stack) so runs beside the packet thread, not in it.
 *
 * Messages: `start` (the queue and the rings) -> `started`; the producer's
 * stop request (in the queue) -> everything queued is sent and released ->
 * `stopped`. An exception -> the queue's failed flag and `failed`, and the
 * thread stops.
 *
 * @module
 */

import { FrameSender } from "./frame_sender.ts";
import { ENTRY_FORWARD, entryWord, SendCounter, SendQueue } from "./send_queue.ts";
import type { FromSendThread, SendRing, ToSendThread } from "./send_thread.ts";

/** The worker's global scope, typed for what is used here. */
const scope = globalThis as unknown as {
  postMessage(message: FromSendThread): void;
  onmessage: ((event: MessageEvent<ToSendThread>) => void) | null;
};

scope.onmessage = (event) => {
  const m = event.data;
  if (m.type !== "start") return;
  const queue = new SendQueue(m.queue);
  try {
    const sender = new RingSender(queue, m.rings, m.spinChecks);
    scope.postMessage({ type: "started" });
    sender.run();
    scope.postMessage({ type: "stopped" });
  } catch (error) {
    // the capture loop sees this at its next batch (it stops with an error)
    queue.markFailed();
    scope.postMessage({
      type: "failed",
      message: error instanceof Error ? error.message : String(error),
    });
  }
};

class RingSender {
  readonly #queue: SendQueue;
  readonly #fds: Int32Array;
  readonly #status: Int32Array[];
  readonly #frameSize: Int32Array;
  readonly #frameCount: Int32Array;
  readonly #spinChecks: number;
  readonly #sender = new FrameSender();

  constructor(queue: SendQueue, rings: SendRing[], spinChecks: number) {
    this.#queue = queue;
    this.#spinChecks = spinChecks;
    this.#fds = Int32Array.from(rings, (r) => r.fd);
    this.#frameSize = Int32Array.from(rings, (r) => r.frameSize);
    this.#frameCount = Int32Array.from(rings, (r) => r.frameCount);
    rings.forEach((r, k) => this.#sender.setBase(k, Number(r.address)));
    this.#status = rings.map((r) => {
      const pointer = Deno.UnsafePointer.create(r.address);
      if (pointer === null) throw new Error("send thread: a ring has no address");
      return new Int32Array(
        Deno.UnsafePointerView.getArrayBuffer(pointer, r.frameSize * r.frameCount),
      );
    });
  }

  /**
   * Send and release until the producer asks for a stop and the queue is
   * empty. This function is entered once, so V8 can optimise it only on
   * the stack, for one loop at a time: its own loop has no loop inside
   * (the spin and the drain are the callees', {@link RingSender.#spin} and
   * {@link RingSender.#drain}, which V8 optimises as whole functions). With
   * the loops here, every exit from the optimised inner loop (each time the
   * queue ran dry) threw the thread back into the interpreter ("exit from
   * OSR'd inner loop": 20 times in 30 bursts of requests,
   * test/e2e/live_deopt_test.ts).
   */
  run(): void {
    const queue = this.#queue;
    let head = queue.head();
    for (;;) {
      // the flag before the tail: the producer publishes its last entries and
      // then asks for a stop, so a stop seen here finds them in the tail read after
      const stopping = queue.stopRequested();
      const tail = this.#spin(head);
      if (tail !== head) {
        head = this.#drain(head, tail);
        queue.advance(head);
      } else if (stopping) break;
      else queue.waitPast(head, 100);
    }
    this.#flush();
    queue.markStopped();
  }

  /**
   * The published tail, after a short spin while it is still `head` (it
   * catches the next batch without a futex round trip).
   *
   * @param head the consumer's position
   * @returns the tail (`head` when nothing came)
   */
  #spin(head: number): number {
    const queue = this.#queue;
    let tail = queue.publishedTail();
    for (let k = this.#spinChecks; k > 0 && tail === head; k--) tail = queue.publishedTail();
    return tail;
  }

  /**
   * Send the forwards and carry out the releases of entries `head` up to
   * `tail`, then flush.
   *
   * @param head the first entry
   * @param tail one past the last entry
   * @returns the new head (`tail`)
   */
  #drain(head: number, tail: number): number {
    const queue = this.#queue;
    const entries = queue.entries;
    while (head !== tail) {
      const w = entryWord(queue, head);
      const side = entries[w] >>> 8;
      if ((entries[w] & 0xff) === ENTRY_FORWARD) {
        this.#sender.add(this.#fds[side ^ 1], side, entries[w + 1], entries[w + 2]);
      } else {
        this.#flush();
        this.#release(side, entries[w + 1], entries[w + 2]);
      }
      head = (head + 1) >>> 0;
    }
    this.#flush();
    return head;
  }

  #flush(): void {
    const sender = this.#sender;
    sender.flush();
    const counters = this.#queue.counters;
    counters[SendCounter.SENT] = sender.sent;
    counters[SendCounter.ERRORS] = sender.errors;
    counters[SendCounter.LAST_ERRNO] = sender.lastErrno;
  }

  #release(side: number, first: number, count: number): void {
    const status = this.#status[side];
    const size = this.#frameSize[side];
    const slots = this.#frameCount[side];
    let slot = first;
    for (let k = count; k > 0; k--) {
      Atomics.store(status, (slot * size) >>> 2, 0);
      slot = slot + 1 === slots ? 0 : slot + 1;
    }
    this.#queue.counters[SendCounter.RELEASED] += count;
  }
}
