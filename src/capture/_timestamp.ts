/**
 * pcapng timestamps: a 64-bit count of `if_tsresol` units (10^-n or 2^-n
 * seconds) turned into whole seconds and nanoseconds, exactly, without BigInt
 * and without allocating.
 *
 * The count is split into four 16-bit limbs in a module-level scratch array,
 * and divided or multiplied limb by limb, so that every intermediate stays
 * below 2^53. Nanoseconds are truncated (floored), never rounded: a 2^-30
 * timestamp lands on the nanosecond at or before it.
 *
 * @module
 */

/** Default `if_tsresol`: 10^-6 s (microseconds). */
export const DEFAULT_TSRESOL = 6;

const TWO_16 = 65536;
const TWO_32 = 4294967296;
/** 10^0 .. 10^9. */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Little-endian 16-bit limbs: 64-bit counts need 4, a count times 10^9 needs 6. */
const limb = new Float64Array(6);

/** Load the 64-bit count `high:low` into limbs 0..3 and clear limbs 4..5. */
function load(high: number, low: number): void {
  limb[0] = low & 0xffff;
  limb[1] = low >>> 16;
  limb[2] = high & 0xffff;
  limb[3] = high >>> 16;
  limb[4] = 0;
  limb[5] = 0;
}

/** Divide limbs 0..3 in place by `d` (1..10^9); returns the remainder. */
function divide(d: number): number {
  let r = 0;
  for (let j = 3; j >= 0; j--) {
    const cur = r * TWO_16 + limb[j]; // < 10^9 * 2^16 < 2^46
    const q = Math.floor(cur / d); // q < 2^16, so the rounded quotient floors exactly
    limb[j] = q;
    r = cur - q * d;
  }
  return r;
}

/** Limbs 0..3 as a number (exact below 2^53). */
function value(): number {
  return ((limb[3] * TWO_16 + limb[2]) * TWO_16 + limb[1]) * TWO_16 + limb[0];
}

/**
 * Convert a pcapng timestamp into seconds and nanoseconds, written straight
 * into a batch's arrays at index `i`.
 *
 * @param high upper 32 bits of the count (ts_high)
 * @param low lower 32 bits of the count (ts_low)
 * @param tsresol the `if_tsresol` byte: MSB clear => 10^-n s, set => 2^-n s
 * @param offsetSec `if_tsoffset`: seconds added to every timestamp
 * @param sec where the seconds go
 * @param nsec where the nanoseconds (0..999999999) go
 * @param i the index to write
 */
export function putTimestamp(
  high: number,
  low: number,
  tsresol: number,
  offsetSec: number,
  sec: Float64Array,
  nsec: Uint32Array,
  i: number,
): void {
  const n = tsresol & 0x7f;
  let s = 0;
  let ns = 0;
  if ((tsresol & 0x80) === 0) {
    if (n <= 9 && high < 0x100000) {
      // Fast path: the count is below 2^52, an exact double, and so is s * d.
      const d = POW10[n];
      const count = high * TWO_32 + low;
      s = Math.floor(count / d);
      let r = count - s * d;
      if (r < 0) {
        s--;
        r += d;
      } else if (r >= d) {
        s++;
        r -= d;
      }
      ns = r * POW10[9 - n];
    } else if (n <= 9) {
      load(high, low);
      ns = divide(POW10[n]) * POW10[9 - n];
      s = value();
    } else {
      // floor(floor(x / a) / b) = floor(x / (a * b)): divide by 10^(n-9) in
      // steps of at most 10^9, then split the nanosecond count at 10^9.
      load(high, low);
      for (let k = n - 9; k > 0; k -= 9) {
        divide(POW10[k > 9 ? 9 : k]);
        if (limb[0] === 0 && limb[1] === 0 && limb[2] === 0 && limb[3] === 0) break;
      }
      ns = divide(1e9);
      s = value();
    }
  } else {
    // Seconds: the count shifted right by n.
    if (n >= 64) s = 0;
    else if (n >= 32) s = Math.floor(high / 2 ** (n - 32));
    else s = high * 2 ** (32 - n) + Math.floor(low / 2 ** n);
    // Fraction: the low n bits of the count, times 10^9, shifted right by n.
    load(high, low);
    for (let j = 0; j < 4; j++) {
      const bitsBelow = n - 16 * j;
      if (bitsBelow <= 0) limb[j] = 0;
      else if (bitsBelow < 16) limb[j] = limb[j] % (1 << bitsBelow);
    }
    let carry = 0;
    for (let j = 0; j < 6; j++) {
      const cur = limb[j] * 1e9 + carry; // < 2^16 * 10^9 + 10^9 < 2^47
      carry = Math.floor(cur / TWO_16);
      limb[j] = cur - carry * TWO_16;
    }
    // The product is below 2^(n+30): from limb n>>4 up it fits in 2^46.
    let v = 0;
    for (let j = 5; j >= n >> 4; j--) v = v * TWO_16 + limb[j];
    ns = Math.floor(v / (1 << (n & 15)));
  }
  sec[i] = s + offsetSec;
  nsec[i] = ns;
}
