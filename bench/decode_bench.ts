/**
 * Microbenchmarks of the decode path over the small corpus: reading frame
 * descriptors alone, and reading + decoding + counting.
 *
 *     deno task bench
 */

import { openCaptureFile } from "../src/capture/capture_file.ts";
import { FrameBatch } from "../src/capture/frame_batch.ts";
import { decodeFrame } from "../src/decode/decoder.ts";
import { DecodeStats } from "../src/decode/decode_stats.ts";
import { Packet } from "../src/decode/packet.ts";

const PCAP = new URL("../test/data/demo.pcap", import.meta.url).pathname;
const capture = openCaptureFile(PCAP);
const batch = new FrameBatch();
const packet = new Packet();
const stats = new DecodeStats();

Deno.bench("read descriptors only (demo.pcap, 3226 frames)", { group: "decode" }, () => {
  const source = capture.reopen();
  while (source.next(batch) > 0) { /* descriptors only */ }
});

Deno.bench("read + decode + count (demo.pcap, 3226 frames)", {
  group: "decode",
  baseline: true,
}, () => {
  const source = capture.reopen();
  for (let n = source.next(batch); n > 0; n = source.next(batch)) {
    for (let i = 0; i < n; i++) {
      decodeFrame(packet, batch, i);
      stats.count(packet);
    }
  }
});
