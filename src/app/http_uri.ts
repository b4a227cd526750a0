/**
 * HTTP request-target normalisation as libhtp does it for Suricata's
 * default IDS personality (what `http.uri` holds): the path is
 * percent-decoded (`%XX`, and `%uXXXX` to one byte), backslashes become
 * slashes, runs of slashes are compressed and `.`/`..` segments removed;
 * the query and fragment are kept as sent (libhtp decodes them only per
 * parameter). With Suricata's default `uri-include-all: false` the scheme
 * and authority of an absolute URI are left out.
 *
 * Also the host normalisation of `http.host` (lowercase, no port, no
 * trailing dots). Everything works on byte ranges, writing into a
 * caller-owned scratch array: nothing allocates.
 *
 * @module
 */

/** What {@link splitUri} found in a request target (offsets into the source). */
export class UriParts {
  /** Start of the authority's host, -1 when the target has none. */
  hostStart = -1;
  /** End of the host. */
  hostEnd = -1;
  /** The port of the authority, -1 when absent, -2 when invalid. */
  port = -1;
  /** Start of the path (from the first `/` after the authority). */
  pathStart = 0;
  /** End of the path (the `?`, `#` or the end). */
  pathEnd = 0;
  /** End of the whole target. */
  end = 0;
}

function isAlpha(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}

/**
 * Parse a port number (decimal, 1..65535).
 *
 * @returns the port, or -2 when the bytes are not a valid port
 */
export function parsePort(src: Uint8Array, from: number, to: number): number {
  if (from >= to || to - from > 5) return -2;
  let v = 0;
  for (let i = from; i < to; i++) {
    const b = src[i];
    if (b < 0x30 || b > 0x39) return -2;
    v = v * 10 + (b - 0x30);
  }
  return v >= 1 && v <= 65535 ? v : -2;
}

/**
 * Split a request target into authority and path (libhtp's `htp_parse_uri`
 * for the forms requests use: origin form `/p?q`, absolute form
 * `scheme://user@host:port/p?q`, anything else as a path).
 *
 * @param src the bytes
 * @param from the target's first byte
 * @param to one past its last byte
 * @param out the parts (reused)
 */
export function splitUri(src: Uint8Array, from: number, to: number, out: UriParts): void {
  out.hostStart = -1;
  out.hostEnd = -1;
  out.port = -1;
  out.pathStart = from;
  out.end = to;
  let i = from;
  if (i < to && src[i] !== 0x2f && isAlpha(src[i])) {
    // scheme "://"
    let j = i;
    while (
      j < to && (isAlpha(src[j]) || (src[j] >= 0x30 && src[j] <= 0x39) || src[j] === 0x2b ||
        src[j] === 0x2d || src[j] === 0x2e)
    ) j++;
    if (j + 2 < to && src[j] === 0x3a && src[j + 1] === 0x2f && src[j + 2] === 0x2f) {
      let a = j + 3;
      let authEnd = a;
      while (
        authEnd < to && src[authEnd] !== 0x2f && src[authEnd] !== 0x3f && src[authEnd] !== 0x23
      ) {
        authEnd++;
      }
      // userinfo
      for (let k = authEnd - 1; k >= a; k--) {
        if (src[k] === 0x40) {
          a = k + 1;
          break;
        }
      }
      let hostEnd = authEnd;
      if (a < authEnd && src[a] === 0x5b) {
        // [v6]:port
        let k = a;
        while (k < authEnd && src[k] !== 0x5d) k++;
        hostEnd = k < authEnd ? k + 1 : authEnd;
        if (hostEnd < authEnd && src[hostEnd] === 0x3a) {
          out.port = parsePort(src, hostEnd + 1, authEnd);
        }
      } else {
        for (let k = a; k < authEnd; k++) {
          if (src[k] === 0x3a) {
            hostEnd = k;
            out.port = parsePort(src, k + 1, authEnd);
            break;
          }
        }
      }
      out.hostStart = a;
      out.hostEnd = hostEnd;
      i = authEnd;
      out.pathStart = i;
    }
  }
  while (i < to && src[i] !== 0x3f && src[i] !== 0x23) i++;
  out.pathEnd = i;
}

/**
 * Write the normalised form of a path into `dst` (percent-decoding,
 * backslash to slash, slash compression, dot-segment removal).
 *
 * @param src the bytes
 * @param from the path's first byte
 * @param to one past its last byte
 * @param dst scratch with room for `to - from` bytes from `at`
 * @param at where to write in `dst`
 * @returns one past the last byte written
 */
export function normalizePath(
  src: Uint8Array,
  from: number,
  to: number,
  dst: Uint8Array,
  at: number,
): number {
  // 1. decode, convert backslashes, compress slashes
  const base = at;
  let o = at;
  for (let i = from; i < to; i++) {
    let b = src[i];
    if (b === 0x25 && i + 2 < to) {
      const h = hexValue(src[i + 1]);
      const l = hexValue(src[i + 2]);
      if (h >= 0 && l >= 0) {
        b = (h << 4) | l;
        i += 2;
      } else if ((src[i + 1] === 0x75 || src[i + 1] === 0x55) && i + 5 < to) {
        const a0 = hexValue(src[i + 2]);
        const a1 = hexValue(src[i + 3]);
        const a2 = hexValue(src[i + 4]);
        const a3 = hexValue(src[i + 5]);
        if (a0 >= 0 && a1 >= 0 && a2 >= 0 && a3 >= 0) {
          const v = (a0 << 12) | (a1 << 8) | (a2 << 4) | a3;
          // libhtp's best fit maps what it cannot to '?'
          b = v < 0x100 ? v : ((v & 0xff00) === 0xff00 ? (v & 0xff) + 0x20 : 0x3f);
          i += 5;
        }
      }
    }
    if (b === 0x5c) b = 0x2f;
    if (b === 0x2f && o > base && dst[o - 1] === 0x2f) continue;
    dst[o++] = b;
  }
  // 2. remove dot segments (RFC 3986 5.2.4) in place
  const n = o;
  let i = base;
  o = base;
  while (i < n) {
    const c0 = dst[i];
    const c1 = i + 1 < n ? dst[i + 1] : -1;
    const c2 = i + 2 < n ? dst[i + 2] : -1;
    const c3 = i + 3 < n ? dst[i + 3] : -1;
    if (c0 === 0x2e && c1 === 0x2e && c2 === 0x2f) {
      i += 3; // "../"
    } else if (c0 === 0x2e && c1 === 0x2f) {
      i += 2; // "./"
    } else if (c0 === 0x2f && c1 === 0x2e && c2 === 0x2f) {
      i += 2; // "/./" -> "/"
    } else if (c0 === 0x2f && c1 === 0x2e && c2 === -1) {
      dst[o++] = 0x2f; // "/." at the end
      i = n;
    } else if (c0 === 0x2f && c1 === 0x2e && c2 === 0x2e && (c3 === 0x2f || c3 === -1)) {
      // "/../" or "/.." at the end: drop the last output segment
      while (o > base && dst[o - 1] !== 0x2f) o--;
      if (o > base) o--;
      if (c3 === -1) {
        dst[o++] = 0x2f;
        i = n;
      } else {
        i += 3;
      }
    } else if ((c0 === 0x2e && c1 === -1) || (c0 === 0x2e && c1 === 0x2e && c2 === -1)) {
      i = n; // "." or ".."
    } else {
      // move the first segment
      dst[o++] = c0;
      i++;
      while (i < n && dst[i] !== 0x2f) dst[o++] = dst[i++];
    }
  }
  return o;
}

/**
 * Write the normalised host (lowercase, trailing dots removed) into `dst`.
 *
 * @returns one past the last byte written
 */
export function normalizeHost(
  src: Uint8Array,
  from: number,
  to: number,
  dst: Uint8Array,
  at: number,
): number {
  while (to > from && src[to - 1] === 0x2e) to--;
  let o = at;
  for (let i = from; i < to; i++) {
    const b = src[i];
    dst[o++] = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
  }
  return o;
}
