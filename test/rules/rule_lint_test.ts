/**
 * `rules lint` over crafted files: each problem it is meant to find, found
 * with its check name at the offending option's file:line:col, in Suricata
 * syntax and in YAML.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { lintRuleFiles } from "../../src/engine/rule_lint.ts";
import { loadConfig } from "../../src/rules/config.ts";

const DIR = fileURLToPath(new URL("./fixtures/lint/", import.meta.url));
const { config } = loadConfig();

function lint(name: string): string[] {
  return lintRuleFiles([DIR + name], config).map((f) =>
    `${f.line}:${f.column} ${f.severity} ${f.check}: ${f.message}`
  );
}

Deno.test("lint: crafted .rules problems are found at their option", () => {
  assert.deepEqual(lint("crafted.rules"), [
    `2:62 error syntax: option "sid" is not terminated by ';'`,
    `3:45 error unknown-keyword: unknown keyword "http_urii" (not supported by this engine)`,
    "4:52 error invalid-option: distance: needs a preceding content",
    `6:61 error duplicate-sid: sid 1:4 is already used at ${DIR}crafted.rules:5:1`,
    "7:64 error never-matches: depth:3 is shorter than its 6-byte content, which can never fit",
    "8:54 error never-matches: flags applies to tcp packets only; this is a udp rule",
    "9:47 error never-matches: flow is both to_server and to_client",
    "10:42 warning weak-fast-pattern: weak fast pattern: 2 byte(s) match most packets; use a longer content",
    "11:47 warning weak-fast-pattern: no fast pattern: without a content the rule is checked on every packet of its protocol",
  ]);
});

Deno.test("lint: crafted YAML problems point into the YAML file", () => {
  assert.deepEqual(lint("crafted.yaml"), [
    `6:7 error unknown-keyword: unknown keyword "http_urii" (not supported by this engine)`,
    "17:7 error never-matches: within:4 is shorter than its 6-byte content, which can never fit",
    `20:9 error syntax: "any" must be an address and a port, e.g. "$HOME_NET any" or "any 80"`,
    "27:10 error syntax: match must be a list of options, not a mapping",
    `32:3 error syntax: unknown key "flow" (a rule has action, proto, from, to, direction, enabled, tests, match, msg, sid, rev, gid, classtype, priority, reference, metadata; other options go in match)`,
  ]);
});

Deno.test("lint: the bundled starter ruleset is clean", () => {
  const root = fileURLToPath(new URL("../../rules/starter.yaml", import.meta.url));
  assert.deepEqual(lintRuleFiles([root], config), []);
});
