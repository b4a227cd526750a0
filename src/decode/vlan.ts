/**
 * IEEE 802.1Q / 802.1ad (QinQ, also 0x9100) VLAN tags, and the rarer
 * 802.1ah (provider backbone) and VN-Tag headers, as Suricata decodes them.
 * At most three VLAN tags are decoded; a fourth raises
 * `vlan.too_many_layers`.
 *
 * @module
 */

import { layerLimitReached } from "./_layers.ts";
import { u16 } from "./_read.ts";
import { decodeEtherType } from "./ether_type.ts";
import { Ev } from "./events.ts";
import { Layer, type Packet } from "./packet.ts";

/** VLAN tag length: TCI and inner Ethertype. */
export const VLAN_HEADER_LEN = 4;
/** VLAN tags decoded at most (Suricata's VLAN_MAX_LAYERS). */
export const VLAN_MAX_LAYERS = 3;
/** 802.1ah header length: I-TAG flags, customer destination, source, Ethertype. */
export const IEEE8021AH_HEADER_LEN = 18;
/** VN-Tag header length. */
export const VNTAG_HEADER_LEN = 6;

/**
 * Decode one VLAN tag (the bytes after its TPID) and what follows it.
 * Records the VLAN id in `vlanId0..2`; sets {@link Layer.QINQ} from the
 * second tag on. Raises `vlan.header_too_small`, `vlan.too_many_layers`,
 * `vlan.unknown_type`.
 *
 * @param p the packet being decoded
 * @param off offset of the tag control information
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodeVlan(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.VLAN;
  if (p.vlanCount >= 1) p.layers |= Layer.QINQ;
  if (len < VLAN_HEADER_LEN) {
    p.setEvent(Ev.VLAN_HEADER_TOO_SMALL);
    return;
  }
  if (layerLimitReached(p, depth)) return;
  if (p.vlanCount >= VLAN_MAX_LAYERS) {
    p.setEvent(Ev.VLAN_TOO_MANY_LAYERS);
    return;
  }
  const id = u16(p, off) & 0x0fff;
  if (p.vlanCount === 0) p.vlanId0 = id;
  else if (p.vlanCount === 1) p.vlanId1 = id;
  else p.vlanId2 = id;
  p.vlanCount++;
  const known = decodeEtherType(
    p,
    u16(p, off + 2),
    off + VLAN_HEADER_LEN,
    len - VLAN_HEADER_LEN,
    depth + 1,
  );
  if (!known) p.setEvent(Ev.VLAN_UNKNOWN_TYPE);
}

/**
 * Decode an IEEE 802.1ah (MAC-in-MAC) header and what follows it.
 * Raises `ieee8021ah.header_too_small`.
 *
 * @param p the packet being decoded
 * @param off offset after the 0x88e7 Ethertype
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodeIeee8021ah(p: Packet, off: number, len: number, depth: number): void {
  if (len < IEEE8021AH_HEADER_LEN) {
    p.setEvent(Ev.IEEE8021AH_HEADER_TOO_SMALL);
    return;
  }
  decodeEtherType(
    p,
    u16(p, off + 16),
    off + IEEE8021AH_HEADER_LEN,
    len - IEEE8021AH_HEADER_LEN,
    depth,
  );
}

/**
 * Decode a VN-Tag (802.1Qbh) header and what follows it.
 * Raises `vntag.header_too_small` and `vntag.unknown_type`.
 *
 * @param p the packet being decoded
 * @param off offset after the 0x8926 Ethertype
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodeVntag(p: Packet, off: number, len: number, depth: number): void {
  if (len < VNTAG_HEADER_LEN) {
    p.setEvent(Ev.VNTAG_HEADER_TOO_SMALL);
    return;
  }
  if (layerLimitReached(p, depth)) return;
  const known = decodeEtherType(
    p,
    u16(p, off + 4),
    off + VNTAG_HEADER_LEN,
    len - VNTAG_HEADER_LEN,
    depth + 1,
  );
  if (!known) p.setEvent(Ev.VNTAG_UNKNOWN_TYPE);
}
