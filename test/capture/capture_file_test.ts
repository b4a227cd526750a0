import assert from "node:assert/strict";
import { LibcError } from "../../ffi/libc.ts";
import {
  CaptureFormatError,
  FrameBatch,
  openCaptureBytes,
  openCaptureFile,
  PcapngReader,
  PcapReader,
} from "../../src/capture/mod.ts";
import {
  ByteWriter,
  concat,
  epb,
  frameBytes,
  idb,
  pcapFile,
  pcapHeader,
  readAll,
  readCapture,
  shb,
  withTempFile,
} from "./capture_builder.ts";

const CORPUS = "/work/shared/corpus/pcap/traffic-small.pcap";
const DATA = new URL("./data/", import.meta.url);
const text = (s: string) => new TextEncoder().encode(s);

/** Assert that opening `bytes` as a file named `name` throws this one-line message. */
async function assertFormatError(bytes: Uint8Array, suffix: string, detail: string) {
  await withTempFile(bytes, (path) => {
    assert.throws(() => openCaptureFile(path), (error: unknown) => {
      assert.ok(error instanceof CaptureFormatError, String(error));
      assert.equal(error.message, `${path}: ${detail}`);
      assert.equal(error.subject, path);
      assert.equal(error.detail, detail);
      assert.ok(!error.message.includes("\n"));
      return true;
    });
  }, suffix);
}

Deno.test("capture file: pcap and pcapng are told apart by content, not name", async () => {
  const pcap = pcapFile({}, [{ sec: 1, frac: 2, data: frameBytes(10, 1) }]);
  const pcapng = concat(shb(true), idb(true, 1, 0), epb(true, 0, 3n, frameBytes(10, 1)));
  const asPcapng = await readCapture(pcap, 4, ".pcapng");
  assert.equal(asPcapng.capture.format, "pcap");
  assert.ok(asPcapng.capture.source instanceof PcapReader);
  const asPcap = await readCapture(pcapng, 4, ".pcap");
  assert.equal(asPcap.capture.format, "pcapng");
  assert.ok(asPcap.capture.source instanceof PcapngReader);
  assert.deepEqual(asPcapng.frames[0].data, asPcap.frames[0].data);
  assert.ok(asPcap.capture.file.closed);
  assert.ok(openCaptureBytes(pcap, "mem") instanceof PcapReader);
});

Deno.test("capture file: files that are not captures throw a one-line CaptureFormatError", async () => {
  await assertFormatError(
    text("# These are my notes\n"),
    "notes.txt",
    "not a pcap or pcapng file (starts with 23 20 54 68)",
  );
  await assertFormatError(new Uint8Array(0), ".pcap", "empty file");
  await assertFormatError(
    new Uint8Array([0]),
    ".pcap",
    "not a pcap or pcapng file (starts with 00)",
  );
  await assertFormatError(
    pcapHeader().subarray(0, 10),
    ".pcap",
    "file header truncated (10 of 24 bytes)",
  );
  await assertFormatError(
    pcapHeader({ le: false }).subarray(0, 2),
    ".pcap",
    "file header truncated (2 of 24 bytes)",
  );
  await assertFormatError(
    shb(true).subarray(0, 20),
    ".pcapng",
    "file header truncated (20 of 28 bytes)",
  );
  await assertFormatError(
    pcapHeader({ major: 3, minor: 1 }),
    ".pcapng",
    "unsupported pcap version 3.1",
  );
  await assertFormatError(shb(false, { major: 2 }), ".pcapng", "unsupported pcapng version 2.0");
  await assertFormatError(
    new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]),
    ".pcap.gz",
    "not a pcap or pcapng file (starts with 1f 8b 08 00); it looks gzip-compressed",
  );
  await assertFormatError(
    frameBytes(4096, 7).fill(0x7f, 0, 1),
    ".bin",
    `not a pcap or pcapng file (starts with 7f ${
      Array.from(frameBytes(4096, 7).subarray(1, 4), (b) => b.toString(16).padStart(2, "0")).join(
        " ",
      )
    })`,
  );
});

Deno.test("capture file: a missing file or a directory is a LibcError", async () => {
  assert.throws(() => openCaptureFile("/nonexistent/tarsier/x.pcap"), (error: unknown) => {
    assert.ok(error instanceof LibcError);
    assert.equal(error.code, "ENOENT");
    assert.match(error.message, /^\/nonexistent\/tarsier\/x\.pcap: open failed: /);
    return true;
  });
  const dir = await Deno.makeTempDir();
  try {
    assert.throws(() => openCaptureFile(dir), (error: unknown) => {
      assert.ok(error instanceof LibcError);
      assert.equal(error.code, "EISDIR");
      return true;
    });
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("capture file: an unreadable file is a LibcError (EACCES) unless running as root", async () => {
  await withTempFile(pcapHeader(), (path) => {
    Deno.chmodSync(path, 0o000);
    let capture;
    try {
      capture = openCaptureFile(path); // root reads it anyway
    } catch (error) {
      assert.ok(error instanceof LibcError);
      assert.equal(error.code, "EACCES");
    }
    capture?.close();
  });
});

Deno.test("capture file: close() unmaps and is idempotent", async () => {
  await withTempFile(pcapHeader(), (path) => {
    const capture = openCaptureFile(path);
    assert.equal(capture.file.size, 24);
    assert.equal(capture.file.closed, false);
    capture.close();
    assert.equal(capture.file.closed, true);
    capture.close();
  });
});

Deno.test("capture file: the recorded corpus pcap reads 3226 Ethernet frames", () => {
  const capture = openCaptureFile(CORPUS);
  try {
    assert.equal(capture.format, "pcap");
    const batch = new FrameBatch(256);
    let frames = 0;
    let capBytes = 0;
    let firstSec = -1;
    let firstNsec = -1;
    let lastSec = 0;
    let lastNsec = 0;
    for (let n = capture.source.next(batch); n > 0; n = capture.source.next(batch)) {
      for (let i = 0; i < n; i++) {
        assert.equal(batch.linkType[i], 1);
        capBytes += batch.capLen[i];
        if (firstSec < 0) [firstSec, firstNsec] = [batch.tsSec[i], batch.tsNsec[i]];
        [lastSec, lastNsec] = [batch.tsSec[i], batch.tsNsec[i]];
      }
      frames += n;
    }
    // `capinfos -cdM`: 3226 packets, data size 2146777 bytes; tshark: first and last frame.time_epoch
    assert.equal(frames, 3226);
    assert.equal(capBytes, 2146777);
    assert.deepEqual([firstSec, firstNsec], [1795707841, 684500000]);
    assert.deepEqual([lastSec, lastNsec], [1795707842, 505753000]);
    assert.equal(capture.source.damage, null);
    assert.equal(capture.source.position, capture.source.size);
    assert.equal(capture.source.size, 24 + 16 * 3226 + 2146777);
  } finally {
    capture.close();
  }
});

Deno.test("capture file: editcap's pcapng and nanosecond pcap agree with the original", () => {
  const original = openCaptureFile(CORPUS);
  const pcapng = openCaptureFile(new URL("first20.pcapng", DATA).pathname);
  const nsPcap = openCaptureFile(new URL("first20-ns.pcap", DATA).pathname);
  try {
    const want = readAll(original.source, 256).frames.slice(0, 20);
    for (const capture of [pcapng, nsPcap]) {
      const { frames } = readAll(capture.source, 7);
      assert.equal(capture.source.damage, null);
      assert.equal(frames.length, 20);
      frames.forEach((f, i) => {
        const { offset: _a, ...got } = f;
        const { offset: _b, ...expected } = want[i];
        assert.deepEqual(got, expected, `${capture.format} frame ${i}`);
      });
    }
    assert.equal(pcapng.format, "pcapng");
    assert.equal((nsPcap.source as PcapReader).nanosecond, true);
  } finally {
    original.close();
    pcapng.close();
    nsPcap.close();
  }
});

/** Make a sparse file of `size` bytes holding `writes` at their offsets; run `fn`; delete it. */
async function withSparseFile(
  size: number,
  writes: [number, Uint8Array][],
  fn: (path: string) => void,
): Promise<void> {
  const path = await Deno.makeTempFile({ prefix: "tarsier-sparse-", suffix: ".cap" });
  try {
    const file = Deno.openSync(path, { write: true });
    try {
      file.truncateSync(size);
      for (const [offset, bytes] of writes) {
        file.seekSync(offset, Deno.SeekMode.Start);
        let done = 0;
        while (done < bytes.length) done += file.writeSync(bytes.subarray(done));
      }
    } finally {
      file.close();
    }
    const info = Deno.statSync(path);
    assert.equal(info.size, size);
    if (info.blocks !== null) {
      assert.ok(info.blocks * 512 < 256 * 1024 * 1024, "file is not sparse");
    }
    fn(path);
  } finally {
    await Deno.remove(path);
  }
}

const FOUR_GIB = 2 ** 32;

Deno.test("capture file: a pcap over 4 GiB reads frames past 2^32 at the right offsets", async () => {
  const recordLen = 16 + 262144;
  const count = 16385; // the last record's data starts past 4 GiB
  const size = 24 + count * recordLen;
  const writes: [number, Uint8Array][] = [[0, pcapHeader({ snaplen: 262144 })]];
  for (let k = 0; k < count; k++) {
    const header = new ByteWriter(true).u32(k).u32(k % 1_000_000).u32(262144).u32(262144 + k);
    writes.push([24 + k * recordLen, header.finish()]);
  }
  const straddling = Math.floor((FOUR_GIB - 24) / recordLen); // its data spans 2^32
  writes.push([FOUR_GIB - 2, new Uint8Array([0xaa, 0xbb, 0xcc, 0xdd])]);
  const lastData = 24 + (count - 1) * recordLen + 16;
  writes.push([lastData, text("LAST")], [lastData + 262140, text("END!")]);
  await withSparseFile(size, writes, (path) => {
    const capture = openCaptureFile(path);
    try {
      assert.equal(capture.file.size, size);
      const batch = new FrameBatch(256);
      let k = 0;
      for (let n = capture.source.next(batch); n > 0; n = capture.source.next(batch)) {
        for (let i = 0; i < n; i++, k++) {
          // offsets index the window the file is read through; frame k's data is at fileData
          const offset = batch.offset[i];
          const fileData = 24 + k * recordLen + 16;
          if (batch.wireLen[i] !== 262144 + k || batch.tsSec[i] !== k) assert.fail(`frame ${k}`);
          if (k === straddling) {
            const at = FOUR_GIB - 2 - fileData;
            assert.deepEqual([...batch.data.subarray(offset + at, offset + at + 4)], [
              0xaa,
              0xbb,
              0xcc,
              0xdd,
            ]);
          }
          if (k === count - 1) {
            assert.ok(fileData > FOUR_GIB);
            assert.equal(fileData, lastData);
            const data = batch.data;
            assert.equal(
              String.fromCharCode(
                data[offset],
                data[offset + 1],
                data[offset + 2],
                data[offset + 3],
              ),
              "LAST",
            );
            assert.equal(
              String.fromCharCode(...data.subarray(offset + 262140, offset + 262144)),
              "END!",
            );
            assert.equal(batch.capLen[i], 262144);
          }
        }
      }
      assert.equal(k, count);
      assert.equal(capture.source.damage, null);
      assert.equal(capture.source.position, size);
    } finally {
      capture.close();
    }
  });
});

Deno.test("capture file: a pcapng with huge skipped blocks reads an EPB past 4 GiB, then damage", async () => {
  const head = concat(shb(true), idb(true, 1, 0, { tsresol: 9 }));
  const huge = 0xffff_fff0; // the largest block lengths fit in a u32
  const first = head.length;
  const second = first + huge;
  const packet = epb(true, 0, 1_700_000_000_123_456_789n, text("frame beyond four gibibytes!"));
  const epbAt = second + 0x1000_0000;
  const brokenAt = epbAt + packet.length;
  const size = brokenAt + 20;
  const writes: [number, Uint8Array][] = [
    [0, head],
    [first, new ByteWriter(true).u32(0x00000bad).u32(huge).finish()],
    [first + huge - 4, new ByteWriter(true).u32(huge).finish()],
    [second, new ByteWriter(true).u32(5).u32(0x1000_0000).finish()],
    [epbAt - 4, new ByteWriter(true).u32(0x1000_0000).finish()],
    [epbAt, packet],
    [brokenAt, new ByteWriter(true).u32(6).u32(64).finish()],
  ];
  await withSparseFile(size, writes, (path) => {
    const capture = openCaptureFile(path);
    try {
      const { frames } = readAll(capture.source, 4);
      assert.equal(frames.length, 1);
      assert.equal(new TextDecoder().decode(frames[0].data), "frame beyond four gibibytes!");
      assert.deepEqual([frames[0].sec, frames[0].nsec], [1_700_000_000, 123_456_789]);
      assert.deepEqual(capture.source.damage, {
        offset: brokenAt,
        reason: "truncated block: 20 of 64 bytes",
      });
      // file offsets past 2^32 are kept whole, though the window's offsets are small
      assert.equal(capture.source.position, brokenAt);
      assert.ok(capture.source.position > FOUR_GIB);
    } finally {
      capture.close();
    }
  });
});

const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";

Deno.test({
  name: "capture file: next() allocates nothing in steady state (GC count does not grow)",
  ignore: !canRun,
  async fn() {
    const probe = new URL("./allocation_probe.ts", import.meta.url).pathname;
    const gcCount = async (rounds: number) => {
      const output = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--v8-flags=--trace-gc,--max-semi-space-size=1", probe, String(rounds)],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const result = new TextDecoder().decode(output.stderr);
      assert.ok(output.success, result);
      assert.match(result, new RegExp(`^frames=${rounds * 40_000} `, "m"));
      const lines = new TextDecoder().decode(output.stdout).split("\n");
      return lines.filter((line) => / (Scavenge|Mark-Compact|Minor Mark-Sweep) /.test(line)).length;
    };
    const few = await gcCount(2);
    // 2.4 M frames in 300 k next() calls over 1 MB semi-spaces: one 16-byte
    // object per call would add about 10 scavenges.
    const many = await gcCount(60);
    assert.ok(many - few <= 3, `GCs grew from ${few} to ${many}: next() allocates`);
  },
});
