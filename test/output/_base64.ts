/**
 * Base64 decoding for the output tests.
 *
 * @module
 */

/**
 * Decode standard (padded) base64.
 *
 * @param s the base64 text
 * @returns the bytes
 */
export function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
