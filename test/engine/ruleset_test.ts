/**
 * loadRuleset: the parsed rule model is released after compilation (file by
 * file) and what detection and output use stays; the same rules give the
 * same alerts with the model kept or released; `alert.rule` is written when
 * suricata.yaml asks for it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { loadRuleset } from "../../src/engine/ruleset.ts";
import { loadConfigText } from "../../src/rules/config.ts";
import { tarsierCommand } from "../cli/_tarsier.ts";
import { REPO_ROOT } from "../corpus.ts";

const RULES = [
  'alert http any any -> any any (msg:"ET TEST long message kept after release"; ' +
  'flow:established,to_server; http.method; content:"GET"; http.uri; content:"/"; ' +
  "classtype:policy-violation; reference:url,example.com/a; " +
  "metadata: signature_severity Major, created_at 2010_07_30; sid:1000001; rev:2;)",
  'alert tcp any any -> any any (msg:"second file rule"; hostbits:isset,a_long_hostbit_name_here; ' +
  "sid:1000002; rev:1;)",
];

function writeRules(dir: string): string[] {
  const a = join(dir, "a.rules");
  const b = join(dir, "b.rules");
  Deno.writeTextFileSync(a, RULES[0] + "\n");
  Deno.writeTextFileSync(b, RULES[1] + "\n");
  return [a, b];
}

Deno.test("loadRuleset releases the parse and keeps what detection and output use", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const paths = writeRules(dir);
    const { config } = loadConfigText("%YAML 1.1\n---\n");
    const released = loadRuleset({ config, paths, keepRuleText: false });
    const kept = loadRuleset({ config, paths, keepRuleModel: true });
    assert.equal(released.report.loaded, 2);
    assert.equal(released.report.rules, 2);
    for (let i = 0; i < 2; i++) {
      const r = released.engine.sigs.find((s) => s.loadOrder === i)!;
      const k = kept.engine.sigs.find((s) => s.loadOrder === i)!;
      assert.equal(r.rule, null);
      assert.notEqual(k.rule, null);
      assert.equal(r.text, "");
      assert.equal(k.text, RULES[i]);
      assert.deepEqual(r.location, k.location);
      assert.equal(r.location.file, paths[i]);
      for (const field of ["sid", "rev", "msg", "classtype", "appProto", "protocol"] as const) {
        assert.equal(r[field], k[field], field);
      }
      assert.deepEqual(r.metadata, k.metadata);
      assert.deepEqual(r.references, k.references);
      assert.equal(r.conditions.length, k.conditions.length);
      assert.equal(r.buffers.length, k.buffers.length);
    }
    assert.ok(released.keywords.has("hostbits") && released.keywords.has("http.uri"));
    // the text is kept by default
    assert.equal(
      loadRuleset({ config, paths }).engine.sigs.find((s) => s.sid === 1000002)!.text,
      RULES[1],
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

async function scan(args: string[]): Promise<{ code: number; stderr: string }> {
  const { code, stderr } = await tarsierCommand("scan", ...args).output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

function alerts(dir: string): Record<string, unknown>[] {
  return Deno.readTextFileSync(join(dir, "eve.json")).trim().split("\n").map((l) => JSON.parse(l))
    .filter((e) => e.event_type === "alert");
}

Deno.test("scan writes alert.rule only when eve-log asks for metadata.rule.raw", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const rules = join(dir, "demo.rules");
    const rule =
      'alert http any any -> any any (msg:"GET"; http.method; content:"GET"; sid:7; rev:1;)';
    Deno.writeTextFileSync(rules, rule + "\n");
    const yaml = join(dir, "raw.yaml");
    Deno.writeTextFileSync(
      yaml,
      "%YAML 1.1\n---\noutputs:\n  - eve-log:\n      enabled: yes\n      types:\n" +
        "        - alert:\n            metadata:\n              rule:\n                raw: yes\n",
    );
    const demo = join(REPO_ROOT, "test", "data", "demo.pcap");
    const plain = await scan([demo, "--rules", rules, "-l", join(dir, "plain"), "--no-progress"]);
    assert.equal(plain.code, 0, plain.stderr);
    const raw = await scan([
      demo,
      "--rules",
      rules,
      "-c",
      yaml,
      "-l",
      join(dir, "raw"),
      "--no-progress",
    ]);
    assert.equal(raw.code, 0, raw.stderr);
    const a = alerts(join(dir, "plain"));
    const b = alerts(join(dir, "raw"));
    assert.ok(a.length > 0);
    assert.equal(b.length, a.length);
    for (const e of a) assert.equal((e.alert as Record<string, unknown>).rule, undefined);
    for (const e of b) assert.equal((e.alert as Record<string, unknown>).rule, rule);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("loadRuleset reports a file's parse errors before its rules' compile diagnostics", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const a = join(dir, "a.rules");
    const b = join(dir, "b.rules");
    // a: a rule that parses but does not compile (line 1), a duplicate sid
    // (line 2), then a rule that does not parse (line 3)
    Deno.writeTextFileSync(
      a,
      [
        'alert tcp any any -> any any (msg:"x"; ftpbounce; sid:1;)',
        'alert tcp any any -> any any (msg:"y"; sid:2; rev:1;)',
        'alert tcp any any -> any any (msg:"z"; sid:3;',
        'alert tcp any any -> any any (msg:"y2"; sid:2; rev:2;)',
      ].join("\n") + "\n",
    );
    Deno.writeTextFileSync(b, "alert tcp any any -> any any (sid:4;\n");
    const { config } = loadConfigText("%YAML 1.1\n---\n");
    const { report } = loadRuleset({ config, paths: [a, b] });
    assert.deepEqual(
      report.diagnostics.map((d) => `${d.file === a ? "a" : "b"}:${d.line}`),
      ["a:3", "a:1", "a:2", "b:1"],
    );
    assert.deepEqual(Object.keys(report.skippedByReason), [
      "syntax error",
      "unsupported keyword ftpbounce",
      "duplicate sid",
    ]);
    assert.equal(report.rules, 5);
    assert.equal(report.loaded, 1);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
