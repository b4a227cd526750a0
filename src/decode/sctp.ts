/**
 * SCTP: the common header (ports), as Suricata 7; chunks are not decoded.
 *
 * @module
 */

import { u16 } from "./_read.ts";
import { Ev } from "./events.ts";
import { Layer, type Packet } from "./packet.ts";

/** SCTP common header length. */
export const SCTP_HEADER_LEN = 12;

/**
 * Decode an SCTP common header; the payload is the chunks after it.
 * Raises `sctp.pkt_too_small`.
 *
 * @param p the packet being decoded
 * @param off offset of the SCTP header
 * @param len bytes of the IP payload available from `off`
 */
export function decodeSctp(p: Packet, off: number, len: number): void {
  p.layers |= Layer.SCTP;
  if (len < SCTP_HEADER_LEN) {
    p.setEvent(Ev.SCTP_PKT_TOO_SMALL);
    return;
  }
  p.l4Offset = off;
  p.l4HeaderLen = SCTP_HEADER_LEN;
  p.srcPort = u16(p, off);
  p.dstPort = u16(p, off + 2);
  p.payloadOffset = off + SCTP_HEADER_LEN;
  p.payloadLen = len - SCTP_HEADER_LEN;
}
