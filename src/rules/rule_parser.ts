/**
 * The Suricata rule-language parser, at the level of syntax: rule files are
 * split into rules (comments, blank lines, backslash continuations), each
 * rule into its header and its `( ... )` options. Option values are kept raw;
 * only `sid`, `rev`, `gid` and `msg` are interpreted. Addresses and ports are
 * parsed into trees (variables resolved later, see address.ts and port.ts).
 *
 * How the text is split follows Suricata 7 (detect-engine-loader.c,
 * detect-parse.c):
 * - a line whose first character is `#` is a comment (so is a commented-out
 *   rule); a line whose first character is a blank is ignored by Suricata, and
 *   so here too, with a warning when it looks like a rule;
 * - a line whose last non-blank character is `\` continues on the next line:
 *   the backslash and what follows it are dropped and the next line is
 *   appended as it is;
 * - an option ends at the first `;` not preceded by `\`. One leniency: in a
 *   value that starts with `"` (after an optional `!`), a `;` ends the option
 *   only when the last non-blank character before it is an unescaped `"`
 *   (other than the opening one); a `;` inside the quotes that Suricata would
 *   split at is accepted with a warning.
 *
 * @example
 * ```ts
 * import { parseRules } from "./rule_parser.ts";
 * const { rules, errors } = parseRules('alert tcp any any -> any 80 (msg:"hi"; sid:1;)\n', "local.rules");
 * rules[0].options.map((o) => o.name); // ["msg", "sid"]
 * errors.length; // 0
 * ```
 *
 * @module
 */

import { parseAddressSpec } from "./address.ts";
import { diagnosticAt, type RuleDiagnostic, type SourceLocation } from "./diagnostic.ts";
import { parsePortSpec } from "./port.ts";
import {
  locateIn,
  type ParsedRule,
  RULE_ACTIONS,
  type RuleAction,
  type RuleDirection,
  type RuleOption,
} from "./rule.ts";

/** What parseRules returns. */
export interface ParseRulesResult {
  /** The rules that parsed, in file order. */
  rules: ParsedRule[];
  /** One diagnostic per rule that did not parse (that rule is skipped). */
  errors: RuleDiagnostic[];
  /** Things that load but deserve a note (e.g. an indented rule Suricata ignores). */
  warnings: RuleDiagnostic[];
}

const ACTIONS: ReadonlyMap<string, RuleAction> = new Map(RULE_ACTIONS.map((a) => [a, a]));
const EMPTY: readonly number[] = Object.freeze([]);
// Control characters other than tab, LF and CR, and DEL; U+FFFD stands for bytes that were not UTF-8.
// deno-lint-ignore no-control-regex -- finding control characters is the point
const BAD_CHAR = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]/;
const UINT_MAX = 4294967295;

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** 1 for the characters of an option name: letters, digits, `_`, `.`, `-`. */
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  NAME_CHAR[c] = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2e || c === 0x2d
    ? 1
    : 0;
}

function skipBlank(t: string, i: number): number {
  const n = t.length;
  while (i < n && isBlank(t.charCodeAt(i))) i++;
  return i;
}

/** Explains why the option starting at `nameStart` is malformed; `i` is where scanning stopped. */
function keywordError(t: string, nameStart: number, nameEnd: number, i: number): RuleError {
  const n = t.length;
  const name = t.slice(nameStart, nameEnd);
  if (nameEnd === nameStart) {
    if (i >= n) return new RuleError(n, "missing ')' at the end of the rule");
    return new RuleError(nameStart, `option name expected, found '${t[nameStart]}'`);
  }
  if (i >= n) return new RuleError(n, `option "${name}" is not terminated by ';'`, name);
  if (t.charCodeAt(i) === 0x29 /* ) */) {
    return new RuleError(i, `option "${name}" is not terminated by ';'`, name);
  }
  if (i === nameEnd) {
    return new RuleError(i, `invalid character '${t[i]}' in option name "${name}${t[i]}"`);
  }
  return new RuleError(i, `':' or ';' expected after option name "${name}"`, name);
}

class RuleError {
  constructor(readonly offset: number, readonly message: string, readonly keyword?: string) {}
}

/**
 * Parses the text of a rule file.
 *
 * @param text the file's content
 * @param file the name to put in locations and diagnostics
 * @returns the rules that parsed, and a diagnostic for each one that did not
 */
export function parseRules(text: string, file: string): ParseRulesResult {
  const rules: ParsedRule[] = [];
  const errors: RuleDiagnostic[] = [];
  const warnings: RuleDiagnostic[] = [];
  for (const rule of eachRule(text, file, errors, warnings)) rules.push(rule);
  return { rules, errors, warnings };
}

/**
 * Parses the text of a rule file one rule at a time, as the caller asks for
 * them: a caller that compiles each rule before asking for the next lets its
 * parse go while it is young (ET Open: ~25k rules, each an object tree that
 * would otherwise live until its whole file is parsed). What {@link parseRules}
 * returns, as a generator.
 *
 * @param text the file's content
 * @param file the name to put in locations and diagnostics
 * @param errors receives a diagnostic for each rule that does not parse, in
 *   file order, as the generator reaches it
 * @param warnings receives the notes, as the generator reaches them
 * @returns the rules that parse, in file order
 */
export function* eachRule(
  text: string,
  file: string,
  errors: RuleDiagnostic[],
  warnings: RuleDiagnostic[],
): Generator<ParsedRule, void, undefined> {
  const n = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte order mark
  let lineNo = 0;
  while (pos < n) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = n;
    const lineStart = pos;
    pos = end + 1;
    lineNo++;
    if (end > lineStart && text.charCodeAt(end - 1) === 0x0d) end--;
    if (end === lineStart) continue;
    const first = text.charCodeAt(lineStart);
    if (first === 0x23 /* # */) continue;
    if (isSpace(first)) {
      checkIndentedRule(text, lineStart, end, file, lineNo, warnings);
      continue;
    }
    const startLine = lineNo;
    // Continuations: the last non-blank character is a backslash.
    let last = end - 1;
    while (last > lineStart && isSpace(text.charCodeAt(last))) last--;
    let ruleText: string;
    let breaks: readonly number[] = EMPTY;
    if (text.charCodeAt(last) !== 0x5c /* \ */) {
      ruleText = text.slice(lineStart, end);
    } else {
      ruleText = text.slice(lineStart, last);
      const offsets: number[] = [];
      let open = true;
      while (open) {
        if (pos >= n) {
          errors.push({
            file,
            line: lineNo,
            column: last - (text.lastIndexOf("\n", last) + 1) + 1,
            message: "the last line of the file ends with '\\' (continuation of nothing)",
          });
          ruleText = "";
          break;
        }
        let e = text.indexOf("\n", pos);
        if (e < 0) e = n;
        const s = pos;
        pos = e + 1;
        lineNo++;
        if (e > s && text.charCodeAt(e - 1) === 0x0d) e--;
        offsets.push(ruleText.length);
        last = e - 1;
        while (last >= s && isSpace(text.charCodeAt(last))) last--;
        if (last >= s && text.charCodeAt(last) === 0x5c) {
          ruleText += text.slice(s, last);
        } else {
          ruleText += text.slice(s, e);
          open = false;
        }
      }
      if (ruleText === "") continue;
      breaks = offsets;
    }
    const start: SourceLocation = { file, line: startLine, column: 1 };
    const r = parseJoinedRule(ruleText, start, breaks, warnings);
    if ("action" in r) yield r;
    else errors.push(r);
  }
}

function checkIndentedRule(
  text: string,
  s: number,
  e: number,
  file: string,
  line: number,
  warnings: RuleDiagnostic[],
): void {
  let k = s;
  while (k < e && isSpace(text.charCodeAt(k))) k++;
  if (k === e || text.charCodeAt(k) === 0x23) return;
  let w = k;
  while (w < e && !isSpace(text.charCodeAt(w))) w++;
  if (ACTIONS.has(text.slice(k, w).toLowerCase())) {
    warnings.push({
      file,
      line,
      column: 1,
      message:
        "line starts with a blank, so it is ignored (as Suricata does); remove the indentation to load this rule",
    });
  }
}

/**
 * Parses one rule given as a single line of text.
 *
 * @param text the rule, e.g. `alert tcp any any -> any any (sid:1;)`
 * @param file the name to put in locations and diagnostics
 * @param line the line number of the rule in that file
 * @returns the rule, or the diagnostic explaining why it does not parse
 */
export function parseRule(
  text: string,
  file = "<rule>",
  line = 1,
): { rule: ParsedRule; warnings: RuleDiagnostic[] } | { error: RuleDiagnostic } {
  const warnings: RuleDiagnostic[] = [];
  const r = parseJoinedRule(text, { file, line, column: 1 }, EMPTY, warnings);
  return "action" in r ? { rule: r, warnings } : { error: r };
}

/** Reads a header token: up to a blank outside brackets, or a '(' (and the end). */
function headerTokenEnd(t: string, i: number): number {
  const n = t.length;
  let depth = 0;
  let firstSpace = -1;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (c === 0x28 /* ( */) break;
    if (c === 0x5b) depth++;
    else if (c === 0x5d) depth--;
    else if (isSpace(c)) {
      if (depth <= 0) break;
      if (firstSpace < 0) firstSpace = i;
    }
    i++;
  }
  // An unclosed '[': end at the first blank, so that the spec parser reports it.
  return depth > 0 && firstSpace >= 0 ? firstSpace : i;
}

function skipSpace(t: string, i: number): number {
  const n = t.length;
  while (i < n && isSpace(t.charCodeAt(i))) i++;
  return i;
}

const HEADER_FIELDS = [
  "protocol",
  "source address",
  "source port",
  "direction",
  "destination address",
  "destination port",
];

function parseJoinedRule(
  t: string,
  start: SourceLocation,
  breaks: readonly number[],
  warnings: RuleDiagnostic[],
): ParsedRule | RuleDiagnostic {
  const locate = (o: number) => locateIn(start, breaks, o);
  try {
    return parseRuleText(t, start, breaks, locate, warnings);
  } catch (e) {
    if (e instanceof RuleError) return diagnosticAt(locate(e.offset), e.message, e.keyword);
    throw e;
  }
}

function parseRuleText(
  t: string,
  start: SourceLocation,
  breaks: readonly number[],
  locate: (o: number) => SourceLocation,
  warnings: RuleDiagnostic[],
): ParsedRule {
  const n = t.length;
  const bad = BAD_CHAR.exec(t);
  if (bad !== null) {
    const code = bad[0].charCodeAt(0);
    throw new RuleError(
      bad.index,
      code === 0xfffd
        ? "rule is not valid UTF-8"
        : `rule contains a control character (U+${code.toString(16).padStart(4, "0")})`,
    );
  }

  // ---- header
  let i = skipSpace(t, 0);
  const actionStart = i;
  while (i < n && !isSpace(t.charCodeAt(i))) i++;
  const actionText = t.slice(actionStart, i);
  const action = ACTIONS.get(actionText) ?? ACTIONS.get(actionText.toLowerCase());
  if (action === undefined) {
    throw new RuleError(
      actionStart,
      `invalid action "${actionText}" (expected one of ${RULE_ACTIONS.join(", ")})`,
    );
  }
  const fields: number[] = []; // start, end pairs of the six other header fields
  for (let f = 0; f < 6; f++) {
    i = skipSpace(t, i);
    const s = i;
    i = headerTokenEnd(t, i);
    if (i === s) {
      throw new RuleError(s, `incomplete rule header: ${HEADER_FIELDS[f]} expected`);
    }
    fields.push(s, i);
  }
  const protocolText = t.slice(fields[0], fields[1]);
  for (let k = 0; k < protocolText.length; k++) {
    const c = protocolText.charCodeAt(k);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
      (k > 0 && (c === 0x2d || c === 0x5f || c === 0x2e));
    if (!ok) throw new RuleError(fields[0] + k, `invalid protocol "${protocolText}"`);
  }
  const protocol = protocolText.toLowerCase();
  const directionText = t.slice(fields[6], fields[7]);
  // "=>" (Suricata 8 transactional rules) is only kept in rules with a
  // 'requires' option, which Suricata 7 checks first and may skip the rule on.
  const transactional = directionText === "=>";
  if (directionText !== "->" && directionText !== "<>" && !transactional) {
    throw new RuleError(
      fields[6],
      `invalid direction "${directionText}" (Suricata 7 accepts "->" and "<>")`,
    );
  }
  const direction: RuleDirection = directionText;
  const address = (f: number) => {
    const s = fields[f * 2];
    const spec = parseAddressSpec(t.slice(s, fields[f * 2 + 1]), (o) => locate(s + o));
    if (spec.kind === "error") throw new RuleError(s + spec.offset, spec.message);
    return spec;
  };
  const port = (f: number) => {
    const s = fields[f * 2];
    const spec = parsePortSpec(t.slice(s, fields[f * 2 + 1]), (o) => locate(s + o));
    if (spec.kind === "error") throw new RuleError(s + spec.offset, spec.message);
    return spec;
  };
  const source = address(1);
  const sourcePorts = port(2);
  const destination = address(4);
  const destinationPorts = port(5);

  if (i < n && t.charCodeAt(i) === 0x28) {
    throw new RuleError(i, "a blank is needed between the destination port and '('");
  }
  i = skipSpace(t, i);
  if (i >= n) throw new RuleError(i, "rule has no options: '(' expected");
  if (t.charCodeAt(i) !== 0x28) {
    throw new RuleError(i, `'(' expected after the rule header, found '${t[i]}'`);
  }
  i++;

  // ---- options
  const options: RuleOption[] = [];
  let sid = -1;
  let rev = -1;
  let gid = -1;
  let msg: string | null = null;
  let closeParen = -1;
  for (;;) {
    i = skipSpace(t, i);
    if (i >= n) throw new RuleError(n, "missing ')' at the end of the rule");
    let c = t.charCodeAt(i);
    if (c === 0x29 /* ) */) {
      closeParen = i;
      i = skipSpace(t, i + 1);
      if (i < n) throw new RuleError(i, "unexpected text after the closing ')'");
      break;
    }
    // Keyword: name characters, blanks, then ':' or ';'.
    const nameStart = i;
    while (i < n && NAME_CHAR[t.charCodeAt(i)] === 1) i++;
    const nameEnd = i;
    i = skipBlank(t, i);
    c = i < n ? t.charCodeAt(i) : -1;
    if (c !== 0x3a && c !== 0x3b) throw keywordError(t, nameStart, nameEnd, i);
    if (nameEnd === nameStart) throw new RuleError(nameStart, "empty option (stray ';' or ':')");
    const name = t.slice(nameStart, nameEnd);
    let value: string | null = null;
    let valueOffset = -1;
    if (c === 0x3b /* ; */) {
      i++;
    } else {
      // Value: from after ':' to the terminating ';'.
      const colon = i;
      let v = colon + 1;
      while (v < n && isBlank(t.charCodeAt(v))) v++;
      let q = v;
      if (t.charCodeAt(q) === 0x21 /* ! */) {
        q++;
        while (q < n && isBlank(t.charCodeAt(q))) q++;
      }
      let semi: number;
      if (t.charCodeAt(q) === 0x22 /* " */) {
        semi = quotedValueEnd(t, q, name, warnings, locate);
      } else {
        semi = colon + 1;
        for (;;) {
          semi = t.indexOf(";", semi);
          if (semi < 0) break;
          if (t.charCodeAt(semi - 1) !== 0x5c) break;
          semi++;
        }
        if (semi < 0) {
          let e = n - 1;
          while (e > colon && isSpace(t.charCodeAt(e))) e--;
          if (t.charCodeAt(e) === 0x29) {
            throw new RuleError(e, `option "${name}" is not terminated by ';'`, name);
          }
          throw new RuleError(n, `option "${name}" is not terminated by ';'`, name);
        }
      }
      let ve = semi;
      while (ve > v && isSpace(t.charCodeAt(ve - 1))) ve--;
      value = t.slice(v, ve);
      valueOffset = v;
      i = semi + 1;
    }
    const lower = name.length === 3 ? name.toLowerCase() : "";
    if (lower === "sid") {
      if (sid >= 0) throw new RuleError(nameStart, "duplicated 'sid' option", name);
      sid = unsignedValue(value, valueOffset, nameStart, name, 1);
    } else if (lower === "rev") {
      if (rev >= 0) throw new RuleError(nameStart, "duplicated 'rev' option", name);
      rev = unsignedValue(value, valueOffset, nameStart, name, 1);
    } else if (lower === "gid") {
      if (gid >= 0) throw new RuleError(nameStart, "duplicated 'gid' option", name);
      gid = unsignedValue(value, valueOffset, nameStart, name, 0);
    } else if (lower === "msg") {
      if (msg !== null) throw new RuleError(nameStart, "duplicated 'msg' option", name);
      msg = messageValue(value, valueOffset, nameStart, name);
    }
    options.push({ name, value, location: locate(nameStart), valueOffset });
  }
  if (transactional && !options.some((o) => o.name.toLowerCase() === "requires")) {
    throw new RuleError(
      fields[6],
      `direction "=>" needs Suricata 8 (Suricata 7 accepts "->" and "<>")`,
    );
  }
  if (sid < 0) throw new RuleError(closeParen, "rule has no 'sid' option");
  return {
    action,
    protocol,
    source,
    sourcePorts,
    direction,
    destination,
    destinationPorts,
    options,
    text: t,
    location: start,
    lineBreaks: breaks,
    sid,
    rev: rev < 0 ? 0 : rev,
    gid: gid < 0 ? 1 : gid,
    msg: msg ?? "",
  };
}

/** Whether the character at `p` is preceded by an odd run of backslashes. */
function isEscaped(t: string, p: number): boolean {
  let k = p - 1;
  while (k >= 0 && t.charCodeAt(k) === 0x5c) k--;
  return ((p - 1 - k) & 1) === 1;
}

/**
 * Finds the ';' ending a quoted value whose opening quote is at `q`: the first
 * unescaped ';' whose nearest non-blank predecessor is an unescaped '"' other
 * than the opening one.
 */
function quotedValueEnd(
  t: string,
  q: number,
  name: string,
  warnings: RuleDiagnostic[],
  locate: (o: number) => SourceLocation,
): number {
  let innerSemi = -1;
  for (let semi = t.indexOf(";", q + 1); semi >= 0; semi = t.indexOf(";", semi + 1)) {
    if (isEscaped(t, semi)) continue;
    let b = semi - 1;
    while (isBlank(t.charCodeAt(b))) b--;
    if (b > q && t.charCodeAt(b) === 0x22 && !isEscaped(t, b)) {
      if (innerSemi >= 0) {
        warnings.push(diagnosticAt(
          locate(innerSemi),
          `unescaped ';' inside the quoted value of "${name}" (Suricata rejects this; write \\;)`,
          name,
        ));
      }
      return semi;
    }
    if (innerSemi < 0) innerSemi = semi;
  }
  // No end: say whether the quote is unterminated or the ';' is missing.
  let firstClose = -1;
  for (let k = q + 1; k < t.length; k++) {
    const c = t.charCodeAt(k);
    if (c === 0x5c) k++;
    else if (c === 0x22) {
      firstClose = k;
      break;
    }
  }
  if (firstClose < 0) {
    throw new RuleError(q, `unterminated quoted value of "${name}"`, name);
  }
  const after = skipSpace(t, firstClose + 1);
  throw new RuleError(after, `';' expected after the closing quote of "${name}"`, name);
}

function unsignedValue(
  value: string | null,
  at: number,
  nameAt: number,
  name: string,
  min: number,
): number {
  if (value === null || value.length === 0) {
    throw new RuleError(value === null ? nameAt : at, `'${name}' needs a number`, name);
  }
  // strtoul, as Suricata uses, takes an optional '+'.
  for (let k = value.charCodeAt(0) === 0x2b && value.length > 1 ? 1 : 0; k < value.length; k++) {
    const c = value.charCodeAt(k);
    if (c < 0x30 || c > 0x39) {
      throw new RuleError(at + k, `invalid character '${value[k]}' in '${name}' value`, name);
    }
  }
  const v = Number(value);
  if (v < min) throw new RuleError(at, `'${name}' value ${v} is invalid`, name);
  if (v >= UINT_MAX) throw new RuleError(at, `'${name}' value ${value} is too large`, name);
  return v;
}

function messageValue(value: string | null, at: number, nameAt: number, name: string): string {
  if (value === null || value.length === 0) {
    throw new RuleError(value === null ? nameAt : at, "'msg' needs a quoted text", name);
  }
  if (value.charCodeAt(0) !== 0x22 || value.length < 2 || !value.endsWith('"')) {
    throw new RuleError(at, "'msg' text must be in double quotes", name);
  }
  const inner = value.slice(1, -1);
  if (inner.length === 0) throw new RuleError(at, "'msg' text is empty", name);
  if (!inner.includes("\\")) return inner;
  let out = "";
  for (let k = 0; k < inner.length; k++) {
    const c = inner[k];
    if (c === "\\" && k + 1 < inner.length) {
      out += inner[++k];
    } else {
      out += c;
    }
  }
  return out;
}
