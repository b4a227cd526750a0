/**
 * Per-flow variables: flowbits and flowints kept per flow slot, names
 * interned once, and cleared when the flow table gives the slot to a new
 * flow.
 */

import assert from "node:assert/strict";
import { Packet } from "../../src/decode/packet.ts";
import { flowbitId, FlowbitStore, flowintId } from "../../src/flow/flowbits.ts";
import { FlowTable } from "../../src/flow/flow_table.ts";
import { decodeAt, udpFrame } from "./_flow_frames.ts";

const E = { client: "10.0.0.1", server: "10.0.0.2", cport: 1, sport: 2 };

Deno.test("names are interned once: the same name, the same number", () => {
  const a = flowbitId("fb.test.a");
  assert.equal(flowbitId("fb.test.a"), a);
  assert.notEqual(flowbitId("fb.test.b"), a);
  assert.equal(flowintId("fi.test.a"), flowintId("fi.test.a"));
});

Deno.test("bits: set, unset, toggle per flow; out-of-range bits and no-flow are ignored", () => {
  const table = new FlowTable({ capacity: 4 });
  const store = new FlowbitStore(table, 70, 0);
  assert.equal(store.words, 3);
  store.set(1, 69);
  store.set(2, 0);
  assert.equal(store.isSet(1, 69), true);
  assert.equal(store.isSet(2, 69), false);
  store.toggle(1, 69);
  assert.equal(store.isSet(1, 69), false);
  store.toggle(1, 5);
  store.unset(2, 0);
  assert.deepEqual([store.isSet(1, 5), store.isSet(2, 0)], [true, false]);
  store.set(-1, 3);
  store.set(1, 500);
  assert.equal(store.isSet(-1, 3), false);
  assert.equal(store.isSet(1, 500), false);
});

Deno.test("ints: a value per flow, unsigned 32-bit; unset reads as 0", () => {
  const table = new FlowTable({ capacity: 4 });
  const store = new FlowbitStore(table, 1, 40);
  assert.equal(store.intIsSet(0, 33), false);
  assert.equal(store.intValue(0, 33), 0);
  store.setInt(0, 33, -1);
  assert.equal(store.intValue(0, 33), 4294967295);
  store.setInt(0, 33, 4294967296 + 5);
  assert.equal(store.intValue(0, 33), 5);
  assert.equal(store.intIsSet(1, 33), false);
  store.setInt(0, 40, 1);
  assert.equal(store.intIsSet(0, 40), false, "beyond the interned count");
});

Deno.test("a slot reused by a new flow starts with no bits and no ints", () => {
  const table = new FlowTable({ capacity: 1 });
  const store = new FlowbitStore(table, 8, 2);
  const p = new Packet();
  const first = table.lookupOrCreate(decodeAt(udpFrame(E, true), 1, p), 1);
  store.set(first, 3);
  store.setInt(first, 1, 9);
  const second = table.lookupOrCreate(decodeAt(udpFrame({ ...E, cport: 7 }, true), 2, p), 2);
  assert.equal(second, first, "the only slot, reused");
  assert.equal(store.isSet(second, 3), false);
  assert.equal(store.intIsSet(second, 1), false);
  store.set(second, 4);
  assert.equal(store.isSet(second, 4), true);
});
