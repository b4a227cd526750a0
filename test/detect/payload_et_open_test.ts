/**
 * Every rule of ET Open through parseRules + compileRule. Prints the skipped
 * rules grouped by reason (keywords of other families show up until they
 * land), then compiles each rule again with only the options whose keyword
 * is registered, so that the payload keywords are judged alone: no rule may
 * fail because of content, pcre, byte_* or sticky-buffer keywords except for
 * the documented unsupported pcre constructs.
 */

import assert from "node:assert/strict";
import "../../src/detect/keywords/mod.ts";
import { lookupKeyword } from "../../src/detect/keyword_registry.ts";
import { compileRule } from "../../src/detect/signature_compiler.ts";
import { AddressResolver } from "../../src/rules/address.ts";
import { PortResolver } from "../../src/rules/port.ts";
import type { ParsedRule } from "../../src/rules/rule.ts";
import { parseRules } from "../../src/rules/rule_parser.ts";
import { corpusPath } from "../corpus.ts";

const ANY = "any";
/** The variables ET Open uses. */
const ENV = {
  addresses: new AddressResolver({
    HOME_NET: ANY,
    EXTERNAL_NET: ANY,
    HTTP_SERVERS: ANY,
    SQL_SERVERS: ANY,
    SMTP_SERVERS: ANY,
    TELNET_SERVERS: ANY,
    DNS_SERVERS: ANY,
  }),
  ports: new PortResolver({
    HTTP_PORTS: "80",
    ORACLE_PORTS: "1521",
    SHELLCODE_PORTS: "!80",
    SSH_PORTS: "22",
  }),
  classifications: new Map<string, { description: string; priority: number }>(),
};

/** Failures the payload keywords may cause on ET Open (documented limits). */
const ALLOWED = [/^unsupported pcre: .*caseless back reference/];

function loadEtOpen(): ParsedRule[] {
  const dir = corpusPath("rules/et-open");
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".rules"));
  } catch {
    return [];
  }
  const rules: ParsedRule[] = [];
  for (const name of names.sort()) {
    rules.push(...parseRules(Deno.readTextFileSync(`${dir}/${name}`), name).rules);
  }
  return rules;
}

const rules = loadEtOpen();

function countBy(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

Deno.test({
  name: "ET Open: skipped rules by reason (all keyword families)",
  ignore: rules.length === 0,
  fn() {
    const reasons = new Map<string, number>();
    let loaded = 0;
    let waiting = 0;
    for (const rule of rules) {
      const r = compileRule(rule, ENV);
      if (r.ok) {
        loaded++;
        if (r.sig.waitingFor.length > 0) waiting++;
      } else {
        countBy(reasons, r.reason);
      }
    }
    console.log(
      `ET Open: ${rules.length} rules, ${loaded} compiled (${waiting} waiting for a buffer)`,
    );
    for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${String(n).padStart(6)}  ${reason}`);
    }
  },
});

Deno.test({
  name: "ET Open: the payload keywords compile every rule except documented pcre limits",
  ignore: rules.length === 0,
  fn() {
    const failures = new Map<string, number>();
    const unexpected: string[] = [];
    let compiled = 0;
    let withFastPattern = 0;
    for (const rule of rules) {
      const options = rule.options.filter((o) => lookupKeyword(o.name) !== undefined);
      const r = compileRule({ ...rule, options }, ENV);
      if (r.ok) {
        compiled++;
        if (r.sig.fastPattern !== null) withFastPattern++;
        continue;
      }
      if (r.reason === "invalid address") continue; // `![$A,$B]` with A = B = any
      countBy(failures, r.reason);
      if (!ALLOWED.some((re) => re.test(r.reason))) {
        unexpected.push(`${rule.sid}: ${r.diagnostic.message}`);
      }
    }
    console.log(
      `payload keywords alone: ${compiled}/${rules.length} compile, ${withFastPattern} with a prefilter pattern`,
    );
    for (const [reason, n] of failures) console.log(`  ${n}  ${reason}`);
    assert.deepEqual(unexpected, []);
    assert.ok(compiled > rules.length - 40);
  },
});
