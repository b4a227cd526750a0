/**
 * Big-endian byte readers over a frame. Offsets are relative to the frame
 * start; the absolute index `packet.frameOffset + off` may exceed 2^31, so it
 * is a plain double sum, never `| 0`. Callers check bounds first: these
 * functions do not.
 *
 * @module
 */

import type { Packet } from "./packet.ts";

/**
 * Byte `off` of the frame.
 *
 * @param p the packet whose frame is read
 * @param off offset from the frame start
 * @returns the byte
 */
export function u8(p: Packet, off: number): number {
  return p.data[p.frameOffset + off];
}

/**
 * Big-endian 16-bit value at `off`.
 *
 * @param p the packet whose frame is read
 * @param off offset from the frame start
 * @returns the value, 0..65535
 */
export function u16(p: Packet, off: number): number {
  const d = p.data;
  const i = p.frameOffset + off;
  return (d[i] << 8) | d[i + 1];
}

/**
 * Big-endian 32-bit value at `off`, unsigned.
 *
 * @param p the packet whose frame is read
 * @param off offset from the frame start
 * @returns the value, 0..2^32-1
 */
export function u32(p: Packet, off: number): number {
  const d = p.data;
  const i = p.frameOffset + off;
  return ((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0;
}
