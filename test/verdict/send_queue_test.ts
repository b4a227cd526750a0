import assert from "node:assert/strict";
import {
  ENTRY_FORWARD,
  ENTRY_RELEASE,
  entryWord,
  SendQueue,
} from "../../src/verdict/send_queue.ts";

/** Take every published entry as the send thread does: [kind, side, a, b] each. */
function drain(consumer: SendQueue): number[][] {
  const out: number[][] = [];
  let head = consumer.head();
  const tail = consumer.publishedTail();
  while (head !== tail) {
    const w = entryWord(consumer, head);
    const e = consumer.entries;
    out.push([e[w] & 0xff, e[w] >>> 8, e[w + 1], e[w + 2]]);
    head = (head + 1) >>> 0;
  }
  consumer.advance(head);
  return out;
}

Deno.test("send queue: entries cross in order, only once published, through the shared buffer", () => {
  const producer = new SendQueue(8);
  const consumer = new SendQueue(producer.buffer);
  assert.equal(consumer.capacity, 8);
  assert(producer.pushForward(1, 4096 * 7 + 82, 1514));
  assert(producer.pushRelease(1, 7, 3));
  assert.deepEqual(drain(consumer), [], "nothing before publish");
  assert.equal(producer.backlog, 2);
  producer.publish();
  assert.deepEqual(drain(consumer), [
    [ENTRY_FORWARD, 1, 4096 * 7 + 82, 1514],
    [ENTRY_RELEASE, 1, 7, 3],
  ]);
  assert.equal(producer.backlog, 0);
});

Deno.test("send queue: full at capacity, room again as the consumer advances, across the wrap", () => {
  const producer = new SendQueue(4);
  const consumer = new SendQueue(producer.buffer);
  const seen: number[] = [];
  let next = 0;
  for (let round = 0; round < 5; round++) {
    while (producer.pushForward(0, next, 60)) next++;
    assert.equal(producer.backlog, 4, "full at capacity");
    producer.publish();
    for (const [, , offset] of drain(consumer)) seen.push(offset);
  }
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i), "every entry once, in order");
});

Deno.test("send queue: positions wrap at 2^32", () => {
  const producer = new SendQueue(4);
  const consumer = new SendQueue(producer.buffer);
  // start both sides just below the 32-bit wrap, as a long run reaches it
  const control = new Int32Array(producer.buffer, 32, 8);
  control[0] = -2; // tail 0xfffffffe
  control[1] = -2; // head
  const wrapped = new SendQueue(producer.buffer);
  for (let k = 0; k < 3; k++) assert(wrapped.pushForward(0, k, 60));
  assert.equal(wrapped.backlog, 3);
  wrapped.publish();
  assert.equal(consumer.publishedTail(), 1);
  assert.deepEqual(drain(consumer).map((e) => e[2]), [0, 1, 2]);
  assert.equal(wrapped.backlog, 0);
});

Deno.test("send queue: a stop request, and a producer that waits only while entries are queued", () => {
  const producer = new SendQueue(4);
  const consumer = new SendQueue(producer.buffer);
  const t = performance.now();
  producer.waitForConsumer(200);
  assert(performance.now() - t < 100, "nothing queued: no wait");
  producer.pushForward(0, 0, 60);
  producer.publish();
  const t2 = performance.now();
  producer.waitForConsumer(20);
  assert(performance.now() - t2 >= 15, "entries queued: waits for the consumer (here: times out)");
  assert(!consumer.stopRequested());
  producer.requestStop();
  assert(consumer.stopRequested());
  assert(!producer.stopped);
  consumer.markStopped();
  assert(producer.stopped);
});

Deno.test("send queue: capacity must be a power of two", () => {
  assert.throws(() => new SendQueue(6), RangeError);
});
