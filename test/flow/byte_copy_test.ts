/** ByteCopier: the byte loop, the word loop and memcpy copy exactly the range asked, at any offset. */

import assert from "node:assert/strict";
import { ByteCopier } from "../../src/flow/byte_copy.ts";

{
  Deno.test(`ByteCopier copies every length and offset exactly, below and above the memcpy threshold`, () => {
    const copier = new ByteCopier();
    const src = new Uint8Array(12000);
    for (let i = 0; i < src.length; i++) src[i] = (i * 131 + 7) & 0xff;
    const dst = new Uint8Array(12000);
    for (
      const n of [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 160, 383, 384, 1023, 1024, 1448, 4096, 5003]
    ) {
      for (const [at, from] of [[0, 0], [3, 1], [1, 5], [100, 999]]) {
        dst.fill(0xee);
        copier.copy(dst, at, src, from, n);
        for (let k = 0; k < n; k++) assert.equal(dst[at + k], src[from + k], `n=${n} k=${k}`);
        if (at > 0) assert.equal(dst[at - 1], 0xee, `byte before, n=${n}`);
        assert.equal(dst[at + n], 0xee, `byte after, n=${n}`);
      }
    }
    // a second destination array: its own word view is used, not the first one's
    const other = new Uint8Array(1000);
    copier.copy(other, 10, src, 20, 500);
    assert.deepEqual(other.subarray(10, 510), src.subarray(20, 520));
    assert.equal(other[9], 0);
    assert.equal(other[510], 0);
  });

  Deno.test("ByteCopier's word loop: every alignment, views at odd offsets, a range ending a buffer", () => {
    const copier = new ByteCopier();
    const backing = new Uint8Array(4103); // not a whole number of words
    for (let i = 0; i < backing.length; i++) backing[i] = (i * 29 + 3) & 0xff;
    const out = new Uint8Array(2051);
    for (const [src, dst] of [[backing, out], [backing.subarray(1), out.subarray(3)]]) {
      for (const n of [32, 37, 100, 1023]) {
        for (let at = 0; at < 8; at++) {
          for (let from = 0; from < 8; from++) {
            for (const start of [from, src.length - n - from]) {
              dst.fill(0xee);
              copier.copy(dst, at, src, start, n);
              for (let k = 0; k < n; k++) {
                assert.equal(dst[at + k], src[start + k], `n=${n} at=${at} from=${start} k=${k}`);
              }
              if (at > 0) assert.equal(dst[at - 1], 0xee, `byte before, n=${n}`);
              assert.equal(dst[at + n], 0xee, `byte after, n=${n}`);
            }
          }
        }
      }
    }
  });

  Deno.test("ByteCopier in an optimised loop is not deoptimised again and again (memcpy stays off the FFI fast path)", async () => {
    const script = await Deno.makeTempFile({ suffix: ".ts" });
    try {
      await Deno.writeTextFile(
        script,
        `import { ByteCopier } from ${
          JSON.stringify(new URL("../../src/flow/byte_copy.ts", import.meta.url).href)
        };
         const copier = new ByteCopier();
         const src = new Uint8Array(65536).map((_, i) => i * 7);
         const dst = new Uint8Array(65536);
         function copyMany(n: number) {
           for (let i = 0; i < 300_000; i++) copier.copy(dst, (i * 64) & 32767, src, (i * 100) & 16383, n);
         }
         for (let round = 0; round < 4; round++) { copyMany(1448); copyMany(100); copyMany(8); }
         copier.copy(dst, 40001, src, 777, 1448);
         let same = true;
         for (let k = 0; k < 1448; k++) same &&= dst[40001 + k] === src[777 + k];
         console.log(same && dst[40000] !== src[776] ? "copied" : "wrong");`,
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-read", "--allow-ffi", "--v8-flags=--trace-deopt", script],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      assert.match(text, /^copied$/m);
      const deopts = text.split("\n").filter((line) =>
        /bailout .*JSFunction (copy|copyMany) /.test(line)
      );
      // feedback settling and on-stack replacement cost a few; a deoptimisation loop costs one per round and more
      assert.ok(!deopts.some((line) => line.includes("not a BigInt")), deopts.join("\n"));
      assert.ok(deopts.length <= 12, deopts.join("\n"));
    } finally {
      await Deno.remove(script);
    }
  });
}
