/**
 * The ring's cursor over TPACKET_V2 slots, without a socket: a ring adopted
 * over a buffer whose slot headers the test writes as the kernel would
 * (status, lengths, MAC offset), and hands back as a send thread would.
 */

import assert from "node:assert/strict";
import { AfPacketRing, TP_STATUS_USER } from "../../src/capture/afpacket.ts";
import { FrameBatch } from "../../src/capture/frame_batch.ts";

const FRAME_SIZE = 256;
const FRAME_COUNT = 8;
const MAC = 80;
const ARPHRD_ETHER = 1;

/** A ring over an ordinary buffer (never closed: it maps nothing). */
function bufferRing(): { ring: AfPacketRing; memory: Uint8Array; view: DataView } {
  const memory = new Uint8Array(FRAME_SIZE * FRAME_COUNT);
  const ring = AfPacketRing.adopt({
    iface: "test0",
    ifindex: 1,
    fd: -1,
    address: BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(memory))),
    frameSize: FRAME_SIZE,
    frameCount: FRAME_COUNT,
    ignoreOutgoing: false,
  });
  return { ring, memory, view: new DataView(memory.buffer) };
}

/** Fill `slot` as the kernel does: a 60-byte frame whose first byte is `mark`. */
function fill(memory: Uint8Array, view: DataView, slot: number, mark: number): void {
  const base = slot * FRAME_SIZE;
  view.setUint32(base + 4, 60, true); // tp_len
  view.setUint32(base + 8, 60, true); // tp_snaplen
  view.setUint16(base + 12, MAC, true); // tp_mac
  view.setUint16(base + 32 + 8, ARPHRD_ETHER, true); // sll_hatype
  memory[base + MAC] = mark;
  view.setUint32(base, TP_STATUS_USER, true); // last, as the kernel publishes it
}

function statusOf(view: DataView, slot: number): number {
  return view.getUint32(slot * FRAME_SIZE, true);
}

/** The marks of the frames in `batch`. */
function marks(batch: FrameBatch, memory: Uint8Array): number[] {
  return Array.from({ length: batch.count }, (_, i) => memory[batch.offset[i]]);
}

Deno.test("ring: next() reads filled slots in order and hands them back on the next call", () => {
  const { ring, memory, view } = bufferRing();
  const batch = new FrameBatch(4);
  for (let slot = 0; slot < 6; slot++) fill(memory, view, slot, 10 + slot);
  assert.equal(ring.next(batch), 4);
  assert.deepEqual(marks(batch, memory), [10, 11, 12, 13]);
  assert.equal(batch.capLen[0], 60);
  assert.equal(statusOf(view, 0), TP_STATUS_USER, "leased slots stay the user's");
  assert.equal(ring.next(batch), 2);
  assert.deepEqual(marks(batch, memory), [14, 15]);
  for (let slot = 0; slot < 4; slot++) assert.equal(statusOf(view, slot), 0, `slot ${slot} back`);
  assert.equal(ring.next(batch), 0);
  assert.equal(statusOf(view, 5), 0);
});

Deno.test("ring: slots a send thread still holds are not read again after a lap", () => {
  const { ring, memory, view } = bufferRing();
  const batch = new FrameBatch(FRAME_COUNT);
  for (let slot = 0; slot < FRAME_COUNT; slot++) fill(memory, view, slot, 20 + slot);
  // the whole ring is read and its lease handed to a send thread
  assert.equal(ring.next(batch), FRAME_COUNT);
  assert.equal(ring.leaseStart, 0);
  assert.equal(ring.leaseCount, FRAME_COUNT);
  ring.detachLease();
  // the thread has sent none yet: every slot still reads as filled
  assert.equal(ring.next(batch, FRAME_COUNT), 0, "held slots are not new frames");
  assert.equal(ring.leaseCount, 0);
  // it hands back the first three; the kernel refills two of them
  for (let slot = 0; slot < 3; slot++) view.setUint32(slot * FRAME_SIZE, 0, true);
  fill(memory, view, 0, 40);
  fill(memory, view, 1, 41);
  assert.equal(ring.next(batch, FRAME_COUNT - 3), 2);
  assert.deepEqual(marks(batch, memory), [40, 41]);
  ring.detachLease();
  // the cursor waits at slot 2 for the kernel, not at a held slot
  fill(memory, view, 2, 42);
  assert.equal(ring.next(batch, FRAME_COUNT - 1), 1);
  assert.deepEqual(marks(batch, memory), [42]);
});

Deno.test("ring: without the held count a lap reads held slots twice (what the count prevents)", () => {
  const { ring, memory, view } = bufferRing();
  const batch = new FrameBatch(FRAME_COUNT);
  for (let slot = 0; slot < FRAME_COUNT; slot++) fill(memory, view, slot, 30 + slot);
  assert.equal(ring.next(batch), FRAME_COUNT);
  ring.detachLease();
  assert.equal(ring.next(batch), FRAME_COUNT, "a ring told nothing of held slots laps into them");
  assert.deepEqual(marks(batch, memory), [30, 31, 32, 33, 34, 35, 36, 37]);
});
