/** TxBuffers: copied spans, spans over bytes already held (alias), copies of held bytes. */

import assert from "node:assert/strict";
import { MAX_TX_BUFFER_BYTES, TxBuffers } from "../../src/app/transaction.ts";

const enc = new TextEncoder();
const text = (b: TxBuffers, span: number) => b.spanText(span);

Deno.test("TxBuffers: alias spans view earlier bytes, appendHeld copies them, appendCrlf ends lines", () => {
  const b = new TxBuffers(8); // small, so that appends grow the array under the aliases
  const line = enc.encode("Host: example.com");
  b.begin(1);
  b.append(line, 0, line.length);
  b.appendCrlf();
  const second = b.length;
  const ua = enc.encode("User-Agent: curl/8");
  b.append(ua, 0, ua.length);
  b.appendCrlf();
  b.end();
  b.alias(2, 6, 17); // "example.com"
  b.alias(2, second + 12, second + ua.length); // a second span of buffer 2: "curl/8"
  b.begin(3);
  b.appendHeld(second, second + ua.length + 2);
  b.appendHeld(0, 4);
  b.end();
  assert.equal(text(b, b.first(1)), "Host: example.com\r\nUser-Agent: curl/8\r\n");
  const s2 = b.first(2);
  assert.equal(text(b, s2), "example.com");
  assert.equal(text(b, b.next(s2)), "curl/8");
  assert.equal(b.next(b.next(s2)), -1);
  assert.equal(text(b, b.first(3)), "User-Agent: curl/8\r\nHost");
  // an alias past what is held is clipped
  b.alias(4, b.length - 2, b.length + 100);
  assert.equal(text(b, b.first(4)), "st");
  b.clear();
  assert.equal(b.first(2), -1);
  assert.equal(b.length, 0);
});

Deno.test("TxBuffers: reserveOpen grows the array for bytes written in place, extendTo ends the span", () => {
  const b = new TxBuffers(4);
  b.add(1, enc.encode("GET"), 0, 3);
  b.begin(2);
  assert.ok(b.reserveOpen(12));
  assert.ok(b.bytes.length >= 3 + 12, "the array grew");
  const at = b.length;
  b.bytes.set(enc.encode("Host: a\r\n"), at);
  b.extendTo(at + 9);
  b.end();
  b.add(3, enc.encode("x"), 0, 1);
  assert.equal(b.text(1), "GET");
  assert.equal(b.text(2), "Host: a\r\n");
  assert.equal(b.text(3), "x");
  assert.equal(b.length, 13);
});

Deno.test("TxBuffers: reserveOpen refuses what the byte limit would cut off", () => {
  const b = new TxBuffers(16);
  b.begin(1);
  const big = new Uint8Array(MAX_TX_BUFFER_BYTES - 10);
  b.append(big, 0, big.length);
  assert.equal(b.reserveOpen(11), false);
  assert.equal(b.length, MAX_TX_BUFFER_BYTES - 10, "nothing reserved");
  assert.ok(b.reserveOpen(10));
  b.extendTo(MAX_TX_BUFFER_BYTES);
  b.end();
  assert.equal(b.spanEnd[b.first(1)], MAX_TX_BUFFER_BYTES);
});

Deno.test("TxBuffers: a released transaction's first array holds 4 KiB, so header buffers do not grow it", () => {
  const b = new TxBuffers();
  b.release();
  b.add(1, enc.encode("GET"), 0, 3);
  assert.ok(b.bytes.length >= 4096, `${b.bytes.length} bytes`);
  const before = b.bytes;
  b.add(2, new Uint8Array(3000), 0, 3000);
  assert.equal(b.bytes, before, "3003 bytes fit without a copy");
  assert.equal(b.text(1), "GET");
  b.release();
});

Deno.test("TxBuffers: adopt takes a long body's array (held spans move after it) and copies a short one", () => {
  const b = new TxBuffers(1024);
  b.add(1, enc.encode("HTTP/1.1 200 OK"), 0, 15);
  b.begin(2);
  b.append(enc.encode("xx"), 0, 2); // left open: adopt closes it
  const body = new Uint8Array(4096);
  const html = "<html>a body longer than the header</html>";
  body.set(enc.encode(html));
  assert.equal(b.adopt(3, body, html.length), true);
  assert.equal(b.bytes, body, "the body's array is the transaction's now");
  assert.equal(b.length, 17 + html.length);
  assert.equal(text(b, b.first(1)), "HTTP/1.1 200 OK");
  assert.equal(text(b, b.first(2)), "xx");
  assert.equal(text(b, b.first(3)), html);
  b.add(4, enc.encode("after"), 0, 5);
  assert.equal(text(b, b.first(4)), "after");
  assert.equal(text(b, b.first(3)), html);
  // shorter than what is held: copied, and the array stays the transaction's own
  const held = b.bytes;
  assert.equal(b.adopt(5, new Uint8Array(1024).fill(0x41), 3), true);
  assert.equal(b.bytes, held);
  assert.equal(text(b, b.first(5)), "AAA");
  // no room after the body for what is held: copied
  const full = new Uint8Array(1024).fill(0x42);
  assert.equal(b.adopt(6, full, 1020), true);
  assert.notEqual(b.bytes, full);
  assert.equal(text(b, b.first(6)), "B".repeat(1020));
  assert.equal(text(b, b.first(1)), "HTTP/1.1 200 OK");
});
