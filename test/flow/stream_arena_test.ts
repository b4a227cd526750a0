/**
 * The buddy allocator under TCP reassembly: sizes and orders, windows that
 * never overlap under random allocate/release orders (checked with the
 * arena's own bytes), buddies that merge back into whole top blocks, and a
 * full arena that refuses and counts.
 */

import assert from "node:assert/strict";
import { MIN_WINDOW, StreamArena } from "../../src/flow/stream_arena.ts";
import { mulberry32 as rng } from "../_random.ts";

/** One window handed out by the arena. */
interface Live {
  unit: number;
  order: number;
  /** The byte the test wrote over the whole window. */
  mark: number;
}

const KIB = 1024;

/** Allocate every top block at `order` until refused; returns the units. */
function drain(arena: StreamArena, order: number): number[] {
  const units: number[] = [];
  for (;;) {
    const u = arena.allocate(order);
    if (u < 0) return units;
    units.push(u);
  }
}

Deno.test("stream arena: sizes round the memcap down to whole largest windows, at least one", () => {
  const a = new StreamArena(64 * KIB, 16 * KIB);
  assert.equal(a.maxOrder, 2);
  assert.equal(a.capacity, 64 * KIB);
  assert.equal(a.bytes.length, 64 * KIB);
  assert.equal(a.used, 0);
  assert.equal(a.refused, 0);
  // 70 KiB holds four 16 KiB top blocks, not a partial fifth
  assert.equal(new StreamArena(70 * KIB, 16 * KIB).capacity, 64 * KIB);
  // a memcap below one top block still gives one
  const tiny = new StreamArena(1, 16 * KIB);
  assert.equal(tiny.capacity, 16 * KIB);
  // a largest window that is not a power of two rounds down
  assert.equal(new StreamArena(64 * KIB, 12 * KIB).maxOrder, 1);
  // a largest window below the smallest still gives order 0
  const small = new StreamArena(8 * KIB, 1);
  assert.equal(small.maxOrder, 0);
  assert.equal(small.capacity, 8 * KIB);
  assert.equal(new StreamArena(64 * 1024 * KIB, 1024 * KIB).maxOrder, 8);
});

Deno.test("stream arena: orderFor gives the smallest window holding the size, -1 past the largest", () => {
  const a = new StreamArena(64 * KIB, 16 * KIB);
  assert.equal(a.orderFor(0), 0);
  assert.equal(a.orderFor(1), 0);
  assert.equal(a.orderFor(MIN_WINDOW), 0);
  assert.equal(a.orderFor(MIN_WINDOW + 1), 1);
  assert.equal(a.orderFor(8 * KIB), 1);
  assert.equal(a.orderFor(8 * KIB + 1), 2);
  assert.equal(a.orderFor(16 * KIB), 2);
  assert.equal(a.orderFor(16 * KIB + 1), -1);
  assert.equal(a.orderFor(1 << 30), -1);
});

Deno.test("stream arena: a largest window of 1 GiB or more is capped, not a hang or an empty arena", () => {
  // 4096 << 19 overflows a 32-bit shift; the largest order stays at 18 (1 GiB)
  for (const maxWindow of [2 ** 30, 2 ** 31, 2 ** 33]) {
    const a = new StreamArena(MIN_WINDOW, maxWindow);
    assert.equal(a.maxOrder, 18, `maxWindow ${maxWindow}`);
    assert.equal(a.capacity, 2 ** 30);
    assert.equal(a.orderFor(2 ** 30), 18);
    assert.equal(a.orderFor(2 ** 30 + 1), -1);
    assert.equal(a.allocate(18), 0);
    assert.equal(a.used, 2 ** 30);
    assert.equal(a.allocate(0), -1);
    a.release(0, 18);
    assert.equal(a.used, 0);
  }
});

Deno.test("stream arena: windows are aligned to their size, inside the arena, and split from the low end", () => {
  const a = new StreamArena(64 * KIB, 16 * KIB); // 16 units of 4 KiB, 4 top blocks
  const u0 = a.allocate(0);
  assert.equal(u0 % 1, 0);
  const u1 = a.allocate(1);
  assert.equal(u1 % 2, 0);
  const u2 = a.allocate(2);
  assert.equal(u2 % 4, 0);
  for (const u of [u0, u1, u2]) assert.ok(u >= 0 && u < 16);
  assert.equal(a.used, MIN_WINDOW * (1 + 2 + 4));
  // the order-0 window took a top block apart: its buddy (order 0) and the upper half (order 1) are free
  const buddy = a.allocate(0);
  assert.equal(buddy, u0 ^ 1, "the free buddy of the first split is the next order-0 window");
});

Deno.test("stream arena: allocate returns -1 when full and counts refusals; release makes room again", () => {
  const a = new StreamArena(64 * KIB, 16 * KIB);
  const units = drain(a, 0);
  assert.equal(units.length, 16);
  assert.equal(new Set(units).size, 16);
  assert.equal(a.used, a.capacity);
  assert.equal(a.refused, 1);
  assert.equal(a.allocate(0), -1);
  assert.equal(a.allocate(2), -1);
  assert.equal(a.refused, 3);
  assert.equal(a.used, a.capacity, "a refusal takes nothing");
  // one freed unit serves order 0 but not order 1
  a.release(units[5], 0);
  assert.equal(a.allocate(1), -1);
  assert.equal(a.refused, 4);
  assert.equal(a.allocate(0), units[5]);
  assert.equal(a.refused, 4);
  // a freed buddy pair serves order 1 again
  a.release(4, 0);
  a.release(5, 0);
  assert.equal(a.allocate(1), 4);
});

Deno.test("stream arena: after releasing everything, buddies merge back into every top block", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rand = rng(seed);
    const a = new StreamArena(128 * KIB, 32 * KIB); // 4 top blocks of order 3
    assert.equal(a.maxOrder, 3);
    const tops = a.capacity / (MIN_WINDOW << a.maxOrder);
    // fill the arena with windows of random orders until nothing fits
    const live: { unit: number; order: number }[] = [];
    for (let tries = 0; tries < 200; tries++) {
      const order = Math.floor(rand() * (a.maxOrder + 1));
      const unit = a.allocate(order);
      if (unit >= 0) live.push({ unit, order });
    }
    for (const u of drain(a, 0)) live.push({ unit: u, order: 0 });
    assert.equal(a.used, a.capacity, `seed ${seed}: the arena is full`);
    // release in a random order
    for (let i = live.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [live[i], live[j]] = [live[j], live[i]];
    }
    for (const w of live) a.release(w.unit, w.order);
    assert.equal(a.used, 0, `seed ${seed}`);
    const topUnits = drain(a, a.maxOrder);
    assert.equal(topUnits.length, tops, `seed ${seed}: every top block is whole again`);
    assert.deepEqual(
      topUnits.toSorted((x, y) => x - y),
      Array.from({ length: tops }, (_, t) => t << a.maxOrder),
    );
    assert.equal(a.used, a.capacity);
  }
});

Deno.test("stream arena: random allocate/release never hands out overlapping windows (seeded property)", () => {
  for (let seed = 100; seed < 130; seed++) {
    const rand = rng(seed);
    const a = new StreamArena(256 * KIB, 64 * KIB); // 64 units, 4 top blocks of order 4
    const owner = new Int32Array(a.capacity / MIN_WINDOW).fill(-1);
    const live: Live[] = [];
    let nextId = 0;
    let refusedSeen = 0;
    for (let step = 0; step < 2000; step++) {
      if (live.length > 0 && rand() < 0.45) {
        const i = Math.floor(rand() * live.length);
        const w = live[i];
        live[i] = live[live.length - 1];
        live.pop();
        // nobody wrote over this window while it was live
        const from = w.unit * MIN_WINDOW;
        const to = from + (MIN_WINDOW << w.order);
        for (let b = from; b < to; b += 97) {
          assert.equal(a.bytes[b], w.mark, `seed ${seed} step ${step}: window bytes kept`);
        }
        assert.equal(a.bytes[to - 1], w.mark);
        for (let u = w.unit; u < w.unit + (1 << w.order); u++) owner[u] = -1;
        a.release(w.unit, w.order);
      } else {
        const order = Math.floor(rand() * (a.maxOrder + 1));
        const before = a.used;
        const unit = a.allocate(order);
        if (unit < 0) {
          refusedSeen++;
          assert.equal(a.used, before);
          // refused only when no free run of that size and alignment exists
          let free = false;
          for (let u = 0; u < owner.length && !free; u += 1 << order) {
            let all = true;
            for (let k = u; k < u + (1 << order); k++) if (owner[k] >= 0) all = false;
            free = all;
          }
          assert.ok(!free, `seed ${seed} step ${step}: refused order ${order} with room`);
          continue;
        }
        assert.equal(unit % (1 << order), 0, "aligned to its size");
        assert.ok(unit + (1 << order) <= owner.length, "inside the arena");
        const id = nextId++;
        for (let u = unit; u < unit + (1 << order); u++) {
          assert.equal(owner[u], -1, `seed ${seed} step ${step}: unit ${u} handed out twice`);
          owner[u] = id;
        }
        const mark = (id % 255) + 1;
        a.bytes.fill(mark, unit * MIN_WINDOW, (unit + (1 << order)) * MIN_WINDOW);
        live.push({ unit, order, mark });
      }
      const used = live.reduce((n, w) => n + (MIN_WINDOW << w.order), 0);
      assert.equal(a.used, used, `seed ${seed} step ${step}: used counts live windows`);
    }
    assert.equal(a.refused, refusedSeen);
    for (const w of live) a.release(w.unit, w.order);
    assert.equal(a.used, 0);
    assert.equal(drain(a, a.maxOrder).length, 4, `seed ${seed}: everything merged back`);
  }
});
