/**
 * Suricata 7's unsigned comparison values for bsize and urilen
 * (`detect_parse_uint` in rust/src/detect/uint.rs): `N`, `=N`, `<N`, `<=N`,
 * `>N`, `>=N`, `!N`, `!=N`, `N<>M`, `N-M` (exclusive), optional kb/mb/gb.
 *
 * @module
 */

import { UintMode } from "../content_inspect.ts";

/** A parsed comparison. */
export interface UintValue {
  /** A UintMode. */
  mode: number;
  /** First operand. */
  arg1: number;
  /** Second operand (ranges). */
  arg2: number;
  /** Characters consumed. */
  length: number;
}

/**
 * Parse a comparison at the start of `text`.
 *
 * @param text the value
 * @param max the type's largest value
 * @param units accept kb/mb/gb suffixes
 * @returns the comparison, or null
 */
export function parseUintValue(text: string, max: number, units: boolean): UintValue | null {
  let i = 0;
  while (text[i] === " ") i++;
  const num = (): number | null => {
    const m = /^\d+/.exec(text.slice(i));
    if (m === null) return null;
    i += m[0].length;
    const v = Number(m[0]);
    return v > max ? null : v;
  };
  // interval
  const save = i;
  const a = num();
  if (a !== null) {
    while (text[i] === " ") i++;
    const sep = text.startsWith("<>", i) ? 2 : text[i] === "-" ? 1 : 0;
    if (sep > 0) {
      i += sep;
      while (text[i] === " ") i++;
      const b = num();
      if (b === null || !(b > a && b - a > 1)) return null;
      return { mode: UintMode.RANGE, arg1: a, arg2: b, length: i };
    }
    let v = a;
    if (units) {
      const u = /^(kb|mb|gb)/i.exec(text.slice(i));
      if (u !== null && v >= 1) {
        const mul = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[u[1].toLowerCase()]!;
        if (max / mul < v) return null;
        v *= mul;
        i += u[1].length;
      }
    }
    return { mode: UintMode.EQ, arg1: v, arg2: 0, length: i };
  }
  i = save;
  const ops: [string, number][] = [
    [">=", UintMode.GE],
    ["<=", UintMode.LE],
    [">", UintMode.GT],
    [
      "<",
      UintMode.LT,
    ],
    ["!=", UintMode.NE],
    ["!", UintMode.NE],
    ["=", UintMode.EQ],
  ];
  for (const [op, mode] of ops) {
    if (!text.startsWith(op, i)) continue;
    i += op.length;
    while (text[i] === " ") i++;
    if (mode === UintMode.EQ) {
      let v = num();
      if (v === null) return null;
      if (units) {
        const u = /^(kb|mb|gb)/i.exec(text.slice(i));
        if (u !== null && v >= 1) {
          const mul = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[u[1].toLowerCase()]!;
          if (max / mul < v) return null;
          v *= mul;
          i += u[1].length;
        }
      }
      return { mode, arg1: v, arg2: 0, length: i };
    }
    const v = num();
    if (v === null) return null;
    if ((mode === UintMode.LT || mode === UintMode.GE) && v === 0) return null;
    if ((mode === UintMode.LE || mode === UintMode.GT) && v === max) return null;
    return { mode, arg1: v, arg2: 0, length: i };
  }
  return null;
}
