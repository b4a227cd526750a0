/**
 * A histogram of durations in microseconds with power-of-two buckets, for
 * the live loop's per-batch latencies: how long a batch's first frame
 * waited in the ring (from the kernel's receive timestamp to the loop
 * taking it) and how long the batch took to inspect and act on. Recording
 * is a typed-array increment and two field updates; nothing is allocated
 * after construction.
 *
 * Bucket 0 holds durations below 2 us, bucket k (k >= 1) those in
 * [2^k, 2^(k+1)) us; the last bucket everything from 2^31 us (about 36
 * minutes) on. A quantile is reported as its bucket's upper bound, capped
 * at the maximum, so it over-states by at most 2 times; the maximum is kept
 * exactly and reported, as the capped quantiles are, rounded to a
 * microsecond.
 *
 * @example
 * ```ts
 * import { LatencyHistogram } from "./latency_histogram.ts";
 * const h = new LatencyHistogram();
 * for (const us of [20, 25, 30, 900]) h.record(us);
 * console.log(h.quantileUs(0.5), h.quantileUs(0.99), h.maxUs); // 32 900 900
 * ```
 *
 * @module
 */

/** Buckets of a histogram (the last one open-ended). */
export const LATENCY_BUCKETS = 32;

/** Quantiles and maximum of a {@link LatencyHistogram}, in microseconds. */
export interface LatencySummary {
  /** Durations recorded. */
  count: number;
  /** Upper bound of the median's bucket. */
  p50Us: number;
  /** Upper bound of the 99th percentile's bucket. */
  p99Us: number;
  /** The longest duration recorded (rounded to a microsecond). */
  maxUs: number;
}

/** Power-of-two histogram of microsecond durations. */
export class LatencyHistogram {
  /** Durations per bucket (see the module doc). */
  readonly buckets: Float64Array = new Float64Array(LATENCY_BUCKETS);
  /** The longest duration recorded, us (0 when none). */
  maxUs = 0;
  /** Durations recorded. */
  count = 0;

  /**
   * Count one duration. Negative ones (a clock stepped back) count as 0.
   *
   * @param us the duration, microseconds
   */
  record(us: number): void {
    // us | 0 would wrap from 2^31 on: such durations go to the last bucket
    const k = us < 1 ? 0 : us < 0x8000_0000 ? 31 - Math.clz32(us | 0) : LATENCY_BUCKETS - 1;
    this.buckets[k]++;
    this.count++;
    if (us > this.maxUs) this.maxUs = us;
  }

  /**
   * Add another histogram's counts (e.g. a capture worker's).
   *
   * @param buckets the other's {@link LatencyHistogram.buckets}
   * @param maxUs the other's maximum
   */
  merge(buckets: ArrayLike<number>, maxUs: number): void {
    for (let k = 0; k < LATENCY_BUCKETS; k++) {
      this.buckets[k] += buckets[k];
      this.count += buckets[k];
    }
    if (maxUs > this.maxUs) this.maxUs = maxUs;
  }

  /**
   * The upper bound of the bucket that holds quantile `q`, capped at the
   * maximum (both rounded to a microsecond, so a quantile never exceeds
   * the reported maximum); 0 when nothing was recorded.
   *
   * @param q the quantile, 0..1
   * @returns microseconds
   */
  quantileUs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let k = 0; k < LATENCY_BUCKETS; k++) {
      seen += this.buckets[k];
      if (seen >= rank) return Math.min(2 ** (k + 1), Math.round(this.maxUs));
    }
    return Math.round(this.maxUs);
  }

  /** @returns the count, median, 99th percentile and maximum */
  summary(): LatencySummary {
    return {
      count: this.count,
      p50Us: this.quantileUs(0.5),
      p99Us: this.quantileUs(0.99),
      maxUs: Math.round(this.maxUs),
    };
  }
}
