/**
 * The steady-state detection loop that the GC test runs in a subprocess with
 * `--trace-gc --expose-gc`: ET Open loaded, flow tracking and detection over
 * a capture file, `passes` times, with alerts counted but not written.
 *
 * Usage: deno run --v8-flags=--trace-gc,--expose-gc --allow-read --allow-ffi
 *        --allow-env=LOG_TOKENS,LOG_STREAM test/gc/detect_loop.ts FILE RULES WARMUP PASSES [MPM]
 * where MPM is `ac` (default) or `hs` (the prefilter matcher).
 */

import { openCaptureFile } from "../../src/capture/capture_file.ts";
import { FrameBatch } from "../../src/capture/frame_batch.ts";
import { decodeFrame } from "../../src/decode/decoder.ts";
import { Packet } from "../../src/decode/packet.ts";
import { ThresholdGate } from "../../src/detect/threshold.ts";
import { DetectStage } from "../../src/engine/detect_stage.ts";
import { loadRuleset } from "../../src/engine/ruleset.ts";
import { flowbitCount } from "../../src/flow/flowbits.ts";
import { FlowStage } from "../../src/flow/flow_tracker.ts";
import { loadConfig } from "../../src/rules/config.ts";
import { selectMatcher } from "../../src/mpm/matcher_choice.ts";

const [path, rules, warmupArg, passesArg, mpm = "ac"] = Deno.args;
const { config } = loadConfig();
const matcher = selectMatcher(mpm === "ac" ? "ac" : "hs", {
  cacheDir: null,
  shortWindowTwins: mpm === "hs-short",
}).factory;
const ruleset = loadRuleset({ config, paths: [rules], matcher });
ruleset.engine.gate = new ThresholdGate();
const capture = openCaptureFile(path);
const batch = new FrameBatch();
const packet = new Packet();
const stage = new DetectStage(ruleset.engine, packet, {
  eve: null,
  fast: null,
  // packet and stream detection: the application layer, whose new transactions may allocate,
  // has its own steady-state test (test/app/app_gc_test.ts)
  flows: new FlowStage({ appLayer: false }, flowbitCount()),
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("Run with --v8-flags=--expose-gc");

let frames = 0;
function pass(): void {
  const source = capture.reopen();
  for (let n = source.next(batch); n > 0; n = source.next(batch)) {
    for (let i = 0; i < n; i++) {
      decodeFrame(packet, batch, i);
      stage.process(packet, ++frames);
    }
  }
}

for (let i = 0; i < Number(warmupArg); i++) pass();
const alertsBefore = stage.alertCount;
gc();
for (let i = 0; i < Number(passesArg); i++) pass();
gc();
// stderr: stdout carries the GC trace
console.error(JSON.stringify({
  frames,
  evaluated: ruleset.engine.sigs.length,
  alertsInMeasuredPasses: stage.alertCount - alertsBefore,
}));
capture.close();
