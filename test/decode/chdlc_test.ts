import assert from "node:assert/strict";
import { Layer } from "../../src/decode/packet.ts";
import { assertCutSafe, be16, bytes, decodeBytes, eventNames, ipv4, tcp } from "./frames.ts";

Deno.test("chdlc: Cisco HDLC carries IPv4", () => {
  const frame = bytes(0x0f, 0x00, be16(0x0800), ipv4({ proto: 6 }, tcp({ dp: 80 })));
  const p = decodeBytes(frame, 104);
  assert.equal(p.layers, Layer.CHDLC | Layer.IPV4 | Layer.TCP);
  assert.equal(p.l3Offset, 4);
  assertCutSafe(frame, 104);
  assert.deepEqual(eventNames(decodeBytes(bytes(0x0f, 0, 8), 104)), ["chdlc.pkt_too_small"]);
});
