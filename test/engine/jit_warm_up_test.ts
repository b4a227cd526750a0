/**
 * The live commands' JIT warm-up: its synthesised traffic runs through the
 * loaded rules (they alert on it) in a throwaway stage, and nothing of it
 * stays in the engine the live stage then uses.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { warmUpDecoding, warmUpDetection } from "../../src/engine/jit_warm_up.ts";
import { loadRuleset } from "../../src/engine/ruleset.ts";
import { ThresholdGate } from "../../src/detect/threshold.ts";
import { loadConfigText } from "../../src/rules/config.ts";

const RULES = [
  'alert http any any -> any any (msg:"warm GET"; flow:established,to_server; ' +
  'http.method; content:"GET"; http.uri; content:"/index.html"; sid:1; rev:1;)',
  'alert icmp any any -> any any (msg:"warm echo"; itype:8; sid:2; rev:1;)',
  'alert dns any any -> any any (msg:"warm dns"; dns.query; content:"example.com"; sid:3; rev:1;)',
  'alert icmp 2001:db8::/32 any -> any any (msg:"warm echo6"; itype:128; sid:4; rev:1;)',
  'alert http 2001:db8::/32 any -> any any (msg:"warm v6 POST"; http.method; content:"POST"; sid:5; rev:1;)',
  // an IPv6 Host is bracketed (and http.host keeps the brackets, as libhtp does):
  // unbracketed, the host would read "2001" (and be invalid)
  'alert http any any -> any any (msg:"warm v6 host"; http.host; content:"[2001:db8:1::80]"; startswith; endswith; sid:6; rev:1;)',
].join("\n");

function loadWarmRules() {
  const dir = Deno.makeTempDirSync();
  const path = join(dir, "warm.rules");
  Deno.writeTextFileSync(path, RULES + "\n");
  const { config } = loadConfigText("%YAML 1.1\n---\n");
  try {
    return { config, ruleset: loadRuleset({ config, paths: [path] }) };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("warm-up: the rules see every round's traffic, in a stage of its own", async () => {
  const { config, ruleset } = loadWarmRules();
  const engine = ruleset.engine;
  const one = await warmUpDetection(engine, config, { rounds: 1 });
  const five = await warmUpDetection(engine, config, { rounds: 5, ips: true });
  assert(one.packets >= 30, `a round has its conversations: ${one.packets} packets`);
  assert.equal(five.packets, 5 * one.packets, "each round the same conversations");
  // per round: one GET, one echo request, one DNS query, and over IPv6 one echo
  // request and one POST to a bracketed host (a rule alerts once per packet)
  assert.equal(one.alerts, 6);
  assert.equal(five.alerts, 30);
});

Deno.test("warm-up: the engine's gate and counters are as they were", async () => {
  const { config, ruleset } = loadWarmRules();
  const engine = ruleset.engine;
  const gate = new ThresholdGate();
  engine.gate = gate;
  const before = { ...engine.counters };
  const report = await warmUpDetection(engine, config, { rounds: 2 });
  assert(report.alerts > 0);
  assert.equal(engine.gate, gate);
  assert.deepEqual(engine.counters, before);
});

Deno.test("warm-up: without rules the same traffic runs through the decoders alone", async () => {
  const { config, ruleset } = loadWarmRules();
  const detected = await warmUpDetection(ruleset.engine, config, { rounds: 2 });
  const decoded = await warmUpDecoding(2);
  assert.equal(decoded.packets, detected.packets);
  assert.equal(decoded.alerts, 0);
  assert((await warmUpDecoding(1)).packets * 2 === decoded.packets, "each round the same traffic");
});
