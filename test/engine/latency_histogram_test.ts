/** LatencyHistogram: power-of-two buckets, quantiles as bucket upper bounds capped at the maximum. */

import assert from "node:assert/strict";
import { LATENCY_BUCKETS, LatencyHistogram } from "../../src/engine/latency_histogram.ts";

Deno.test("LatencyHistogram: buckets by power of two, edge values, negatives and huge ones", () => {
  const h = new LatencyHistogram();
  for (const us of [0, 0.4, 1, 1.9, 2, 3.99, 4, 1023, 1024, -5, 1e12]) h.record(us);
  assert.equal(h.count, 11);
  assert.equal(h.buckets[0], 5, "below 2 us, and a negative duration");
  assert.equal(h.buckets[1], 2, "2 and 3.99");
  assert.equal(h.buckets[2], 1, "4");
  assert.equal(h.buckets[9], 1, "1023");
  assert.equal(h.buckets[10], 1, "1024");
  assert.equal(h.buckets[LATENCY_BUCKETS - 1], 1, "1e12 us: the open-ended bucket");
  assert.equal(h.maxUs, 1e12);
});

Deno.test("LatencyHistogram: quantiles, the maximum, merging, and an empty histogram", () => {
  const empty = new LatencyHistogram();
  assert.deepEqual(empty.summary(), { count: 0, p50Us: 0, p99Us: 0, maxUs: 0 });
  const h = new LatencyHistogram();
  // 990 fast batches (20-31 us) and 10 slow ones (3-4.5 ms)
  for (let i = 0; i < 990; i++) h.record(20 + (i % 12));
  for (let i = 0; i < 10; i++) h.record(3000 + i * 150);
  assert.equal(h.quantileUs(0.5), 32);
  assert.equal(h.quantileUs(0.99), 32, "the 990th of 1000 is still fast");
  assert.equal(h.quantileUs(0.995), 4096);
  assert.equal(h.quantileUs(1), 4350, "capped at the maximum");
  assert.deepEqual(h.summary(), { count: 1000, p50Us: 32, p99Us: 32, maxUs: 4350 });
  const other = new LatencyHistogram();
  for (let i = 0; i < 100; i++) other.record(9000);
  h.merge(other.buckets, other.maxUs);
  assert.equal(h.count, 1100);
  assert.equal(h.maxUs, 9000);
  assert.equal(h.quantileUs(0.99), 9000, "the 1089th of 1100 is one of the other's");
});

Deno.test("LatencyHistogram: with fractional durations no quantile exceeds the reported maximum", () => {
  const h = new LatencyHistogram();
  for (const us of [20.1, 25.2, 900.3]) h.record(us);
  assert.deepEqual(h.summary(), { count: 3, p50Us: 32, p99Us: 900, maxUs: 900 });
  const tiny = new LatencyHistogram();
  tiny.record(0.3);
  assert.deepEqual(tiny.summary(), { count: 1, p50Us: 0, p99Us: 0, maxUs: 0 });
  const up = new LatencyHistogram();
  up.record(700.6);
  assert.deepEqual(up.summary(), { count: 1, p50Us: 701, p99Us: 701, maxUs: 701 });
});
