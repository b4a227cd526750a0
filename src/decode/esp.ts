/**
 * ESP: the SPI and sequence number header; what follows is encrypted and is
 * the payload, as Suricata 7.
 *
 * @module
 */

import { Ev } from "./events.ts";
import type { Packet } from "./packet.ts";

/** ESP header length: SPI and sequence number. */
export const ESP_HEADER_LEN = 8;

/**
 * Decode an ESP header. Raises `esp.pkt_too_small`.
 *
 * @param p the packet being decoded
 * @param off offset of the ESP header
 * @param len bytes of the IP payload available from `off`
 */
export function decodeEsp(p: Packet, off: number, len: number): void {
  if (len < ESP_HEADER_LEN) {
    p.setEvent(Ev.ESP_PKT_TOO_SMALL);
    return;
  }
  p.l4Offset = off;
  p.l4HeaderLen = ESP_HEADER_LEN;
  p.payloadOffset = off + ESP_HEADER_LEN;
  p.payloadLen = len - ESP_HEADER_LEN;
}
