import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatDiagnostic, loadRuleFiles, parseRuleFiles } from "../../src/rules/mod.ts";
import { streamRuleFiles } from "../../src/rules/rule_files.ts";

const DIR = fileURLToPath(new URL("./fixtures/rules/", import.meta.url));

Deno.test("rule files: a folder gives its *.rules files in name order", () => {
  const r = loadRuleFiles([DIR]);
  assert.deepEqual(r.rules.map((x) => x.sid), [11, 21]);
  assert.deepEqual(r.rules.map((x) => x.location.file), [
    join(DIR, "a.rules"),
    join(DIR, "b.rules"),
  ]);
  assert.equal(r.errors.length, 1);
  assert.equal(
    formatDiagnostic(r.errors[0]),
    `${join(DIR, "b.rules")}:2:45: 'sid' value 0 is invalid`,
  );
});

Deno.test("rule files: files and folders in the order given", () => {
  const r = loadRuleFiles([join(DIR, "sub", "c.rules"), DIR, join(DIR, "notes.txt")]);
  assert.deepEqual(r.rules.map((x) => x.sid), [31, 11, 21, 99]);
});

Deno.test("rule files: unreadable paths give diagnostics, not exceptions", () => {
  const r = loadRuleFiles(["/nonexistent/x.rules", join(DIR, "a.rules")]);
  assert.deepEqual(r.rules.map((x) => x.sid), [11]);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].file, "/nonexistent/x.rules");
  assert.equal(r.errors[0].line, 0);
  assert.equal(
    formatDiagnostic(r.errors[0]),
    "/nonexistent/x.rules: cannot read rule path: no such file or folder",
  );
});

Deno.test("rule files: bytes that are not UTF-8 fail only their rule", () => {
  const file = join(DIR, "latin1.rules.txt");
  const r = loadRuleFiles([file]);
  assert.deepEqual(r.rules.map((x) => x.sid), [42]);
  assert.equal(formatDiagnostic(r.errors[0]), `${file}:1:40: rule is not valid UTF-8`);
});

Deno.test("rule files: streamed one rule at a time, the same rules and diagnostics", () => {
  const paths = [join(DIR, "sub", "c.rules"), "/nonexistent/x.rules", DIR];
  const files = [...parseRuleFiles(paths)];
  const streams = [...streamRuleFiles(paths)];
  assert.equal(streams.length, files.length);
  for (let k = 0; k < files.length; k++) {
    const s = streams[k];
    // a Suricata rule file is parsed as its rules are taken: its errors come in then
    const rules = [...s.rules];
    assert.deepEqual(rules, files[k].rules);
    assert.deepEqual(s.errors, files[k].errors);
    assert.deepEqual(s.warnings, files[k].warnings);
  }
  const b = streams.findIndex((s) => s.errors.some((e) => e.file === join(DIR, "b.rules")));
  assert.ok(b >= 0, "b.rules has an error");
  const lazy = [...streamRuleFiles([join(DIR, "b.rules")])][0];
  assert.equal(lazy.errors.length, 0, "nothing parsed before the rules are taken");
  assert.deepEqual([...lazy.rules].map((r) => r.sid), [21]);
  assert.equal(lazy.errors.length, 1);
});
