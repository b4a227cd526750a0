/**
 * The queue from the packet thread to the send thread: which frames to
 * forward (a ring side, the frame's offset in that ring, its length) and
 * which slots to hand back to the kernel once they are sent, in order, in
 * one SharedArrayBuffer. One producer, one consumer; positions only grow
 * (modulo 2^32) and are published with sequentially consistent stores, so
 * an entry's words are visible before its position is.
 *
 * Nothing here allocates after construction.
 *
 * @module
 */

/** Entry kind: forward a frame. Words: kind | side << 8, frame offset, frame length. */
export const ENTRY_FORWARD = 1;
/** Entry kind: hand slots back to the kernel. Words: kind | side << 8, first slot, slot count. */
export const ENTRY_RELEASE = 2;

/** 32-bit words per entry. */
const ENTRY_WORDS = 4;

/** Control words. */
const enum Control {
  /** Entries published by the producer (grows). */
  TAIL = 0,
  /** Entries done by the consumer (grows). */
  HEAD = 1,
  /** 1 while the consumer sleeps (or is about to) in `Atomics.wait` on TAIL. */
  SLEEPING = 2,
  /** 1 once the producer asks the consumer to finish what is queued and stop. */
  STOP = 3,
  /** 1 once the consumer has stopped. */
  STOPPED = 4,
  /** 1 while the producer sleeps in `Atomics.wait` on HEAD. */
  PRODUCER_SLEEPING = 5,
  /** 1 once the consumer has failed (an exception): it sends and releases nothing more. */
  FAILED = 6,
  WORDS = 8,
}

/** Indexes of the counters the consumer keeps in {@link SendQueue.counters} (one writer). */
export const SendCounter = {
  /** Frames sent. */
  SENT: 0,
  /** Frames lost to send errors. */
  ERRORS: 1,
  /** errno of the last error. */
  LAST_ERRNO: 2,
  /** Slots handed back to the kernel. */
  RELEASED: 3,
  /** Float64 words reserved. */
  WORDS: 4,
} as const;

/** The queue's shared memory and its views, on either side. */
export class SendQueue {
  /** The shared memory: control words, counters, entries. */
  readonly buffer: SharedArrayBuffer;
  /** Entries the queue holds at most (a power of two). */
  readonly capacity: number;
  readonly #control: Int32Array;
  /** Entry words. */
  readonly entries: Int32Array;
  /** The consumer's counters. */
  readonly counters: Float64Array;
  /** The producer's unpublished tail. */
  #tail = 0;

  /**
   * @param capacityOrBuffer entries (a power of two) for a new queue, or the
   *   buffer of an existing one (the other side's)
   */
  constructor(capacityOrBuffer: number | SharedArrayBuffer) {
    const counterBytes = SendCounter.WORDS * 8;
    const controlBytes = Control.WORDS * 4;
    if (typeof capacityOrBuffer === "number") {
      const capacity = capacityOrBuffer;
      if (capacity < 2 || (capacity & (capacity - 1)) !== 0) {
        throw new RangeError(`send queue capacity ${capacity} is not a power of two`);
      }
      this.buffer = new SharedArrayBuffer(
        counterBytes + controlBytes + capacity * ENTRY_WORDS * 4,
      );
    } else {
      this.buffer = capacityOrBuffer;
    }
    this.counters = new Float64Array(this.buffer, 0, SendCounter.WORDS);
    this.#control = new Int32Array(this.buffer, counterBytes, Control.WORDS);
    this.entries = new Int32Array(this.buffer, counterBytes + controlBytes);
    this.capacity = this.entries.length / ENTRY_WORDS;
    this.#tail = Atomics.load(this.#control, Control.TAIL);
  }

  // --- producer side (the packet thread) ---

  /**
   * Queue a frame to forward (published by {@link publish}).
   *
   * @param side the ring the frame lies in (it leaves by the other side)
   * @param offset the frame's first byte in that ring
   * @param length the frame's length
   * @returns false when the queue is full (nothing queued)
   */
  pushForward(side: number, offset: number, length: number): boolean {
    return this.#push(ENTRY_FORWARD | (side << 8), offset, length);
  }

  /**
   * Queue slots to hand back to the kernel once the frames queued before
   * them are sent (published by {@link publish}).
   *
   * @param side the ring
   * @param first the first slot
   * @param count how many slots, wrapping at the ring's end
   * @returns false when the queue is full (nothing queued)
   */
  pushRelease(side: number, first: number, count: number): boolean {
    return this.#push(ENTRY_RELEASE | (side << 8), first, count);
  }

  /**
   * Make the queued entries visible to the consumer, and wake it if it
   * sleeps (a futex wake: only then a system call).
   */
  publish(): void {
    const control = this.#control;
    Atomics.store(control, Control.TAIL, this.#tail);
    if (Atomics.load(control, Control.SLEEPING) === 1) Atomics.notify(control, Control.TAIL, 1);
  }

  /** Entries queued (published or not) and not yet done by the consumer. */
  get backlog(): number {
    return (this.#tail - Atomics.load(this.#control, Control.HEAD)) >>> 0;
  }

  /**
   * Sleep until the consumer has done more than it had (its head moves), at
   * most `timeoutMs`. The slots a consumer holds keep a ring's socket
   * readable to `poll(2)`, so a producer with nothing to do waits here
   * rather than there.
   *
   * @param timeoutMs the longest sleep
   */
  waitForConsumer(timeoutMs: number): void {
    const control = this.#control;
    const head = Atomics.load(control, Control.HEAD);
    if (((this.#tail - head) >>> 0) === 0) return;
    Atomics.store(control, Control.PRODUCER_SLEEPING, 1);
    if (
      Atomics.load(control, Control.HEAD) === head && Atomics.load(control, Control.STOPPED) === 0
    ) {
      Atomics.wait(control, Control.HEAD, head, timeoutMs);
    }
    Atomics.store(control, Control.PRODUCER_SLEEPING, 0);
  }

  /** Whether the consumer sleeps (or is about to): a {@link publish} would wake it. */
  get consumerSleeping(): boolean {
    return Atomics.load(this.#control, Control.SLEEPING) === 1;
  }

  /** Ask the consumer to finish what is queued and stop. */
  requestStop(): void {
    this.publish();
    Atomics.store(this.#control, Control.STOP, 1);
    Atomics.notify(this.#control, Control.TAIL, 1);
  }

  /** Whether the consumer has stopped. */
  get stopped(): boolean {
    return Atomics.load(this.#control, Control.STOPPED) === 1;
  }

  #push(kind: number, a: number, b: number): boolean {
    const tail = this.#tail;
    if (((tail - Atomics.load(this.#control, Control.HEAD)) >>> 0) >= this.capacity) return false;
    const w = (tail & (this.capacity - 1)) * ENTRY_WORDS;
    const entries = this.entries;
    entries[w] = kind;
    entries[w + 1] = a;
    entries[w + 2] = b;
    this.#tail = (tail + 1) >>> 0;
    return true;
  }

  // --- consumer side (the send thread) ---

  /** The published tail (entries up to it may be read). */
  publishedTail(): number {
    return Atomics.load(this.#control, Control.TAIL) >>> 0;
  }

  /** The consumer's position. */
  head(): number {
    return Atomics.load(this.#control, Control.HEAD) >>> 0;
  }

  /**
   * Mark entries up to `head` done (their slots may be reused by the producer).
   *
   * @param head the new position
   */
  advance(head: number): void {
    const control = this.#control;
    Atomics.store(control, Control.HEAD, head | 0);
    if (Atomics.load(control, Control.PRODUCER_SLEEPING) === 1) {
      Atomics.notify(control, Control.HEAD, 1);
    }
  }

  /**
   * Sleep until the tail moves past `seen`, a stop is asked, or `timeoutMs` passes.
   *
   * @param seen the tail the consumer has done
   * @param timeoutMs the longest sleep
   */
  waitPast(seen: number, timeoutMs: number): void {
    const control = this.#control;
    Atomics.store(control, Control.SLEEPING, 1);
    // the producer stores TAIL before reading SLEEPING: either it sees 1 and wakes
    // us, or this read sees its new tail
    if ((Atomics.load(control, Control.TAIL) >>> 0) === seen && !this.stopRequested()) {
      Atomics.wait(control, Control.TAIL, seen | 0, timeoutMs);
    }
    Atomics.store(control, Control.SLEEPING, 0);
  }

  /** Whether the producer asked for a stop. */
  stopRequested(): boolean {
    return Atomics.load(this.#control, Control.STOP) === 1;
  }

  /** Whether the consumer has failed (it touches the rings no more). */
  get failed(): boolean {
    return Atomics.load(this.#control, Control.FAILED) === 1;
  }

  /** Tell the producer the consumer has failed (and touches the rings no more). */
  markFailed(): void {
    Atomics.store(this.#control, Control.FAILED, 1);
    Atomics.notify(this.#control, Control.HEAD, 1);
  }

  /** Tell the producer the consumer has stopped. */
  markStopped(): void {
    Atomics.store(this.#control, Control.STOPPED, 1);
    Atomics.notify(this.#control, Control.HEAD, 1);
  }
}

/**
 * The word index of entry `position` in {@link SendQueue.entries}.
 *
 * @param queue the queue
 * @param position an entry position
 * @returns the index of its first word
 */
export function entryWord(queue: SendQueue, position: number): number {
  return (position & (queue.capacity - 1)) * ENTRY_WORDS;
}
