import assert from "node:assert/strict";
import { Ev } from "../../src/decode/events.ts";
import { decodePacket } from "../../src/decode/decoder.ts";
import { Layer, Packet } from "../../src/decode/packet.ts";
import { Defragmenter, type DefragPolicy } from "../../src/flow/defrag.ts";
import {
  bytes,
  decodeBytes,
  ethernet,
  filler,
  ip6Ext,
  ip6Frag,
  ipv4,
  ipv6,
  tcp,
} from "../decode/frames.ts";

const MF = 0x2000;

/** Every ordering of `items`. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  const out: T[][] = [];
  items.forEach((item, i) => {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const p of permutations(rest)) out.push([item, ...p]);
  });
  return out;
}

/** Split points (multiples of 8) cutting `len` bytes into `n` pieces. */
function cuts(len: number, n: number): Array<[number, number]> {
  const step = Math.ceil(len / n / 8) * 8;
  const out: Array<[number, number]> = [];
  for (let off = 0; off < len; off += step) out.push([off, Math.min(len, off + step)]);
  return out;
}

/** An IPv4 fragment of `l4` [from, to) as an Ethernet frame. */
function frag4(
  l4: Uint8Array,
  from: number,
  to: number,
  more: boolean,
  o: { id?: number; proto?: number; src?: string } = {},
): Uint8Array {
  return ethernet(
    0x0800,
    ipv4(
      {
        proto: o.proto ?? 6,
        id: o.id ?? 0x1234,
        src: o.src,
        flags: more ? MF : 0,
        fragOffset: from,
      },
      l4.slice(from, to),
    ),
  );
}

/** An IPv6 fragment of `l4` [from, to) as an Ethernet frame, with optional unfragmentable headers. */
function frag6(
  l4: Uint8Array,
  from: number,
  to: number,
  more: boolean,
  o: { id?: number; unfrag?: Uint8Array; nh?: number } = {},
): Uint8Array {
  const fh = ip6Frag(o.nh ?? 6, from, more, o.id ?? 0xabcd);
  const body = o.unfrag ? bytes(o.unfrag, fh, l4.slice(from, to)) : bytes(fh, l4.slice(from, to));
  return ethernet(0x86dd, ipv6({ nh: o.unfrag ? 0 : 44 }, body));
}

/** Decode `frame` at time `ts` and add it; returns whether it completed a datagram. */
function add(d: Defragmenter, frame: Uint8Array, ts = 1000, linkType = 1): {
  done: boolean;
  p: Packet;
} {
  const p = decodeBytes(frame, linkType);
  p.tsSec = ts;
  assert.ok((p.layers & Layer.FRAGMENT) !== 0, "a fragment");
  return { done: d.add(p), p };
}

/** Decode the defragmenter's output. */
function decodeOutput(d: Defragmenter): Packet {
  const p = new Packet();
  p.data = d.output;
  p.frameOffset = 0;
  p.capLen = p.wireLen = d.outputLength;
  p.linkType = d.outputLinkType;
  decodePacket(p);
  return p;
}

function outputBytes(d: Defragmenter): Uint8Array {
  return d.output.slice(0, d.outputLength);
}

const payload = filler(1000);
const seg = tcp({ sp: 4321, dp: 80, seq: 77, flags: 0x18 }, payload);
const orig4 = ethernet(0x0800, ipv4({ proto: 6, id: 0x1234 }, seg));
const l4v4 = orig4.slice(14 + 20);
const orig6 = ethernet(0x86dd, ipv6({ nh: 6 }, seg));
const l4v6 = orig6.slice(14 + 40);

Deno.test("defrag: IPv4 TCP in 2..6 fragments, all orders of 3 and 4, byte-identical", () => {
  const d = new Defragmenter({ memcap: 1 << 20 });
  for (let n = 2; n <= 6; n++) {
    const pieces = cuts(l4v4.length, n);
    const frames = pieces.map(([a, b], i) => frag4(l4v4, a, b, i < pieces.length - 1));
    const orders = pieces.length <= 4 ? permutations(frames) : [frames, frames.slice().reverse()];
    for (const order of orders) {
      let completed = 0;
      order.forEach((f, i) => {
        const { done, p } = add(d, f);
        assert.equal(p.eventCount, 0);
        if (done) {
          completed++;
          assert.equal(i, order.length - 1, "completes on the last piece");
        }
      });
      assert.equal(completed, 1);
      assert.equal(d.outputLinkType, 1);
      assert.deepEqual(outputBytes(d), orig4);
      const rp = decodeOutput(d);
      assert.ok((rp.layers & Layer.TCP) !== 0 && (rp.layers & Layer.FRAGMENT) === 0);
      assert.equal(rp.srcPort, 4321);
      assert.equal(rp.dstPort, 80);
      assert.equal(rp.tcpSeq, 77);
      assert.equal(rp.payloadLen, payload.length);
      assert.deepEqual(rp.data.slice(rp.payloadOffset, rp.payloadOffset + rp.payloadLen), payload);
      assert.equal(rp.eventCount, 0);
      assert.equal(d.activeTrackers, 0);
      assert.equal(d.memuse, 0);
    }
  }
  assert.equal(d.heldFrags, 0);
});

Deno.test("defrag: IPv6 TCP in all orders of 3 and 4, with and without unfragmentable headers", () => {
  const d = new Defragmenter({ memcap: 1 << 20 });
  const hbh = ip6Ext(44, [1, 4, 0, 0, 0, 0]); // hop-by-hop with PadN, next: fragment
  const origHbh = ethernet(
    0x86dd,
    ipv6({ nh: 0, l4Offset: 8, l4Proto: 6 }, bytes(ip6Ext(6, [1, 4, 0, 0, 0, 0]), seg)),
  );
  for (const unfrag of [undefined, hbh]) {
    for (const n of [3, 4]) {
      const pieces = cuts(l4v6.length, n);
      const frames = pieces.map(([a, b], i) =>
        frag6(l4v6, a, b, i < pieces.length - 1, { unfrag })
      );
      for (const order of permutations(frames)) {
        const results = order.map((f) => add(d, f).done);
        assert.deepEqual(results, [...Array(order.length - 1).fill(false), true]);
        assert.deepEqual(outputBytes(d), unfrag ? origHbh : orig6);
        const rp = decodeOutput(d);
        assert.ok((rp.layers & Layer.TCP) !== 0);
        assert.equal(rp.srcPort, 4321);
        assert.equal(rp.payloadLen, payload.length);
        assert.equal(d.activeTrackers, 0);
      }
    }
  }
});

/** Three IPv4 fragments with conflicting data: A 0..16, B 8..24, C 24..32 (last). */
function overlapCase(policy: DefragPolicy, order: "AB" | "BA"): { out: string; events: boolean[] } {
  const d = new Defragmenter({ memcap: 1 << 20, policy });
  const a = new Uint8Array(32).fill(0x41);
  const b = new Uint8Array(32).fill(0x42);
  const c = new Uint8Array(32).fill(0x43);
  const fa = ethernet(0x0800, ipv4({ proto: 17, flags: MF, fragOffset: 0 }, a.slice(0, 16)));
  const fb = ethernet(0x0800, ipv4({ proto: 17, flags: MF, fragOffset: 8 }, b.slice(8, 24)));
  const fc = ethernet(0x0800, ipv4({ proto: 17, fragOffset: 24 }, c.slice(24, 32)));
  const events: boolean[] = [];
  let done = false;
  for (const f of order === "AB" ? [fa, fb, fc] : [fb, fa, fc]) {
    const r = add(d, f);
    done = r.done;
    events.push(r.p.hasEvent(Ev.IPV4_FRAG_OVERLAP));
  }
  assert.ok(done);
  const out = d.output.slice(14 + 20, d.outputLength);
  return { out: new TextDecoder().decode(out), events };
}

Deno.test("defrag: overlaps resolved per policy, overlap event on the overlapping fragment", () => {
  // bsd (the default): the held data wins when the new fragment starts at or after it;
  // a new fragment that starts before a held one wins over its start
  assert.deepEqual(overlapCase("bsd", "AB"), {
    out: "AAAAAAAAAAAAAAAABBBBBBBBCCCCCCCC",
    events: [false, true, false],
  });
  assert.deepEqual(overlapCase("bsd", "BA").out, "AAAAAAAAAAAAAAAABBBBBBBBCCCCCCCC");
  assert.deepEqual(overlapCase("bsd", "BA").events, [false, true, false]);
  // last: the later fragment wins
  assert.equal(overlapCase("last", "AB").out, "AAAAAAAABBBBBBBBBBBBBBBBCCCCCCCC");
  assert.equal(overlapCase("last", "BA").out, "AAAAAAAAAAAAAAAABBBBBBBBCCCCCCCC");
  // first: the earlier fragment wins
  assert.equal(overlapCase("first", "AB").out, "AAAAAAAAAAAAAAAABBBBBBBBCCCCCCCC");
  assert.equal(overlapCase("first", "BA").out, "AAAAAAAABBBBBBBBBBBBBBBBCCCCCCCC");
  // linux trims a new fragment that starts inside a held one
  assert.equal(overlapCase("linux", "AB").out, "AAAAAAAAAAAAAAAABBBBBBBBCCCCCCCC");
  for (const policy of ["windows", "solaris"] as const) {
    assert.equal(overlapCase(policy, "AB").out.length, 32);
    assert.deepEqual(overlapCase(policy, "AB").events, [false, true, false]);
  }
});

Deno.test("defrag: an identical duplicate fragment raises the overlap event", () => {
  const d = new Defragmenter({ memcap: 1 << 20 });
  const f0 = frag4(l4v4, 0, 512, true);
  assert.equal(add(d, f0).p.hasEvent(Ev.IPV4_FRAG_OVERLAP), false);
  const dup = add(d, f0);
  assert.equal(dup.done, false);
  assert.equal(dup.p.hasEvent(Ev.IPV4_FRAG_OVERLAP), true);
  assert.equal(add(d, frag4(l4v4, 512, l4v4.length, false)).done, true);
  assert.deepEqual(outputBytes(d), orig4);
});

Deno.test("defrag: IPv6 overlap event", () => {
  const d = new Defragmenter({ memcap: 1 << 20 });
  assert.equal(add(d, frag6(l4v6, 0, 512, true)).p.hasEvent(Ev.IPV6_FRAG_OVERLAP), false);
  const r = add(d, frag6(l4v6, 256, 768, true));
  assert.equal(r.p.hasEvent(Ev.IPV6_FRAG_OVERLAP), true);
  assert.equal(add(d, frag6(l4v6, 768, l4v6.length, false)).done, true);
  assert.deepEqual(outputBytes(d), orig6);
});

Deno.test("defrag: too-large datagrams raise frag_pkt_too_large and are ignored", () => {
  const d = new Defragmenter({ memcap: 1 << 20 });
  const big = filler(64);
  const f4 = ethernet(0x0800, ipv4({ proto: 17, flags: MF, fragOffset: 65480 }, big));
  const r4 = add(d, f4);
  assert.equal(r4.p.hasEvent(Ev.IPV4_FRAG_PKT_TOO_LARGE), true);
  assert.equal(d.heldFrags, 0);
  // 20 + 65464 + 48 = 65532: fits
  const ok4 = add(
    d,
    ethernet(0x0800, ipv4({ proto: 17, flags: MF, fragOffset: 65464 }, filler(48))),
  );
  assert.equal(ok4.p.hasEvent(Ev.IPV4_FRAG_PKT_TOO_LARGE), false);
  const f6 = ethernet(0x86dd, ipv6({ nh: 44 }, bytes(ip6Frag(17, 65480, true), big)));
  const r6 = add(d, f6);
  assert.equal(r6.p.hasEvent(Ev.IPV6_FRAG_PKT_TOO_LARGE), true);
});

Deno.test("defrag: a non-last IPv6 fragment not a multiple of 8 long raises frag_invalid_length", () => {
  const d = new Defragmenter({ memcap: 1 << 20 });
  const odd = ethernet(0x86dd, ipv6({ nh: 44 }, bytes(ip6Frag(17, 0, true), filler(12))));
  const r = add(d, odd);
  assert.equal(r.p.hasEvent(Ev.IPV6_FRAG_INVALID_LENGTH), true);
  const last = ethernet(0x86dd, ipv6({ nh: 44 }, bytes(ip6Frag(17, 16, false), filler(12))));
  assert.equal(add(d, last).p.hasEvent(Ev.IPV6_FRAG_INVALID_LENGTH), false);
});

Deno.test("defrag: a tracker times out by packet time", () => {
  const d = new Defragmenter({ memcap: 1 << 20, timeout: 60 });
  assert.equal(add(d, frag4(l4v4, 0, 512, true), 1000).done, false);
  assert.equal(d.activeTrackers, 1);
  // 59 s later: still there, completes
  assert.equal(add(d, frag4(l4v4, 512, l4v4.length, false), 1059).done, true);
  // again, but the second piece comes 60 s later: the first was discarded
  assert.equal(add(d, frag4(l4v4, 0, 512, true), 2000).done, false);
  assert.equal(add(d, frag4(l4v4, 512, l4v4.length, false), 2060).done, false);
  assert.equal(d.timedOut, 1);
  assert.equal(d.activeTrackers, 1);
  // an unrelated fragment much later prunes what is left
  add(d, frag4(l4v4, 0, 512, true, { id: 7 }), 5000);
  assert.equal(d.activeTrackers, 1);
  assert.equal(d.timedOut, 2);
});

Deno.test("defrag: a flood of distinct ids stays within memcap and max trackers", () => {
  const memcap = 256 * 1024;
  const d = new Defragmenter({ memcap, maxTrackers: 100, maxFrags: 150 });
  const frame = frag4(l4v4, 0, 1000, true);
  const p = decodeBytes(frame);
  for (let i = 0; i < 20000; i++) {
    // rewrite the id in place: no new frame per fragment
    p.data[14 + 4] = (i >>> 8) & 0xff;
    p.data[14 + 5] = i & 0xff;
    p.data[14 + 12] = (i >>> 16) & 0xff;
    decodePacket(p);
    p.tsSec = 1000 + (i >>> 10);
    assert.equal(d.add(p), false);
    assert.ok(d.activeTrackers <= 100);
    assert.ok(d.heldFrags <= 150);
    assert.ok(d.memuse <= d.memcap);
  }
  assert.ok(d.evicted > 0);
  // still works after the flood
  assert.equal(
    add(d, frag4(l4v4, 0, 512, true, { id: 0xbeef, src: "10.9.9.9" }), 1100).done,
    false,
  );
  assert.equal(
    add(d, frag4(l4v4, 512, l4v4.length, false, { id: 0xbeef, src: "10.9.9.9" }), 1100).done,
    true,
  );
  const rp = decodeOutput(d);
  assert.equal(rp.payloadLen, payload.length);
});

Deno.test("defrag: raw IPv4 link type is kept", () => {
  const d = new Defragmenter({ memcap: 1 << 20 });
  const raw = (f: Uint8Array) => f.slice(14);
  assert.equal(add(d, raw(frag4(l4v4, 0, 512, true)), 1, 228).done, false);
  assert.equal(add(d, raw(frag4(l4v4, 512, l4v4.length, false)), 1, 228).done, true);
  assert.equal(d.outputLinkType, 228);
  assert.deepEqual(outputBytes(d), orig4.slice(14));
});
