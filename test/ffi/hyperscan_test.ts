/**
 * The libhs bindings on their own: version and platform, compile errors that
 * name the failing expression, literal databases with NUL bytes, serialize /
 * deserialize / info, scratch clone, and block and vectored scans. Ignored,
 * saying so, without libhs.
 */

import assert from "node:assert/strict";
import {
  allocScratch,
  cloneScratch,
  compileExtMulti,
  compileLitMulti,
  databaseInfo,
  deserializeDatabase,
  freeDatabase,
  freeScratch,
  hostPlatform,
  HS_COMPILER_ERROR,
  HS_FLAG_CASELESS,
  HS_FLAG_SINGLEMATCH,
  HS_MODE_BLOCK,
  HS_MODE_VECTORED,
  hsVersion,
  hyperscan,
  HyperscanError,
  MATCH_CALLBACK,
  serializeDatabase,
  serializedDatabaseInfo,
} from "../../ffi/hyperscan.ts";
import { ENGINES, skipUnavailable } from "../mpm/_engines.ts";

const ignore = skipUnavailable(ENGINES.find((e) => e.name === "hs")!);
const enc = new TextEncoder();

/** Ids reported by a block scan of `data` (every match, no SINGLEMATCH needed). */
function blockScan(db: Deno.PointerObject, data: Uint8Array): number[] {
  const hs = hyperscan()!;
  const found: number[] = [];
  const callback = new Deno.UnsafeCallback(MATCH_CALLBACK, (id: number) => {
    found.push(id);
    return 0;
  });
  const scratch = allocScratch(db, null);
  try {
    assert.equal(hs.hs_scan(db, data, data.length, 0, scratch, callback.pointer, null), 0);
  } finally {
    freeScratch(scratch);
    callback.close();
  }
  return found.sort((a, b) => a - b);
}

Deno.test({
  name: "libhs: version, platform and a database's info",
  ignore,
  fn() {
    assert.match(hsVersion(), /^\d+\.\d+\.\d+/);
    const platform = hostPlatform();
    assert.ok(platform.tune >= 0);
    assert.equal(typeof platform.cpuFeatures, "bigint");
    const db = compileExtMulti([{ expression: "abc", flags: 0, id: 1 }], HS_MODE_BLOCK);
    assert.match(databaseInfo(db), /^Version: \d+\.\d+\.\d+ Features: .* Mode: BLOCK$/);
    freeDatabase(db);
  },
});

Deno.test({
  name: "libhs: a compile error names the failing expression's index",
  ignore,
  fn() {
    assert.throws(
      () =>
        compileExtMulti([
          { expression: "fine", flags: 0, id: 1 },
          { expression: "broken(", flags: 0, id: 2 },
        ], HS_MODE_BLOCK),
      (e: unknown) =>
        e instanceof HyperscanError && e.code === HS_COMPILER_ERROR && e.expression === 1 &&
        /parenthes/i.test(e.message),
    );
    // extended parameters that cannot hold: min_offset beyond max_offset
    assert.throws(
      () =>
        compileExtMulti(
          [{ expression: "ab", flags: 0, id: 7, minOffset: 9, maxOffset: 4 }],
          HS_MODE_BLOCK,
        ),
      (e: unknown) => e instanceof HyperscanError && e.expression === 0,
    );
  },
});

Deno.test({
  name: "libhs: literals with NUL bytes, caseless, and end-offset bounds",
  ignore,
  fn() {
    const lit = compileLitMulti([
      { bytes: new Uint8Array([0x00, 0x41, 0x00]), flags: HS_FLAG_SINGLEMATCH, id: 3 },
      { bytes: enc.encode("get"), flags: HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, id: 4 },
    ], HS_MODE_BLOCK);
    assert.deepEqual(blockScan(lit, new Uint8Array([0x47, 0x45, 0x54, 0x00, 0x41, 0x00])), [3, 4]);
    assert.deepEqual(blockScan(lit, new Uint8Array([0x00, 0x61, 0x00])), []);
    freeDatabase(lit);
    const ext = compileExtMulti([
      // "ab" must end at offset 4..5: start at 2 or 3
      { expression: "\\x61\\x62", flags: HS_FLAG_SINGLEMATCH, id: 5, minOffset: 4, maxOffset: 5 },
    ], HS_MODE_BLOCK);
    assert.deepEqual(blockScan(ext, enc.encode("ab....")), []);
    assert.deepEqual(blockScan(ext, enc.encode("..ab..")), [5]);
    assert.deepEqual(blockScan(ext, enc.encode("...ab.")), [5]);
    assert.deepEqual(blockScan(ext, enc.encode("....ab")), []);
    freeDatabase(ext);
  },
});

Deno.test({
  name: "libhs: serialize, describe, deserialize; clone a scratch; vectored scan",
  ignore,
  fn() {
    const db = compileExtMulti([{ expression: "needle", flags: 0, id: 9 }], HS_MODE_VECTORED);
    const bytes = serializeDatabase(db);
    assert.match(serializedDatabaseInfo(bytes), /Mode: VECTORED$/);
    const copy = deserializeDatabase(bytes);
    assert.equal(databaseInfo(copy), databaseInfo(db));
    assert.throws(() => deserializeDatabase(bytes.subarray(0, 20)), HyperscanError);
    const scratch = allocScratch(copy, null);
    const clone = cloneScratch(scratch);
    const data = enc.encode("hay needle hay");
    const pointers = new BigUint64Array([
      BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(data))) + 4n,
    ]);
    const lengths = new Uint32Array([6]);
    let hits = 0;
    const callback = new Deno.UnsafeCallback(MATCH_CALLBACK, () => {
      hits++;
      return 0;
    });
    const hs = hyperscan()!;
    assert.equal(
      hs.hs_scan_vector(copy, pointers, lengths, 1, 0, clone, callback.pointer, null),
      0,
    );
    assert.equal(hits, 1);
    lengths[0] = 5; // "needl"
    assert.equal(
      hs.hs_scan_vector(copy, pointers, lengths, 1, 0, clone, callback.pointer, null),
      0,
    );
    assert.equal(hits, 1);
    callback.close();
    freeScratch(clone);
    freeScratch(scratch);
    freeDatabase(copy);
    freeDatabase(db);
  },
});
