/**
 * MPLS (Ethertypes 0x8847, 0x8848): the label stack, then the payload as
 * Suricata guesses it: IPv4 for the explicit-null label 0, IPv6 for label 2,
 * else by the first nibble (4, 6, or 0 for an Ethernet pseudowire behind a
 * 4-byte control word).
 *
 * @module
 */

import { layerLimitReached } from "./_layers.ts";
import { u8 } from "./_read.ts";
import { decodeEthernet } from "./ethernet.ts";
import { Ev } from "./events.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import { Layer, type Packet } from "./packet.ts";

/** One label stack entry. */
export const MPLS_HEADER_LEN = 4;
/** Pseudowire control word length. */
export const MPLS_PW_LEN = 4;

const LABEL_IPV4_NULL = 0;
const LABEL_ROUTER_ALERT = 1;
const LABEL_IPV6_NULL = 2;
const LABEL_IMPLICIT_NULL = 3;
const MAX_RESERVED_LABEL = 15;

/**
 * Decode an MPLS label stack and its payload. Counts labels in `mplsCount`.
 * Raises `mpls.header_too_small`, `mpls.pkt_too_small`,
 * `mpls.bad_label_router_alert`, `mpls.bad_label_implicit_null`,
 * `mpls.bad_label_reserved`, `mpls.unknown_payload_type`.
 *
 * @param p the packet being decoded
 * @param off offset of the first label stack entry
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodeMpls(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.MPLS;
  if (layerLimitReached(p, depth)) return;
  depth++;
  let label = 0;
  for (;;) {
    if (len < MPLS_HEADER_LEN) {
      p.setEvent(Ev.MPLS_HEADER_TOO_SMALL);
      return;
    }
    label = (u8(p, off) << 12) | (u8(p, off + 1) << 4) | (u8(p, off + 2) >>> 4);
    const bottom = u8(p, off + 2) & 0x01;
    p.mplsCount++;
    off += MPLS_HEADER_LEN;
    len -= MPLS_HEADER_LEN;
    if (bottom !== 0) break;
  }
  if (label === LABEL_IPV4_NULL) {
    decodeIpv4(p, off, len, depth);
    return;
  }
  if (label === LABEL_IPV6_NULL) {
    decodeIpv6(p, off, len, depth);
    return;
  }
  if (label === LABEL_ROUTER_ALERT) {
    p.setEvent(Ev.MPLS_BAD_LABEL_ROUTER_ALERT);
    return;
  }
  if (label === LABEL_IMPLICIT_NULL) {
    p.setEvent(Ev.MPLS_BAD_LABEL_IMPLICIT_NULL);
    return;
  }
  if (label < MAX_RESERVED_LABEL) {
    p.setEvent(Ev.MPLS_BAD_LABEL_RESERVED);
    return;
  }
  if (len < MPLS_PW_LEN) {
    p.setEvent(Ev.MPLS_PKT_TOO_SMALL);
    return;
  }
  switch (u8(p, off) >>> 4) {
    case 4:
      decodeIpv4(p, off, len, depth);
      break;
    case 6:
      decodeIpv6(p, off, len, depth);
      break;
    case 0:
      decodeEthernet(p, off + MPLS_PW_LEN, len - MPLS_PW_LEN, depth);
      break;
    default:
      p.setEvent(Ev.MPLS_UNKNOWN_PAYLOAD_TYPE);
  }
}
