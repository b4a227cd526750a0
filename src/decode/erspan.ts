/**
 * ERSPAN mirrored frames carried in GRE: type II (8-byte header, version 1)
 * as Suricata, and type III (12-byte header, version 2, optional 8-byte
 * platform sub-header), whose Ethernet frames are decoded too. Type I has
 * no header and is decoded by the GRE decoder directly.
 *
 * @module
 */

import { layerLimitReached } from "./_layers.ts";
import { u16, u8 } from "./_read.ts";
import { decodeEthernet } from "./ethernet.ts";
import { Ev } from "./events.ts";
import { Layer, type Packet } from "./packet.ts";
import { VLAN_MAX_LAYERS } from "./vlan.ts";

/** ERSPAN type II header length. */
export const ERSPAN2_HEADER_LEN = 8;
/** ERSPAN type III header length, without the platform sub-header. */
export const ERSPAN3_HEADER_LEN = 12;

/** Record the session's VLAN as Suricata does; false when there is no room left. */
function pushVlan(p: Packet, id: number): boolean {
  if (id === 0) return true;
  if (p.vlanCount >= VLAN_MAX_LAYERS) {
    p.setEvent(Ev.ERSPAN_TOO_MANY_VLAN_LAYERS);
    return false;
  }
  if (p.vlanCount === 0) p.vlanId0 = id;
  else if (p.vlanCount === 1) p.vlanId1 = id;
  else p.vlanId2 = id;
  p.vlanCount++;
  return true;
}

/**
 * Decode an ERSPAN type II header and the mirrored Ethernet frame.
 * Raises `erspan.header_too_small`, `erspan.unsupported_version`,
 * `erspan.too_many_vlan_layers`.
 *
 * @param p the packet being decoded
 * @param off offset of the ERSPAN header
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodeErspanType2(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.ERSPAN;
  if (len < ERSPAN2_HEADER_LEN) {
    p.setEvent(Ev.ERSPAN_HEADER_TOO_SMALL);
    return;
  }
  if (layerLimitReached(p, depth)) return;
  const verVlan = u16(p, off);
  if (verVlan >>> 12 !== 1) {
    p.setEvent(Ev.ERSPAN_UNSUPPORTED_VERSION);
    return;
  }
  if (!pushVlan(p, verVlan & 0x0fff)) return;
  decodeEthernet(p, off + ERSPAN2_HEADER_LEN, len - ERSPAN2_HEADER_LEN, depth + 1);
}

/**
 * Decode an ERSPAN type III header and, when its frame type is Ethernet,
 * the mirrored frame. Raises the same events as type II.
 *
 * @param p the packet being decoded
 * @param off offset of the ERSPAN header
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodeErspanType3(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.ERSPAN;
  if (len < ERSPAN3_HEADER_LEN) {
    p.setEvent(Ev.ERSPAN_HEADER_TOO_SMALL);
    return;
  }
  if (layerLimitReached(p, depth)) return;
  const verVlan = u16(p, off);
  if (verVlan >>> 12 !== 2) {
    p.setEvent(Ev.ERSPAN_UNSUPPORTED_VERSION);
    return;
  }
  let hlen = ERSPAN3_HEADER_LEN;
  // Byte 11, bit 0: an 8-byte platform-specific sub-header follows.
  if ((u8(p, off + 11) & 0x01) !== 0) hlen += 8;
  if (len < hlen) {
    p.setEvent(Ev.ERSPAN_HEADER_TOO_SMALL);
    return;
  }
  if (!pushVlan(p, verVlan & 0x0fff)) return;
  // Frame type (byte 10, bits 2-6): 0 is Ethernet.
  if (((u8(p, off + 10) >>> 2) & 0x1f) !== 0) return;
  decodeEthernet(p, off + hlen, len - hlen, depth + 1);
}
