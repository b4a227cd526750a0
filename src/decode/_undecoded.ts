/**
 * The layer census of transport headers that are present but not decoded.
 * A fragment's transport header is never decoded (Suricata decodes it after
 * reassembly), but the first fragment does carry it, and both Wireshark
 * (reassembly off) and Suricata's `decoder.*` counters (one count per
 * reassembled datagram) count that protocol once. So the first fragment gets
 * the transport protocol's {@link Layer} bit, and nothing else: `l4Offset`
 * stays -1. The same holds for a transport header cut short after IPv6
 * extension headers (`ipv6.trunc_exthdr`), which Wireshark still counts.
 *
 * @module
 */

import { Layer, type Packet } from "./packet.ts";

/**
 * Mark an undecoded transport protocol (first fragment, truncated header)
 * in `layers`.
 *
 * @param p the packet being decoded
 * @param proto the IP protocol / next header of the fragment
 */
export function markUndecodedTransport(p: Packet, proto: number): void {
  switch (proto) {
    case 6:
      p.layers |= Layer.TCP;
      break;
    case 17:
      p.layers |= Layer.UDP;
      break;
    case 1:
      p.layers |= Layer.ICMPV4;
      break;
    case 58:
      p.layers |= Layer.ICMPV6;
      break;
    case 132:
      p.layers |= Layer.SCTP;
      break;
    case 47:
      p.layers |= Layer.GRE;
      break;
  }
}
