/**
 * The rule parser over real rule sets: Emerging Threats Open, Suricata's own
 * rules and every suricata-verify test.rules in the shared corpus.
 */

import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import { CORPUS_DIR, HAVE_CORPUS } from "../corpus.ts";
import {
  AddressResolver,
  comparableRule,
  formatDiagnostic,
  formatRule,
  loadConfig,
  loadRuleFiles,
  type ParsedRule,
  parseRules,
  PortResolver,
} from "../../src/rules/mod.ts";

const ACTIVE = /^(alert|drop|pass|reject|rejectsrc|rejectdst|rejectboth) /;

function ruleFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".rules"))
    .map((e) => join(dir, e.name))
    .sort();
}

function haveDir(rel: string): boolean {
  try {
    return HAVE_CORPUS && Deno.statSync(join(CORPUS_DIR, rel)).isDirectory;
  } catch {
    return false;
  }
}

function assertRoundTrips(rules: readonly ParsedRule[]): void {
  const broken: string[] = [];
  for (const rule of rules) {
    const again = parseRules(formatRule(rule), rule.location.file);
    if (
      again.rules.length !== 1 ||
      !isDeepStrictEqual(comparableRule(again.rules[0]), comparableRule(rule))
    ) {
      broken.push(`${rule.location.file}:${rule.location.line}: sid ${rule.sid}`);
    }
  }
  assert.deepEqual(broken, [], "rules that do not round-trip");
}

for (const set of ["rules/et-open", "rules/suricata"]) {
  Deno.test({
    name: `corpus: every active rule of ${set} parses and round-trips`,
    ignore: !haveDir(set),
    fn() {
      const files = ruleFiles(join(CORPUS_DIR, set));
      assert.ok(files.length > 0);
      let total = 0;
      for (const file of files) {
        const text = Deno.readTextFileSync(file);
        const active = text.split("\n").filter((line) => ACTIVE.test(line)).length;
        const r = parseRules(text, file);
        assert.deepEqual(r.errors.map(formatDiagnostic), [], file);
        assert.deepEqual(r.warnings.map(formatDiagnostic), [], file);
        assert.equal(r.rules.length, active, file);
        assertRoundTrips(r.rules);
        total += r.rules.length;
      }
      console.log(`${set}: ${files.length} files, ${total} rules parsed and round-tripped`);
    },
  });
}

Deno.test({
  name: "corpus: ET Open parses in well under a second",
  ignore: !haveDir("rules/et-open"),
  fn() {
    const texts = ruleFiles(join(CORPUS_DIR, "rules/et-open")).map((f) =>
      [f, Deno.readTextFileSync(f)] as const
    );
    const times: number[] = [];
    let rules = 0;
    for (let run = 0; run < 2; run++) {
      const t0 = performance.now();
      rules = 0;
      for (const [file, text] of texts) rules += parseRules(text, file).rules.length;
      times.push(performance.now() - t0);
    }
    const mb = texts.reduce((n, [, t]) => n + t.length, 0) / 1e6;
    console.log(
      `ET Open: ${rules} rules, ${mb.toFixed(1)} MB, parsed in ${
        times.map((t) => t.toFixed(0)).join(" ms, then ")
      } ms`,
    );
    assert.ok(Math.min(...times) < 1000, `parse took ${times.join(", ")} ms`);
  },
});

Deno.test({
  name:
    "corpus: addresses and ports of every ET Open and Suricata rule resolve with the default vars",
  ignore: !haveDir("rules/et-open"),
  fn() {
    const { config } = loadConfig();
    const addresses = new AddressResolver(config.addressGroups());
    const ports = new PortResolver(config.portGroups());
    const { rules, errors } = loadRuleFiles([
      join(CORPUS_DIR, "rules/et-open"),
      join(CORPUS_DIR, "rules/suricata"),
    ]);
    assert.deepEqual(errors, []);
    const failures: string[] = [];
    for (const rule of rules) {
      for (
        const r of [
          addresses.resolve(rule.source),
          addresses.resolve(rule.destination),
          ports.resolve(rule.sourcePorts),
          ports.resolve(rule.destinationPorts),
        ]
      ) {
        if ("error" in r) failures.push(formatDiagnostic(r.error));
      }
    }
    if (failures.length > 0) console.log(failures.join("\n"));
    assert.deepEqual(failures, []);
  },
});

Deno.test({
  name: "corpus: every suricata-verify test.rules parses",
  ignore: !haveDir("suricata-verify"),
  fn() {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of Deno.readDirSync(dir)) {
        const p = join(dir, e.name);
        if (e.isDirectory) walk(p);
        else if (e.name === "test.rules") files.push(p);
      }
    };
    walk(join(CORPUS_DIR, "suricata-verify"));
    files.sort();
    const r = loadRuleFiles(files);
    console.log(`suricata-verify: ${files.length} test.rules, ${r.rules.length} rules`);
    assert.deepEqual(r.errors.map(formatDiagnostic), []);
    assertRoundTrips(r.rules);
  },
});
