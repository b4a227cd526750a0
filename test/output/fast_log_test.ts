// fast.log lines on hand-made frames; the byte-for-byte comparison with
// Suricata's own fast.log (timestamps included, under two time zones) is in
// eve_fixtures_test.ts. Here the local-time part is matched by pattern.

import assert from "node:assert/strict";
import type { AlertInfo } from "../../src/output/eve_record.ts";
import { fastLogActionPrefix, fastLogLine } from "../../src/output/fast_log.ts";
import { packetFromFrame } from "./_frame_decoder.ts";
import { ascii, cat, eth, ipv4, ipv6, tcpPacket, v6 } from "./_frames.ts";

const ALERT: AlertInfo = {
  action: "allowed",
  gid: 1,
  signatureId: 2000003,
  rev: 1,
  signature: 'TEST "quoted" \\ back; semi',
  category: "Potentially Bad Traffic",
  severity: 2,
};
const ts = { linkType: 1, tsSec: 1562318017, tsNsec: 460702000 };
const TIME = /^\d\d\/\d\d\/\d{4}-\d\d:\d\d:\d\d\.460702 {2}/;

function rest(line: string): string {
  assert.match(line, TIME);
  return line.replace(TIME, "");
}

Deno.test("fast.log: TCP line, message as written (not JSON-escaped)", () => {
  assert.equal(
    rest(fastLogLine(tcpPacket(ascii("x")), 5, ALERT, false)),
    '[**] [1:2000003:1] TEST "quoted" \\ back; semi [**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 10.0.0.1:1234 -> 10.0.0.2:80',
  );
});

Deno.test("fast.log: [Drop] in IPS mode, [wDrop] in IDS mode, nothing for alert rules", () => {
  const drop = { ...ALERT, drop: true };
  assert.match(rest(fastLogLine(tcpPacket(ascii("x")), 5, drop, true)), /^\[Drop\] \[\*\*\] \[1:/);
  assert.match(
    rest(fastLogLine(tcpPacket(ascii("x")), 5, drop, false)),
    /^\[wDrop\] \[\*\*\] \[1:/,
  );
  assert.equal(fastLogActionPrefix(ALERT, true), "");
  assert.equal(fastLogActionPrefix(drop, false), "[wDrop] ");
});

Deno.test("fast.log: no classtype prints (null)", () => {
  assert.match(
    fastLogLine(tcpPacket(ascii("x")), 5, { ...ALERT, category: undefined }, false),
    /\[Classification: \(null\)\] \[Priority: 2\]/,
  );
});

Deno.test("fast.log: ICMPv6 type and code stand in for the ports; IPv6 in full form", () => {
  const icmp = [128, 0, 0, 0, 0, 1, 0, 1];
  const f = cat(
    eth(0x86dd),
    ipv6(v6(0xfd00, 0x77, 0, 0, 0, 0, 0, 2), v6(0x2001, 0xdb8, 0x77, 0, 0, 0, 0, 2), 58, 8),
    icmp,
  );
  assert.ok(
    fastLogLine(packetFromFrame(f, ts), 1, ALERT, false).endsWith(
      "{IPv6-ICMP} fd00:0077:0000:0000:0000:0000:0000:0002:128 -> 2001:0db8:0077:0000:0000:0000:0000:0002:0",
    ),
  );
});

Deno.test("fast.log: ICMP type/code, unnamed protocol, protocol without ports", () => {
  const icmp = cat(eth(0x0800), ipv4([10, 0, 0, 1], [10, 0, 0, 2], 1, 8), [3, 3, 0, 0, 0, 0, 0, 0]);
  assert.ok(
    fastLogLine(packetFromFrame(icmp, ts), 1, ALERT, false).endsWith(
      "{ICMP} 10.0.0.1:3 -> 10.0.0.2:3",
    ),
  );
  const odd = cat(eth(0x0800), ipv4([10, 0, 0, 1], [10, 0, 0, 2], 253, 2), [0, 0]);
  assert.ok(
    fastLogLine(packetFromFrame(odd, ts), 1, ALERT, false).endsWith(
      "{PROTO:253} 10.0.0.1:0 -> 10.0.0.2:0",
    ),
  );
  const gre = cat(eth(0x0800), ipv4([10, 0, 0, 1], [10, 0, 0, 2], 47, 4), [0, 0, 0x88, 0xbe]);
  assert.ok(
    fastLogLine(packetFromFrame(gre, ts), 1, ALERT, false).endsWith(
      "{GRE} 10.0.0.1:0 -> 10.0.0.2:0",
    ),
  );
});

Deno.test("fast.log: a packet without IP prints its first 32 bytes", () => {
  const arp = cat(eth(0x0806), new Array(28).fill(0xab));
  const p = packetFromFrame(arp, ts);
  const hex = "02 00 00 00 00 02 02 00 00 00 00 01 08 06 " + "AB ".repeat(18);
  assert.ok(
    fastLogLine(p, 4, ALERT, false).endsWith(
      `[Priority: 2] [**] [Raw pkt: ${hex}] [pcap file packet: 4]`,
    ),
  );
  assert.ok(fastLogLine(p, 0, ALERT, false).endsWith(`[Raw pkt: ${hex}]`));
  const short = packetFromFrame(new Uint8Array([1, 2, 3]), ts);
  assert.ok(
    fastLogLine(short, 1, ALERT, false).endsWith("[Raw pkt: 01 02 03 ] [pcap file packet: 1]"),
  );
});
