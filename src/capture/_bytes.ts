/**
 * Field readers for capture headers: unsigned integers read byte by byte from
 * the one buffer with an explicit byte order. No allocation, no `DataView`;
 * `p` is an absolute offset (a double, so files over 4 GiB work).
 *
 * @module
 */

/**
 * An unsigned 16-bit field.
 *
 * @param b the buffer
 * @param p offset of the field
 * @param le true for little-endian
 * @returns the value
 */
export function u16(b: Uint8Array, p: number, le: boolean): number {
  return le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
}

/**
 * An unsigned 32-bit field.
 *
 * @param b the buffer
 * @param p offset of the field
 * @param le true for little-endian
 * @returns the value (0..2^32-1)
 */
export function u32(b: Uint8Array, p: number, le: boolean): number {
  return le
    ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
    : ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

/**
 * A signed 64-bit field as a number (exact within +-2^53).
 *
 * @param b the buffer
 * @param p offset of the field
 * @param le true for little-endian
 * @returns the value
 */
export function i64(b: Uint8Array, p: number, le: boolean): number {
  const high = le ? u32(b, p + 4, true) | 0 : u32(b, p, false) | 0;
  const low = le ? u32(b, p, true) : u32(b, p + 4, false);
  return high * 4294967296 + low;
}

/**
 * The first bytes of a buffer in hex, for error messages: `23 20 54 61`.
 *
 * @param b the buffer
 * @param count how many bytes at most
 * @returns the bytes as two-digit hex separated by spaces
 */
export function hexStart(b: Uint8Array, count: number): string {
  const parts: string[] = [];
  for (let i = 0; i < count && i < b.length; i++) parts.push(b[i].toString(16).padStart(2, "0"));
  return parts.join(" ");
}

/**
 * Whether the buffer's first bytes (up to 4) match the start of one of the
 * given 32-bit magics written big-endian: how a file cut inside its magic is
 * told apart from a file that is something else.
 *
 * @param b the buffer (may be shorter than 4 bytes)
 * @param magics the magics, each as a big-endian u32
 * @returns true when the available bytes agree with one magic
 */
export function startsLikeMagic(b: Uint8Array, magics: readonly number[]): boolean {
  if (b.length === 0) return false;
  const count = b.length < 4 ? b.length : 4;
  outer: for (const magic of magics) {
    for (let i = 0; i < count; i++) {
      if (b[i] !== ((magic >>> (24 - 8 * i)) & 0xff)) continue outer;
    }
    return true;
  }
  return false;
}
