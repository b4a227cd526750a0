/**
 * The detection engine's own behaviour, on decoded frames: header matching
 * (protocols, addresses, ports, direction), Suricata's evaluation order
 * (pass first), the per-packet alert limit, and rule loading diagnostics.
 */

import assert from "node:assert/strict";
import { ethernet, ethIpv4Tcp, ethIpv4Udp, ip6, ipv6, tcp } from "../decode/frames.ts";
import { sig } from "./header_rules.ts";
import { engineAlerts } from "./header_rules.ts";
import { AddressResolver } from "../../src/rules/address.ts";
import { PortResolver } from "../../src/rules/port.ts";
import { parseRules } from "../../src/rules/rule_parser.ts";
import { compileRule } from "../../src/detect/signature_compiler.ts";
import { formatDiagnostic } from "../../src/rules/diagnostic.ts";
import { join } from "node:path";
import { runRuleTests } from "../../src/engine/rule_tests.ts";
import { loadConfig } from "../../src/rules/config.ts";

const HOME = { src: "10.0.0.5", dst: "192.0.2.7" };

Deno.test("engine: protocol, address and port header matching", () => {
  const frame = ethIpv4Tcp(HOME, { sp: 40000, dp: 80 });
  const sigs = [
    sig(`alert tcp 10.0.0.0/8 any -> 192.0.2.0/24 80 (msg:"tcp ok"; sid:1;)`),
    sig(`alert udp any any -> any any (msg:"udp"; sid:2;)`),
    sig(`alert tcp any any -> any 443 (msg:"wrong port"; sid:3;)`),
    sig(`alert tcp 192.0.2.0/24 any -> any any (msg:"wrong src"; sid:4;)`),
    sig(`alert ip any any -> any any (msg:"any ip"; sid:5;)`),
    sig(`alert tcp any [1:1024] -> any any (msg:"src port range"; sid:6;)`),
    sig(`alert tcp any !80 -> any ![443,8080] (msg:"negated ports"; sid:7;)`),
    sig(`alert tcp !10.0.0.5 any -> any any (msg:"negated address"; sid:8;)`),
    sig(`alert ipv6 any any -> any any (msg:"ipv6 only"; sid:9;)`),
    sig(`alert ipv4 any any -> any any (msg:"ipv4 only"; sid:10;)`),
  ];
  assert.deepEqual(engineAlerts(sigs, frame).sort((a, b) => a - b), [1, 5, 7, 10]);
});

Deno.test("engine: <> matches both directions, -> only one", () => {
  const sigs = [
    sig(`alert tcp 192.0.2.7 80 <> 10.0.0.5 any (msg:"bidir"; sid:1;)`),
    sig(`alert tcp 192.0.2.7 80 -> 10.0.0.5 any (msg:"one way"; sid:2;)`),
  ];
  const request = ethIpv4Tcp(HOME, { sp: 40000, dp: 80 });
  const response = ethIpv4Tcp({ src: HOME.dst, dst: HOME.src }, { sp: 80, dp: 40000 });
  assert.deepEqual(engineAlerts(sigs, request), [1]);
  assert.deepEqual(engineAlerts(sigs, response).sort(), [1, 2]);
});

Deno.test("engine: IPv6 addresses and icmp covering ICMPv6", () => {
  const frame = ethernet(
    0x86dd,
    ipv6({ src: "2001:db8::1", dst: "2001:db8::2", nh: 6 }, tcp({ sp: 1, dp: 22 })),
  );
  const sigs = [
    sig(`alert tcp 2001:db8::/32 any -> [2001:db8::2] 22 (msg:"v6"; sid:1;)`),
    sig(`alert tcp 10.0.0.0/8 any -> any any (msg:"v4 set"; sid:2;)`),
    sig(`alert tcp !2001:db8::1 any -> any any (msg:"negated v6"; sid:3;)`),
  ];
  assert.deepEqual(engineAlerts(sigs, frame), [1]);
  assert.equal(ip6("2001:db8::1").length, 16);
});

Deno.test("engine: a matching pass rule is evaluated first and stops alerts", () => {
  const frame = ethIpv4Udp(5000, 53, new Uint8Array(20), HOME);
  const alertFirst = [
    sig(`alert udp any any -> any 53 (msg:"dns"; sid:1;)`),
    sig(`pass udp any any -> any 53 (msg:"pass dns"; sid:2;)`),
  ];
  assert.deepEqual(engineAlerts(alertFirst, frame), []);
  const passMisses = [
    sig(`alert udp any any -> any 53 (msg:"dns"; sid:1;)`),
    sig(`pass udp any any -> any 54 (msg:"pass other"; sid:2;)`),
  ];
  assert.deepEqual(engineAlerts(passMisses, frame), [1]);
});

Deno.test("engine: at most 15 alerts per packet (Suricata's packet-alert-max)", () => {
  const frame = ethIpv4Udp(5000, 53, new Uint8Array(4), HOME);
  const sigs = Array.from(
    { length: 20 },
    (_, i) => sig(`alert udp any any -> any any (msg:"n${i}"; sid:${i + 1};)`),
  );
  const alerts = engineAlerts(sigs, frame);
  assert.equal(alerts.length, 15);
  assert.deepEqual(alerts, Array.from({ length: 15 }, (_, i) => i + 1));
});

Deno.test("engine: rules that cannot load are skipped with file:line:col and a reason", () => {
  const text = [
    `alert tcp any any -> any any (msg:"ok"; sid:1;)`,
    `alert tcp any any -> any any (msg:"bad"; nosuchkeyword; sid:2;)`,
    `alert tcp $NOPE any -> any any (msg:"var"; sid:3;)`,
    `alert foo any any -> any any (msg:"proto"; sid:4;)`,
  ].join("\n");
  const { rules } = parseRules(text, "t.rules");
  const env = {
    addresses: new AddressResolver({ HOME_NET: "any" }),
    ports: new PortResolver({}),
    classifications: new Map(),
  };
  const results = rules.map((r) => compileRule(r, env));
  assert.equal(results[0].ok, true);
  const errors = results.slice(1).map((r) => {
    assert.ok(!r.ok);
    return [formatDiagnostic(r.diagnostic), r.reason];
  });
  assert.deepEqual(errors[0], [
    "t.rules:2:42: unsupported keyword nosuchkeyword",
    "unsupported keyword nosuchkeyword",
  ]);
  assert.match(errors[1][0], /^t\.rules:3:\d+: .*NOPE/);
  assert.deepEqual(errors[2], ["t.rules:4:1: unknown protocol foo", "unknown protocol foo"]);
});

Deno.test("engine: IP-only rules with IPv6 addresses in their lists match IPv6 packets", () => {
  const frame = ethernet(
    0x86dd,
    ipv6({ src: "2001:db8::1", dst: "2001:db8:1::2", nh: 6 }, tcp({ sp: 1, dp: 22 })),
  );
  const sigs = [
    sig(`alert ip [192.0.2.1,2001:db8::1] any -> any any (msg:"src listed"; sid:1;)`),
    sig(`alert ip any any -> [192.0.2.1,2001:db8:1::/48] any (msg:"dst listed"; sid:2;)`),
    sig(`alert ip [192.0.2.1,2001:db8::2] any -> any any (msg:"other src"; sid:3;)`),
    sig(`alert ip [192.0.2.1] any -> any any (msg:"v4 only"; sid:4;)`),
    sig(`alert ip [2001:db8::1] any -> [2001:db8:2::/48] any (msg:"dst misses"; sid:5;)`),
  ];
  assert.deepEqual(engineAlerts(sigs, frame), [1, 2]);
});

Deno.test("engine: a packet rule whose first buffer needs a transaction never matches a packet", () => {
  const frame = ethIpv4Tcp(HOME, { sp: 40000, dp: 80 }, new TextEncoder().encode("GET /abc"));
  const sigs = [
    sig(`alert tcp any any -> any any (msg:"file data"; file_data; content:"abc"; sid:1;)`),
    sig(`alert tcp any any -> any any (msg:"payload"; content:"abc"; sid:2;)`),
    sig(`alert tcp any any -> any any (msg:"no payload keyword"; sid:3;)`),
  ];
  assert.deepEqual(engineAlerts(sigs, frame), [2, 3]);
});

Deno.test("engine: a transaction rule with its fast pattern in the payload alerts only when it is there", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "payload_fp.yaml");
    await Deno.writeTextFile(
      file,
      [
        "- action: alert",
        "  proto: http",
        "  from: any any",
        "  to: any any",
        "  msg: token in a POST",
        "  match:",
        "    - flow: established,to_server",
        "    - content: secret-token",
        "      fast_pattern: true",
        "    - http.method:",
        "        - content: POST",
        "  sid: 41",
        "  tests:",
        "    - http: { method: POST, uri: /a, headers: { X-Note: secret-token } }",
        "      alerts: 1",
        "    - http: { method: POST, uri: /secret-token }",
        "      alerts: 1",
        "    - http: { method: POST, uri: /a, headers: { X-Note: secret } }",
        "      alerts: 0",
        "    - http: { method: GET, uri: /a, headers: { X-Note: secret-token } }",
        "      alerts: 0",
        "",
      ].join("\n"),
    );
    const report = await runRuleTests([file], loadConfig().config);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.results.map((r) => r.actual), [1, 1, 0, 0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
