/**
 * How bytes become EVE strings (Suricata's JSON builder): valid UTF-8 as
 * text, otherwise ASCII as is and other bytes as `\xNN`.
 */

import assert from "node:assert/strict";
import { eveBytes } from "../../src/app/http_eve.ts";

const enc = new TextEncoder();

Deno.test("eveBytes: ASCII, UTF-8 and invalid UTF-8", () => {
  assert.equal(eveBytes(enc.encode("GET /index.html?a=1")), "GET /index.html?a=1");
  assert.equal(eveBytes(new Uint8Array([0x41, 0x00, 0x7f, 0x0a])), "A\u0000\u007f\n");
  assert.equal(eveBytes(enc.encode("caf\u00e9 \u2603")), "caf\u00e9 \u2603");
  assert.equal(eveBytes(new Uint8Array([0x61, 0xff, 0x62])), "a\\xffb");
  assert.equal(eveBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])), "a", "a UTF-8 BOM is dropped");
  assert.equal(eveBytes(new Uint8Array(0)), "");
  const long = "x".repeat(5000);
  assert.equal(eveBytes(enc.encode(long)), long);
});
