import assert from "node:assert/strict";
import { Ip4Opt } from "../../src/decode/ipv4.ts";
import { FragFlag, Layer, Tunnel } from "../../src/decode/packet.ts";
import {
  assertCutSafe,
  be16,
  bytes,
  checksum,
  decodeBytes,
  ethernet,
  ethIpv4Tcp,
  eventNames,
  filler,
  ip4Value,
  ipv4,
  type Ipv4Options,
  ipv6,
  tcp,
  udp,
} from "./frames.ts";

const eth4 = (o: Ipv4Options, payload: Uint8Array) => ethernet(0x0800, ipv4(o, payload));

Deno.test("ipv4: header fields", () => {
  const frame = ethIpv4Tcp(
    { src: "172.16.1.2", dst: "8.8.4.4", ttl: 33, tos: 0x28, id: 0xbeef, flags: 0x4000 },
    {},
    filler(7),
  );
  assert.equal(checksum(frame.subarray(14, 34)), 0, "builder makes a valid header checksum");
  const p = decodeBytes(frame);
  assert.equal(p.ipVersion, 4);
  assert.equal(p.ipHeaderLen, 20);
  assert.equal(p.ipTotalLen, 20 + 20 + 7);
  assert.equal(p.ipProto, 6);
  assert.equal(p.ttl, 33);
  assert.equal(p.tos, 0x28);
  assert.equal(p.ipId, 0xbeef);
  assert.equal(p.fragFlags, FragFlag.DF);
  assert.equal(p.fragOffset, 0);
  assert.equal(p.src4, ip4Value("172.16.1.2"));
  assert.equal(p.dst4, ip4Value("8.8.4.4"));
  assert.equal(p.src6Offset, -1);
  assert.equal(p.outerL3Offset, -1);
  assert.equal(p.tunnel, Tunnel.NONE);
  assert.equal(p.eventCount, 0);
});

Deno.test("ipv4: fragments are flagged and their transport is not decoded", () => {
  const first = eth4({ proto: 6, flags: 0x2000 }, tcp({ dp: 80 }, filler(12)));
  const p = decodeBytes(first);
  assert.equal(p.layers & Layer.FRAGMENT, Layer.FRAGMENT);
  assert.equal(p.fragFlags, FragFlag.MF);
  assert.equal(p.l4Offset, -1, "no transport decoding of a fragment");
  assert.equal(p.dstPort, 0);
  assert.equal(p.payloadOffset, 34);
  assert.equal(p.payloadLen, 32);
  // The first fragment does carry TCP: counted in the layer census only.
  assert.equal(p.layers & Layer.TCP, Layer.TCP);
  assertCutSafe(first);
  const later = eth4({ proto: 6, fragOffset: 1480 }, filler(40));
  const q = decodeBytes(later);
  assert.equal(q.fragOffset, 1480);
  assert.equal(q.fragFlags, 0);
  assert.equal(q.layers, Layer.ETHERNET | Layer.IPV4 | Layer.FRAGMENT);
  assert.equal(q.payloadLen, 40);
  const udpLater = decodeBytes(eth4({ proto: 17, fragOffset: 8, flags: 0x2000 }, filler(16)));
  assert.equal(udpLater.layers & Layer.UDP, 0);
});

Deno.test("ipv4: valid options are recorded", () => {
  const rr = [0x07, 7, 4, 0, 0, 0, 0]; // record route, one empty slot
  const ts = [0x44, 12, 5, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]; // timestamps with addresses
  const ra = [0x94, 4, 0, 0]; // router alert
  const options = [...rr, 0x01, ...ts, ...ra, 0x00, 0, 0, 0, 0, 0, 0, 0];
  assert.equal(options.length % 8, 0);
  const frame = eth4({ proto: 17, options }, udp(1, 2, filler(2)));
  const p = decodeBytes(frame);
  assert.equal(p.ipHeaderLen, 20 + options.length);
  assert.equal(p.ip4Options, Ip4Opt.RR | Ip4Opt.NOP | Ip4Opt.TS | Ip4Opt.RTRALT | Ip4Opt.EOL);
  assert.deepEqual(eventNames(p), []);
  assert.equal(p.l4Offset, 14 + 20 + options.length);
  assertCutSafe(frame);
});

Deno.test("ipv4: option anomalies", () => {
  const cases: [number[], string[]][] = [
    [[0x94, 4, 0, 0], ["ipv4.opt_pad_required"]],
    [[0x07, 7, 3, 0, 0, 0, 0, 0], ["ipv4.opt_malformed"]],
    [[0x07, 2, 0x01, 0x01, 0, 0, 0, 0], ["ipv4.opt_invalid_len"]],
    [[0x44, 4, 5, 0, 0, 0, 0, 0], ["ipv4.opt_invalid_len"]],
    [[0x94, 4, 0, 0, 0x94, 4, 0, 0], ["ipv4.opt_duplicate"]],
    [[0x1e, 4, 0, 0, 0, 0, 0, 0], ["ipv4.opt_invalid"]],
    [[0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x82], ["ipv4.opt_eol_required"]],
    [[0x88, 3, 0, 0, 0, 0, 0, 0], ["ipv4.opt_invalid_len"]],
  ];
  for (const [options, events] of cases) {
    const p = decodeBytes(eth4({ proto: 17, options }, udp(1, 2, filler(2))));
    assert.deepEqual(eventNames(p), events, `options ${options}`);
  }
  // A bad option length makes the header invalid, as Suricata.
  const bad = decodeBytes(eth4({ proto: 17, options: [0x07, 40, 4, 0] }, udp(1, 2, filler(2))));
  assert.deepEqual(eventNames(bad), ["ipv4.opt_invalid_len", "ipv4.opt_pad_required"]);
  assert.equal(bad.l3Offset, -1);
  assert.equal(bad.layers & Layer.UDP, 0);
});

Deno.test("ipv4: CIPSO option tags", () => {
  const good = [0x86, 12, 0, 0, 0, 1, 0x01, 6, 0, 0, 0, 0];
  const p = decodeBytes(eth4({ proto: 17, options: good }, udp(1, 2, filler(2))));
  assert.equal(p.ip4Options & Ip4Opt.CIPSO, Ip4Opt.CIPSO);
  assert.deepEqual(eventNames(p), ["ipv4.opt_pad_required"]);
  const badTag = [0x86, 12, 0, 0, 0, 1, 0x03, 6, 0, 0, 0, 0];
  const q = decodeBytes(eth4({ proto: 17, options: badTag }, udp(1, 2, filler(2))));
  assert.deepEqual(eventNames(q), ["ipv4.opt_malformed", "ipv4.opt_pad_required"]);
  assert.equal(q.ip4Options & Ip4Opt.CIPSO, 0);
});

Deno.test("ipv4: header anomalies", () => {
  const tcpSeg = tcp({});
  const cases: [Uint8Array, string][] = [
    [ethernet(0x0800, filler(19, 0x45)), "ipv4.pkt_too_small"],
    [eth4({ version: 5 }, tcpSeg), "ipv4.wrong_ip_version"],
    [eth4({ ihl: 4 }, tcpSeg), "ipv4.hlen_too_small"],
    [eth4({ totalLength: 16 }, tcpSeg), "ipv4.iplen_smaller_than_hlen"],
    [eth4({ totalLength: 200 }, tcpSeg), "ipv4.trunc_pkt"],
    [eth4({ proto: 58 }, filler(8)), "ipv4.icmpv6"],
  ];
  for (const [frame, event] of cases) {
    const p = decodeBytes(frame);
    assert.deepEqual(eventNames(p), [event]);
    assert.ok((p.layers & Layer.IPV4) !== 0);
    if (event !== "ipv4.icmpv6") assert.equal(p.l3Offset, -1, event);
  }
});

Deno.test("ipv4: other protocols: the IP payload is the payload", () => {
  const frame = eth4({ proto: 253 }, filler(11));
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4);
  assert.equal(p.ipProto, 253);
  assert.equal(p.payloadOffset, 34);
  assert.equal(p.payloadLen, 11);
  assert.equal(p.l4Offset, -1);
});

Deno.test("ipv4: SCTP ports and ESP payload", () => {
  const sctp = eth4(
    { proto: 132 },
    bytes(be16(5000), be16(38412), [0, 0, 0, 1], [0, 0, 0, 0], filler(16)),
  );
  const p = decodeBytes(sctp);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.SCTP);
  assert.equal(p.srcPort, 5000);
  assert.equal(p.dstPort, 38412);
  assert.equal(p.payloadLen, 16);
  assertCutSafe(sctp);
  assert.deepEqual(eventNames(decodeBytes(eth4({ proto: 132 }, filler(11)))), [
    "sctp.pkt_too_small",
  ]);
  const esp = eth4({ proto: 50 }, bytes([0, 0, 1, 0], [0, 0, 0, 9], filler(24)));
  const q = decodeBytes(esp);
  assert.equal(q.payloadOffset, 34 + 8);
  assert.equal(q.payloadLen, 24);
  assert.deepEqual(eventNames(decodeBytes(eth4({ proto: 50 }, filler(7)))), ["esp.pkt_too_small"]);
});

Deno.test("ipv4: IPv6-in-IPv4 and IPv4-in-IPv4 tunnels; innermost wins", () => {
  const inner6 = ipv6({ nh: 17, src: "2001:db8::a" }, udp(546, 547, filler(6)));
  const six = eth4({ proto: 41, src: "192.0.2.9" }, inner6);
  const p = decodeBytes(six);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.IPV6 | Layer.UDP);
  assert.equal(p.tunnel, Tunnel.IPV6_IN_IPV4);
  assert.equal(p.outerL3Offset, 14);
  assert.equal(p.l3Offset, 34);
  assert.equal(p.ipVersion, 6);
  assert.equal(p.src4, 0, "outer IPv4 address does not leak into the inner view");
  assert.equal(p.src6Offset, 34 + 8);
  assert.equal(p.dstPort, 547);
  assertCutSafe(six);
  const four = eth4({ proto: 4 }, ipv4({ proto: 6, src: "10.9.9.9" }, tcp({ sp: 7 })));
  const q = decodeBytes(four);
  assert.equal(q.tunnel, Tunnel.IPV4_IN_IPV4);
  assert.equal(q.src4, ip4Value("10.9.9.9"));
  assert.equal(q.srcPort, 7);
  assertCutSafe(four);
});

Deno.test("ipv4: a broken inner header keeps the outer packet", () => {
  const frame = eth4({ proto: 41, src: "192.0.2.9" }, filler(30, 0x60));
  const p = decodeBytes(frame);
  assert.deepEqual(eventNames(p), ["ipv6.pkt_too_small"]);
  assert.equal(p.tunnel, Tunnel.NONE);
  assert.equal(p.l3Offset, 14);
  assert.equal(p.outerL3Offset, -1);
  assert.equal(p.src4, ip4Value("192.0.2.9"));
  assert.equal(p.payloadLen, 30);
});

Deno.test("ipv4: nested tunnels stop at the layer limit", () => {
  let pkt: Uint8Array = tcp({});
  pkt = ipv4({ proto: 6 }, pkt);
  for (let i = 0; i < 10; i++) pkt = ipv4({ proto: 4 }, pkt);
  const p = decodeBytes(ethernet(0x0800, pkt));
  assert.deepEqual(eventNames(p), ["too_many_layers"]);
  assert.equal(p.tunnel, Tunnel.IPV4_IN_IPV4);
  assert.equal(p.layers & Layer.TCP, 0);
});
