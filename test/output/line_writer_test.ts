import assert from "node:assert/strict";
import { type LineSink, LineWriter } from "../../src/output/line_writer.ts";

const MODULE = new URL("../../src/output/line_writer.ts", import.meta.url).href;

/** A sink that records every write, optionally writing at most `max` bytes per call. */
class RecordingSink implements LineSink {
  chunks: Uint8Array[] = [];
  calls = 0;
  closed = false;
  constructor(readonly max = Infinity) {}
  writeSync(p: Uint8Array): number {
    this.calls++;
    const n = Math.min(p.length, this.max);
    this.chunks.push(p.slice(0, n));
    return n;
  }
  close(): void {
    this.closed = true;
  }
  text(): string {
    const all = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of this.chunks) {
      all.set(c, o);
      o += c.length;
    }
    return new TextDecoder().decode(all);
  }
}

function lineOf(i: number): string {
  // Varying lengths, some with multi-byte UTF-8 (2, 3 and 4 bytes).
  return JSON.stringify({
    i,
    s: "x".repeat(i % 37),
    u: i % 5 === 0 ? "\u00e9\u20ac\u{1f600}" : "",
  });
}

Deno.test("LineWriter: lines are buffered and written whole, in order", () => {
  const sink = new RecordingSink();
  const w = new LineWriter(sink, { bufferSize: 64 });
  const expected: string[] = [];
  for (let i = 0; i < 500; i++) {
    const l = lineOf(i);
    expected.push(l);
    w.writeLine(l);
  }
  // Every write the sink saw ends at a line boundary.
  for (const c of sink.chunks) assert.equal(c[c.length - 1], 0x0a);
  w.close();
  assert.equal(sink.text(), expected.join("\n") + "\n");
  assert.equal(w.lines, 500);
  assert.equal(w.bytes, new TextEncoder().encode(sink.text()).length);
  assert.equal(sink.closed, false, "a caller's sink is not closed");
  assert.ok(w.closed);
});

Deno.test("LineWriter: a line filling the buffer exactly, and one byte more", () => {
  const sink = new RecordingSink();
  const w = new LineWriter(sink, { bufferSize: 16 });
  w.writeLine("a".repeat(15)); // 15 + newline = 16: fits exactly
  assert.equal(w.pending, 16);
  w.writeLine("b".repeat(16)); // 17 bytes: longer than the buffer, written on its own
  assert.equal(w.pending, 0);
  assert.equal(sink.chunks.length, 2);
  w.writeLine("\u20ac".repeat(5)); // 15 bytes + newline: fits exactly in multi-byte form
  assert.equal(w.pending, 16);
  w.writeLine("\u20ac".repeat(6)); // 19 bytes: does not fit
  w.flush();
  assert.equal(
    sink.text(),
    "a".repeat(15) + "\n" + "b".repeat(16) + "\n" + "\u20ac".repeat(5) + "\n" + "\u20ac".repeat(6) +
      "\n",
  );
  w.close();
});

Deno.test("LineWriter.writeBytes: lines given as bytes, mixed with strings, whole and in order", () => {
  const sink = new RecordingSink();
  const w = new LineWriter(sink, { bufferSize: 64 });
  const enc = new TextEncoder();
  const scratch = new Uint8Array(256);
  const expected: string[] = [];
  for (let i = 0; i < 300; i++) {
    const l = lineOf(i);
    expected.push(l);
    if (i % 3 === 0) {
      w.writeLine(l);
    } else {
      // the caller's buffer holds more than the line; only `length` bytes are written
      scratch.fill(0x78);
      const n = enc.encodeInto(l, scratch).written;
      w.writeBytes(scratch, n);
    }
  }
  w.writeBytes(enc.encode("z".repeat(100)), 100); // longer than the buffer: on its own
  expected.push("z".repeat(100));
  for (const c of sink.chunks) assert.equal(c[c.length - 1], 0x0a);
  w.close();
  assert.equal(sink.text(), expected.join("\n") + "\n");
  assert.equal(w.lines, 301);
  assert.equal(w.bytes, enc.encode(sink.text()).length);
});

Deno.test("LineWriter: short writes are retried until all bytes are out", () => {
  const sink = new RecordingSink(7);
  const w = new LineWriter(sink, { bufferSize: 100 });
  for (let i = 0; i < 50; i++) w.writeLine(lineOf(i));
  w.close();
  assert.equal(sink.text(), Array.from({ length: 50 }, (_, i) => lineOf(i)).join("\n") + "\n");
  assert.ok(sink.calls > 50);
});

Deno.test("LineWriter: writing after close throws; flush and close are idempotent", () => {
  const w = new LineWriter(new RecordingSink());
  w.close();
  w.close();
  w.flush();
  assert.throws(() => w.writeLine("x"), /after close/);
});

Deno.test("LineWriter: file truncate and append", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/out.log`;
    Deno.writeTextFileSync(path, "old\n");
    let w = new LineWriter(path, { append: false });
    w.writeLine("one");
    w.close();
    assert.equal(Deno.readTextFileSync(path), "one\n");
    w = new LineWriter(path); // append by default
    w.writeLine("two");
    w.flush();
    assert.equal(Deno.readTextFileSync(path), "one\ntwo\n");
    w.close();
    assert.equal(w.path, path);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

async function runChild(code: string): Promise<Deno.CommandOutput> {
  return await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test("LineWriter: a process that exits without closing leaves only whole lines", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/crash.log`;
    const out = await runChild(`
      import { LineWriter } from ${JSON.stringify(MODULE)};
      const w = new LineWriter(${JSON.stringify(path)}, { append: false, bufferSize: 100 });
      for (let i = 0; i < 1000; i++) w.writeLine(JSON.stringify({ i, pad: "y".repeat(i % 23) }));
      Deno.exit(3); // no flush, no close
    `);
    assert.equal(out.code, 3, new TextDecoder().decode(out.stderr));
    const text = Deno.readTextFileSync(path);
    assert.ok(text.length > 0);
    assert.ok(text.endsWith("\n"), "the file ends with a whole line");
    const lines = text.slice(0, -1).split("\n");
    assert.ok(lines.length < 1000, "the buffered tail was lost, not half-written");
    lines.forEach((l, i) => assert.equal(JSON.parse(l).i, i));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("LineWriter: a process killed (SIGKILL) while writing leaves only whole lines", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/killed.log`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `
        import { LineWriter } from ${JSON.stringify(MODULE)};
        const w = new LineWriter(${JSON.stringify(path)}, { append: false, bufferSize: 256 });
        let i = 0;
        for (;;) w.writeLine(JSON.stringify({ i: i++, pad: "z".repeat(i % 97) }));
      `,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    // Wait until the child has written something, then kill it mid-stream
    // (up to 60 s: a loaded machine may take long to start it).
    let size = 0;
    for (let t = 0; t < 2400 && size <= 200_000; t++) {
      await new Promise((r) => setTimeout(r, 25));
      try {
        size = Deno.statSync(path).size;
      } catch {
        // not created yet
      }
    }
    child.kill("SIGKILL");
    await child.status;
    assert.ok(size > 200_000, `the child wrote ${size} bytes before it was killed`);
    const text = Deno.readTextFileSync(path);
    assert.ok(text.length > 0);
    assert.ok(text.endsWith("\n"));
    text.slice(0, -1).split("\n").forEach((l, i) => assert.equal(JSON.parse(l).i, i));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
