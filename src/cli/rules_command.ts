/**
 * `tarsier rules lint|convert|test`: rule files checked like a compiler,
 * converted between Suricata's syntax and YAML, and their test cases run.
 *
 * Exit codes: `lint` 0 clean (warnings allowed), 1 errors found (or warnings
 * with `--strict`); `convert` 0 done, 1 some rules did not parse (they are
 * kept as comments); `test` 0 every case passed, 1 a case failed or a rule
 * could not be tested; 2 bad usage or unreadable input.
 *
 * @module
 */

import { basename } from "node:path";
import { type LintFinding, lintRuleFiles } from "../engine/rule_lint.ts";
import { runRuleTests } from "../engine/rule_tests.ts";
import { loadConfig } from "../rules/config.ts";
import { formatDiagnostic } from "../rules/diagnostic.ts";
import { rulesTextToYaml, yamlToRulesText } from "../rules/rule_convert.ts";
import { isYamlRuleFile } from "../rules/yaml_rules.ts";
import { UsageError } from "./usage_error.ts";

/** Options of `tarsier rules lint`. */
export interface LintCommandOptions {
  /** "text" or "json". */
  format?: string;
  /** Warnings fail too. */
  strict?: boolean;
  /** suricata.yaml. */
  c?: string;
}

/**
 * `tarsier rules lint FILE...`.
 *
 * @param files rule files (`.rules` or YAML)
 * @param options output format, strictness, configuration
 * @returns the exit code
 */
export function runLint(files: string[], options: LintCommandOptions): number {
  const format = options.format ?? "text";
  if (format !== "text" && format !== "json") {
    throw new UsageError(`rules lint: --format must be text or json, not "${format}"`);
  }
  if (files.length === 0) throw new UsageError("rules lint: no rule files given");
  const { config } = loadConfig({ file: options.c });
  const findings = lintRuleFiles(files, config);
  if (format === "json") {
    console.log(JSON.stringify(findings, null, 2));
  } else {
    for (const f of findings) console.log(formatFinding(f));
    const errors = findings.filter((f) => f.severity === "error").length;
    console.error(
      `tarsier: ${files.length} file(s): ${errors} error(s), ${
        findings.length - errors
      } warning(s)`,
    );
  }
  const failing = findings.filter((f) => options.strict || f.severity === "error");
  return failing.length > 0 ? 1 : 0;
}

function formatFinding(f: LintFinding): string {
  return `${formatDiagnostic({ ...f, message: `${f.severity}: ${f.message} [${f.check}]` })}`;
}

/** Options of `tarsier rules convert`. */
export interface ConvertCommandOptions {
  /** Output file (default stdout). */
  output?: string;
}

/**
 * `tarsier rules convert A.rules -o A.yaml` (and back, by the input's extension).
 *
 * @param file the input
 * @param options the output file
 * @returns the exit code
 */
export function runConvert(file: string, options: ConvertCommandOptions): number {
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "no such file" : String(e);
    throw new UsageError(`rules convert: cannot read ${file}: ${why}`);
  }
  const toYaml = !isYamlRuleFile(file);
  if (options.output && isYamlRuleFile(options.output) !== toYaml) {
    throw new UsageError(
      `rules convert: ${basename(file)} converts to ${toYaml ? "YAML" : "Suricata rules"}; ` +
        `name the output ${toYaml ? "*.yaml" : "*.rules"}`,
    );
  }
  const result = toYaml ? rulesTextToYaml(text, file) : yamlToRulesText(text, file);
  for (const d of result.errors) console.error(`tarsier: ${formatDiagnostic(d)}`);
  if (options.output) Deno.writeTextFileSync(options.output, result.text);
  else Deno.stdout.writeSync(new TextEncoder().encode(result.text));
  console.error(
    `tarsier: ${result.rules} rule(s) converted` +
      (result.errors.length > 0
        ? `, ${result.errors.length} kept as comments (did not parse)`
        : ""),
  );
  return result.errors.length > 0 ? 1 : 0;
}

/** Options of `tarsier rules test`. */
export interface TestCommandOptions {
  /** suricata.yaml. */
  c?: string;
  /** "text" or "json". */
  format?: string;
}

/**
 * `tarsier rules test FILE...`: run each rule's test cases and report like
 * a test runner.
 *
 * @param files YAML rule files
 * @param options configuration
 * @returns the exit code
 */
export async function runRulesTest(files: string[], options: TestCommandOptions): Promise<number> {
  if (files.length === 0) throw new UsageError("rules test: no rule files given");
  const format = options.format ?? "text";
  if (format !== "text" && format !== "json") {
    throw new UsageError(`rules test: --format must be text or json, not "${format}"`);
  }
  const { config } = loadConfig({ file: options.c });
  const report = await runRuleTests(files, config);
  const failed = report.results.filter((r) => !r.passed);
  if (format === "json") {
    console.log(JSON.stringify(
      {
        passed: report.results.length - failed.length,
        failed: failed.length,
        results: report.results.map((r) => ({
          file: r.file,
          sid: r.sid,
          test: r.test.name,
          line: r.test.location.line,
          column: r.test.location.column,
          expected: r.test.alerts,
          actual: r.actual,
          passed: r.passed,
          trace: r.trace,
        })),
        errors: report.errors,
        untested: report.untested,
      },
      null,
      2,
    ));
  } else {
    for (const d of report.errors) console.log(`error: ${formatDiagnostic(d)}`);
    for (const r of report.results) {
      const where = formatDiagnostic({ ...r.test.location, message: "" }).replace(/: $/, "");
      const head = `${r.passed ? "ok  " : "FAIL"} sid ${r.sid} ${r.test.name} ` +
        `(expects ${r.test.alerts}, got ${r.actual < 0 ? "-" : r.actual})`;
      console.log(r.passed ? head : `${head}  ${where}\n     ${r.msg}`);
      for (const line of r.trace) console.log(`     ${line}`);
    }
    for (const d of report.untested) console.log(`warning: ${formatDiagnostic(d)}`);
    console.log(
      `\n${report.results.length - failed.length} passed, ${failed.length} failed` +
        (report.errors.length > 0 ? `, ${report.errors.length} error(s)` : ""),
    );
  }
  return failed.length > 0 || report.errors.length > 0 ? 1 : 0;
}
