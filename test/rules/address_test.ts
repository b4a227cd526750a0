import assert from "node:assert/strict";
import {
  AddressResolver,
  type AddressSpec,
  ANY_IP_SET,
  formatIpv6,
  type IpSet,
  ipSetIsAny,
  ipSetToStrings,
  matchesIpv4,
  matchesIpv6,
  parseAddressSpec,
  parseIpv4,
  parseIpv6,
  type SourceLocation,
} from "../../src/rules/mod.ts";

const at = (o: number): SourceLocation => ({ file: "a", line: 1, column: o + 1 });

const DEFAULT_VARS = {
  HOME_NET: "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]",
  EXTERNAL_NET: "!$HOME_NET",
  HTTP_SERVERS: "$HOME_NET",
};

function spec(text: string): AddressSpec {
  const s = parseAddressSpec(text, at);
  if (s.kind === "error") throw new Error(`${text}: ${s.message} at ${s.offset}`);
  return s;
}

function resolve(text: string, vars: Record<string, string> = DEFAULT_VARS): IpSet {
  const r = new AddressResolver(vars).resolve(spec(text));
  if ("error" in r) throw new Error(`${text}: ${r.error.message}`);
  return r.set;
}

function resolveError(text: string, vars: Record<string, string> = DEFAULT_VARS): string {
  const r = new AddressResolver(vars).resolve(spec(text));
  assert.ok("error" in r, `expected an error for ${text}`);
  return `${r.error.column}: ${r.error.message}`;
}

function v4(s: string): number {
  const v = parseIpv4(s);
  assert.ok(v >= 0, s);
  return v;
}

function v6bytes(s: string): Uint8Array {
  const v = parseIpv6(s);
  assert.ok(v !== null, s);
  const out = new Uint8Array(20); // at offset 2, to test the offset
  for (let k = 0; k < 16; k++) out[2 + k] = Number((v >> BigInt((15 - k) * 8)) & 0xffn);
  return out;
}

Deno.test("address: IPv4 literals as inet_pton reads them", () => {
  assert.equal(parseIpv4("10.0.0.1"), 0x0a000001);
  assert.equal(parseIpv4("255.255.255.255"), 0xffffffff);
  assert.equal(parseIpv4("0.0.0.0"), 0);
  for (
    const bad of [
      "1.2.3",
      "1.2.3.4.5",
      "1.2.3.256",
      "01.2.3.4",
      "1..2.3",
      "1.2.3.4.",
      "a.b.c.d",
      "",
    ]
  ) {
    assert.equal(parseIpv4(bad), -1, bad);
  }
});

Deno.test("address: IPv6 literals", () => {
  assert.equal(parseIpv6("::"), 0n);
  assert.equal(parseIpv6("::1"), 1n);
  assert.equal(parseIpv6("2001:db8::1"), (0x20010db8n << 96n) | 1n);
  assert.equal(parseIpv6("::ffff:1.2.3.4"), (0xffffn << 32n) | 0x01020304n);
  assert.equal(parseIpv6("1:2:3:4:5:6:7:8"), 0x00010002000300040005000600070008n);
  assert.equal(parseIpv6("1:2:3:4:5:6:7::"), 0x00010002000300040005000600070000n);
  for (
    const bad of [
      ":1",
      "1:::2",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "12345::",
      "g::",
      "1:2:3:4:5:6:7::8",
    ]
  ) {
    assert.equal(parseIpv6(bad), null, bad);
  }
  assert.equal(formatIpv6(parseIpv6("2001:db8:0:0:1:0:0:1")!), "2001:db8::1:0:0:1");
  assert.equal(formatIpv6(0n), "::");
});

Deno.test("address: the syntax tree", () => {
  const s = spec("[$HOME_NET, !1.2.3.4,[10.0.0.0/8,!10.1.0.0/255.255.0.0],2001:db8::/32,any]");
  assert.equal(s.root.kind, "list");
  if (s.root.kind !== "list") return;
  const kinds = s.root.items.map((n) => [n.kind, n.negated, n.location.column]);
  assert.deepEqual(kinds, [
    ["variable", false, 2],
    ["ipv4", true, 13],
    ["list", false, 22],
    ["ipv6", false, 57],
    ["any", false, 71],
  ]);
  const inner = s.root.items[2];
  assert.ok(inner.kind === "list");
  const masked = inner.items[1];
  assert.ok(masked.kind === "ipv4");
  assert.equal(masked.first, v4("10.1.0.0"));
  assert.equal(masked.last, v4("10.1.255.255"));
  assert.equal(masked.text, "10.1.0.0/255.255.0.0");
});

Deno.test("address: syntax errors with offsets", () => {
  const cases: [string, number][] = [
    ["1.2.3.4/33", 8],
    ["1.2.3.4/255.0.255.0", 8],
    ["[1.2.3.4", 0],
    ["1.2.3.4]", 7],
    ["[1.2.3.4,,5.6.7.8]", 9],
    ["[,1.2.3.4]", 1],
    ["[]", 1],
    ["!", 1],
    ["!!1.2.3.4", 1],
    ["1.2.3.9-1.2.3.4", 8],
    ["2001:db8::/129", 11],
    ["$A+B", 2],
    ["[1.2.3.4 5.6.7.8]", 8],
    ["1.2.3.4[", 7],
  ];
  for (const [text, offset] of cases) {
    const s = parseAddressSpec(text, at);
    assert.equal(s.kind, "error", text);
    if (s.kind === "error") assert.equal(s.offset, offset, `${text}: ${s.message}`);
  }
  // Suricata accepts a trailing comma.
  assert.deepEqual(ipSetToStrings(resolve("[1.2.3.4,]")), ["1.2.3.4"]);
});

Deno.test("address: resolution of the default variables", () => {
  const home = resolve("$HOME_NET");
  assert.deepEqual(ipSetToStrings(home), ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);
  assert.equal(home.v6.length, 0);
  const ext = resolve("$EXTERNAL_NET");
  assert.deepEqual(ipSetToStrings(ext), [
    "0.0.0.0-9.255.255.255",
    "11.0.0.0-172.15.255.255",
    "172.32.0.0-192.167.255.255",
    "192.169.0.0-255.255.255.255",
  ]);
  // As in Suricata: a negation of IPv4 ranges matches no IPv6 address.
  assert.equal(ext.v6.length, 0);
  assert.ok(matchesIpv4(ext, v4("8.8.8.8")));
  assert.ok(!matchesIpv4(ext, v4("10.1.2.3")));
  assert.ok(matchesIpv4(home, v4("192.168.255.255")));
  assert.ok(!matchesIpv4(home, v4("192.169.0.0")));
});

Deno.test("address: any, single addresses, CIDR and ranges", () => {
  assert.ok(ipSetIsAny(resolve("any")));
  assert.ok(ipSetIsAny(ANY_IP_SET));
  assert.ok(ipSetIsAny(resolve("[0.0.0.0/0,::/0]")));
  assert.ok(!ipSetIsAny(resolve("0.0.0.0/0")));
  assert.deepEqual(ipSetToStrings(resolve("10.1.2.3/8")), ["10.0.0.0/8"]);
  assert.deepEqual(ipSetToStrings(resolve("1.2.3.4-1.2.3.9")), ["1.2.3.4-1.2.3.9"]);
  assert.deepEqual(ipSetToStrings(resolve("[1.2.3.4,1.2.3.5,1.2.3.6,1.2.3.7]")), ["1.2.3.4/30"]);
  assert.deepEqual(ipSetToStrings(resolve("[2001:db8::/32,::1]")), ["::1", "2001:db8::/32"]);
  assert.deepEqual(ipSetToStrings(resolve("2001:db8::1-2001:db8::5")), [
    "2001:db8::1-2001:db8::5",
  ]);
});

Deno.test("address: negation semantics follow Suricata", () => {
  // A plain list minus its negations.
  assert.deepEqual(ipSetToStrings(resolve("[10.0.0.0/8,!10.0.0.0/9]")), ["10.128.0.0/9"]);
  // Nested plain lists are flattened: the inner negation applies to the whole list.
  assert.deepEqual(ipSetToStrings(resolve("[1.0.0.0/8,[!1.2.3.4]]")), [
    "1.0.0.0-1.2.3.3",
    "1.2.3.5-1.255.255.255",
  ]);
  assert.deepEqual(ipSetToStrings(resolve("[1.2.3.4,[5.6.7.8,!5.6.7.8]]")), ["1.2.3.4"]);
  // A negated list is resolved on its own first: double negation cancels.
  assert.deepEqual(ipSetToStrings(resolve("![!1.2.3.4]")), ["1.2.3.4"]);
  // Only negations: the whole space of that family.
  const notOne = resolve("!1.2.3.4");
  assert.deepEqual(ipSetToStrings(notOne), ["0.0.0.0-1.2.3.3", "1.2.3.5-255.255.255.255"]);
  assert.equal(notOne.v6.length, 0);
  const notV6 = resolve("!::1");
  assert.equal(notV6.v4.length, 0);
  assert.deepEqual(ipSetToStrings(notV6), ["::", "::2-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]);
  assert.deepEqual(ipSetToStrings(resolve("[any,!1.0.0.0/8,!::/1]")), [
    "0.0.0.0/8",
    "2.0.0.0-255.255.255.255",
    "8000::/1",
  ]);
});

Deno.test("address: errors of resolution", () => {
  assert.equal(resolveError("!any"), "1: the whole IPv4 address space is negated (e.g. !any)");
  assert.equal(
    resolveError("[1.2.3.4,!1.2.3.4]"),
    "1: no address left after applying the negations",
  );
  assert.equal(resolveError("[1.2.3.4,$NOPE]"), "10: undefined address variable $NOPE");
  assert.equal(
    resolveError("$A", { A: "[1.2.3.4,$B]", B: "!$A" }),
    "1: address variable $A refers to itself ($A -> $B -> $A)",
  );
  assert.equal(resolveError("$A", { A: "" }), "1: address variable $A is empty");
  assert.match(
    resolveError("[1.2.3.4,$A]", { A: "[10.0.0.0/33]" }),
    /^10: address variable \$A = "\[10\.0\.0\.0\/33\]": invalid IPv4 prefix length "33" \(at character 11 of its value\)$/,
  );
  // Errors deep inside variables point at the reference in the rule.
  assert.match(
    resolveError("[1.2.3.4,$A]", { A: "$B", B: "$C" }),
    /^10: undefined address variable \$C$/,
  );
});

Deno.test("address: variables resolve recursively and sets are shared", () => {
  const resolver = new AddressResolver(
    new Map([["A", "$B"], ["B", "[$C,1.1.1.1]"], ["C", "2.2.2.2"]]),
  );
  const a = resolver.resolve(spec("$A"));
  const b = resolver.resolve(spec("$A"));
  assert.ok("set" in a && "set" in b);
  assert.equal(a.set, b.set);
  assert.deepEqual(ipSetToStrings(a.set), ["1.1.1.1", "2.2.2.2"]);
  const v = resolver.resolveVariable("B", at(0));
  assert.ok("set" in v);
});

Deno.test("address: matchers agree with a brute-force check", () => {
  const set = resolve("[10.0.0.0/8,!10.1.0.0/16,192.168.1.1,172.16.0.0-172.16.0.9,!172.16.0.5]");
  const inSet = (a: number) =>
    ((a >>> 24) === 10 && (a >>> 16) !== 0x0a01) || a === v4("192.168.1.1") ||
    (a >= v4("172.16.0.0") && a <= v4("172.16.0.9") && a !== v4("172.16.0.5"));
  const probes = [0, 0xffffffff, v4("9.255.255.255"), v4("10.0.0.0"), v4("10.0.255.255")];
  probes.push(v4("10.1.0.0"), v4("10.1.255.255"), v4("10.2.0.0"), v4("10.255.255.255"));
  probes.push(v4("11.0.0.0"), v4("192.168.1.0"), v4("192.168.1.1"), v4("192.168.1.2"));
  for (let k = 0; k <= 12; k++) probes.push(v4("172.16.0.0") + k - 1);
  let x = 12345;
  for (let k = 0; k < 2000; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    probes.push((0x0a000000 | (x & 0x01ffffff)) >>> 0);
  }
  for (const p of probes) assert.equal(matchesIpv4(set, p), inSet(p >>> 0), `${p}`);

  const s6 = resolve("[2001:db8::/32,!2001:db8:1::/48,::1,fe80::1-fe80::3]");
  const yes = ["2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8:2::1", "::1"];
  const no = ["2001:db8:1::", "2001:db8:1:ffff::1", "2001:db9::", "::", "::2", "fe80::4"];
  for (const a of [...yes, "fe80::1", "fe80::2", "fe80::3"]) {
    assert.ok(matchesIpv6(s6, v6bytes(a), 2), a);
  }
  for (const a of [...no, "fe80::"]) assert.ok(!matchesIpv6(s6, v6bytes(a), 2), a);
  assert.ok(matchesIpv6(ANY_IP_SET, v6bytes("ffff::"), 2));
  assert.ok(!matchesIpv6(resolve("1.2.3.4"), v6bytes("::1"), 2));
});
