import assert from "node:assert/strict";
import { FragFlag, Ip6Ext, Layer, Tunnel } from "../../src/decode/packet.ts";
import {
  assertCutSafe,
  be16,
  bytes,
  decodeBytes,
  ethernet,
  eventNames,
  filler,
  icmp6,
  ip4Value,
  ip6,
  ip6Ext,
  ip6Frag,
  ipv4,
  ipv6,
  type Ipv6Options,
  tcp,
  udp,
} from "./frames.ts";

const eth6 = (o: Ipv6Options, payload: Uint8Array) => ethernet(0x86dd, ipv6(o, payload));
const seg = () => tcp({ sp: 1111, dp: 2222 }, filler(5));

Deno.test("ipv6: header fields", () => {
  const frame = eth6(
    { nh: 6, src: "2001:db8::10", dst: "fe80::1", hlim: 7, tc: 0xb8, flow: 0x12345 },
    seg(),
  );
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV6 | Layer.TCP);
  assert.equal(p.ipVersion, 6);
  assert.equal(p.ipHeaderLen, 40);
  assert.equal(p.ipTotalLen, 40 + 25);
  assert.equal(p.ipProto, 6);
  assert.equal(p.ttl, 7);
  assert.equal(p.tos, 0xb8);
  assert.equal(p.ip6FlowLabel, 0x12345);
  assert.equal(p.src6Offset, 22);
  assert.equal(p.dst6Offset, 38);
  assert.deepEqual(
    Array.from(frame.subarray(p.src6Offset, p.src6Offset + 16)),
    ip6("2001:db8::10"),
  );
  assert.equal(p.src4, 0);
  assert.equal(p.srcPort, 1111);
  assert.equal(p.payloadLen, 5);
  assert.equal(p.eventCount, 0);
  assertCutSafe(frame);
});

Deno.test("ipv6: hop-by-hop, routing and destination options then TCP", () => {
  const hbh = ip6Ext(43, [0x05, 2, 0, 0]); // router alert
  const rh = bytes(60, 2, 2, 1, [0, 0, 0, 0], ip6("2001:db8::99")); // type 2, 1 segment left
  const dst = ip6Ext(6, [0xc9, 16, ...ip6("2001:db8::5")]); // home address option
  const ext = bytes(hbh, rh, dst);
  const frame = eth6({ nh: 0, l4Offset: ext.length, l4Proto: 6 }, bytes(ext, seg()));
  const p = decodeBytes(frame);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV6 | Layer.TCP);
  assert.equal(p.ip6Exthdrs, Ip6Ext.HOP_BY_HOP | Ip6Ext.ROUTING | Ip6Ext.DESTINATION);
  assert.equal(p.ipHeaderLen, 40 + ext.length);
  assert.equal(p.ipProto, 6);
  assert.equal(p.l4Offset, 14 + 40 + ext.length);
  assert.equal(p.dstPort, 2222);
  assert.deepEqual(eventNames(p), []);
  assertCutSafe(frame);
});

Deno.test("ipv6: fragment header flags the packet and stops there", () => {
  const first = eth6({ nh: 44 }, bytes(ip6Frag(6, 0, true, 0x01020304), seg()));
  const p = decodeBytes(first);
  assert.equal(p.layers & Layer.FRAGMENT, Layer.FRAGMENT);
  assert.equal(p.layers & Layer.TCP, Layer.TCP, "first fragment: census only");
  assert.equal(p.l4Offset, -1);
  assert.equal(p.ipId, 0x01020304);
  assert.equal(p.fragFlags, FragFlag.MF);
  assert.equal(p.ipProto, 6);
  assert.equal(p.ip6Exthdrs, Ip6Ext.FRAGMENT);
  assert.equal(p.ipHeaderLen, 48);
  assert.equal(p.payloadOffset, 14 + 48);
  assert.equal(p.payloadLen, 25);
  assert.deepEqual(eventNames(p), ["ipv6.frag_invalid_length"]);
  assertCutSafe(first);
  const later = decodeBytes(eth6({ nh: 44 }, bytes(ip6Frag(17, 1232, false), filler(16))));
  assert.equal(later.fragOffset, 1232);
  assert.equal(later.layers, Layer.ETHERNET | Layer.IPV6 | Layer.FRAGMENT);
  assert.deepEqual(eventNames(later), []);
});

Deno.test("ipv6: a useless fragment header is decoded through", () => {
  const frame = eth6(
    { nh: 44, l4Offset: 8, l4Proto: 17 },
    bytes(ip6Frag(17, 0, false), udp(1, 2, filler(3))),
  );
  const p = decodeBytes(frame);
  assert.deepEqual(eventNames(p), ["ipv6.exthdr_useless_fh"]);
  assert.equal(p.layers & Layer.FRAGMENT, 0);
  assert.equal(p.layers & Layer.UDP, Layer.UDP);
  assert.equal(p.dstPort, 2);
  assertCutSafe(frame);
});

Deno.test("ipv6: AH is skipped by its length, ESP stops, no-next-header", () => {
  const ah = bytes(6, 4, [0, 0], [0, 0, 0, 1], [0, 0, 0, 1], filler(12));
  const frame = eth6({ nh: 51, l4Offset: ah.length, l4Proto: 6 }, bytes(ah, seg()));
  const p = decodeBytes(frame);
  assert.equal(p.ip6Exthdrs, Ip6Ext.AH);
  assert.equal(p.layers & Layer.TCP, Layer.TCP);
  assert.equal(p.l4Offset, 14 + 40 + 24);
  assertCutSafe(frame);
  const esp = decodeBytes(eth6({ nh: 50 }, filler(40)));
  assert.equal(esp.ip6Exthdrs, Ip6Ext.ESP);
  assert.equal(esp.payloadOffset, 14 + 48);
  assert.equal(esp.payloadLen, 32);
  const none = decodeBytes(eth6({ nh: 59 }, new Uint8Array(0)));
  assert.equal(none.ip6Exthdrs, Ip6Ext.NONE);
  assert.deepEqual(eventNames(none), []);
  const noneData = decodeBytes(eth6({ nh: 59 }, filler(4)));
  assert.deepEqual(eventNames(noneData), ["ipv6.data_after_none_header"]);
});

Deno.test("ipv6: extension header anomalies", () => {
  const padOnly = ip6Ext(59, [0x01, 4, 0, 0, 0, 0]);
  const cases: [number, Uint8Array, string[]][] = [
    [0, bytes(padOnly), ["ipv6.hopopts_only_padding"]],
    [60, bytes(padOnly), ["ipv6.dstopts_only_padding"]],
    [0, ip6Ext(59, [0x01, 0, 0x3e, 2, 0, 0]), ["ipv6.hopopts_unknown_opt", "ipv6.zero_len_padn"]],
    [60, ip6Ext(59, [0x3e, 4, 0, 0, 0, 0]), ["ipv6.dstopts_unknown_opt"]],
    [0, ip6Ext(59, [0x05, 9, 0, 0, 0, 0]), ["ipv6.exthdr_invalid_optlen"]],
    [0, ip6Ext(59, [0x05, 1, 0, 0, 0, 0]), ["ipv6.exthdr_invalid_optlen"]],
    [43, bytes(59, 0, 0, 0, [0, 0, 0, 0]), ["ipv6.rh_type_0"]],
    [43, bytes(43, 0, 2, 0, [0, 0, 0, 0], 59, 0, 2, 0, [0, 0, 0, 0]), ["ipv6.exthdr_dupl_rh"]],
    [0, bytes(ip6Ext(0, [1, 4, 0, 0, 0, 0]), ip6Ext(59, [1, 4, 0, 0, 0, 0])), [
      "ipv6.exthdr_dupl_hh",
      "ipv6.hopopts_only_padding",
    ]],
    [
      60,
      bytes(
        ip6Ext(60, [0xc2, 4, 0, 0, 0, 0]),
        ip6Ext(60, [0xc2, 4, 0, 0, 0, 0]),
        ip6Ext(59, [
          0xc2,
          4,
          0,
          0,
          0,
          0,
        ]),
      ),
      ["ipv6.exthdr_dupl_dh"],
    ],
    [44, bytes(ip6Frag(44, 0, false), ip6Frag(59, 0, false)), [
      "ipv6.exthdr_dupl_fh",
      "ipv6.exthdr_useless_fh",
    ]],
    [44, bytes(59, 1, 0, 0, [0, 0, 0, 0]), [
      "ipv6.exthdr_useless_fh",
      "ipv6.fh_non_zero_reserved_field",
    ]],
    [51, bytes(59, 1, 0, 1, [0, 0, 0, 0], [0, 0, 0, 0]), ["ipv6.exthdr_ah_res_not_null"]],
    [0, bytes(6, 3, 0, 0), ["ipv6.trunc_exthdr"]],
    [0, bytes(6), ["ipv6.trunc_exthdr"]],
    [0, bytes(ip6Ext(6, [1, 4, 0, 0, 0, 0]), 0x99), [
      "ipv6.hopopts_only_padding",
      "ipv6.trunc_exthdr",
    ]],
    [0, bytes(ip6Ext(99, [1, 4, 0, 0, 0, 0]), filler(8)), [
      "ipv6.hopopts_only_padding",
      "ipv6.unknown_next_header",
    ]],
    [1, filler(8), ["ipv6.icmpv4"]],
  ];
  for (const [nh, payload, events] of cases) {
    const p = decodeBytes(eth6({ nh }, payload));
    assert.deepEqual(eventNames(p), events, `nh ${nh}: ${events}`);
  }
});

Deno.test("ipv6: header anomalies", () => {
  const p = decodeBytes(ethernet(0x86dd, filler(39, 0x60)));
  assert.deepEqual(eventNames(p), ["ipv6.pkt_too_small"]);
  const q = decodeBytes(eth6({ version: 4 }, seg()));
  assert.deepEqual(eventNames(q), ["ipv6.wrong_ip_version"]);
  const r = decodeBytes(eth6({ payloadLength: 100 }, seg()));
  assert.deepEqual(eventNames(r), ["ipv6.trunc_pkt"]);
  assert.equal(r.l3Offset, -1);
  assert.equal(r.layers, Layer.ETHERNET | Layer.IPV6);
});

Deno.test("ipv6: IPv4-in-IPv6 and IPv6-in-IPv6 tunnels", () => {
  const four = eth6({ nh: 4 }, ipv4({ proto: 17, src: "10.1.1.1" }, udp(53, 53, filler(9))));
  const p = decodeBytes(four);
  assert.equal(p.layers, Layer.ETHERNET | Layer.IPV6 | Layer.IPV4 | Layer.UDP);
  assert.equal(p.tunnel, Tunnel.IPV4_IN_IPV6);
  assert.equal(p.outerL3Offset, 14);
  assert.equal(p.src4, ip4Value("10.1.1.1"));
  assert.equal(p.src6Offset, -1);
  assertCutSafe(four);
  const six = eth6({ nh: 41 }, ipv6({ nh: 58, hlim: 255 }, icmp6(128, 0, [0, 1, 0, 2], filler(4))));
  const q = decodeBytes(six);
  assert.equal(q.tunnel, Tunnel.IPV6_IN_IPV6);
  assert.equal(q.l3Offset, 54);
  assert.equal(q.icmpType, 128);
  assert.equal(q.ttl, 255);
  assertCutSafe(six);
  assert.deepEqual(eventNames(decodeBytes(eth6({ nh: 4 }, filler(19, 0x45)))), [
    "ipv6.ipv4_in_ipv6_too_small",
  ]);
  assert.deepEqual(eventNames(decodeBytes(eth6({ nh: 4 }, filler(20, 0x65)))), [
    "ipv6.ipv4_in_ipv6_wrong_version",
  ]);
  assert.deepEqual(eventNames(decodeBytes(eth6({ nh: 41 }, filler(39, 0x60)))), [
    "ipv6.ipv6_in_ipv6_too_small",
  ]);
  assert.deepEqual(eventNames(decodeBytes(eth6({ nh: 41 }, filler(40, 0x45)))), [
    "ipv6.ipv6_in_ipv6_wrong_version",
  ]);
});

Deno.test("ipv6: trailing bytes past the payload length are ignored", () => {
  const frame = bytes(eth6({ nh: 17 }, udp(9, 9, filler(2))), [0xde, 0xad, 0xbe, 0xef]);
  const p = decodeBytes(frame);
  assert.equal(p.ipTotalLen, 50);
  assert.equal(p.payloadLen, 2);
  assert.equal(p.payloadOffset + p.payloadLen, 14 + 50);
  assert.deepEqual(be16(p.dstPort), [0, 9]);
});
