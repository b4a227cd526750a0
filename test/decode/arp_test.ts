import assert from "node:assert/strict";
import { Layer } from "../../src/decode/packet.ts";
import { assertCutSafe, be16, bytes, decodeBytes, ethernet, filler, ip4 } from "./frames.ts";

Deno.test("arp: request counted with its opcode", () => {
  const arp = bytes(be16(1), be16(0x0800), 6, 4, be16(1), filler(6), ip4("10.0.0.1"), [
    0,
    0,
    0,
    0,
    0,
    0,
  ], ip4("10.0.0.2"));
  const frame = ethernet(0x0806, arp);
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.ARP);
  assert.equal(p.arpOp, 1);
  assert.equal(p.l3Offset, -1);
  assert.equal(p.eventCount, 0);
  assertCutSafe(frame);
});
