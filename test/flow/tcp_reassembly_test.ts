/**
 * TCP stream reassembly on real frames: each packet is built from bytes,
 * decoded, looked up in a real {@link FlowTable} and fed to
 * {@link TcpReassembly} exactly as the flow stage does (segment with the
 * state after the lookup, prepare, commit after detection). Splits at every
 * byte, reordering, overlap policies, gaps, sequence wrap-around, depth,
 * memcap, the chunk-size rule and the flow-end flush.
 */

import assert from "node:assert/strict";
import { Packet } from "../../src/decode/packet.ts";
import { FlowTable, type FlowTableOptions, TcpState } from "../../src/flow/flow_table.ts";
import {
  MAX_RANGES,
  OverlapPolicy,
  ReassemblyEvent,
  type ReassemblyOptions,
  TcpReassembly,
} from "../../src/flow/tcp_reassembly.ts";
import { A, decodeAt, type Endpoints, F, P, R, S, TcpConversation } from "./_flow_frames.ts";
import { mulberry32 as rng } from "../_random.ts";

const E: Endpoints = { client: "10.0.0.1", server: "10.0.0.2", cport: 40000, sport: 80 };
const E6: Endpoints = { client: "2001:db8::1", server: "2001:db8::2", cport: 40000, sport: 80 };

/** Bytes as a string, one char per byte (TextDecoder's "latin1" is windows-1252). */
function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) {
    s += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 4096)));
  }
  return s;
}

/** The attack payload of the split tests: 40 bytes. */
const ATTACK = "GET /attack?x=EVIL HTTP/1.0\r\nHost: a\r\n\r\n";

function shuffle<T>(items: T[], rand: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** What one packet did. */
interface Step {
  /** Flow slot. */
  f: number;
  /** Direction in the flow. */
  toServer: boolean;
  /** TCP state after the packet. */
  state: number;
  /** segment() said the data joined the stream. */
  added: boolean;
  /** Events raised by segment(). */
  events: number;
  /** The inspected blocks, copied out of the arena. */
  blocks: string[];
  /** blockGapBefore of each block. */
  gaps: number[];
}

const NO_BLOCKS = { blocks: [], gaps: [] };

/** A flow table and reassembly driven as FlowStage.update/finish drive them. */
class Harness {
  readonly table: FlowTable;
  readonly r: TcpReassembly;
  /** Every byte inspected, per flow and direction ("f:toServer"), in inspection order. */
  readonly inspected = new Map<string, string>();
  readonly #p = new Packet();
  #t = 100;

  constructor(options: Partial<ReassemblyOptions> = {}, tableOptions: FlowTableOptions = {}) {
    this.table = new FlowTable({ capacity: 64, ...tableOptions });
    this.r = new TcpReassembly({
      memcap: 1 << 20,
      maxWindow: 1 << 16,
      minWindow: 4096, // the figures below count 4 KiB windows
      checkOverlapDifferentData: true,
      ...options,
      capacity: this.table.capacity,
    });
    // a flow that ends gives its streams back, as the flow stage does
    this.table.onEnd = (f) => this.r.reset(f);
  }

  /**
   * One frame through lookup, segment, prepare (IDS: two-sided, not eof) and
   * commit. With `check`, the blocks are handed to it before the commit
   * instead of being copied out.
   */
  feed(frame: Uint8Array, check?: (r: TcpReassembly) => void): Step {
    this.#t += 0.001;
    const p = decodeAt(frame, this.#t, this.#p);
    const f = this.table.lookupOrCreate(p, this.#t);
    assert.ok(f >= 0, "the packet has a flow");
    const toServer = this.table.lastToServer;
    const state = this.table.tcpState[f];
    const added = this.r.segment(f, toServer, p, state);
    const events = this.r.events;
    const n = this.r.prepare(f, toServer, state, false, false);
    assert.equal(n, this.r.blockCount);
    const found = check === undefined ? this.#read(f, toServer) : (check(this.r), NO_BLOCKS);
    const step: Step = { f, toServer, state, added, events, ...found };
    if (n > 0) this.r.commit();
    return step;
  }

  /** Feed frames; returns the steps. */
  feedAll(frames: Uint8Array[]): Step[] {
    return frames.map((fr) => this.feed(fr));
  }

  /** The flow-end pseudo packet of one direction: prepare with eof, then commit. */
  flush(f: number, toServer: boolean): { blocks: string[]; gaps: number[] } {
    this.r.prepare(f, toServer, this.table.tcpState[f], true, true);
    const out = this.#read(f, toServer);
    this.r.commit();
    return out;
  }

  /** Everything inspected so far in one direction. */
  seen(f: number, toServer: boolean): string {
    return this.inspected.get(`${f}:${toServer}`) ?? "";
  }

  #read(f: number, toServer: boolean): { blocks: string[]; gaps: number[] } {
    const r = this.r;
    const blocks: string[] = [];
    const gaps: number[] = [];
    for (let k = 0; k < r.blockCount; k++) {
      assert.ok(r.blockStart[k] >= 0 && r.blockEnd[k] <= r.bytes.length);
      assert.ok(r.blockStart[k] < r.blockEnd[k], "blocks are not empty");
      blocks.push(latin1(r.bytes.slice(r.blockStart[k], r.blockEnd[k])));
      gaps.push(r.blockGapBefore[k]);
    }
    if (blocks.length > 0) {
      const key = `${f}:${toServer}`;
      this.inspected.set(key, (this.inspected.get(key) ?? "") + blocks.join(""));
    }
    return { blocks, gaps };
  }
}

/**
 * A segment with `data` at stream offset `off` of one direction (ISN + 1 +
 * off). The conversation's next sequence number ends up past the furthest
 * data sent, so a later `seg` of the peer acknowledges all of it.
 */
function dataAt(
  c: TcpConversation,
  toServer: boolean,
  isn: number,
  off: number,
  data: string | Uint8Array,
  flags = A | P,
): Uint8Array {
  const before = toServer ? c.cseq : c.sseq;
  const seq = (isn + 1 + off) >>> 0;
  if (toServer) c.cseq = seq;
  else c.sseq = seq;
  const frame = c.seg(toServer, flags, data);
  const after = toServer ? c.cseq : c.sseq;
  const next = ((after - before) | 0) > 0 ? after : before;
  if (toServer) c.cseq = next;
  else c.sseq = next;
  return frame;
}

/** A pure ACK from the peer of `dataToServer`'s stream, acknowledging up to stream offset `off`. */
function ackAt(c: TcpConversation, dataToServer: boolean, isn: number, off: number): Uint8Array {
  const saved = dataToServer ? c.cseq : c.sseq;
  const upTo = (isn + 1 + off) >>> 0;
  if (dataToServer) c.cseq = upTo;
  else c.sseq = upTo;
  const frame = c.seg(!dataToServer, A);
  if (dataToServer) c.cseq = saved;
  else c.sseq = saved;
  return frame;
}

/** The handshake through the harness; returns the flow slot. */
function handshake(h: Harness, c: TcpConversation): number {
  const steps = h.feedAll(c.handshake());
  for (const s of steps) {
    assert.equal(s.added, false);
    assert.deepEqual(s.blocks, []);
  }
  assert.equal(steps[2].state, TcpState.ESTABLISHED);
  return steps[0].f;
}

/** `n` bytes of printable text that differ at every offset within 26 and tell offsets apart. */
function text(n: number, seed = 0): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(0x21 + ((i * 7 + seed) % 90));
  return s;
}

// ---------------------------------------------------------------- splits

Deno.test("reassembly: a payload split in two at every byte is inspected whole and once, after the ACK", () => {
  assert.equal(ATTACK.length, 40);
  for (const ending of ["fin", "eof", "chunk"] as const) {
    for (let k = 1; k < ATTACK.length; k++) {
      const what = `${ending}, split at ${k}`;
      const options = ending === "chunk" ? { toServerChunk: ATTACK.length } : {};
      const h: Harness = new Harness(options);
      const c = new TcpConversation(E);
      const f = handshake(h, c);
      const one = h.feed(c.seg(true, A | P, ATTACK.slice(0, k)));
      const two = h.feed(c.seg(true, A | P, ATTACK.slice(k)));
      for (const s of [one, two]) {
        assert.equal(s.added, true, what);
        assert.equal(s.events, 0, what);
        assert.deepEqual(s.blocks, [], `${what}: nothing before the server acknowledges`);
      }
      assert.ok(h.r.hasPending(f, true));
      const ack = h.feed(c.seg(false, A));
      assert.equal(ack.toServer, false);
      assert.deepEqual(ack.blocks, [], `${what}: the server's ACK inspects its own direction`);
      if (ending === "fin") {
        const fin = h.feed(c.seg(true, F | A));
        assert.equal(fin.state, TcpState.CLOSE_WAIT);
        assert.ok(fin.state > TcpState.TIME_WAIT);
        assert.deepEqual(fin.blocks, [ATTACK], what);
        assert.deepEqual(fin.gaps, [0], what);
        h.feed(c.seg(false, F | A));
        const last = h.feed(c.seg(true, A));
        assert.deepEqual(last.blocks, [], `${what}: inspected once`);
      } else if (ending === "eof") {
        const later = h.feed(c.seg(true, A));
        assert.equal(later.state, TcpState.ESTABLISHED);
        assert.deepEqual(later.blocks, [], `${what}: 40 bytes are less than a chunk`);
        assert.deepEqual(h.flush(f, true), { blocks: [ATTACK], gaps: [0] }, what);
      } else {
        const later = h.feed(c.seg(true, A));
        assert.deepEqual(later.blocks, [ATTACK], what);
        assert.deepEqual(h.feed(c.seg(true, A)).blocks, [], `${what}: inspected once`);
      }
      assert.deepEqual(h.flush(f, true).blocks, [], `${what}: nothing left at the flow end`);
      assert.equal(h.r.prepare(f, true, h.table.tcpState[f], false, true), 0);
      assert.equal(h.seen(f, true), ATTACK, what);
      assert.equal(h.seen(f, false), "");
      assert.equal(h.r.hasPending(f, true), false);
      assert.equal(h.r.arena.used, 0, `${what}: the window went back to the arena`);
      assert.equal(h.r.counters.segments, 2);
      assert.equal(h.r.counters.overlaps, 0);
      assert.equal(h.r.counters.gapBytes, 0);
    }
  }
});

Deno.test("reassembly: IPv6, and the to-client stream with its own chunk size", () => {
  const h = new Harness({ toClientChunk: 30 });
  const c = new TcpConversation(E6, 7000, 90000);
  const f = handshake(h, c);
  h.feed(c.seg(true, A | P, "GET / HTTP/1.0\r\n\r\n"));
  const resp = "HTTP/1.0 200 OK\r\nServer: EVIL\r\n\r\n"; // 34 bytes
  const a = h.feed(c.seg(false, A | P, resp.slice(0, 10)));
  const b = h.feed(c.seg(false, A | P, resp.slice(10)));
  assert.equal(a.toServer, false);
  assert.ok(a.added && b.added);
  assert.deepEqual(b.blocks, [], "not acknowledged yet");
  const ack = h.feed(c.seg(true, A));
  assert.deepEqual(ack.blocks, [], "the client's ACK: 18 bytes to the server are below its chunk");
  const next = h.feed(c.seg(false, A));
  assert.deepEqual(next.blocks, [resp], "34 acknowledged bytes reach the 30-byte to-client chunk");
  assert.equal(h.seen(f, true), "");
  assert.deepEqual(h.flush(f, true).blocks, ["GET / HTTP/1.0\r\n\r\n"]);
  assert.deepEqual(h.flush(f, false).blocks, []);
});

// ---------------------------------------------------------------- order

/** Cut `payload` into `n` pieces at seeded random points: [offset, bytes][]. */
function cut(payload: string, n: number, rand: () => number): [number, string][] {
  const points = new Set<number>();
  while (points.size < n - 1) points.add(1 + Math.floor(rand() * (payload.length - 1)));
  const sorted = [0, ...[...points].sort((x, y) => x - y), payload.length];
  const out: [number, string][] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    out.push([sorted[i], payload.slice(sorted[i], sorted[i + 1])]);
  }
  return out;
}

/** Deliver pieces in the given order, then the server's ACK and the client's FIN. */
function deliver(h: Harness, c: TcpConversation, pieces: [number, string][]): Step[] {
  const steps = pieces.map(([off, data]) => h.feed(dataAt(c, true, 1000, off, data)));
  h.feed(c.seg(false, A));
  steps.push(h.feed(c.seg(true, F | A)));
  return steps;
}

Deno.test("reassembly: segments in reverse order reassemble to the original", () => {
  const payload = text(200);
  const pieces = cut(payload, 20, rng(7));
  const h = new Harness();
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  const steps = deliver(h, c, pieces.toReversed());
  for (const s of steps.slice(0, -1)) {
    assert.equal(s.added, true);
    assert.equal(s.events, 0);
    assert.deepEqual(s.blocks, []);
  }
  assert.deepEqual(steps[steps.length - 1].blocks, [payload]);
  assert.equal(h.seen(f, true), payload);
  assert.equal(h.r.counters.segments, 20);
  assert.equal(h.r.counters.overlaps, 0);
});

Deno.test("reassembly: shuffled segments (up to MAX_RANGES holes) reassemble to the original (seeded)", () => {
  for (let seed = 1; seed <= 200; seed++) {
    const rand = rng(seed);
    const payload = text(64 + Math.floor(rand() * 200), seed);
    // 2 * MAX_RANGES pieces can leave at most MAX_RANGES disjoint ranges
    const pieces = cut(payload, 2 + Math.floor(rand() * (2 * MAX_RANGES - 1)), rand);
    const h = new Harness();
    const c = new TcpConversation(E, 1000);
    const f = handshake(h, c);
    const steps = deliver(h, c, shuffle(pieces, rand));
    for (const s of steps.slice(0, -1)) {
      assert.equal(s.added, true, `seed ${seed}`);
      assert.equal(s.events, 0, `seed ${seed}`);
    }
    assert.deepEqual(steps[steps.length - 1].blocks, [payload], `seed ${seed}`);
    assert.deepEqual(steps[steps.length - 1].gaps, [0], `seed ${seed}`);
    assert.equal(h.seen(f, true), payload, `seed ${seed}`);
    assert.equal(h.r.counters.overflowDrops, 0);
    assert.equal(h.r.arena.used, 0);
  }
});

Deno.test("reassembly: identical retransmissions in any order raise no event and change nothing", () => {
  for (let seed = 1; seed <= 50; seed++) {
    const rand = rng(seed);
    const payload = text(150, seed);
    const pieces = cut(payload, 10, rand);
    // every piece twice, some as a larger retransmission spanning two pieces
    const extra: [number, string][] = [];
    for (let i = 0; i + 1 < pieces.length; i += 3) {
      const [off, a] = pieces[i];
      extra.push([off, a + pieces[i + 1][1]]);
    }
    const h = new Harness();
    const c = new TcpConversation(E, 1000);
    const f = handshake(h, c);
    const steps = deliver(h, c, shuffle([...pieces, ...pieces, ...extra], rand));
    for (const s of steps) assert.equal(s.events & ReassemblyEvent.OVERLAP_DIFFERENT_DATA, 0);
    assert.equal(h.r.counters.overlapsDifferent, 0, `seed ${seed}`);
    assert.ok(h.r.counters.overlaps >= pieces.length, `seed ${seed}: overlaps are counted`);
    assert.equal(h.seen(f, true), payload, `seed ${seed}`);
  }
});

Deno.test("reassembly: more than MAX_RANGES disjoint pieces drop the extra one (OVERFLOW); it is taken when resent", () => {
  const payload = text(2 * (MAX_RANGES + 1) * 5);
  const pieces = Array.from(
    { length: 2 * (MAX_RANGES + 1) },
    (_, i): [number, string] => [i * 5, payload.slice(i * 5, i * 5 + 5)],
  );
  const h = new Harness();
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  // the odd pieces first: MAX_RANGES + 1 disjoint ranges
  const odd = pieces.filter((_, i) => i % 2 === 1);
  const steps = odd.map(([off, d]) => h.feed(dataAt(c, true, 1000, off, d)));
  for (const s of steps.slice(0, MAX_RANGES)) assert.equal(s.added, true);
  const last = steps[MAX_RANGES];
  assert.equal(last.added, false);
  assert.equal(last.events, ReassemblyEvent.OVERFLOW);
  assert.equal(h.r.counters.overflowDrops, 1);
  // the even pieces fill the holes; the dropped one comes again
  for (const [off, d] of pieces.filter((_, i) => i % 2 === 0)) {
    assert.equal(h.feed(dataAt(c, true, 1000, off, d)).added, true);
  }
  const [off, d] = odd[MAX_RANGES];
  assert.equal(h.feed(dataAt(c, true, 1000, off, d)).added, true);
  h.feed(c.seg(false, A));
  assert.deepEqual(h.feed(c.seg(true, F | A)).blocks, [payload]);
  assert.equal(h.seen(f, true), payload);
});

// ---------------------------------------------------------------- overlaps

/** Old bytes are lower case, new bytes upper case, at every offset. */
const OLD = "abcdefghijklmnopqrstuvwxyzabcd";
const NEW = OLD.toUpperCase();

/** The expected stream from a pattern of 'o'/'n' per offset. */
function pick(pattern: string): string {
  let s = "";
  for (let i = 0; i < pattern.length; i++) s += pattern[i] === "o" ? OLD[i] : NEW[i];
  return s;
}

interface OverlapCase {
  name: string;
  old: [number, number];
  neu: [number, number];
  /** Expected per policy. */
  first: string;
  bsd: string;
  last: string;
}

const OVERLAPS: OverlapCase[] = [
  {
    name: "exact overlap",
    old: [0, 30],
    neu: [0, 30],
    first: "oooooooooooooooooooooooooooooo",
    bsd: "oooooooooooooooooooooooooooooo",
    last: "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
  },
  {
    name: "new starts before old",
    old: [10, 30],
    neu: [0, 20],
    first: "nnnnnnnnnnoooooooooooooooooooo",
    bsd: "nnnnnnnnnnnnnnnnnnnnoooooooooo",
    last: "nnnnnnnnnnnnnnnnnnnnoooooooooo",
  },
  {
    name: "new inside old",
    old: [0, 30],
    neu: [10, 20],
    first: "oooooooooooooooooooooooooooooo",
    bsd: "oooooooooooooooooooooooooooooo",
    last: "oooooooooonnnnnnnnnnoooooooooo",
  },
  {
    name: "new starts inside old and ends after it",
    old: [0, 20],
    neu: [10, 30],
    first: "oooooooooooooooooooonnnnnnnnnn",
    bsd: "oooooooooooooooooooonnnnnnnnnn",
    last: "oooooooooonnnnnnnnnnnnnnnnnnnn",
  },
  {
    name: "new covers old on both sides",
    old: [10, 20],
    neu: [0, 30],
    first: "nnnnnnnnnnoooooooooonnnnnnnnnn",
    bsd: "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
    last: "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
  },
];

const POLICIES = [
  ["first", OverlapPolicy.FIRST],
  ["bsd", OverlapPolicy.BSD],
  ["last", OverlapPolicy.LAST],
] as const;

Deno.test("reassembly: overlaps with different data follow FIRST, BSD and LAST and raise the event", () => {
  for (const oc of OVERLAPS) {
    for (const [name, policy] of POLICIES) {
      const what = `${oc.name}, ${name}`;
      const h = new Harness({ policy });
      const c = new TcpConversation(E, 1000);
      const f = handshake(h, c);
      const old = h.feed(dataAt(c, true, 1000, oc.old[0], OLD.slice(oc.old[0], oc.old[1])));
      assert.equal(old.events, 0, what);
      const neu = h.feed(dataAt(c, true, 1000, oc.neu[0], NEW.slice(oc.neu[0], oc.neu[1])));
      assert.equal(neu.added, true, what);
      assert.equal(neu.events, ReassemblyEvent.OVERLAP_DIFFERENT_DATA, what);
      assert.equal(h.r.counters.overlaps, 1, what);
      assert.equal(h.r.counters.overlapsDifferent, 1, what);
      h.feed(c.seg(false, A));
      const fin = h.feed(c.seg(true, F | A));
      assert.deepEqual(fin.blocks, [pick(oc[name])], what);
      assert.equal(h.seen(f, true), pick(oc[name]), what);
    }
  }
});

Deno.test("reassembly: the different-data event is raised only when asked (config)", () => {
  for (
    const [options, raised] of [
      [{ checkOverlapDifferentData: false }, false],
      [{ checkOverlapDifferentData: undefined }, false],
      [{ checkOverlapDifferentData: true }, true],
    ] as const
  ) {
    const h = new Harness(options);
    const c = new TcpConversation(E, 1000);
    handshake(h, c);
    h.feed(dataAt(c, true, 1000, 0, OLD));
    const neu = h.feed(dataAt(c, true, 1000, 0, NEW));
    assert.equal(
      neu.events === ReassemblyEvent.OVERLAP_DIFFERENT_DATA,
      raised,
      JSON.stringify(options),
    );
    assert.equal(h.r.counters.overlapsDifferent, 1, "counted either way");
  }
});

Deno.test("reassembly: an identical retransmission overlaps without the different-data event", () => {
  for (const [name, policy] of POLICIES) {
    const h = new Harness({ policy });
    const c = new TcpConversation(E, 1000);
    const f = handshake(h, c);
    h.feed(dataAt(c, true, 1000, 0, OLD));
    const again = h.feed(dataAt(c, true, 1000, 0, OLD));
    const inner = h.feed(dataAt(c, true, 1000, 5, OLD.slice(5, 12)));
    for (const s of [again, inner]) {
      assert.equal(s.added, true, name);
      assert.equal(s.events, 0, name);
    }
    assert.equal(h.r.counters.overlaps, 2, name);
    assert.equal(h.r.counters.overlapsDifferent, 0, name);
    const different = h.feed(dataAt(c, true, 1000, 3, "X"));
    assert.equal(different.events, ReassemblyEvent.OVERLAP_DIFFERENT_DATA);
    assert.equal(h.r.counters.overlapsDifferent, 1);
    h.feed(c.seg(false, A));
    h.feed(c.seg(true, F | A));
    const expected = policy === OverlapPolicy.LAST ? OLD.slice(0, 3) + "X" + OLD.slice(4) : OLD;
    assert.equal(h.seen(f, true), expected, name);
  }
});

Deno.test("reassembly: the policy of each stream comes from policyFor, asked with its first packet", () => {
  const asked: string[] = [];
  const h = new Harness({
    policy: OverlapPolicy.FIRST,
    policyFor: (p) => {
      asked.push(`${p.srcPort}>${p.dstPort}`);
      return p.dstPort === 80 ? OverlapPolicy.LAST : OverlapPolicy.FIRST;
    },
  });
  const c = new TcpConversation(E, 1000, 5000);
  const f = handshake(h, c);
  assert.deepEqual(asked, ["40000>80", "80>40000"], "once per stream, on its SYN");
  h.feed(dataAt(c, true, 1000, 0, OLD));
  h.feed(dataAt(c, true, 1000, 0, NEW));
  h.feed(dataAt(c, false, 5000, 0, OLD));
  h.feed(dataAt(c, false, 5000, 0, NEW));
  assert.equal(asked.length, 2);
  assert.deepEqual(h.flush(f, true).blocks, [NEW], "to the server (port 80): LAST");
  assert.deepEqual(h.flush(f, false).blocks, [OLD], "to the client: FIRST");
});

Deno.test("reassembly: a retransmission of data already inspected is not added again", () => {
  const h = new Harness({ toServerChunk: 10 });
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  h.feed(dataAt(c, true, 1000, 0, OLD));
  h.feed(c.seg(false, A));
  assert.deepEqual(h.feed(c.seg(true, A)).blocks, [OLD]);
  const again = h.feed(dataAt(c, true, 1000, 0, NEW));
  assert.equal(again.added, false, "all of it is behind the inspection progress");
  assert.equal(again.events, 0);
  // a segment half old, half new keeps only the new half
  const half = h.feed(dataAt(c, true, 1000, 20, NEW.slice(20) + "0123456789"));
  assert.equal(half.added, true);
  h.feed(c.seg(false, A));
  assert.deepEqual(h.feed(c.seg(true, A)).blocks, ["0123456789"]);
  assert.equal(h.seen(f, true), OLD + "0123456789");
});

// ---------------------------------------------------------------- gaps

Deno.test("reassembly: a gap acknowledged past gives two blocks and its length", () => {
  const h = new Harness();
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  h.feed(dataAt(c, true, 1000, 0, "0123456789"));
  // offsets 10..19 never seen
  h.feed(dataAt(c, true, 1000, 20, "abcdefghijklmnopqrst"));
  assert.equal(h.r.streamOffset(f, true), 10, "the contiguous data ends at the gap");
  const ack = h.feed(c.seg(false, A)); // acknowledges offset 40
  assert.deepEqual(ack.blocks, []);
  const fin = h.feed(c.seg(true, F | A));
  assert.deepEqual(fin.blocks, ["0123456789", "abcdefghijklmnopqrst"]);
  assert.deepEqual(fin.gaps, [0, 10]);
  assert.equal(h.r.counters.gapBytes, 10);
  assert.equal(h.r.hasPending(f, true), false);
  assert.equal(h.r.arena.used, 0);
  // a late copy of the missing bytes comes after inspection passed them
  assert.equal(h.feed(dataAt(c, true, 1000, 10, "XXXXXXXXXX")).added, false);
});

Deno.test("reassembly: a gap inspects only up to the acknowledgement; the rest follows with its gap", () => {
  const h = new Harness({ toServerChunk: 8 });
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  h.feed(dataAt(c, true, 1000, 0, "0123456789"));
  h.feed(dataAt(c, true, 1000, 15, "abcdefghij"));
  h.feed(ackAt(c, true, 1000, 10));
  const first = h.feed(c.seg(true, A));
  assert.deepEqual(first.blocks, ["0123456789"]);
  assert.deepEqual(first.gaps, [0]);
  assert.ok(h.r.hasPending(f, true));
  // acknowledged past the hole (the IDS missed bytes 10..14 the server got)
  h.feed(ackAt(c, true, 1000, 25));
  const second = h.feed(c.seg(true, A));
  assert.deepEqual(second.blocks, ["abcdefghij"]);
  assert.deepEqual(second.gaps, [5]);
  assert.equal(h.r.counters.gapBytes, 5);
  assert.equal(h.seen(f, true), "0123456789abcdefghij");
});

Deno.test("reassembly: an unacknowledged gap holds the data after it until the flow ends", () => {
  const h = new Harness();
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  h.feed(dataAt(c, true, 1000, 0, "0123456789"));
  h.feed(dataAt(c, true, 1000, 30, "abcdefghij"));
  h.feed(ackAt(c, true, 1000, 10)); // the server only has the first 10 bytes
  const fin = h.feed(dataAt(c, true, 1000, 40, "", F | A));
  assert.ok(fin.state > TcpState.TIME_WAIT);
  assert.deepEqual(fin.blocks, ["0123456789"]);
  assert.ok(h.r.hasPending(f, true));
  assert.deepEqual(h.flush(f, true), { blocks: ["abcdefghij"], gaps: [20] });
  assert.equal(h.r.hasPending(f, true), false);
  assert.equal(h.r.arena.used, 0);
});

// ---------------------------------------------------------------- wrap-around

Deno.test("reassembly: sequence numbers wrapping past 2^32 reassemble at every split", () => {
  const cisn = 0xfffffff0;
  const sisn = 0xfffffffa;
  for (let k = 1; k < ATTACK.length; k++) {
    const h = new Harness();
    const c = new TcpConversation(E, cisn, sisn);
    const f = handshake(h, c);
    const a = dataAt(c, true, cisn, 0, ATTACK.slice(0, k));
    const b = dataAt(c, true, cisn, k, ATTACK.slice(k));
    // deliver the second half first to put the wrap inside an out-of-order insert
    const order = k % 2 === 0 ? [a, b] : [b, a];
    for (const fr of order) assert.equal(h.feed(fr).added, true, `split ${k}`);
    assert.ok(c.cseq < cisn, "the client's sequence numbers wrapped");
    h.feed(dataAt(c, false, sisn, 0, "HTTP/1.0 200 OK\r\n\r\n"));
    const fin = h.feed(c.seg(true, F | A));
    assert.deepEqual(fin.blocks, [ATTACK], `split ${k}`);
    assert.ok(c.sseq < sisn, "the server's sequence numbers wrapped");
    assert.deepEqual(h.flush(f, false).blocks, ["HTTP/1.0 200 OK\r\n\r\n"]);
    assert.equal(h.seen(f, true), ATTACK);
    assert.equal(h.r.counters.gapBytes, 0);
  }
});

Deno.test("reassembly: a midstream pick-up just before the wrap keeps going past it", () => {
  const h = new Harness({ toServerChunk: 100 }, { midstream: true });
  const isn = 0xffffff00;
  const c = new TcpConversation(E, isn, 5000);
  const payload = text(600);
  let f = -1;
  let inspectedEarly = 0;
  for (let off = 0; off < payload.length; off += 50) {
    const s = h.feed(dataAt(c, true, isn, off, payload.slice(off, off + 50)));
    assert.equal(s.state, TcpState.ESTABLISHED);
    assert.equal(s.added, true, `offset ${off}`);
    inspectedEarly += s.blocks.length;
    f = s.f;
    assert.deepEqual(h.feed(c.seg(false, A)).blocks, []);
  }
  assert.ok(c.cseq < isn, "the sequence numbers wrapped");
  assert.ok(inspectedEarly >= 5, "chunks of 100 bytes were inspected on the way");
  h.flush(f, true);
  assert.equal(h.seen(f, true), payload);
});

// ---------------------------------------------------------------- depth

Deno.test("reassembly: data past the depth is not kept, DEPTH_REACHED once, inspected without a chunk", () => {
  const h = new Harness({ depth: 100 });
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  const payload = text(170);
  const one = h.feed(c.seg(true, A | P, payload.slice(0, 60)));
  assert.equal(one.events, 0);
  h.feed(c.seg(false, A));
  assert.deepEqual(
    h.feed(c.seg(true, A)).blocks,
    [],
    "60 bytes: below the chunk, depth not reached",
  );
  const two = h.feed(c.seg(true, A | P, payload.slice(60, 150)));
  assert.equal(two.added, true, "the part below the depth is kept");
  assert.equal(two.events, ReassemblyEvent.DEPTH_REACHED);
  assert.deepEqual(
    two.blocks,
    [payload.slice(0, 60)],
    "depth reached: the acknowledged 60 at once",
  );
  const three = h.feed(c.seg(true, A | P, payload.slice(150, 170)));
  assert.equal(three.added, false, "all of it is past the depth");
  assert.equal(three.events, 0, "the event is raised once");
  h.feed(c.seg(false, A));
  const next = h.feed(c.seg(true, A));
  assert.equal(next.state, TcpState.ESTABLISHED);
  assert.deepEqual(
    next.blocks,
    [payload.slice(60, 100)],
    "depth reached: no waiting for 2560 bytes",
  );
  const resent = h.feed(dataAt(c, true, 1000, 60, payload.slice(60, 150)));
  assert.equal(resent.added, false);
  assert.equal(resent.events, 0);
  assert.deepEqual(h.feed(c.seg(true, A)).blocks, []);
  assert.deepEqual(h.flush(f, true).blocks, []);
  assert.equal(h.seen(f, true), payload.slice(0, 100));
  assert.equal(h.r.arena.used, 0);
});

Deno.test("reassembly: a segment crossing the depth out of order stops at the depth", () => {
  const h = new Harness({ depth: 50 });
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  const payload = text(80);
  const far = h.feed(dataAt(c, true, 1000, 40, payload.slice(40)));
  assert.equal(far.events, ReassemblyEvent.DEPTH_REACHED);
  assert.equal(far.added, true);
  assert.equal(h.feed(dataAt(c, true, 1000, 0, payload.slice(0, 40))).events, 0);
  h.feed(c.seg(false, A));
  assert.deepEqual(h.feed(c.seg(true, A)).blocks, [payload.slice(0, 50)]);
  assert.equal(h.seen(f, true), payload.slice(0, 50));
});

// ---------------------------------------------------------------- memcap

Deno.test("reassembly: a tiny memcap drops segments (MEMCAP) without throwing; reset gives it all back", () => {
  // 64 KiB in 4 KiB windows: 16 streams fit
  const h = new Harness({ memcap: 64 * 1024, maxWindow: 16 * 1024 });
  assert.equal(h.r.arena.capacity, 64 * 1024);
  const flows: { f: number; c: TcpConversation }[] = [];
  const results: Step[] = [];
  for (let i = 0; i < 24; i++) {
    const c = new TcpConversation({ ...E, cport: 41000 + i }, 1000 + i);
    const f = handshake(h, c);
    flows.push({ f, c });
    results.push(h.feed(c.seg(true, A | P, text(100, i))));
  }
  assert.equal(new Set(flows.map((x) => x.f)).size, 24);
  const kept = results.filter((s) => s.added);
  const dropped = results.filter((s) => !s.added);
  assert.equal(kept.length, 16);
  assert.equal(dropped.length, 8);
  for (const s of kept) assert.equal(s.events, 0);
  for (const s of dropped) assert.equal(s.events, ReassemblyEvent.MEMCAP);
  assert.equal(h.r.counters.memcapDrops, 8);
  assert.equal(h.r.arena.refused, 8);
  assert.equal(h.r.arena.used, 64 * 1024);
  // a kept stream that needs a larger window cannot have it either
  const grow = h.feed(dataAt(flows[0].c, true, 1000, 100, text(5000)));
  assert.equal(grow.added, false);
  assert.equal(grow.events, ReassemblyEvent.MEMCAP);
  assert.equal(h.r.counters.memcapDrops, 9);
  // a stream without data still inspects nothing, and its ACKs work
  for (const { f } of flows.slice(16)) assert.equal(h.r.hasPending(f, true), false);
  // the flow end flushes half of them (their windows return on commit), reset frees the rest
  for (const { f } of flows.slice(0, 8)) assert.equal(h.flush(f, true).blocks.length, 1);
  assert.equal(h.r.arena.used, 8 * 4096);
  for (const { f } of flows) h.r.reset(f);
  assert.equal(h.r.arena.used, 0);
  for (const { f } of flows) assert.equal(h.r.hasPending(f, true), false);
  // and all of it is usable again, as whole largest windows
  const tops = [0, 1, 2, 3].map(() => h.r.arena.allocate(h.r.arena.maxOrder));
  assert.ok(tops.every((u) => u >= 0));
  for (const u of tops) h.r.arena.release(u, h.r.arena.maxOrder);
  assert.equal(h.r.arena.used, 0);
});

Deno.test("reassembly: unacknowledged data beyond the largest window overflows, it does not grow forever", () => {
  const h = new Harness({ memcap: 1 << 20, maxWindow: 16 * 1024 });
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  const chunk = text(1000);
  let kept = 0;
  let overflowed = 0;
  for (let i = 0; i < 20; i++) {
    const s = h.feed(c.seg(true, A | P, chunk));
    if (s.added) kept++;
    else {
      overflowed++;
      assert.equal(s.events, ReassemblyEvent.OVERFLOW);
    }
  }
  assert.equal(kept, 16, "16 KiB of 1000-byte segments");
  assert.equal(overflowed, 4);
  assert.equal(h.r.counters.overflowDrops, 4);
  assert.equal(h.r.arena.used, 16 * 1024);
  const far = h.feed(dataAt(c, true, 1000, 100_000, "far"));
  assert.equal(far.added, false);
  assert.equal(far.events, ReassemblyEvent.OVERFLOW);
  h.r.reset(f);
  assert.equal(h.r.arena.used, 0);
});

// ---------------------------------------------------------------- chunk rule

Deno.test("reassembly: 100 acknowledged bytes wait for the 2560-byte chunk on ESTABLISHED packets", () => {
  const h = new Harness();
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  const payload = text(2560);
  h.feed(c.seg(true, A | P, payload.slice(0, 100)));
  h.feed(c.seg(false, A));
  const est = h.feed(c.seg(true, A));
  assert.equal(est.state, TcpState.ESTABLISHED);
  assert.deepEqual(est.blocks, [], "100 bytes < 2560");
  assert.ok(h.r.hasPending(f, true));
  // 2559 acknowledged: still below the chunk
  h.feed(c.seg(true, A | P, payload.slice(100, 1300)));
  h.feed(c.seg(true, A | P, payload.slice(1300, 2559)));
  assert.deepEqual(h.feed(c.seg(false, A)).blocks, []);
  assert.deepEqual(h.feed(c.seg(true, A)).blocks, [], "2559 bytes < 2560");
  // one more byte, acknowledged: a whole chunk, inspected on the next client packet
  const last = h.feed(c.seg(true, A | P, payload.slice(2559)));
  assert.deepEqual(last.blocks, [], "its own byte is not acknowledged yet");
  h.feed(c.seg(false, A));
  assert.deepEqual(h.feed(c.seg(true, A)).blocks, [payload]);
  assert.equal(h.seen(f, true), payload);
  assert.equal(h.r.arena.used, 0);
});

Deno.test("reassembly: the chunk counts acknowledged bytes the IDS never saw (Suricata's last_ack)", () => {
  const h = new Harness();
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  h.feed(dataAt(c, true, 1000, 0, text(100)));
  h.feed(ackAt(c, true, 1000, 100 + 2459));
  assert.deepEqual(h.feed(c.seg(true, A)).blocks, [], "2559 acknowledged bytes < 2560");
  h.feed(ackAt(c, true, 1000, 100 + 2460));
  const next = h.feed(c.seg(true, A));
  assert.deepEqual(next.blocks, [text(100)], "2560 acknowledged, 2460 of them missed");
  assert.deepEqual(next.gaps, [0]);
  assert.equal(h.r.hasPending(f, true), false);
});

Deno.test("reassembly: waiting bytes are inspected once the state passes TIME_WAIT, not at TIME_WAIT", () => {
  const h = new Harness();
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  const payload = text(100);
  h.feed(c.seg(true, A | P, payload));
  h.feed(c.seg(false, A));
  assert.deepEqual(h.feed(c.seg(true, A)).blocks, []);
  // the server closes first: FIN_WAIT1, then the client's FIN/ACK: TIME_WAIT
  const sfin = h.feed(c.seg(false, F | A));
  assert.equal(sfin.state, TcpState.FIN_WAIT1);
  const cfin = h.feed(c.seg(true, F | A));
  assert.equal(cfin.state, TcpState.TIME_WAIT);
  assert.deepEqual(cfin.blocks, [], "TIME_WAIT is not past TIME_WAIT");
  const closed = h.feed(c.seg(true, A));
  assert.equal(closed.state, TcpState.CLOSED);
  assert.deepEqual(closed.blocks, [payload]);
  assert.equal(h.seen(f, true), payload);
});

Deno.test("reassembly: a RST ends the wait too (CLOSED)", () => {
  const h = new Harness();
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  h.feed(c.seg(true, A | P, "abc"));
  h.feed(c.seg(false, A));
  const rst = h.feed(c.seg(true, R | A, "ignored"));
  assert.equal(rst.state, TcpState.CLOSED);
  assert.equal(rst.added, false, "a RST's data is not stream data");
  assert.deepEqual(rst.blocks, ["abc"]);
  assert.equal(h.seen(f, true), "abc");
});

// ---------------------------------------------------------------- session rules

Deno.test("reassembly: no stream without a session; SYN data and data before the handshake are not added", () => {
  const h = new Harness();
  const c = new TcpConversation(E, 1000);
  // no SYN seen, midstream off: no session
  const stray = h.feed(dataAt(c, true, 1000, 0, "stray"));
  assert.equal(stray.state, TcpState.NONE);
  assert.equal(stray.added, false);
  const c2 = new TcpConversation({ ...E, cport: 40001 }, 3000);
  const syn = h.feed(c2.seg(true, S, "syn-data"));
  assert.equal(syn.added, false, "SYN data");
  c2.cseq = 3001;
  const early = h.feed(c2.seg(true, A | P, "early"));
  assert.equal(early.state, TcpState.SYN_SENT);
  assert.equal(early.added, false, "SYN_SENT: no data yet");
  assert.equal(h.r.counters.segments, 0);
  assert.equal(h.r.arena.used, 0);
});

Deno.test("reassembly: data on the handshake's ACK is added (ESTABLISHED on that packet)", () => {
  const h = new Harness();
  const c = new TcpConversation(E, 1000);
  h.feed(c.seg(true, S));
  h.feed(c.seg(false, S | A));
  const ack = h.feed(c.seg(true, A | P, ATTACK));
  assert.equal(ack.state, TcpState.ESTABLISHED);
  assert.equal(ack.added, true);
  h.feed(c.seg(false, A));
  assert.deepEqual(h.feed(c.seg(true, F | A)).blocks, [ATTACK]);
});

Deno.test("reassembly: reset forgets both streams; the next data starts a stream where it is", () => {
  const h = new Harness({ toServerChunk: 1, toClientChunk: 1 });
  const c = new TcpConversation(E, 1000, 5000);
  const f = handshake(h, c);
  h.feed(c.seg(true, A | P, "first"));
  h.feed(c.seg(false, A | P, "reply"));
  assert.equal(h.r.arena.used, 2 * 4096);
  // by default a short stream takes a 1 KiB window
  assert.equal(new TcpReassembly({ capacity: 1, memcap: 1 << 20 }).arena.unit, 1024);
  h.r.reset(f);
  assert.equal(h.r.arena.used, 0);
  assert.equal(h.r.hasPending(f, true), false);
  assert.equal(h.r.hasPending(f, false), false);
  assert.equal(h.r.streamOffset(f, true), 0);
  assert.equal(h.r.prepare(f, true, TcpState.CLOSED, false, true), 0);
  // picked up again at the current sequence number
  const again = h.feed(c.seg(true, A | P, "second"));
  assert.equal(again.added, true);
  assert.equal(h.r.streamOffset(f, true), 6);
  h.feed(c.seg(false, A));
  assert.deepEqual(h.feed(c.seg(true, A)).blocks, ["second"]);
});

Deno.test("reassembly: streamOffset follows the contiguous data and the inspection progress", () => {
  const h = new Harness({ toServerChunk: 1 });
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  assert.equal(h.r.streamOffset(f, true), 0);
  h.feed(dataAt(c, true, 1000, 0, "01234"));
  assert.equal(h.r.streamOffset(f, true), 5);
  h.feed(dataAt(c, true, 1000, 8, "89"));
  assert.equal(h.r.streamOffset(f, true), 5, "not past a hole");
  h.feed(ackAt(c, true, 1000, 5));
  h.feed(c.seg(true, A));
  assert.equal(h.seen(f, true), "01234");
  assert.equal(h.r.streamOffset(f, true), 5, "the progress once the data is inspected");
  h.feed(dataAt(c, true, 1000, 5, "567"));
  assert.equal(h.r.streamOffset(f, true), 10);
});

// ---------------------------------------------------------------- long streams

Deno.test("reassembly: long streams through sliding and growing windows inspect every byte once (seeded)", () => {
  for (let seed = 1; seed <= 12; seed++) {
    const rand = rng(seed);
    const h = new Harness({ memcap: 1 << 20, maxWindow: 64 * 1024 });
    const cisn = (rand() * 0x100000000) >>> 0;
    const sisn = (rand() * 0x100000000) >>> 0;
    const c = new TcpConversation(E, cisn, sisn);
    const f = handshake(h, c);
    const total = 150_000 + Math.floor(rand() * 50_000);
    const payload = new Uint8Array(total);
    for (let i = 0; i < total; i++) payload[i] = (rand() * 256) | 0;
    // segments of random sizes, neighbours swapped now and then, some resent
    const pieces: [number, number, number][] = [];
    for (let off = 0; off < total;) {
      const len = Math.min(total - off, 1 + Math.floor(rand() * 1460));
      pieces.push([off, len, pieces.length]);
      off += len;
    }
    const ends = pieces.map(([off, len]) => off + len);
    for (let i = 0; i + 1 < pieces.length; i++) {
      if (rand() < 0.2) [pieces[i], pieces[i + 1]] = [pieces[i + 1], pieces[i]];
    }
    const arrived = new Uint8Array(pieces.length);
    let inOrder = 0; // pieces the server has without a hole
    for (const [off, len, index] of pieces) {
      const s = h.feed(dataAt(c, true, cisn, off, payload.slice(off, off + len)));
      assert.equal(s.added, true, `seed ${seed}`);
      assert.equal(s.events, 0, `seed ${seed}`);
      if (rand() < 0.1) h.feed(dataAt(c, true, cisn, off, payload.slice(off, off + len)));
      arrived[index] = 1;
      while (inOrder < pieces.length && arrived[inOrder] === 1) inOrder++;
      // the server acknowledges now and then, up to somewhere in what it has
      if (rand() < 0.3 && inOrder > 0) {
        h.feed(ackAt(c, true, cisn, ends[Math.floor(rand() * inOrder)]));
      }
      if (rand() < 0.3) h.feed(c.seg(true, A));
    }
    h.feed(c.seg(false, A));
    h.feed(c.seg(true, F | A));
    h.flush(f, true);
    const got = h.seen(f, true);
    assert.equal(got.length, total, `seed ${seed}: every byte once`);
    for (let i = 0; i < total; i++) {
      if (got.charCodeAt(i) !== payload[i]) assert.fail(`seed ${seed}: byte ${i} differs`);
    }
    assert.equal(h.r.counters.overflowDrops, 0);
    assert.equal(h.r.counters.memcapDrops, 0);
    assert.equal(h.r.counters.gapBytes, 0);
    assert.equal(h.r.arena.used, 0);
  }
});

Deno.test("reassembly: an acknowledged capture loss larger than the window is a gap, not the end of the stream", () => {
  // no depth limit, 64 KiB windows; the IDS misses 200 KiB the server got
  const lost = 200 * 1024;
  const h = new Harness({ depth: 0, maxWindow: 64 * 1024 });
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  h.feed(dataAt(c, true, 1000, 0, "before"));
  h.feed(ackAt(c, true, 1000, 6 + lost));
  // the acknowledged bytes count for the chunk, seen or not (Suricata's last_ack - progress)
  const next = h.feed(c.seg(true, A));
  assert.equal(next.state, TcpState.ESTABLISHED);
  assert.deepEqual(next.blocks, ["before"]);
  for (let i = 0; i < 3; i++) {
    const after = h.feed(dataAt(c, true, 1000, 6 + lost + 5 * i, `aft${i}.`));
    assert.equal(after.added, true, "the data after the loss is kept");
    assert.equal(after.events, 0);
  }
  h.feed(c.seg(false, A));
  const fin = h.feed(c.seg(true, F | A));
  assert.deepEqual(fin.blocks, ["aft0.aft1.aft2."]);
  assert.deepEqual(fin.gaps, [lost]);
  assert.equal(h.seen(f, true), "beforeaft0.aft1.aft2.");
  assert.equal(h.r.counters.overflowDrops, 0);
  assert.equal(h.r.counters.gapBytes, lost);
  assert.equal(h.r.arena.used, 0);
});

Deno.test("reassembly: after a loss larger than the window, at most the first segment is dropped", () => {
  const lost = 200 * 1024;
  const h = new Harness({ depth: 0, maxWindow: 64 * 1024 });
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  h.feed(dataAt(c, true, 1000, 0, "before"));
  h.feed(ackAt(c, true, 1000, 6 + lost));
  // no client packet in between: the waiting bytes and the new ones do not fit one window
  const first = h.feed(dataAt(c, true, 1000, 6 + lost, "one"));
  assert.equal(first.added, false, "inspected as a packet, not as stream");
  assert.equal(first.events, ReassemblyEvent.OVERFLOW);
  assert.deepEqual(first.blocks, ["before"], "its packet inspects what waited");
  const second = h.feed(dataAt(c, true, 1000, 9 + lost, "two"));
  assert.equal(second.added, true);
  assert.deepEqual(h.flush(f, true), { blocks: ["two"], gaps: [lost + 3] });
  assert.equal(h.r.arena.used, 0);
});

Deno.test("reassembly: an unacknowledged segment beyond the largest window is refused, not skipped to", () => {
  // it must not move the window past data still to come (an evasion)
  const h = new Harness({ depth: 0, maxWindow: 64 * 1024 });
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  const far = h.feed(dataAt(c, true, 1000, 200 * 1024, "far ahead"));
  assert.equal(far.added, false);
  assert.equal(far.events, ReassemblyEvent.OVERFLOW);
  assert.equal(h.feed(dataAt(c, true, 1000, 0, "in order")).added, true);
  assert.deepEqual(h.flush(f, true), { blocks: ["in order"], gaps: [0] });
});

Deno.test("reassembly: late copies of bytes skipped over a loss are not written before the window", () => {
  const lost = 100 * 1024;
  const h = new Harness({ depth: 0, maxWindow: 16 * 1024, toServerChunk: 1 });
  // another flow's window first: it lies right below the next one in the arena
  const c2 = new TcpConversation({ ...E, cport: 40001 }, 1000);
  const f2 = handshake(h, c2);
  h.feed(dataAt(c2, true, 1000, 0, "neighbour"));
  const c = new TcpConversation(E, 1000);
  const f = handshake(h, c);
  h.feed(ackAt(c, true, 1000, lost));
  assert.equal(h.feed(dataAt(c, true, 1000, lost, "after")).added, true);
  // a late copy of skipped bytes running into the window, then one all below it
  const late = h.feed(dataAt(c, true, 1000, lost - 4000, "x".repeat(4000) + "aft"));
  assert.equal(late.added, true, "the part inside the window overlaps");
  assert.equal(late.events, 0);
  const old = h.feed(dataAt(c, true, 1000, 1000, "y".repeat(2000)));
  assert.equal(old.added, false, "all of it below the window");
  h.feed(ackAt(c, true, 1000, lost + 5));
  assert.deepEqual(h.feed(c.seg(true, A)).blocks, ["after"]);
  assert.deepEqual(h.flush(f2, true).blocks, ["neighbour"], "the other flow's bytes are intact");
  assert.equal(h.seen(f, true), "after");
  assert.equal(h.r.arena.used, 0);
});

Deno.test("reassembly: acknowledged losses past 2^31 and 2^32 stream bytes keep offsets exact (no depth)", () => {
  const h = new Harness({ depth: 0, maxWindow: 64 * 1024, toServerChunk: 1 });
  const cisn = 0x89abcdef;
  const c = new TcpConversation(E, cisn);
  const f = handshake(h, c);
  const lost = 256 * 1024 * 1024;
  let off = 0;
  let inspected = "";
  for (let i = 0; i < 20; i++) {
    const piece = `piece ${i} at ${off}`;
    const s = h.feed(dataAt(c, true, cisn, off, piece));
    assert.equal(s.added, true, piece);
    assert.equal(s.events, 0, piece);
    assert.equal(h.feed(c.seg(false, A)).blocks.length, 0);
    // the client's next packet inspects the piece; the server then acknowledges past a loss
    const next = h.feed(c.seg(true, A));
    assert.deepEqual(next.blocks, [piece]);
    assert.deepEqual(next.gaps, [i === 0 ? 0 : lost], piece);
    inspected += next.blocks[0];
    off += piece.length + lost;
    h.feed(ackAt(c, true, cisn, off));
  }
  assert.ok(off > 2 ** 32, "past 4 GiB of stream");
  assert.equal(h.seen(f, true), inspected);
  assert.equal(h.r.counters.gapBytes, 19 * lost);
  assert.equal(h.r.counters.overflowDrops, 0);
  assert.equal(h.r.arena.used, 0);
});

Deno.test("reassembly: swap turns a flow's two streams round (a flow turned by protocol detection)", () => {
  const h = new Harness();
  const c = new TcpConversation(E, 1000, 5000);
  const f = handshake(h, c);
  h.feed(c.seg(true, A | P, "from the client"));
  h.feed(c.seg(false, A | P, "from the server"));
  h.r.swap(f);
  assert.deepEqual(h.flush(f, true).blocks, ["from the server"]);
  assert.deepEqual(h.flush(f, false).blocks, ["from the client"]);
  assert.equal(h.r.hasPending(f, true), false);
  assert.equal(h.r.arena.used, 0);
});
