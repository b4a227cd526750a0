/**
 * The summary `tarsier scan` prints at the end: as aligned text for people,
 * or as one JSON object (`--summary json`) for scripts.
 *
 * @module
 */

import type { ScanResult } from "../engine/offline_scan.ts";
import type { RulesetReport } from "../engine/ruleset.ts";

/** The summary as a plain object: the shape of `--summary json`. */
export interface ScanSummary {
  /** The capture file scanned. */
  file: string;
  /** "pcap" or "pcapng". */
  format: string;
  /** File size in bytes. */
  file_bytes: number;
  /** Frames read. */
  packets: number;
  /** Captured bytes of those frames. */
  bytes: number;
  /** Bytes on the wire. */
  wire_bytes: number;
  /** First and last frame timestamps (ISO 8601, UTC), null when no frame. */
  first_ts: string | null;
  /** Last frame timestamp. */
  last_ts: string | null;
  /** Frames per protocol layer. */
  protocols: Record<string, number>;
  /** Frames per decoder event (Suricata names). */
  anomalies: Record<string, number>;
  /** Where the file is damaged, null when sound. */
  damage: { offset: number; reason: string } | null;
  /** True when the scan was interrupted (SIGINT/SIGTERM). */
  interrupted: boolean;
  /** Seconds spent processing packets. */
  elapsed_s: number;
  /** Packets per second. */
  pps: number;
  /** Captured bits per second, in Gbit/s. */
  gbps: number;
  /** Seconds spent loading rules and building the matcher (with rules only). */
  startup_s?: number;
  /** Rules: loaded, evaluated, waiting, skipped by reason (with rules only). */
  rules?: {
    files: string[];
    loaded: number;
    evaluated: number;
    waiting: number;
    waiting_for: Record<string, number>;
    skipped: number;
    skipped_by_reason: Record<string, number>;
    matcher: string;
    /** The matcher in words: engine, library, what the database cache did. */
    matcher_detail?: string;
    /** What the pcre translation cache did (loaded, stored, its file). */
    pcre_cache?: string;
    patterns: number;
  };
  /** Alerts written (with rules only). */
  alerts?: number;
  /** Where eve.json and fast.log were written (with rules only). */
  log_dir?: string;
}

/**
 * Build the summary object of a scan.
 *
 * @param file the file path
 * @param format capture format name
 * @param fileBytes file size
 * @param result the scan's result
 * @returns the summary
 */
export function makeScanSummary(
  file: string,
  format: string,
  fileBytes: number,
  result: ScanResult,
): ScanSummary {
  const s = result.stats;
  const seconds = result.elapsedMs / 1000;
  return {
    file,
    format,
    file_bytes: fileBytes,
    packets: s.packets,
    bytes: s.bytes,
    wire_bytes: s.wireBytes,
    first_ts: s.packets > 0 ? isoTime(s.firstTs) : null,
    last_ts: s.packets > 0 ? isoTime(s.lastTs) : null,
    protocols: s.protocols(),
    anomalies: s.anomalies(),
    damage: result.damage ? { ...result.damage } : null,
    interrupted: result.interrupted,
    elapsed_s: round(seconds, 6),
    pps: seconds > 0 ? Math.round(s.packets / seconds) : 0,
    gbps: seconds > 0 ? round((s.bytes * 8) / seconds / 1e9, 3) : 0,
  };
}

/**
 * Render the summary as aligned text lines.
 *
 * @param summary the summary
 * @returns the text, ending with a newline
 */
export function formatScanSummary(summary: ScanSummary): string {
  const lines: string[] = [];
  const row = (key: string, value: string) => lines.push(`  ${key.padEnd(12)} ${value}`);
  lines.push(`${summary.file}: ${summary.format}, ${grouped(summary.file_bytes)} bytes`);
  row("packets", grouped(summary.packets));
  row("bytes", `${grouped(summary.bytes)} captured, ${grouped(summary.wire_bytes)} on the wire`);
  if (summary.first_ts) row("time span", `${summary.first_ts} .. ${summary.last_ts}`);
  row("protocols", formatCounts(summary.protocols) || "none");
  row("anomalies", formatCounts(summary.anomalies) || "none");
  row(
    "processing",
    `${summary.elapsed_s.toFixed(3)} s, ${grouped(summary.pps)} packets/s, ` +
      `${summary.gbps.toFixed(3)} Gbit/s`,
  );
  if (summary.alerts !== undefined) {
    row("alerts", `${grouped(summary.alerts)} (${summary.log_dir}/eve.json, fast.log)`);
  }
  if (summary.rules?.matcher_detail !== undefined) row("matcher", summary.rules.matcher_detail);
  if (summary.rules?.pcre_cache !== undefined) row("pcre cache", summary.rules.pcre_cache);
  if (summary.startup_s !== undefined) {
    row("start-up", `${summary.startup_s.toFixed(3)} s (rules and matcher)`);
  }
  if (summary.interrupted) row("stopped", "interrupted before the end of the file");
  if (summary.damage) {
    row("damage", `at byte ${summary.damage.offset}: ${summary.damage.reason}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Render what loading the rules found: counts, skip reasons, waiting rules.
 *
 * @param report the ruleset report
 * @returns the text, ending with a newline
 */
export function formatRulesetSummary(report: RulesetReport): string {
  const lines = [
    `rules: ${grouped(report.rules)} read, ${grouped(report.loaded)} loaded ` +
    `(${grouped(report.loaded - report.waiting)} evaluated, ${grouped(report.waiting)} waiting), ` +
    `${grouped(report.skipped)} skipped; matcher ${report.matcher}, ` +
    `${grouped(report.patterns)} patterns`,
  ];
  for (const [reason, n] of Object.entries(report.skippedByReason).slice(0, 12)) {
    lines.push(`  skipped  ${reason}: ${grouped(n)}`);
  }
  for (const [what, n] of Object.entries(report.waitingFor).slice(0, 8)) {
    lines.push(`  waiting  ${what} (not inspected yet): ${grouped(n)}`);
  }
  return lines.join("\n") + "\n";
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts).map(([k, v]) => `${k} ${grouped(v)}`).join(", ");
}

/** `1234567` -> `"1,234,567"` (toLocaleString would load ICU data: ~30 ms at start-up). */
function grouped(n: number): string {
  const digits = String(Math.round(n));
  const sign = digits.startsWith("-") ? "-" : "";
  const abs = sign ? digits.slice(1) : digits;
  return sign + abs.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function isoTime(seconds: number): string {
  const ms = Math.floor(seconds * 1000);
  const micros = Math.floor((seconds - Math.floor(seconds)) * 1e6);
  const base = new Date(ms).toISOString().slice(0, 19);
  return `${base}.${String(micros).padStart(6, "0")}Z`;
}
