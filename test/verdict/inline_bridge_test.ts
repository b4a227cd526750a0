/**
 * The inline bridge's hand-over to its send threads, without a network: two
 * stand-in rings (a buffer, a lease) and send-thread handles whose queues
 * this test reads as the send thread would. Forwarding itself (the sends) is
 * tested end to end in test/e2e/live_capture_test.ts.
 */

import assert from "node:assert/strict";
import type { AfPacketRing } from "../../src/capture/afpacket.ts";
import { FrameBatch } from "../../src/capture/frame_batch.ts";
import { Packet } from "../../src/decode/packet.ts";
import { InlineBridge } from "../../src/verdict/inline_bridge.ts";
import { PacketVerdict } from "../../src/verdict/packet_verdict.ts";
import {
  ENTRY_FORWARD,
  ENTRY_RELEASE,
  entryWord,
  SendCounter,
  SendQueue,
} from "../../src/verdict/send_queue.ts";
import type { SendThread } from "../../src/verdict/send_thread.ts";

const FRAME = 2048;

/** A ring as the bridge uses it: data, fd, a lease of `leaseCount` slots from `leaseStart`. */
class StandInRing {
  readonly data = new Uint8Array(FRAME * 16);
  readonly fd: number;
  leaseStart = 0;
  leaseCount = 0;
  released = 0;
  constructor(fd: number) {
    this.fd = fd;
  }
  detachLease(): void {
    this.leaseStart += this.leaseCount;
    this.leaseCount = 0;
  }
  release(): void {
    this.released += this.leaseCount;
    this.detachLease();
  }
}

function setUp() {
  const rings = [new StandInRing(-1), new StandInRing(-1)];
  const threads = [0, 1].map(() => ({ queue: new SendQueue(64), failure: null }));
  const bridge = new InlineBridge(
    rings[0] as unknown as AfPacketRing,
    rings[1] as unknown as AfPacketRing,
    threads as unknown as [SendThread, SendThread],
  );
  return { rings, threads, bridge };
}

/** A batch of `n` 60-byte frames at slots 0..n-1. */
function batchOf(n: number): FrameBatch {
  const batch = new FrameBatch(16);
  for (let i = 0; i < n; i++) {
    batch.offset[i] = i * FRAME + 80;
    batch.capLen[i] = 60;
    batch.wireLen[i] = 60;
  }
  batch.count = n;
  return batch;
}

/** What a send thread would take from its queue: [kind, side, a, b] each. */
function take(queue: SendQueue): number[][] {
  const out: number[][] = [];
  let head = queue.head();
  for (const tail = queue.publishedTail(); head !== tail; head = (head + 1) >>> 0) {
    const w = entryWord(queue, head);
    const e = queue.entries;
    out.push([e[w] & 0xff, e[w] >>> 8, e[w + 1], e[w + 2]]);
  }
  queue.advance(head);
  return out;
}

Deno.test("bridge: a batch for an awake send thread is queued in order, then its slots", () => {
  const { rings, threads, bridge } = setUp();
  const batch = batchOf(5);
  rings[1].leaseCount = 5;
  bridge.beginBatch(1, 5);
  const packet = new Packet();
  for (let i = 0; i < 5; i++) {
    bridge.apply(1, batch, i, packet, i === 2 ? PacketVerdict.DROP : PacketVerdict.PASS);
  }
  bridge.endBatch(1);
  assert.deepEqual(take(threads[1].queue), [
    [ENTRY_FORWARD, 1, 80, 60],
    [ENTRY_FORWARD, 1, FRAME + 80, 60],
    [ENTRY_FORWARD, 1, 3 * FRAME + 80, 60],
    [ENTRY_FORWARD, 1, 4 * FRAME + 80, 60],
    [ENTRY_RELEASE, 1, 0, 5],
  ]);
  assert.deepEqual(take(threads[0].queue), [], "the other side's thread gets nothing");
  assert.equal(rings[1].released, 0, "the slots are the thread's to give back");
  assert.equal(bridge.counters.blocked, 1);
  // the held slots count until the thread says it gave them back
  assert.equal(bridge.heldSlots(1), 5);
  assert.equal(bridge.heldSlots(0), 0);
  threads[1].queue.counters[SendCounter.RELEASED] += 5;
  threads[1].queue.counters[SendCounter.SENT] += 4;
  assert.equal(bridge.heldSlots(1), 0);
  assert.equal(bridge.counters.accepted, 4);
  assert.equal(bridge.counters.threadSent, 4);
});

Deno.test("bridge: a long batch's first frames reach the send thread before the batch ends", () => {
  const { rings, threads, bridge } = setUp();
  const batch = batchOf(12);
  rings[0].leaseCount = 12;
  bridge.beginBatch(0, 12);
  const packet = new Packet();
  for (let i = 0; i < 8; i++) bridge.apply(0, batch, i, packet, PacketVerdict.PASS);
  // eight queued: published while frames 8-11 are still being inspected
  assert.deepEqual(
    take(threads[0].queue).map((e) => e[2]),
    [0, 1, 2, 3, 4, 5, 6, 7].map((slot) => slot * FRAME + 80),
  );
  for (let i = 8; i < 12; i++) bridge.apply(0, batch, i, packet, PacketVerdict.PASS);
  assert.deepEqual(take(threads[0].queue), [], "the next ones wait for the batch's end");
  bridge.endBatch(0);
  assert.deepEqual(take(threads[0].queue), [
    [ENTRY_FORWARD, 0, 8 * FRAME + 80, 60],
    [ENTRY_FORWARD, 0, 9 * FRAME + 80, 60],
    [ENTRY_FORWARD, 0, 10 * FRAME + 80, 60],
    [ENTRY_FORWARD, 0, 11 * FRAME + 80, 60],
    [ENTRY_RELEASE, 0, 0, 12],
  ]);
});

Deno.test("bridge: the count towards a publish starts again with each batch, whatever its side", () => {
  const { rings, threads, bridge } = setUp();
  const packet = new Packet();
  const five = batchOf(5);
  rings[0].leaseCount = 5;
  bridge.beginBatch(0, 5);
  for (let i = 0; i < 5; i++) bridge.apply(0, five, i, packet, PacketVerdict.PASS);
  assert.deepEqual(take(threads[0].queue), [], "5 frames: nothing published before the end");
  bridge.endBatch(0);
  assert.equal(take(threads[0].queue).length, 6, "5 forwards and the release");
  const twelve = batchOf(12);
  rings[1].leaseCount = 12;
  bridge.beginBatch(1, 12);
  for (let i = 0; i < 7; i++) bridge.apply(1, twelve, i, packet, PacketVerdict.PASS);
  assert.deepEqual(take(threads[1].queue), [], "7 frames of the new batch: not yet");
  bridge.apply(1, twelve, 7, packet, PacketVerdict.PASS);
  assert.equal(take(threads[1].queue).length, 8, "published at its own 8th frame");
});

Deno.test("bridge: a failed send thread stops the loop with an error, not a silent stall", () => {
  const { rings, threads, bridge } = setUp();
  rings[0].leaseCount = 1;
  bridge.beginBatch(0, 4);
  bridge.apply(0, batchOf(1), 0, new Packet(), PacketVerdict.PASS);
  bridge.endBatch(0);
  assert.equal(bridge.waitForSends(0), true, "frames held: the loop waits on the queue");
  threads[0].queue.markFailed();
  assert.throws(() => bridge.waitForSends(1), /send thread failed/);
  assert.throws(() => bridge.beginBatch(0, 1), /send thread failed/);
});
