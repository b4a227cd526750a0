/**
 * Linux "cooked" capture headers: LINUX_SLL (link type 113, 16 bytes,
 * protocol at 14) and LINUX_SLL2 (link type 276, 20 bytes, protocol at 0).
 *
 * @module
 */

import { layerLimitReached } from "./_layers.ts";
import { u16 } from "./_read.ts";
import { decodeEtherType } from "./ether_type.ts";
import { Ev } from "./events.ts";
import { Layer, type Packet } from "./packet.ts";

/** LINUX_SLL header length. */
export const SLL_HEADER_LEN = 16;
/** LINUX_SLL2 header length. */
export const SLL2_HEADER_LEN = 20;

/**
 * Decode a LINUX_SLL header and what follows it. Raises `sll.pkt_too_small`.
 *
 * @param p the packet being decoded
 * @param off offset of the header
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodeSll(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.SLL;
  if (len < SLL_HEADER_LEN) {
    p.setEvent(Ev.SLL_PKT_TOO_SMALL);
    return;
  }
  if (layerLimitReached(p, depth)) return;
  decodeEtherType(p, u16(p, off + 14), off + SLL_HEADER_LEN, len - SLL_HEADER_LEN, depth + 1);
}

/**
 * Decode a LINUX_SLL2 header and what follows it. Raises `sll.pkt_too_small`.
 *
 * @param p the packet being decoded
 * @param off offset of the header
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodeSll2(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.SLL;
  if (len < SLL2_HEADER_LEN) {
    p.setEvent(Ev.SLL_PKT_TOO_SMALL);
    return;
  }
  if (layerLimitReached(p, depth)) return;
  decodeEtherType(p, u16(p, off), off + SLL2_HEADER_LEN, len - SLL2_HEADER_LEN, depth + 1);
}
