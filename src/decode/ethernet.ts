/**
 * Ethernet II (link type 1), and the Data Center Ethernet prefix (0x8903).
 *
 * @module
 */

import { layerLimitReached } from "./_layers.ts";
import { u16 } from "./_read.ts";
import { decodeEtherType } from "./ether_type.ts";
import { Ev } from "./events.ts";
import { Layer, type Packet } from "./packet.ts";

/** Ethernet header length: destination, source, Ethertype. */
export const ETHERNET_HEADER_LEN = 14;

/**
 * Decode an Ethernet II header and what follows it.
 * Raises `ethernet.pkt_too_small` when fewer than 14 bytes are present.
 *
 * @param p the packet being decoded
 * @param off offset of the Ethernet header
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodeEthernet(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.ETHERNET;
  if (len < ETHERNET_HEADER_LEN) {
    p.setEvent(Ev.ETHERNET_PKT_TOO_SMALL);
    return;
  }
  if (layerLimitReached(p, depth)) return;
  decodeEtherType(
    p,
    u16(p, off + 12),
    off + ETHERNET_HEADER_LEN,
    len - ETHERNET_HEADER_LEN,
    depth + 1,
  );
}

/**
 * Decode a Data Center Ethernet payload (Ethertype 0x8903): two bytes, then
 * another Ethernet header. Raises `dce.pkt_too_small` below 16 bytes.
 *
 * @param p the packet being decoded
 * @param off offset after the outer Ethertype
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodeDce(p: Packet, off: number, len: number, depth: number): void {
  if (len < ETHERNET_HEADER_LEN + 2) {
    p.setEvent(Ev.DCE_PKT_TOO_SMALL);
    return;
  }
  decodeEthernet(p, off + 2, len - 2, depth);
}
