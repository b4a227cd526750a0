import assert from "node:assert/strict";
import {
  BUNDLED_CLASSIFICATION_FILE,
  BUNDLED_REFERENCE_FILE,
  loadClassificationFile,
  loadReferenceFile,
  parseClassificationConfig,
  parseReferenceConfig,
} from "../../src/rules/mod.ts";

Deno.test("classification: lines, comments, case and duplicates", () => {
  const text = [
    "# comment",
    "   # indented comment",
    "",
    "config classification: not-suspicious,Not Suspicious Traffic,3",
    "config classification:Trojan-Activity, A Network Trojan was detected, 1\r",
    "  config   classification :  web-application-attack,Web Application Attack, with a comma ,1",
    "config classification: trojan-activity,Duplicate (ignored),2",
    "config classification: broken line",
    "config classification: 9bad,Starts with a digit,1",
  ].join("\n");
  const { classes, errors } = parseClassificationConfig(text, "c.config");
  assert.deepEqual([...classes.keys()], [
    "not-suspicious",
    "trojan-activity",
    "web-application-attack",
  ]);
  assert.deepEqual(classes.get("trojan-activity"), {
    name: "Trojan-Activity",
    description: "A Network Trojan was detected",
    priority: 1,
  });
  assert.equal(
    classes.get("web-application-attack")?.description,
    "Web Application Attack, with a comma",
  );
  assert.deepEqual(errors.map((e) => [e.file, e.line, e.column]), [["c.config", 8, 1], [
    "c.config",
    9,
    1,
  ]]);
});

Deno.test("classification: the bundled file", () => {
  const { classes, errors } = loadClassificationFile(BUNDLED_CLASSIFICATION_FILE);
  assert.deepEqual(errors, []);
  assert.ok(classes.size >= 30, `${classes.size}`);
  assert.equal(classes.get("trojan-activity")?.priority, 1);
  assert.equal(classes.get("not-suspicious")?.priority, 3);
});

Deno.test("classification: an unreadable file gives a diagnostic", () => {
  const { classes, errors } = loadClassificationFile("/nonexistent/classification.config");
  assert.equal(classes.size, 0);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].file, "/nonexistent/classification.config");
});

Deno.test("reference config: systems and URLs", () => {
  const text = [
    "# config reference: system URL",
    "config reference: bugtraq   http://www.securityfocus.com/bid/",
    "config reference: CVE\thttp://cve.mitre.org/cgi-bin/cvename.cgi?name=  ",
    "config reference: cve http://duplicate/",
    "config reference:nospace",
    "configreference: url http://",
  ].join("\n");
  const { systems, errors } = parseReferenceConfig(text, "r.config");
  assert.deepEqual(Object.fromEntries(systems), {
    bugtraq: "http://www.securityfocus.com/bid/",
    cve: "http://cve.mitre.org/cgi-bin/cvename.cgi?name=",
  });
  assert.deepEqual(errors.map((e) => e.line), [5, 6]);
  const bundled = loadReferenceFile(BUNDLED_REFERENCE_FILE);
  assert.deepEqual(bundled.errors, []);
  assert.equal(bundled.systems.get("url"), "http://");
  assert.equal(loadReferenceFile("/nonexistent/reference.config").errors.length, 1);
});
