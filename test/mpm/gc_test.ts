/**
 * Allocation-free scanning: a steady loop of scans runs in a subprocess with
 * V8's `--trace-gc`; between two forced GCs no scavenge (young-generation GC)
 * may happen, as a scavenge means the loop allocates. A control run that
 * allocates on purpose proves the check can fail.
 *
 * Needs --allow-run (as `deno task test` grants); ignored without it.
 */

import assert from "node:assert/strict";
import { ENGINES, skipUnavailable } from "./_engines.ts";

const LOOP = new URL("./_scan_loop.ts", import.meta.url).pathname;
const CAN_RUN = Deno.permissions.querySync({ name: "run" }).state === "granted";
if (!CAN_RUN) console.warn("mpm gc tests ignored: they need --allow-run");

/** Trace lines between the last two forced GCs of a `_scan_loop.ts` run. */
async function measuredGcLines(mode: string, scans: number, engine: string): Promise<string[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-ffi",
      "--v8-flags=--trace-gc,--expose-gc",
      LOOP,
      mode,
      String(scans),
      engine,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, `scan loop failed: ${err}`);
  assert.match(err, /"total":[1-9]/, "the loop found matches");
  const lines = out.split("\n");
  const forced = lines
    .map((line, i) => (/Mark-Compact/.test(line) && /testing|requested/.test(line) ? i : -1))
    .filter((i) => i >= 0);
  assert.ok(forced.length >= 2, `two forced GCs in the trace:\n${out.slice(0, 2000)}`);
  return lines.slice(forced[forced.length - 2] + 1, forced[forced.length - 1]);
}

for (const engine of ENGINES) {
  const ignore = !CAN_RUN || skipUnavailable(engine);
  Deno.test({
    name: `mpm gc (${engine.name}): 100k scans make no scavenge`,
    ignore,
    async fn() {
      const between = await measuredGcLines("clean", 100_000, engine.name);
      const scavenges = between.filter((line) => /Scavenge|Minor Mark/.test(line));
      assert.deepEqual(scavenges, [], "no scavenge between the forced GCs");
    },
  });

  Deno.test({
    name:
      `mpm gc (${engine.name}): the same loop shows scavenges when it allocates (the check can fail)`,
    ignore,
    async fn() {
      const between = await measuredGcLines("alloc", 100_000, engine.name);
      assert.ok(between.some((line) => /Scavenge|Minor Mark/.test(line)), between.join("\n"));
    },
  });
}
