/**
 * BSD loopback encapsulation (link type 0, NULL/LOOP): a 4-byte address
 * family in the byte order of the host that wrote the capture. Both byte
 * orders are accepted.
 *
 * @module
 */

import { u8 } from "./_read.ts";
import { Ev } from "./events.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import { Layer, type Packet } from "./packet.ts";

/** NULL header length. */
export const NULL_HEADER_LEN = 4;

/**
 * IP version (4 or 6) for a BSD address family value, 0 when unknown.
 * AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD),
 * 30 (Darwin), 10 (Linux), 26 (Solaris), 23 (Windows).
 */
function familyVersion(af: number): number {
  switch (af) {
    case 2:
      return 4;
    case 24:
    case 28:
    case 30:
    case 10:
    case 26:
    case 23:
      return 6;
    default:
      return 0;
  }
}

/**
 * Decode a NULL/LOOP header and the IP packet behind it.
 * Raises `ltnull.pkt_too_small` and `ltnull.unsupported_type`.
 *
 * @param p the packet being decoded
 * @param off offset of the header
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodeNull(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.NULL;
  if (len < NULL_HEADER_LEN) {
    p.setEvent(Ev.LTNULL_PKT_TOO_SMALL);
    return;
  }
  const b0 = u8(p, off);
  const b1 = u8(p, off + 1);
  const b2 = u8(p, off + 2);
  const b3 = u8(p, off + 3);
  // The family is small: it sits in byte 0 (little-endian writer) or byte 3.
  let version = 0;
  if (b1 === 0 && b2 === 0 && b3 === 0) version = familyVersion(b0);
  else if (b0 === 0 && b1 === 0 && b2 === 0) version = familyVersion(b3);
  if (version === 4) decodeIpv4(p, off + NULL_HEADER_LEN, len - NULL_HEADER_LEN, depth);
  else if (version === 6) decodeIpv6(p, off + NULL_HEADER_LEN, len - NULL_HEADER_LEN, depth);
  else p.setEvent(Ev.LTNULL_UNSUPPORTED_TYPE);
}
