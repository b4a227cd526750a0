/**
 * Every rule of the corpus that parses converts to YAML and back to the same
 * model, and prints back as the same text up to whitespace: Emerging Threats
 * Open and Suricata's own rules.
 */

import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import { CORPUS_DIR, HAVE_CORPUS } from "../corpus.ts";
import { comparableRule, formatDiagnostic, formatRule, parseRules } from "../../src/rules/mod.ts";
import { parseYamlRules, rulesToYaml } from "../../src/rules/yaml_rules.ts";

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

const noBlanks = (s: string) => s.replace(/\s+/g, "");

for (const set of ["rules/et-open", "rules/suricata"]) {
  Deno.test({
    name: `yaml corpus: every rule of ${set} that parses round-trips through YAML`,
    ignore: !haveDir(set),
    fn() {
      let parsed = 0;
      let sameModel = 0;
      let sameText = 0;
      const broken: string[] = [];
      for (const file of ruleFiles(join(CORPUS_DIR, set))) {
        const original = parseRules(Deno.readTextFileSync(file), file);
        const yaml = rulesToYaml(original.rules.map((rule) => ({ rule })));
        const back = parseYamlRules(yaml, `${file}.yaml`);
        assert.deepEqual(back.errors.map(formatDiagnostic), [], file);
        assert.equal(back.rules.length, original.rules.length, file);
        original.rules.forEach((rule, k) => {
          parsed++;
          const again = back.rules[k];
          const model = isDeepStrictEqual(comparableRule(again), comparableRule(rule));
          const text = noBlanks(formatRule(again)) === noBlanks(rule.text);
          if (model) sameModel++;
          if (text) sameText++;
          if (!model || !text) broken.push(`${file}:${rule.location.line}: sid ${rule.sid}`);
        });
      }
      console.log(
        `${set}: ${parsed} rules parse, ${sameModel} round-trip to the same model, ` +
          `${sameText} to the same text up to whitespace`,
      );
      assert.ok(parsed > 0);
      assert.deepEqual(broken.slice(0, 20), [], "rules that do not round-trip");
    },
  });
}
