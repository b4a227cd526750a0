/**
 * UDP: header checks as Suricata's `DecodeUDP`, then the UDP-borne tunnels:
 * Teredo (port 3544 either side) and VXLAN (port 4789 either side).
 *
 * @module
 */

import { u16 } from "./_read.ts";
import { Ev } from "./events.ts";
import { Layer, type Packet } from "./packet.ts";
import { decodeTeredo, TEREDO_PORT } from "./teredo.ts";
import { decodeVxlan, VXLAN_PORT } from "./vxlan.ts";

/** UDP header length. */
export const UDP_HEADER_LEN = 8;

/**
 * Decode a UDP header; the payload is `length - 8` bytes after it. Raises
 * `udp.hlen_too_small` (under 8 bytes), `udp.pkt_too_small` (length field
 * past the IP payload) and `udp.len_invalid` (length field under 8). An
 * invalid header leaves the transport fields unset.
 *
 * @param p the packet being decoded
 * @param off offset of the UDP header
 * @param len bytes of the IP payload available from `off`
 * @param depth layers decoded so far
 */
export function decodeUdp(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.UDP;
  if (len < UDP_HEADER_LEN) {
    p.setEvent(Ev.UDP_HLEN_TOO_SMALL);
    return;
  }
  const udpLen = u16(p, off + 4);
  if (len < udpLen) {
    p.setEvent(Ev.UDP_PKT_TOO_SMALL);
    return;
  }
  if (udpLen < UDP_HEADER_LEN) {
    p.setEvent(Ev.UDP_LEN_INVALID);
    return;
  }
  const sp = u16(p, off);
  const dp = u16(p, off + 2);
  p.l4Offset = off;
  p.l4HeaderLen = UDP_HEADER_LEN;
  p.srcPort = sp;
  p.dstPort = dp;
  p.udpLen = udpLen;
  p.payloadOffset = off + UDP_HEADER_LEN;
  p.payloadLen = udpLen - UDP_HEADER_LEN;
  const payload = off + UDP_HEADER_LEN;
  const payloadLen = udpLen - UDP_HEADER_LEN;
  if (
    (sp === TEREDO_PORT || dp === TEREDO_PORT) && decodeTeredo(p, payload, payloadLen, depth)
  ) return;
  if (sp === VXLAN_PORT || dp === VXLAN_PORT) decodeVxlan(p, payload, payloadLen, depth);
}
