import assert from "node:assert/strict";
import { LibcError } from "../../ffi/libc.ts";
import { MappedFile } from "../../src/capture/mod.ts";
import { frameBytes, withTempFile } from "./capture_builder.ts";

Deno.test("mapped file: the view holds the file's bytes", async () => {
  const bytes = frameBytes(10_000, 3);
  await withTempFile(bytes, (path) => {
    const file = MappedFile.open(path);
    try {
      assert.equal(file.path, path);
      assert.equal(file.size, 10_000);
      assert.deepEqual(file.bytes.slice(), bytes);
      assert.equal(file.closed, false);
    } finally {
      file.close();
    }
    assert.equal(file.closed, true);
    file.close(); // idempotent
  });
});

Deno.test("mapped file: an empty file maps to an empty view and still closes", async () => {
  await withTempFile(new Uint8Array(0), (path) => {
    const file = MappedFile.open(path);
    assert.equal(file.bytes.length, 0);
    assert.equal(file.closed, false);
    file.close();
    assert.equal(file.closed, true);
  });
});

Deno.test("mapped file: a missing path is a LibcError with ENOENT", () => {
  assert.throws(() => MappedFile.open("/nonexistent/file"), (error: unknown) => {
    assert.ok(error instanceof LibcError);
    assert.equal(error.errno, 2);
    assert.equal(error.code, "ENOENT");
    return true;
  });
});
