/**
 * Cisco HDLC (link type 104): address, control, then an Ethertype.
 *
 * @module
 */

import { layerLimitReached } from "./_layers.ts";
import { u16 } from "./_read.ts";
import { decodeEtherType } from "./ether_type.ts";
import { Ev } from "./events.ts";
import { Layer, type Packet } from "./packet.ts";

/** Cisco HDLC header length. */
export const CHDLC_HEADER_LEN = 4;

/**
 * Decode a Cisco HDLC header and what follows it. Raises `chdlc.pkt_too_small`.
 *
 * @param p the packet being decoded
 * @param off offset of the header
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodeChdlc(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.CHDLC;
  if (len < CHDLC_HEADER_LEN) {
    p.setEvent(Ev.CHDLC_PKT_TOO_SMALL);
    return;
  }
  if (layerLimitReached(p, depth)) return;
  decodeEtherType(p, u16(p, off + 2), off + CHDLC_HEADER_LEN, len - CHDLC_HEADER_LEN, depth + 1);
}
