import assert from "node:assert/strict";
import { Packet } from "../../src/decode/packet.ts";
import {
  eveProtoName,
  fastLogProtoName,
  formatIpv4,
  formatIpv6,
  formatMac,
  IP_PROTO_NAMES,
  ipProtoName,
  packetDstIp,
  packetSrcIp,
} from "../../src/output/ip_format.ts";
import { v6 } from "./_frames.ts";

Deno.test("formatIpv4: dotted quad from a u32, signed or unsigned", () => {
  assert.equal(formatIpv4(0x0a0a0002), "10.10.0.2");
  assert.equal(formatIpv4(0), "0.0.0.0");
  assert.equal(formatIpv4(0xffffffff), "255.255.255.255");
  assert.equal(formatIpv4(0xc6336402 | 0), "198.51.100.2"); // int32 from bit operations
});

Deno.test("formatIpv6: Suricata's full uncompressed lowercase form, never ::", () => {
  const a = new Uint8Array([0xaa, ...v6(0xfd00, 0x77, 0, 0, 0, 0, 0, 2)]);
  assert.equal(formatIpv6(a, 1), "fd00:0077:0000:0000:0000:0000:0000:0002");
  assert.equal(
    formatIpv6(new Uint8Array(v6(0, 0, 0, 0, 0, 0, 0, 1)), 0),
    "0000:0000:0000:0000:0000:0000:0000:0001",
  );
  assert.equal(
    formatIpv6(new Uint8Array(v6(0xff02, 0, 0, 0, 0, 1, 0xff00, 2)), 0),
    "ff02:0000:0000:0000:0000:0001:ff00:0002",
  );
  const mapped = new Uint8Array([...v6(0, 0, 0, 0, 0, 0xffff), 192, 0, 2, 1]);
  assert.equal(formatIpv6(mapped, 0), "0000:0000:0000:0000:0000:ffff:c000:0201");
  assert.equal(formatIpv6(new Uint8Array(16).fill(0xab), 0).length, 39);
});

Deno.test("formatMac: lowercase, colon-separated", () => {
  assert.equal(
    formatMac(new Uint8Array([0, 0xfe, 0x2d, 0xcf, 0xad, 0x28, 0x54]), 1),
    "fe:2d:cf:ad:28:54",
  );
});

Deno.test("packetSrcIp/packetDstIp: by ipVersion, IPv6 from frame offsets", () => {
  const p = new Packet();
  assert.equal(packetSrcIp(p), undefined);
  p.ipVersion = 4;
  p.src4 = 0x01020304;
  p.dst4 = 0x05060708;
  assert.equal(packetSrcIp(p), "1.2.3.4");
  assert.equal(packetDstIp(p), "5.6.7.8");
  const frame = new Uint8Array(100);
  frame.set(v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), 50 + 8);
  frame.set(v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2), 50 + 24);
  p.data = frame;
  p.frameOffset = 50; // the frame starts at 50 in the buffer
  p.ipVersion = 6;
  p.src6Offset = 8;
  p.dst6Offset = 24;
  assert.equal(packetSrcIp(p), "2001:0db8:0000:0000:0000:0000:0000:0001");
  assert.equal(packetDstIp(p), "2001:0db8:0000:0000:0000:0000:0000:0002");
});

Deno.test("protocol names: Suricata 7's known_proto table", () => {
  assert.equal(IP_PROTO_NAMES.length, 144);
  assert.equal(ipProtoName(1), "ICMP");
  assert.equal(ipProtoName(6), "TCP");
  assert.equal(ipProtoName(17), "UDP");
  assert.equal(ipProtoName(47), "GRE");
  assert.equal(ipProtoName(58), "IPv6-ICMP");
  assert.equal(ipProtoName(132), "SCTP");
  assert.equal(ipProtoName(2), "IGMP");
  assert.equal(ipProtoName(143), "Ethernet");
  assert.equal(ipProtoName(144), undefined);
  assert.equal(eveProtoName(6), "TCP");
  assert.equal(eveProtoName(200), "200");
  assert.equal(fastLogProtoName(58), "IPv6-ICMP");
  assert.equal(fastLogProtoName(200), "PROTO:200");
});
