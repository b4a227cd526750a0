import assert from "node:assert/strict";
import {
  ANY_PORT_SET,
  matchesPort,
  parsePortSpec,
  PortResolver,
  type PortSet,
  portSetIsAny,
  portSetToBitmap,
  portSetToStrings,
  type PortSpec,
  type SourceLocation,
} from "../../src/rules/mod.ts";

const at = (o: number): SourceLocation => ({ file: "p", line: 1, column: o + 1 });

const VARS = {
  HTTP_PORTS: "80",
  SHELLCODE_PORTS: "!80",
  FILE_DATA_PORTS: "[$HTTP_PORTS,110,143]",
  ORACLE_PORTS: "1521",
};

function spec(text: string): PortSpec {
  const s = parsePortSpec(text, at);
  if (s.kind === "error") throw new Error(`${text}: ${s.message} at ${s.offset}`);
  return s;
}

function resolve(text: string, vars: Record<string, string> = VARS): PortSet {
  const r = new PortResolver(vars).resolve(spec(text));
  if ("error" in r) throw new Error(`${text}: ${r.error.message}`);
  return r.set;
}

function ports(text: string, vars: Record<string, string> = VARS): string[] {
  return portSetToStrings(resolve(text, vars));
}

function resolveError(text: string, vars: Record<string, string> = VARS): string {
  const r = new PortResolver(vars).resolve(spec(text));
  assert.ok("error" in r, `expected an error for ${text}`);
  return `${r.error.column}: ${r.error.message}`;
}

Deno.test("port: single ports, ranges and any", () => {
  assert.deepEqual(ports("80"), ["80"]);
  assert.deepEqual(ports("0"), ["0"]);
  assert.deepEqual(ports("1024:"), ["1024:65535"]);
  assert.deepEqual(ports(":1023"), ["0:1023"]);
  assert.deepEqual(ports("80:90"), ["80:90"]);
  assert.deepEqual(ports(":"), ["0:65535"]);
  assert.ok(portSetIsAny(resolve("any")));
  assert.ok(portSetIsAny(resolve("ANY")));
  assert.ok(portSetIsAny(ANY_PORT_SET));
  assert.ok(!portSetIsAny(resolve("1:65535")));
});

Deno.test("port: lists, variables and negations", () => {
  assert.deepEqual(ports("[80,443,8000:8080,81]"), ["80:81", "443", "8000:8080"]);
  assert.deepEqual(ports("$HTTP_PORTS"), ["80"]);
  assert.deepEqual(ports("$FILE_DATA_PORTS"), ["80", "110", "143"]);
  assert.deepEqual(ports("$SHELLCODE_PORTS"), ["0:79", "81:65535"]);
  assert.deepEqual(ports("!$HTTP_PORTS"), ["0:79", "81:65535"]);
  assert.deepEqual(ports("![80,443]"), ["0:79", "81:442", "444:65535"]);
  assert.deepEqual(ports("[1:1000,!80,![443,22]]"), ["1:21", "23:79", "81:442", "444:1000"]);
  // Inside a negated group negation does not cancel out, as in Suricata.
  assert.deepEqual(ports("![80,!443]"), ["0:79", "81:442", "444:65535"]);
  assert.deepEqual(ports("[ 80, 443]"), ["80", "443"]);
  assert.deepEqual(ports("[80,]"), ["80"]);
});

Deno.test("port: syntax errors with offsets", () => {
  const cases: [string, number][] = [
    ["65536", 0],
    ["80:!90", 3],
    ["90:80", 3],
    ["8o", 0],
    ["[80", 0],
    ["[80 ,443]", 3],
    ["[]", 1],
    ["$", 1],
    ["-1", 0],
    ["80:90:100", 3],
  ];
  for (const [text, offset] of cases) {
    const s = parsePortSpec(text, at);
    assert.equal(s.kind, "error", text);
    if (s.kind === "error") assert.equal(s.offset, offset, `${text}: ${s.message}`);
  }
});

Deno.test("port: errors of resolution", () => {
  assert.equal(resolveError("!any"), "1: every port is negated (e.g. !any)");
  assert.equal(resolveError("[!0:100,!101:]"), "1: every port is negated (e.g. !any)");
  assert.equal(resolveError("[80,!80]"), "1: no port left after applying the negations");
  assert.equal(resolveError("[80,$NOPE]"), "5: undefined port variable $NOPE");
  assert.equal(
    resolveError("$A", { A: "[$B,1]", B: "$A" }),
    "1: port variable $A refers to itself ($A -> $B -> $A)",
  );
  assert.match(
    resolveError("[1,$A]", { A: "99999" }),
    /^4: port variable \$A = "99999": invalid port/,
  );
});

Deno.test("port: matcher and bitmap agree with the ranges", () => {
  const set = resolve("[1:21,23:79,81:442,444:1000,!500:600,65535]");
  const map = portSetToBitmap(set);
  const expected = (p: number) =>
    (p >= 1 && p <= 1000 && p !== 22 && p !== 80 && p !== 443 && !(p >= 500 && p <= 600)) ||
    p === 65535;
  for (let p = 0; p <= 65535; p++) {
    assert.equal(matchesPort(set, p), expected(p), `${p}`);
    assert.equal(map[p] === 1, expected(p), `${p}`);
  }
});

Deno.test("port: resolved sets are shared by spec text", () => {
  const r = new PortResolver(VARS);
  const a = r.resolve(spec("$HTTP_PORTS"));
  const b = r.resolve(spec("$HTTP_PORTS"));
  assert.ok("set" in a && "set" in b);
  assert.equal(a.set, b.set);
});
