/**
 * The ring's cursor over TPACKET_V2 slots, without a socket: a ring adopted
 * over a buffer whose slot headers the test writes as the kernel would
 * (status, lengths, MAC offset), and hands back as a send thread would.
 */

import assert from "node:assert/strict";
import {
  AfPacketRing,
  TP_STATUS_USER,
  TP_STATUS_VLAN_TPID_VALID,
  TP_STATUS_VLAN_VALID,
} from "../../src/capture/afpacket.ts";
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

Deno.test("ring: hasFrame() tells whether next() would find a frame, and takes nothing", () => {
  const { ring, memory, view } = bufferRing();
  const batch = new FrameBatch(2);
  assert.equal(ring.hasFrame(), false, "an empty ring");
  fill(memory, view, 0, 30);
  fill(memory, view, 1, 31);
  fill(memory, view, 2, 32);
  assert.equal(ring.hasFrame(), true);
  assert.equal(ring.hasFrame(), true, "looking twice takes nothing");
  assert.equal(statusOf(view, 0), TP_STATUS_USER);
  assert.equal(ring.next(batch), 2);
  assert.deepEqual(marks(batch, memory), [30, 31]);
  assert.equal(ring.hasFrame(), true, "slot 2 at the cursor");
  assert.equal(ring.hasFrame(FRAME_COUNT), false, "every slot held elsewhere: nothing to take");
  assert.equal(ring.next(batch), 1);
  assert.equal(ring.hasFrame(), false, "the leased slot is behind the cursor");
  assert.equal(ring.next(batch), 0);
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

/**
 * Fill `slot` with an untagged 60-byte Ethernet frame at `mac` whose VLAN tag the kernel took
 * off (tp_vlan_tci, and tp_vlan_tpid when `tpid` is given), `length` bytes captured.
 */
function fillStripped(
  memory: Uint8Array,
  view: DataView,
  slot: number,
  mac: number,
  length: number,
  tpid?: number,
): void {
  const base = slot * FRAME_SIZE;
  view.setUint32(base + 4, length, true);
  view.setUint32(base + 8, length, true);
  view.setUint16(base + 12, mac, true);
  view.setUint16(base + 24, 0x2064, true); // tp_vlan_tci: priority 1, VLAN 100
  view.setUint16(base + 26, tpid ?? 0, true);
  view.setUint16(base + 32 + 8, ARPHRD_ETHER, true);
  for (let k = 0; k < 12; k++) memory[base + mac + k] = 0xa0 + k; // the two MAC addresses
  view.setUint16(base + mac + 12, 0x0800, false); // IPv4
  for (let k = 14; k < length; k++) memory[base + mac + k] = k & 0xff;
  let status = TP_STATUS_USER | TP_STATUS_VLAN_VALID;
  if (tpid !== undefined) status |= TP_STATUS_VLAN_TPID_VALID;
  view.setUint32(base, status, true);
}

/** The frame `i` of `batch` as bytes. */
function frameOf(batch: FrameBatch, memory: Uint8Array, i: number): Uint8Array {
  return memory.subarray(batch.offset[i], batch.offset[i] + batch.capLen[i]);
}

/** What the tagged frame must be: addresses, the tag, then the original EtherType and payload. */
function tagged(length: number, tpid: number): Uint8Array {
  const out = new Uint8Array(length + 4);
  for (let k = 0; k < 12; k++) out[k] = 0xa0 + k;
  out.set([tpid >> 8, tpid & 0xff, 0x20, 0x64, 0x08, 0x00], 12);
  for (let k = 14; k < length; k++) out[k + 4] = k & 0xff;
  return out;
}

Deno.test("ring: a stripped VLAN tag goes back in front of the EtherType, in the headroom", () => {
  const { ring, memory, view } = bufferRing();
  const batch = new FrameBatch(4);
  fillStripped(memory, view, 0, MAC, 60); // 80: room for 4 bytes before the frame
  fillStripped(memory, view, 1, MAC, 60, 0x88a8); // 802.1ad, the kernel said which
  assert.equal(ring.next(batch), 2);
  assert.equal(batch.offset[0], MAC - 4, "the addresses moved 4 bytes back");
  assert.equal(batch.capLen[0], 64);
  assert.equal(batch.wireLen[0], 64);
  assert.deepEqual(frameOf(batch, memory, 0), tagged(60, 0x8100));
  assert.deepEqual(frameOf(batch, memory, 1).subarray(0, 18), tagged(60, 0x88a8).subarray(0, 18));
  assert.equal(ring.vlanRestored, 2);
  assert.equal(ring.vlanUntagged, 0);
});

Deno.test("ring: without headroom the tag goes in by moving the rest of the frame (one copy)", () => {
  const { ring, memory, view } = bufferRing();
  const batch = new FrameBatch(4);
  const mac = 52; // right after the headers: no headroom
  fillStripped(memory, view, 0, mac, 100);
  assert.equal(ring.next(batch), 1);
  assert.equal(batch.offset[0], mac, "the frame stays where it is");
  assert.equal(batch.capLen[0], 104);
  assert.deepEqual(frameOf(batch, memory, 0), tagged(100, 0x8100));
  assert.equal(ring.vlanRestored, 1);
});

Deno.test("ring: a frame that fills its slot is delivered untagged, and counted", () => {
  const { ring, memory, view } = bufferRing();
  const batch = new FrameBatch(4);
  const mac = 52;
  const length = FRAME_SIZE - mac - 2; // 2 bytes short of room for the tag
  fillStripped(memory, view, 0, mac, length);
  assert.equal(ring.next(batch), 1);
  assert.equal(batch.offset[0], mac);
  assert.equal(batch.capLen[0], length);
  assert.equal(memory[mac + 12], 0x08, "EtherType untouched");
  assert.equal(ring.vlanRestored, 0);
  assert.equal(ring.vlanUntagged, 1);
});
