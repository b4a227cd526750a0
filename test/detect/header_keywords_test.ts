/**
 * Header keywords on real frames: each keyword compiled from rule text, then
 * checked on decoded Ethernet/IPv4/IPv6/TCP/UDP/ICMP frames that match and
 * frames that do not; errors point at the offending character.
 */

import assert from "node:assert/strict";
import { parseUintComparison, U16_MAX, U8_MAX } from "../../src/detect/keywords/_numeric.ts";
import { STREAM_EVENT_NAMES, streamEventId } from "../../src/detect/keywords/stream_event.ts";
import { DetectContext } from "../../src/detect/detect_context.ts";
import {
  be16,
  bytes,
  decodeBytes,
  ethernet,
  ethIpv4Tcp,
  ethIpv4Udp,
  filler,
  icmp4,
  icmp6,
  ip6Frag,
  ipv4,
  type Ipv4Options,
  ipv6,
  type Ipv6Options,
  tcp,
  type TcpOptions,
  udp,
} from "../decode/frames.ts";
import {
  compileError,
  conditionsMatch,
  engineAlerts,
  sig as compileOk,
  sigWith,
} from "./header_rules.ts";

const tcp4 = (ip: Ipv4Options = {}, t: TcpOptions = {}, payload: Uint8Array = new Uint8Array(0)) =>
  ethIpv4Tcp(ip, t, payload);
const icmpEcho4 = (type: number, id: number, seq: number, code = 0, ip: Ipv4Options = {}) =>
  ethernet(
    0x0800,
    ipv4({ proto: 1, ...ip }, icmp4(type, code, [...be16(id), ...be16(seq)], filler(8))),
  );
const icmpEcho6 = (type: number, id: number, seq: number, code = 0) =>
  ethernet(0x86dd, ipv6({ nh: 58 }, icmp6(type, code, [...be16(id), ...be16(seq)], filler(8))));
const tcp6 = (o: Ipv6Options = {}, t: TcpOptions = {}) =>
  ethernet(0x86dd, ipv6({ nh: 6, ...o }, tcp(t)));
const arp = ethernet(
  0x0806,
  bytes(0, 1, 8, 0, 6, 4, 0, 1, filler(6), 10, 0, 0, 1, filler(6), 10, 0, 0, 2),
);

/** Asserts a rule's conditions match each frame of `yes` and none of `no`. */
function check(options: string, yes: Uint8Array[], no: Uint8Array[], proto = "ip"): void {
  const s = sigWith(options, proto);
  yes.forEach((f, i) => assert.ok(conditionsMatch(s, f), `${options} should match frame ${i}`));
  no.forEach((f, i) => assert.ok(!conditionsMatch(s, f), `${options} should not match frame ${i}`));
}

/** Asserts the rule does not compile and its diagnostic reads `expected`. */
function rejects(options: string, expected: string | RegExp, proto = "ip"): void {
  const { line } = compileError(`alert ${proto} any any -> any any (${options} sid:1;)`);
  if (typeof expected === "string") assert.equal(line, expected);
  else assert.match(line, expected);
}

// ---- the shared comparison parser

Deno.test("numeric: Suricata 7 unsigned comparison forms", () => {
  const p = (s: string, max = U8_MAX) => {
    const r = parseUintComparison("k", s, max);
    return [r.op, r.lo, r.hi, r.negate];
  };
  assert.deepEqual(p("10"), ["=", 10, 10, false]);
  assert.deepEqual(p(" = 10 "), ["=", 10, 10, false]);
  assert.deepEqual(p("!10"), ["!=", 10, 10, true]);
  assert.deepEqual(p("! 10"), ["!=", 10, 10, true]);
  assert.deepEqual(p("!=10"), ["!=", 10, 10, true]);
  assert.deepEqual(p("<10"), ["<", 0, 9, false]);
  assert.deepEqual(p("<=10"), ["<=", 0, 10, false]);
  assert.deepEqual(p(">10"), [">", 11, 255, false]);
  assert.deepEqual(p(">= 10"), [">=", 10, 255, false]);
  assert.deepEqual(p("10<>20"), ["<>", 11, 19, false]);
  assert.deepEqual(p(" 10 <> 20 "), ["<>", 11, 19, false]);
  assert.deepEqual(p("10-20"), ["<>", 11, 19, false]);
  assert.deepEqual(p("1kb", U16_MAX), ["=", 1024, 1024, false]);
  assert.deepEqual(p("0kb", U16_MAX), ["=", 0, 0, false]);
});

Deno.test("numeric: rejects what Suricata rejects, at the offending character", () => {
  const off = (s: string, max = U8_MAX) => {
    try {
      parseUintComparison("k", s, max);
    } catch (e) {
      return [(e as { valueOffset: number }).valueOffset, (e as Error).message];
    }
    return assert.fail(`${s} parses`);
  };
  assert.deepEqual(off("256"), [0, "number 256 is out of range (0-255)"]);
  assert.deepEqual(off("10<>11")[0], 4); // empty exclusive range
  assert.deepEqual(off("20<>10")[0], 4);
  assert.deepEqual(off("<0")[0], 0);
  assert.deepEqual(off(">=0")[0], 0);
  assert.deepEqual(off(">255")[0], 0);
  assert.deepEqual(off("<=255")[0], 0);
  assert.deepEqual(off("10x")[0], 2);
  assert.deepEqual(off("abc")[0], 0);
  assert.deepEqual(off("> 8 <> 20")[0], 4);
  assert.deepEqual(off("8<<20")[0], 1);
  assert.deepEqual(off("")[0], 0);
  assert.deepEqual(off("64kb", U16_MAX)[0], 2);
});

// ---- IP header

Deno.test("ttl: IPv4 TTL and IPv6 hop limit, all comparison forms", () => {
  check("ttl:10;", [tcp4({ ttl: 10 }), tcp6({ hlim: 10 })], [tcp4({ ttl: 11 }), tcp6(), arp]);
  check("ttl:<5;", [tcp4({ ttl: 0 }), tcp4({ ttl: 4 })], [tcp4({ ttl: 5 })]);
  check("ttl:>=200;", [tcp4({ ttl: 200 }), tcp4({ ttl: 255 })], [tcp4({ ttl: 199 })]);
  check("ttl:1<>4;", [tcp4({ ttl: 2 }), tcp4({ ttl: 3 })], [tcp4({ ttl: 1 }), tcp4({ ttl: 4 })]);
  check("ttl:!64;", [tcp4({ ttl: 63 })], [tcp4({ ttl: 64 }), arp]);
  rejects('msg:"x"; ttl:300;', "test.rules:1:43: ttl: number 300 is out of range (0-255)");
});

Deno.test("tos: decimal, hex and negated; IPv4 only", () => {
  check("tos:8;", [tcp4({ tos: 8 })], [tcp4({ tos: 9 }), tcp6({ tc: 8 })]);
  check("tos:x88;", [tcp4({ tos: 0x88 })], [tcp4({ tos: 88 })]);
  check("tos:!8;", [tcp4({ tos: 0 })], [tcp4({ tos: 8 }), tcp6({ tc: 0 })]);
  rejects("tos:256;", "test.rules:1:34: tos: tos value must be 0-255");
  rejects("tos:x123;", "test.rules:1:35: tos: 1 or 2 hex digits expected after 'x'");
});

Deno.test("id: IPv4 identification, quoted or not; IPv6 fragment ids do not count", () => {
  const frag6 = ethernet(
    0x86dd,
    ipv6(
      { nh: 44, l4Offset: 8, l4Proto: 17 },
      bytes(ip6Frag(17, 0, true, 31337), udp(1, 2, filler(8))),
    ),
  );
  check("id:31337;", [tcp4({ id: 31337 })], [tcp4({ id: 31338 }), frag6]);
  check('id:"31337";', [tcp4({ id: 31337 })], []);
  rejects("id:65537;", "test.rules:1:33: id: number 65537 is out of range (0-65535)");
});

Deno.test("ipopts: each option name, and any", () => {
  const rr = [7, 7, 4, 0, 0, 0, 0, 0]; // record route, EOL pad
  const ts = [0x44, 8, 5, 0, 0, 0, 0, 0]; // timestamp
  const lsrr = [0x83, 7, 4, 10, 0, 0, 9, 0];
  const nop = [1, 1, 1, 0];
  check("ipopts:rr;", [tcp4({ options: rr })], [tcp4({ options: ts }), tcp4(), tcp6()]);
  check("ipopts:ts;", [tcp4({ options: ts })], [tcp4({ options: rr })]);
  check("ipopts:lsrr;", [tcp4({ options: lsrr })], [tcp4({ options: rr })]);
  check("ipopts:nop;", [tcp4({ options: nop })], [tcp4({ options: rr })]);
  check("ipopts:eol;", [tcp4({ options: rr })], [tcp4({ options: [1, 1, 1, 1] })]);
  check("ipopts:LSRR;", [tcp4({ options: lsrr })], []);
  check("ipopts:any;", [tcp4({ options: ts }), tcp4({ options: nop })], [tcp4(), tcp6()]);
  rejects("ipopts:foo;", /^test\.rules:1:37: ipopts: unknown IP option "foo"/);
});

Deno.test("fragbits: exact, +, *, ! on M, D and R", () => {
  const df = tcp4({ flags: 0x4000 });
  const mf = tcp4({ flags: 0x2000 });
  const mfdf = tcp4({ flags: 0x6000 });
  const rb = tcp4({ flags: 0x8000 });
  const none = tcp4({ flags: 0 });
  check("fragbits:D;", [df], [mf, mfdf, none, tcp6()]);
  check("fragbits:+D;", [mfdf], [df, mf, none]);
  check("fragbits:*MD;", [df, mf, mfdf], [none, rb]);
  check("fragbits:!D;", [mf, none, rb], [df, mfdf]);
  check("fragbits:R;", [rb], [none]);
  check("fragbits:MD;", [mfdf], [df]);
  rejects("fragbits:X;", "test.rules:1:39: fragbits: unknown fragment bit 'X'");
});

Deno.test("fragoffset: IPv4 in 8-byte units, IPv6 fragment header in bytes", () => {
  const udpFrag = (off: number) => ethIpv4Udp(1, 2, filler(16), { flags: 0x2000, fragOffset: off });
  const frag6 = (off: number) =>
    ethernet(
      0x86dd,
      ipv6({ nh: 44, l4Offset: 8, l4Proto: 17 }, bytes(ip6Frag(17, off, true), filler(16))),
    );
  check("fragoffset:0;", [udpFrag(0), tcp4()], [udpFrag(8), tcp6()]);
  check("fragoffset:>0;", [udpFrag(8)], [udpFrag(0)]);
  check("fragoffset:<2;", [udpFrag(8), udpFrag(0)], [udpFrag(16)]);
  check("fragoffset:!1;", [udpFrag(0), udpFrag(16)], [udpFrag(8)]);
  check("fragoffset:1;", [udpFrag(8)], [frag6(8)]);
  check("fragoffset:8;", [frag6(8)], [udpFrag(8), frag6(16)]);
  rejects("fragoffset:>x;", "test.rules:1:42: fragoffset: offset expected");
});

Deno.test("ip_proto: number, name, operators; only in ip rules", () => {
  const gre = ethernet(0x0800, ipv4({ proto: 47 }, filler(8)));
  const udp4 = ethIpv4Udp(1, 2, filler(4));
  check("ip_proto:47;", [gre], [tcp4(), udp4, arp]);
  check("ip_proto:GRE;", [gre], [tcp4()]);
  check('ip_proto:"tcp";', [tcp4(), tcp6()], [gre]);
  check("ip_proto:!6;", [gre, udp4], [tcp4()]);
  check("ip_proto:>6;", [gre, udp4], [tcp4()]);
  check("ip_proto:<17;", [tcp4()], [gre, udp4]);
  check("ip_proto:>5; ip_proto:<17;", [tcp4()], [gre, udp4]);
  assert.equal(sigWith("ip_proto:6;").ipProto, 6, "a single protocol goes into the header");
  assert.equal(sigWith("ip_proto:!6;").ipProto, -1);
  rejects("ip_proto:Tcp;", 'test.rules:1:39: ip_proto: unknown protocol name "Tcp"');
  rejects(
    "ip_proto:256;",
    "test.rules:1:39: ip_proto: protocol number 256 is out of range (0-255)",
  );
  rejects("ip_proto:6;", /^test\.rules:1:31: ip_proto: only allowed in rules for ip/, "tcp");
  rejects("ip_proto:6; ip_proto:17;", /^test\.rules:1:42: ip_proto: ip_proto:N cannot be combined/);
  rejects("ip_proto:<5; ip_proto:>10;", /ip_proto:< must be above ip_proto:>/);
  assert.deepEqual(engineAlerts([sigWith("ip_proto:47;")], gre), [1]);
  assert.deepEqual(engineAlerts([sigWith("ip_proto:47;")], tcp4()), []);
});

Deno.test("sameip: IPv4 and IPv6", () => {
  check(
    "sameip;",
    [tcp4({ src: "10.1.1.1", dst: "10.1.1.1" }), tcp6({ src: "2001:db8::5", dst: "2001:db8::5" })],
    [tcp4(), tcp6(), arp],
  );
  rejects("sameip:1;", "test.rules:1:30: sameip takes no value");
});

// ---- TCP

Deno.test("flags: exact, modifiers, ignore mask, 0 and CE", () => {
  const F = 0x01, S = 0x02, R = 0x04, P = 0x08, A = 0x10, U = 0x20, E = 0x40, C = 0x80;
  const t = (flags: number) => tcp4({}, { flags });
  check("flags:S;", [t(S)], [t(S | A), t(0), ethIpv4Udp(1, 2, filler(1))], "tcp");
  check("tcp.flags:SA;", [t(S | A)], [t(S)], "tcp");
  check("flags:S+;", [t(S), t(S | A), t(S | E)], [t(A)], "tcp");
  check("flags:+S;", [t(S | A)], [t(A)], "tcp");
  check("flags:*SA;", [t(S), t(A), t(S | A | P)], [t(F), t(0)], "tcp");
  check("flags:!SA;", [t(S), t(A), t(F)], [t(S | A), t(S | A | P)], "tcp");
  check("flags:0;", [t(0)], [t(S), t(A)], "tcp");
  check("flags:S,CE;", [t(S), t(S | C | E), t(S | E)], [t(S | A)], "tcp");
  check("flags:S,12;", [t(S | C | E)], [t(S | A)], "tcp");
  check("flags:FPU;", [t(F | P | U)], [t(F | P | U | A)], "tcp");
  check("flags:R;", [t(R)], [t(R | A)], "tcp");
  check("flags:SCE;", [t(S | C | E)], [t(S)], "tcp");
  check("flags:S;", [], [tcp4({}, { flags: S | 0x100 }).slice(0, 40)], "tcp"); // truncated TCP
  check("flags:S;", [tcp4({}, { flags: S | 0x100 })], [], "tcp"); // NS is not compared
  rejects("flags:SX;", "test.rules:1:38: flags: unexpected 'X'", "tcp");
  rejects("flags:S+*;", "test.rules:1:39: flags: only one modifier (+, * or !) is allowed", "tcp");
  rejects("flags:!;", "test.rules:1:38: flags: flags expected (FSRPAUCE12 or 0)", "tcp");
  rejects("flags:S,;", "test.rules:1:39: flags: flags to ignore expected (FSRPAUCE12)", "tcp");
});

Deno.test("seq, ack, window, tcp.mss", () => {
  check("seq:0;", [tcp4({}, { seq: 0 })], [tcp4({}, { seq: 1 })], "tcp");
  check("tcp.seq:4294967295;", [tcp4({}, { seq: 0xffffffff })], [tcp4()], "tcp");
  check("ack:2000;", [tcp4({}, { ack: 2000 })], [tcp4({}, { ack: 0 })], "tcp");
  check("tcp.ack:7;", [tcp4({}, { ack: 7 })], [icmpEcho4(8, 7, 7)]);
  check("window:1024;", [tcp4({}, { win: 1024 })], [tcp4({}, { win: 1025 })], "tcp");
  check("tcp.window:!0;", [tcp4({}, { win: 1 })], [tcp4({}, { win: 0 })], "tcp");
  const mss = (v: number) => tcp4({}, { flags: 2, options: [2, 4, ...be16(v)] });
  check("tcp.mss:<536;", [mss(500)], [mss(1460), tcp4({}, { flags: 2 })], "tcp");
  check("tcp.mss:1460;", [mss(1460)], [mss(1400)], "tcp");
  rejects("seq:-1;", "test.rules:1:35: seq: number expected", "tcp");
  rejects(
    "window:70000;",
    "test.rules:1:38: window: window 70000 is out of range (0-65535)",
    "tcp",
  );
  rejects("tcp.mss:x;", /^test\.rules:1:39: tcp\.mss: number or operator expected/, "tcp");
});

// ---- ICMP

Deno.test("itype and icode: ICMPv4 and ICMPv6", () => {
  const unreach = (code: number) =>
    ethernet(0x0800, ipv4({ proto: 1 }, icmp4(3, code, [0, 0, 0, 0], filler(28))));
  check("itype:8;", [icmpEcho4(8, 1, 1)], [icmpEcho4(0, 1, 1), tcp4()]);
  check("itype:>30;", [icmpEcho6(128, 1, 1)], [icmpEcho4(8, 1, 1)]);
  check("itype:10<>20;", [icmpEcho4(13, 1, 1)], [icmpEcho4(8, 1, 1)]);
  check("icode:3;", [unreach(3)], [unreach(1), tcp4()]);
  check("icode:>1;", [unreach(3)], [unreach(1)]);
  check("icode:1<>4;", [unreach(2), unreach(3)], [unreach(1), unreach(4)]);
  rejects("itype:8<<20;", /^test\.rules:1:37: itype: unexpected '<'/);
});

Deno.test("icmp_id and icmp_seq: only on messages that carry them", () => {
  const unreach = ethernet(
    0x0800,
    ipv4({ proto: 1 }, icmp4(3, 1, [0, 0, 0, 0], filler(28))),
  );
  check("icmp_id:0;", [icmpEcho4(8, 0, 5)], [unreach, icmpEcho4(8, 1, 0)]);
  check('icmp_id:"300";', [icmpEcho4(0, 300, 1), icmpEcho4(13, 300, 1), icmpEcho6(129, 300, 1)], [
    icmpEcho6(1, 300, 1),
  ]);
  check("icmp_seq:0;", [icmpEcho4(8, 5, 0)], [unreach, icmpEcho4(8, 0, 5)]);
  check("icmp_seq:7;", [icmpEcho6(128, 1, 7)], [icmpEcho6(128, 7, 1)]);
  rejects('icmp_id:"300 400";', "test.rules:1:43: icmp_id: closing '\"' expected");
});

// ---- payload size

Deno.test("dsize: payload size of TCP, UDP, ICMP", () => {
  check("dsize:0;", [tcp4()], [tcp4({}, {}, filler(1))]);
  check("dsize:>10;", [tcp4({}, {}, filler(11)), ethIpv4Udp(1, 2, filler(20))], [
    tcp4({}, {}, filler(10)),
  ]);
  check("dsize:<10;", [ethIpv4Udp(1, 2, filler(9))], [ethIpv4Udp(1, 2, filler(10))]);
  check("dsize:!0;", [tcp4({}, {}, filler(1))], [tcp4()]);
  check("dsize:100<>200;", [tcp4({}, {}, filler(101))], [tcp4({}, {}, filler(100))]);
  check("dsize:8;", [icmpEcho4(8, 1, 1)], [icmpEcho4(8, 1, 1).slice(0, 40)]);
  rejects("dsize:1; dsize:2;", "test.rules:1:39: dsize: only one dsize per rule");
  rejects("dsize:>=0;", /always matches/);
});

Deno.test("dsize: a size that needs a payload is not tested on a flow whose payload is not inspected", () => {
  const data = decodeBytes(tcp4({}, {}, filler(50)));
  const empty = decodeBytes(tcp4());
  const encrypted = new DetectContext(data);
  encrypted.payloadInspection = false; // e.g. TLS after application data (Suricata's PKT_NOPAYLOAD_INSPECTION)
  const matches = (options: string, p: typeof data, ctx: DetectContext) =>
    sigWith(options, "tcp").conditions.every((c) => c.match(p, ctx));
  for (const options of ["dsize:>10;", "dsize:!5;", "dsize:10<>100;", "dsize:>=1;", "dsize:50;"]) {
    assert.ok(
      matches(options, data, new DetectContext(data)),
      `${options} with payload inspection`,
    );
    assert.ok(!matches(options, data, encrypted), `${options} without`);
    assert.ok(!matches(options, empty, new DetectContext(empty)), `${options} on an empty packet`);
  }
  // sizes that include 0 are tested on every packet; dsize:0 only where there is no payload to inspect
  assert.ok(matches("dsize:<60;", data, encrypted));
  assert.ok(matches("dsize:<=50;", data, encrypted));
  assert.ok(!matches("dsize:0;", data, encrypted), "the packet still has 50 bytes");
  assert.ok(matches("dsize:0;", empty, new DetectContext(empty)));
  rejects("dsize:70000;", "test.rules:1:36: dsize: number 70000 is out of range (0-65535)");
});

// ---- events

Deno.test("decode-event and engine-event: decoder events on the packet", () => {
  const shortTcp = ethernet(0x0800, ipv4({ proto: 6 }, filler(10)));
  check("decode-event:tcp.pkt_too_small;", [shortTcp], [tcp4()]);
  check("decode-event:TCP.PKT_TOO_SMALL;", [shortTcp], []);
  check("engine-event:decoder.tcp.pkt_too_small;", [shortTcp], [tcp4()]);
  check("decode-event:ipv4.opt_invalid_len;", [tcp4({ options: [7, 2, 0, 0] })], [tcp4()]);
  const s = sigWith("decode-event:nsh.header_too_small;");
  assert.deepEqual(s.waitingFor, ["decoder-event:nsh.header_too_small"]);
  rejects("decode-event:decoder.tcp.pkt_too_small;", /^test\.rules:1:43: decode-event: unknown/);
  rejects(
    "decode-event:tcp.bogus;",
    'test.rules:1:43: decode-event: unknown decoder event "tcp.bogus"',
  );
  rejects("engine-event:bogus.x;", /^test\.rules:1:43: engine-event: unknown event/);
});

Deno.test("stream-event: raised events load ready, the others wait for stream events", () => {
  assert.equal(STREAM_EVENT_NAMES.length, 71);
  assert.equal(
    streamEventId("3whs_synack_resend_with_different_ack"),
    streamEventId("3whs_synack_resend_with_diff_ack"),
  );
  const s = sigWith("stream-event:3whs_synack_in_wrong_direction;", "tcp");
  assert.deepEqual(s.waitingFor, []);
  assert.ok(!conditionsMatch(s, tcp4()), "not raised on this packet");
  const e = sigWith("engine-event:stream.rst_but_no_session;", "tcp");
  assert.deepEqual(e.waitingFor, []);
  const w = sigWith("stream-event:est_packet_out_of_window;", "tcp");
  assert.deepEqual(w.waitingFor, ["stream-events"]);
  rejects(
    "stream-event:bogus;",
    'test.rules:1:44: stream-event: unknown stream event "bogus"',
    "tcp",
  );
});

Deno.test("app-layer-event: events nothing raises load waiting", () => {
  // raised: the protocol mismatch, and the events of the protocols Tarsier parses
  const a = sigWith("app-layer-event:applayer_mismatch_protocol_both_directions;");
  assert.deepEqual(a.waitingFor, []);
  const b = sigWith("app-layer-event:dns.malformed_data;", "udp");
  assert.equal(b.appProto, "dns");
  assert.deepEqual(b.waitingFor, []);
  const one = sigWith("app-layer-event:applayer_detect_protocol_only_one_direction;");
  assert.deepEqual(one.waitingFor, ["app-layer-events"]);
  const smb = sigWith("app-layer-event:smb.malformed_data;", "tcp");
  assert.ok(smb.waitingFor.includes("app-layer-events"));
  const c = sigWith("app-layer-event:http.request_field_too_long;", "http");
  assert.equal(c.appProto, "http");
  rejects(
    "app-layer-event:bogus.x;",
    'test.rules:1:46: app-layer-event: unknown application protocol "bogus"',
  );
  rejects(
    "app-layer-event:applayer_bogus;",
    /^test\.rules:1:46: app-layer-event: unknown protocol detection event/,
  );
  rejects("app-layer-event:tls.x;", /app-layer-event: event of tls in a rule for dns/, "dns");
  const old = compileError(
    "alert tls any any -> any any (app-layer-event:tls.certificate_missing_element; sid:1;)",
  );
  assert.match(old.reason, /^unsupported app-layer-event/);
});

Deno.test("several header keywords in one rule", () => {
  const s = sigWith(
    "ttl:>1; tos:0; ipopts:any; fragbits:!R; fragoffset:0; flags:*S; dsize:<100; sameip; window:!0; tcp.mss:>0;",
    "tcp",
  );
  const frame = tcp4({ options: [1, 1, 1, 0] }, { flags: 2, options: [2, 4, 5, 0xb4] });
  const yes = sigWith("ttl:>1; tos:0; ipopts:nop; fragbits:!R; flags:*S; dsize:<100;", "tcp");
  assert.ok(conditionsMatch(yes, frame));
  assert.ok(!conditionsMatch(s, frame), "sameip does not hold");
});

Deno.test("checksum keywords: valid and invalid on IPv4, TCP, UDP, ICMP, IPv6", () => {
  const corrupt = (frame: Uint8Array, at: number) => {
    const f = frame.slice();
    f[at] ^= 0x55;
    return f;
  };
  const t4 = tcp4({}, {}, filler(5));
  const u4 = ethIpv4Udp(1, 2, filler(7));
  const i4 = icmpEcho4(8, 1, 2);
  const t6 = tcp6();
  const u6 = ethernet(0x86dd, ipv6({ nh: 17 }, udp(1, 2, filler(3))));
  const i6 = icmpEcho6(128, 1, 2);
  // 14 Ethernet + 20 IPv4: the IPv4 checksum is at 24, TCP's at 50, UDP's at 40, ICMP's at 36.
  check("ipv4-csum:valid;", [t4, u4, i4], [corrupt(t4, 24), t6]);
  check("ipv4-csum:invalid;", [corrupt(t4, 24)], [t4]);
  check("tcpv4-csum:valid;", [t4], [corrupt(t4, 50), corrupt(t4, 56), u4, t6]);
  check("tcpv4-csum:INVALID;", [corrupt(t4, 56)], [t4]);
  check("udpv4-csum:valid;", [u4], [corrupt(u4, 44), t4]);
  check("udpv4-csum:invalid;", [corrupt(u4, 44)], [u4]);
  const noSum = u4.slice();
  noSum[40] = 0;
  noSum[41] = 0;
  check("udpv4-csum:invalid;", [], [noSum]); // no checksum: neither valid nor invalid
  check("icmpv4-csum:valid;", [i4], [corrupt(i4, 40), i6]);
  check("icmpv4-csum:invalid;", [corrupt(i4, 40)], [i4]);
  // 14 Ethernet + 40 IPv6: transport at 54.
  check("tcpv6-csum:valid;", [t6], [corrupt(t6, 70), t4]);
  check('tcpv6-csum:"invalid";', [corrupt(t6, 70)], [t6]);
  check("udpv6-csum:valid;", [u6], [corrupt(u6, 62)]);
  const zero6 = u6.slice();
  zero6[60] = 0;
  zero6[61] = 0;
  check("udpv6-csum:invalid;", [corrupt(u6, 62), zero6], [u6]);
  check("icmpv6-csum:valid;", [i6], [corrupt(i6, 62), i4]);
  check("icmpv6-csum:invalid;", [corrupt(i6, 62)], [i6]);
  rejects("ipv4-csum:maybe;", "test.rules:1:40: ipv4-csum: valid or invalid expected");
});

Deno.test("pattern-less signatures for a few ports are found by the packet's ports", () => {
  const sig = (text: string, sid: number) =>
    compileOk(`alert tcp any ${text} (msg:"t"; ttl:64; sid:${sid};)`);
  const sigs = [
    sig("any -> any 80", 1), // by destination port
    sig("any -> any [8080,8443:8445]", 2), // a small set and range
    sig("53 -> any any", 3), // by source port
    sig("any -> any 1024:", 4), // too many ports: checked on every packet
    sig("any <> any 80", 5), // either way: checked on every packet
  ];
  const at = (sp: number, dp: number) => engineAlerts(sigs, tcp4({ ttl: 64 }, { sp, dp })).sort();
  assert.deepEqual(at(40000, 80), [1, 5]);
  assert.deepEqual(at(40000, 8444), [2, 4]);
  assert.deepEqual(at(53, 1000), [3]);
  assert.deepEqual(at(80, 40000), [4, 5]);
  assert.deepEqual(at(1000, 81), []);
});
