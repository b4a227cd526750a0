/**
 * Meta keywords: what each stores on the signature, how the compiler turns
 * classtype and priority into the signature's priority, and the errors and
 * skips (`requires`) with their positions.
 */

import assert from "node:assert/strict";
import { parseMetadata } from "../../src/detect/keywords/metadata.ts";
import {
  parseRequires,
  provideFeature,
  unmetRequirement,
} from "../../src/detect/keywords/requires.ts";
import { compileError, sig } from "./header_rules.ts";

const rule = (options: string) => `alert tcp any any -> any any (msg:"m"; ${options} sid:7;)`;

Deno.test("msg, sid, rev, gid: taken from the parser", () => {
  const s = sig(
    'alert tcp any any -> any 80 (msg:"a \\"quoted\\" \\; msg"; sid:123; rev:4; gid:2;)',
  );
  assert.equal(s.msg, 'a "quoted" ; msg');
  assert.equal(s.sid, 123);
  assert.equal(s.rev, 4);
  assert.equal(s.gid, 2);
  const d = sig("alert tcp any any -> any 80 (sid:5;)");
  assert.deepEqual([d.msg, d.rev, d.gid], ["", 0, 1]);
});

Deno.test("classtype: priority from the classification table, case-insensitive", () => {
  const s = sig(rule("classtype:trojan-activity;"));
  assert.equal(s.classtype, "trojan-activity");
  assert.equal(s.priority, 1);
  assert.equal(s.priorityExplicit, false);
  assert.equal(sig(rule("classtype:Trojan-Activity;")).priority, 1);
  assert.equal(sig(rule("")).priority, 3, "no classtype: priority 3");
  const twice = sig(rule("classtype:misc-activity; classtype:trojan-activity;"));
  assert.equal(twice.classtype, "misc-activity", "the first classtype is kept");
  assert.deepEqual(compileError(rule("classtype:trojan activity;")), {
    line: "test.rules:1:56: classtype: invalid character ' ' in the name",
    reason: "invalid classtype",
  });
  assert.equal(
    compileError(rule("classtype:1abc;")).line,
    "test.rules:1:50: classtype: a name starting with a letter expected",
  );
  // Suricata 7 loads a rule with an unknown classtype, with the default priority 3
  const unknown = sig(rule("classtype:no-such-class;"));
  assert.equal(unknown.classtype, "no-such-class");
  assert.equal(unknown.priority, 3);
});

Deno.test("priority: overrides the classtype; the highest of two wins", () => {
  const s = sig(rule("classtype:trojan-activity; priority:4;"));
  assert.equal(s.priority, 4);
  assert.equal(s.priorityExplicit, true);
  assert.equal(sig(rule("priority:2; classtype:trojan-activity;")).priority, 2);
  assert.equal(sig(rule("priority:5; priority:2; priority:9;")).priority, 2);
  assert.equal(sig(rule("priority: 10 ;")).priority, 10);
  assert.equal(
    compileError(rule("priority:high;")).line,
    "test.rules:1:49: priority: number expected",
  );
  assert.equal(
    compileError(rule("priority:-1;")).line,
    "test.rules:1:49: priority: number expected",
  );
});

Deno.test("reference: type,id kept as written", () => {
  const s = sig(
    rule(
      'reference:url,www.example.com/a?b=c&d; reference: cve , 2021-44228; reference:md5,"0123";',
    ),
  );
  assert.deepEqual(s.references, ["url,www.example.com/a?b=c&d", "cve,2021-44228", "md5,0123"]);
  assert.equal(
    compileError(rule("reference:url;")).line,
    "test.rules:1:53: reference: type,id expected (the type is alphanumeric)",
  );
  assert.equal(
    compileError(rule("reference:url,:x;")).line,
    "test.rules:1:54: reference: id expected (it starts with a letter, a digit or one of -_./?=)",
  );
  assert.equal(
    compileError(rule("reference:u-rl,x;")).line,
    "test.rules:1:51: reference: type,id expected (the type is alphanumeric)",
  );
});

/** The split written with split and regular expressions, to compare against. */
function metadataOracle(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(",")) {
    const p = part.replace(/^[ \t]+/, "");
    const space = p.indexOf(" ");
    if (space <= 0) continue;
    const val = p.slice(space + 1).replace(/^[ \t]+/, "");
    if (val.length === 0) continue;
    out.push(`${p.slice(0, space)} ${val}`);
  }
  return out;
}

Deno.test("metadata: the index scan splits as split and regular expressions do", () => {
  const pieces = ["a", "b c", " ", "\t", ",", "  x  y ", "k\tv", "\t k  \t v", ""];
  let n = 0;
  for (const a of pieces) {
    for (const b of pieces) {
      for (const c of pieces) {
        const value = a + b + c;
        assert.deepEqual(parseMetadata(value), metadataOracle(value), JSON.stringify(value));
        n++;
      }
    }
  }
  assert.equal(n, 729);
  assert.deepEqual(parseMetadata("k \t v, k2 v2,"), ["k v", "k2 v2"]);
});

Deno.test("metadata: key value pairs as Suricata splits them", () => {
  assert.deepEqual(parseMetadata("created_at 2010_07_30, updated_at  2019_07_26"), [
    "created_at 2010_07_30",
    "updated_at 2019_07_26",
  ]);
  assert.deepEqual(parseMetadata("bare, key two words ,, k "), ["key two words "]);
  const s = sig(
    rule(
      "metadata:affected_product Windows_XP_Vista_7_8_10_Server_32_64_Bit, attack_target Client_Endpoint; metadata:signature_severity Major;",
    ),
  );
  assert.deepEqual(s.metadata, [
    "affected_product Windows_XP_Vista_7_8_10_Server_32_64_Bit",
    "attack_target Client_Endpoint",
    "signature_severity Major",
  ]);
  assert.deepEqual(sig(rule("metadata:nothing;")).metadata, [], "accepted, nothing kept");
});

Deno.test("target: src_ip or dest_ip", () => {
  assert.equal(sig(rule("target:src_ip;")).target, "src_ip");
  assert.equal(sig(rule("target: dest_ip ;")).target, "dest_ip");
  assert.equal(sig(rule("target:dest_ip; target:dest_ip;")).target, "dest_ip");
  assert.equal(
    compileError(rule("target:dst_ip;")).line,
    "test.rules:1:47: target: src_ip or dest_ip expected",
  );
  assert.equal(
    compileError(rule("target:src_ip; target:dest_ip;")).line,
    "test.rules:1:55: target: conflicts with the earlier target:src_ip",
  );
});

Deno.test("tag: accepted and ignored; syntax checked", () => {
  sig(rule("tag:session,5,packets;"));
  sig(rule("tag:host,300,seconds,src;"));
  sig(rule("tag:session;"));
  assert.equal(
    compileError(rule("tag:session,5;")).line,
    "test.rules:1:44: tag: session|host[,count,packets|bytes|seconds[,src|dst]] expected",
  );
});

Deno.test("requires: parsed as Suricata's requires.rs", () => {
  assert.deepEqual(parseRequires("feature output::file-store, version >= 7.0.3"), {
    features: ["output::file-store"],
    versions: [[{ op: ">=", version: { major: 7, minor: 0, patch: 3 } }]],
    unknown: [],
  });
  assert.deepEqual(parseRequires("version >= 7 < 8 | >= 8.1").versions, [
    [
      { op: ">=", version: { major: 7, minor: 0, patch: 0 } },
      { op: "<", version: { major: 8, minor: 0, patch: 0 } },
    ],
    [{ op: ">=", version: { major: 8, minor: 1, patch: 0 } }],
  ]);
  assert.deepEqual(parseRequires("foo bar").unknown, ["foo bar"]);
});

Deno.test("requires: rules needing more than Tarsier has are skipped with the reason", () => {
  const v7010 = { major: 7, minor: 0, patch: 10 };
  assert.equal(unmetRequirement(parseRequires("version >= 7.0.3"), v7010), null);
  assert.equal(
    unmetRequirement(parseRequires("version >= 7.0.3 < 7.0.10"), v7010),
    "needs Suricata < 7.0.10 (Tarsier implements 7.0.10)",
  );
  assert.equal(unmetRequirement(parseRequires("version < 7 | >= 7.0.10"), v7010), null);
  sig(rule("requires: version >= 7.0.3;"));

  const newer = compileError(rule("requires: version >= 8;"));
  assert.equal(
    newer.line,
    "test.rules:1:40: requires: needs Suricata >= 8.0.0 (Tarsier implements 7.0.10)",
  );
  assert.match(newer.reason, /^unsupported requires/);
  const feature = compileError(rule("requires: feature tarsier-test-feature;"));
  assert.equal(feature.reason, 'unsupported requires: needs feature "tarsier-test-feature"');
  provideFeature("tarsier-test-feature");
  sig(rule("requires: feature tarsier-test-feature;"));
  assert.match(
    compileError(rule("requires: color blue;")).reason,
    /unknown requirement "color blue"/,
  );

  const bad = compileError(rule("requires: version 7;"));
  assert.equal(
    bad.line,
    "test.rules:1:58: requires: version comparisons expected, e.g. >= 7.0.3 < 8",
  );
  assert.equal(bad.reason, "invalid requires");
  assert.equal(
    compileError(rule("requires: version >= 7, version >= 6;")).line,
    "test.rules:1:64: requires: version may only be given once",
  );
});

Deno.test("a complete ET Open style rule compiles with its meta data", () => {
  const s = sig(
    'alert tcp $HOME_NET any -> $EXTERNAL_NET any (msg:"ET MALWARE Test"; flags:S; ttl:>1; reference:url,example.com/x; classtype:trojan-activity; sid:2000001; rev:3; metadata:created_at 2010_07_30, signature_severity Major; target:dest_ip;)',
  );
  assert.deepEqual(
    [s.sid, s.rev, s.priority, s.classtype, s.target, s.references, s.metadata.length],
    [2000001, 3, 1, "trojan-activity", "dest_ip", ["url,example.com/x"], 2],
  );
  assert.equal(s.conditions.length, 2);
});
