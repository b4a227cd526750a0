import assert from "node:assert/strict";
import { DEFAULT_BATCH_CAPACITY, FrameBatch } from "../../src/capture/mod.ts";

Deno.test("frame batch: preallocated arrays of the requested capacity", () => {
  const batch = new FrameBatch(7);
  assert.equal(batch.capacity, 7);
  assert.equal(batch.count, 0);
  for (
    const array of [
      batch.offset,
      batch.capLen,
      batch.wireLen,
      batch.tsSec,
      batch.tsNsec,
      batch.linkType,
    ]
  ) {
    assert.equal(array.length, 7);
  }
  assert.ok(batch.offset instanceof Float64Array);
  assert.ok(batch.tsSec instanceof Float64Array);
  assert.equal(new FrameBatch().capacity, DEFAULT_BATCH_CAPACITY);
});

Deno.test("frame batch: offsets past 2^32 are kept exactly", () => {
  const batch = new FrameBatch(1);
  batch.offset[0] = 2 ** 32 + 28;
  assert.equal(batch.offset[0], 4294967324);
});

Deno.test("frame batch: a capacity that is not a positive integer is a RangeError", () => {
  for (const capacity of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => new FrameBatch(capacity), RangeError);
  }
});
