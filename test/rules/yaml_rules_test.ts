/**
 * The YAML rule format: what a YAML rule means as Suricata options, its
 * errors at file:line:col in the YAML, and whole-file conversion keeping
 * comments and commented-out rules.
 */

import assert from "node:assert/strict";
import { comparableRule, formatDiagnostic, formatRule, parseRules } from "../../src/rules/mod.ts";
import { parseYamlRules } from "../../src/rules/yaml_rules.ts";
import { rulesTextToYaml, yamlToRulesText } from "../../src/rules/rule_convert.ts";
import { locateInRule } from "../../src/rules/rule.ts";

const errors = (text: string) => parseYamlRules(text, "r.yaml").errors.map(formatDiagnostic);

Deno.test("yaml rules: key order is option order; match items expand in place", () => {
  const r = parseYamlRules(
    [
      "- sid: 7",
      "  proto: http",
      "  from: $EXTERNAL_NET any",
      "  to: $HOME_NET any",
      "  msg: Path traversal",
      "  match:",
      "    - flow: established,to_server",
      "    - http.uri:",
      "        - content: { not: /etc/passwd }",
      "          nocase: true",
      "        - raw: 'pcre: \"/x/U\"'",
      "    - pkt_data",
      "  reference:",
      "    - url,a.example",
      '    - "cve,2021-1"',
      "  tests:",
      "    - http: { uri: /index.html, headers: { X-A: b } }",
      "      alerts: 0",
      "",
    ].join("\n"),
    "r.yaml",
  );
  assert.deepEqual(r.errors, []);
  assert.equal(
    formatRule(r.rules[0]),
    'alert http $EXTERNAL_NET any -> $HOME_NET any (sid:7; msg:"Path traversal"; flow:established,to_server; http.uri; content:!"/etc/passwd"; nocase; pcre:"/x/U"; pkt_data; reference:url,a.example; reference:cve,2021-1;)',
  );
  assert.deepEqual(r.entries[0].tests[0].traffic, {
    kind: "http",
    uri: "/index.html",
    headers: [["X-A", "b"]],
  });
  // option positions are the YAML keys'
  const flow = r.rules[0].options[2];
  assert.deepEqual([flow.location.line, flow.location.column], [7, 7]);
  const content = r.rules[0].options[4];
  const at = locateInRule(r.rules[0], content.valueOffset + 2);
  assert.deepEqual([at.line, at.column], [9, 27]); // the "/" of /etc/passwd
});

Deno.test("yaml rules: YAML and rule errors point into the YAML file", () => {
  assert.deepEqual(errors("- proto: tcp\n  from: any any\n to: any any\n"), [
    "r.yaml:3:1: YAML: Sequence item without - indicator",
  ]);
  assert.deepEqual(
    errors("- proto: tcp\n  from: any any\n  to: any any\n  sid: 1\n  tests: {a: 1}\n"),
    ["r.yaml:5:10: tests must be a list of test cases, not a mapping"],
  );
  assert.deepEqual(
    errors("- proto: tcp\n  from: any any\n  to: any any\n  sid: 1\n  colour: red\n"),
    [
      'r.yaml:5:3: unknown key "colour" (a rule has action, proto, from, to, direction, enabled, tests, match, msg, sid, rev, gid, classtype, priority, reference, metadata; other options go in match)',
    ],
  );
  // a rule-level error at the offending character of a YAML value
  assert.deepEqual(
    errors("- proto: tcp\n  from: any any\n  to: any 8x0\n  sid: 1\n"),
    ['r.yaml:3:11: invalid port "8x0"'],
  );
  assert.deepEqual(
    errors("- proto: tcp\n  from: any any\n  to: any 80\n  match: [nocase]\n"),
    ["r.yaml:1:3: rule has no 'sid' option"],
  );
  assert.deepEqual(
    errors(
      "- proto: tcp\n  from: any any\n  to: any 80\n  sid: 1\n  tests:\n    - alerts: one\n      tcp: {payload: x}\n",
    ),
    ["r.yaml:6:15: alerts must be a whole number (0 or more)"],
  );
  assert.deepEqual(errors("sid: 1\n"), [
    "r.yaml:1:1: a YAML rule file is a list of rules (each item starting with '- ')",
  ]);
});

Deno.test("yaml rules: one bad rule skips one rule", () => {
  const r = parseYamlRules(
    "- proto: tcp\n  from: any any\n  to: any any\n  sid: 1\n- proto: tcp\n  from: any any\n  to: any any\n  match: 3\n  sid: 2\n- proto: udp\n  from: any any\n  to: any any\n  sid: 3\n",
    "r.yaml",
  );
  assert.deepEqual(r.rules.map((x) => x.sid), [1, 3]);
  assert.equal(r.errors.length, 1);
});

Deno.test("yaml rules: files convert both ways keeping comments and disabled rules", () => {
  const rules = [
    "# web rules",
    "#",
    'alert tcp any any -> any 80 (msg:"a"; content:"GET"; depth:3; sid:1; rev:2;)',
    "",
    '#alert tcp any any -> any 80 (msg:"off"; content:"x"; sid:2;)',
    "# trailing words",
    "",
  ].join("\n");
  const yaml = rulesTextToYaml(rules, "w.rules");
  assert.deepEqual(yaml.errors, []);
  assert.equal(yaml.rules, 2);
  assert.match(yaml.text, /enabled: false/);
  const back = yamlToRulesText(yaml.text, "w.yaml");
  assert.equal(
    back.text,
    [
      "# web rules", // (an empty comment line is blank space to YAML, and is dropped)
      'alert tcp any any -> any 80 (msg:"a"; content:"GET"; depth:3; sid:1; rev:2;)',
      '# alert tcp any any -> any 80 (msg:"off"; content:"x"; sid:2;)',
      "# trailing words",
      "",
    ].join("\n"),
  );
  const a = parseRules(rules, "w.rules").rules;
  const b = parseYamlRules(yaml.text, "w.yaml").rules;
  assert.deepEqual(b.map(comparableRule), a.map(comparableRule));
});

Deno.test("yaml rules: rules/schema.json names exactly the keys the reader accepts", async () => {
  const { HEADER_KEYS, META_KEYS } = await import("../../src/rules/yaml_rules.ts");
  const { TRAFFIC_KINDS } = await import("../../src/rules/rule_test_case.ts");
  const schema = JSON.parse(
    await Deno.readTextFile(new URL("../../rules/schema.json", import.meta.url)),
  );
  assert.deepEqual(
    Object.keys(schema.definitions.rule.properties).sort(),
    [...HEADER_KEYS, ...META_KEYS].sort(),
  );
  assert.deepEqual(
    Object.keys(schema.definitions.test.properties).sort(),
    ["alerts", "name", ...TRAFFIC_KINDS].sort(),
  );
});
