/**
 * The prefilter pattern a signature gets: explicit fast_pattern (plain,
 * only, chop) and Suricata's automatic choice (buffer priority, length,
 * pattern strength; negated contents).
 */

import assert from "node:assert/strict";
import { bufferByName, PKT_DATA } from "../../src/detect/buffers.ts";
import { patternStrength } from "../../src/detect/keywords/payload_finalizer.ts";
import { bytes, fails, matches, sig } from "./_payload_helpers.ts";

const HTTP = "alert http any any -> any any";
const id = (name: string) => bufferByName(name)!.id;

Deno.test("fast_pattern: explicit choice wins", () => {
  const s = sig('content:"longer pattern"; content:"ab"; fast_pattern;');
  assert.deepEqual(s.fastPattern, { bufferId: PKT_DATA, bytes: bytes("ab"), nocase: false });
  const n = sig('content:"AB"; nocase; fast_pattern;');
  assert.deepEqual(n.fastPattern, { bufferId: PKT_DATA, bytes: bytes("ab"), nocase: true });
});

Deno.test("fast_pattern: only and chop", () => {
  const only = sig('content:"abc"; fast_pattern:only;');
  assert.deepEqual(only.fastPattern?.bytes, bytes("abc"));
  assert.ok(matches('content:"abc"; fast_pattern:only;', "xabc"), "still verified");
  assert.ok(!matches('content:"abc"; fast_pattern:only;', "xab"));
  const chop = sig('content:"abcdef"; fast_pattern:2,3;');
  assert.deepEqual(chop.fastPattern?.bytes, bytes("cde"));
  const chopDepth = sig('content:"abcdef"; offset:1; depth:6; fast_pattern:2,3;');
  assert.equal(chopDepth.fastPattern?.offset, 3);
  assert.equal(chopDepth.fastPattern?.depth, 6);
});

Deno.test("fast_pattern: errors", () => {
  assert.ok(
    fails('content:"a"; fast_pattern; content:"b"; fast_pattern;').message.includes("only one"),
  );
  assert.ok(fails('content:"ab"; fast_pattern:0,3;').message.includes("exceeds the content"));
  assert.ok(
    fails('content:"ab"; fast_pattern:only; depth:4;').message.includes("fast_pattern:only"),
  );
  assert.ok(
    fails('content:"ab"; fast_pattern:only; content:"c"; distance:0;').message.includes(
      "fast_pattern:only",
    ),
  );
  assert.ok(fails('content:!"a"; depth:3; fast_pattern;').message.includes("negated"));
  assert.ok(fails('content:"a"; fast_pattern:x;').message.includes("invalid"));
  assert.ok(fails("fast_pattern;").message.includes("preceding content"));
  // Suricata only counts pkt_data (and base64_data) fast_pattern duplicates
  sig('http.uri; content:"a"; fast_pattern; http.host; content:"b"; fast_pattern;', HTTP);
});

Deno.test("fast_pattern: automatic choice", () => {
  // longest wins
  assert.deepEqual(sig('content:"ab"; content:"abcd";').fastPattern?.bytes, bytes("abcd"));
  // same length: strongest (most distinct, non-alpha scores higher) wins
  assert.deepEqual(sig('content:"aaaa"; content:"a1b2";').fastPattern?.bytes, bytes("a1b2"));
  // same strength: first wins
  assert.deepEqual(sig('content:"abcd"; content:"efgh";').fastPattern?.bytes, bytes("abcd"));
  // app-layer buffers (priority 2) beat pkt_data (3); http.method (4) loses to pkt_data
  const s = sig('content:"a long payload pattern"; http.uri; content:"/x";', HTTP);
  assert.equal(s.fastPattern?.bufferId, id("http.uri"));
  const m = sig('http.method; content:"POST"; pkt_data; content:"xy";', HTTP);
  assert.equal(m.fastPattern?.bufferId, PKT_DATA);
  // negated contents are skipped when there is another one
  assert.deepEqual(sig('content:!"abcdef"; content:"xy";').fastPattern?.bytes, bytes("xy"));
  // only negated contents: no prefilter pattern (always checked)
  assert.equal(sig('content:!"abcdef";').fastPattern, null);
  // no content: none
  assert.equal(sig("isdataat:1;").fastPattern, null);
});

Deno.test("fast_pattern: offset and depth only for absolute contents", () => {
  const abs = sig('content:"ab"; offset:2; depth:4;');
  assert.equal(abs.fastPattern?.offset, 2);
  assert.equal(abs.fastPattern?.depth, 6);
  const v = sig('byte_extract:1,0,n; content:"abcd"; offset:n;');
  assert.equal(v.fastPattern?.offset, undefined, "variable bounds are wildcards");
});

Deno.test("fast_pattern: pattern strength as Suricata's PatternStrength", () => {
  assert.equal(patternStrength(bytes("aaaa")), 3 + 1 + 1 + 1);
  assert.equal(patternStrength(bytes("a1\x00\x80")), 3 + 4 + 4 + 6);
  // each call starts with no byte seen
  assert.equal(patternStrength(bytes("a1\x00\x80")), 3 + 4 + 4 + 6);
  assert.equal(patternStrength(bytes("1a")), 4 + 3);
});
