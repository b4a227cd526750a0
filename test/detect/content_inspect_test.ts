/**
 * The inspection engine's building blocks: single-pattern search, Suricata's
 * base64 decoder, and the recursion limit that bounds backtracking.
 */

import assert from "node:assert/strict";
import {
  decodeBase64,
  findBytes,
  findBytesNocase,
  INSPECTION_RECURSION_LIMIT,
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
