/**
 * A DNS transaction: one DNS message, as in Suricata 7.0 (rust/src/dns/dns.rs
 * creates a transaction per request and one per response, and never pairs
 * them; EVE's `tx_id` counts messages).
 *
 * @module
 */

import { Transaction } from "./transaction.ts";

/**
 * One DNS message (a query or a response) with what rules and EVE need from
 * it. {@link Transaction.progress} is the message's side
 * ({@link TxSide.REQUEST} for a message read to the server,
 * {@link TxSide.RESPONSE} to the client): a DNS transaction never gets the
 * other part.
 */
export class DnsTx extends Transaction {
  /** The side the message travelled ({@link TxSide.REQUEST} or {@link TxSide.RESPONSE}). */
  side = 0;
  /** The DNS header's id. */
  dnsId = 0;
  /** The DNS header's flags word (QR, opcode, AA, TC, RD, RA, Z, rcode). */
  flags = 0;
  /** The opcode (flags bits 11-14): what the `dns.opcode` keyword matches. */
  opcode = 0;
  /** The rcode (low 4 bits of the flags). */
  rcode = 0;
  /** The number of questions read. */
  queryCount = 0;
  /** Each question's type (first {@link DnsTx.queryCount} entries). */
  queryTypes: Uint16Array = new Uint16Array(4);
  /** A copy of the message (header included) for EVE; its capacity is kept on reuse. */
  msg: Uint8Array = new Uint8Array(512);
  /** Bytes of {@link DnsTx.msg} in use. */
  msgLen = 0;

  /** The first question's type, or -1 when there is none. */
  get rrtype(): number {
    return this.queryCount > 0 ? this.queryTypes[0] : -1;
  }

  /** Whether the message is a response by its QR bit. */
  get qr(): boolean {
    return (this.flags & 0x8000) !== 0;
  }

  /** Make the transaction new again (pool reuse). */
  override reset(): void {
    super.reset();
    this.side = 0;
    this.dnsId = 0;
    this.flags = 0;
    this.opcode = 0;
    this.rcode = 0;
    this.queryCount = 0;
    this.msgLen = 0;
  }

  /**
   * Copy a message and its header fields into the transaction.
   *
   * @param data the bytes holding the message
   * @param start where it starts (its header)
   * @param end where it ends
   */
  setMessage(data: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n > this.msg.length) {
      let size = this.msg.length * 2;
      while (size < n) size *= 2;
      this.msg = new Uint8Array(size);
    }
    const m = this.msg;
    for (let k = 0; k < n; k++) m[k] = data[start + k];
    this.msgLen = n;
    this.dnsId = (data[start] << 8) | data[start + 1];
    this.flags = (data[start + 2] << 8) | data[start + 3];
    this.opcode = (this.flags >> 11) & 0xf;
    this.rcode = this.flags & 0xf;
  }

  /**
   * Record the questions' types.
   *
   * @param types the types
   * @param count how many
   */
  setQueryTypes(types: Uint16Array, count: number): void {
    if (count > this.queryTypes.length) this.queryTypes = new Uint16Array(count);
    for (let k = 0; k < count; k++) this.queryTypes[k] = types[k];
    this.queryCount = count;
  }
}
