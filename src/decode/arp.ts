/**
 * ARP (Ethertype 0x0806): counted, with its opcode. Suricata 7 only counts
 * ARP and raises no ARP events.
 *
 * @module
 */

import { u16 } from "./_read.ts";
import { Layer, type Packet } from "./packet.ts";

/**
 * Decode an ARP header: sets {@link Layer.ARP} and `arpOp` when the opcode
 * is present.
 *
 * @param p the packet being decoded
 * @param off offset of the ARP header
 * @param len bytes available from `off`
 */
export function decodeArp(p: Packet, off: number, len: number): void {
  p.layers |= Layer.ARP;
  if (len >= 8) p.arpOp = u16(p, off + 6);
}
