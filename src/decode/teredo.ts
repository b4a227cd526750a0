/**
 * Teredo (RFC 4380, UDP port 3544 either side): optional authentication
 * and origin indication headers, then an IPv6 packet. As Suricata's
 * `DecodeTeredo`, the payload counts as Teredo only when the IPv6 header
 * has version 6, a non-zero hop limit, no hop-by-hop header on a tiny
 * payload, and a payload length matching exactly what remains.
 *
 * @module
 */

import { u16, u8 } from "./_read.ts";
import { IPV6_HEADER_LEN } from "./ipv6.ts";
import { Layer, type Packet, Tunnel } from "./packet.ts";
import { decodeIpTunnel } from "./tunnel.ts";

/** The IANA Teredo port. */
export const TEREDO_PORT = 3544;
/** Origin indication header length. */
export const TEREDO_ORIGIN_LEN = 8;
/** Fixed part of the authentication header: indicator, lengths, nonce, confirmation. */
export const TEREDO_AUTH_FIXED_LEN = 13;

/**
 * Decode a UDP payload as Teredo when it is one.
 *
 * @param p the packet being decoded
 * @param off offset of the UDP payload
 * @param len UDP payload length
 * @param depth layers decoded so far
 * @returns true when the payload is Teredo (the inner IPv6 packet was decoded)
 */
export function decodeTeredo(p: Packet, off: number, len: number, depth: number): boolean {
  if (len < IPV6_HEADER_LEN) return false;
  let start = off;
  let rest = len;
  // Authentication header: 0x0001, client id length, auth value length,
  // client id, auth value, 8-byte nonce, confirmation byte.
  if (u8(p, start) === 0 && u8(p, start + 1) === 1) {
    const authLen = TEREDO_AUTH_FIXED_LEN + u8(p, start + 2) + u8(p, start + 3);
    if (rest < authLen + IPV6_HEADER_LEN) return false;
    start += authLen;
    rest -= authLen;
  }
  // Origin indication: 0x0000, port, address.
  if (u8(p, start) === 0) {
    if (u8(p, start + 1) !== 0) return false;
    if (rest < TEREDO_ORIGIN_LEN + IPV6_HEADER_LEN) return false;
    start += TEREDO_ORIGIN_LEN;
    rest -= TEREDO_ORIGIN_LEN;
  }
  if (u8(p, start) >>> 4 !== 6) return false;
  if (u8(p, start + 7) === 0) return false;
  const plen = u16(p, start + 4);
  if (u8(p, start + 6) === 0 && plen < 8) return false;
  if (rest !== IPV6_HEADER_LEN + plen) return false;
  p.layers |= Layer.TEREDO;
  decodeIpTunnel(p, Tunnel.TEREDO, 6, start, rest, depth);
  return true;
}
