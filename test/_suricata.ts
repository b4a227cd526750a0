/**
 * Running the installed Suricata 7 and `tarsier scan` side by side on the
 * same capture and rules, for differential tests. Tests that use it skip
 * (and say so) when `suricata` is not installed.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "./corpus.ts";

/** Whether `suricata` runs here. */
export function haveSuricata(): boolean {
  try {
    return new Deno.Command("suricata", { args: ["-V"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function run(cmd: string, args: string[]): Promise<void> {
  const r = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  assert.equal(r.code, 0, `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
}

/**
 * Run Suricata (single runmode, checksums off, fixed stream chunk sizes) on a capture.
 *
 * @param pcap the capture
 * @param rules the rule file
 * @param outDir where eve.json goes
 * @param extra more arguments (`--set ...`)
 */
export function runSuricata(
  pcap: string,
  rules: string,
  outDir: string,
  extra: string[] = [],
): Promise<void> {
  return run("suricata", [
    "-r",
    pcap,
    "-S",
    rules,
    "-l",
    outDir,
    "-k",
    "none",
    "--runmode",
    "single",
    // fixed stream chunk sizes, as Tarsier's: Suricata randomizes them by +-10% by default, which
    // moves the packet a stream match alerts on from run to run
    "--set",
    "stream.reassembly.randomize-chunk-size=no",
    ...extra,
  ]);
}

/**
 * Run `tarsier scan` with the same arguments.
 *
 * @param pcap the capture
 * @param rules the rule file
 * @param outDir where eve.json goes
 * @param extra more arguments (`--set ...`)
 */
export function runTarsier(
  pcap: string,
  rules: string,
  outDir: string,
  extra: string[] = [],
): Promise<void> {
  return run(Deno.execPath(), [
    "run",
    "--quiet",
    "--allow-read",
    "--allow-write",
    "--allow-ffi",
    "--allow-env",
    "--allow-sys",
    join(REPO_ROOT, "src/main.ts"),
    "scan",
    "-r",
    pcap,
    "-S",
    rules,
    "-l",
    outDir,
    "-k",
    "none",
    ...extra,
  ]);
}

/**
 * The records of an eve.json, parsed.
 *
 * @param path the file
 * @returns one object per line
 */
export async function eveRecords(path: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(path);
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}
