/**
 * The inline verdict on a two-interface bridge: what arrived on one ring
 * leaves by the other interface unless the verdict drops it; a reject also
 * answers with a TCP RST or ICMP unreachable.
 *
 * Forwarding is one `send(2)` from the frame's slot in the receive ring on
 * the peer interface's own packet socket (Suricata's AF_PACKET copy-mode):
 * no copy in user space, the kernel's copy on transmit only, and the peer's
 * socket does not capture its own transmission.
 *
 * @module
 */

import { errno, libc, sizeBigInt } from "../../ffi/libc.ts";
import type { AfPacketRing } from "../capture/afpacket.ts";
import type { FrameBatch } from "../capture/frame_batch.ts";
import type { Packet } from "../decode/packet.ts";
import { PacketVerdict } from "./packet_verdict.ts";
import { buildReject, RejectTarget } from "./reject_packet.ts";

/** Counters of an {@link InlineBridge}, Suricata's `ips.*` and more. */
export interface BridgeCounters {
  /** Frames forwarded to the peer interface. */
  accepted: number;
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

/** Forwards, drops and rejects frames between two rings. */
export class InlineBridge {
  /** The two sides: a frame from `rings[s]` leaves by `rings[s ^ 1]`. */
  readonly rings: readonly [AfPacketRing, AfPacketRing];
  /** What was done so far. */
  readonly counters: BridgeCounters = {
    accepted: 0,
    blocked: 0,
    rejected: 0,
    truncated: 0,
    sendErrors: 0,
    lastErrno: 0,
  };
  readonly #reject = new Uint8Array(2048);
  readonly #send = libc().send;

  /**
   * @param a one side of the bridge
   * @param b the other side
   */
  constructor(a: AfPacketRing, b: AfPacketRing) {
    this.rings = [a, b];
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
    this.counters.blocked++;
    if ((verdict & PacketVerdict.REJECT_SOURCE) !== 0) {
      this.#sendReject(p, RejectTarget.SOURCE, this.rings[side].fd);
    }
    if ((verdict & PacketVerdict.REJECT_DESTINATION) !== 0) {
      this.#sendReject(p, RejectTarget.DESTINATION, this.rings[side ^ 1].fd);
    }
  }

  /**
   * Send frame `i` of `batch` out of the other interface, from where it lies.
   *
   * @param side 0 or 1: the ring the batch came from
   * @param batch the batch
   * @param i the frame's index
   */
  forward(side: number, batch: FrameBatch, i: number): void {
    const length = batch.capLen[i];
    if (length < batch.wireLen[i]) {
      this.counters.truncated++;
      this.counters.blocked++;
      return;
    }
    const from = this.rings[side];
    const to = this.rings[side ^ 1];
    const sent = this.#send(to.fd, from.frameView(batch.offset[i]), sizeBigInt(length), 0);
    if (sent < 0) this.#sendFailed();
    else this.counters.accepted++;
  }

  #sendReject(p: Packet, target: number, fd: number): void {
    const length = buildReject(p, this.#reject, target);
    if (length === 0) return;
    if (this.#send(fd, this.#reject, sizeBigInt(length), 0) < 0) this.#sendFailed();
    else this.counters.rejected++;
  }

  #sendFailed(): void {
    this.counters.sendErrors++;
    this.counters.lastErrno = errno();
  }
}
