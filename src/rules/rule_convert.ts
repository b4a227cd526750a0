/**
 * Whole-file conversion between Suricata rule files and YAML rule files,
 * keeping what surrounds the rules: comment lines stay comments (before the
 * rule they precede), commented-out rules become `enabled: false` rules and
 * back. Rules keep their options' order and raw text (see yaml_rules.ts);
 * only blanks between options and blank lines change. A rule that does not
 * parse is kept as a comment and reported.
 *
 * @example
 * ```ts
 * import { rulesTextToYaml, yamlToRulesText } from "./rule_convert.ts";
 * const yaml = rulesTextToYaml('# web\nalert tcp any any -> any 80 (msg:"x"; sid:1;)\n', "a.rules");
 * yamlToRulesText(yaml.text, "a.yaml").text; // '# web\nalert tcp any any -> any 80 (msg:"x"; sid:1;)\n'
 * ```
 *
 * @module
 */

import { formatDiagnostic, type RuleDiagnostic } from "./diagnostic.ts";
import { formatRule, type ParsedRule, RULE_ACTIONS } from "./rule.ts";
import { parseRule, parseRules } from "./rule_parser.ts";
import { parseYamlRules, rulesToYaml, type YamlRuleEntry } from "./yaml_rules.ts";

/** What a conversion gives. */
export interface ConversionResult {
  /** The converted file's text. */
  text: string;
  /** Rules converted (enabled or not). */
  rules: number;
  /** Rules (or YAML) that did not parse; kept as comments where possible. */
  errors: RuleDiagnostic[];
}

const ACTION_WORD = new RegExp(`^(${RULE_ACTIONS.join("|")})\\s`, "i");

/**
 * Converts the text of a Suricata rule file to a YAML rule file.
 *
 * @param text the rule file's content
 * @param file its name, for diagnostics
 * @returns the YAML text, the rule count and the rules that did not parse
 */
export function rulesTextToYaml(text: string, file: string): ConversionResult {
  const parsed = parseRules(text, file);
  const lines = text.replace(/^\ufeff/, "").split(/\r?\n/);
  const ruleAt = new Map<number, ParsedRule>();
  const covered = new Set<number>();
  for (const rule of parsed.rules) {
    ruleAt.set(rule.location.line, rule);
    for (let k = 0; k <= rule.lineBreaks.length; k++) covered.add(rule.location.line + k);
  }
  const errorAt = new Map<number, RuleDiagnostic>();
  for (const e of parsed.errors) errorAt.set(e.line, e);
  const entries: YamlRuleEntry[] = [];
  let pending: string[] = [];
  for (let n = 1; n <= lines.length; n++) {
    const line = lines[n - 1];
    const rule = ruleAt.get(n);
    if (rule) {
      entries.push({ rule, comment: pending.length ? pending.join("\n") : null });
      pending = [];
      continue;
    }
    if (covered.has(n) || line.trim() === "") continue;
    const error = errorAt.get(n);
    if (error) {
      pending.push(` did not parse: ${formatDiagnostic(error)}`, ` ${line}`);
      continue;
    }
    if (line.startsWith("#")) {
      const body = line.replace(/^#+\s*/, "");
      if (ACTION_WORD.test(body)) {
        const r = parseRule(body, file, n);
        if ("rule" in r) {
          entries.push({
            rule: r.rule,
            enabled: false,
            comment: pending.length ? pending.join("\n") : null,
          });
          pending = [];
          continue;
        }
      }
      pending.push(line.slice(1));
      continue;
    }
    pending.push(` ${line}`); // an indented line Suricata ignores
  }
  const head = entries.length === 0 && pending.length > 0 ? pending.join("\n") : null;
  const yaml = rulesToYaml(entries, {
    headComment: head,
    tailComment: entries.length > 0 && pending.length > 0 ? pending.join("\n") : null,
  });
  return { text: yaml, rules: entries.length, errors: parsed.errors };
}

/**
 * Converts the text of a YAML rule file to a Suricata rule file (test cases
 * are dropped: Suricata's syntax has no place for them).
 *
 * @param text the YAML file's content
 * @param file its name, for diagnostics
 * @returns the rule text, the rule count and what did not parse
 */
export function yamlToRulesText(text: string, file: string): ConversionResult {
  const parsed = parseYamlRules(text, file);
  const out: string[] = [];
  const comment = (c: string | null) => {
    if (c) { for (const l of c.split("\n")) out.push(`#${l}`); }
  };
  comment(parsed.headComment);
  for (const entry of parsed.entries) {
    comment(entry.comment);
    out.push(`${entry.enabled ? "" : "# "}${formatRule(entry.rule)}`);
  }
  comment(parsed.tailComment);
  return {
    text: out.length > 0 ? out.join("\n") + "\n" : "",
    rules: parsed.entries.length,
    errors: parsed.errors,
  };
}
