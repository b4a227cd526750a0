import assert from "node:assert/strict";
import { Layer, Tunnel } from "../../src/decode/packet.ts";
import {
  assertCutSafe,
  be16,
  be32,
  bytes,
  decodeBytes,
  ethernet,
  eventNames,
  filler,
  ipv4,
  udp,
} from "./frames.ts";

const mirrored = () => ethernet(0x0800, ipv4({ proto: 17 }, udp(67, 68, filler(12))));
const overGre = (flags: number, proto: number, extra: number[], payload: Uint8Array) =>
  ethernet(0x0800, ipv4({ proto: 47 }, bytes(flags, 0, be16(proto), extra, payload)));

Deno.test("erspan: type II header then the mirrored frame", () => {
  const erspan = bytes(be16(0x1000 | 300), be16(0x0001), be32(0));
  const frame = overGre(0x10, 0x88be, be32(5), bytes(erspan, mirrored()));
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.GRE | Layer.ERSPAN | Layer.UDP);
  assert.equal(p.tunnel, Tunnel.ERSPAN);
  assert.equal(p.vlanCount, 1);
  assert.equal(p.vlanId0, 300);
  assert.equal(p.tunnelVlans, true, "the VLAN id is the inner packet's own");
  assert.equal(p.l3Offset, 14 + 20 + 8 + 8 + 14);
  assert.equal(p.dstPort, 68);
  assertCutSafe(frame);
});

Deno.test("erspan: type I has no header", () => {
  const frame = overGre(0, 0x88be, [], mirrored());
  const p = decodeBytes(frame);
  assert.equal(p.layers & (Layer.ERSPAN | Layer.UDP), Layer.ERSPAN | Layer.UDP);
  assert.equal(p.l3Offset, 14 + 20 + 4 + 14);
  assertCutSafe(frame);
});

Deno.test("erspan: type III with and without the platform sub-header", () => {
  const base = bytes(be16(0x2000 | 12), be16(1), be32(0xcafe), be16(0), 0, 0);
  const frame = overGre(0x10, 0x22eb, be32(1), bytes(base, mirrored()));
  const p = decodeBytes(frame);
  assert.equal(p.layers & (Layer.ERSPAN | Layer.UDP), Layer.ERSPAN | Layer.UDP);
  assert.equal(p.vlanId0, 12);
  assertCutSafe(frame);
  const withSub = bytes(be16(0x2000), be16(1), be32(0), be16(0), 0, 1, filler(8));
  const q = decodeBytes(overGre(0x10, 0x22eb, be32(1), bytes(withSub, mirrored())));
  assert.equal(q.l3Offset, 14 + 20 + 8 + 20 + 14);
});

Deno.test("erspan: anomalies", () => {
  assert.deepEqual(eventNames(decodeBytes(overGre(0x10, 0x88be, be32(1), filler(7)))), [
    "erspan.header_too_small",
  ]);
  const v2 = bytes(be16(0x2000), be16(1), be32(0));
  assert.deepEqual(eventNames(decodeBytes(overGre(0x10, 0x88be, be32(1), bytes(v2, mirrored())))), [
    "erspan.unsupported_version",
  ]);
  const v3bad = bytes(be16(0x1000), be16(1), be32(0), be32(0));
  assert.deepEqual(
    eventNames(decodeBytes(overGre(0x10, 0x22eb, be32(1), bytes(v3bad, mirrored())))),
    [
      "erspan.unsupported_version",
    ],
  );
});
