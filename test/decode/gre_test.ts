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
  ip4Value,
  ipv4,
  ipv6,
  tcp,
  udp,
} from "./frames.ts";

/** GRE header: flag byte, version byte, protocol, optional fields. */
function gre(flags: number, version: number, proto: number, extra: number[], payload: Uint8Array) {
  return bytes(flags, version, be16(proto), extra, payload);
}

const outer = (g: Uint8Array) => ethernet(0x0800, ipv4({ proto: 47, src: "203.0.113.1" }, g));
const inner4 = () => ipv4({ proto: 6, src: "10.10.10.10" }, tcp({ sp: 5555, dp: 80 }, filler(6)));

Deno.test("gre: version 0 with checksum, key and sequence carries IPv4", () => {
  const frame = outer(gre(0xb0, 0, 0x0800, [0, 0, 0, 0, ...be32(42), ...be32(1)], inner4()));
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.GRE | Layer.TCP);
  assert.equal(p.tunnel, Tunnel.GRE);
  assert.equal(p.outerL3Offset, 14);
  assert.equal(p.l3Offset, 14 + 20 + 16);
  assert.equal(p.src4, ip4Value("10.10.10.10"));
  assert.equal(p.dstPort, 80);
  assert.equal(p.payloadLen, 6);
  assert.equal(p.eventCount, 0);
  assertCutSafe(frame);
});

Deno.test("gre: IPv6 payload, and GRE over IPv6", () => {
  const six = outer(gre(0, 0, 0x86dd, [], ipv6({ nh: 17 }, udp(1, 2, filler(3)))));
  const p = decodeBytes(six);
  assert.equal(p.ipVersion, 6);
  assert.equal(p.tunnel, Tunnel.GRE);
  assertCutSafe(six);
  const over6 = ethernet(0x86dd, ipv6({ nh: 47 }, gre(0, 0, 0x0800, [], inner4())));
  const q = decodeBytes(over6);
  assert.equal(q.layers, Layer.ETHERNET | Layer.IPV6 | Layer.GRE | Layer.IPV4 | Layer.TCP);
  assert.equal(q.ipVersion, 4);
  assert.equal(q.src6Offset, -1);
  assertCutSafe(over6);
});

Deno.test("gre: source routing entries are skipped", () => {
  const sre = [0, 0, 0, 0, ...be16(0x0800), 0, 4, 1, 2, 3, 4, ...be16(0), 0, 0];
  const frame = outer(gre(0x40, 0, 0x0800, sre, inner4()));
  const p = decodeBytes(frame);
  assert.equal(p.l3Offset, 14 + 20 + 4 + sre.length);
  assert.equal(p.layers & Layer.TCP, Layer.TCP);
  assertCutSafe(frame);
  const bad = outer(gre(0x40, 0, 0x0800, [0, 0, 0, 0, ...be16(0x0800), 0, 200], filler(8)));
  assert.deepEqual(eventNames(decodeBytes(bad)), ["gre.version0_malformed_sre_hdr"]);
});

Deno.test("gre: transparent Ethernet bridging", () => {
  const frame = outer(
    gre(0x20, 0, 0x6558, be32(7), ethernet(0x8100, bytes(be16(33), be16(0x0800), inner4()))),
  );
  const p = decodeBytes(frame);
  assert.equal(p.tunnel, Tunnel.GRE);
  assert.equal(p.layers & (Layer.VLAN | Layer.TCP), Layer.VLAN | Layer.TCP);
  assert.equal(p.vlanCount, 1);
  assert.equal(p.vlanId0, 33);
  assertCutSafe(frame);
});

Deno.test("gre: version 1 (PPTP) carries PPP", () => {
  const ppp = bytes(0xff, 0x03, be16(0x0021), inner4());
  const frame = outer(
    gre(0x30, 0x81, 0x880b, [...be16(ppp.length), ...be16(6), ...be32(1), ...be32(0)], ppp),
  );
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.GRE | Layer.PPP | Layer.TCP);
  assert.equal(p.tunnel, Tunnel.GRE);
  assert.equal(p.l3Offset, 14 + 20 + 16 + 4);
  assert.equal(p.eventCount, 0);
  assertCutSafe(frame);
  const ackOnly = decodeBytes(
    outer(gre(0x20, 0x81, 0x880b, [0, 0, ...be16(6), ...be32(3)], new Uint8Array(0))),
  );
  assert.equal(ackOnly.layers & Layer.PPP, 0);
  assert.equal(ackOnly.eventCount, 0);
});

Deno.test("gre: header anomalies", () => {
  const cases: [Uint8Array, string][] = [
    [bytes(0, 0, 8), "gre.pkt_too_small"],
    [gre(0, 2, 0x0800, [], filler(20)), "gre.wrong_version"],
    [gre(0x01, 0, 0x0800, [], filler(20)), "gre.version0_recur"],
    [gre(0, 0x08, 0x0800, [], filler(20)), "gre.version0_flags"],
    [gre(0x30, 0, 0x0800, [], filler(4)), "gre.version0_hdr_too_big"],
    [gre(0xa0, 1, 0x880b, [], filler(20)), "gre.version1_chksum"],
    [gre(0x60, 1, 0x880b, [], filler(20)), "gre.version1_route"],
    [gre(0x28, 1, 0x880b, [], filler(20)), "gre.version1_ssr"],
    [gre(0x22, 1, 0x880b, [], filler(20)), "gre.version1_recur"],
    [gre(0x20, 0x11, 0x880b, [], filler(20)), "gre.version1_flags"],
    [gre(0x20, 1, 0x0800, [], filler(20)), "gre.version1_wrong_protocol"],
    [gre(0x00, 1, 0x880b, [], filler(20)), "gre.version1_no_key"],
    [gre(0x30, 0x81, 0x880b, [], filler(10)), "gre.version1_hdr_too_big"],
  ];
  for (const [g, event] of cases) {
    const p = decodeBytes(outer(g));
    assert.deepEqual(eventNames(p), [event]);
    assert.equal(p.layers & Layer.GRE, Layer.GRE);
    assert.equal(p.tunnel, Tunnel.NONE);
    assert.equal(p.l3Offset, 14, "the outer packet stays decoded");
  }
});

Deno.test("gre: an unknown protocol type leaves the GRE packet", () => {
  const p = decodeBytes(outer(gre(0, 0, 0x1234, [], filler(10))));
  assert.equal(p.tunnel, Tunnel.NONE);
  assert.equal(p.payloadOffset, 34);
  assert.equal(p.payloadLen, 14);
});
