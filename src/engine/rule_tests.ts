/**
 * Running the test cases of YAML rules: each case's traffic (a capture file,
 * or packets synthesised from its description) goes through the whole
 * pipeline - decoding, flows and stream reassembly, detection with every
 * rule of the file loaded (so flowbits between rules work) - and the alerts
 * of the rule's sid are counted against the expectation. A failing case says
 * why, from a {@link MatchTrace}: which option failed, in which buffer, at
 * which offset, on which packet.
 *
 * @module
 */

import { dirname, isAbsolute, join } from "node:path";
import { openCaptureBytes } from "../capture/capture_file.ts";
import { Packet } from "../decode/packet.ts";
import { MatchTrace } from "../detect/match_trace.ts";
import type { Signature } from "../detect/signature.ts";
import { ThresholdGate } from "../detect/threshold.ts";
import { flowTableOptions, reassemblyOptions } from "../flow/flow_config.ts";
import { flowbitCount } from "../flow/flowbits.ts";
import { FlowStage } from "../flow/flow_tracker.ts";
import type { SuricataConfig } from "../rules/config.ts";
import { formatDiagnostic, type RuleDiagnostic } from "../rules/diagnostic.ts";
import type { RuleTestCase } from "../rules/rule_test_case.ts";
import { isYamlRuleFile, parseYamlRules } from "../rules/yaml_rules.ts";
import { DetectStage } from "./detect_stage.ts";
import { scanFrames } from "./offline_scan.ts";
import { loadRuleset } from "./ruleset.ts";
import { synthesizeTraffic } from "./traffic_synth.ts";

/** The outcome of one test case. */
export interface RuleTestResult {
  /** The rule's file. */
  file: string;
  /** The rule's sid. */
  sid: number;
  /** The rule's msg. */
  msg: string;
  /** The test case. */
  test: RuleTestCase;
  /** Alerts of the sid the traffic raised (-1 when the case could not run). */
  actual: number;
  /** Whether the expectation held. */
  passed: boolean;
  /** Why the rule did or did not match, one line each; empty when it passed. */
  trace: string[];
}

/** What running the tests of some files found. */
export interface RuleTestReport {
  /** One result per test case, in file order. */
  results: RuleTestResult[];
  /** Problems that kept rules or files from being tested (parse and compile errors). */
  errors: RuleDiagnostic[];
  /** Enabled rules that have no test that must alert, or none that must not. */
  untested: RuleDiagnostic[];
}

/**
 * Runs the test cases of YAML rule files.
 *
 * @param files YAML rule files
 * @param config the configuration (address and port groups, classifications)
 * @returns every result, and the errors that kept rules from being tested
 */
export async function runRuleTests(
  files: readonly string[],
  config: SuricataConfig,
): Promise<RuleTestReport> {
  const report: RuleTestReport = { results: [], errors: [], untested: [] };
  for (const file of files) {
    if (!isYamlRuleFile(file)) {
      report.errors.push({
        file,
        line: 0,
        column: 0,
        message: "only YAML rules carry tests (convert it with `tarsier rules convert`)",
      });
      continue;
    }
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch (e) {
      const message = e instanceof Deno.errors.NotFound ? "no such file" : String(e);
      report.errors.push({ file, line: 0, column: 0, message: `cannot read: ${message}` });
      continue;
    }
    const parsed = parseYamlRules(text, file);
    report.errors.push(...parsed.errors);
    const ruleset = loadRuleset({ config, paths: [file], traceOrigins: true });
    const bySid = new Map<number, Signature>();
    for (const sig of [...ruleset.engine.sigs, ...ruleset.engine.waiting]) bySid.set(sig.sid, sig);
    for (const d of ruleset.report.diagnostics) {
      if (!parsed.errors.some((e) => e.line === d.line && e.column === d.column)) {
        report.errors.push(d);
      }
    }
    for (const entry of parsed.entries) {
      if (!entry.enabled) continue;
      const rule = entry.rule;
      if (
        !entry.tests.some((t) => t.alerts > 0) || !entry.tests.some((t) => t.alerts === 0)
      ) {
        report.untested.push({
          ...rule.location,
          message: `sid ${rule.sid} needs a test that must alert and one that must not`,
        });
      }
      for (const test of entry.tests) {
        const sig = bySid.get(rule.sid) ?? null;
        report.results.push(
          await runOne(file, rule.sid, rule.msg, test, sig, ruleset.engine, config),
        );
      }
    }
  }
  return report;
}

async function runOne(
  file: string,
  sid: number,
  msg: string,
  test: RuleTestCase,
  sig: Signature | null,
  engine: ReturnType<typeof loadRuleset>["engine"],
  config: SuricataConfig,
): Promise<RuleTestResult> {
  const result: RuleTestResult = { file, sid, msg, test, actual: -1, passed: false, trace: [] };
  if (sig === null) {
    result.trace.push("the rule did not load (see the errors above)");
    return result;
  }
  if (sig.waitingFor.length > 0) {
    result.trace.push(
      `the rule waits for ${sig.waitingFor.join(", ")}, which this build does not fill yet`,
    );
    return result;
  }
  let bytes: Uint8Array;
  try {
    if (test.traffic.kind === "pcap") {
      const path = isAbsolute(test.traffic.path)
        ? test.traffic.path
        : join(dirname(file), test.traffic.path);
      bytes = Deno.readFileSync(path);
    } else {
      bytes = synthesizeTraffic(test.traffic);
    }
  } catch (e) {
    result.trace.push(`cannot make the traffic: ${e instanceof Error ? e.message : e}`);
    return result;
  }
  const packet = new Packet();
  const flowOptions = {
    ...flowTableOptions(config),
    reassembly: reassemblyOptions(config, () => {}),
    capacity: 1024,
  };
  const flows = new FlowStage(flowOptions, flowbitCount());
  const stage = new DetectStage(engine, packet, { flows, eve: null, fast: null });
  const trace = new MatchTrace([sig]);
  engine.gate = new ThresholdGate();
  engine.tracer = trace;
  try {
    const source = openCaptureBytes(
      bytes,
      test.traffic.kind === "pcap" ? test.traffic.path : "synthesised",
    );
    const scan = await scanFrames(source, { packet, stage });
    stage.finish();
    if (scan.damage) result.trace.push(`the capture is damaged at byte ${scan.damage.offset}`);
  } catch (e) {
    result.trace.push(`cannot read the traffic: ${e instanceof Error ? e.message : e}`);
    return result;
  } finally {
    engine.tracer = null;
    engine.gate = null;
  }
  result.actual = stage.alertsBySid.get(sid) ?? 0;
  result.passed = result.actual === test.alerts;
  if (!result.passed) result.trace.push(...explain(sig, trace, result.actual, test.alerts));
  return result;
}

function explain(sig: Signature, trace: MatchTrace, actual: number, expected: number): string[] {
  const lines: string[] = [];
  const matched = trace.matchedOn.get(sig) ?? [];
  const where = (n: number) => (n === 0 ? "the flow-end stream inspection" : `packet ${n}`);
  if (actual > expected) {
    lines.push(
      `expected ${expected} alert(s), got ${actual}; it matched on ${
        matched.map(where).join(", ") || "no packet the trace saw"
      }`,
    );
    return lines;
  }
  lines.push(`expected ${expected} alert(s), got ${actual}`);
  if (matched.length > 0) {
    lines.push(
      `it matched on ${matched.map(where).join(", ")} but did not alert there ` +
        "(threshold, noalert, or a pass rule)",
    );
    return lines;
  }
  const best = trace.progress.get(sig);
  if (best === undefined) {
    lines.push("no packet reached the rule");
    return lines;
  }
  const at = best.option
    ? ` (${formatDiagnostic({ ...best.option.location, message: "" }).replace(/: $/, "")})`
    : "";
  lines.push(`furthest on ${where(best.packet)}: ${best.reason}${at}`);
  return lines;
}
