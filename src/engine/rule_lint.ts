/**
 * `rules lint`: rule files checked like a compiler. Each finding has a
 * severity, a check name and the file:line:col of the offending option
 * (Suricata `.rules` and YAML rules alike):
 *
 * - `syntax` (error): the rule does not parse (or the YAML is malformed);
 * - `unknown-keyword` (error): a keyword the engine does not know or support;
 * - `invalid-option` (error): a keyword's value or use is wrong, e.g. a
 *   `distance` with no content before it (the keyword registry's verdict);
 * - `duplicate-sid` (error): a gid:sid already used (Suricata keeps one);
 * - `never-matches` (error): conditions that cannot hold together - a content
 *   longer than its `depth` or `within`, `flow` both to_server and to_client,
 *   a TCP-only or ICMP-only keyword on a rule of another protocol, `dsize:0`
 *   with a content;
 * - `weak-fast-pattern` (warning): the prefilter pattern is 1 or 2 bytes, or
 *   a payload rule has none, so the rule is checked on (nearly) every packet.
 *
 * @module
 */

import "../detect/keywords/mod.ts";
import { parseContentBytes } from "../detect/payload_setup.ts";
import { compileRule } from "../detect/signature_compiler.ts";
import { AddressResolver } from "../rules/address.ts";
import { loadClassificationFile } from "../rules/classification.ts";
import type { SuricataConfig } from "../rules/config.ts";
import type { RuleDiagnostic, SourceLocation } from "../rules/diagnostic.ts";
import { PortResolver } from "../rules/port.ts";
import type { ParsedRule, RuleOption } from "../rules/rule.ts";
import { loadRuleFiles } from "../rules/rule_files.ts";
import { PKT_DATA } from "../detect/buffers.ts";

/** One problem found by the linter. */
export interface LintFinding extends RuleDiagnostic {
  /** "error" fails the lint; "warning" does not (unless strict). */
  severity: "error" | "warning";
  /** Which check found it. */
  check: string;
  /** The rule's sid, when the problem is in a rule that parsed. */
  sid?: number;
}

/**
 * Lints rule files.
 *
 * @param files `.rules` or YAML rule files (or folders)
 * @param config variables and classifications
 * @returns the findings in file order
 */
export function lintRuleFiles(files: readonly string[], config: SuricataConfig): LintFinding[] {
  const findings: LintFinding[] = [];
  const parsed = loadRuleFiles(files);
  for (const e of parsed.errors) findings.push({ ...e, severity: "error", check: "syntax" });
  for (const w of parsed.warnings) findings.push({ ...w, severity: "warning", check: "syntax" });
  const classifications = new Map<string, { description: string; priority: number }>();
  for (const [name, c] of loadClassificationFile(config.classificationFile()).classes) {
    classifications.set(name, { description: c.description, priority: c.priority });
  }
  const env = {
    addresses: new AddressResolver(config.addressGroups()),
    ports: new PortResolver(config.portGroups()),
    classifications,
  };
  const seen = new Map<string, ParsedRule>();
  for (const rule of parsed.rules) {
    const add = (
      at: SourceLocation,
      severity: LintFinding["severity"],
      check: string,
      message: string,
    ) => findings.push({ ...at, severity, check, message, sid: rule.sid });
    const key = `${rule.gid}:${rule.sid}`;
    const first = seen.get(key);
    const sidOption = rule.options.find((o) => o.name.toLowerCase() === "sid");
    if (first) {
      const f = first.location;
      add(
        sidOption?.location ?? rule.location,
        "error",
        "duplicate-sid",
        `sid ${key} is already used at ${f.file}:${f.line}:${f.column}`,
      );
    } else seen.set(key, rule);
    const never = neverMatches(rule);
    for (const n of never) add(n.at, "error", "never-matches", n.message);
    const result = compileRule(rule, env);
    if (!result.ok) {
      const d = result.diagnostic;
      // the same problem, already explained as a condition that never matches
      if (never.some((n) => n.keyword === d.keyword)) continue;
      const check = result.reason.startsWith("unsupported keyword")
        ? "unknown-keyword"
        : "invalid-option";
      const message = check === "unknown-keyword"
        ? `unknown keyword "${d.keyword}" (not supported by this engine)`
        : d.message;
      findings.push({ ...d, message, severity: "error", check, sid: rule.sid });
      continue;
    }
    const sig = result.sig;
    const payload = sig.buffers.length > 0;
    const fp = sig.fastPattern;
    if (payload && fp === null && !rule.options.some((o) => o.name === "content")) {
      const pattern = rule.options.find((o) => o.name === "pcre" || o.name.startsWith("byte_"));
      add(
        pattern?.location ?? rule.location,
        "warning",
        "weak-fast-pattern",
        "no fast pattern: without a content the rule is checked on every packet of its protocol",
      );
    } else if (fp !== null && fp.bufferId === PKT_DATA && fp.bytes.length <= 2) {
      const option = contentOption(rule, fp.bytes) ?? rule.location;
      add(
        "location" in option ? option.location : option,
        "warning",
        "weak-fast-pattern",
        `weak fast pattern: ${fp.bytes.length} byte(s) match most packets; use a longer content`,
      );
    }
  }
  findings.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column
  );
  return findings;
}

function contentBytes(o: RuleOption): Uint8Array | null {
  if (o.value === null) return null;
  const v = o.value.replace(/^!\s*/, "");
  if (!v.startsWith('"') || !v.endsWith('"') || v.length < 2) return null;
  try {
    return parseContentBytes("content", v.slice(1, -1), 0);
  } catch {
    return null;
  }
}

function contentOption(rule: ParsedRule, bytes: Uint8Array): RuleOption | null {
  for (const o of rule.options) {
    if (o.name !== "content") continue;
    const b = contentBytes(o);
    if (
      b && b.length === bytes.length &&
      b.every((x, k) => x === bytes[k] || (x | 32) === (bytes[k] | 32))
    ) {
      return o;
    }
  }
  return null;
}

const TCP_ONLY = new Set([
  "flags",
  "seq",
  "ack",
  "window",
  "tcp.mss",
  "tcp.hdr",
  "tcp.flags",
  "stream_size",
]);
const ICMP_ONLY = new Set(["itype", "icode", "icmp_id", "icmp_seq", "icmpv4.hdr", "icmpv6.hdr"]);
const UDP_ONLY = new Set(["udp.hdr"]);
const PROTO_GROUP: Record<string, string> = {
  tcp: "tcp",
  "tcp-pkt": "tcp",
  "tcp-stream": "tcp",
  udp: "udp",
  icmp: "icmp",
  icmpv4: "icmp",
  icmpv6: "icmp",
};

/** Conditions of a rule that can never all hold, found from its options as written. */
function neverMatches(
  rule: ParsedRule,
): { at: SourceLocation; keyword: string; message: string }[] {
  const out: { at: SourceLocation; keyword: string; message: string }[] = [];
  const group = PROTO_GROUP[rule.protocol];
  let contentLen = -1;
  let negated = false;
  let hasContent = false;
  for (const o of rule.options) {
    const name = o.name.toLowerCase();
    if (name === "content") {
      const b = contentBytes(o);
      contentLen = b ? b.length : -1;
      negated = (o.value ?? "").startsWith("!");
      hasContent = true;
    } else if ((name === "depth" || name === "within") && contentLen > 0 && !negated) {
      const n = Number(o.value);
      if (Number.isInteger(n) && n < contentLen) {
        out.push({
          at: o.location,
          keyword: o.name,
          message:
            `${name}:${n} is shorter than its ${contentLen}-byte content, which can never fit`,
        });
      }
    } else if (name === "flow" && o.value !== null) {
      const words = o.value.split(",").map((w) => w.trim().toLowerCase());
      const toServer = words.includes("to_server") || words.includes("from_client");
      const toClient = words.includes("to_client") || words.includes("from_server");
      if (toServer && toClient) {
        out.push({
          at: o.location,
          keyword: o.name,
          message: "flow is both to_server and to_client",
        });
      }
    } else if (name === "dsize" && o.value?.trim() === "0" && hasContent) {
      out.push({
        at: o.location,
        keyword: o.name,
        message: "dsize:0 with a content: an empty payload holds no content",
      });
    }
    const wants = TCP_ONLY.has(name)
      ? "tcp"
      : ICMP_ONLY.has(name)
      ? "icmp"
      : UDP_ONLY.has(name)
      ? "udp"
      : null;
    if (wants !== null && group !== undefined && group !== wants) {
      out.push({
        at: o.location,
        keyword: o.name,
        message: `${o.name} applies to ${wants} packets only; this is a ${rule.protocol} rule`,
      });
    }
  }
  return out;
}
