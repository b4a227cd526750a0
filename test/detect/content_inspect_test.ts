/**
 * The inspection engine's building blocks: single-pattern search, Suricata's
 * base64 decoder, and the recursion limit that bounds backtracking.
 */

import assert from "node:assert/strict";
import {
  decodeBase64,
  findBytes,
  findBytesNocase,
  findBytesNocaseSkip,
  findBytesSkip,
  INSPECTION_RECURSION_LIMIT,
  LOWER,
  shiftTable,
} from "../../src/detect/content_inspect.ts";
import { bytes, matches } from "./_payload_helpers.ts";

Deno.test("search: first occurrence within the window", () => {
  const d = bytes("xxabcabc");
  assert.equal(findBytes(d, 0, d.length, bytes("abc")), 2);
  assert.equal(findBytes(d, 3, d.length, bytes("abc")), 5);
  assert.equal(findBytes(d, 0, 4, bytes("abc")), -1, "must end inside the window");
  assert.equal(findBytesNocase(bytes("xAbC"), 0, 4, bytes("abc")), 1);
  assert.equal(findBytesNocase(bytes("x\xc9"), 0, 2, bytes("\xe9")), -1, "ASCII folding only");
});

Deno.test("search: Horspool's skips find the same first occurrence as the plain scan", () => {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  // a small alphabet with both cases makes repeats, partial matches and case variants common
  const alphabet = bytes("abAB\x00\xff");
  const data = Uint8Array.from({ length: 4000 }, () => alphabet[next() % alphabet.length]);
  for (let t = 0; t < 4000; t++) {
    const n = 2 + (next() % 7);
    const at = next() % 3900;
    const pat = t % 2 === 0
      ? Uint8Array.from({ length: n }, () => alphabet[next() % alphabet.length])
      : data.slice(at, at + n);
    const from = next() % 3800;
    const to = Math.min(data.length, from + (next() % 300));
    assert.equal(
      findBytesSkip(data, from, to, pat, shiftTable(pat, false)),
      findBytes(data, from, to, pat),
    );
    const lower = pat.map((b) => LOWER[b]);
    assert.equal(
      findBytesNocaseSkip(data, from, to, lower, shiftTable(lower, true)),
      findBytesNocase(data, from, to, lower),
    );
  }
  const long = Uint8Array.from({ length: 300 }, (_, i) => i & 0x7f);
  const hay = new Uint8Array(1000);
  hay.set(long, 600);
  assert.equal(findBytesSkip(hay, 0, hay.length, long, shiftTable(long, false)), 600);
});

Deno.test("base64: Suricata's RFC 4648 decoding", () => {
  const out = new Uint8Array(64);
  const dec = (s: string) => {
    const src = bytes(s);
    const n = decodeBase64(src, 0, src.length, out);
    return String.fromCharCode(...out.subarray(0, n));
  };
  assert.equal(dec("SGVsbG8gV29ybGR6"), "Hello Worldz");
  assert.equal(dec("SGVsbG8gV29ybGQ="), "Hello World");
  assert.equal(dec("SGVsbG8gV29ybGR"), "Hello World", "a trailing partial block is decoded");
  assert.equal(dec("SGVs bG8="), "Hel", "stops at the first character outside the alphabet");
  assert.equal(dec("=bY2"), "\x01\xb6", "padding inside a block counts as zero bits");
  assert.equal(decodeBase64(bytes("SGVsbG8="), 0, 8, new Uint8Array(2)), 0, "no room: nothing");
});

Deno.test("inspection: the recursion limit ends runaway backtracking like Suricata", () => {
  assert.equal(INSPECTION_RECURSION_LIMIT, 3000);
  const rule = 'content:"a"; content:"b"; distance:0; within:1;';
  assert.ok(matches(rule, "a".repeat(1000) + "b"));
  assert.ok(!matches(rule, "a".repeat(4000) + "b"), "gives up after 3000 inspections");
});
