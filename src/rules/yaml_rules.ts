/**
 * Rules written as YAML: a list of rules, each a mapping with its header
 * (`action`, `proto`, `from`, `to`), its options and its own test cases.
 * Every Suricata rule has a YAML form and back, losslessly: the options keep
 * their order and raw text.
 *
 * ```yaml
 * - action: alert
 *   proto: tcp
 *   from: $EXTERNAL_NET any
 *   to: $HOME_NET 80
 *   msg: Path traversal to /etc/passwd
 *   match:
 *     - flow: established,to_server
 *     - content: /etc/passwd
 *       nocase: true
 *     - http.uri:                 # a sticky buffer and what inspects it
 *         - content: /admin
 *   classtype: web-application-attack
 *   sid: 1000001
 *   rev: 1
 *   tests:
 *     - http: { method: GET, uri: /../../etc/passwd }
 *       alerts: 1
 * ```
 *
 * How a YAML rule maps to options, in key order:
 * - `msg`, `sid`, `rev`, `gid`, `classtype`, `priority`, `reference`,
 *   `metadata` are options (the last two may be lists: one option each);
 * - `match` is a list whose items expand in place, in order: a mapping gives
 *   one option per key, in key order (`true` for a keyword without value, a
 *   string or number for its raw value); a key whose value is a list gives
 *   the keyword without value followed by the list's items (a sticky buffer);
 *   a string item is a keyword without value; `raw: "name:value"` is one
 *   option as written;
 * - the values of `content`, `uricontent`, `pcre` and `msg` are written
 *   without their double quotes (`{not: text}` for `!"text"`);
 * - `action` (default alert), `proto`, `from`, `to`, `direction` (default
 *   `->`), `enabled` (default true) and `tests` are not options.
 *
 * Errors in the YAML (indentation, types, unknown keys) and in the rule it
 * describes point at file:line:col in the YAML file.
 *
 * @example
 * ```ts
 * import { parseYamlRules, rulesToYaml } from "./yaml_rules.ts";
 * import { parseRules } from "./rule_parser.ts";
 * const { rules } = parseRules('alert tcp any any -> any 80 (msg:"x"; content:"a"; nocase; sid:1;)', "a.rules");
 * const yaml = rulesToYaml(rules.map((rule) => ({ rule })));
 * parseYamlRules(yaml, "a.yaml").rules[0].options.length; // 4
 * ```
 *
 * @module
 */

import {
  Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import type { RuleDiagnostic, SourceLocation } from "./diagnostic.ts";
import type { ParsedRule, RuleOption } from "./rule.ts";
import { parseRule, type ParseRulesResult } from "./rule_parser.ts";
import {
  describeTraffic,
  ENDPOINT_FIELDS,
  REQUIRED_TRAFFIC_FIELDS,
  type RuleTestCase,
  type TestTraffic,
  TRAFFIC_FIELDS,
  TRAFFIC_KINDS,
} from "./rule_test_case.ts";

/** A rule as a YAML file holds it: the rule and what surrounds it. */
export interface YamlRuleEntry {
  /** The rule. */
  rule: ParsedRule;
  /** False for a rule that is kept but not loaded (a commented-out rule). */
  enabled?: boolean;
  /** Its test cases. */
  tests?: RuleTestCase[];
  /** Comment lines written before it (without their `#`). */
  comment?: string | null;
}

/** What parseYamlRules returns. */
export interface ParseYamlRulesResult extends ParseRulesResult {
  /** Every rule that parsed, enabled or not, with its tests and comment. */
  entries: Required<YamlRuleEntry>[];
  /** Comment lines at the top of the file. */
  headComment: string | null;
  /** Comment lines at the end of the file. */
  tailComment: string | null;
}

/** Options that are top-level keys of a YAML rule. */
export const META_KEYS: readonly string[] = Object.freeze([
  "msg",
  "sid",
  "rev",
  "gid",
  "classtype",
  "priority",
  "reference",
  "metadata",
]);
const META = new Set(META_KEYS);
/** Meta keys that may repeat (a list value). */
const LISTABLE = new Set(["reference", "metadata"]);
/** Keys of a YAML rule that are not options. */
export const HEADER_KEYS: readonly string[] = Object.freeze([
  "action",
  "proto",
  "from",
  "to",
  "direction",
  "enabled",
  "tests",
  "match",
]);
const HEADER = new Set(HEADER_KEYS);
/** Keywords whose value is a double-quoted text, written without its quotes. */
const QUOTED = new Set(["content", "uricontent", "pcre", "msg"]);
/** Keywords that modify the content before them (grouped with it). */
const CONTENT_MODIFIERS = new Set([
  "nocase",
  "rawbytes",
  "depth",
  "offset",
  "distance",
  "within",
  "fast_pattern",
  "startswith",
  "endswith",
  "http_uri",
  "http_raw_uri",
  "http_method",
  "http_header",
  "http_raw_header",
  "http_cookie",
  "http_raw_cookie",
  "http_client_body",
  "http_server_body",
  "http_stat_code",
  "http_stat_msg",
  "http_user_agent",
  "http_host",
  "http_raw_host",
  "http_header_names",
  "http_accept",
  "http_accept_enc",
  "http_accept_lang",
  "http_referer",
  "http_connection",
  "http_content_type",
  "http_content_len",
  "http_start",
  "http_protocol",
  "http_request_line",
  "http_response_line",
]);
/** Valueless keywords that are sticky buffers although their name has no dot. */
const UNDOTTED_BUFFERS = new Set([
  "pkt_data",
  "file_data",
  "base64_data",
  "dce_stub_data",
  "dnp3_data",
]);
/** Valueless dotted keywords that are conditions, not sticky buffers. */
const DOTTED_CONDITIONS = new Set([
  "tls.store",
  "tls.cert_expired",
  "tls.cert_valid",
  "ssh.softwareversion",
  "file.store",
  "http.connection_close",
]);

function isStickyBuffer(option: Pick<RuleOption, "name" | "value">): boolean {
  if (option.value !== null) return false;
  const name = option.name.toLowerCase();
  if (UNDOTTED_BUFFERS.has(name)) return true;
  return name.includes(".") && !DOTTED_CONDITIONS.has(name);
}

// ---------------------------------------------------------------- writing

/** Options of {@link rulesToYaml}. */
export interface RulesToYamlOptions {
  /** Comment lines for the top of the file (without `#`). */
  headComment?: string | null;
  /** Comment lines for the end of the file (without `#`). */
  tailComment?: string | null;
  /** A `# yaml-language-server: $schema=...` line pointing at this schema path. */
  schema?: string;
}

/**
 * Writes rules as a YAML document (a list of rule mappings).
 *
 * @param entries the rules, with their tests and comments
 * @param options comments and schema reference
 * @returns the YAML text
 */
export function rulesToYaml(
  entries: readonly YamlRuleEntry[],
  options: RulesToYamlOptions = {},
): string {
  const doc = new Document(entries.map(yamlRuleObject));
  const seq = doc.contents as YAMLSeq;
  seq.items.forEach((item, k) => {
    const node = item as YAMLMap;
    if (k > 0) node.spaceBefore = true;
    const comment = entries[k].comment;
    if (comment) node.commentBefore = comment;
  });
  const head: string[] = [];
  if (options.schema) head.push(` yaml-language-server: $schema=${options.schema}`);
  if (options.headComment) head.push(options.headComment);
  if (head.length > 0) doc.commentBefore = head.join("\n");
  if (options.tailComment) doc.comment = options.tailComment;
  if (entries.length === 0) {
    return (head.length ? head.map((l) => `#${l}\n`).join("") : "") + "[]\n";
  }
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}

/**
 * The plain object a rule is written as in YAML (key order is meaningful).
 *
 * @param entry the rule and its tests
 * @returns a JSON-compatible object
 */
export function yamlRuleObject(entry: YamlRuleEntry): Record<string, unknown> {
  const rule = entry.rule;
  const out: Record<string, unknown> = {
    action: rule.action,
    proto: rule.protocol,
    from: `${rule.source.text} ${rule.sourcePorts.text}`,
  };
  if (rule.direction !== "->") out.direction = rule.direction;
  out.to = `${rule.destination.text} ${rule.destinationPorts.text}`;
  const opts = rule.options;
  const plan = metaPlan(opts);
  for (const group of plan.leading) out[group.name] = metaValue(group.options);
  if (plan.match.length > 0) out.match = matchItems(plan.match);
  for (const group of plan.trailing) out[group.name] = metaValue(group.options);
  if (entry.enabled === false) out.enabled = false;
  if (entry.tests && entry.tests.length > 0) out.tests = entry.tests.map(testObject);
  return out;
}

interface MetaGroup {
  name: string;
  options: RuleOption[];
}

/** Splits options into leading meta keys, the match span, trailing meta keys. */
function metaPlan(
  opts: readonly RuleOption[],
): { leading: MetaGroup[]; match: RuleOption[]; trailing: MetaGroup[] } {
  let lo = -1;
  let hi = -1;
  for (let k = 0; k < opts.length; k++) {
    if (!META.has(opts[k].name)) {
      if (lo < 0) lo = k;
      hi = k;
    }
  }
  const leadingOpts = lo < 0 ? opts : opts.slice(0, lo);
  const trailingOpts = lo < 0 ? [] : opts.slice(hi + 1);
  const leading = groupRuns(leadingOpts);
  const trailing = groupRuns(trailingOpts);
  const seen = new Set<string>();
  let ok = true;
  for (const g of [...leading, ...trailing]) {
    if (seen.has(g.name) || (g.options.length > 1 && !LISTABLE.has(g.name))) ok = false;
    seen.add(g.name);
    // a value that only the raw form can carry goes in the match list
    for (const o of g.options) if (scalarValue(o) === undefined) ok = false;
  }
  if (!ok) return { leading: [], match: [...opts], trailing: [] };
  return { leading, match: lo < 0 ? [] : opts.slice(lo, hi + 1), trailing };
}

function groupRuns(opts: readonly RuleOption[]): MetaGroup[] {
  const out: MetaGroup[] = [];
  for (const o of opts) {
    const last = out.at(-1);
    if (last && last.name === o.name) last.options.push(o);
    else out.push({ name: o.name, options: [o] });
  }
  return out;
}

function metaValue(options: RuleOption[]): unknown {
  const values = options.map((o) => scalarValue(o));
  return values.length === 1 ? values[0] : values;
}

/**
 * The YAML value of an option: true (no value), a number (a canonical
 * decimal), a string, `{not: text}` (a negated quoted value), or undefined
 * when only the raw form can carry it.
 */
function scalarValue(o: Pick<RuleOption, "name" | "value">): unknown {
  const v = o.value;
  if (v === null) return true;
  if (QUOTED.has(o.name)) {
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1);
    if (v.length >= 3 && v.startsWith('!"') && v.endsWith('"')) return { not: v.slice(2, -1) };
    return undefined;
  }
  if (/^(0|[1-9][0-9]{0,14})$/.test(v)) return Number(v);
  return v;
}

function rawItem(o: RuleOption): Record<string, unknown> {
  return { raw: o.value === null ? o.name : `${o.name}:${o.value}` };
}

/** One option as a match item. */
function singleItem(o: RuleOption): unknown {
  const value = scalarValue(o);
  if (value === undefined || o.name === "raw") return rawItem(o);
  if (value === true) return o.name;
  return { [o.name]: value };
}

function matchItems(opts: readonly RuleOption[]): unknown[] {
  const items: unknown[] = [];
  let k = 0;
  while (k < opts.length) {
    const o = opts[k];
    if (isStickyBuffer(o) && o.name !== "raw") {
      let end = k + 1;
      while (end < opts.length && !isStickyBuffer(opts[end])) end++;
      const inner = opts.slice(k + 1, end);
      items.push(inner.length === 0 ? o.name : { [o.name]: flatItems(inner) });
      k = end;
      continue;
    }
    let end = k + 1;
    while (end < opts.length && !isStickyBuffer(opts[end])) end++;
    items.push(...flatItems(opts.slice(k, end)));
    k = end;
  }
  return items;
}

/** Items without sticky buffers: contents grouped with their modifiers. */
function flatItems(opts: readonly RuleOption[]): unknown[] {
  const items: unknown[] = [];
  let k = 0;
  while (k < opts.length) {
    const o = opts[k];
    const value = scalarValue(o);
    if ((o.name === "content" || o.name === "uricontent") && value !== undefined) {
      const group: Record<string, unknown> = { [o.name]: value };
      k++;
      while (k < opts.length) {
        const m = opts[k];
        const mv = scalarValue(m);
        if (!CONTENT_MODIFIERS.has(m.name) || m.name in group || mv === undefined) break;
        group[m.name] = mv;
        k++;
      }
      items.push(group);
      continue;
    }
    items.push(singleItem(o));
    k++;
  }
  return items;
}

function testObject(t: RuleTestCase): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const { kind, ...rest } = t.traffic;
  if (t.traffic.kind === "pcap") out.pcap = t.traffic.path;
  else {
    const spec: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(rest)) {
      if (value === undefined) continue;
      spec[key] = key === "headers" ? headerObject(value as [string, string][]) : value;
    }
    if (kind === "http" && t.traffic.response) {
      const r = t.traffic.response;
      spec.response = {
        ...r,
        ...(r.headers ? { headers: headerObject(r.headers) } : {}),
      };
    }
    out[kind] = spec;
  }
  out.alerts = t.alerts;
  return out;
}

function headerObject(headers: [string, string][]): Record<string, string> {
  return Object.fromEntries(headers);
}

// ---------------------------------------------------------------- reading

class YamlRuleError extends Error {
  constructor(readonly node: Node | null, message: string, readonly at: number = -1) {
    super(message);
  }
}

/** A piece of the generated rule text and where it came from in the YAML. */
interface Segment {
  /** Start in the generated text. */
  start: number;
  /** End in the generated text. */
  end: number;
  /** Source offset of the piece's first character, exact when `exact`. */
  source: number;
  /** The text maps character by character onto the source. */
  exact: boolean;
}

/**
 * Parses a YAML rule file.
 *
 * @param text the file's content
 * @param file the name to put in locations and diagnostics
 * @returns the enabled rules (`rules`), every entry with its tests, and a
 *   diagnostic for each rule (or YAML problem) that did not parse
 */
export function parseYamlRules(text: string, file: string): ParseYamlRulesResult {
  const lines = new LineCounter();
  const result: ParseYamlRulesResult = {
    rules: [],
    errors: [],
    warnings: [],
    entries: [],
    headComment: null,
    tailComment: null,
  };
  const at = (offset: number): SourceLocation => {
    const p = lines.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    keepSourceTokens: false,
    uniqueKeys: true,
  });
  for (const e of doc.errors) {
    const p = at(e.pos[0]);
    result.errors.push({ ...p, message: `YAML: ${yamlMessage(e.code, e.message)}` });
  }
  for (const w of doc.warnings) {
    result.warnings.push({ ...at(w.pos[0]), message: `YAML: ${w.message}` });
  }
  if (doc.errors.length > 0) return result;
  result.headComment = doc.commentBefore ?? null;
  result.tailComment = doc.comment ?? null;
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return result;
  if (!isSeq(root)) {
    result.errors.push({
      ...at(root.range?.[0] ?? 0),
      message: "a YAML rule file is a list of rules (each item starting with '- ')",
    });
    return result;
  }
  root.items.forEach((item, k) => {
    try {
      const entry = readRule(item as Node, text, file, at);
      if (k === 0 && !entry.comment && root.commentBefore) entry.comment = root.commentBefore;
      result.entries.push(entry);
      if (entry.enabled) result.rules.push(entry.rule);
    } catch (e) {
      if (!(e instanceof YamlRuleError)) throw e;
      const offset = e.at >= 0 ? e.at : e.node?.range?.[0] ?? 0;
      result.errors.push({ ...at(offset), message: e.message });
    }
  });
  return result;
}

function yamlMessage(code: string, message: string): string {
  if (code === "DUPLICATE_KEY") return "duplicate key (a key may appear once per mapping)";
  if (code === "BAD_INDENT") return `bad indentation: ${message}`;
  return message;
}

function typeName(node: unknown): string {
  if (isSeq(node)) return "a list";
  if (isMap(node)) return "a mapping";
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return "nothing";
    return typeof v === "string" ? "a string" : `a ${typeof v}`;
  }
  return "nothing";
}

function stringOf(node: unknown, what: string): string {
  if (!isScalar(node) || (typeof node.value !== "string" && typeof node.value !== "number")) {
    throw new YamlRuleError(node as Node | null, `${what} must be a string, not ${typeName(node)}`);
  }
  return String(node.value);
}

function keyOf(pairKey: unknown): string {
  if (!isScalar(pairKey) || typeof pairKey.value !== "string") {
    throw new YamlRuleError(pairKey as Node | null, "keys must be plain names");
  }
  return pairKey.value;
}

/** Builds the generated rule text and its map onto the YAML source. */
class RuleText {
  text = "";
  readonly segments: Segment[] = [];
  /** Option name start offsets (in text) -> the key node. */
  readonly keyNodes: Node[] = [];
  constructor(readonly source: string) {}

  /** Appends literal text that maps onto `node` (its start). */
  literal(s: string, node: Node | null): void {
    const start = this.text.length;
    this.text += s;
    if (node?.range) {
      this.segments.push({ start, end: this.text.length, source: node.range[0], exact: false });
    }
  }

  /** Appends a scalar's value, mapping characters exactly when the source shows them as they are. */
  scalar(s: string, node: Node): void {
    const start = this.text.length;
    this.text += s;
    const range = node.range;
    if (!range) return;
    const src = this.source.slice(range[0], range[1]);
    let exact = false;
    let source = range[0];
    const type = (node as Scalar).type;
    if (src === s) exact = true;
    else if (
      (type === "QUOTE_DOUBLE" || type === "QUOTE_SINGLE") && src.slice(1, -1) === s
    ) {
      exact = true;
      source = range[0] + 1;
    }
    this.segments.push({ start, end: this.text.length, source, exact });
  }

  /** The source offset of a text offset. */
  sourceOffset(offset: number): number {
    let best: Segment | null = null;
    for (const seg of this.segments) {
      if (offset >= seg.start && offset < seg.end) best = seg;
    }
    if (best === null) {
      // past the end of a piece (e.g. a missing ';'): the nearest piece before it
      for (const seg of this.segments) if (seg.start <= offset) best = seg;
    }
    if (best === null) return 0;
    return best.exact ? best.source + Math.min(offset, best.end) - best.start : best.source;
  }
}

function readRule(
  item: Node,
  source: string,
  file: string,
  at: (offset: number) => SourceLocation,
): Required<YamlRuleEntry> {
  if (!isMap(item)) {
    throw new YamlRuleError(
      item,
      `a rule must be a mapping (action, proto, from, to, ...), not ${typeName(item)}`,
    );
  }
  const header: Record<string, { value: string; node: Node }> = {};
  const options: {
    name: string;
    value: string | null;
    keyNode: Node;
    valueNode: Node | null;
    quoted: boolean;
  }[] = [];
  let enabled = true;
  let testsNode: YAMLSeq | null = null;
  for (const pair of item.items) {
    if (!isPair(pair)) continue;
    const key = keyOf(pair.key);
    const keyNode = pair.key as Node;
    const value = pair.value as Node | null;
    if (key === "match") {
      if (!isSeq(value)) {
        throw new YamlRuleError(
          value ?? keyNode,
          `match must be a list of options, not ${typeName(value)}`,
        );
      }
      readMatch(value, options);
    } else if (key === "tests") {
      if (!isSeq(value)) {
        throw new YamlRuleError(
          value ?? keyNode,
          `tests must be a list of test cases, not ${typeName(value)}`,
        );
      }
      testsNode = value;
    } else if (key === "enabled") {
      if (!isScalar(value) || typeof value.value !== "boolean") {
        throw new YamlRuleError(
          value ?? keyNode,
          `enabled must be true or false, not ${typeName(value)}`,
        );
      }
      enabled = value.value;
    } else if (HEADER.has(key)) {
      header[key] = { value: stringOf(value, key), node: value as Node };
    } else if (META.has(key)) {
      if (isSeq(value)) {
        if (!LISTABLE.has(key)) {
          throw new YamlRuleError(value, `${key} must be a single value, not a list`);
        }
        for (const v of value.items) options.push(optionOf(key, keyNode, v as Node));
      } else options.push(optionOf(key, keyNode, value));
    } else {
      throw new YamlRuleError(
        keyNode,
        `unknown key "${key}" (a rule has ${
          [...HEADER_KEYS, ...META_KEYS].join(", ")
        }; other options go in match)`,
      );
    }
  }
  for (const required of ["proto", "from", "to"]) {
    if (!header[required]) throw new YamlRuleError(item, `rule has no "${required}"`);
  }
  const text = new RuleText(source);
  if (header.action) text.scalar(header.action.value, header.action.node);
  else text.literal("alert", item);
  text.literal(" ", null);
  text.scalar(header.proto.value, header.proto.node);
  text.literal(" ", null);
  checkEndpoint(header.from);
  text.scalar(header.from.value, header.from.node);
  text.literal(" ", null);
  if (header.direction) text.scalar(header.direction.value, header.direction.node);
  else text.literal("->", item);
  text.literal(" ", null);
  checkEndpoint(header.to);
  text.scalar(header.to.value, header.to.node);
  text.literal(" (", item);
  const nameStarts: number[] = [];
  for (const o of options) {
    if (nameStarts.length > 0) text.literal(" ", null);
    nameStarts.push(text.text.length);
    text.scalar(o.name, o.keyNode);
    if (o.value !== null) {
      text.literal(":", o.keyNode);
      if (o.quoted && o.valueNode) {
        const negated = o.value.startsWith("!");
        text.literal(negated ? '!"' : '"', o.valueNode);
        text.scalar(o.value.slice(negated ? 2 : 1, -1), o.valueNode);
        text.literal('"', o.valueNode);
      } else if (o.valueNode) text.scalar(o.value, o.valueNode);
      else text.literal(o.value, o.keyNode);
    }
    text.literal(o.value !== null && o.value.endsWith("\\") ? " ;" : ";", o.valueNode ?? o.keyNode);
  }
  text.literal(")", item);
  const rawText = text.text;
  const startLine = at(item.range?.[0] ?? 0);
  const parsed = parseRule(rawText, file, startLine.line);
  if ("error" in parsed) {
    const offset = parsed.error.column - 1;
    const src = text.sourceOffset(offset);
    throw new YamlRuleError(null, parsed.error.message, src);
  }
  const locator = (offset: number) => at(text.sourceOffset(offset));
  const rule: ParsedRule = {
    ...parsed.rule,
    location: startLine,
    options: parsed.rule.options.map((o, k) => ({
      ...o,
      location: at(text.sourceOffset(nameStarts[k] ?? 0)),
    })),
    locator,
  };
  const tests = testsNode ? readTests(testsNode, at) : [];
  const comment = (item as YAMLMap).commentBefore ?? null;
  return { rule, enabled, tests, comment };
}

function checkEndpoint(field: { value: string; node: Node }): void {
  // an address (brackets may hold blanks) and a port
  const v = field.value;
  let depth = 0;
  let words = 0;
  let inWord = false;
  for (let k = 0; k < v.length; k++) {
    const c = v[k];
    if (c === "[") depth++;
    else if (c === "]") depth--;
    const blank = (c === " " || c === "\t") && depth <= 0;
    if (!blank && !inWord) words++;
    inWord = !blank;
  }
  if (words !== 2) {
    throw new YamlRuleError(
      field.node,
      `"${v}" must be an address and a port, e.g. "$HOME_NET any" or "any 80"`,
    );
  }
}

function optionOf(
  name: string,
  keyNode: Node,
  value: Node | null,
): { name: string; value: string | null; keyNode: Node; valueNode: Node | null; quoted: boolean } {
  if (QUOTED.has(name)) {
    if (isMap(value)) {
      const not = value.get("not", true) as Node | undefined;
      if (value.items.length !== 1 || not === undefined) {
        throw new YamlRuleError(value, `${name} takes a text or {not: text}`);
      }
      return { name, value: `!"${stringOf(not, name)}"`, keyNode, valueNode: not, quoted: true };
    }
    if (isScalar(value) && typeof value.value === "boolean") {
      throw new YamlRuleError(value, `${name} needs a text`);
    }
    return { name, value: `"${stringOf(value, name)}"`, keyNode, valueNode: value, quoted: true };
  }
  if (isScalar(value) && value.value === true) {
    return { name, value: null, keyNode, valueNode: null, quoted: false };
  }
  if (isScalar(value) && (value.value === false || value.value === null)) {
    throw new YamlRuleError(
      value.range ? value : keyNode,
      `${name}: use true for a keyword without a value (or leave the keyword out)`,
    );
  }
  return { name, value: stringOf(value, name), keyNode, valueNode: value, quoted: false };
}

function readMatch(
  seq: YAMLSeq,
  out: {
    name: string;
    value: string | null;
    keyNode: Node;
    valueNode: Node | null;
    quoted: boolean;
  }[],
): void {
  for (const item of seq.items as Node[]) {
    if (isScalar(item) && typeof item.value === "string") {
      out.push({ name: item.value, value: null, keyNode: item, valueNode: null, quoted: false });
      continue;
    }
    if (!isMap(item)) {
      throw new YamlRuleError(
        item,
        `a match item is a keyword or a mapping of keywords, not ${typeName(item)}`,
      );
    }
    for (const pair of item.items) {
      const key = keyOf(pair.key);
      const keyNode = pair.key as Node;
      const value = pair.value as Node | null;
      if (key === "raw") {
        const raw = stringOf(value, "raw");
        const colon = raw.indexOf(":");
        const name = (colon < 0 ? raw : raw.slice(0, colon)).trim();
        const v = colon < 0 ? null : raw.slice(colon + 1).trim();
        out.push({ name, value: v, keyNode: value as Node, valueNode: null, quoted: false });
      } else if (isSeq(value)) {
        out.push({ name: key, value: null, keyNode, valueNode: null, quoted: false });
        readMatch(value, out);
      } else out.push(optionOf(key, keyNode, value));
    }
  }
}

// ---------------------------------------------------------------- tests

function readTests(seq: YAMLSeq, at: (offset: number) => SourceLocation): RuleTestCase[] {
  const out: RuleTestCase[] = [];
  for (const item of seq.items as Node[]) {
    if (!isMap(item)) {
      throw new YamlRuleError(
        item,
        `a test case is a mapping (e.g. {http: {...}, alerts: 1}), not ${typeName(item)}`,
      );
    }
    let traffic: TestTraffic | null = null;
    let alerts: number | null = null;
    let name: string | null = null;
    for (const pair of item.items) {
      const key = keyOf(pair.key);
      const value = pair.value as Node | null;
      if (key === "alerts") {
        if (
          !isScalar(value) || typeof value.value !== "number" || !Number.isInteger(value.value) ||
          value.value < 0
        ) {
          throw new YamlRuleError(
            value ?? (pair.key as Node),
            "alerts must be a whole number (0 or more)",
          );
        }
        alerts = value.value;
      } else if (key === "name") {
        name = stringOf(value, "name");
      } else if ((TRAFFIC_KINDS as readonly string[]).includes(key)) {
        if (traffic !== null) {
          throw new YamlRuleError(pair.key as Node, "a test case has one kind of traffic");
        }
        traffic = readTraffic(key as TestTraffic["kind"], value, pair.key as Node);
      } else {
        throw new YamlRuleError(
          pair.key as Node,
          `unknown test key "${key}" (expected ${TRAFFIC_KINDS.join(", ")}, alerts, name)`,
        );
      }
    }
    if (traffic === null) {
      throw new YamlRuleError(
        item,
        `test case has no traffic (one of ${TRAFFIC_KINDS.join(", ")})`,
      );
    }
    if (alerts === null) throw new YamlRuleError(item, "test case has no expected alerts count");
    out.push({
      name: name ?? describeTraffic(traffic),
      traffic,
      alerts,
      location: at(item.range?.[0] ?? 0),
    });
  }
  return out;
}

function readTraffic(kind: TestTraffic["kind"], value: Node | null, keyNode: Node): TestTraffic {
  if (kind === "pcap") return { kind, path: stringOf(value, "pcap") };
  if (!isMap(value)) {
    throw new YamlRuleError(value ?? keyNode, `${kind} must be a mapping, not ${typeName(value)}`);
  }
  const fields = TRAFFIC_FIELDS[kind];
  const spec: Record<string, unknown> = { kind };
  for (const pair of value.items) {
    const key = keyOf(pair.key);
    const v = pair.value as Node | null;
    const type = fields[key] ?? ENDPOINT_FIELDS[key];
    if (type === undefined) {
      throw new YamlRuleError(
        pair.key as Node,
        `unknown ${kind} key "${key}" (expected ${
          [...Object.keys(fields), ...Object.keys(ENDPOINT_FIELDS)].join(", ")
        })`,
      );
    }
    spec[key] = fieldValue(key, type, v, pair.key as Node);
  }
  for (const required of REQUIRED_TRAFFIC_FIELDS[kind] ?? []) {
    if (!(required in spec)) throw new YamlRuleError(value, `${kind} needs "${required}"`);
  }
  return spec as unknown as TestTraffic;
}

function fieldValue(key: string, type: string, v: Node | null, keyNode: Node): unknown {
  const scalar = isScalar(v) ? v.value : undefined;
  switch (type) {
    case "string":
      if (typeof scalar === "string" || typeof scalar === "number") return String(scalar);
      throw new YamlRuleError(v ?? keyNode, `${key} must be a string, not ${typeName(v)}`);
    case "number":
      if (typeof scalar === "number" && Number.isInteger(scalar) && scalar >= 0 && scalar <= 255) {
        return scalar;
      }
      throw new YamlRuleError(v ?? keyNode, `${key} must be a number from 0 to 255`);
    case "port":
      if (
        typeof scalar === "number" && Number.isInteger(scalar) && scalar >= 0 && scalar <= 65535
      ) {
        return scalar;
      }
      throw new YamlRuleError(v ?? keyNode, `${key} must be a port number from 0 to 65535`);
    case "close":
      if (scalar === "fin" || scalar === "rst") return scalar;
      throw new YamlRuleError(v ?? keyNode, `${key} must be fin or rst`);
    case "size":
      if (typeof scalar === "number" && Number.isInteger(scalar) && scalar >= 0 && scalar <= 1400) {
        return scalar;
      }
      throw new YamlRuleError(v ?? keyNode, `${key} must be a number from 0 to 1400`);
    case "string|number":
      if (typeof scalar === "string" || typeof scalar === "number") return scalar;
      throw new YamlRuleError(v ?? keyNode, `${key} must be a name or a number`);
    case "headers":
      return headerList(v, keyNode, key);
    case "response": {
      if (!isMap(v)) throw new YamlRuleError(v ?? keyNode, "response must be a mapping");
      const out: Record<string, unknown> = {};
      for (const pair of v.items) {
        const k = keyOf(pair.key);
        const pv = pair.value as Node | null;
        if (k === "status") {
          if (!isScalar(pv) || typeof pv.value !== "number" || pv.value < 100 || pv.value > 999) {
            throw new YamlRuleError(
              pv ?? (pair.key as Node),
              "status must be a number from 100 to 999",
            );
          }
          out.status = pv.value;
        } else if (k === "body") out.body = fieldValue(k, "string", pv, pair.key as Node);
        else if (k === "headers") out.headers = headerList(pv, pair.key as Node, k);
        else {
          throw new YamlRuleError(
            pair.key as Node,
            `unknown response key "${k}" (expected status, headers, body)`,
          );
        }
      }
      return out;
    }
  }
  throw new YamlRuleError(keyNode, `internal: unknown field type ${type}`);
}

function headerList(v: Node | null, keyNode: Node, key: string): [string, string][] {
  if (!isMap(v)) {
    throw new YamlRuleError(v ?? keyNode, `${key} must be a mapping of header names to values`);
  }
  return v.items.map((pair) => [keyOf(pair.key), stringOf(pair.value, "a header value")]);
}

/**
 * Whether a path names a YAML rule file (`.yaml` or `.yml`).
 *
 * @param path a file path
 * @returns true for YAML rule files
 */
export function isYamlRuleFile(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

export type { RuleDiagnostic };
