/**
 * Indexes from IPv4 and IPv6 addresses to the signatures whose address set
 * holds them: the address space cut into elementary intervals at every range
 * boundary, each with its list of signatures (CSR arrays). They let rules that
 * have no content to prefilter on - Suricata's "IP-only" rules, such as the
 * thousands of reputation-list rules in ET Open - be found by one binary
 * search per packet instead of being checked one by one.
 *
 * @module
 */

/** {@link Ipv4RuleIndex}'s prefix table: one entry per /12. */
const PREFIX_SHIFT = 20;
const PREFIX_COUNT = 1 << (32 - PREFIX_SHIFT);

/** Signatures by IPv4 address interval. */
export class Ipv4RuleIndex {
  /** Interval starts, sorted; interval k is [breaks[k], breaks[k+1]). */
  readonly breaks: Uint32Array;
  /** CSR offsets into {@link Ipv4RuleIndex.sigs} per interval (length intervals + 1). */
  readonly start: Int32Array;
  /** Signature indices per interval. */
  readonly sigs: Int32Array;
  /**
   * The interval holding the first address of each /12 (4,096 entries and one
   * past the end): a look-up searches only the intervals of its address's /12
   * (a few) instead of all of them (ET Open: thousands, ~14 cache-cold steps).
   */
  readonly #byPrefix: Int32Array;

  private constructor(breaks: Uint32Array, start: Int32Array, sigs: Int32Array) {
    this.breaks = breaks;
    this.start = start;
    this.sigs = sigs;
    const byPrefix = new Int32Array(PREFIX_COUNT + 1);
    let k = 0;
    for (let p = 0; p < PREFIX_COUNT; p++) {
      const first = (p << PREFIX_SHIFT) >>> 0;
      while (k + 1 < breaks.length && breaks[k + 1] <= first) k++;
      byPrefix[p] = k;
    }
    byPrefix[PREFIX_COUNT] = breaks.length - 1;
    this.#byPrefix = byPrefix;
  }

  /**
   * Build the index.
   *
   * @param entries each signature index with its IPv4 ranges (first, last pairs)
   * @returns the index
   */
  static build(entries: { sig: number; ranges: Uint32Array }[]): Ipv4RuleIndex {
    // the interval starts: 0, each range's first address and the one after
    // its last, sorted and deduplicated in a typed array (addresses above
    // 2^31 would be heap numbers in a Set)
    let count = 1;
    for (const { ranges } of entries) count += ranges.length;
    const points = new Uint32Array(count);
    let n = 1;
    for (const { ranges } of entries) {
      for (let i = 0; i < ranges.length; i += 2) {
        points[n++] = ranges[i];
        if (ranges[i + 1] < 0xffffffff) points[n++] = ranges[i + 1] + 1;
      }
    }
    const sorted = points.subarray(0, n).sort();
    let distinct = 0;
    for (let i = 0; i < n; i++) {
      if (distinct === 0 || sorted[i] !== sorted[distinct - 1]) sorted[distinct++] = sorted[i];
    }
    const breaks = sorted.slice(0, distinct);
    const lists: number[][] = Array.from({ length: breaks.length }, () => []);
    for (const { sig, ranges } of entries) {
      for (let i = 0; i < ranges.length; i += 2) {
        const from = lowerBound(breaks, ranges[i]);
        const last = ranges[i + 1];
        for (let k = from; k < breaks.length && breaks[k] <= last; k++) lists[k].push(sig);
      }
    }
    const { start, sigs } = csrOf(lists);
    return new Ipv4RuleIndex(breaks, start, sigs);
  }

  /**
   * The interval holding an address.
   *
   * @param addr an IPv4 address as u32
   * @returns the interval index: its signatures are sigs[start[k] .. start[k+1])
   */
  intervalOf(addr: number): number {
    const b = this.breaks;
    const a = addr >>> 0;
    // the address lies between its /12's first address and the next /12's
    const p = a >>> PREFIX_SHIFT;
    let lo = this.#byPrefix[p];
    let hi = this.#byPrefix[p + 1];
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (b[mid] <= a) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/**
 * Signatures by IPv6 address interval: {@link Ipv4RuleIndex} over 128-bit
 * addresses, looked up with the packet's address bytes in place.
 *
 * @example
 * ```ts
 * import { Ipv6RuleIndex } from "./address_index.ts";
 * // signature 7 holds 2001:db8::/32 (first and last address, 4 words each)
 * const index = Ipv6RuleIndex.build([{
 *   sig: 7,
 *   ranges: new Uint32Array([0x20010db8, 0, 0, 0, 0x20010db8, ~0, ~0, ~0]),
 * }]);
 * const addr = new Uint8Array(16);
 * addr.set([0x20, 0x01, 0x0d, 0xb8]);
 * const k = index.intervalOf(addr, 0);
 * index.sigs.subarray(index.start[k], index.start[k + 1]); // [7]
 * ```
 */
export class Ipv6RuleIndex {
  /**
   * Interval starts, sorted, 4 words each (most significant first); interval
   * k is [break k, break k+1).
   */
  readonly breaks: Uint32Array;
  /** CSR offsets into {@link Ipv6RuleIndex.sigs} per interval (length intervals + 1). */
  readonly start: Int32Array;
  /** Signature indices per interval. */
  readonly sigs: Int32Array;
  private constructor(breaks: Uint32Array, start: Int32Array, sigs: Int32Array) {
    this.breaks = breaks;
    this.start = start;
    this.sigs = sigs;
  }

  /**
   * Build the index.
   *
   * @param entries each signature index with its IPv6 ranges (first, last: 4 words each)
   * @returns the index
   */
  static build(entries: { sig: number; ranges: Uint32Array }[]): Ipv6RuleIndex {
    const points = new Set<bigint>([0n]);
    for (const { ranges } of entries) {
      for (let i = 0; i < ranges.length; i += 8) {
        points.add(word128(ranges, i));
        const last = word128(ranges, i + 4);
        if (last < MAX_IPV6) points.add(last + 1n);
      }
    }
    const sorted = [...points].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const lists: number[][] = Array.from({ length: sorted.length }, () => []);
    for (const { sig, ranges } of entries) {
      for (let i = 0; i < ranges.length; i += 8) {
        const first = word128(ranges, i);
        const last = word128(ranges, i + 4);
        let k = 0;
        let hi = sorted.length;
        while (k < hi) {
          const mid = (k + hi) >>> 1;
          if (sorted[mid] < first) k = mid + 1;
          else hi = mid;
        }
        for (; k < sorted.length && sorted[k] <= last; k++) lists[k].push(sig);
      }
    }
    const breaks = new Uint32Array(sorted.length * 4);
    sorted.forEach((v, k) => {
      for (let w = 0; w < 4; w++) {
        breaks[k * 4 + w] = Number((v >> BigInt(96 - 32 * w)) & 0xffffffffn);
      }
    });
    const { start, sigs } = csrOf(lists);
    return new Ipv6RuleIndex(breaks, start, sigs);
  }

  /**
   * The interval holding an address. Allocates nothing.
   *
   * @param data bytes holding the address (e.g. a frame)
   * @param offset where its 16 bytes (network order) start
   * @returns the interval index: its signatures are sigs[start[k] .. start[k+1])
   */
  intervalOf(data: Uint8Array, offset: number): number {
    const w0 = readU32(data, offset);
    const w1 = readU32(data, offset + 4);
    const w2 = readU32(data, offset + 8);
    const w3 = readU32(data, offset + 12);
    const b = this.breaks;
    let lo = 0;
    let hi = (b.length >>> 2) - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (atMost(b, mid << 2, w0, w1, w2, w3)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

const MAX_IPV6 = (1n << 128n) - 1n;

/** The 128-bit value of 4 words at r[at..] (most significant first). */
function word128(r: Uint32Array, at: number): bigint {
  let v = 0n;
  for (let w = 0; w < 4; w++) v = (v << 32n) | BigInt(r[at + w]);
  return v;
}

function readU32(d: Uint8Array, at: number): number {
  return ((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0;
}

/** Whether the 4 words at b[at..] are at most w0..w3. */
function atMost(b: Uint32Array, at: number, w0: number, w1: number, w2: number, w3: number) {
  if (b[at] !== w0) return b[at] < w0;
  if (b[at + 1] !== w1) return b[at + 1] < w1;
  if (b[at + 2] !== w2) return b[at + 2] < w2;
  return b[at + 3] <= w3;
}

/** Per-interval signature lists as CSR arrays: `sigs[start[k] .. start[k+1])` is list k. */
function csrOf(lists: number[][]): { start: Int32Array; sigs: Int32Array } {
  const start = new Int32Array(lists.length + 1);
  let total = 0;
  for (let k = 0; k < lists.length; k++) {
    start[k] = total;
    total += lists[k].length;
  }
  start[lists.length] = total;
  const sigs = new Int32Array(total);
  let at = 0;
  for (const list of lists) for (const s of list) sigs[at++] = s;
  return { start, sigs };
}

function lowerBound(b: Uint32Array, v: number): number {
  let lo = 0;
  let hi = b.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (b[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * How many IPv4 addresses a range list covers.
 *
 * @param ranges first, last pairs
 * @returns the number of addresses
 */
export function ipv4Coverage(ranges: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < ranges.length; i += 2) n += ranges[i + 1] - ranges[i] + 1;
  return n;
}
