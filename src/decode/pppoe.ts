/**
 * PPP over Ethernet: discovery (Ethertype 0x8863, validated and counted) and
 * session (0x8864, the PPP protocol field then the PPP payload).
 *
 * @module
 */

import { u16, u8 } from "./_read.ts";
import { Ev } from "./events.ts";
import { Layer, type Packet } from "./packet.ts";
import { decodePppPayload } from "./ppp.ts";

/** PPPoE discovery header length: version/type, code, session id, length. */
export const PPPOE_DISCOVERY_HEADER_LEN = 6;
/** PPPoE session header length with a one-byte PPP protocol. */
export const PPPOE_SESSION_HEADER_MIN_LEN = 7;

/**
 * Decode a PPPoE discovery packet. Raises `pppoe.pkt_too_small`,
 * `pppoe.wrong_code` and `pppoe.malformed_tags` (length beyond the frame).
 *
 * @param p the packet being decoded
 * @param off offset of the PPPoE header
 * @param len bytes available from `off`
 */
export function decodePppoeDiscovery(p: Packet, off: number, len: number): void {
  p.layers |= Layer.PPPOE;
  if (len < PPPOE_DISCOVERY_HEADER_LEN) {
    p.setEvent(Ev.PPPOE_PKT_TOO_SMALL);
    return;
  }
  switch (u8(p, off + 1)) {
    case 0x09: // PADI
    case 0x07: // PADO
    case 0x19: // PADR
    case 0x65: // PADS
    case 0xa7: // PADT
      break;
    default:
      p.setEvent(Ev.PPPOE_WRONG_CODE);
      return;
  }
  if (u16(p, off + 4) > len - PPPOE_DISCOVERY_HEADER_LEN) p.setEvent(Ev.PPPOE_MALFORMED_TAGS);
}

/**
 * Decode a PPPoE session packet and the PPP payload it carries.
 * Raises `pppoe.pkt_too_small` and the PPP payload events.
 *
 * @param p the packet being decoded
 * @param off offset of the PPPoE header
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodePppoeSession(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.PPPOE;
  if (len < PPPOE_SESSION_HEADER_MIN_LEN) {
    p.setEvent(Ev.PPPOE_PKT_TOO_SMALL);
    return;
  }
  if (u16(p, off + 4) === 0) return;
  p.layers |= Layer.PPP;
  let proto = u8(p, off + 6);
  let hlen = PPPOE_SESSION_HEADER_MIN_LEN;
  if ((proto & 0x01) === 0) {
    // Two-byte protocol field.
    hlen++;
    if (len < hlen) {
      p.setEvent(Ev.PPPOE_PKT_TOO_SMALL);
      return;
    }
    proto = (proto << 8) | u8(p, off + 7);
  }
  decodePppPayload(p, proto, off + hlen, len - hlen, depth);
}
