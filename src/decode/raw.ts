/**
 * Raw IP with no link header (link types 101, 12, 14, 228 IPv4, 229 IPv6):
 * the IP version nibble picks the decoder, as Suricata's `DecodeRaw`.
 *
 * @module
 */

import { u8 } from "./_read.ts";
import { Ev } from "./events.ts";
import { decodeIpv4, IPV4_HEADER_LEN } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import { Layer, type Packet } from "./packet.ts";

/**
 * Decode a raw IP packet. Raises `ipv4.pkt_too_small` below 20 bytes (for
 * either version, as Suricata) and `ipraw.invalid_ip_version`.
 *
 * @param p the packet being decoded
 * @param off offset of the IP header
 * @param len bytes available from `off`
 * @param depth layers decoded so far
 */
export function decodeRaw(p: Packet, off: number, len: number, depth: number): void {
  p.layers |= Layer.RAW;
  if (len < IPV4_HEADER_LEN) {
    p.setEvent(Ev.IPV4_PKT_TOO_SMALL);
    return;
  }
  const version = u8(p, off) >>> 4;
  if (version === 4) decodeIpv4(p, off, len, depth);
  else if (version === 6) decodeIpv6(p, off, len, depth);
  else p.setEvent(Ev.IPRAW_INVALID_IP_VERSION);
}
