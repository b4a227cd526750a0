/**
 * A turn of the event loop for long synchronous loops (the offline scan, the
 * live capture loop): promise callbacks and progress output run, through a
 * MessageChannel message rather than a timer, whose millisecond floor made a
 * turn cost ~2.4 ms (a MessageChannel turn ~0.2 ms). Signals and other I/O
 * need {@link EventLoopYield.yieldToIo}, which lets the runtime poll its I/O
 * driver.
 *
 * @example
 * ```ts
 * import { EventLoopYield } from "./event_loop_yield.ts";
 * const yielder = new EventLoopYield();
 * try {
 *   await yielder.yield(); // pending callbacks have run
 * } finally {
 *   yielder.close();
 * }
 * ```
 *
 * @module
 */

const NO_BYTES = new Uint8Array(0);

/** Yields to the event loop through a MessageChannel. Close it when done. */
export class EventLoopYield {
  readonly #channel = new MessageChannel();
  #wake: (() => void) | null = null;
  /** Calls of {@link EventLoopYield.turn} so far. */
  #turns = 0;

  /** Open the channel (it keeps the event loop alive until {@link EventLoopYield.close}). */
  constructor() {
    this.#channel.port1.onmessage = () => {
      const wake = this.#wake;
      this.#wake = null;
      wake?.();
    };
  }

  /**
   * Resolve after one message turn.
   *
   * @returns a promise resolved on the next turn
   */
  yield(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#channel.port2.postMessage(0);
    });
  }

  /**
   * Resolve after a message turn and then a turn in which the runtime
   * polls its I/O driver, where signals (SIGINT, SIGTERM) and sockets are
   * seen. A message turn alone completes without the runtime ever waiting,
   * so a loop that blocks between turns may never see a signal: with a turn
   * every 250 ms a SIGUSR1 listener was not called in 20 s. This turn awaits
   * a digest of no bytes, which Deno computes off the JavaScript thread:
   * about 0.3-0.8 ms here, against 2.4 ms for a timer; the signal's
   * listener then ran within the same turn.
   *
   * @returns a promise resolved once the runtime has polled its I/O
   */
  async yieldToIo(): Promise<void> {
    await this.yield();
    await crypto.subtle.digest("SHA-256", NO_BYTES);
  }

  /**
   * A turn, of the I/O kind ({@link EventLoopYield.yieldToIo}) every
   * `ioMask + 1`th call (counted across calls), else a message turn: loops
   * that yield often pay for the I/O turn only now and then.
   *
   * @param ioMask a power of two minus one: 1 for every other call, 3 for every 4th
   * @returns a promise resolved after the turn
   */
  turn(ioMask: number): Promise<void> {
    return (++this.#turns & ioMask) === 0 ? this.yieldToIo() : this.yield();
  }

  /** Release the channel (it keeps the event loop alive while open). */
  close(): void {
    this.#channel.port1.close();
    this.#channel.port2.close();
  }
}
