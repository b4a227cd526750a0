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
