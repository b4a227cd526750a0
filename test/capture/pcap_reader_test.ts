import assert from "node:assert/strict";
import {
  CaptureFormatError,
  FrameBatch,
  type FrameSource,
  PCAP_MAXIMUM_SNAPLEN,
  PcapReader,
} from "../../src/capture/mod.ts";
import {
  concat,
  frameBytes,
  pcapFile,
  pcapHeader,
  type PcapRecord,
  pcapRecord,
  readAll,
  readCapture,
  type ReadFrame,
} from "./capture_builder.ts";

const RECORDS: PcapRecord[] = [
  { sec: 1_700_000_000, frac: 123_456, data: frameBytes(60, 1) },
  { sec: 1_700_000_001, frac: 0, data: frameBytes(1514, 2), origLen: 9000 },
  { sec: 4_294_967_295, frac: 999_999, data: frameBytes(0, 3), origLen: 0 },
  { sec: 0, frac: 1, data: frameBytes(77, 4) },
];

/** Offsets of each record's data in a file built from `records`. */
function dataOffsets(records: PcapRecord[]): number[] {
  const offsets: number[] = [];
  let p = 24;
  for (const r of records) {
    offsets.push(p + 16);
    p += 16 + r.data.length;
  }
  return offsets;
}

for (const le of [true, false]) {
  for (const nano of [false, true]) {
    const name = `${le ? "little" : "big"}-endian ${nano ? "nanosecond" : "microsecond"}`;
    Deno.test(`pcap: ${name} file reads every frame exactly`, async () => {
      const bytes = pcapFile({ le, nano, snaplen: 9000, linkTypeField: 1 }, RECORDS);
      const { frames, capture } = await readCapture(bytes, 3);
      assert.equal(capture.format, "pcap");
      const reader = capture.source as PcapReader;
      assert.ok(reader instanceof PcapReader);
      assert.equal(reader.littleEndian, le);
      assert.equal(reader.nanosecond, nano);
      assert.equal(reader.snaplen, 9000);
      assert.equal(reader.linkType, 1);
      assert.equal(reader.damage, null);
      assert.equal(reader.position, bytes.length);
      assert.equal(frames.length, RECORDS.length);
      const offsets = dataOffsets(RECORDS);
      frames.forEach((f, i) => {
        const r = RECORDS[i];
        assert.equal(f.offset, offsets[i]);
        assert.equal(f.capLen, r.data.length);
        assert.equal(f.wireLen, r.origLen ?? r.data.length);
        assert.equal(f.sec, r.sec);
        assert.equal(f.nsec, nano ? r.frac : r.frac * 1000);
        assert.equal(f.linkType, 1);
        assert.deepEqual(f.data, r.data);
      });
    });
  }
}

Deno.test("pcap: link type is the low 16 bits of the header field; version 2.2 is read", () => {
  const bytes = pcapFile({ linkTypeField: 0xa400_0071, minor: 2 }, RECORDS.slice(0, 1));
  const reader = new PcapReader(bytes);
  assert.equal(reader.linkType, 113);
  assert.equal(reader.versionMinor, 2);
  const { frames } = readAll(reader);
  assert.equal(frames[0].linkType, 113);
});

Deno.test("pcap: a fraction of a second or more carries into the seconds", () => {
  const us = new PcapReader(pcapFile({}, [{ sec: 10, frac: 2_500_000, data: frameBytes(4, 0) }]));
  assert.deepEqual(readAll(us).frames.map((f) => [f.sec, f.nsec]), [[12, 500_000_000]]);
  const ns = new PcapReader(
    pcapFile({ nano: true }, [{ sec: 10, frac: 4_294_967_295, data: frameBytes(4, 0) }]),
  );
  assert.deepEqual(readAll(ns).frames.map((f) => [f.sec, f.nsec]), [[14, 294_967_295]]);
});

Deno.test("pcap: batches are filled across several next() calls", () => {
  const records = Array.from({ length: 11 }, (_, i) => ({
    sec: i,
    frac: i,
    data: frameBytes(i * 3, i),
  }));
  const reader = new PcapReader(pcapFile({}, records));
  const batch = new FrameBatch(3);
  const counts: number[] = [];
  const seconds: number[] = [];
  for (let n = reader.next(batch); n > 0; n = reader.next(batch)) {
    counts.push(n);
    assert.equal(batch.count, n);
    for (let i = 0; i < n; i++) seconds.push(batch.tsSec[i]);
  }
  assert.deepEqual(counts, [3, 3, 3, 2]);
  assert.deepEqual(seconds, records.map((r) => r.sec));
  assert.equal(reader.next(batch), 0);
  assert.equal(batch.count, 0);
  assert.equal(reader.damage, null);
});

Deno.test("pcap: a header-only file has no frames and no damage", () => {
  const reader = new PcapReader(pcapHeader());
  assert.equal(readAll(reader).frames.length, 0);
  assert.equal(reader.damage, null);
  assert.equal(reader.position, 24);
});

Deno.test("pcap: an oversized record is damage; frames before it are kept", async () => {
  const good = RECORDS.slice(0, 2);
  const badOffset = 24 + good.reduce((sum, r) => sum + 16 + r.data.length, 0);
  const bytes = concat(
    pcapFile({ snaplen: 65535 }, good),
    pcapRecord(true, { sec: 1, frac: 1, data: frameBytes(8, 9), inclLen: 262145 }),
    pcapRecord(true, RECORDS[3]),
  );
  const { frames, capture } = await readCapture(bytes, 1);
  assert.equal(frames.length, 2);
  assert.deepEqual(capture.source.damage, {
    offset: badOffset,
    reason: "record length 262145 exceeds the maximum 262144",
  });
  assert.equal(capture.source.position, badOffset);
  const batch = new FrameBatch(4);
  assert.equal(capture.source.next(batch), 0);
  assert.equal(batch.count, 0);
});

Deno.test("pcap: a snaplen above 262144 raises the record limit", () => {
  const big = frameBytes(PCAP_MAXIMUM_SNAPLEN + 4, 5);
  const ok = new PcapReader(pcapFile({ snaplen: 300_000 }, [{ sec: 0, frac: 0, data: big }]));
  assert.equal(readAll(ok).frames[0].capLen, big.length);
  assert.equal(ok.damage, null);
  const tooBig = pcapFile({ snaplen: 300_000 }, [
    { sec: 0, frac: 0, data: frameBytes(4, 5), inclLen: 300_001 },
  ]);
  const bad = new PcapReader(tooBig);
  assert.equal(readAll(bad).frames.length, 0);
  assert.deepEqual(bad.damage, {
    offset: 24,
    reason: "record length 300001 exceeds the maximum 300000",
  });
});

Deno.test("pcap: damage in the middle of a batch returns the frames before it", () => {
  const bytes = pcapFile({}, RECORDS).subarray(0, 24 + 16 + 60 + 16 + 100);
  const reader = new PcapReader(bytes);
  const batch = new FrameBatch(16);
  assert.equal(reader.next(batch), 1);
  assert.deepEqual(reader.damage, { offset: 100, reason: "truncated record: 116 of 1530 bytes" });
  assert.equal(reader.next(batch), 0);
  assert.equal(reader.next(batch), 0);
});

Deno.test("pcap: truncated at every length keeps every frame before the cut", async () => {
  for (const le of [true, false]) {
    const whole = pcapFile({ le }, RECORDS);
    const ends: number[] = [];
    let p = 24;
    for (const r of RECORDS) {
      p += 16 + r.data.length;
      ends.push(p);
    }
    for (let cut = 24; cut <= whole.length; cut++) {
      const bytes = whole.slice(0, cut);
      // every 16th length goes through a mapped temporary file, the rest in memory
      const viaFile = cut % 16 === 0 || cut === whole.length;
      let reader: FrameSource;
      let frames: ReadFrame[];
      if (viaFile) {
        const read = await readCapture(bytes, 2);
        reader = read.capture.source;
        frames = read.frames;
      } else {
        reader = new PcapReader(bytes);
        frames = readAll(reader, 2).frames;
      }
      const complete = ends.filter((end) => end <= cut).length;
      assert.equal(frames.length, complete, `cut ${cut}`);
      frames.forEach((f, i) => assert.deepEqual(f.data, RECORDS[i].data));
      const start = complete === 0 ? 24 : ends[complete - 1];
      if (start === cut) {
        assert.equal(reader.damage, null, `cut ${cut}`);
        continue;
      }
      const have = cut - start;
      const need = have < 16 ? 16 : 16 + RECORDS[complete].data.length;
      assert.deepEqual(
        reader.damage,
        { offset: start, reason: `truncated record: ${have} of ${need} bytes` },
        `cut ${cut}`,
      );
      assert.equal(reader.position, start);
    }
  }
});

Deno.test("pcap: unsupported versions and bad headers throw CaptureFormatError", () => {
  const cases: [Uint8Array, string][] = [
    [pcapHeader({ major: 3, minor: 1 }), "t.pcap: unsupported pcap version 3.1"],
    [pcapHeader({ major: 2, minor: 5, le: false }), "t.pcap: unsupported pcap version 2.5"],
    [pcapHeader({ major: 1, minor: 0 }), "t.pcap: unsupported pcap version 1.0"],
    [pcapHeader().subarray(0, 23), "t.pcap: file header truncated (23 of 24 bytes)"],
    [pcapHeader().subarray(0, 3), "t.pcap: file header truncated (3 of 24 bytes)"],
    [new Uint8Array(0), "t.pcap: empty file"],
    [new Uint8Array(30), "t.pcap: not a pcap file (starts with 00 00 00 00)"],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => new PcapReader(bytes, "t.pcap"), (error: unknown) => {
      assert.ok(error instanceof CaptureFormatError);
      assert.equal(error.message, message);
      return true;
    });
  }
});
