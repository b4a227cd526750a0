/**
 * Loading rules from files and folders.
 *
 * @example
 * ```ts
 * import { loadRuleFiles } from "./rule_files.ts";
 * import { formatDiagnostic } from "./diagnostic.ts";
 * const { rules, errors } = loadRuleFiles(["/etc/suricata/rules"]);
 * for (const e of errors) console.error(formatDiagnostic(e));
 * console.log(`${rules.length} rules loaded`);
 * ```
 *
 * @module
 */

import { join } from "node:path";
import type { RuleDiagnostic } from "./diagnostic.ts";
import type { ParsedRule } from "./rule.ts";
import { eachRule, type ParseRulesResult } from "./rule_parser.ts";
import { isYamlRuleFile, parseYamlRules } from "./yaml_rules.ts";

/**
 * Reads rule files and parses them. A path may be a file (YAML rules when its
 * name ends in `.yaml` or `.yml`, Suricata rules whatever else its name) or a
 * folder (its `*.rules`, `*.yaml` and `*.yml` files, not recursing, in name
 * order). YAML rules with `enabled: false` are not loaded.
 * Bytes that are not UTF-8 make the rule holding them fail.
 *
 * @param paths files and folders, in load order
 * @returns every rule that parsed, in order, and a diagnostic for each rule
 *   that did not and for each path that could not be read (line and column 0)
 */
export function loadRuleFiles(paths: readonly string[]): ParseRulesResult {
  const rules: ParsedRule[] = [];
  const errors: RuleDiagnostic[] = [];
  const warnings: RuleDiagnostic[] = [];
  for (const r of parseRuleFiles(paths)) {
    for (const rule of r.rules) rules.push(rule);
    for (const d of r.errors) errors.push(d);
    for (const d of r.warnings) warnings.push(d);
  }
  return { rules, errors, warnings };
}

/**
 * The rule files of `paths` parsed one at a time, in load order (the same
 * files and order as {@link loadRuleFiles}): a caller that compiles each file
 * before reading the next holds one file's parse at a time.
 *
 * @param paths files and folders, in load order
 * @returns one result per file, or per path that could not be read (an error only)
 */
export function* parseRuleFiles(paths: readonly string[]): Generator<ParseRulesResult> {
  for (const file of streamRuleFiles(paths)) {
    const rules = file.rules instanceof Array ? file.rules : [...file.rules];
    yield { rules, errors: file.errors, warnings: file.warnings };
  }
}

/** One rule file of {@link streamRuleFiles}. */
export interface RuleFileStream {
  /**
   * The rules that parse, in file order: Suricata rule files are parsed as
   * this is iterated (once), YAML rule files are parsed already.
   */
  rules: Iterable<ParsedRule>;
  /** Diagnostics of rules that do not parse; complete once `rules` has been iterated. */
  errors: RuleDiagnostic[];
  /** Notes; complete once `rules` has been iterated. */
  warnings: RuleDiagnostic[];
}

/**
 * The rule files of `paths` (the same files and order as
 * {@link parseRuleFiles}), each parsed one rule at a time as its `rules` are
 * iterated: a caller that compiles each rule before taking the next holds one
 * rule's parse at a time, and the parse dies young.
 *
 * @param paths files and folders, in load order
 * @returns one stream per file, or per path that could not be read (an error only)
 */
export function* streamRuleFiles(paths: readonly string[]): Generator<RuleFileStream> {
  const decoder = new TextDecoder("utf-8");
  const unreadable = (file: string, message: string): RuleFileStream => ({
    rules: [],
    errors: [{ file, line: 0, column: 0, message }],
    warnings: [],
  });
  const scratch = { bytes: new Uint8Array(0) };
  const readOne = (file: string): RuleFileStream => {
    let bytes: Uint8Array;
    try {
      bytes = readInto(file, scratch);
    } catch (e) {
      return unreadable(file, `cannot read rule file: ${reason(e)}`);
    }
    const text = decoder.decode(bytes);
    if (isYamlRuleFile(file)) return parseYamlRules(text, file);
    const errors: RuleDiagnostic[] = [];
    const warnings: RuleDiagnostic[] = [];
    return { rules: eachRule(text, file, errors, warnings), errors, warnings };
  };
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = Deno.statSync(path).isDirectory;
    } catch (e) {
      yield unreadable(path, `cannot read rule path: ${reason(e)}`);
      continue;
    }
    if (!isDirectory) {
      yield readOne(path);
      continue;
    }
    let names: string[];
    try {
      names = [...Deno.readDirSync(path)]
        .filter((e) => !e.isDirectory && (e.name.endsWith(".rules") || isYamlRuleFile(e.name)))
        .map((e) => e.name)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } catch (e) {
      yield unreadable(path, `cannot list folder: ${reason(e)}`);
      continue;
    }
    for (const name of names) yield readOne(join(path, name));
  }
}

/**
 * A whole file read into `scratch.bytes`, which grows and is reused from file
 * to file: ET Open's 57 files took 65-112 ms with `Deno.readFileSync` (a new
 * buffer each) and 12-29 ms this way. The text is decoded before the next read.
 */
function readInto(file: string, scratch: { bytes: Uint8Array }): Uint8Array {
  using handle = Deno.openSync(file);
  let length = 0;
  for (;;) {
    if (length === scratch.bytes.length) {
      const bigger = new Uint8Array(Math.max(2 * length, handle.statSync().size + 1, 64 * 1024));
      bigger.set(scratch.bytes.subarray(0, length));
      scratch.bytes = bigger;
    }
    const n = handle.readSync(scratch.bytes.subarray(length));
    if (n === null) return scratch.bytes.subarray(0, length);
    length += n;
  }
}

function reason(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file or folder";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  return e instanceof Error ? e.message : String(e);
}
