import assert from "node:assert/strict";
import {
  CaptureFormatError,
  FrameBatch,
  type FrameSource,
  PcapngReader,
} from "../../src/capture/mod.ts";
import {
  block,
  ByteWriter,
  concat,
  epb,
  frameBytes,
  idb,
  opb,
  readAll,
  readCapture,
  type ReadFrame,
  shb,
  spb,
} from "./capture_builder.ts";

/** A block of a test file and, when it carries a frame, what must be read from it. */
interface Part {
  bytes: Uint8Array;
  frame?: Omit<ReadFrame, "offset"> & { dataAt: number };
}

const text = (s: string) => new TextEncoder().encode(s);

function frame(
  dataAt: number,
  data: Uint8Array,
  f: { wireLen?: number; sec: number; nsec: number; linkType: number },
): Omit<ReadFrame, "offset"> & { dataAt: number } {
  return {
    dataAt,
    data,
    capLen: data.length,
    wireLen: f.wireLen ?? data.length,
    sec: f.sec,
    nsec: f.nsec,
    linkType: f.linkType,
  };
}

/**
 * Two sections of opposite byte order, each with its own interfaces, and
 * every packet block kind between blocks that must be skipped.
 */
function twoSections(firstLe: boolean): Part[] {
  const a = firstLe;
  const b = !firstLe;
  const d = [60, 61, 3, 42, 100, 50, 17].map((n, i) => frameBytes(n, 100 + i));
  return [
    { bytes: shb(a, { opts: [{ code: 1, value: text("section one") }] }) },
    { bytes: idb(a, 1, 65535) }, // if 0: default 10^-6
    { bytes: idb(a, 101, 0, { tsresol: 9, tsoffset: 1000n }) }, // if 1: ns, +1000 s
    {
      bytes: epb(a, 0, 1_700_000_000_123_456n, d[0]),
      frame: frame(28, d[0], { sec: 1_700_000_000, nsec: 123_456_000, linkType: 1 }),
    },
    { bytes: block(a, 0x00000bad, frameBytes(13, 1)) }, // custom block
    {
      bytes: epb(a, 1, 1_700_000_000_123_456_789n, d[1], {
        origLen: 1500,
        opts: [{ code: 2, value: new Uint8Array(4) }], // epb_flags
      }),
      frame: frame(28, d[1], {
        wireLen: 1500,
        sec: 1_700_001_000,
        nsec: 123_456_789,
        linkType: 101,
      }),
    },
    { bytes: block(a, 4, new ByteWriter(a).u16(1).u16(4).u32(0x0a000001).u32(0).finish()) }, // NRB
    { bytes: block(a, 5, new ByteWriter(a).u32(0).u32(1).u32(2).u32(0).finish()) }, // ISB
    {
      bytes: opb(a, 1, 5_000_000_001n, d[2]),
      frame: frame(28, d[2], { sec: 1005, nsec: 1, linkType: 101 }),
    },
    { bytes: shb(b) },
    { bytes: idb(b, 113, 64, { tsresol: 0x80 | 20, tsoffset: -5n }) }, // if 0: 2^-20, -5 s
    {
      bytes: epb(b, 0, (1_700_000_000n << 20n) | (1n << 19n), d[3]),
      frame: frame(28, d[3], { sec: 1_699_999_995, nsec: 500_000_000, linkType: 113 }),
    },
    {
      bytes: spb(b, 100, d[4]), // captured = snaplen 64
      frame: frame(12, d[4].subarray(0, 64), { wireLen: 100, sec: 0, nsec: 0, linkType: 113 }),
    },
    {
      bytes: spb(b, 50, d[5]), // body padded to 52, captured = orig_len 50
      frame: frame(12, d[5], { sec: 0, nsec: 0, linkType: 113 }),
    },
    { bytes: block(b, 0x0a, frameBytes(20, 2)) }, // decryption secrets block
    {
      bytes: epb(b, 0, 3n << 19n, d[6]),
      frame: frame(28, d[6], { sec: -4, nsec: 500_000_000, linkType: 113 }),
    },
    { bytes: block(b, 0x40000bad, frameBytes(7, 3)) }, // custom, do not copy
  ];
}

/** The file, each part's start offset, and the frames expected, with offsets. */
function build(parts: Part[]): { bytes: Uint8Array; starts: number[]; expected: ReadFrame[] } {
  const starts: number[] = [];
  const expected: ReadFrame[] = [];
  let p = 0;
  for (const part of parts) {
    starts.push(p);
    if (part.frame) {
      const { dataAt, ...f } = part.frame;
      expected.push({ ...f, offset: p + dataAt });
    }
    p += part.bytes.length;
  }
  return { bytes: concat(...parts.map((part) => part.bytes)), starts, expected };
}

for (const firstLe of [true, false]) {
  Deno.test(`pcapng: two sections (${firstLe ? "LE then BE" : "BE then LE"}), every packet block kind`, async () => {
    const { bytes, expected } = build(twoSections(firstLe));
    for (const capacity of [1, 3, 64]) {
      const { frames, calls, capture } = await readCapture(bytes, capacity);
      assert.equal(capture.format, "pcapng");
      assert.equal(capture.source.damage, null);
      assert.equal(capture.source.position, bytes.length);
      assert.deepEqual(frames, expected);
      assert.equal(calls, Math.ceil(expected.length / capacity));
      const reader = capture.source as PcapngReader;
      assert.equal(reader.sectionCount, 2);
      assert.equal(reader.interfaceCount, 1);
    }
  });
}

Deno.test("pcapng: nanosecond timestamps around 1.7e18 are exact", () => {
  const ts = [1_700_000_000_000_000_001n, 1_700_000_000_999_999_999n, 1_799_999_999_123_456_789n];
  const bytes = concat(
    shb(true),
    idb(true, 1, 0, { tsresol: 9 }),
    ...ts.map((t, i) => epb(true, 0, t, frameBytes(10, i))),
  );
  const { frames } = readAll(new PcapngReader(bytes));
  assert.deepEqual(
    frames.map((f) => [f.sec, f.nsec]),
    [[1_700_000_000, 1], [1_700_000_000, 999_999_999], [1_799_999_999, 123_456_789]],
  );
});

Deno.test("pcapng: interfaces with 10^-6, 10^-9, 10^-3, 2^-20 and 2^-32 resolutions", () => {
  const resolutions: [number | undefined, bigint, number, number][] = [
    [undefined, 1_600_000_000_250_000n, 1_600_000_000, 250_000_000],
    [9, 1_600_000_000_000_000_007n, 1_600_000_000, 7],
    [3, 1_600_000_000_999n, 1_600_000_000, 999_000_000],
    [0x80 | 20, (1_600_000_000n << 20n) + 1n, 1_600_000_000, 953],
    [0x80 | 32, (1_600_000_000n << 32n) | 0x80000000n, 1_600_000_000, 500_000_000],
  ];
  const bytes = concat(
    shb(false),
    ...resolutions.map(([tsresol], i) => idb(false, 1 + i, 0, { tsresol })),
    ...resolutions.map(([, ts], i) => epb(false, i, ts, frameBytes(1, i))),
  );
  const { frames } = readAll(new PcapngReader(bytes));
  assert.deepEqual(
    frames.map((f) => [f.linkType, f.sec, f.nsec]),
    resolutions.map(([, , sec, nsec], i) => [1 + i, sec, nsec]),
  );
});

Deno.test("pcapng: more than 16 interfaces in a section", () => {
  const bytes = concat(
    shb(true),
    ...Array.from({ length: 40 }, (_, i) => idb(true, 200 + i, 0, { tsoffset: BigInt(i) })),
    epb(true, 39, 0n, frameBytes(5, 1)),
    epb(true, 16, 0n, frameBytes(5, 2)),
    epb(true, 0, 0n, frameBytes(5, 3)),
  );
  const reader = new PcapngReader(bytes);
  const { frames } = readAll(reader);
  assert.deepEqual(frames.map((f) => [f.linkType, f.sec]), [[239, 39], [216, 16], [200, 0]]);
  assert.equal(reader.interfaceCount, 40);
});

Deno.test("pcapng: a section's interfaces end with it", () => {
  const second = concat(shb(false), idb(false, 1, 0));
  const head = concat(
    shb(true),
    idb(true, 1, 0),
    idb(true, 1, 0),
    epb(true, 1, 0n, frameBytes(4, 0)),
  );
  const bytes = concat(head, second, epb(false, 1, 0n, frameBytes(4, 0)));
  const reader = new PcapngReader(bytes);
  assert.equal(readAll(reader).frames.length, 1);
  assert.deepEqual(reader.damage, {
    offset: head.length + second.length,
    reason: "packet block refers to interface 1, but the section defines 1",
  });
});

/** A file whose block at `at` is replaced by `bad`; the frames before it must be read. */
function damaged(bad: Uint8Array, le = true) {
  const head = concat(shb(le), idb(le, 1, 128), epb(le, 0, 1n, frameBytes(20, 1)));
  return { bytes: concat(head, bad, epb(le, 0, 2n, frameBytes(20, 2))), at: head.length };
}

Deno.test("pcapng: malformed blocks are damage at their offset", async () => {
  const lengthField = (le: boolean, type: number, total: number, trailer = total) => {
    const w = new ByteWriter(le).u32(type).u32(total);
    while (w.length < total - 4) w.u8(0);
    return w.u32(trailer).finish();
  };
  const cases: [string, Uint8Array, string][] = [
    ["short length", new ByteWriter(true).u32(6).u32(8).finish(), "block length 8 is less than 12"],
    [
      "odd length",
      lengthField(true, 6, 33).subarray(0, 32),
      "block length 33 is not a multiple of 4",
    ],
    [
      "trailer",
      lengthField(true, 0xbad, 16, 20),
      "block trailing length 20 differs from its length 16",
    ],
    [
      "past end",
      new ByteWriter(true).u32(6).u32(4096).finish(),
      "truncated block: 60 of 4096 bytes",
    ],
    ["short EPB", lengthField(true, 6, 28), "packet block too short (28 bytes)"],
    ["short SPB", lengthField(true, 3, 12), "simple packet block too short (12 bytes)"],
    ["short IDB", lengthField(true, 1, 16), "interface description block too short (16 bytes)"],
    [
      "unknown interface",
      epb(true, 7, 0n, frameBytes(4, 0)),
      "packet block refers to interface 7, but the section defines 1",
    ],
    [
      "OPB unknown interface",
      opb(true, 2, 0n, frameBytes(4, 0)),
      "packet block refers to interface 2, but the section defines 1",
    ],
    [
      "cap_len beyond block",
      epb(true, 0, 0n, frameBytes(8, 0), { capLen: 9 }),
      "captured length 9 exceeds the block (8 bytes of data)",
    ],
    [
      "option overrun",
      block(true, 1, new ByteWriter(true).u16(1).u16(0).u32(0).u16(9).u16(200).u32(6).finish()),
      "interface option 9 runs past the end of its block",
    ],
    [
      "if_tsresol length",
      block(true, 1, new ByteWriter(true).u16(1).u16(0).u32(0).u16(9).u16(2).u32(6).finish()),
      "interface option if_tsresol has length 2, not 1",
    ],
    [
      "if_tsoffset length",
      block(true, 1, new ByteWriter(true).u16(1).u16(0).u32(0).u16(14).u16(4).u32(6).finish()),
      "interface option if_tsoffset has length 4, not 8",
    ],
    [
      "section without byte-order magic",
      new ByteWriter(true).u32(0x0a0d0d0a).u32(28).u32(0x12345678).u32(1).u64(0n).u32(28).finish(),
      "section header has no byte-order magic (78 56 34 12)",
    ],
    ["section version", shb(false, { major: 2 }), "unsupported pcapng version 2.0"],
    [
      "short section",
      lengthField(true, 0x0a0d0d0a, 24).fill(0x4d, 8, 9).fill(0x3c, 9, 10).fill(0x2b, 10, 11).fill(
        0x1a,
        11,
        12,
      ),
      "section header block too short (24 bytes)",
    ],
  ];
  for (const [what, bad, reason] of cases) {
    const { bytes, at } = damaged(bad);
    const reader = new PcapngReader(bytes);
    const { frames } = readAll(reader, 1);
    assert.equal(frames.length, 1, what);
    assert.deepEqual(frames[0].data, frameBytes(20, 1), what);
    assert.deepEqual(reader.damage, { offset: at, reason }, what);
    assert.equal(reader.position, at, what);
    assert.equal(reader.next(new FrameBatch(4)), 0, what);
  }
  // and through a mapped file
  const { bytes, at } = damaged(epb(true, 3, 0n, frameBytes(4, 0)));
  const { frames, capture } = await readCapture(bytes, 8, ".pcapng");
  assert.equal(frames.length, 1);
  assert.equal(capture.source.damage?.offset, at);
});

Deno.test("pcapng: a simple packet block needs interface 0", () => {
  const head = shb(true);
  const reader = new PcapngReader(concat(head, spb(true, 4, frameBytes(4, 0))));
  assert.equal(readAll(reader).frames.length, 0);
  assert.deepEqual(reader.damage, {
    offset: head.length,
    reason: "packet block refers to interface 0, but the section defines 0",
  });
});

Deno.test("pcapng: a simple packet block with snaplen 0 captures up to orig_len", () => {
  const bytes = concat(shb(true), idb(true, 1, 0), spb(true, 9000, frameBytes(32, 1)));
  const { frames } = readAll(new PcapngReader(bytes));
  assert.deepEqual(frames.map((f) => [f.capLen, f.wireLen]), [[32, 9000]]);
});

Deno.test("pcapng: truncated at every length keeps every frame before the cut", async () => {
  for (const firstLe of [true, false]) {
    const parts = twoSections(firstLe);
    const { bytes: whole, starts, expected } = build(parts);
    const ends = parts.map((part, i) => starts[i] + part.bytes.length);
    for (let cut = 28; cut <= whole.length; cut++) {
      const bytes = whole.slice(0, cut);
      const viaFile = cut % 32 === 0;
      let reader: FrameSource;
      let frames: ReadFrame[];
      if (viaFile) {
        const read = await readCapture(bytes, 2);
        reader = read.capture.source;
        frames = read.frames;
      } else {
        reader = new PcapngReader(bytes);
        frames = readAll(reader, 2).frames;
      }
      const complete = ends.filter((end) => end <= cut).length;
      const framesBefore = parts.slice(0, complete).filter((part) => part.frame).length;
      assert.deepEqual(frames, expected.slice(0, framesBefore), `cut ${cut}`);
      const start = complete === 0 ? 0 : ends[complete - 1];
      if (start === cut) {
        assert.equal(reader.damage, null, `cut ${cut}`);
        continue;
      }
      const have = cut - start;
      const next = parts[complete].bytes;
      const isShb = new DataView(next.buffer, next.byteOffset).getUint32(0) === 0x0a0d0d0a;
      // what the reader can know: 12 bytes before the length is readable, 28
      // for a section header before its byte-order magic, else the length
      let need = next.length;
      if (isShb && have >= 4 && have < 12) need = 28;
      else if (have < 8) need = 12;
      assert.deepEqual(
        reader.damage,
        { offset: start, reason: `truncated block: ${have} of ${need} bytes` },
        `cut ${cut}`,
      );
    }
  }
});

Deno.test("pcapng: bad section headers at the start throw CaptureFormatError", () => {
  const badMagic = shb(true);
  badMagic.set([1, 2, 3, 4], 8);
  const cases: [Uint8Array, string][] = [
    [shb(true, { major: 1, minor: 1 }), "t.pcapng: unsupported pcapng version 1.1"],
    [shb(false, { major: 2, minor: 0 }), "t.pcapng: unsupported pcapng version 2.0"],
    [badMagic, "t.pcapng: pcapng section header has no byte-order magic (01 02 03 04)"],
    [shb(true).subarray(0, 27), "t.pcapng: file header truncated (27 of 28 bytes)"],
    [new Uint8Array([0x0a, 0x0d]), "t.pcapng: file header truncated (2 of 28 bytes)"],
    [new Uint8Array(0), "t.pcapng: empty file"],
    [
      text("hello world, this is not pcapng"),
      "t.pcapng: not a pcapng file (starts with 68 65 6c 6c)",
    ],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => new PcapngReader(bytes, "t.pcapng"), (error: unknown) => {
      assert.ok(error instanceof CaptureFormatError);
      assert.equal(error.message, message);
      return true;
    });
  }
  // version 1.2 is read, as libpcap does
  assert.equal(new PcapngReader(shb(true, { minor: 2 })).damage, null);
});
