/**
 * The decoder's entry points: copy a frame descriptor into the reused
 * {@link Packet} and decode it by its link type.
 *
 * @module
 */

import type { FrameBatch } from "../capture/frame_batch.ts";
import { decodeChdlc } from "./chdlc.ts";
import { decodeEthernet } from "./ethernet.ts";
import { decodeNull } from "./null.ts";
import type { Packet } from "./packet.ts";
import { decodePpp } from "./ppp.ts";
import { decodeRaw } from "./raw.ts";
import { decodeSll, decodeSll2 } from "./sll.ts";

/** Link types (pcap LINKTYPE_* values) the decoder dispatches on. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  /** DLT_RAW on most systems. */
  RAW_12: 12,
  /** DLT_RAW on OpenBSD. */
  RAW_14: 14,
  RAW: 101,
  CHDLC: 104,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/**
 * Decode the frame `packet` already describes (`data`, `frameOffset`,
 * `capLen`, `linkType` set): reset every decoded field, then decode by link
 * type. Unknown link types leave `layers` 0. Reads never go past `capLen`
 * nor past the end of `data`; nothing is allocated and nothing is thrown.
 *
 * @example
 * ```ts
 * import { Packet } from "./packet.ts";
 * import { decodePacket } from "./decoder.ts";
 * const p = new Packet();
 * p.data = new Uint8Array(64); // a frame of zeros
 * p.capLen = p.wireLen = 64;
 * p.linkType = 1;
 * decodePacket(p); // Ethernet, Ethertype 0: nothing further
 * ```
 *
 * @param packet the packet to decode in place
 */
export function decodePacket(packet: Packet): void {
  packet.reset();
  let len = packet.capLen;
  const avail = packet.data.length - packet.frameOffset;
  if (avail < len) len = avail > 0 ? avail : 0;
  switch (packet.linkType) {
    case LinkType.ETHERNET:
      decodeEthernet(packet, 0, len, 0);
      break;
    case LinkType.NULL:
      decodeNull(packet, 0, len, 0);
      break;
    case LinkType.PPP:
      decodePpp(packet, 0, len, 0);
      break;
    case LinkType.RAW:
    case LinkType.RAW_12:
    case LinkType.RAW_14:
    case LinkType.IPV4:
    case LinkType.IPV6:
      decodeRaw(packet, 0, len, 0);
      break;
    case LinkType.CHDLC:
      decodeChdlc(packet, 0, len, 0);
      break;
    case LinkType.LINUX_SLL:
      decodeSll(packet, 0, len, 0);
      break;
    case LinkType.LINUX_SLL2:
      decodeSll2(packet, 0, len, 0);
      break;
  }
}

/**
 * Copy descriptor `index` of `batch` into `packet` and decode it.
 *
 * @param packet the reused packet
 * @param batch the batch holding the descriptor
 * @param index which descriptor, 0..batch.count-1
 */
export function decodeFrame(packet: Packet, batch: FrameBatch, index: number): void {
  packet.data = batch.data;
  packet.frameOffset = batch.offset[index];
  packet.capLen = batch.capLen[index];
  packet.wireLen = batch.wireLen[index];
  packet.linkType = batch.linkType[index];
  packet.tsSec = batch.tsSec[index];
  packet.tsNsec = batch.tsNsec[index];
  decodePacket(packet);
}
