/**
 * The steady-state decode loop that the GC test runs in a subprocess with
 * `--trace-gc --expose-gc`: read a capture file, decode and count every frame,
 * `passes` times. A forced GC before and after the measured passes brackets
 * them in V8's trace, so the test can count the scavenges in between.
 *
 * Usage: deno run --v8-flags=--trace-gc,--expose-gc --allow-read --allow-ffi
 *        test/gc/decode_loop.ts FILE WARMUP_PASSES PASSES
 */

import { openCaptureFile } from "../../src/capture/capture_file.ts";
import { FrameBatch } from "../../src/capture/frame_batch.ts";
import { decodeFrame } from "../../src/decode/decoder.ts";
import { DecodeStats } from "../../src/decode/decode_stats.ts";
import { Packet } from "../../src/decode/packet.ts";

const [path, warmupArg, passesArg] = Deno.args;
const capture = openCaptureFile(path);
const batch = new FrameBatch();
const packet = new Packet();
const stats = new DecodeStats();
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("Run with --v8-flags=--expose-gc");

function pass(): void {
  const source = capture.reopen();
  for (let n = source.next(batch); n > 0; n = source.next(batch)) {
    for (let i = 0; i < n; i++) {
      decodeFrame(packet, batch, i);
      stats.count(packet);
    }
  }
}

for (let i = 0; i < Number(warmupArg); i++) pass();
gc();
for (let i = 0; i < Number(passesArg); i++) pass();
gc();
console.error(JSON.stringify({ packets: stats.packets })); // stderr: stdout carries the GC trace
capture.close();
