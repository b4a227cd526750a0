/**
 * Number parsing shared by the header keywords: Suricata 7's unsigned
 * comparison syntax (`detect_parse_uint` in `rust/src/detect/uint.rs`, used
 * by ttl, itype, icode, dsize, tcp.mss) and plain decimal values.
 *
 * A comparison compiles to an inclusive range and a negation flag, so that
 * the per-packet test is one expression without branches on the operator:
 * `(v >= lo && v <= hi) !== negate` (see {@link inRange}).
 *
 * | written  | meaning                     | lo    | hi    | negate |
 * |----------|-----------------------------|-------|-------|--------|
 * | `N`/`=N` | equal                       | N     | N     | false  |
 * | `!N`     | not equal (also `!=N`)      | N     | N     | true   |
 * | `<N`     | less than                   | 0     | N-1   | false  |
 * | `<=N`    | at most                     | 0     | N     | false  |
 * | `>N`     | greater than                | N+1   | max   | false  |
 * | `>=N`    | at least                    | N     | max   | false  |
 * | `N<>M`   | strictly between (`N-M` too)| N+1   | M-1   | false  |
 *
 * @module
 */

import { KeywordError } from "../signature.ts";

/** The operator as written, kept for descriptions and tests. */
export type NumericOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "<>";

/** A compiled comparison: `v` matches when `(lo <= v <= hi) !== negate`. */
export interface NumericRange {
  /** Operator as written. */
  readonly op: NumericOp;
  /** Smallest matching value (inclusive). */
  readonly lo: number;
  /** Largest matching value (inclusive). */
  readonly hi: number;
  /** Match values outside [lo, hi] instead. */
  readonly negate: boolean;
}

/** Largest value of an unsigned integer of 8, 16 or 32 bits. */
export const U8_MAX = 0xff;
/** See {@link U8_MAX}. */
export const U16_MAX = 0xffff;
/** See {@link U8_MAX}. */
export const U32_MAX = 0xffffffff;

/**
 * Whether a value satisfies a compiled comparison.
 *
 * @param v the packet's value
 * @param lo smallest matching value
 * @param hi largest matching value
 * @param negate match outside the range instead
 * @returns true on a match
 */
export function inRange(v: number, lo: number, hi: number, negate: boolean): boolean {
  return (v >= lo && v <= hi) !== negate;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** A reader over a keyword value that reports errors at the offending character. */
export class ValueReader {
  /** Current offset in the value. */
  pos = 0;

  /**
   * @param keyword the keyword, for errors
   * @param text the raw value
   */
  constructor(readonly keyword: string, readonly text: string) {}

  /** Whether the whole value was read. */
  get done(): boolean {
    return this.pos >= this.text.length;
  }

  /** The character code at the current position (-1 at the end). */
  peek(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  /**
   * Skip characters.
   *
   * @param tabs also skip tabs (Suricata's `\s`), not only spaces
   */
  skipBlanks(tabs = true): void {
    for (;;) {
      const c = this.peek();
      if (c === 0x20 || (tabs && (c === 0x09 || c === 0x0a || c === 0x0d))) this.pos++;
      else return;
    }
  }

  /**
   * Consume `s` when it comes next.
   *
   * @param s the text
   * @returns whether it was there
   */
  eat(s: string): boolean {
    if (!this.text.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  /**
   * Read a decimal number.
   *
   * @param max the largest value allowed
   * @param what what the number is, for errors
   * @returns the number
   * @throws {KeywordError} when there is no digit or the number is above `max`
   */
  decimal(max: number, what = "number"): number {
    const start = this.pos;
    while (isDigit(this.peek())) this.pos++;
    if (this.pos === start) throw this.error(`${what} expected`, start);
    const digits = this.text.slice(start, this.pos);
    const v = Number(digits);
    if (v > max) throw this.error(`${what} ${digits} is out of range (0-${max})`, start);
    return v;
  }

  /**
   * Fail unless only blanks are left.
   *
   * @param tabs whether tabs count as blanks
   * @throws {KeywordError} at the first unexpected character
   */
  end(tabs = true): void {
    this.skipBlanks(tabs);
    if (!this.done) throw this.error(`unexpected '${this.text[this.pos]}'`, this.pos);
  }

  /**
   * An error at an offset of the value.
   *
   * @param message what is wrong
   * @param at offset in the value (default: the current position)
   * @returns the error, to throw
   */
  error(message: string, at = this.pos): KeywordError {
    return new KeywordError(this.keyword, message, { valueOffset: Math.min(at, this.text.length) });
  }
}

/**
 * Parse Suricata 7's unsigned comparison (`ttl`, `itype`, `icode`, `dsize`,
 * `tcp.mss`): `N`, `=N`, `!N`, `!=N`, `<N`, `<=N`, `>N`, `>=N`, `N<>M` and
 * `N-M` (exclusive: M must exceed N by at least 2), with optional spaces
 * around the parts. Like Suricata, `<0`, `>=0`, `>max` and `<=max` are
 * rejected (they match always or never), and `N` may carry a `kb`, `mb` or
 * `gb` unit.
 *
 * @example
 * ```ts
 * import { parseUintComparison, U8_MAX } from "./_numeric.ts";
 * parseUintComparison("ttl", "10<>20", U8_MAX); // { op: "<>", lo: 11, hi: 19, negate: false }
 * ```
 *
 * @param keyword the keyword, for errors
 * @param value the raw value
 * @param max the largest value of the field (255, 65535, 2^32-1)
 * @returns the compiled comparison
 * @throws {KeywordError} pointing at the offending character
 */
export function parseUintComparison(keyword: string, value: string, max: number): NumericRange {
  const r = new ValueReader(keyword, value);
  r.skipBlanks(false);
  if (isDigit(r.peek())) {
    const a = r.decimal(max);
    const afterA = r.pos;
    r.skipBlanks(false);
    if (r.eat("<>") || r.eat("-")) {
      r.skipBlanks(false);
      const bAt = r.pos;
      const b = r.decimal(max);
      if (b <= a + 1) {
        throw r.error(`empty range ${a}<>${b}: the upper bound must exceed the lower by 2`, bAt);
      }
      r.end(false);
      return { op: "<>", lo: a + 1, hi: b - 1, negate: false };
    }
    r.pos = afterA;
    return equalWithUnit(r, a, max);
  }
  if (r.eat("=")) {
    r.skipBlanks(false);
    return equalWithUnit(r, r.decimal(max), max);
  }
  let op: NumericOp;
  const opAt = r.pos;
  if (r.eat(">=")) op = ">=";
  else if (r.eat("<=")) op = "<=";
  else if (r.eat(">")) op = ">";
  else if (r.eat("<")) op = "<";
  else if (r.eat("!=") || r.eat("!")) op = "!=";
  else if (r.done) throw r.error("number expected");
  else throw r.error(`number or operator expected, found '${value[r.pos]}'`);
  r.skipBlanks(false);
  const n = r.decimal(max);
  r.end(false);
  switch (op) {
    case "!=":
      return { op, lo: n, hi: n, negate: true };
    case "<":
      if (n === 0) throw r.error("<0 never matches", opAt);
      return { op, lo: 0, hi: n - 1, negate: false };
    case "<=":
      if (n === max) throw r.error(`<=${max} always matches`, opAt);
      return { op, lo: 0, hi: n, negate: false };
    case ">":
      if (n === max) throw r.error(`>${max} never matches`, opAt);
      return { op, lo: n + 1, hi: max, negate: false };
    default: // ">="
      if (n === 0) throw r.error(">=0 always matches", opAt);
      return { op, lo: n, hi: max, negate: false };
  }
}

/** `N` just read: an optional unit right after it, then the end. */
function equalWithUnit(r: ValueReader, n: number, max: number): NumericRange {
  const unitAt = r.pos;
  const unit = r.text.slice(unitAt, unitAt + 2).toLowerCase();
  const mult = unit === "kb" ? 1024 : unit === "mb" ? 1048576 : unit === "gb" ? 1073741824 : 1;
  if (mult !== 1) {
    r.pos += 2;
    // Suricata leaves 0 as it is ("0kb" is 0).
    if (n >= 1) {
      if (n * mult > max) throw r.error(`${n}${unit} is out of range (0-${max})`, unitAt);
      n *= mult;
    }
  }
  r.end(false);
  return { op: "=", lo: n, hi: n, negate: false };
}

/**
 * Parse a plain decimal value with optional blanks around it and, when
 * `quotes` is set, optional double quotes (`"300"`).
 *
 * @param keyword the keyword, for errors
 * @param value the raw value
 * @param max the largest value allowed
 * @param options `quotes`: accept the number in double quotes; `maxDigits`: reject longer numbers
 * @returns the number
 * @throws {KeywordError} pointing at the offending character
 */
export function parseDecimalValue(
  keyword: string,
  value: string,
  max: number,
  options: { quotes?: boolean; maxDigits?: number } = {},
): number {
  const r = new ValueReader(keyword, value);
  r.skipBlanks();
  const quoted = options.quotes === true && r.eat('"');
  if (quoted) r.skipBlanks();
  const start = r.pos;
  const n = r.decimal(max);
  if (options.maxDigits !== undefined && r.pos - start > options.maxDigits) {
    throw r.error(`at most ${options.maxDigits} digits`, start);
  }
  if (quoted) {
    r.skipBlanks();
    if (!r.eat('"')) throw r.error("closing '\"' expected");
  }
  r.end();
  return n;
}
