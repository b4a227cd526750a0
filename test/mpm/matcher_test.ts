/** MatchSet: O(1) membership and reset, generation wrap-around. */

import assert from "node:assert/strict";
import { MatchSet } from "../../src/mpm/matcher.ts";

Deno.test("match set: add is idempotent until reset", () => {
  const set = new MatchSet(8);
  assert.equal(set.capacity, 8);
  assert.equal(set.add(3), true);
  assert.equal(set.add(3), false);
  assert.equal(set.add(7), true);
  assert.equal(set.count, 2);
  assert.deepEqual(Array.from(set.ids.subarray(0, 2)), [3, 7]);
  assert.ok(set.has(3) && !set.has(4));
  set.reset();
  assert.equal(set.count, 0);
  assert.ok(!set.has(3));
  assert.equal(set.add(3), true);
});

Deno.test("match set: generation wrap-around clears old stamps", () => {
  const set = new MatchSet(4);
  set.add(1); // stamped with generation 1
  set.generation = 0xffff_fffe;
  set.reset();
  assert.equal(set.generation, 0xffff_ffff);
  set.add(2);
  assert.ok(!set.has(1));
  set.reset(); // wraps: generation 1 again, which id 1 still carried
  assert.equal(set.generation, 1);
  assert.ok(!set.has(1), "a stamp from 2^32 generations ago is not a member");
  assert.ok(!set.has(2));
  assert.equal(set.count, 0);
});

Deno.test("match set: id space must be an integer in 0..2^32", () => {
  assert.throws(() => new MatchSet(-1), RangeError);
  assert.throws(() => new MatchSet(1.5), RangeError);
  assert.equal(new MatchSet(0).capacity, 0);
});
