import assert from "node:assert/strict";
import { join } from "node:path";
import { LibcError } from "../../ffi/libc.ts";
import { openCaptureBytes } from "../../src/capture/capture_file.ts";
import { FileWindow } from "../../src/capture/file_window.ts";
import { PcapReader } from "../../src/capture/pcap_reader.ts";
import { PcapngReader } from "../../src/capture/pcapng_reader.ts";
import {
  block,
  concat,
  epb,
  frameBytes,
  idb,
  opb,
  pcapFile,
  type PcapRecord,
  readAll,
  shb,
  spb,
  withTempFile,
} from "./capture_builder.ts";

const REPO_ROOT = new URL("../..", import.meta.url).pathname;

/** The frames of a capture read whole from memory and through a window of `capacity` bytes. */
function bothWays(bytes: Uint8Array, path: string, capacity: number, batch: number) {
  const whole = openCaptureBytes(bytes, path);
  const window = FileWindow.open(path, capacity);
  try {
    const windowed = openCaptureBytes(window, path);
    const a = readAll(whole, batch);
    const b = readAll(windowed, batch);
    return { whole, windowed, a, b, window };
  } finally {
    window.close();
  }
}

/**
 * A whole, undamaged capture read through a window as from memory: the same
 * frames (`count` of them), no damage, the same end position, the same reader.
 */
function assertReadsAlike(
  read: ReturnType<typeof bothWays>,
  count: number,
  reader: typeof PcapReader | typeof PcapngReader,
): void {
  const { a, b, whole, windowed } = read;
  assert.equal(b.frames.length, count);
  assert.deepEqual(strip(b.frames), strip(a.frames));
  assert.equal(windowed.damage, null);
  assert.equal(windowed.position, whole.position);
  assert.ok(windowed instanceof reader);
}

/** Frames compared without their offsets (a window's offsets index the window, not the file). */
function strip(frames: { offset: number }[]) {
  return frames.map(({ offset: _, ...rest }) => rest);
}

Deno.test("file window: slide and hold keep file offsets, grow for big requests, stop at the end", async () => {
  const bytes = frameBytes(1000, 7);
  await withTempFile(bytes, (path) => {
    const w = FileWindow.open(path, 64);
    try {
      assert.equal(w.size, 1000);
      assert.deepEqual([w.start, w.end, w.bytes.length], [0, 64, 64]);
      assert.deepEqual([...w.bytes.subarray(0, 64)], [...bytes.subarray(0, 64)]);
      w.slide(40); // keeps 40..64, reads up to 40 + 64
      assert.deepEqual([w.start, w.end], [40, 104]);
      assert.deepEqual([...w.bytes.subarray(0, 64)], [...bytes.subarray(40, 104)]);
      assert.equal(w.hold(50, 10), true); // already held: nothing moves
      assert.equal(w.start, 40);
      assert.equal(w.hold(100, 200), true); // larger than the window: it grows
      assert.equal(w.start, 100);
      assert.ok(w.bytes.length >= 200);
      assert.deepEqual([...w.bytes.subarray(0, 200)], [...bytes.subarray(100, 300)]);
      assert.equal(w.hold(900, 200), false); // past the end of the file
      assert.equal(w.hold(950, 50), true);
      assert.deepEqual([...w.bytes.subarray(0, 50)], [...bytes.subarray(950, 1000)]);
      assert.equal(w.end, 1000);
      assert.equal(w.failure, null);
      w.slide(0); // rewinds: what was held is dropped, the first bytes read again
      assert.deepEqual([w.start, w.end], [0, w.bytes.length]);
      assert.deepEqual([...w.bytes], [...bytes.subarray(0, w.bytes.length)]);
    } finally {
      w.close();
    }
    assert.equal(w.closed, true);
  });
});

Deno.test("file window: a file that shrinks while it is read, or is closed, is a failure, not a throw", async () => {
  await withTempFile(frameBytes(500, 3), (path) => {
    const w = FileWindow.open(path, 100);
    try {
      Deno.truncateSync(path, 150);
      assert.equal(w.hold(100, 100), false);
      assert.match(
        w.failure ?? "",
        /^the file ended at byte 150 of 500: it shrank while it was read$/,
      );
    } finally {
      w.close();
    }
    const closed = FileWindow.open(path, 64);
    closed.close();
    assert.equal(closed.hold(64, 10), false);
    assert.equal(closed.failure, "the file was closed while it was being read");
  });
});

Deno.test("file window: a pcap read through small windows gives the frames read from memory", async () => {
  const records: PcapRecord[] = [];
  const sizes = [60, 1514, 0, 3, 700, 9000, 64, 200, 1, 4096];
  for (let k = 0; k < 60; k++) {
    records.push({ sec: 1_700_000_000 + k, frac: k * 1000, data: frameBytes(sizes[k % 10], k) });
  }
  for (const le of [true, false]) {
    const bytes = pcapFile({ le, nano: !le, snaplen: 65535 }, records);
    await withTempFile(bytes, (path) => {
      for (const [capacity, batch] of [[64, 1], [100, 3], [4096, 7], [1 << 20, 256]]) {
        assertReadsAlike(bothWays(bytes, path, capacity, batch), 60, PcapReader);
      }
    });
  }
});

Deno.test("file window: a truncated pcap is damaged at the same offset through a window", async () => {
  const records = [0, 1, 2, 3].map((k) => ({ sec: k, frac: 0, data: frameBytes(300, k) }));
  const full = pcapFile({}, records);
  for (const cut of [24 + 316 + 10, 24 + 316 * 2 + 100, full.length - 1]) {
    const bytes = full.subarray(0, cut);
    await withTempFile(bytes, (path) => {
      const { a, b, whole, windowed } = bothWays(bytes, path, 128, 2);
      assert.deepEqual(strip(b.frames), strip(a.frames));
      assert.ok(whole.damage !== null);
      assert.deepEqual(windowed.damage, whole.damage);
    });
  }
});

Deno.test("file window: a pcapng with sections, interfaces, all packet blocks and skipped blocks reads the same", async () => {
  const parts: Uint8Array[] = [];
  for (const le of [true, false]) {
    parts.push(shb(le), idb(le, 1, 0, { tsresol: 9 }), idb(le, 101, 128));
    for (let k = 0; k < 30; k++) {
      const data = frameBytes([60, 1514, 9000, 5, 300][k % 5], k);
      if (k % 7 === 3) parts.push(block(le, 0x0bad, frameBytes(k % 2 === 0 ? 40 : 20_000, k)));
      if (k % 3 === 0) parts.push(epb(le, k % 2, BigInt(1_700_000_000_000_000_000 + k), data));
      else if (k % 3 === 1) parts.push(opb(le, 1, BigInt(1_700_000_000 + k), data));
      else parts.push(spb(le, data.length + 4, data));
    }
  }
  const bytes = concat(...parts);
  await withTempFile(bytes, (path) => {
    for (const [capacity, batch] of [[64, 1], [512, 4], [8192, 256]]) {
      const read = bothWays(bytes, path, capacity, batch);
      assertReadsAlike(read, 60, PcapngReader);
      const { whole, windowed } = read;
      assert.equal((windowed as PcapngReader).sectionCount, 2);
      assert.equal((whole as PcapngReader).sectionCount, 2);
    }
  }, ".pcapng");
});

Deno.test("file window: demo.pcap through a 4 KiB window and through one window gives the same frames", () => {
  const path = join(REPO_ROOT, "test", "data", "demo.pcap");
  const bytes = Deno.readFileSync(path);
  const { a, b, windowed } = bothWays(bytes, path, 4096, 64);
  assert.equal(b.frames.length, a.frames.length);
  assert.ok(a.frames.length > 3000);
  assert.deepEqual(strip(b.frames), strip(a.frames));
  assert.equal(windowed.damage, null);
});

Deno.test("file window: an empty file opens empty; a missing path or a folder is a LibcError", async () => {
  await withTempFile(new Uint8Array(0), (path) => {
    const w = FileWindow.open(path);
    assert.deepEqual([w.size, w.start, w.end, w.failure], [0, 0, 0, null]);
    w.close();
    assert.equal(w.closed, true);
    w.close(); // idempotent
  });
  for (const [path, code] of [["/nonexistent/file", "ENOENT"], [REPO_ROOT, "EISDIR"]]) {
    assert.throws(() => FileWindow.open(path), (error: unknown) => {
      assert.ok(error instanceof LibcError);
      assert.equal(error.code, code);
      return true;
    });
  }
});
