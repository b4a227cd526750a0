/** addressOf: the address of an array's first byte, the same on every call for the same array. */

import assert from "node:assert/strict";
import { addressOf, memcpyOrNull } from "../../ffi/libc.ts";

Deno.test("addressOf: remembered per array, distinct arrays have distinct addresses, memcpy uses them", () => {
  const a = new Uint8Array(4096);
  const b = new Uint8Array(4096);
  const first = addressOf(a);
  assert.ok(first > 0);
  assert.equal(addressOf(a), first);
  assert.notEqual(addressOf(b), first);
  assert.equal(addressOf(new Uint8Array(0)), 0, "an empty array has no address");
  // the remembered addresses are real ones: copy through them
  const memcpy = memcpyOrNull();
  assert.ok(memcpy !== null);
  a.set([1, 2, 3, 4], 100);
  memcpy(addressOf(b) + 7, addressOf(a) + 100, 4);
  assert.deepEqual(Array.from(b.subarray(6, 12)), [0, 1, 2, 3, 4, 0]);
});
