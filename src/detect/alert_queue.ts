/**
 * The alerts of one packet: signature indices in a preallocated typed array,
 * reset per packet (Suricata's PacketAlerts, bounded by packet-alert-max).
 *
 * @module
 */

import type { Transaction } from "../app/transaction.ts";

/** Suricata's default packet-alert-max. */
export const DEFAULT_ALERT_MAX = 15;

/** Signature indices that alerted on the current packet, in evaluation order. */
export class AlertQueue {
  /** Signature indices (engine order). */
  readonly sigIndex: Int32Array;
  /** 1 where the alert matched on reassembled stream data (Suricata's PACKET_ALERT_FLAG_STREAM_MATCH). */
  readonly streamMatch: Uint8Array;
  /** The transaction each alert matched in, null for packet and stream alerts. */
  readonly tx: (Transaction | null)[];
  /** Number of alerts queued. */
  count = 0;

  /** @param capacity the most alerts one packet may hold */
  constructor(capacity: number = 64) {
    this.sigIndex = new Int32Array(capacity);
    this.streamMatch = new Uint8Array(capacity);
    this.tx = new Array<Transaction | null>(capacity).fill(null);
  }

  /** Forget the previous packet's alerts. */
  reset(): void {
    this.count = 0;
  }

  /**
   * Queue a signature's alert; ignored when the queue is full.
   *
   * @param sigIndex the signature's engine index
   * @param streamMatch whether it matched on the reassembled stream
   */
  push(sigIndex: number, streamMatch = false, tx: Transaction | null = null): void {
    if (this.count < this.sigIndex.length) {
      this.streamMatch[this.count] = streamMatch ? 1 : 0;
      this.tx[this.count] = tx;
      this.sigIndex[this.count++] = sigIndex;
    }
  }
}
