/**
 * The output design of `--workers N`: several threads append to one file,
 * each through its own LineWriter opened O_APPEND; every line must come out
 * whole and none lost (each buffer is one write(2) of whole lines, and an
 * O_APPEND write lands whole at the end of a local file).
 */

import assert from "node:assert/strict";

const WORKERS = 3;
const LINES = 4000;

Deno.test("LineWriter: threads appending to one file never tear or lose a line", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "tarsier-append-" });
  const path = `${dir}/eve.json`;
  try {
    Deno.writeFileSync(path, new Uint8Array());
    const url = new URL("./_append_writer_worker.ts", import.meta.url);
    const workers = Array.from({ length: WORKERS }, () => new Worker(url, { type: "module" }));
    await Promise.all(workers.map((w, id) =>
      new Promise<void>((resolve, reject) => {
        w.onmessage = () => resolve();
        w.onerror = (e) => reject(e);
        w.postMessage({ path, id, lines: LINES });
      })
    ));
    for (const w of workers) w.terminate();
    const text = Deno.readTextFileSync(path);
    assert(text.endsWith("\n"));
    const next = new Array(WORKERS).fill(0);
    for (const line of text.slice(0, -1).split("\n")) {
      const record = JSON.parse(line) as { worker: number; n: number };
      // each worker's lines stay in its own order
      assert.equal(record.n, next[record.worker], `worker ${record.worker}`);
      next[record.worker]++;
    }
    assert.deepEqual(next, new Array(WORKERS).fill(LINES));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
