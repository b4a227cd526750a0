/**
 * The pcre keyword: value forms, modifiers (flags, relative, HTTP buffer
 * letters), negation, retry with relative steps, and refused constructs.
 */

import assert from "node:assert/strict";
import { bufferByName } from "../../src/detect/buffers.ts";
import { fails, matcherOf, matches, run, sig } from "./_payload_helpers.ts";

const HTTP = "alert http any any -> any any";

Deno.test("pcre: flags", () => {
  assert.ok(matches('pcre:"/get\\s+\\//i";', "GET /x"));
  assert.ok(!matches('pcre:"/get\\s+\\//";', "GET /x"));
  assert.ok(matches('pcre:"/^b/m";', "a\nb"));
  assert.ok(!matches('pcre:"/^b/";', "a\nb"));
  assert.ok(matches('pcre:"/a.b/s";', "a\nb"));
  assert.ok(matches('pcre:"/a b # comment/x";', "ab"));
  assert.ok(matches('pcre:"/b/A";', "bx"));
  assert.ok(!matches('pcre:"/b/A";', "xb"), "A anchors at the start");
  assert.ok(matches('pcre:"/a$/E";', "a"));
  assert.ok(!matches('pcre:"/a$/E";', "a\n"));
  assert.ok(matches('pcre:"/a$/";', "a\n"));
  assert.ok(matches('pcre:"/ab/O";', "ab"), "O (match limits) is accepted");
  assert.ok(matches("pcre:/abc/i;", "ABC"), "quotes are optional");
  assert.ok(fails('pcre:"/a/q";').message.includes("unknown regex modifier"));
  assert.ok(fails('pcre:"abc";').message.includes("no /pattern/"));
});

Deno.test("pcre: negation", () => {
  assert.ok(matches('pcre:!"/evil/";', "good"));
  assert.ok(!matches('pcre:!"/evil/";', "so evil"));
  assert.ok(matches('content:"x"; pcre:!"/^y/R";', "xz"));
  assert.ok(!matches('content:"x"; pcre:!"/^y/R";', "xy"));
});

Deno.test("pcre: relative after a content, with retry", () => {
  assert.ok(matches('content:"id="; pcre:"/^\\d+&/R";', "id=x&id=42&"));
  assert.ok(!matches('content:"id="; pcre:"/^\\d+&/R";', "id=x&id=42"));
  // a content after a pcre is relative to the end of the pcre match, and the
  // pcre is retried at its next match when that content fails
  assert.ok(matches('pcre:"/\\d/"; content:"x"; within:1;', "1y2x"));
  assert.ok(fails('pcre:"/a/R";').message.includes("preceding match"));
  sig('http.uri; pcre:"/a/R";', HTTP);
});

Deno.test("pcre: HTTP buffer letters", () => {
  const u = sig('pcre:"/^\\/a/U";', HTTP);
  assert.equal(u.buffers[0].bufferId, bufferByName("http.uri")!.id);
  assert.ok(run(matcherOf(u, "http.uri"), "/abc"));
  const q = sig('pcre:"/x/Q";', HTTP);
  assert.equal(q.buffers[0].bufferId, bufferByName("file.data:response")!.id);
  assert.equal(sig('pcre:"/x/U";').appProto, "http", "a tcp rule becomes http");
  sig('http.uri; pcre:"/a/U";', HTTP);
  assert.ok(fails('http.host; pcre:"/a/U";', HTTP).message.includes("differs"));
  assert.ok(fails('pcre:"/a/UI";').message.includes("only one"));
  assert.ok(fails('pcre:"/a/BU";').message.includes("inconsistent"));
  assert.ok(fails('pcre:"/A/W";').message.includes("uppercase"));
  sig('pcre:"/A/Wi";');
  sig('pcre:"/\\x41A/W";'); // Suricata skips the character after \xHH
  assert.ok(fails('pcre:"/a/U";', "alert dns any any -> any any").message.includes("conflicts"));
});

Deno.test("pcre: constructs without an exact translation are unsupported", () => {
  const f = fails('pcre:"/(a)(?1)/";');
  assert.ok(f.reason.startsWith("unsupported pcre"), f.reason);
  assert.ok(f.message.includes("subroutine"));
  const v = fails('pcre:"/(?P<flow_x>a)/";');
  assert.ok(v.reason.startsWith("unsupported pcre"));
  const latin1 = fails('pcre:"/(.)\\1/si";');
  assert.ok(latin1.reason.includes("caseless back reference"));
  // invalid patterns are errors, not "unsupported"
  assert.equal(fails('pcre:"/(?<=a+)b/";').reason, "invalid pcre");
  assert.equal(fails('pcre:"/a\\y/";').reason, "invalid pcre");
});

Deno.test("pcre: the buffer is matched as bytes", () => {
  assert.ok(matches('pcre:"/\\xff\\x00/";', "\xff\x00"));
  assert.ok(matches('pcre:"/[\\x80-\\xff]{2}/";', "a\x80\xfeb"));
  assert.ok(!matches('pcre:"/\\s/";', "\xa0"), "0xA0 is not a space for PCRE2");
  assert.ok(matches('pcre:"/\u00e9/";', "\xc3\xa9"), "pattern text is UTF-8 bytes");
});
