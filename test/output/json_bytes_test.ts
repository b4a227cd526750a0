// JsonBytes writes the same text as JSON.stringify.

import assert from "node:assert/strict";
import { JsonBytes } from "../../src/output/json_bytes.ts";

const STRINGS = [
  "",
  "plain ascii",
  'quote " and backslash \\',
  "controls \b\t\n\f\r \u0000\u0001\u001f and \u007f",
  "caf\u00e9 \u2603 \u{1f600}",
  "lone \ud800 surrogate",
  "x".repeat(5000),
];

Deno.test("JsonBytes.string escapes as JSON.stringify", () => {
  const out = new JsonBytes(16);
  for (const s of STRINGS) {
    out.reset();
    out.string(s);
    assert.equal(out.text(), JSON.stringify(s));
  }
});

Deno.test("JsonBytes.asciiString escapes ASCII bytes as JSON.stringify, refuses others", () => {
  const out = new JsonBytes(16);
  const all = Uint8Array.from({ length: 128 }, (_, i) => i);
  out.ascii("[");
  assert.equal(out.asciiString(all, 0, all.length), true);
  out.ascii("]");
  assert.equal(out.text(), "[" + JSON.stringify(String.fromCharCode(...all)) + "]");
  out.reset();
  out.ascii("x");
  assert.equal(out.asciiString(new Uint8Array([0x61, 0xc3, 0xa9]), 0, 3), false);
  assert.equal(out.text(), "x", "nothing written");
});

Deno.test("JsonBytes.number writes String(n)", () => {
  const out = new JsonBytes(16);
  const values = [
    0,
    -0,
    7,
    10,
    99,
    65535,
    999_999_999,
    1e9,
    1e9 + 1,
    1e9 * 1e6 - 1,
    9_007_198_999_999_999,
    873687229623128,
    Number.MAX_SAFE_INTEGER - 1,
    Number.MAX_SAFE_INTEGER,
    2 ** 60,
    -3,
    1.5,
    NaN,
  ];
  // and integers of every length, around the 10^9 split
  for (let k = 0; k < 2000; k++) values.push(Math.floor(Math.random() * 10 ** (1 + (k % 16))));
  for (const n of values) {
    out.reset();
    out.number(n);
    assert.equal(out.text(), String(n));
  }
  out.reset();
  out.number(12345678901234567890n);
  assert.equal(out.text(), "12345678901234567890");
  out.reset();
  out.padded(42, 6);
  assert.equal(out.text(), "000042");
});

Deno.test("JsonBytes grows, keeping what was written", () => {
  const out = new JsonBytes(16);
  out.ascii("{");
  out.json(JSON.stringify({ a: "y".repeat(100), b: [1, 2] }));
  out.raw(new TextEncoder().encode(',"c":true}'));
  assert.equal(out.text(), '{{"a":"' + "y".repeat(100) + '","b":[1,2]},"c":true}');
  assert.equal(out.length, out.text().length);
});
