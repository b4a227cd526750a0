/**
 * content and its modifiers, compiled through compileRule and run on bytes:
 * parsing (hex, escapes, negation), positions (offset, depth, startswith,
 * endswith, distance, within), Suricata's backtracking, and setup errors.
 */

import assert from "node:assert/strict";
import { bytes, compileOptions, fails, matches, sig } from "./_payload_helpers.ts";
import { parseContentBytes } from "../../src/detect/payload_setup.ts";
import type { KeywordError } from "../../src/detect/signature.ts";

Deno.test("content: plain, hex and escaped bytes", () => {
  assert.ok(matches('content:"GET";', "xxGETxx"));
  assert.ok(!matches('content:"GET";', "xxgetxx"));
  assert.ok(matches('content:"|00 01|A|ff|";', "\x00\x01A\xff"));
  assert.ok(matches('content:"|00,01 02|";', "\x00\x01\x02"), "commas and blanks in hex");
  assert.ok(matches('content:"a\\;b\\"c\\\\d\\:e";', 'a;b"c\\d:e'));
  assert.ok(matches('content:"\u00e9";', "\xc3\xa9"), "text is taken as its UTF-8 bytes");
});

Deno.test("content: invalid values are errors pointing into the value", () => {
  for (
    const [options, message] of [
      ['content:"a|4";', "unterminated hex section"],
      ['content:"|4g|";', "invalid hex code"],
      ['content:"|414|";', "incomplete hex code"],
      ['content:"a\\x";', "cannot be escaped"],
      ["content:abc;", "double quoted"],
      ['content:"";', "empty"],
    ] as const
  ) {
    const f = fails(options);
    assert.equal(f.reason, "invalid content", options);
    assert.ok(f.message.includes(message), `${options}: ${f.message}`);
  }
  const r = compileOptions('content:"ab|zz|";');
  assert.ok(!r.ok);
  // the error points at the bad hex character: test.rules:1:<column of z>
  const text = 'alert tcp any any -> any any (content:"ab|zz|"; sid:1;)';
  assert.equal(r.diagnostic.column, text.indexOf("zz") + 1);
});

Deno.test("content: nocase folds ASCII letters only", () => {
  assert.ok(matches('content:"get"; nocase;', "GeT"));
  assert.ok(!matches('content:"\u00e9"; nocase;', "\xc3\x89"));
  assert.ok(fails('content:"a"; nocase; nocase;').message.includes("multiple nocase"));
  assert.equal(fails("nocase;").reason, "invalid nocase");
});

Deno.test("content: offset and depth", () => {
  assert.ok(matches('content:"b"; offset:2;', "bxbx"));
  assert.ok(!matches('content:"b"; offset:3;', "bxbx"));
  assert.ok(matches('content:"ab"; depth:3;', "xab"));
  assert.ok(!matches('content:"ab"; depth:2;', "xab"));
  assert.ok(matches('content:"ab"; offset:1; depth:2;', "xab"), "depth counts from the offset");
  assert.ok(matches('content:"ab"; depth:2; offset:1;', "xab"), "either order");
  assert.ok(matches('content:"a"; depth:0x10;', "a"), "base-0 numbers: hex");
  const s = sig('content:"a"; offset:010; depth:3;');
  assert.equal(s.fastPattern?.offset, 8, "leading zero is octal, as strtoul base 0");
  assert.equal(s.fastPattern?.depth, 11);
  assert.ok(fails('content:"abc"; depth:2;').message.includes("smaller than the content"));
  assert.ok(fails('content:"a"; depth:-1;').message.includes("invalid value"));
  assert.ok(fails('content:"a"; depth:1; depth:2;').message.includes("multiple depths"));
  assert.ok(fails('content:"a"; distance:0; depth:3;').message.includes("relative"));
});

Deno.test("content: startswith and endswith", () => {
  assert.ok(matches('content:"ab"; startswith;', "abc"));
  assert.ok(!matches('content:"ab"; startswith;', "xabc"));
  assert.ok(matches('content:"bc"; endswith;', "abcbc"));
  assert.ok(!matches('content:"bc"; endswith;', "abcx"));
  assert.ok(matches('content:"ab"; endswith; content:"x"; startswith;', "xab"));
  assert.ok(fails('content:"a"; offset:1; startswith;').message.includes("startswith"));
  assert.ok(fails('content:"a"; startswith; offset:1;').message.includes("startswith"));
  // isdataat:!1,relative right after a content is Suricata's endswith
  const s = sig('content:"bc"; isdataat:!1,relative;');
  assert.equal(s.buffers[0].matcher instanceof Object, true);
  assert.ok(matches('content:"bc"; isdataat:!1,relative;', "abcbc"));
  assert.ok(!matches('content:"bc"; isdataat:!1,relative;', "abcx"));
});

Deno.test("content: distance and within, including negative distance", () => {
  assert.ok(matches('content:"a"; content:"b"; distance:1;', "axb"));
  assert.ok(!matches('content:"a"; content:"b"; distance:1;', "ab"));
  assert.ok(matches('content:"a"; content:"b"; within:2;', "ab"));
  assert.ok(!matches('content:"a"; content:"b"; within:1;', "axb"));
  assert.ok(matches('content:"b"; content:"a"; distance:-2; within:1;', "ab"));
  assert.ok(!matches('content:"b"; content:"a"; distance:-1; within:1;', "ab"));
  assert.ok(matches('content:"c"; content:"a"; distance:-10;', "abc"), "clamped at the start");
  assert.ok(fails('content:"abc"; within:2;').message.includes("less than the content"));
  assert.ok(fails('content:"a"; within:2000000;').message.includes("invalid value"));
});

Deno.test("content: relative matches backtrack to later occurrences", () => {
  // Suricata retries the previous content at its next occurrence
  assert.ok(matches('content:"a"; content:"b"; distance:0; within:1;', "axxab"));
  assert.ok(!matches('content:"a"; content:"b"; distance:0; within:1;', "axxaxb"));
  assert.ok(matches('content:"a"; content:"b"; within:2; content:"c"; within:2;', "abxabc"));
  // without within the first occurrence is the best: no retry needed
  assert.ok(matches('content:"a"; content:"b"; distance:0;', "bab"));
  // pcre /R after a content retries the content too
  assert.ok(matches('content:"a"; pcre:"/^\\d/R";', "axa1"));
  // a relative negated content makes the previous one retry
  assert.ok(matches('content:"a"; content:!"b"; within:1;', "aba1"));
  assert.ok(!matches('content:"a"; content:!"b"; within:1;', "abab"));
});

Deno.test("content: negated contents", () => {
  assert.ok(matches('content:!"evil";', "good"));
  assert.ok(!matches('content:!"evil";', "so evil"));
  assert.ok(matches('content:!"evil"; depth:4;', "xxxxevil"), "outside the window");
  assert.ok(!matches('content:!"evil"; depth:8;', "xxxxevil"));
  assert.ok(matches('content:"x"; content:!"y"; distance:0;', "xz"));
  assert.ok(!matches('content:"x"; content:!"y"; distance:0;', "xzy"));
  // Suricata drops a rule whose only (conclusive) pattern is negated when the
  // pattern occurs anywhere, whatever endswith says
  assert.ok(!matches('content:!"aa"; endswith;', "aa "));
  assert.ok(matches('content:" "; content:!"aa"; endswith;', "aa "));
  assert.ok(!matches('content:!"aa"; nocase; endswith;', "aA "));
});

Deno.test("content: Suricata's PropagateLimits bounds are applied", () => {
  // A negated content still advances the propagated offset (Suricata quirk):
  // "x" may not start before 1 + 1 = 2.
  assert.ok(!matches('content:!"A"; content:"x"; distance:1;', "bx \x01\n"));
  assert.ok(matches('content:!"A"; content:"x"; distance:0;', "bx \x01\n"));
  // a leading relative content becomes absolute
  const s = sig('content:"a"; distance:2; within:3;');
  assert.ok(matches('content:"a"; distance:2; within:3;', "xxa"));
  assert.ok(!matches('content:"a"; distance:2; within:3;', "xxxxxa"));
  assert.equal(s.fastPattern?.offset, 2);
  assert.equal(s.fastPattern?.depth, 5);
});

Deno.test("content: isdataat", () => {
  assert.ok(matches("isdataat:3;", "abcd"));
  assert.ok(!matches("isdataat:4;", "abcd"));
  assert.ok(matches("isdataat:!4;", "abcd"));
  assert.ok(matches('content:"b"; isdataat:2,relative;', "abcd"));
  assert.ok(!matches('content:"b"; isdataat:3,relative;', "abcd"));
  assert.ok(matches('content:"b"; isdataat:!3,relative;', "abcd"));
  assert.ok(matches('content:"b"; isdataat:1,relative; content:"b"; isdataat:!1,relative;', "bxb"));
  assert.ok(fails("isdataat:70000;").message.includes("out of range"));
  assert.ok(fails("isdataat:foo;").message.includes("unknown byte_extract"));
});

Deno.test("content: records on the signature", () => {
  const s = sig('content:"ab"; nocase; content:!"c"; distance:1;');
  assert.equal(s.buffers.length, 1);
  assert.equal(s.needsPayload, true);
  assert.deepEqual(s.fastPattern, { bufferId: 0, bytes: bytes("ab"), nocase: true });
});

Deno.test("content: matches are relative to the buffer start", () => {
  // run() embeds the payload at offset 5 of a larger array filled with 'A'/'B'
  assert.ok(!matches('content:"A";', "xyz"));
  assert.ok(!matches('content:"B"; endswith;', "xyzB "));
  assert.ok(matches('content:"x"; startswith;', "xyz"));
});

Deno.test("content: parseContentBytes, ASCII and UTF-8 text, error positions", () => {
  const enc = (s: string) => Array.from(parseContentBytes("content", s, 0));
  assert.deepEqual(enc("a|41 42|b\\;"), [0x61, 0x41, 0x42, 0x62, 0x3b]);
  assert.deepEqual(enc("\u00e9|00|"), [0xc3, 0xa9, 0x00], "non-ASCII text as UTF-8");
  const at = (s: string) => {
    try {
      parseContentBytes("content", s, 10);
    } catch (error) {
      return (error as KeywordError).valueOffset;
    }
    return null;
  };
  assert.equal(at("ab|4x|"), 10 + 4);
  assert.equal(at("\u00e9\u00e9|4x|"), 10 + 4, "a character offset, not a byte offset");
  assert.equal(at("ab\\x"), 10 + 3);
  const long = "x".repeat(700) + "|00 ff|";
  assert.deepEqual(enc(long), [...Array(700).fill(0x78), 0x00, 0xff], "longer than the scratch");
  assert.deepEqual(enc("ab"), [0x61, 0x62], "a short one after it");
});
