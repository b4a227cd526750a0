import assert from "node:assert/strict";
import {
  comparableRule,
  formatRule,
  locateInRule,
  type ParsedRule,
  parseRule,
  parseRules,
  type RuleDiagnostic,
} from "../../src/rules/mod.ts";

function one(text: string): ParsedRule {
  const r = parseRules(text, "t.rules");
  assert.deepEqual(r.errors, [], `unexpected errors for ${text}`);
  assert.equal(r.rules.length, 1);
  return r.rules[0];
}

/** The single error of a text, as "line:col: message". */
function error(text: string): string {
  const r = parseRules(text, "t.rules");
  assert.equal(r.rules.length, 0, `expected no rule from ${text}`);
  assert.equal(r.errors.length, 1, `expected one error from ${text}`);
  const e = r.errors[0];
  return `${e.line}:${e.column}: ${e.message}`;
}

/** The position of the single error of a text, as "line:col". */
function errorAt(text: string): string {
  return error(text).split(": ")[0];
}

function roundTrip(rule: ParsedRule): void {
  const again = parseRules(formatRule(rule), "again.rules");
  assert.deepEqual(again.errors, []);
  assert.equal(again.rules.length, 1);
  assert.deepEqual(comparableRule(again.rules[0]), comparableRule(rule));
}

Deno.test("rule parser: a basic rule", () => {
  const text =
    'alert tcp $HOME_NET any -> $EXTERNAL_NET 80 (msg:"ET TEST \\"quoted\\" \\; semi"; flow:established,to_server; content:"GET|20|"; http.uri; content:"/x"; nocase; sid:2000001; rev:3; gid:1;)';
  const r = one(text);
  assert.equal(r.action, "alert");
  assert.equal(r.protocol, "tcp");
  assert.equal(r.source.text, "$HOME_NET");
  assert.equal(r.sourcePorts.text, "any");
  assert.equal(r.direction, "->");
  assert.equal(r.destination.text, "$EXTERNAL_NET");
  assert.equal(r.destinationPorts.text, "80");
  assert.deepEqual(
    r.options.map((o) => [o.name, o.value]),
    [
      ["msg", '"ET TEST \\"quoted\\" \\; semi"'],
      ["flow", "established,to_server"],
      ["content", '"GET|20|"'],
      ["http.uri", null],
      ["content", '"/x"'],
      ["nocase", null],
      ["sid", "2000001"],
      ["rev", "3"],
      ["gid", "1"],
    ],
  );
  assert.equal(r.msg, 'ET TEST "quoted" ; semi');
  assert.equal(r.sid, 2000001);
  assert.equal(r.rev, 3);
  assert.equal(r.gid, 1);
  assert.equal(r.text, text);
  assert.deepEqual(r.location, { file: "t.rules", line: 1, column: 1 });
  assert.deepEqual(r.options[2].location, { file: "t.rules", line: 1, column: 108 });
  assert.equal(text.slice(r.options[2].valueOffset, r.options[2].valueOffset + 9), '"GET|20|"');
  assert.equal(formatRule(r), text.replace(" gid:1;", " gid:1;"));
  roundTrip(r);
});

Deno.test("rule parser: defaults of rev, gid and msg", () => {
  const r = one("alert ip any any -> any any (sid:5;)");
  assert.equal(r.rev, 0);
  assert.equal(r.gid, 1);
  assert.equal(r.msg, "");
});

Deno.test("rule parser: every action, case-insensitively; protocols in lower case", () => {
  for (const a of ["alert", "pass", "drop", "reject", "rejectsrc", "rejectdst", "rejectboth"]) {
    assert.equal(one(`${a} tcp any any -> any any (sid:1;)`).action, a);
  }
  assert.equal(
    one("config http any any -> any any (config:logging disable; sid:1;)").action,
    "config",
  );
  const r = one("ALERT HTTP any any <> any any (sid:1;)");
  assert.equal(r.action, "alert");
  assert.equal(r.protocol, "http");
  assert.equal(r.direction, "<>");
  for (const p of ["tcp-pkt", "tcp-stream", "pkthdr", "icmpv6", "dns", "http1", "ftp-data"]) {
    assert.equal(one(`alert ${p} any any -> any any (sid:1;)`).protocol, p);
  }
});

Deno.test("rule parser: comments, blank lines, commented-out rules, CRLF, BOM", () => {
  const text = "\ufeff# comment\r\n\r\n#alert tcp any any -> any any (sid:9;)\r\n" +
    'alert tcp any any -> any any (msg:"a"; sid:1;)\r\n' +
    "   \t\n" +
    "alert udp any any -> any any (sid:2;)";
  const r = parseRules(text, "c.rules");
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.rules.map((x) => [x.sid, x.location.line]), [[1, 4], [2, 6]]);
  assert.equal(r.rules[0].text, 'alert tcp any any -> any any (msg:"a"; sid:1;)');
});

Deno.test("rule parser: an indented rule is ignored with a warning, as Suricata does", () => {
  const r = parseRules(
    "  alert tcp any any -> any any (sid:1;)\n\t# indented comment\n",
    "i.rules",
  );
  assert.equal(r.rules.length, 0);
  assert.deepEqual(r.errors, []);
  assert.equal(r.warnings.length, 1);
  assert.equal(r.warnings[0].line, 1);
});

Deno.test("rule parser: continuation lines are joined and positions stay exact", () => {
  const text = [
    "# header",
    'alert dnp3 any any -> any any (msg:"SURICATA DNP3 Request flood detected"; \\',
    "      app-layer-event:dnp3.flooded; classtype:protocol-command-decode; sid:2270000; rev:2;)",
    "alert tcp any any -> any any (sid:7;)",
  ].join("\n");
  const r = parseRules(text, "d.rules");
  assert.deepEqual(r.errors, []);
  assert.equal(r.rules.length, 2);
  const [a, b] = r.rules;
  assert.equal(
    a.text,
    'alert dnp3 any any -> any any (msg:"SURICATA DNP3 Request flood detected";       app-layer-event:dnp3.flooded; classtype:protocol-command-decode; sid:2270000; rev:2;)',
  );
  assert.deepEqual(a.location, { file: "d.rules", line: 2, column: 1 });
  assert.deepEqual(a.options[1].location, { file: "d.rules", line: 3, column: 7 });
  assert.equal(a.options[1].name, "app-layer-event");
  assert.deepEqual(locateInRule(a, a.options[2].valueOffset), {
    file: "d.rules",
    line: 3,
    column: 47,
  });
  assert.deepEqual(b.location, { file: "d.rules", line: 4, column: 1 });
  roundTrip(a);
});

Deno.test("rule parser: a continuation inside a value joins without a blank", () => {
  const r = one('alert tcp any any -> any any (content:"ab\\\ncd"; sid:1;)');
  assert.equal(r.options[0].value, '"abcd"');
  assert.deepEqual(r.options[1].location, { file: "t.rules", line: 2, column: 6 });
});

Deno.test("rule parser: errors inside continued rules point at the right line", () => {
  assert.equal(
    error('alert tcp any any -> any any (msg:"x"; \\\n  content:"a"; \\\n  sid:0;)'),
    "3:7: 'sid' value 0 is invalid",
  );
  assert.equal(errorAt("alert tcp any any \\\n-> [1.2.3.4,\\\n1.2.3.256] any (sid:1;)"), "3:1");
});

Deno.test("rule parser: a continuation at the end of the file is an error", () => {
  assert.equal(errorAt("alert tcp any any -> any any (sid:1; \\"), "1:38");
});

Deno.test("rule parser: quoted values keep escapes, semicolons and pipes raw", () => {
  const r = one(
    'alert tcp any any -> any any (content:"a\\;b|3b 0d 0a|\\"c\\\\"; pcre:"/x;y\\//Ri"; content:!"neg"; content: ! "neg2" ; sid:1;)',
  );
  assert.deepEqual(r.options.map((o) => o.value), [
    '"a\\;b|3b 0d 0a|\\"c\\\\"',
    '"/x;y\\//Ri"',
    '!"neg"',
    '! "neg2"',
    "1",
  ]);
  roundTrip(r);
});

Deno.test("rule parser: an unescaped ';' inside quotes loads with a warning", () => {
  const r = parseRules('alert tcp any any -> any any (msg:"a;b"; sid:1;)', "w.rules");
  assert.equal(r.rules.length, 1);
  assert.equal(r.rules[0].msg, "a;b");
  assert.equal(r.warnings.length, 1);
  assert.equal(r.warnings[0].column, 37);
  assert.equal(r.warnings[0].keyword, "msg");
});

Deno.test("rule parser: unquoted values end at the first unescaped ';'", () => {
  const r = one(
    'alert tcp any any -> any any (pcre:/a\\;b/; byte_test: 1, =, 1, 0, relative ; flowbits:set,"x"; sid:1;)',
  );
  assert.deepEqual(r.options.map((o) => o.value), [
    "/a\\;b/",
    "1, =, 1, 0, relative",
    'set,"x"',
    "1",
  ]);
});

Deno.test("rule parser: blanks around names, values and parentheses", () => {
  const r = one('alert tcp any any -> any any (  msg :  "x"  ;sid:1;nocase ;  )  ');
  assert.deepEqual(r.options.map((o) => [o.name, o.value]), [["msg", '"x"'], ["sid", "1"], [
    "nocase",
    null,
  ]]);
  assert.equal(r.options[0].location.column, 33);
  assert.equal(r.sid, 1);
});

Deno.test("rule parser: address and port lists in the header", () => {
  const r = one(
    "alert tcp [1.2.3.4, 5.6.7.8,[!9.9.9.9]] ![80,443] -> ![$HOME_NET,10.0.0.0/8] [1024:,:100] (sid:1;)",
  );
  assert.equal(r.source.text, "[1.2.3.4, 5.6.7.8,[!9.9.9.9]]");
  assert.equal(r.sourcePorts.text, "![80,443]");
  assert.equal(r.destination.text, "![$HOME_NET,10.0.0.0/8]");
  assert.equal(r.destinationPorts.text, "[1024:,:100]");
  assert.equal(r.source.root.kind, "list");
  assert.deepEqual(r.destination.root.location, { file: "t.rules", line: 1, column: 54 });
  roundTrip(r);
});

Deno.test("rule parser: the '=>' direction only with a 'requires' option", () => {
  assert.equal(
    error("alert http any any => any any (sid:3;)"),
    '1:20: direction "=>" needs Suricata 8 (Suricata 7 accepts "->" and "<>")',
  );
  const r = one("alert http any any => any any (requires: version >= 10; sid:3;)");
  assert.equal(r.direction, "=>");
});

Deno.test("rule parser: error positions point at the offending character", () => {
  const cases: [string, string][] = [
    ["alrt tcp any any -> any any (sid:1;)", "1:1"],
    ["alert tcp any any <- any any (sid:1;)", "1:19"],
    ["alert tcp any any -> any any", "1:29"],
    ["alert tcp any any -> any", "1:25"],
    ["alert tcp any any -> any any sid:1;", "1:30"],
    ["alert tcp any any -> any any(sid:1;)", "1:29"],
    ['alert tcp any any -> any any (msg:"x"; sid:1;', "1:46"],
    ['alert tcp any any -> any any (msg:"x"; sid:1)', "1:45"],
    ['alert tcp any any -> any any (msg:"x"; nocase)', "1:46"],
    ['alert tcp any any -> any any (msg:"x; sid:1;)', "1:35"],
    ['alert tcp any any -> any any (msg:"x" sid:1;)', "1:39"],
    ['alert tcp any any -> any any (msg:"x"; sid:1;) extra', "1:48"],
    ['alert tcp any any -> any any (msg:"x";; sid:1;)', "1:39"],
    ['alert tcp any any -> any any (msg:"x"; ms g:"y"; sid:1;)', "1:43"],
    ['alert tcp any any -> any any (msg:"x"; m$g:"y"; sid:1;)', "1:41"],
    ['alert tcp any any -> any any (msg:"x";)', "1:39"],
    ['alert tcp any any -> any any (msg:"x"; sid:1; sid:2;)', "1:47"],
    ['alert tcp any any -> any any (msg:"x"; sid:12a;)', "1:46"],
    ['alert tcp any any -> any any (msg:"x"; sid:4294967295;)', "1:44"],
    ["alert tcp any any -> any any (msg:x; sid:1;)", "1:35"],
    ['alert tcp any any -> any any (msg:""; sid:1;)', "1:35"],
    ["alert tcp 1.2.3.256 any -> any any (sid:1;)", "1:11"],
    ["alert tcp 10.0.0.0/33 any -> any any (sid:1;)", "1:20"],
    ["alert tcp [1.2.3.4,[5.6.7.8] any -> any any (sid:1;)", "1:11"],
    ["alert tcp [1.2.3.4 ,5.6.7.8] any -> any any (sid:1;)", "1:19"],
    ["alert tcp any 80:!90 -> any any (sid:1;)", "1:18"],
    ["alert tcp any 70000 -> any any (sid:1;)", "1:15"],
    ["alert tcp any any -> any 90:80 (sid:1;)", "1:29"],
    ["alert tcp any any -> $BAD*VAR any (sid:1;)", "1:26"],
    ["alert t!cp any any -> any any (sid:1;)", "1:8"],
    ['alert tcp any any -> any any (msg:"a\u0001b"; sid:1;)', "1:37"],
    ['alert tcp any any -> any any (msg:"a\ufffdb"; sid:1;)', "1:37"],
  ];
  for (const [text, at] of cases) assert.equal(errorAt(text), at, text);
});

Deno.test("rule parser: messages say what is wrong", () => {
  assert.equal(
    error("alert tcp any any -> any any (sid:1;"),
    "1:37: missing ')' at the end of the rule",
  );
  assert.equal(
    error('alert tcp any any -> any any (msg:"x"; sid:1)'),
    "1:45: option \"sid\" is not terminated by ';'",
  );
  assert.equal(
    error('alert tcp any any -> any any (msg:"x; sid:1;)'),
    '1:35: unterminated quoted value of "msg"',
  );
  assert.equal(error('alert tcp any any -> any any (msg:"x";)'), "1:39: rule has no 'sid' option");
  assert.equal(
    error("bogus tcp any any -> any any (sid:1;)").split(" (")[0],
    '1:1: invalid action "bogus"',
  );
  const r = parseRules('alert tcp any any -> any any (msg:"x"; sid:1; sid:2;)', "k.rules");
  assert.equal((r.errors[0] as RuleDiagnostic).keyword, "sid");
});

Deno.test("rule parser: one bad rule does not stop the others", () => {
  const text = [
    "alert tcp any any -> any any (sid:1;)",
    "alert tcp any any -> any any (sid:0;)",
    "alert tcp any any -> any any (sid:3;)",
  ].join("\n");
  const r = parseRules(text, "m.rules");
  assert.deepEqual(r.rules.map((x) => x.sid), [1, 3]);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].line, 2);
});

Deno.test("rule parser: sid, rev and gid take an optional '+', as strtoul does", () => {
  const r = one("alert tcp any any -> any any (sid:+34; rev:2; gid:0;)");
  assert.deepEqual([r.sid, r.rev, r.gid], [34, 2, 0]);
});

Deno.test("rule parser: parseRule parses one line", () => {
  const r = parseRule("alert tcp any any -> any any (sid:1;)", "x.yaml", 12);
  assert.ok("rule" in r);
  assert.equal(r.rule.location.line, 12);
  const e = parseRule("alert tcp any any -> any any (sid:1)", "x.yaml", 12);
  assert.ok("error" in e);
  assert.equal(e.error.line, 12);
});

Deno.test("rule parser: format round-trips crafted rules", () => {
  const rules = [
    "alert tcp any any -> any any (sid:1;)",
    'drop  http  $HOME_NET   any   ->  [10.0.0.0/8,!10.1.1.1]  $HTTP_PORTS  (  msg:"a\\\\";  content :"|00 01|" ; within:10;distance:0; sid:2;  )',
    'alert tcp any any -> any any (content:"x"; pcre:/a\\/b\\ ; sid:3;)',
    'alert tcp any any -> any any (msg:"semi;inside"; metadata:key value, other thing; sid:4;)',
    "alert ip [2001:db8::/32,::1,1.2.3.4-1.2.3.9] any <> any [80,443,8000:8080] (sid:5; rev:1;)",
    'alert http any any -> any any (msg:"x"; http.uri; content:!"/a"; flowbits:noalert; sid:6;)',
    'pass tcp any any -> any any (msg:"escaped \\: colon"; sid:7;)',
    'alert tcp any any -> any any (content:"";  sid:8;)',
    "alert tcp any any -> any any (foo:; sid:9;)",
  ];
  for (const text of rules) {
    const r = parseRules(text, "f.rules");
    assert.deepEqual(r.errors, [], text);
    roundTrip(r.rules[0]);
  }
  const r = one('alert tcp any any -> any any (content:"x"; pcre:/a\\/b\\ ; sid:3;)');
  assert.equal(r.options[1].value, "/a\\/b\\");
  assert.equal(formatRule(r), 'alert tcp any any -> any any (content:"x"; pcre:/a\\/b\\ ; sid:3;)');
});
