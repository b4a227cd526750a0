import assert from "node:assert/strict";
import { DEFAULT_TSRESOL, putTimestamp } from "../../src/capture/_timestamp.ts";

const sec = new Float64Array(1);
const nsec = new Uint32Array(1);

function convert(ts: bigint, tsresol: number, offset = 0): [number, number] {
  putTimestamp(Number(ts >> 32n), Number(ts & 0xffffffffn), tsresol, offset, sec, nsec, 0);
  return [sec[0], nsec[0]];
}

function expected(ts: bigint, tsresol: number): [bigint, number] {
  const n = BigInt(tsresol & 0x7f);
  const perSecond = tsresol & 0x80 ? 2n ** n : 10n ** n;
  return [ts / perSecond, Number(((ts % perSecond) * 1_000_000_000n) / perSecond)];
}

/** xorshift64*, deterministic */
function random64(state: { s: bigint }): bigint {
  let x = state.s;
  x ^= x >> 12n;
  x ^= (x << 25n) & 0xffffffffffffffffn;
  x ^= x >> 27n;
  state.s = x;
  return (x * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
}

Deno.test("timestamp: default resolution is microseconds", () => {
  assert.equal(DEFAULT_TSRESOL, 6);
  assert.deepEqual(convert(1_700_000_000_123_456n, 6), [1_700_000_000, 123_456_000]);
});

Deno.test("timestamp: nanoseconds beyond 2^53 are exact", () => {
  assert.deepEqual(convert(1_700_000_000_123_456_789n, 9), [1_700_000_000, 123_456_789]);
  assert.deepEqual(convert(1_799_999_999_999_999_999n, 9), [1_799_999_999, 999_999_999]);
  assert.deepEqual(convert(0xffffffffffffffffn, 9), [18_446_744_073, 709_551_615]);
});

Deno.test("timestamp: finer than nanoseconds truncates", () => {
  assert.deepEqual(convert(17_000_000_001_234_567_891n, 10), [1_700_000_000, 123_456_789]);
  // 10^-18: 1.7 s in attoseconds
  assert.deepEqual(convert(1_700_000_000_999_999_999n, 18), [1, 700_000_000]);
  // 10^-19 and coarser-than-representable 10^-30: every count is under a second
  assert.deepEqual(convert(0xffffffffffffffffn, 19), [1, 844_674_407]);
  assert.deepEqual(convert(0xffffffffffffffffn, 30), [0, 0]);
});

Deno.test("timestamp: binary resolutions", () => {
  // 2^-20: 1_700_000_000 s and half a second
  assert.deepEqual(convert((1_700_000_000n << 20n) | (1n << 19n), 0x80 | 20), [
    1_700_000_000,
    500_000_000,
  ]);
  // 2^-30: one unit is 0.93 ns, floored to 0
  assert.deepEqual(convert(1n, 0x80 | 30), [0, 0]);
  assert.deepEqual(convert((5n << 32n) | 0xffffffffn, 0x80 | 32), [5, 999_999_999]);
  assert.deepEqual(convert(0xffffffffffffffffn, 0x80 | 64), [0, 999_999_999]);
  assert.deepEqual(convert(0xffffffffffffffffn, 0x80 | 0), [18446744073709552000, 0]);
});

Deno.test("timestamp: if_tsoffset seconds are added", () => {
  assert.deepEqual(convert(1_500_000n, 6, 1_600_000_000), [1_600_000_001, 500_000_000]);
  assert.deepEqual(convert(1_500_000n, 6, -1), [0, 500_000_000]);
});

Deno.test("timestamp: agrees with BigInt arithmetic for every resolution", () => {
  const state = { s: 0x9e3779b97f4a7c15n };
  const resolutions: number[] = [];
  for (let n = 0; n <= 24; n++) resolutions.push(n, 0x80 | n);
  resolutions.push(0x80 | 31, 0x80 | 32, 0x80 | 33, 0x80 | 48, 0x80 | 63, 0x80 | 64, 0x80 | 100);
  for (const tsresol of resolutions) {
    for (let k = 0; k < 400; k++) {
      const r = random64(state);
      // full-width counts, counts below 2^53, and realistic epoch counts
      const ts = k % 3 === 0 ? r : k % 3 === 1 ? r >> 11n : r >> 3n;
      const [s, ns] = convert(ts, tsresol);
      const [es, ens] = expected(ts, tsresol);
      const where = `ts=${ts} tsresol=0x${tsresol.toString(16)}`;
      assert.equal(ns, ens, where);
      if (es < 2n ** 53n) assert.equal(s, Number(es), where);
      else assert.ok(Math.abs(s - Number(es)) / Number(es) < 1e-15, where);
    }
  }
});
