/**
 * Frames sent in batches from where they lie: up to {@link SEND_BATCH}
 * frames gathered, then one `sendmmsg(2)` whose iovecs point at them (in a
 * receive ring), so the kernel makes the only copy and one system call
 * carries the batch. Used by the inline bridge on the capture thread and by
 * its send thread.
 *
 * Nothing here allocates after construction, except on a failed send.
 *
 * @module
 */

import { addressOf, errno, IOVEC_SIZE, libc, MMSGHDR_SIZE } from "../../ffi/libc.ts";

/** The most frames one `sendmmsg(2)` sends. */
export const SEND_BATCH = 32;

/** Gathers frames by buffer slot and offset and sends them to one socket at a time. */
export class FrameSender {
  /** Frames sent. */
  sent = 0;
  /** Frames lost to send errors. */
  errors = 0;
  /** errno of the last send error (0: none). */
  lastErrno = 0;
  readonly #sendmmsg = libc().sendmmsg;
  /** `struct mmsghdr[SEND_BATCH]`, each naming its own iovec. */
  readonly #messages = new Uint8Array(new ArrayBuffer(SEND_BATCH * MMSGHDR_SIZE));
  /** `struct iovec[SEND_BATCH]` as 32-bit words: base low, base high, length low, high. */
  readonly #iovecs = new Uint32Array(new ArrayBuffer(SEND_BATCH * IOVEC_SIZE));
  /** Frames gathered, not sent yet. */
  #pending = 0;
  /** The socket they go to. */
  #fd = -1;
  /** The buffers frames are sent from (a bridge's two receive rings), by slot: first byte's address. */
  readonly #bases = new Float64Array(2);

  /** @throws {Error} when FFI is not allowed (no buffer address) */
  constructor() {
    const iovecs = addressOf(new Uint8Array(this.#iovecs.buffer));
    if (iovecs === 0) throw new Error("frame sender: no iovec address (FFI not allowed?)");
    const messages = new DataView(this.#messages.buffer);
    for (let k = 0; k < SEND_BATCH; k++) {
      // msghdr: msg_name, msg_namelen, msg_iov (offset 16), msg_iovlen (24); the rest 0
      messages.setBigUint64(k * MMSGHDR_SIZE + 16, BigInt(iovecs + k * IOVEC_SIZE), true);
      messages.setBigUint64(k * MMSGHDR_SIZE + 24, 1n, true);
    }
  }

  /**
   * Name a buffer frames are sent from.
   *
   * @param slot 0 or 1
   * @param address its first byte's address (below 2^53)
   * @throws {RangeError} when the slot is not 0 or 1
   */
  setBase(slot: number, address: number): void {
    if (slot !== 0 && slot !== 1) throw new RangeError(`frame sender: no buffer slot ${slot}`);
    this.#bases[slot] = address;
  }

  /**
   * Gather a frame to send to `fd`: sent by the next {@link flush} at the
   * latest (at once when the batch is full or goes to another socket first).
   * Its bytes must stay in place until then. The frame is given as a buffer
   * slot and an offset, both small integers: an address is a double, and a
   * double argument is boxed in a heap number by every call that is not
   * inlined (seen in the send thread: young garbage per frame).
   *
   * @param fd the socket to send it on
   * @param slot the buffer it lies in ({@link setBase})
   * @param offset its first byte's offset in that buffer
   * @param length its length
   */
  add(fd: number, slot: number, offset: number, length: number): void {
    if (this.#pending > 0 && fd !== this.#fd) this.flush();
    const address = this.#bases[slot] + offset;
    const w = this.#pending * 4;
    const iovecs = this.#iovecs;
    iovecs[w] = address % 0x100000000;
    iovecs[w + 1] = Math.floor(address / 0x100000000);
    iovecs[w + 2] = length;
    iovecs[w + 3] = 0;
    this.#fd = fd;
    if (++this.#pending === SEND_BATCH) this.flush();
  }

  /** Send the frames gathered. A frame the kernel refuses is counted lost; the rest still go. */
  flush(): void {
    const pending = this.#pending;
    if (pending === 0) return;
    this.#pending = 0;
    let done = 0;
    while (done < pending) {
      const messages = done === 0 ? this.#messages : this.#messages.subarray(done * MMSGHDR_SIZE);
      const sent = this.#sendmmsg(this.#fd, messages, pending - done, 0);
      if (sent > 0) {
        this.sent += sent;
        done += sent;
      } else {
        // the call's first message failed (or, not expected, none was taken): count it lost
        this.errors++;
        if (sent < 0) this.lastErrno = errno();
        done++;
      }
    }
  }
}
