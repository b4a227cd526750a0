/**
 * `tarsier scan`: read a capture file, report what it holds and, with rules,
 * inspect every packet and write `eve.json` and `fast.log`.
 *
 * Suricata's own flags are accepted for the same things (`-r`, `-S`, `-s`,
 * `-l`, `-c`, `--set`, `-k`, `--runmode`, `--data-dir`, `--simulate-ips`,
 * `--init-errors-fatal`) so that scripts written for Suricata run unchanged.
 *
 * Exit codes: 0 when the whole file was read; 1 when it is damaged (every
 * frame before the damage is still processed and reported); 2 when the input
 * cannot be used at all (not a capture, missing, no permission, bad config,
 * or a rule error with `--init-errors-fatal`); 130 when interrupted.
 *
 * @module
 */

import { join } from "node:path";
import { openCaptureFile } from "../capture/capture_file.ts";
import { Packet } from "../decode/packet.ts";
import { DetectStage } from "../engine/detect_stage.ts";
import { scanFrames } from "../engine/offline_scan.ts";
import { loadRuleset, type Ruleset, type RulesetReport } from "../engine/ruleset.ts";
import { eveSettingsOf } from "../output/eve_config.ts";
import { EveWriter, FastLogWriter } from "../output/eve_writer.ts";
import {
  formatRulesetSummary,
  formatScanSummary,
  makeScanSummary,
} from "../output/scan_summary.ts";
import { loadConfig, type SuricataConfig } from "../rules/config.ts";
import type { HttpParserOptions } from "../app/http_parser.ts";
import { formatDiagnostic } from "../rules/diagnostic.ts";
import { ThresholdGate } from "../detect/threshold.ts";
import { PcreTranslationCache } from "../detect/pcre_translation_cache.ts";
import { defaultCacheDir } from "../mpm/cache_files.ts";
import { flowbitCount } from "../flow/flowbits.ts";
import { FlowStage, type FlowStageOptions } from "../flow/flow_tracker.ts";
import { flowTableOptions, reassemblyOptions } from "../flow/flow_config.ts";
import { FlowEnd } from "../flow/flow_table.ts";
import { type StatsFacts, statsRecord } from "../output/stats_record.ts";
import { Defragmenter, parseDefragPolicy } from "../flow/defrag.ts";
import {
  type MatcherSelection,
  MatcherUnavailableError,
  type MpmChoice,
  parseMpmChoice,
  selectMatcher,
} from "../mpm/matcher_choice.ts";
import { startProgress } from "./progress.ts";
import { UsageError } from "./usage_error.ts";

/** Options of `tarsier scan`, as parsed from the command line. */
export interface ScanCommandOptions {
  /** The capture file (positional or `-r`). */
  pcap: string;
  /** "text" (default) or "json". */
  summary: "text" | "json";
  /** Progress bar mode. */
  progress: "auto" | "always" | "never";
  /** Rule files or folders given with --rules/-s (added to the config's rule-files). */
  rules: string[];
  /** Rule files given with -S: used exclusively, the config's rule-files are ignored. */
  exclusiveRules: string[];
  /** Output directory for eve.json and fast.log. */
  logDir: string | null;
  /** suricata.yaml. */
  config: string | null;
  /** `key=value` overrides. */
  sets: string[];
  /** Checksum checks: "all", "none" or "auto" (Suricata's -k; default auto). */
  checksums: "all" | "none" | "auto";
  /** IPS mode (Suricata's --simulate-ips): drop rules block. */
  ips: boolean;
  /** Any rule error is fatal (Suricata's --init-errors-fatal). */
  initErrorsFatal: boolean;
  /** Print every rule diagnostic. */
  verbose: boolean;
  /** The prefilter matcher (`--mpm`); null: suricata.yaml's `mpm-algo`, else auto. */
  mpm: MpmChoice | null;
  /**
   * Where compiled Hyperscan databases and pcre translations are cached (`--mpm-cache-dir`); null:
   * suricata.yaml's `detect.sgh-mpm-caching-path`, else the default; false:
   * no caching (`--no-mpm-cache`).
   */
  mpmCacheDir: string | null | false;
  /** Notes about accepted-but-ignored flags, printed on stderr. */
  notes: string[];
}

/**
 * Run a scan and print its summary: text on stderr, or JSON on stdout.
 *
 * @param options parsed options
 * @returns the process exit code
 */
export async function runScan(options: ScanCommandOptions): Promise<number> {
  const loaded = loadDetection(options);
  const { ruleset, selection } = loaded;
  const capture = openCaptureFile(options.pcap);
  const logDir = options.logDir ?? ".";
  const { packet, stage, flowStage, eve, fast, writeStats } = buildDetection(options, loaded, {
    pcapFilename: (settings) => settings.pcapFile ? options.pcap : undefined,
    collectLoadGarbage: false,
  });

  const abort = new AbortController();
  const onSignal = () => abort.abort();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  const bar = await startProgress(options.pcap, capture.file.size, options.progress);
  try {
    const result = await scanFrames(capture.source, {
      signal: abort.signal,
      onProgress: bar ? (position, size) => bar.update(position, size) : undefined,
      packet,
      stage,
    });
    bar?.stop();
    stage?.finish();
    // datasets with a save or state file are written once, when the scan ends
    for (const problem of ruleset?.datasets.saveAll() ?? []) console.error(`tarsier: ${problem}`);
    if (writeStats && eve !== null) {
      eve.writeRecord(statsRecord(result.stats, statsFactsOf(flowStage, stage, result.elapsedMs)));
    }
    stage?.flush();
    const summary = makeScanSummary(options.pcap, capture.format, capture.file.size, result);
    if (ruleset && stage) {
      summary.rules = {
        files: ruleset.report.files,
        loaded: ruleset.report.loaded,
        evaluated: ruleset.report.loaded - ruleset.report.waiting,
        waiting: ruleset.report.waiting,
        waiting_for: ruleset.report.waitingFor,
        skipped: ruleset.report.skipped,
        skipped_by_reason: ruleset.report.skippedByReason,
        matcher: ruleset.report.matcher,
        patterns: ruleset.report.patterns,
      };
      if (selection !== null) summary.rules.matcher_detail = matcherDetail(selection);
      if (loaded.pcreCache !== null) summary.rules.pcre_cache = pcreCacheDetail(loaded.pcreCache);
      summary.alerts = stage.alertCount;
      summary.startup_s = Math.round(ruleset.report.startupMs) / 1000;
      summary.log_dir = logDir;
    }
    if (options.summary === "json") {
      console.log(JSON.stringify(summary));
    } else {
      const text = (ruleset ? formatRulesetSummary(ruleset.report) : "") +
        formatScanSummary(summary);
      Deno.stderr.writeSync(new TextEncoder().encode(text));
    }
    if (result.damage) {
      console.error(
        `tarsier: ${options.pcap}: damaged at byte ${result.damage.offset}: ${result.damage.reason}`,
      );
      return 1;
    }
    return result.interrupted ? 130 : 0;
  } finally {
    bar?.stop();
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
    eve?.close();
    fast?.close();
    capture.close();
  }
}

/** The options that shape detection, shared by `scan`, `ids` and `ips`. */
export type DetectionOptions = Pick<
  ScanCommandOptions,
  | "rules"
  | "exclusiveRules"
  | "logDir"
  | "config"
  | "sets"
  | "ips"
  | "initErrorsFatal"
  | "verbose"
  | "mpm"
  | "mpmCacheDir"
  | "notes"
>;

/** The configuration and rules of a run, loaded before any input is opened. */
export interface LoadedDetection {
  /** suricata.yaml with the --set overrides. */
  config: SuricataConfig;
  /** The prefilter matcher chosen, null without rules. */
  selection: MatcherSelection | null;
  /** The rules, null when none were given. */
  ruleset: ReturnType<typeof loadRuleset> | null;
  /** The pcre translations kept between runs, null without rules or caching. */
  pcreCache: PcreTranslationCache | null;
}

/** How {@link loadDetection} runs. */
export interface LoadDetectionSettings {
  /**
   * Print no notes and no rule diagnostics (a second capture worker loading
   * the same rules as the first).
   */
  quiet?: boolean;
  /** For live capture: matchers tuned for latency (see `MatcherSelectionOptions.shortWindowTwins`). */
  live?: boolean;
}

/**
 * Load suricata.yaml and the rules, reporting skipped rules on stderr.
 *
 * @param options the run's options
 * @param settings quiet or not, live capture or a file
 * @returns config, matcher and ruleset
 * @throws {UsageError} with `--init-errors-fatal` when a rule failed
 */
export function loadDetection(
  options: DetectionOptions,
  settings: LoadDetectionSettings = {},
): LoadedDetection {
  const quiet = settings.quiet === true;
  if (!quiet) { for (const note of options.notes) console.error(`tarsier: note: ${note}`); }
  const { config, unknownKeys } = loadConfig({
    file: options.config ?? undefined,
    sets: options.sets,
  });
  if (!quiet) {
    for (const key of unknownKeys) {
      console.error(`tarsier: note: --set ${key}: not a known setting`);
    }
  }
  const rulePaths = rulePathsOf(options, config);
  const cacheDir = cacheDirOf(options, config);
  const selection = rulePaths.length > 0
    ? matcherOf(options, config, cacheDir, settings.live === true)
    : null;
  const pcreCache = rulePaths.length > 0 && cacheDir !== null
    ? PcreTranslationCache.open(cacheDir, quiet ? () => {} : undefined)
    : null;
  const ruleset = rulePaths.length > 0
    ? loadRuleset({
      config,
      paths: rulePaths,
      matcher: selection?.factory,
      alertMax: config.getNumber("packet-alert-max", 15),
      actionOrder: config.getList("action-order"),
      keepRuleText: eveSettingsOf(config).options.rule === true,
      pcreCache,
    })
    : null;
  if (ruleset) {
    if (!quiet) reportRuleDiagnostics(ruleset.report, options.verbose);
    if (options.initErrorsFatal && ruleset.report.skipped > 0) {
      const first = ruleset.report.diagnostics[0];
      throw new UsageError(
        `${ruleset.report.skipped} rules failed to load (--init-errors-fatal)` +
          (first ? `; first: ${formatDiagnostic(first)}` : ""),
      );
    }
  }
  return { config, selection, ruleset, pcreCache };
}

/** The stages and writers of a run (writers and stage null without rules). */
export interface DetectionPipeline {
  /** The packet instance the decoder fills. */
  packet: Packet;
  /** Detection and output. */
  stage: DetectStage | null;
  /** Flows, TCP reassembly and the application layer. */
  flowStage: FlowStage | null;
  /** eve.json. */
  eve: EveWriter | null;
  /** fast.log. */
  fast: FastLogWriter | null;
  /** Whether EVE stats records are wanted. */
  writeStats: boolean;
}

/** Run-specific choices of {@link buildDetection}. */
export interface BuildDetectionOptions {
  /** The EVE `pcap_filename`, given the EVE settings (files only). */
  pcapFilename?: (settings: ReturnType<typeof eveSettingsOf>) => string | undefined;
  /** Flow pass / flow drop (live capture). */
  flowVerdicts?: boolean;
  /** A live inline IPS: `stream.inline: auto` means inline. */
  inlineStream?: boolean;
  /**
   * eve.json and fast.log shared by several capture workers: opened for
   * appending (`O_APPEND`: each buffer of whole lines lands whole), after
   * emptying them with "truncate" (the first worker). Default: one writer,
   * the files truncated.
   */
  sharedLogs?: "truncate" | "append";
  /** Print no notes (a second capture worker building the same pipeline). */
  quiet?: boolean;
  /**
   * Collect the garbage of loading with a full collection once the pipeline
   * is built (see {@link collectLoadGarbage}). Default true: live capture
   * wants no long pause on its packet path later. An offline scan, which
   * only wants the whole run short, passes false and leaves that garbage to
   * the collector's own pace.
   */
  collectLoadGarbage?: boolean;
}

/**
 * Build the flow and detection stages and open eve.json and fast.log in the
 * log directory, as suricata.yaml and the options say.
 *
 * @param options the run's options
 * @param loaded what {@link loadDetection} returned
 * @param build run-specific choices
 * @returns the pipeline (stage null without rules)
 */
export function buildDetection(
  options: DetectionOptions,
  loaded: LoadedDetection,
  build: BuildDetectionOptions = {},
): DetectionPipeline {
  const { config, ruleset } = loaded;
  const logDir = options.logDir ?? ".";
  const packet = new Packet();
  const pipeline: DetectionPipeline = {
    packet,
    stage: null,
    flowStage: null,
    eve: null,
    fast: null,
    writeStats: false,
  };
  if (!ruleset) return pipeline;
  Deno.mkdirSync(logDir, { recursive: true });
  const eveSettings = eveSettingsOf(config);
  pipeline.writeStats = eveSettings.statsRecords;
  const append = build.sharedLogs !== undefined;
  if (build.sharedLogs === "truncate") {
    for (const name of ["eve.json", "fast.log"]) {
      Deno.writeFileSync(join(logDir, name), new Uint8Array());
    }
  }
  const eve = new EveWriter(join(logDir, "eve.json"), {
    append,
    ...eveSettings.options,
    pcapFilename: build.pcapFilename?.(eveSettings),
  });
  pipeline.eve = eve;
  pipeline.fast = new FastLogWriter(join(logDir, "fast.log"), { append, ips: options.ips });
  ruleset.engine.gate = new ThresholdGate();
  const flowOptions = flowStageOptionsOf(config, ruleset, {
    inlineStream: build.inlineStream ?? false,
    quiet: build.quiet ?? false,
  });
  // flow.memcap (bytes) sets how many flows the preallocated table holds
  const flowbits = flowbitCount();
  flowOptions.capacity = FlowStage.capacityFor(
    config.getSize("flow.memcap", 128 * 1024 * 1024),
    flowOptions,
    flowbits,
  );
  const flows = new FlowStage(flowOptions, flowbits);
  if (eveSettings.flowRecords) flows.onFlowRecord = (record) => eve.flow(record);
  pipeline.flowStage = flows;
  pipeline.stage = new DetectStage(ruleset.engine, packet, {
    flows,
    eve,
    fast: pipeline.fast,
    ips: options.ips,
    classDescriptions: ruleset.classDescriptions,
    logDecoderAnomalies: eveSettings.decoderAnomalies,
    logStreamAnomalies: eveSettings.streamAnomalies,
    logAppAnomalies: eveSettings.appAnomalies,
    appRecords: eveSettings.appRecords,
    verdict: eveSettings.verdict,
    defrag: defragmenterOf(config),
    flowVerdicts: build.flowVerdicts ?? false,
    dropRecords: eveSettings.dropRecords,
  });
  if (build.collectLoadGarbage ?? true) collectLoadGarbage();
  return pipeline;
}

/**
 * The flow stage's options as suricata.yaml and the rules ask (without its
 * capacity): the live stage and the JIT warm-up's throwaway one are built
 * from the same options.
 *
 * @param config suricata.yaml
 * @param ruleset the loaded rules (which fingerprints they use)
 * @param settings inline stream or not; whether to print notes
 * @returns the options
 */
export function flowStageOptionsOf(
  config: SuricataConfig,
  ruleset: Ruleset,
  settings: { inlineStream: boolean; quiet: boolean },
): FlowStageOptions {
  return {
    ...flowTableOptions(config),
    reassembly: reassemblyOptions(
      config,
      (m) => {
        if (!settings.quiet) console.error(`tarsier: note: ${m}`);
      },
      settings.inlineStream,
    ),
    parsers: {
      sshHassh: config.getBool("app-layer.protocols.ssh.hassh", false) ||
        usesKeyword(ruleset.keywords, "hassh"),
      ja3: fingerprintSetting(config, "ja3", ruleset.keywords),
      ja4: fingerprintSetting(config, "ja4", ruleset.keywords),
      // Suricata's default and bypass both stop content inspection at encrypted data
      tlsInspectEncrypted:
        config.getString("app-layer.protocols.tls.encryption-handling", "default") === "full",
      http: httpParserOptions(config),
    },
  };
}

/**
 * A full garbage collection once the rules are loaded and the stages built,
 * when the runtime exposes one (the `tarsier` task passes `--expose-gc`):
 * loading leaves the parse of every rule file behind, and the first
 * collections during traffic would otherwise pause the packet path for it
 * (a 46 ms young-generation pause was seen on a live bridge after start-up).
 */
function collectLoadGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * The directory of compiled-rule caches (Hyperscan databases, pcre
 * translations): `--mpm-cache-dir`, none with `--no-mpm-cache`, else
 * `detect.sgh-mpm-caching(-path)` (Suricata 8's keys), else the default
 * (`$XDG_CACHE_HOME/tarsier` or `~/.cache/tarsier`).
 *
 * @returns the directory, or null for no caching
 */
function cacheDirOf(options: DetectionOptions, config: SuricataConfig): string | null {
  if (options.mpmCacheDir === false) return null;
  if (options.mpmCacheDir !== null) return options.mpmCacheDir;
  if (!config.getBool("detect.sgh-mpm-caching", true)) return null;
  return config.getString("detect.sgh-mpm-caching-path", "") || defaultCacheDir();
}

/**
 * The matcher of this run: `--mpm`, else suricata.yaml's `mpm-algo`, else
 * auto, with Hyperscan databases cached in `cacheDir` ({@link cacheDirOf}).
 * Live capture (`live`) gives small Hyperscan sets a twin for short windows.
 */
function matcherOf(
  options: DetectionOptions,
  config: SuricataConfig,
  cacheDir: string | null,
  live: boolean,
): MatcherSelection {
  let choice = options.mpm;
  if (choice === null) {
    const algo = config.getString("mpm-algo", "auto");
    choice = parseMpmChoice(algo);
    if (choice === null) throw new UsageError(`mpm-algo "${algo}" is not auto, hs or ac`);
  }
  try {
    return selectMatcher(choice, { cacheDir, shortWindowTwins: live });
  } catch (error) {
    if (error instanceof MatcherUnavailableError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * The pcre cache line of the summary.
 *
 * @param cache the run's pcre translation cache
 * @returns e.g. `1646 translations loaded (/x/pcre-<hash>.json)`
 */
export function pcreCacheDetail(cache: PcreTranslationCache): string {
  const c = cache.counters;
  const parts = [`${c.loaded} translation${c.loaded === 1 ? "" : "s"} loaded`];
  if (c.stored > 0) parts.push(`${c.stored} stored`);
  if (c.damaged) parts.push(c.writeFailed ? "damaged file ignored" : "damaged file rewritten");
  if (c.writeFailed) parts.push("not written");
  return `${parts.join(", ")} (${cache.path})`;
}

/** The matcher line of the summary: engine, library and what the cache did. */
export function matcherDetail(selection: MatcherSelection): string {
  const cache = selection.cache;
  if (cache === null) {
    return selection.name === "hs" ? `${selection.description}, no cache` : selection.description;
  }
  const c = cache.counters;
  const damaged = c.damaged > 0 ? `, ${c.damaged} damaged and rebuilt` : "";
  return `${selection.description}, cache ${cache.dir}: ${c.hits} loaded, ` +
    `${c.misses + c.damaged} compiled${damaged}`;
}

/** Flow, TCP and detection counters for the stats record. */
export function statsFactsOf(
  flows: FlowStage | null,
  stage: DetectStage | null,
  elapsedMs: number,
): StatsFacts {
  const facts: StatsFacts = { uptime: elapsedMs / 1000, alerts: stage?.alertCount ?? 0 };
  if (flows === null) return facts;
  const byProto = flows.endedByProto;
  facts.flows = { tcp: byProto[6], udp: byProto[17], icmpv4: byProto[1], icmpv6: byProto[58] };
  const ends = flows.endedByReason;
  facts.flowEnds = {
    timeout: ends[FlowEnd.TIMEOUT],
    shutdown: ends[FlowEnd.SHUTDOWN],
    tcp_reuse: ends[FlowEnd.TCP_REUSE],
    forced: ends[FlowEnd.EVICTED],
  };
  facts.emergencies = flows.table.emergencies;
  const r = flows.reassembly;
  facts.tcp = { sessions: flows.tcpSessions, pseudo: flows.pseudoPackets };
  if (r !== null) {
    Object.assign(facts.tcp, {
      segments: r.counters.segments,
      overlap: r.counters.overlaps,
      overlap_diff_data: r.counters.overlapsDifferent,
      segment_memcap_drop: r.counters.memcapDrops,
      reassembly_memuse: r.arena.used,
    });
  }
  return facts;
}

/** The defragmenter, sized and timed by suricata.yaml's `defrag` section. */
function defragmenterOf(config: SuricataConfig): Defragmenter {
  const policyName = config.getString("defrag.default-policy", "bsd");
  const policy = parseDefragPolicy(policyName);
  if (policy === undefined) {
    console.error(`tarsier: note: defrag.default-policy "${policyName}" is unknown; using bsd`);
  }
  return new Defragmenter({
    memcap: config.getSize("defrag.memcap", 32 * 1024 * 1024),
    maxTrackers: config.getNumber("defrag.trackers", 65535) || 65535,
    maxFrags: config.getNumber("defrag.max-frags", 65535) || 65535,
    timeout: config.getNumber("defrag.timeout", 60),
    policy: policy ?? "bsd",
  });
}

function rulePathsOf(options: DetectionOptions, config: SuricataConfig): string[] {
  if (options.exclusiveRules.length > 0) return options.exclusiveRules;
  if (options.rules.length === 0) return [];
  return [...config.ruleFiles().filter(exists), ...options.rules];
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function reportRuleDiagnostics(report: RulesetReport, verbose: boolean): void {
  const shown = verbose ? report.diagnostics : report.diagnostics.slice(0, 10);
  for (const d of shown) console.error(`tarsier: rule skipped: ${formatDiagnostic(d)}`);
  if (shown.length < report.diagnostics.length) {
    console.error(
      `tarsier: ... ${report.diagnostics.length - shown.length} more (--verbose lists them all)`,
    );
  }
}

/**
 * Suricata's `app-layer.protocols.tls.ja3-fingerprints` (and ja4): yes, no,
 * or auto -- on when a loaded rule uses the fingerprint.
 */
function fingerprintSetting(
  config: SuricataConfig,
  kind: "ja3" | "ja4",
  keywords: ReadonlySet<string>,
): boolean {
  const value = config.getString(`app-layer.protocols.tls.${kind}-fingerprints`, "auto");
  if (value === "auto") return usesKeyword(keywords, kind);
  return config.getBool(`app-layer.protocols.tls.${kind}-fingerprints`, false);
}

/** Whether a loaded rule uses a keyword whose name contains `part` (`ja3` for `ja3.hash`). */
function usesKeyword(keywords: ReadonlySet<string>, part: string): boolean {
  for (const k of keywords) if (k.toLowerCase().includes(part)) return true;
  return false;
}

/** Raw option values as commander gives them. */
export interface RawScanOptions {
  r?: string;
  summary?: string;
  progress?: boolean;
  rules?: string[];
  S?: string[];
  s?: string[];
  logDir?: string;
  l?: string;
  c?: string;
  set?: string[];
  k?: string;
  runmode?: string;
  dataDir?: string;
  simulateIps?: boolean;
  initErrorsFatal?: boolean;
  verbose?: boolean;
  mpm?: string;
  mpmCache?: boolean;
  mpmCacheDir?: string;
}

/**
 * Check and normalise the raw options of `tarsier scan`.
 *
 * @param positional the positional capture path, if given
 * @param raw commander's option values
 * @param extra positional words after the file (Suricata's BPF filter)
 * @returns the options
 * @throws {UsageError} on a missing file argument or a bad value
 */
export function parseScanOptions(
  positional: string | undefined,
  raw: RawScanOptions,
  extra: string[] = [],
): ScanCommandOptions {
  const pcap = raw.r ?? positional;
  const words = raw.r && positional ? [positional, ...extra] : extra;
  if (!pcap) throw new UsageError("scan: no capture file given (tarsier scan FILE or -r FILE)");
  const summary = raw.summary ?? "text";
  if (summary !== "text" && summary !== "json") {
    throw new UsageError(`scan: --summary must be text or json, not "${summary}"`);
  }
  let progress: ScanCommandOptions["progress"] = "auto";
  if (raw.progress === false) progress = "never";
  else if (raw.progress === true) progress = "always";
  // -k: Suricata's checksum checks; without it, auto (trust them after many bad ones)
  const checksums = raw.k ?? "auto";
  if (checksums !== "all" && checksums !== "none" && checksums !== "auto") {
    throw new UsageError(`scan: -k must be all, none or auto, not "${checksums}"`);
  }
  const notes: string[] = [];
  if (raw.runmode && !["single", "autofp", "workers"].includes(raw.runmode)) {
    throw new UsageError(`scan: --runmode must be single, autofp or workers, not "${raw.runmode}"`);
  }
  if (words.length > 0) notes.push(`BPF filter "${words.join(" ")}" is not supported; ignored`);
  const sets = [...(raw.set ?? [])];
  // Suricata's ConfigSetDataDirectory: --data-dir is default-data-dir
  if (raw.dataDir) sets.push(`default-data-dir=${raw.dataDir}`);
  if (checksums === "none") sets.push("stream.checksum-validation=no");
  if (checksums === "all") sets.push("pcap-file.checksum-checks=yes");
  let mpm: MpmChoice | null = null;
  if (raw.mpm !== undefined) {
    mpm = parseMpmChoice(raw.mpm);
    if (mpm === null) throw new UsageError(`scan: --mpm must be auto, hs or ac, not "${raw.mpm}"`);
  }
  return {
    pcap,
    summary,
    progress,
    rules: [...(raw.rules ?? []), ...(raw.s ?? [])],
    exclusiveRules: raw.S ?? [],
    logDir: raw.logDir ?? raw.l ?? null,
    config: raw.c ?? null,
    sets,
    checksums,
    ips: raw.simulateIps ?? false,
    initErrorsFatal: raw.initErrorsFatal ?? false,
    verbose: raw.verbose ?? false,
    mpm,
    mpmCacheDir: raw.mpmCache === false ? false : raw.mpmCacheDir ?? null,
    notes,
  };
}

/**
 * The HTTP parser's settings from Suricata's
 * `app-layer.protocols.http.libhtp.default-config` (server-config sections
 * are not applied).
 *
 * @param config the configuration
 * @returns the parser options
 */
export function httpParserOptions(config: SuricataConfig): HttpParserOptions {
  const base = "app-layer.protocols.http.libhtp.default-config.";
  // 0 is "no limit" in Suricata: what one transaction's buffers can hold
  const limit = (key: string) => config.getSize(base + key, 100 * 1024) || 1 << 20;
  return {
    requestBodyLimit: limit("request-body-limit"),
    responseBodyLimit: limit("response-body-limit"),
    decompressLayerLimit: config.getNumber(base + "response-body-decompress-layer-limit", 2),
    lzmaLayerLimit: config.getBool(base + "lzma-enabled", false) ? 1 : 0,
  };
}
