/** addressOf: the address of an array's first byte, the same on every call for the same array. */

import assert from "node:assert/strict";
import { addressOf } from "../../ffi/libc.ts";

Deno.test("addressOf: remembered per array, distinct arrays have distinct addresses, they point at the bytes", () => {
  const a = new Uint8Array(4096);
  const b = new Uint8Array(4096);
  const first = addressOf(a);
  assert.ok(first > 0);
  assert.equal(addressOf(a), first);
  assert.notEqual(addressOf(b), first);
  assert.equal(addressOf(new Uint8Array(0)), 0, "an empty array has no address");
  // the remembered addresses are real ones: read the arrays' bytes through them
  a.set([1, 2, 3, 4], 100);
  b[7] = 9;
  const viewA = new Deno.UnsafePointerView(Deno.UnsafePointer.create(BigInt(addressOf(a)))!);
  const viewB = new Deno.UnsafePointerView(Deno.UnsafePointer.create(BigInt(addressOf(b)))!);
  assert.deepEqual([100, 101, 102, 103].map((i) => viewA.getUint8(i)), [1, 2, 3, 4]);
  assert.equal(viewB.getUint8(7), 9);
});
