/**
 * The rule model: a Suricata rule as written, at the level of syntax. Options
 * keep their raw text; the detection engine interprets each one through its
 * keyword registry. Plain data, except for the bigint bounds of IPv6 address
 * nodes.
 *
 * @example
 * ```ts
 * import { formatRule } from "./rule.ts";
 * import { parseRules } from "./rule_parser.ts";
 * const { rules } = parseRules('alert tcp any any -> any 80 (msg:"x"; content:"a|0d 0a|"; sid:1;)', "x.rules");
 * formatRule(rules[0]); // 'alert tcp any any -> any 80 (msg:"x"; content:"a|0d 0a|"; sid:1;)'
 * ```
 *
 * @module
 */

import type { AddressSpec } from "./address.ts";
import type { SourceLocation } from "./diagnostic.ts";
import type { PortSpec } from "./port.ts";

/**
 * What a rule does when it matches. `config` rules (Suricata 7) change
 * logging and inspection settings instead of alerting.
 */
export type RuleAction =
  | "alert"
  | "pass"
  | "drop"
  | "reject"
  | "rejectsrc"
  | "rejectdst"
  | "rejectboth"
  | "config";

/** Every action Suricata 7 accepts, in lower case. */
export const RULE_ACTIONS: readonly RuleAction[] = Object.freeze([
  "alert",
  "pass",
  "drop",
  "reject",
  "rejectsrc",
  "rejectdst",
  "rejectboth",
  "config",
]);

/**
 * `->` (source to destination) or `<>` (either way). `=>` (Suricata 8
 * transactional rules) is only accepted in rules with a `requires` option:
 * Suricata 7 evaluates `requires` first and skips the rule when it is not
 * met; a Suricata-7-compatible engine must reject `=>` rules it does not skip.
 */
export type RuleDirection = "->" | "<>" | "=>";

/** One option of the `( ... )` part: `name:value;` or `name;`. */
export interface RuleOption {
  /** The keyword as written, e.g. `content`, `http.uri`, `nocase`. */
  readonly name: string;
  /**
   * The raw text after `:` with surrounding blanks trimmed, escapes not
   * resolved and quotes kept (e.g. `"a\;b|0d 0a|"`); null when there is no `:`.
   */
  readonly value: string | null;
  /** Where the keyword starts. */
  readonly location: SourceLocation;
  /**
   * Offset of the value's first character in the rule's `text` (-1 when
   * there is no value); `locateInRule(rule, valueOffset + k)` gives the
   * position of the value's k-th character.
   */
  readonly valueOffset: number;
}

/** A rule as written. */
export interface ParsedRule {
  /** The action, in lower case. */
  readonly action: RuleAction;
  /** The protocol word in lower case, unchecked (`tcp`, `http`, `tcp-pkt`, ...). */
  readonly protocol: string;
  /** Source addresses. */
  readonly source: AddressSpec;
  /** Source ports. */
  readonly sourcePorts: PortSpec;
  /** Direction operator. */
  readonly direction: RuleDirection;
  /** Destination addresses. */
  readonly destination: AddressSpec;
  /** Destination ports. */
  readonly destinationPorts: PortSpec;
  /** The options in order. */
  readonly options: readonly RuleOption[];
  /** The whole rule as written, continuation lines joined (backslashes removed). */
  readonly text: string;
  /** Where the rule starts (its first line, column of the action). */
  readonly location: SourceLocation;
  /**
   * Offsets in `text` at which each continuation line begins (empty for a
   * one-line rule): the k-th starts on line `location.line + k + 1`, column 1.
   */
  readonly lineBreaks: readonly number[];
  /** The `sid` option's value. */
  readonly sid: number;
  /** The `rev` option's value, 0 when absent. */
  readonly rev: number;
  /** The `gid` option's value, 1 when absent. */
  readonly gid: number;
  /** The `msg` option's text with quotes removed and escapes resolved; "" when absent. */
  readonly msg: string;
  /**
   * Where an offset of `text` is in the source, when the rule was not read
   * from rule text (a YAML rule, whose `text` is generated): overrides
   * `location` + `lineBreaks` in {@link locateInRule}.
   */
  readonly locator?: (offset: number) => SourceLocation;
}

/**
 * The file position of a character of a rule's text, exact across
 * continuation lines.
 *
 * @param rule the rule
 * @param offset 0-based offset in `rule.text`
 * @returns where that character is in the file
 */
export function locateInRule(
  rule: Pick<ParsedRule, "location" | "lineBreaks" | "locator">,
  offset: number,
): SourceLocation {
  if (rule.locator !== undefined) return rule.locator(offset);
  return locateIn(rule.location, rule.lineBreaks, offset);
}

/**
 * As locateInRule, from the start location and the break offsets.
 *
 * @param start where offset 0 is
 * @param lineBreaks offsets where continuation lines begin
 * @param offset 0-based offset in the joined text
 * @returns where that character is in the file
 */
export function locateIn(
  start: SourceLocation,
  lineBreaks: readonly number[],
  offset: number,
): SourceLocation {
  let k = lineBreaks.length - 1;
  while (k >= 0 && lineBreaks[k] > offset) k--;
  if (k < 0) return { file: start.file, line: start.line, column: start.column + offset };
  return { file: start.file, line: start.line + k + 1, column: offset - lineBreaks[k] + 1 };
}

/**
 * Prints an option back as rule text, preserving its raw value.
 *
 * @param option the option
 * @returns `name:value;` or `name;`
 */
export function formatOption(option: Pick<RuleOption, "name" | "value">): string {
  const v = option.value;
  if (v === null) return `${option.name};`;
  // A value ending in a backslash would escape the ';' that follows it.
  return v.endsWith("\\") ? `${option.name}:${v} ;` : `${option.name}:${v};`;
}

/**
 * Prints a rule back as Suricata rule text with canonical spacing: header
 * fields separated by one space, options as `name:value;` separated by one
 * space. Address, port and option texts are kept exactly, so that parsing
 * the result gives the same model (see {@link comparableRule}).
 *
 * @param rule the rule
 * @returns one line of rule text
 */
export function formatRule(rule: ParsedRule): string {
  let opts = "";
  for (let k = 0; k < rule.options.length; k++) {
    if (k > 0) opts += " ";
    opts += formatOption(rule.options[k]);
  }
  return `${rule.action} ${rule.protocol} ${rule.source.text} ${rule.sourcePorts.text} ${rule.direction} ${rule.destination.text} ${rule.destinationPorts.text} (${opts})`;
}

const SOURCE_KEYS = new Set(["text", "location", "lineBreaks", "valueOffset", "locator"]);

function strip(v: unknown, top: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => strip(x, false));
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "location" || k === "lineBreaks" || k === "valueOffset") continue;
      if (top && SOURCE_KEYS.has(k)) continue;
      out[k] = strip(x, false);
    }
    return out;
  }
  return v;
}

/**
 * The rule's model without where it came from (the whole-rule `text`, every
 * `location`, line breaks, offsets and the locator), for comparing two rules: two rules
 * with deep-equal comparable forms mean the same thing as written.
 * `parse(formatRule(r))` is comparable-equal to `r`.
 *
 * @param rule the rule
 * @returns a plain object for deep comparison
 */
export function comparableRule(rule: ParsedRule): unknown {
  return strip(rule, true);
}
