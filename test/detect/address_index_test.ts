/**
 * The address indexes of pattern-less signatures: every address finds
 * exactly the signatures whose ranges hold it, at range edges too.
 */

import assert from "node:assert/strict";
import { Ipv4RuleIndex, Ipv6RuleIndex } from "../../src/detect/address_index.ts";
import {
  AddressResolver,
  type IpSet,
  matchesIpv4,
  matchesIpv6,
  parseAddressSpec,
} from "../../src/rules/address.ts";
import { ip6 } from "../decode/frames.ts";

const resolver = new AddressResolver({});

function setOf(text: string): IpSet {
  const spec = parseAddressSpec(text, (o) => ({ file: "t", line: 1, column: o + 1 }));
  if (spec.kind === "error") throw new Error(spec.message);
  const r = resolver.resolve(spec);
  if (!("set" in r)) throw new Error(`${text} does not resolve`);
  return r.set;
}

function sigsAt(index: { start: Int32Array; sigs: Int32Array }, k: number): number[] {
  return Array.from(index.sigs.subarray(index.start[k], index.start[k + 1])).sort((a, b) => a - b);
}

Deno.test("Ipv6RuleIndex: an address finds the signatures whose ranges hold it", () => {
  const sets = [
    setOf("[2001:db8::/32]"),
    setOf("[2001:db8::1, 2001:db8::ff]"),
    setOf("[::/0]"),
    setOf("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, ::]"),
    setOf("[2001:db8:0:1::/64, 10.0.0.1]"),
  ];
  const index = Ipv6RuleIndex.build(sets.map((s, sig) => ({ sig, ranges: s.v6 })));
  const probes = [
    "::",
    "::1",
    "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
    "2001:db8::",
    "2001:db8::1",
    "2001:db8::2",
    "2001:db8::ff",
    "2001:db8::100",
    "2001:db8:0:1::",
    "2001:db8:0:1:ffff:ffff:ffff:ffff",
    "2001:db8:0:2::",
    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
    "2001:db9::",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  ];
  for (const text of probes) {
    const frame = new Uint8Array(20);
    frame.set(ip6(text), 3);
    const expected = sets.flatMap((s, sig) => matchesIpv6(s, frame, 3) ? [sig] : []);
    assert.deepEqual(sigsAt(index, index.intervalOf(frame, 3)), expected, text);
  }
});

Deno.test("Ipv4RuleIndex: an address finds the signatures whose ranges hold it", () => {
  const sets = [setOf("10.0.0.0/8"), setOf("[10.0.0.1, 10.0.0.3]"), setOf("255.255.255.255")];
  const index = Ipv4RuleIndex.build(sets.map((s, sig) => ({ sig, ranges: s.v4 })));
  for (const addr of [0, 0x0a000000, 0x0a000001, 0x0a000002, 0x0a000004, 0x0b000000, 0xffffffff]) {
    const expected = sets.flatMap((s, sig) => matchesIpv4(s, addr) ? [sig] : []);
    assert.deepEqual(sigsAt(index, index.intervalOf(addr)), expected, addr.toString(16));
  }
});

Deno.test("Ipv4RuleIndex: look-ups through the /12 prefix table agree with a full search", () => {
  // many ranges, some within one /12, some across /12 boundaries, one ending at the top
  const entries: { sig: number; ranges: Uint32Array }[] = [];
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let sig = 0; sig < 300; sig++) {
    const first = next() & ~0xff;
    const length = sig % 3 === 0 ? 1 << 22 : (next() & 0xffff) + 1;
    const last = Math.min(0xffffffff, first + length - 1);
    entries.push({ sig, ranges: new Uint32Array([first >>> 0, last >>> 0]) });
  }
  entries.push({ sig: 300, ranges: new Uint32Array([0xfff00000, 0xffffffff]) });
  entries.push({ sig: 301, ranges: new Uint32Array([0x00100000, 0x001fffff]) });
  const index = Ipv4RuleIndex.build(entries);
  const full = (a: number) => {
    let k = 0;
    while (k + 1 < index.breaks.length && index.breaks[k + 1] <= a) k++;
    return k;
  };
  const probes = [0, 0xffffffff, 0xfff00000, 0xffefffff, 0x00100000, 0x000fffff, 0x001fffff];
  for (const e of entries) {
    for (const d of [-1, 0, 1]) probes.push((e.ranges[0] + d) >>> 0, (e.ranges[1] + d) >>> 0);
  }
  for (let i = 0; i < 2000; i++) probes.push(next());
  for (const a of probes) assert.equal(index.intervalOf(a), full(a), a.toString(16));
});
