/**
 * An index from IPv4 addresses to the signatures whose address set holds
 * them: the address space cut into elementary intervals at every range
 * boundary, each with its list of signatures (CSR arrays). It lets rules that
 * have no content to prefilter on - Suricata's "IP-only" rules, such as the
 * thousands of reputation-list rules in ET Open - be found by one binary
 * search per packet instead of being checked one by one.
 *
 * @module
 */

/** Signatures by IPv4 address interval. */
export class Ipv4RuleIndex {
  /** Interval starts, sorted; interval k is [breaks[k], breaks[k+1]). */
  readonly breaks: Uint32Array;
  /** CSR offsets into {@link Ipv4RuleIndex.sigs} per interval (length intervals + 1). */
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
   * @param entries each signature index with its IPv4 ranges (first, last pairs)
   * @returns the index
   */
  static build(entries: { sig: number; ranges: Uint32Array }[]): Ipv4RuleIndex {
    const points = new Set<number>([0]);
    for (const { ranges } of entries) {
      for (let i = 0; i < ranges.length; i += 2) {
        points.add(ranges[i]);
        if (ranges[i + 1] < 0xffffffff) points.add(ranges[i + 1] + 1);
      }
    }
    const breaks = Uint32Array.from([...points].sort((a, b) => a - b));
    const lists: number[][] = Array.from({ length: breaks.length }, () => []);
    for (const { sig, ranges } of entries) {
      for (let i = 0; i < ranges.length; i += 2) {
        const from = lowerBound(breaks, ranges[i]);
        const last = ranges[i + 1];
        for (let k = from; k < breaks.length && breaks[k] <= last; k++) lists[k].push(sig);
      }
    }
    const start = new Int32Array(breaks.length + 1);
    let total = 0;
    for (let k = 0; k < lists.length; k++) {
      start[k] = total;
      total += lists[k].length;
    }
    start[lists.length] = total;
    const sigs = new Int32Array(total);
    let at = 0;
    for (const list of lists) for (const s of list) sigs[at++] = s;
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
    let lo = 0;
    let hi = b.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (b[mid] <= a) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
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
