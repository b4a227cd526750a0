/**
 * Sticky buffers, legacy content modifiers, transforms, base64, bsize and
 * urilen: rules compile, their steps land in the right buffer, the
 * signature waits for buffers no stage fills, and inspection works when a
 * buffer is handed to the matcher.
 */

import assert from "node:assert/strict";
import { applyTransform, transformChain } from "../../src/detect/buffer_transforms.ts";
import { bufferById, bufferByName } from "../../src/detect/buffers.ts";
import { STICKY_BUFFERS } from "../../src/detect/keywords/sticky_buffers.ts";
import { lookupKeyword } from "../../src/detect/keyword_registry.ts";
import { bytes, fails, matcherOf, run, sig } from "./_payload_helpers.ts";

const HTTP = "alert http any any -> any any";
const id = (name: string) => bufferByName(name)!.id;

Deno.test("sticky buffers: every Suricata 7 buffer keyword and alias is registered", () => {
  for (const b of STICKY_BUFFERS) {
    assert.ok(lookupKeyword(b.name), b.name);
    for (const a of b.aliases) assert.ok(lookupKeyword(a), a);
  }
  for (
    const k of ["pkt_data", "file_data", "dns_query", "tls_sni", "ja3_hash", "http_content_type"]
  ) {
    assert.ok(lookupKeyword(k), k);
  }
  assert.ok(STICKY_BUFFERS.length >= 90);
});

Deno.test("sticky buffers: contents go to the buffer; buffers no parser fills wait", () => {
  const s = sig('http.uri; content:"/a"; http.host; content:"x.com"; pkt_data; content:"z";', HTTP);
  assert.deepEqual(s.buffers.map((b) => bufferById(b.bufferId).name), [
    "pkt_data",
    "http.uri",
    "http.host",
  ]);
  // the HTTP parser fills them; a protocol Tarsier does not parse leaves its buffers waiting
  assert.deepEqual(s.waitingFor, []);
  const smb = sig('smb.named_pipe; content:"x";', "alert smb any any -> any any");
  assert.deepEqual(smb.waitingFor, ["smb.named_pipe"]);
  assert.equal(s.appProto, "http");
  assert.equal(s.fastPattern?.bufferId, id("http.host"));
  // inspection works when the buffer is supplied
  assert.ok(run(matcherOf(s, "http.uri"), "/a/b"));
  assert.ok(!run(matcherOf(s, "http.uri"), "/b"));
  // http.response_body is the file.data buffer of the response in Suricata 7
  const r = sig('http.response_body; content:"x";', HTTP);
  assert.equal(r.buffers[0].bufferId, id("file.data:response"));
});

Deno.test("sticky buffers: a tcp rule takes the protocol of its buffers; conflicts fail", () => {
  assert.equal(sig('dns.query; content:"x";', "alert udp any any -> any any").appProto, "dns");
  assert.equal(sig('file.data; content:"x";').appProto, null, "file.data spans protocols");
  assert.ok(fails('dns.query; content:"x";', HTTP).message.includes("conflicts"));
  assert.ok(
    fails('file.data; content:"x";', "alert udp any any -> any any").message.includes("non-TCP"),
  );
});

Deno.test("sticky buffers: a sticky buffer needs a match after it", () => {
  assert.ok(fails("http.uri;", HTTP).message.includes("no match keyword"));
  assert.ok(fails('http.uri; http.host; content:"a";', HTTP).message.includes("has no matches"));
});

Deno.test("legacy content modifiers move the previous content", () => {
  const s = sig('content:"/a"; http_uri; content:"GET"; http_method; content:"x";', HTTP);
  assert.deepEqual(s.buffers.map((b) => bufferById(b.bufferId).name), [
    "pkt_data",
    "http.uri",
    "http.method",
  ]);
  assert.ok(run(matcherOf(s, "http.method"), "GET"));
  assert.ok(fails('http.uri; content:"a"; http_uri;', HTTP).message.includes("sticky buffer"));
  assert.ok(fails("http_uri;", HTTP).message.includes("without a content"));
  assert.ok(
    fails('content:"a"; http_uri;', "alert dns any any -> any any").message.includes("conflicts"),
  );
  // uricontent is content + http_uri
  const u = sig('uricontent:"/x";', HTTP);
  assert.equal(u.buffers[0].bufferId, id("http.uri"));
  // http_content_type is a sticky buffer alias in Suricata 7, not a modifier
  assert.ok(!fails('content:"a"; http_content_type;', HTTP).reason.includes("unsupported"));
  sig('http_content_type; content:"a";', HTTP);
});

Deno.test("legacy modifiers keep relative chains in the target buffer", () => {
  const s = sig('content:"a"; http_uri; content:"b"; distance:0; within:1; http_uri;', HTTP);
  const m = matcherOf(s, "http.uri");
  assert.ok(run(m, "axxab"), "the first content is retried in http.uri");
  assert.ok(!run(m, "axxa"));
});

Deno.test("buffer validation callbacks", () => {
  assert.ok(fails('http.host; content:"A";', HTTP).message.includes("upper-case"));
  assert.ok(fails('http.host; content:"a"; nocase;', HTTP).message.includes("nocase"));
  sig('http.host.raw; content:"A";', HTTP);
  assert.ok(fails('http.method; content:"GET ";', HTTP).message.includes("blank"));
  const tls = "alert tls any any -> any any";
  assert.ok(fails('ja3.hash; content:"abc";', tls).message.includes("32"));
  const j = sig('ja3.hash; content:"E7ECA2BAF4458D095B7F45DA28C16C34";', tls);
  assert.deepEqual(j.fastPattern?.bytes, bytes("e7eca2baf4458d095b7f45da28c16c34"), "lower-cased");
  assert.ok(fails('tls.cert_serial; content:"0102";', tls).message.includes("colons"));
  assert.deepEqual(
    sig('tls.cert_serial; content:"0a:0b";', tls).fastPattern?.bytes,
    bytes("0A:0B"),
  );
});

Deno.test("transforms: derived buffers, validation, implementations", () => {
  const s = sig('http.host; dotprefix; content:".example.com"; endswith;', HTTP);
  const chain = transformChain(s.buffers[0].bufferId);
  assert.equal(chain?.base, id("http.host"));
  assert.deepEqual(chain?.transforms, [{ name: "dotprefix", value: null }]);
  assert.equal(bufferById(s.buffers[0].bufferId).name, "http.host|dotprefix");
  assert.deepEqual(s.waitingFor, []);
  const smb = sig('smb.share; to_lowercase; content:"x";', "alert smb any any -> any any");
  assert.deepEqual(smb.waitingFor, ["smb.share|to_lowercase"]);
  assert.ok(fails('http.uri; to_lowercase; content:"ABC";', HTTP).message.includes("to_lowercase"));
  sig('http.uri; to_lowercase; content:!"ABC";', HTTP);
  assert.ok(fails('to_lowercase; content:"a";', HTTP).message.includes("sticky"));
  assert.ok(fails('http.uri; xor:"012"; content:"a";', HTTP).message.includes("even"));
  assert.ok(fails('http.uri; pcrexform:"a"; content:"a";', HTTP).message.includes("one capture"));
  sig('http.uri; pcrexform:"(a)"; content:"a";', HTTP);
  const out = new Uint8Array(32);
  const t = (name: string, input: string, value: string | null = null) => {
    const src = bytes(input);
    const n = applyTransform({ name, value }, src, 0, src.length, out);
    return String.fromCharCode(...out.subarray(0, n));
  };
  assert.equal(t("to_lowercase", "AbC"), "abc");
  assert.equal(t("to_uppercase", "AbC"), "ABC");
  assert.equal(t("dotprefix", "a.com"), ".a.com");
  assert.equal(t("strip_whitespace", " a b\t"), "ab");
  assert.equal(t("compress_whitespace", "a  \t b"), "a b");
  assert.equal(t("xor", "\x03\x03", "0102"), "\x02\x01");
});

Deno.test("base64_decode and base64_data", () => {
  const s = sig('content:"data="; base64_decode:relative; base64_data; content:"hello";');
  assert.equal(s.buffers.length, 1, "base64_data is inspected through base64_decode");
  const m = matcherOf(s);
  assert.ok(run(m, "data=aGVsbG8gd29ybGQ="));
  assert.ok(!run(m, "data=d29ybGQ="));
  assert.ok(!run(m, "aGVsbG8=data="), "relative to the content");
  assert.ok(fails('base64_data; content:"x";').message.includes("base64_decode"));
  assert.ok(
    !run(matcherOf(sig('base64_decode; content:"x";')), "aGVsbG8x"),
    "without base64_data: never",
  );
  const b = matcherOf(sig('base64_decode:bytes 8, offset 2; base64_data; content:"hello";'));
  assert.ok(run(b, "..aGVsbG8="));
  assert.ok(!run(b, "...aGVsbG8="));
});

Deno.test("bsize and urilen", () => {
  const s = sig('http.uri; content:"/a"; bsize:<5;', HTTP);
  assert.ok(run(matcherOf(s, "http.uri"), "/ab"));
  assert.ok(!run(matcherOf(s, "http.uri"), "/abcd"));
  assert.ok(run(matcherOf(sig('http.uri; content:"a"; bsize:2<>5;', HTTP), "http.uri"), "abcd"));
  assert.ok(fails("bsize:10;").message.includes("sticky"));
  assert.ok(fails('http.uri; bsize:<5; content:"abcdef";', HTTP).message.includes("bsize"));
  const u = sig("urilen:3<>10;", HTTP);
  assert.ok(run(matcherOf(u, "http.uri"), "/abcd"));
  assert.ok(!run(matcherOf(u, "http.uri"), "/a"));
  assert.equal(sig("urilen:>3,raw;", HTTP).buffers[0].bufferId, id("http.uri.raw"));
  assert.ok(fails('urilen:3; content:"abcd"; http_uri;', HTTP).message.includes("urilen"));
  assert.ok(sig("urilen:5;", HTTP).buffers.some((b) => bufferById(b.bufferId).name === "http.uri"));
});
