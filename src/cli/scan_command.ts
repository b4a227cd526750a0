/**
 * `tarsier scan`: read a capture file and report what it holds.
 *
 * Exit codes: 0 when the whole file was read; 1 when it is damaged (every
 * frame before the damage is still counted and reported); 2 when the input
 * cannot be read at all (not a capture, missing, no permission).
 *
 * @module
 */

import { openCaptureFile } from "../capture/capture_file.ts";
import { scanFrames } from "../engine/offline_scan.ts";
import { formatScanSummary, makeScanSummary } from "../output/scan_summary.ts";
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
}

/**
 * Run a scan and print its summary: text on stderr, or JSON on stdout.
 *
 * @param options parsed options
 * @returns the process exit code
 */
export async function runScan(options: ScanCommandOptions): Promise<number> {
  const capture = openCaptureFile(options.pcap);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  const bar = await startProgress(options.pcap, capture.file.size, options.progress);
  try {
    const result = await scanFrames(capture.source, {
      signal: abort.signal,
      onBatchDone: (position) => capture.file.advance(position),
      onProgress: bar ? (position, size) => bar.update(position, size) : undefined,
    });
    bar?.stop();
    const summary = makeScanSummary(options.pcap, capture.format, capture.file.size, result);
    if (options.summary === "json") {
      console.log(JSON.stringify(summary));
    } else {
      Deno.stderr.writeSync(new TextEncoder().encode(formatScanSummary(summary)));
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
    capture.close();
  }
}

/**
 * Check and normalise the raw options of `tarsier scan`.
 *
 * @param positional the positional capture path, if given
 * @param raw commander's option values
 * @returns the options
 * @throws {UsageError} on a missing file argument or a bad value
 */
export function parseScanOptions(
  positional: string | undefined,
  raw: { r?: string; summary?: string; progress?: boolean | string },
): ScanCommandOptions {
  const pcap = positional ?? raw.r;
  if (!pcap) throw new UsageError("scan: no capture file given (tarsier scan FILE or -r FILE)");
  if (positional && raw.r && positional !== raw.r) {
    throw new UsageError("scan: give the capture file once (either FILE or -r FILE)");
  }
  const summary = raw.summary ?? "text";
  if (summary !== "text" && summary !== "json") {
    throw new UsageError(`scan: --summary must be text or json, not "${summary}"`);
  }
  let progress: ScanCommandOptions["progress"] = "auto";
  if (raw.progress === false) progress = "never";
  else if (raw.progress === true) progress = "always";
  return { pcap, summary, progress };
}
