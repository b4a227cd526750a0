/** BytePool: arrays go around by size class; nothing odd-sized or empty is kept. */

import assert from "node:assert/strict";
import { BytePool } from "../../src/app/byte_pool.ts";

Deno.test("BytePool hands out power-of-two arrays and takes them back by class", () => {
  const pool = new BytePool();
  const a = pool.take(3000);
  assert.equal(a.length, 4096);
  assert.equal(pool.take(1).length, 1024);
  pool.give(a);
  assert.equal(pool.freeBytes, 4096);
  assert.notEqual(pool.take(2000), a, "2000 bytes come from the 2 KiB class");
  assert.equal(pool.take(4096), a, "the same class gives the array back");
  assert.equal(pool.freeBytes, 0);
  pool.give(new Uint8Array(0));
  pool.give(new Uint8Array(3000));
  pool.give(new Uint8Array(512));
  assert.equal(pool.freeBytes, 0, "empty, odd-sized and small arrays are not kept");
  const big = pool.take(100_000);
  assert.equal(big.length, 131072);
});
