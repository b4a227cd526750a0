// Unit tests of the EVE record builder on hand-made frames. The byte-for-byte
// comparison with Suricata's own output is in eve_fixtures_test.ts; these cover
// what the fixtures do not (QinQ, unnamed protocols, escaping, optional fields).

import assert from "node:assert/strict";
import { Tunnel } from "../../src/decode/packet.ts";
import {
  alertActionOf,
  type AlertInfo,
  alertRecord,
  anomalyRecord,
  decoderAnomaly,
  payloadPrintable,
  ruleDrops,
  ruleMetadata,
  tunnelInfo,
  tunnelPktSrc,
} from "../../src/output/eve_record.ts";
import { packetFromFrame } from "./_frame_decoder.ts";
import { ascii, cat, eth, ipv4, ipv6, tcpPacket, udp, v6 } from "./_frames.ts";

const ALERT: AlertInfo = {
  action: "allowed",
  gid: 1,
  signatureId: 42,
  rev: 3,
  signature: "TEST",
  category: "Misc activity",
  severity: 3,
};

const ts = { linkType: 1, tsSec: 1562318017, tsNsec: 460702000 };

Deno.test("alert: header fields in Suricata's order for a plain TCP packet", () => {
  const line = alertRecord(tcpPacket(ascii("GET /")), 7, ALERT);
  const r = JSON.parse(line);
  assert.deepEqual(Object.keys(r), [
    "timestamp",
    "pcap_cnt",
    "event_type",
    "src_ip",
    "src_port",
    "dest_ip",
    "dest_port",
    "proto",
    "pkt_src",
    "alert",
  ]);
  assert.equal(r.pcap_cnt, 7);
  assert.equal(r.src_ip, "10.0.0.1");
  assert.equal(r.dest_port, 80);
  assert.equal(r.proto, "TCP");
  assert.equal(r.pkt_src, "wire/pcap");
  assert.deepEqual(Object.keys(r.alert), [
    "action",
    "gid",
    "signature_id",
    "rev",
    "signature",
    "category",
    "severity",
  ]);
  assert.match(r.timestamp, /^2019-07-0\dT\d\d:\d3:37\.460702[+-]\d{4}$/);
  assert.equal(line, JSON.stringify(r), "compact JSON, no spaces between fields");
});

Deno.test("alert: live capture has no pcap_cnt; in_iface and flow facts go in their places", () => {
  const p = tcpPacket(ascii("hello"));
  const r = JSON.parse(alertRecord(p, 0, ALERT, {
    flowId: 1234567890123456789n,
    parentId: 5,
    inIface: "eth0",
    vars: { flowbits: ["seen"] },
    communityId: "1:abc=",
    txId: 2,
    txGuessed: true,
    appLayer: { http: { hostname: "h" } },
    files: [{ filename: "f" }],
    appProto: "http",
    appProtoTs: "http",
    appProtoTc: "failed",
    appProtoOrig: "tls",
    appProtoExpected: "ftp",
    direction: "to_server",
    flow: {
      pktsToServer: 3,
      pktsToClient: 2n,
      bytesToServer: 300,
      bytesToClient: 200,
      startSec: 1562318016,
      startNsec: 0,
    },
    verdict: { action: "drop" },
  }));
  assert.deepEqual(Object.keys(r), [
    "timestamp",
    "flow_id",
    "parent_id",
    "in_iface",
    "event_type",
    "src_ip",
    "src_port",
    "dest_ip",
    "dest_port",
    "proto",
    "pkt_src",
    "metadata",
    "community_id",
    "tx_id",
    "tx_guessed",
    "alert",
    "http",
    "files",
    "app_proto",
    "app_proto_ts",
    "app_proto_tc",
    "app_proto_orig",
    "app_proto_expected",
    "direction",
    "flow",
    "verdict",
  ]);
  assert.deepEqual(Object.keys(r.flow), [
    "pkts_toserver",
    "pkts_toclient",
    "bytes_toserver",
    "bytes_toclient",
    "start",
    "src_ip",
    "dest_ip",
    "src_port",
    "dest_port",
  ]);
  assert.deepEqual([r.flow.src_ip, r.flow.src_port, r.flow.dest_ip, r.flow.dest_port], [
    "10.0.0.1",
    1234,
    "10.0.0.2",
    80,
  ]);
});

Deno.test("alert: flow_id keeps all 64 bits", () => {
  const line = alertRecord(tcpPacket(ascii("x")), 1, ALERT, { flowId: 18446744073709551615n });
  assert.match(line, /"flow_id":18446744073709551615,/);
});

Deno.test("alert: a to_client packet shows the flow from the client's side", () => {
  const r = JSON.parse(alertRecord(tcpPacket(ascii("x")), 1, ALERT, {
    direction: "to_client",
    flow: {
      pktsToServer: 1,
      pktsToClient: 1,
      bytesToServer: 1,
      bytesToClient: 1,
      startSec: 1,
      startNsec: 0,
    },
  }));
  assert.equal(r.direction, "to_client");
  assert.deepEqual([r.flow.src_ip, r.flow.src_port, r.flow.dest_ip, r.flow.dest_port], [
    "10.0.0.2",
    80,
    "10.0.0.1",
    1234,
  ]);
});

Deno.test("alert: one, two and three VLAN ids", () => {
  assert.deepEqual(JSON.parse(alertRecord(tcpPacket(ascii("x"), { vlans: [6] }), 1, ALERT)).vlan, [
    6,
  ]);
  assert.deepEqual(
    JSON.parse(alertRecord(tcpPacket(ascii("x"), { vlans: [100, 200] }), 1, ALERT)).vlan,
    [100, 200],
  );
  const three = JSON.parse(alertRecord(tcpPacket(ascii("x"), { vlans: [1, 2, 4095] }), 1, ALERT));
  assert.deepEqual(three.vlan, [1, 2, 4095]);
  assert.deepEqual(Object.keys(three).slice(0, 4), ["timestamp", "pcap_cnt", "event_type", "vlan"]);
});

Deno.test("alert: a protocol Suricata has no name for is its number, without ports", () => {
  const f = cat(eth(0x0800), ipv4([1, 1, 1, 1], [2, 2, 2, 2], 200, 4), [1, 2, 3, 4]);
  const r = JSON.parse(alertRecord(packetFromFrame(f, ts), 1, ALERT));
  assert.equal(r.proto, "200");
  assert.equal(r.src_port, undefined);
  assert.equal(r.icmp_type, undefined);
});

Deno.test("alert: IPv6 UDP in full address form", () => {
  const payload = ascii("abc");
  const f = cat(
    eth(0x86dd),
    ipv6(v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), v6(0xfe80, 0, 0, 0, 0, 0, 0, 0x1234), 17, 8 + 3),
    udp(5353, 53, 3),
    payload,
  );
  const r = JSON.parse(
    alertRecord(packetFromFrame(f, ts), 9, ALERT, {}, { payload: true, payloadPrintable: true }),
  );
  assert.equal(r.src_ip, "2001:0db8:0000:0000:0000:0000:0000:0001");
  assert.equal(r.dest_ip, "fe80:0000:0000:0000:0000:0000:0000:1234");
  assert.equal(r.proto, "UDP");
  assert.equal(r.payload, "YWJj");
  assert.equal(r.payload_printable, "abc");
  assert.equal(r.stream, 0);
});

Deno.test("alert: messages and categories are JSON-escaped like Suricata's JsonBuilder", () => {
  const msg = 'q"b\\s/\t\n\r\b\f\x01\x1f\x7f \u00e9';
  const line = alertRecord(tcpPacket(ascii("x")), 1, { ...ALERT, signature: msg, category: 'a"b' });
  assert.ok(line.includes('"signature":"q\\"b\\\\s/\\t\\n\\r\\b\\f\\u0001\\u001f\x7f \u00e9"'));
  assert.equal(JSON.parse(line).alert.signature, msg);
  assert.ok(line.includes('"category":"a\\"b"'));
});

Deno.test("alert: no classtype is an empty category; rule metadata in Suricata's order", () => {
  const md = ruleMetadata([["zeta", "1"], ["alpha", "2"], ["mid", "3"], ["alpha", "4"], [
    "Beta",
    "5",
  ], ["zeta", "6"]]);
  const line = alertRecord(tcpPacket(ascii("x")), 1, { ...ALERT, category: null, metadata: md });
  assert.ok(
    line.includes(
      '"category":"","severity":3,"metadata":{"alpha":["4","2"],"Beta":["5"],"mid":["3"],"zeta":["6","1"]}}',
    ),
  );
  // Metadata can be switched off like Suricata's `metadata: no`.
  assert.ok(
    !alertRecord(tcpPacket(ascii("x")), 1, { ...ALERT, metadata: md }, {}, { ruleMetadata: false })
      .includes("metadata"),
  );
  // Integer-like keys keep their order when given as entries.
  const numeric = alertRecord(tcpPacket(ascii("x")), 1, {
    ...ALERT,
    metadata: [["b", ["1"]], ["10", ["2"]]],
  });
  assert.ok(numeric.includes('"metadata":{"b":["1"],"10":["2"]}'));
  // An empty metadata is left out.
  assert.ok(
    !alertRecord(tcpPacket(ascii("x")), 1, { ...ALERT, metadata: {} }).includes("metadata"),
  );
});

Deno.test("ruleMetadata: keys case-insensitively sorted and merged, values of a key reversed", () => {
  assert.deepEqual(
    ruleMetadata([["former_category", "TEST"], ["created_at", "2024_01_01"], ["tag", "a"], [
      "tag",
      "b",
    ]]),
    [["created_at", ["2024_01_01"]], ["former_category", ["TEST"]], ["tag", ["b", "a"]]],
  );
  assert.deepEqual(ruleMetadata([["Key", "1"], ["key", "2"]]), [["key", ["2", "1"]]]);
  assert.deepEqual(ruleMetadata([]), []);
});

Deno.test("alert: rule text only with the rule option", () => {
  const a = { ...ALERT, rule: 'alert ip any any -> any any (msg:"TEST"; sid:42;)' };
  assert.ok(!alertRecord(tcpPacket(ascii("x")), 1, a).includes('"rule"'));
  const r = JSON.parse(alertRecord(tcpPacket(ascii("x")), 1, a, {}, { rule: true }));
  assert.equal(Object.keys(r.alert).at(-1), "rule");
});

Deno.test("alertActionOf / ruleDrops: Suricata's action mapping", () => {
  assert.equal(alertActionOf("alert", true), "allowed");
  assert.equal(alertActionOf("drop", false), "allowed");
  assert.equal(alertActionOf("drop", true), "blocked");
  assert.equal(alertActionOf("reject", false), "blocked");
  assert.equal(alertActionOf("rejectboth", true), "blocked");
  assert.equal(ruleDrops("drop"), true);
  assert.equal(ruleDrops("rejectsrc"), true);
  assert.equal(ruleDrops("alert"), false);
  assert.equal(ruleDrops("pass"), false);
});

Deno.test("payload: base64 of every length, printable keeps \\n \\r and dots the rest", () => {
  for (
    const [s, b64] of [["", undefined], ["a", "YQ=="], ["ab", "YWI="], ["abc", "YWJj"], [
      "abcd",
      "YWJjZA==",
    ]] as const
  ) {
    const r = JSON.parse(
      alertRecord(tcpPacket(ascii(s)), 1, ALERT, {}, { payload: true, payloadPrintable: true }),
    );
    assert.equal(r.payload, b64);
    assert.equal(r.payload_printable, s);
  }
  const bytes = new Uint8Array([0x00, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff, 0x41]);
  assert.equal(payloadPrintable(bytes, 0, bytes.length), "..\n\r. ~...A");
  assert.equal(payloadPrintable(bytes, 5, 7), " ~");
});

Deno.test("payload: stream alerts log the stream data, or the packet's when there is none", () => {
  const p = tcpPacket(ascii("pkt"));
  const o = { payload: true, payloadPrintable: true };
  let r = JSON.parse(
    alertRecord(p, 1, ALERT, { stream: true, streamPayload: ascii("stream data") }, o),
  );
  assert.deepEqual([r.payload_printable, r.stream], ["stream data", 1]);
  r = JSON.parse(alertRecord(p, 1, ALERT, { stream: true }, o));
  assert.deepEqual([r.payload_printable, r.stream], ["pkt", 1]);
  // No data at all: neither payload field, only stream.
  r = JSON.parse(alertRecord(tcpPacket(new Uint8Array(0)), 1, ALERT, { stream: true }, o));
  assert.deepEqual([r.payload, r.payload_printable, r.stream], [undefined, undefined, 1]);
  // Only TCP alerts can be stream alerts.
  const f = cat(eth(0x0800), ipv4([1, 1, 1, 1], [2, 2, 2, 2], 17, 8 + 2), udp(1, 2, 2), [
    0x41,
    0x42,
  ]);
  r = JSON.parse(alertRecord(packetFromFrame(f, ts), 1, ALERT, { stream: true }, o));
  assert.deepEqual([r.payload_printable, r.stream], ["AB", 0]);
  // Only one of the two payload fields when only one is asked for.
  r = JSON.parse(alertRecord(p, 1, ALERT, {}, { payloadPrintable: true }));
  assert.deepEqual(Object.keys(r).slice(-2), ["payload_printable", "stream"]);
});

Deno.test("packet, packet_info, ether, verdict with reject, host and pcap_filename", () => {
  const p = tcpPacket(ascii("x"));
  const r = JSON.parse(alertRecord(p, 1, ALERT, {
    verdict: { action: "alert", rejectTarget: "to_client", reject: ["tcp-reset"] },
  }, { packet: true, ethernet: true, sensorName: "s1", pcapFilename: "/tmp/a.pcap" }));
  assert.deepEqual(Object.keys(r).slice(-5), [
    "packet",
    "packet_info",
    "verdict",
    "host",
    "pcap_filename",
  ]);
  assert.deepEqual(r.ether, { src_mac: "02:00:00:00:00:01", dest_mac: "02:00:00:00:00:02" });
  assert.equal(atob(r.packet).length, p.capLen);
  assert.deepEqual(r.packet_info, { linktype: 1 });
  assert.deepEqual(r.verdict, {
    action: "alert",
    "reject-target": "to_client",
    reject: ["tcp-reset"],
  });
});

Deno.test("tunnel: inner packet logged as Suricata's pseudo-packet, outer in tunnel{}", () => {
  // Ethernet / VLAN 6 / IPv4 1.1.1.2 -> 1.1.1.1 GRE / IPv4 2.2.2.3 -> 2.2.2.2 UDP 12345 -> 514 "EVIL"
  const inner = cat(ipv4([2, 2, 2, 3], [2, 2, 2, 2], 17, 12), udp(12345, 514, 4), ascii("EVIL"));
  const f = cat(eth(0x0800, [6]), ipv4([1, 1, 1, 2], [1, 1, 1, 1], 47, 4 + inner.length), [
    0,
    0,
    8,
    0,
  ], inner);
  const p = packetFromFrame(f, { ...ts, decapsulate: true });
  assert.equal(p.tunnel, Tunnel.GRE);
  const t = tunnelInfo(p, 1)!;
  assert.deepEqual(t, {
    srcIp: "1.1.1.2",
    srcPort: 0,
    destIp: "1.1.1.1",
    destPort: 0,
    proto: "GRE",
    depth: 1,
    pcapCnt: 1,
    pktSrc: "wire/pcap",
  });
  const r = JSON.parse(alertRecord(p, 1, ALERT, { tunnel: t }, { packet: true, ethernet: true }));
  assert.equal(r.pcap_cnt, undefined);
  assert.equal(r.vlan, undefined, "the outer VLAN is not the inner packet's");
  assert.equal(r.ether, undefined);
  assert.equal(p.tunnelVlans, false, "an IP-in-GRE tunnel keeps no VLAN of its own");
  // VLAN ids decoded inside a link-layer tunnel (ERSPAN's, an inner tag) are the inner packet's
  const erspan = Object.assign(Object.create(Object.getPrototypeOf(p)), p, {
    tunnel: Tunnel.ERSPAN,
    tunnelVlans: true,
  });
  assert.deepEqual(JSON.parse(alertRecord(erspan, 1, ALERT, { tunnel: t })).vlan, [6]);
  assert.equal(r.pkt_src, "gre tunnel");
  assert.equal(r.src_ip, "2.2.2.3");
  assert.deepEqual(Object.keys(r).slice(Object.keys(r).indexOf("alert")), [
    "alert",
    "tunnel",
    "packet",
    "packet_info",
  ]);
  assert.deepEqual(r.packet_info, { linktype: 12 });
  assert.equal(atob(r.packet).length, inner.length);
  // Not tunnelled: nothing.
  assert.equal(tunnelInfo(tcpPacket(ascii("x")), 1), undefined);
  assert.equal(tunnelPktSrc(Tunnel.VXLAN), "vxlan encapsulation");
  assert.equal(tunnelPktSrc(Tunnel.IPV6_IN_IPV4), "ipv4 tunnel");
  assert.equal(tunnelPktSrc(Tunnel.TEREDO), "teredo tunnel");
  assert.equal(tunnelPktSrc(Tunnel.NONE), "wire/pcap");
});

Deno.test("alert on a packet without IP: header, alert, packet and verdict only", () => {
  const f = cat(eth(0x0806), new Array(28).fill(0)); // ARP
  const r = JSON.parse(alertRecord(packetFromFrame(f, ts), 3, ALERT, {
    flowId: 1,
    direction: "to_server",
    verdict: { action: "alert" },
  }, { payload: true, payloadPrintable: true, packet: true }));
  assert.deepEqual(Object.keys(r), [
    "timestamp",
    "flow_id",
    "pcap_cnt",
    "event_type",
    "pkt_src",
    "alert",
    "packet",
    "packet_info",
    "verdict",
  ]);
});

Deno.test("anomaly: decode, stream and applayer shapes", () => {
  const p = tcpPacket(ascii("x"));
  let r = JSON.parse(anomalyRecord(p, 2, decoderAnomaly("ipv4.trunc_pkt")));
  assert.deepEqual(r.anomaly, { type: "decode", event: "decoder.ipv4.trunc_pkt" });
  assert.equal(r.event_type, "anomaly");
  assert.equal(Object.keys(r).at(-1), "anomaly");
  r = JSON.parse(
    anomalyRecord(p, 2, { type: "stream", event: "stream.pkt_broken_ack" }, { flowId: 9 }, {
      packetHeader: true,
    }),
  );
  assert.deepEqual(Object.keys(r).slice(-3), ["anomaly", "packet", "packet_info"]);
  assert.equal(atob(r.packet).length, 32);
  r = JSON.parse(
    anomalyRecord(p, 2, {
      type: "applayer",
      appProto: "http",
      event: "MISSING_HOST_HEADER",
      layer: "proto_parser",
    }, {
      flowId: 9,
      txId: 0,
    }, { packetHeader: true }),
  );
  assert.deepEqual(Object.keys(r).slice(-2), ["tx_id", "anomaly"]);
  assert.deepEqual(Object.keys(r.anomaly), ["app_proto", "type", "event", "layer"]);
});
