/**
 * A Worker for `line_writer_shared_test.ts`: appends numbered lines of
 * varying length (some longer than the buffer) to one file through its own
 * {@link LineWriter} opened for appending, then says "done".
 */

import { LineWriter } from "../../src/output/line_writer.ts";

const scope = globalThis as unknown as {
  postMessage(message: string): void;
  onmessage: ((event: MessageEvent<{ path: string; id: number; lines: number }>) => void) | null;
};

scope.onmessage = (event) => {
  const { path, id, lines } = event.data;
  const writer = new LineWriter(path, { append: true, bufferSize: 4096 });
  for (let i = 0; i < lines; i++) {
    // 10..~6000 characters: most lines share a buffer, some are longer than it
    const filler = "x".repeat((i * 7919) % (i % 97 === 0 ? 6000 : 300));
    writer.writeLine(JSON.stringify({ worker: id, n: i, filler }));
  }
  writer.close();
  scope.postMessage("done");
};
