/**
 * Run a loop script in a subprocess under V8's `--trace-gc` and return the
 * trace lines between the two forced GCs (`gc()`) that bracket its measured
 * passes. Shared by the allocation-free tests.
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * Run a loop script under --trace-gc and return the trace lines between the
 * two forced GCs that bracket the measured passes.
 *
 * @param script the loop script
 * @param args its arguments
 * @param report receives the script's stderr (its own figures), when given
 * @returns the GC trace lines of the measured passes
 */
export async function measuredGcLines(
  script: string,
  args: string[],
  report?: (stderr: string) => void,
): Promise<string[]> {
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--v8-flags=--trace-gc,--expose-gc",
      "--allow-read",
      "--allow-ffi",
      "--allow-env=LOG_TOKENS,LOG_STREAM",
      script,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await command.output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, `loop failed: ${new TextDecoder().decode(stderr)}`);
  report?.(new TextDecoder().decode(stderr));
  const lines = out.split("\n");
  const forced = lines
    .map((line, i) => (/testing|requested/.test(line) && /Mark-Compact/.test(line) ? i : -1))
    .filter((i) => i >= 0);
  assert.ok(forced.length >= 2, `two forced GCs in the trace:\n${out.slice(0, 2000)}`);
  return lines.slice(forced[forced.length - 2] + 1, forced[forced.length - 1]);
}

/** A young-generation collection in a `--trace-gc` line. */
export const SCAVENGE = /Scavenge|Minor Mark/;

/**
 * {@link measuredGcLines}, run up to `attempts` times until a run's measured
 * passes had no scavenge. A loop that allocates scavenges in every run; on a
 * loaded machine one run may measure before V8 has finished optimising the
 * loop (unoptimised code boxes doubles), which a later run does not.
 *
 * @param script the loop script
 * @param args its arguments
 * @param attempts runs at most
 * @param report receives each run's stderr, when given
 * @returns the measured lines of the first clean run, else of the last run
 */
export async function steadyGcLines(
  script: string,
  args: string[],
  attempts = 3,
  report?: (stderr: string) => void,
): Promise<string[]> {
  let lines: string[] = [];
  for (let i = 0; i < attempts; i++) {
    lines = await measuredGcLines(script, args, report);
    if (!lines.some((line) => SCAVENGE.test(line))) break;
  }
  return lines;
}
