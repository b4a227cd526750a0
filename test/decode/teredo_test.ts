import assert from "node:assert/strict";
import { Layer, Tunnel } from "../../src/decode/packet.ts";
import {
  assertCutSafe,
  bytes,
  decodeBytes,
  ethIpv4Udp,
  filler,
  icmp6,
  ip4,
  ipv6,
} from "./frames.ts";

const inner = (hlim = 21) => ipv6({ nh: 58, hlim }, icmp6(128, 0, [0, 1, 0, 1], filler(8)));

Deno.test("teredo: bare IPv6 in UDP 3544", () => {
  const frame = ethIpv4Udp(3544, 50000, inner());
  const p = decodeBytes(frame);
  assert.equal(
    p.layers,
    Layer.ETHERNET | Layer.IPV4 | Layer.UDP | Layer.TEREDO | Layer.IPV6 | Layer.ICMPV6,
  );
  assert.equal(p.tunnel, Tunnel.TEREDO);
  assert.equal(p.outerL3Offset, 14);
  assert.equal(p.l3Offset, 42);
  assert.equal(p.ttl, 21);
  assert.equal(p.icmpType, 128);
  assert.equal(p.srcPort, 0);
  assertCutSafe(frame);
});

Deno.test("teredo: origin indication and authentication headers", () => {
  const origin = bytes(0, 0, 0x12, 0x34, ip4("1.2.3.4"));
  const p = decodeBytes(ethIpv4Udp(50000, 3544, bytes(origin, inner())));
  assert.equal(p.tunnel, Tunnel.TEREDO);
  assert.equal(p.l3Offset, 42 + 8);
  const auth = bytes(0, 1, 2, 3, [0xaa, 0xbb], [1, 2, 3], filler(8), 0);
  const frame = ethIpv4Udp(3544, 3544, bytes(auth, origin, inner()));
  const q = decodeBytes(frame);
  assert.equal(q.tunnel, Tunnel.TEREDO);
  assert.equal(q.l3Offset, 42 + auth.length + 8);
  assertCutSafe(frame);
});

Deno.test("teredo: what fails the checks stays plain UDP", () => {
  const payloads = [
    bytes(inner(), 0), // length mismatch
    inner(0), // hop limit 0
    bytes(0, 2, filler(6), inner()), // neither origin indication nor authentication
    ipv6({ nh: 0, payloadLength: 4 }, filler(4)), // hop-by-hop with a tiny payload
    filler(60, 0x45), // not IPv6
    filler(30, 0x60), // too short
  ];
  for (const payload of payloads) {
    const p = decodeBytes(ethIpv4Udp(3544, 1024, payload));
    assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.UDP);
    assert.equal(p.tunnel, Tunnel.NONE);
    assert.equal(p.payloadLen, payload.length);
  }
  const otherPort = decodeBytes(ethIpv4Udp(3545, 1024, inner()));
  assert.equal(otherPort.tunnel, Tunnel.NONE);
  assert.equal(otherPort.layers & Layer.IPV6, 0);
});
