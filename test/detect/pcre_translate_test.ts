/**
 * The PCRE2 -> JavaScript translator: hand-written cases, then differential
 * runs against the system's libpcre2-8 (what Suricata links) on random
 * patterns and on every pcre of ET Open, and the ET Open translation counts.
 */

import assert from "node:assert/strict";
import {
  type PcreOptions,
  PcreTranslateError,
  splitPcreValue,
  translatePcre,
} from "../../src/detect/pcre_translate.ts";
import { parseRules } from "../../src/rules/rule_parser.ts";
import { corpusPath } from "../corpus.ts";
import { openPcre2, type OracleOptions, type OraclePattern } from "./_pcre2_oracle.ts";
import { mulberry32 as rng } from "../_random.ts";

function js(pattern: string, options: PcreOptions = {}): RegExp {
  return new RegExp(translatePcre(pattern, options).source, "g");
}

function latin1(bytes: number[] | Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function firstMatch(re: RegExp, subject: string, start = 0): [number, number] | null {
  re.lastIndex = start;
  const m = re.exec(subject);
  return m === null ? null : [m.index, m.index + m[0].length];
}

function rejects(
  pattern: string,
  unsupported: boolean,
  options: PcreOptions = {},
): PcreTranslateError {
  try {
    translatePcre(pattern, options);
  } catch (error) {
    assert.ok(error instanceof PcreTranslateError, String(error));
    assert.equal(error.unsupported, unsupported, `${pattern}: ${error.message}`);
    return error;
  }
  assert.fail(`${pattern} was translated`);
}

Deno.test("pcre translate: character sets follow PCRE2's C-locale tables", () => {
  assert.deepEqual(firstMatch(js("\\s"), "\xa0 "), [1, 2], "\\s does not match 0xA0");
  assert.deepEqual(firstMatch(js("\\s"), "\x0b"), [0, 1], "\\s matches VT");
  assert.deepEqual(firstMatch(js("."), "\r\n"), [0, 1], ". matches CR");
  assert.deepEqual(firstMatch(js("a.b"), "a\nb"), null);
  assert.deepEqual(firstMatch(js("a.b", { dotall: true }), "a\nb"), [0, 3]);
  assert.deepEqual(firstMatch(js("\\h+"), "\t \xa0x"), [0, 3]);
  assert.deepEqual(firstMatch(js("\\v"), "a\x85"), [1, 2]);
  assert.deepEqual(firstMatch(js("[[:alpha:]]+"), "12abC3"), [2, 5]);
  assert.deepEqual(firstMatch(js("[[:^digit:]]"), "12a"), [2, 3]);
  assert.deepEqual(firstMatch(js("\\x{41}\\x42\\101\\o{103}"), "ABAC"), [0, 4]);
  assert.deepEqual(firstMatch(js("\\cA"), "\x01"), [0, 1]);
  assert.deepEqual(firstMatch(js("\\Qa.b*\\E+"), "a.b**"), [0, 5]);
  assert.deepEqual(firstMatch(js("\\N+"), "ab\ncd"), [0, 2]);
});

Deno.test("pcre translate: caseless folds ASCII letters only", () => {
  assert.deepEqual(firstMatch(js("abc", { caseless: true }), "xAbC"), [1, 4]);
  assert.deepEqual(firstMatch(js("\\xe9", { caseless: true }), "\xc9"), null, "no latin1 folding");
  assert.deepEqual(firstMatch(js("[\\xe0-\\xe9]", { caseless: true }), "\xc1"), null);
  assert.deepEqual(firstMatch(js("a(?i)b"), "aB"), [0, 2], "inline (?i) mid-pattern");
  assert.deepEqual(firstMatch(js("a(?i)b"), "AB"), null);
  assert.deepEqual(
    firstMatch(js("(a(?i)b|c)"), "C"),
    [0, 1],
    "an option carries into later branches",
  );
  assert.deepEqual(firstMatch(js("(?i:a)b"), "Ab"), [0, 2]);
  assert.deepEqual(firstMatch(js("(?i:a)b"), "AB"), null);
  assert.deepEqual(firstMatch(js("a(?-i)b", { caseless: true }), "AB"), null);
  assert.deepEqual(firstMatch(js("(?<v>[a-z]+)-\\k<v>", { caseless: true }), "ab-AB"), [0, 5]);
});

Deno.test("pcre translate: anchors use LF as the only newline", () => {
  assert.deepEqual(firstMatch(js("a$"), "a\n"), [0, 1], "$ before a final newline");
  assert.deepEqual(firstMatch(js("a$"), "a\r\n"), null);
  assert.deepEqual(firstMatch(js("a$", { dollarEndOnly: true }), "a\n"), null);
  assert.deepEqual(firstMatch(js("^b", { multiline: true }), "a\nb"), [2, 3]);
  assert.deepEqual(firstMatch(js("^b", { multiline: true }), "a\rb"), null, "CR is not a newline");
  assert.deepEqual(firstMatch(js("a$", { multiline: true }), "a\rb"), null);
  assert.deepEqual(firstMatch(js("a\\Z"), "a\n"), [0, 1]);
  assert.deepEqual(firstMatch(js("a\\z"), "a\n"), null);
  assert.deepEqual(firstMatch(js("\\Ab"), "ab"), null);
});

Deno.test("pcre translate: atomic groups, possessive quantifiers and \\R are atomic", () => {
  assert.deepEqual(firstMatch(js("(?>a+)ab"), "aaab"), null);
  assert.deepEqual(firstMatch(js("(?:a+)ab"), "aaab"), [0, 4]);
  assert.deepEqual(firstMatch(js("a++b"), "aaab"), [0, 4]);
  assert.deepEqual(firstMatch(js("a++ab"), "aaab"), null);
  assert.deepEqual(firstMatch(js("\\R\\n"), "\r\n"), null, "\\R takes CRLF whole");
  assert.deepEqual(firstMatch(js("\\R"), "\r\n"), [0, 2]);
  assert.deepEqual(
    firstMatch(js("(a)(?>b)\\1"), "aba"),
    [0, 3],
    "numbering survives atomic groups",
  );
});

Deno.test("pcre translate: ungreedy flag and extended mode", () => {
  assert.deepEqual(firstMatch(js("a+", { ungreedy: true }), "aaa"), [0, 1]);
  assert.deepEqual(firstMatch(js("a+?", { ungreedy: true }), "aaa"), [0, 3]);
  assert.deepEqual(firstMatch(js("a b # comment\n c", { extended: true }), "abc"), [0, 3]);
  assert.deepEqual(firstMatch(js("a\\ b", { extended: true }), "a b"), [0, 3]);
  assert.deepEqual(firstMatch(js("[ ]", { extended: true }), " "), [0, 1]);
});

Deno.test("pcre translate: back references", () => {
  assert.deepEqual(
    firstMatch(js("(a|b)x\\1"), "axb bxb"),
    [4, 7],
    "captures when a reference exists",
  );
  assert.deepEqual(firstMatch(js("(?P<q>['\"])x(?P=q)"), '\'x" "x"'), [4, 7]);
  assert.deepEqual(firstMatch(js("(a)\\g{-1}\\g1"), "aaa"), [0, 3]);
  assert.deepEqual(firstMatch(js("(a)(b)\\10"), "ab\x08"), [0, 3], "\\10 is octal with two groups");
  assert.deepEqual(
    firstMatch(js("(?<q>a)?b\\k<q>?"), "b"),
    [0, 1],
    "an optional reference to an unset group",
  );
  assert.deepEqual(firstMatch(js("\\1(a)|b"), "ab"), [1, 2], "a forward reference never matches");
  assert.deepEqual(
    firstMatch(js("(a)x|y\\1"), "y"),
    null,
    "a reference into another branch never matches",
  );
  assert.equal(translatePcre("(a)x|y\\1").source, "(?:a)x|y(?!)");
});

Deno.test("pcre translate: refuses what has no exact JavaScript form", () => {
  for (
    const [p, construct] of [
      ["(?R)", "(?R) recursion"],
      ["(a)(?1)", "(?n) subroutine call"],
      ["(?(1)a|b)", "(?( conditional group"],
      ["(?|(a)|(b))", "(?| branch reset group"],
      ["a\\Kb", "\\K (reset match start)"],
      ["\\Ga", "\\G assertion"],
      ["(*SKIP)a", "(*VERB) start option"],
      ["a(*FAIL)", "(*VERB) backtracking control"],
      ["\\p{L}", "\\p/\\P unicode property"],
      ["\\X", "\\X (extended grapheme cluster)"],
      ["(?=a)*b", "quantified assertion"],
      ["(?<=(?>ab))c", "atomic group in lookbehind"],

      ["(a)?\\1", "back reference to a possibly unset group"],
      ["(?:(a)|b)\\1", "back reference to a possibly unset group"],
      ["(.)\\1", "caseless back reference over latin1 letters"],
      ["(a?|b)*", "repeated group preferring an empty match"],
      ["(?:|a)+", "repeated group preferring an empty match"],
      ["(?:a??)+x", "repeated group preferring an empty match"],
    ] as const
  ) {
    const e = rejects(p, true, p === "(.)\\1" ? { caseless: true } : {});
    assert.equal(e.construct, construct, p);
  }
});

Deno.test("pcre translate: patterns PCRE2 rejects are errors", () => {
  for (
    const p of [
      "a**",
      "(a",
      "a)",
      "[a",
      "\\",
      "x{3,2}",
      "a{70000}",
      "[z-a]",
      "[\\d-z]",
      "\\y",
      "(?<=a+)b",
      "\\2(a)",
      "(?<n>a)(?<n>b)",
    ]
  ) {
    rejects(p, false);
  }
});

Deno.test("pcre translate: splitting a pcre value like Suricata", () => {
  assert.deepEqual(splitPcreValue("/a\\/b/Ri"), {
    pattern: "a\\/b",
    modifiers: "Ri",
    patternOffset: 1,
    modifiersOffset: 6,
    captureNames: null,
  });
  assert.equal(splitPcreValue("/a\\\\/i")!.pattern, "a\\\\");
  assert.equal(splitPcreValue("/a/b/U")!.pattern, "a/b");
  assert.equal(splitPcreValue("abc"), null);
  assert.equal(
    splitPcreValue("/(.*)\\r\\n/HR, flow:somecapture")!.captureNames,
    "flow:somecapture",
  );
});

// ------------------------------------------------------------ differential

const ATOMS = [
  "a",
  "b",
  "A",
  "B",
  "x",
  "-",
  " ",
  "\\n",
  "\\r",
  "\\xe9",
  "\\xC9",
  "\\xa0",
  ".",
  "\\d",
  "\\w",
  "\\s",
  "\\S",
  "\\W",
  "\\h",
  "\\v",
  "\\R",
  "\\N",
  "[ab]",
  "[^a]",
  "[a-c\\n]",
  "[[:alpha:]]",
  "[[:space:]x]",
  "[\\x00-\\x20]",
  "\\x41",
  "\\101",
  "\\Qa.\\E",
  "[\\xe0-\\xff]",
];
const ANCHORS = ["^", "$", "\\b", "\\B", "\\A", "\\Z", "\\z"];
const QUANTS = [
  "*",
  "+",
  "?",
  "{2}",
  "{1,3}",
  "{0,}",
  "*?",
  "+?",
  "??",
  "{1,2}?",
  "*+",
  "++",
  "?+",
];

function randomPattern(r: () => number, depth: number): string {
  const n = 1 + Math.floor(r() * 4);
  let out = "";
  for (let k = 0; k < n; k++) {
    const roll = r();
    let atom: string;
    if (roll < 0.55 || depth > 2) {
      atom = ATOMS[Math.floor(r() * ATOMS.length)];
    } else if (roll < 0.65) {
      out += ANCHORS[Math.floor(r() * ANCHORS.length)];
      continue;
    } else {
      const inner = randomPattern(r, depth + 1) +
        (r() < 0.3 ? "|" + randomPattern(r, depth + 1) : "");
      const kinds = [
        "(",
        "(?:",
        "(?=",
        "(?!",
        "(?>",
        "(?i:",
        "(?-i:",
        "(?s:",
        "(?m:",
        "(?<n>",
        "(?P<m>",
      ];
      const kind = kinds[Math.floor(r() * kinds.length)];
      atom = `${kind}${inner})`;
      if (kind === "(?=" || kind === "(?!") {
        out += atom;
        continue;
      }
    }
    if (r() < 0.1) out += "(?i)";
    if (r() < 0.08) atom = ["\\1", "\\k<n>", "(?P=m)", "\\g{-1}", "\\2"][Math.floor(r() * 5)];
    if (r() < 0.03) atom += " # c\n ";
    out += atom;
    if (r() < 0.35) out += QUANTS[Math.floor(r() * QUANTS.length)];
  }
  if (r() < 0.05) out = `(?<=a|bc)${out}`;
  return out;
}

const SUBJECT_CHARS = [
  0x61,
  0x62,
  0x41,
  0x42,
  0x78,
  0x2d,
  0x20,
  0x0a,
  0x0d,
  0xe9,
  0xc9,
  0xa0,
  0x31,
  0x0b,
  0x85,
];

function randomSubject(r: () => number): Uint8Array {
  const n = Math.floor(r() * 12);
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) out[k] = SUBJECT_CHARS[Math.floor(r() * SUBJECT_CHARS.length)];
  return out;
}

function randomOptions(r: () => number): OracleOptions {
  return {
    caseless: r() < 0.3,
    multiline: r() < 0.2,
    dotall: r() < 0.2,
    extended: r() < 0.1,
    dollarEndOnly: r() < 0.1,
    ungreedy: r() < 0.1,
  };
}

const pcre2 = openPcre2(false);
const pcre2Jit = openPcre2(true);

Deno.test({
  name: "pcre translate: agrees with libpcre2 on random patterns and subjects",
  ignore: pcre2 === null,
  fn() {
    const r = rng(20240607);
    let compared = 0;
    let matched = 0;
    let translated = 0;
    for (let n = 0; n < 4000; n++) {
      const pattern = randomPattern(r, 0);
      const options = randomOptions(r);
      const oracle = pcre2!.compile(pattern, options);
      let re: RegExp;
      try {
        re = new RegExp(translatePcre(pattern, options).source, "g");
      } catch (error) {
        assert.ok(error instanceof PcreTranslateError, `${pattern}: ${error}`);
        if (typeof oracle === "string") continue;
        assert.ok(error.unsupported, `PCRE2 accepts ${pattern} but: ${error.message}`);
        (oracle as OraclePattern).free();
        continue;
      }
      assert.ok(
        typeof oracle !== "string",
        `PCRE2 rejects ${pattern} (${oracle}) but it translated`,
      );
      translated++;
      for (let k = 0; k < 12; k++) {
        const subject = randomSubject(r);
        const start = Math.floor(r() * (subject.length + 1));
        const want: [number, number] | null = (oracle as OraclePattern).exec(subject, start);
        const got = firstMatch(re, latin1(subject), start);
        assert.deepEqual(
          got,
          want,
          `/${pattern}/ ${JSON.stringify(options)} on [${Array.from(subject)}] from ${start}`,
        );
        compared++;
        if (want !== null) matched++;
      }
      (oracle as OraclePattern).free();
    }
    console.log(
      `random patterns: ${translated} translated, ${compared} comparisons, ${matched} matches`,
    );
  },
});

interface EtPcre {
  value: string;
  pattern: string;
  modifiers: string;
}

function etOpenPcres(): EtPcre[] {
  const dir = corpusPath("rules/et-open");
  const out: EtPcre[] = [];
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".rules"))
      .sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const { rules } = parseRules(Deno.readTextFileSync(`${dir}/${name}`), name);
    for (const rule of rules) {
      for (const o of rule.options) {
        if (o.name !== "pcre" || o.value === null) continue;
        let v = o.value.trim();
        if (v.startsWith("!")) v = v.slice(1).trim();
        if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
        const split = splitPcreValue(v);
        if (split) out.push({ value: o.value, pattern: split.pattern, modifiers: split.modifiers });
      }
    }
  }
  return out;
}

function modifierOptions(m: string): OracleOptions {
  return {
    caseless: m.includes("i"),
    multiline: m.includes("m"),
    dotall: m.includes("s"),
    extended: m.includes("x"),
    dollarEndOnly: m.includes("E"),
    ungreedy: m.includes("G"),
  };
}

/** Subjects made of the pattern's own literal pieces, so that some of them match. */
function subjectsFor(pattern: string, r: () => number, count: number): Uint8Array[] {
  const pieces: number[][] = [];
  const bytes = new TextEncoder().encode(pattern);
  let cur: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x5c && bytes[i + 1] === 0x78) {
      const h = parseInt(String.fromCharCode(bytes[i + 2], bytes[i + 3]), 16);
      if (!Number.isNaN(h)) {
        cur.push(h);
        i += 3;
        continue;
      }
    }
    if (c === 0x5c && (bytes[i + 1] === 0x72 || bytes[i + 1] === 0x6e)) {
      cur.push(bytes[i + 1] === 0x72 ? 0x0d : 0x0a);
      i++;
      continue;
    }
    if (
      (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2f
    ) {
      cur.push(c);
      continue;
    }
    if (cur.length > 0) pieces.push(cur);
    cur = [];
  }
  if (cur.length > 0) pieces.push(cur);
  const filler = [0x20, 0x3d, 0x22, 0x27, 0x0d, 0x0a, 0x61, 0x31, 0x2e, 0x3a, 0x2f, 0xe9];
  const out: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const s: number[] = [];
    const n = 1 + Math.floor(r() * 8);
    for (let j = 0; j < n && pieces.length > 0; j++) {
      const piece = pieces[Math.floor(r() * pieces.length)];
      s.push(...(r() < 0.2 ? piece.map((c) => c ^ 0x20) : piece));
      const f = Math.floor(r() * 3);
      for (let q = 0; q < f; q++) s.push(filler[Math.floor(r() * filler.length)]);
    }
    out.push(Uint8Array.from(s));
  }
  return out;
}

Deno.test({
  name: "pcre translate: every ET Open pcre agrees with libpcre2 (counts by reason)",
  ignore: pcre2 === null,
  fn() {
    const all = etOpenPcres();
    if (all.length === 0) return;
    const reasons = new Map<string, number>();
    let translated = 0;
    let comparisons = 0;
    let matches = 0;
    const r = rng(7);
    for (const p of all) {
      const options = modifierOptions(p.modifiers);
      const oracle = pcre2!.compile(p.pattern, options);
      const jit = pcre2Jit!.compile(p.pattern, options) as OraclePattern;
      let re: RegExp;
      try {
        re = new RegExp(translatePcre(p.pattern, options).source, "g");
      } catch (error) {
        assert.ok(error instanceof PcreTranslateError);
        const key = error.unsupported
          ? `unsupported: ${error.construct}`
          : `invalid: ${error.message}`;
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
        assert.ok(error.unsupported || typeof oracle === "string", `PCRE2 accepts ${p.value}`);
        if (typeof oracle !== "string") oracle.free();
        if (typeof jit !== "string") jit.free();
        continue;
      }
      assert.ok(typeof oracle !== "string", `PCRE2 rejects ${p.value}: ${oracle}`);
      translated++;
      for (const subject of subjectsFor(p.pattern, r, 24)) {
        for (const start of [0, Math.floor(subject.length / 2)]) {
          const want: [number, number] | null = (oracle as OraclePattern).exec(subject, start);
          assert.deepEqual(
            firstMatch(re, latin1(subject), start),
            want,
            `${p.value} on ${latin1(subject)}`,
          );
          assert.deepEqual(jit.exec(subject, start), want, `PCRE2 JIT differs on ${p.value}`);
          comparisons++;
          if (want) matches++;
        }
      }
      (oracle as OraclePattern).free();
      jit.free();
    }
    console.log(
      `ET Open pcre values: ${all.length}, translated: ${translated}, refused: ${
        all.length - translated
      }`,
    );
    for (const [k, v] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${v}  ${k}`);
    console.log(`  compared with libpcre2: ${comparisons} subjects, ${matches} matches`);
    assert.ok(translated / all.length > 0.99);
  },
});
