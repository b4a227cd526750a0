import assert from "node:assert/strict";
import { Layer, Tunnel } from "../../src/decode/packet.ts";
import {
  assertCutSafe,
  be16,
  bytes,
  decodeBytes,
  ethernet,
  ethIpv4Udp,
  eventNames,
  filler,
  ip4Value,
  ipv4,
  tcp,
} from "./frames.ts";

const header = (flags = 0x08, reserved = 0) => bytes(flags, 0, 0, 0, 0, 0x12, 0x34, reserved);

Deno.test("vxlan: inner Ethernet/IPv4/TCP wins", () => {
  const inner = ethernet(
    0x0800,
    ipv4({ proto: 6, src: "192.168.7.7" }, tcp({ sp: 3333, dp: 22 }, filler(4))),
  );
  const frame = ethIpv4Udp(54321, 4789, bytes(header(), inner), { src: "203.0.113.5" });
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.UDP | Layer.VXLAN | Layer.TCP);
  assert.equal(p.tunnel, Tunnel.VXLAN);
  assert.equal(p.outerL3Offset, 14);
  assert.equal(p.l3Offset, 14 + 20 + 8 + 8 + 14);
  assert.equal(p.src4, ip4Value("192.168.7.7"));
  assert.equal(p.srcPort, 3333);
  assert.equal(p.udpLen, 0, "outer UDP fields are cleared");
  assert.equal(p.payloadLen, 4);
  assertCutSafe(frame);
});

Deno.test("vxlan: source port 4789 counts too; inner VLAN", () => {
  const inner = ethernet(0x8100, bytes(be16(42), be16(0x0800), ipv4({ proto: 6 }, tcp({}))));
  const frame = ethIpv4Udp(4789, 1000, bytes(header(), inner));
  const p = decodeBytes(frame);
  assert.equal(
    p.layers & (Layer.VXLAN | Layer.VLAN | Layer.TCP),
    Layer.VXLAN | Layer.VLAN | Layer.TCP,
  );
  assert.equal(p.vlanId0, 42);
  assertCutSafe(frame);
});

Deno.test("vxlan: ARP inside, and an unknown inner type", () => {
  const arp = ethernet(0x0806, bytes(be16(1), be16(0x0800), 6, 4, be16(2), filler(20)));
  const p = decodeBytes(ethIpv4Udp(1, 4789, bytes(header(), arp)));
  assert.equal(p.layers & (Layer.VXLAN | Layer.ARP), Layer.VXLAN | Layer.ARP);
  assert.equal(p.arpOp, 2);
  const q = decodeBytes(ethIpv4Udp(1, 4789, bytes(header(), ethernet(0x88cc, filler(10)))));
  assert.deepEqual(eventNames(q), ["vxlan.unknown_payload_type"]);
});

Deno.test("vxlan: without the I flag, or too short, it is plain UDP", () => {
  const inner = ethernet(0x0800, ipv4({ proto: 6 }, tcp({})));
  for (const payload of [bytes(header(0x00), inner), bytes(header(0x08, 1), inner), filler(21)]) {
    const p = decodeBytes(ethIpv4Udp(1, 4789, payload));
    assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.UDP);
    assert.equal(p.dstPort, 4789);
    assert.equal(p.payloadLen, payload.length);
  }
});
