/**
 * Test helpers: a seeded random generator and the obviously-correct
 * reference matcher the Aho-Corasick engine is compared against.
 *
 * @module
 */

import type { PatternOptions } from "../../src/mpm/matcher.ts";
import { mulberry32 } from "../_random.ts";

export { mulberry32 };

/** One pattern as given to a builder. */
export interface TestPattern {
  /** Caller-chosen id. */
  id: number;
  /** The literal. */
  bytes: Uint8Array;
  /** Case folding and offset/depth. */
  options: PatternOptions;
}

function fold(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
}

/**
 * The ids of the patterns that occur in `data[start..end)`, by trying every
 * pattern at every position.
 *
 * @returns the ids, sorted, without duplicates
 */
export function naiveScan(
  patterns: TestPattern[],
  data: Uint8Array,
  start: number,
  end: number,
): number[] {
  const found = new Set<number>();
  for (const { id, bytes, options } of patterns) {
    if (found.has(id)) continue;
    for (let at = start; at + bytes.length <= end; at++) {
      const relStart = at - start;
      const relEnd = relStart + bytes.length;
      if (options.offset !== undefined && relStart < options.offset) continue;
      if (options.depth !== undefined && relEnd > options.depth) continue;
      let ok = true;
      for (let j = 0; j < bytes.length && ok; j++) {
        const a = data[at + j];
        const b = bytes[j];
        ok = options.nocase ? fold(a) === fold(b) : a === b;
      }
      if (ok) {
        found.add(id);
        break;
      }
    }
  }
  return [...found].sort((x, y) => x - y);
}

/** Symbols the random cases draw from: letters in both cases, 0x00, 0xFF, 0x7F. */
export const POOL = [0x61, 0x41, 0x62, 0x42, 0x63, 0x00, 0xff, 0x7a, 0x5a, 0x7f, 0x30];

/** A random pattern set that forces overlaps, prefixes, suffixes and repeats, and data. */
export function randomCase(rand: () => number) {
  const int = (n: number) => Math.floor(rand() * n);
  const alphabet = POOL.filter(() => rand() < 0.5);
  if (alphabet.length === 0) alphabet.push(0x61, 0x41);
  const sym = () => {
    const b = alphabet[int(alphabet.length)];
    // Flip the case of letters now and then so nocase matters.
    if (rand() < 0.3 && ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a)) return b ^ 0x20;
    return b;
  };
  const patterns: TestPattern[] = [];
  const count = 1 + int(25);
  for (let i = 0; i < count; i++) {
    let bytes: Uint8Array;
    const prev = patterns.length > 0 ? patterns[int(patterns.length)].bytes : null;
    const kind = rand();
    if (prev && kind < 0.15) bytes = prev.slice(0, 1 + int(prev.length)); // prefix
    else if (prev && kind < 0.3) bytes = prev.slice(int(prev.length)); // suffix
    else if (prev && kind < 0.4) bytes = prev.slice(); // repeat
    else if (prev && kind < 0.5) bytes = new Uint8Array([...prev, ...prev]); // self-overlapping
    else bytes = Uint8Array.from({ length: 1 + int(6) }, sym);
    const id = int(count + 5); // ids collide now and then
    patterns.push({
      id,
      bytes,
      options: {
        nocase: rand() < 0.5,
        offset: rand() < 0.3 ? int(10) : undefined,
        depth: rand() < 0.3 ? int(20) : undefined,
      },
    });
  }
  const data = Uint8Array.from({ length: int(70) }, sym);
  return { patterns, data };
}
