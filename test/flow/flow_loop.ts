/**
 * The steady-state flow loop that flow_gc_test.ts runs in a subprocess with
 * `--trace-gc --expose-gc`: decode a capture file and run every packet
 * through the flow stage (a small table, so that flows are evicted and
 * slots reused; TCP reassembly with its flow-end pseudo packets), flowbits,
 * flowints and the threshold gate, `passes` times.
 *
 * Usage: deno run --v8-flags=--trace-gc,--expose-gc --allow-read --allow-ffi
 *        test/flow/flow_loop.ts FILE WARMUP PASSES
 */

import { openCaptureFile } from "../../src/capture/capture_file.ts";
import { FrameBatch } from "../../src/capture/frame_batch.ts";
import { decodeFrame } from "../../src/decode/decoder.ts";
import { Packet } from "../../src/decode/packet.ts";
import { DetectContext } from "../../src/detect/detect_context.ts";
import { Signature } from "../../src/detect/signature.ts";
import { ThresholdGate } from "../../src/detect/threshold.ts";
import { FlowStage } from "../../src/flow/flow_tracker.ts";
import type { ParsedRule } from "../../src/rules/rule.ts";

const [path, warmupArg, passesArg] = Deno.args;
const capture = openCaptureFile(path);
const batch = new FrameBatch();
const packet = new Packet();
const ctx = new DetectContext(packet);
// the application layer has its own steady-state test (test/app/app_gc_test.ts)
const stage = new FlowStage({ capacity: 512, appLayer: false }, 40, 4);
const gate = new ThresholdGate({ capacity: 256 });
const fake = { sid: 1, gid: 1, rev: 1, msg: "", action: "alert" } as unknown as ParsedRule;
const sigs = ["limit", "threshold", "both", "detection_filter"].map((type, i) => {
  const s = new Signature(fake);
  s.sid = i + 1;
  const spec = { type, track: i % 2 === 0 ? "by_src" : "by_both", count: 3, seconds: 1 };
  if (type === "detection_filter") s.detectionFilter = spec;
  else s.threshold = spec;
  return s;
});
const byFlow = new Signature(fake);
byFlow.sid = 9;
byFlow.threshold = { type: "backoff", track: "by_flow", count: 2, seconds: 2 };
sigs.push(byFlow);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("Run with --v8-flags=--expose-gc");

let alerts = 0;
let flows = 0;
let pseudo = 0;
let streamBytes = 0;
stage.onStreamEnd = (_p, c) => {
  pseudo++;
  const st = c.stream!;
  for (let k = 0; k < c.streamBlockCount; k++) streamBytes += st.blockEnd[k] - st.blockStart[k];
};

/** One packet through the flow stage, flow variables and the gate. */
function processPacket(shift: number): void {
  ctx.now = packet.tsSec + shift + packet.tsNsec / 1e9;
  stage.update(packet, ctx);
  const f = ctx.flowIndex;
  if (f < 0) return;
  flows++;
  const bits = stage.flowbits;
  const bit = packet.srcPort % 40;
  if (bits.isSet(f, bit)) bits.unset(f, bit);
  else bits.set(f, bit);
  bits.setInt(f, bit & 3, bits.intValue(f, bit & 3) + 1);
  for (let s = 0; s < sigs.length; s++) if (gate.allow(sigs[s], packet, ctx)) alerts++;
  const st = ctx.stream;
  if (st !== null) {
    for (let k = 0; k < ctx.streamBlockCount; k++) streamBytes += st.blockEnd[k] - st.blockStart[k];
  }
  stage.finish(ctx);
}

function pass(shift: number): void {
  const source = capture.reopen();
  for (let n = source.next(batch); n > 0; n = source.next(batch)) {
    for (let i = 0; i < n; i++) {
      decodeFrame(packet, batch, i);
      processPacket(shift);
    }
  }
  stage.endAll(); // the end of the capture: flows end, pending stream data goes out on pseudo packets
}

// every pass is later in time, so flows time out and thresholds roll over
const warmup = Number(warmupArg);
for (let i = 0; i < warmup; i++) pass((i + 1) * 700);
gc();
for (let i = 0; i < Number(passesArg); i++) pass((warmup + i + 1) * 700);
gc();
// stderr: stdout carries the GC trace
const r = stage.reassembly!;
console.error(JSON.stringify({
  flows,
  alerts,
  active: stage.table.active,
  pseudo,
  streamBytes,
  segments: r.counters.segments,
  memcapDrops: r.counters.memcapDrops,
}));
capture.close();
