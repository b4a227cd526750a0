/**
 * Run by `capture_file_test.ts` under `--trace-gc` (GC lines on stdout, the
 * result on stderr so that the two never interleave): reads an in-memory pcap
 * and pcapng `rounds` times with reused readers' batches. If `next()`
 * allocated, the number of GC lines would grow with `rounds`.
 *
 * Usage: deno run --v8-flags=--trace-gc allocation_probe.ts <rounds>
 *
 * @module
 */

import { FrameBatch, PcapngReader, PcapReader } from "../../src/capture/mod.ts";
import { concat, epb, frameBytes, idb, pcapFile, shb } from "./capture_builder.ts";

const rounds = Number(Deno.args[0] ?? "1");
const FRAMES = 20_000;
const pcap = pcapFile(
  { nano: true },
  Array.from({ length: FRAMES }, (_, i) => ({ sec: i, frac: i * 7, data: frameBytes(60, i) })),
);
const pcapng = concat(
  shb(true),
  idb(true, 1, 0),
  idb(true, 1, 0, { tsresol: 9 }),
  idb(true, 1, 0, { tsresol: 0x80 | 20 }),
  ...Array.from(
    { length: FRAMES },
    (_, i) => epb(true, i % 3, 1_700_000_000_000_000_000n + BigInt(i), frameBytes(60, i)),
  ),
);
const batch = new FrameBatch(8);
const readers: (PcapReader | PcapngReader)[] = Array.from(
  { length: 2 * rounds },
  (_, i) => i % 2 === 0 ? new PcapReader(pcap) : new PcapngReader(pcapng),
);
/** Where the probe's checksum goes, so that the reads are not optimized away. */
const sink = new Int32Array(1);

/**
 * Read one reader to its end and count its frames. A function called once per
 * reader, so V8 optimizes it whole: the probe's own arithmetic boxes nothing.
 */
function readToEnd(reader: PcapReader | PcapngReader): number {
  let frames = 0;
  let checksum = 0;
  for (let n = reader.next(batch); n > 0; n = reader.next(batch)) {
    for (let i = 0; i < n; i++) {
      checksum = (checksum + batch.data[batch.offset[i]] + batch.capLen[i] + batch.tsNsec[i] +
        batch.linkType[i]) | 0;
    }
    frames += n;
  }
  sink[0] = (sink[0] + checksum) | 0;
  return frames;
}

let frames = 0;
for (const reader of readers) frames += readToEnd(reader);
console.error(`frames=${frames} checksum=${sink[0]}`);
