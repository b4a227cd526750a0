/**
 * Load a ruleset the way Suricata does at start-up: configuration
 * (variables, classification), rule files, per-rule compilation through the
 * keyword registry, then the detection engine. Rules that fail are skipped
 * with a diagnostic and counted by reason; the rest load.
 *
 * @module
 */

import { type DatasetRegistry, openDatasets } from "../detect/datasets.ts";
import { DetectEngine, type MatcherFactory } from "../detect/engine.ts";
import "../detect/keywords/mod.ts";
import { releaseRuleModel, type Signature } from "../detect/signature.ts";
import { compileRule } from "../detect/signature_compiler.ts";
import type { PcreTranslationCache } from "../detect/pcre_translation_cache.ts";
import { AddressResolver } from "../rules/address.ts";
import { loadClassificationFile } from "../rules/classification.ts";
import type { SuricataConfig } from "../rules/config.ts";
import type { RuleDiagnostic } from "../rules/diagnostic.ts";
import type { ParsedRule } from "../rules/rule.ts";
import { PortResolver } from "../rules/port.ts";
import { streamRuleFiles } from "../rules/rule_files.ts";

/** What loading a ruleset found. */
export interface RulesetReport {
  /** Rule files and folders read. */
  files: string[];
  /** Rules read (parsed or not). */
  rules: number;
  /** Rules compiled and loaded (including waiting ones). */
  loaded: number;
  /** Loaded rules that wait for a buffer no stage fills yet (not evaluated). */
  waiting: number;
  /** Waiting rules by the first buffer they wait for. */
  waitingFor: Record<string, number>;
  /** Rules skipped. */
  skipped: number;
  /** Skipped rules by reason, most frequent first. */
  skippedByReason: Record<string, number>;
  /** Every diagnostic (rule errors, unreadable files), in file order. */
  diagnostics: RuleDiagnostic[];
  /** Prefilter patterns. */
  patterns: number;
  /** Prefilter matcher name. */
  matcher: string;
  /** Milliseconds spent loading rules and building the engine. */
  startupMs: number;
}

/** A loaded ruleset: the engine, the report and what output needs. */
export interface Ruleset {
  /** The detection engine. */
  engine: DetectEngine;
  /** Counts and diagnostics. */
  report: RulesetReport;
  /** classtype -> description, for EVE `alert.category`. */
  classDescriptions: Map<string, string>;
  /** The datasets of the rules (saved with `saveAll` when the scan ends). */
  datasets: DatasetRegistry;
  /** Every keyword the loaded rules use, as written (e.g. `ja3.hash`, `content`). */
  keywords: ReadonlySet<string>;
}

/** Options of {@link loadRuleset}. */
export interface LoadRulesetOptions {
  /** The configuration (variables, classification file). */
  config: SuricataConfig;
  /** Rule files or folders. */
  paths: string[];
  /** Prefilter matcher factory (default Aho-Corasick). */
  matcher?: MatcherFactory;
  /** Most alerts per packet (packet-alert-max). */
  alertMax?: number;
  /** Evaluation order of actions (action-order), e.g. ["pass", "drop", "reject", "alert"]. */
  actionOrder?: string[];
  /** Compile for explaining misses (`Signature.origins`, see detect/match_trace.ts). */
  traceOrigins?: boolean;
  /**
   * Keep each signature's parsed rule (`Signature.rule`) after loading.
   * Default: only when tracing. Without it the parse is released file by
   * file ({@link releaseRuleModel}), which keeps start-up memory low.
   */
  keepRuleModel?: boolean;
  /** Keep each rule's text (`Signature.text`, EVE `alert.rule`). Default true. */
  keepRuleText?: boolean;
  /**
   * The pcre translations of earlier runs: read before the rules compile,
   * written after when this load translated new patterns. Default none.
   */
  pcreCache?: PcreTranslationCache | null;
}

/**
 * Load rule files and build the detection engine.
 *
 * @param options configuration, paths, matcher
 * @returns the engine and what loading found
 */
export function loadRuleset(options: LoadRulesetOptions): Ruleset {
  const started = performance.now();
  const { config } = options;
  options.pcreCache?.load();
  const classFile = loadClassificationFile(config.classificationFile());
  const classifications = new Map<string, { description: string; priority: number }>();
  const classDescriptions = new Map<string, string>();
  for (const [name, c] of classFile.classes) {
    classifications.set(name, { description: c.description, priority: c.priority });
    classDescriptions.set(name, c.description);
  }
  const env = {
    addresses: new AddressResolver(config.addressGroups()),
    ports: new PortResolver(config.portGroups()),
    classifications,
    traceOrigins: options.traceOrigins ?? false,
  };
  const keepModel = options.keepRuleModel ?? options.traceOrigins ?? false;
  const keepText = options.keepRuleText ?? true;
  const diagnostics: RuleDiagnostic[] = [];
  const datasets = openDatasets(config);
  for (const message of datasets.configErrors) {
    diagnostics.push({ file: config.file ?? "suricata.yaml", line: 0, column: 0, message });
  }
  const skippedByReason = new Map<string, number>();
  const count = (reason: string) =>
    skippedByReason.set(reason, (skippedByReason.get(reason) ?? 0) + 1);
  const keywords = new Set<string>();
  /** gid -> sid -> the signature kept. */
  const bySid = new Map<number, Map<number, Signature>>();
  const loaded: Signature[] = [];
  let rulesRead = 0;
  // one rule at a time: each rule's parse is let go once it is compiled, so
  // it dies young. A file's parse errors are reported (and counted) before
  // the diagnostics of its rules, as when the whole file was parsed first:
  // the latter wait in `later` until the file is done.
  const later: { diagnostic: RuleDiagnostic; reason: string }[] = [];
  // one file's rules; a function of its own, so that V8 optimises its loop
  // once rather than deoptimising loadRuleset at the end of every file
  // ("exit from OSR'd inner loop", 9 times a load of ET Open)
  const addRules = (rules: Iterable<ParsedRule>): number => {
    let parsedRules = 0;
    for (const rule of rules) {
      parsedRules++;
      const result = compileRule(rule, env);
      if (!result.ok) {
        later.push(result);
        continue;
      }
      const sig = result.sig;
      for (const option of rule.options) keywords.add(option.name);
      if (sig.classtype !== null) sig.classtype = sig.classtype.toLowerCase();
      if (!keepModel) releaseRuleModel(sig, keepText);
      let ofGid = bySid.get(sig.gid);
      if (ofGid === undefined) bySid.set(sig.gid, ofGid = new Map());
      const earlier = ofGid.get(sig.sid);
      if (earlier) {
        const key = `${sig.gid}:${sig.sid}`;
        // Suricata keeps the higher revision of a duplicated gid:sid.
        const [keep, drop] = sig.rev > earlier.rev ? [sig, earlier] : [earlier, sig];
        later.push({
          diagnostic: {
            file: drop.location.file,
            line: drop.location.line,
            column: drop.location.column,
            keyword: "sid",
            message: `duplicate signature ${key} (rev ${drop.rev}); rev ${keep.rev} is kept`,
          },
          reason: "duplicate sid",
        });
        if (keep === sig) loaded[loaded.indexOf(earlier)] = sig;
        ofGid.set(sig.sid, keep);
        continue;
      }
      ofGid.set(sig.sid, sig);
      loaded.push(sig);
    }
    return parsedRules;
  };
  for (const parsed of streamRuleFiles(options.paths)) {
    const parsedRules = addRules(parsed.rules);
    rulesRead += parsedRules + parsed.errors.filter((e) => e.line > 0).length;
    for (const error of parsed.errors) {
      diagnostics.push(error);
      count(parseReason(error));
    }
    for (const { diagnostic, reason } of later) {
      diagnostics.push(diagnostic);
      count(reason);
    }
    later.length = 0;
  }
  options.pcreCache?.save();
  const engine = DetectEngine.build(loaded, {
    matcher: options.matcher,
    alertMax: options.alertMax,
    actionOrder: options.actionOrder,
  });
  const waitingFor: Record<string, number> = {};
  for (const sig of engine.waiting) {
    waitingFor[sig.waitingFor[0]] = (waitingFor[sig.waitingFor[0]] ?? 0) + 1;
  }
  const sortedReasons = Object.fromEntries([...skippedByReason].sort((a, b) => b[1] - a[1]));
  const skipped = [...skippedByReason.values()].reduce((a, b) => a + b, 0);
  return {
    engine,
    classDescriptions,
    datasets,
    keywords,
    report: {
      files: options.paths,
      rules: rulesRead,
      loaded: loaded.length,
      waiting: engine.waiting.length,
      waitingFor: sortWaiting(waitingFor),
      skipped,
      skippedByReason: sortedReasons,
      diagnostics,
      patterns: engine.patternCount,
      matcher: engine.matcherName,
      startupMs: performance.now() - started,
    },
  };
}

function sortWaiting(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

function parseReason(d: RuleDiagnostic): string {
  if (d.line === 0) return "unreadable rule file";
  return d.keyword ? `syntax error in ${d.keyword}` : "syntax error";
}
