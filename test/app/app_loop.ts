/**
 * The steady-state application-layer loop that app_gc_test.ts runs in a
 * subprocess with `--trace-gc --expose-gc`: ET Open loaded, flow tracking,
 * TCP reassembly, the HTTP, TLS and SSH parsers and detection (with their
 * transaction inspection) over the long-lived flows of
 * {@link steadyCapture}, `passes` times; every flow ends after each pass.
 *
 * Usage: deno run --v8-flags=--trace-gc,--expose-gc --allow-read --allow-ffi
 *        --allow-env=LOG_TOKENS,LOG_STREAM test/app/app_loop.ts FILE RULES WARMUP PASSES
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

const [path, rules, warmupArg, passesArg] = Deno.args;
const { config } = loadConfig();
const ruleset = loadRuleset({ config, paths: [rules] });
ruleset.engine.gate = new ThresholdGate();
const capture = openCaptureFile(path);
const batch = new FrameBatch();
const packet = new Packet();
const flows = new FlowStage({}, flowbitCount());
const stage = new DetectStage(ruleset.engine, packet, { eve: null, fast: null, flows });
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
  stage.finish();
}

for (let i = 0; i < Number(warmupArg); i++) pass();
const parts = flows.app.counters.parts;
const bytes = flows.app.counters.bytes;
gc();
for (let i = 0; i < Number(passesArg); i++) pass();
gc();
// stderr: stdout carries the GC trace
console.error(JSON.stringify({
  frames,
  parts: flows.app.counters.parts - parts,
  appBytes: flows.app.counters.bytes - bytes,
  evaluated: ruleset.engine.sigs.length,
}));
capture.close();
