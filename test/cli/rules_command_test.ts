/**
 * `tarsier rules test|convert` end to end: the bundled starter ruleset
 * passes its tests on synthesised traffic; a wrong expectation fails, naming
 * the rule, the option that failed, its buffer and offset; converting the
 * starter ruleset to Suricata's syntax and back gives the same rules.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tarsierCommand } from "./_tarsier.ts";
import { REPO_ROOT } from "../corpus.ts";
import { runRuleTests } from "../../src/engine/rule_tests.ts";
import { loadConfig } from "../../src/rules/config.ts";
import { comparableRule } from "../../src/rules/mod.ts";
import { parseYamlRules } from "../../src/rules/yaml_rules.ts";

const STARTER = join(REPO_ROOT, "rules", "starter.yaml");
const { config } = loadConfig();

async function tarsier(...args: string[]): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await tarsierCommand(...args).output();
  const d = new TextDecoder();
  return { code, out: d.decode(stdout) + d.decode(stderr) };
}

Deno.test("rules test: every starter rule passes a test that alerts and one that does not", async () => {
  const report = await runRuleTests([STARTER], config);
  assert.deepEqual(report.errors, []);
  assert.deepEqual(report.untested, []);
  assert.deepEqual(report.results.filter((r) => !r.passed).map((r) => r.trace), []);
  const sids = new Set(report.results.map((r) => r.sid));
  assert.equal(sids.size, 16);
  for (const sid of sids) {
    const mine = report.results.filter((r) => r.sid === sid);
    assert.ok(mine.some((r) => r.actual > 0) && mine.some((r) => r.actual === 0), `sid ${sid}`);
  }
});

Deno.test("rules test: a wrong expectation fails with the rule, option, buffer and offset", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "wrong.yaml");
    await Deno.writeTextFile(
      file,
      [
        "- proto: tcp",
        "  from: $EXTERNAL_NET any",
        "  to: $HOME_NET 80",
        "  msg: traversal",
        "  match:",
        "    - flow: established,to_server",
        "    - content: /etc/passwd",
        "    - pcre: /(?:\\.\\.\\/){2,}/",
        "  sid: 77",
        "  tests:",
        "    - http: { uri: /docs/etc/passwd }",
        "      alerts: 1",
        "    - http: { uri: /a/../../etc/passwd }",
        "      alerts: 0",
        "    - udp: { payload: /etc/passwd, dport: 80 }",
        "      alerts: 1",
        "",
      ].join("\n"),
    );
    const report = await runRuleTests([file], config);
    const [missed, extra, udp] = report.results;
    assert.equal(missed.passed, false);
    assert.equal(missed.actual, 0);
    assert.deepEqual(missed.trace, [
      "expected 1 alert(s), got 0",
      `furthest on packet 6: pcre:"/(?:\\.\\.\\/){2,}/" did not match in pkt_data (stream) at offset 20 of 49 bytes (${file}:8:7)`,
    ]);
    assert.equal(extra.actual, 1);
    assert.match(extra.trace[0], /^expected 0 alert\(s\), got 1; it matched on packet \d+$/);
    assert.deepEqual(
      udp.trace.at(-1),
      "furthest on packet 1: protocol: the packet is IP protocol 17",
    );
    const { code, out } = await tarsier("rules", "test", file);
    assert.equal(code, 1);
    assert.match(out, /FAIL sid 77 http GET \/docs\/etc\/passwd \(expects 1, got 0\)/);
    assert.match(out, /0 passed, 3 failed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rules convert: starter.yaml to Suricata rules and back gives the same rules", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rules = join(dir, "starter.rules");
    const yaml = join(dir, "again.yaml");
    assert.equal((await tarsier("rules", "convert", STARTER, "-o", rules)).code, 0);
    assert.equal((await tarsier("rules", "convert", rules, "-o", yaml)).code, 0);
    const a = parseYamlRules(await Deno.readTextFile(STARTER), "a").rules.map(comparableRule);
    const b = parseYamlRules(await Deno.readTextFile(yaml), "b").rules.map(comparableRule);
    assert.equal(a.length, 16);
    assert.deepEqual(b, a);
    const lint = await tarsier("rules", "lint", "--format", "json", rules);
    assert.equal(lint.code, 0, lint.out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
