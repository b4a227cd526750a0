/**
 * Buffer inspection: the compiled steps of one buffer of one signature
 * (content, pcre, byte_test, byte_jump, byte_extract, byte_math, isdataat,
 * bsize, urilen, base64_decode, dataset/datarep tests) and the matcher that runs them with the
 * semantics of Suricata 7's `DetectEngineContentInspection`
 * (`detect-engine-content-inspection.c`):
 *
 * - steps run in rule order; each one that matches hands over to the next;
 * - a relative step (distance/within, `relative`, pcre `/R`) starts from the
 *   end of the previous match (`bufferOffset`);
 * - when a later step fails, a content (or pcre) that a relative step depends
 *   on is retried at its next occurrence (Suricata's recursion, with its
 *   "discontinue" shortcuts and its recursion limit of 3000 calls);
 * - a negated content matches when the pattern is absent from its window.
 *
 * The per-call path allocates nothing, with one exception: a pcre step needs
 * the buffer as a string; it is built once per {@link ContentInspector.match}
 * call, only when a pcre step actually runs.
 *
 * @module
 */

import type { DetectContext } from "./detect_context.ts";
import type { BufferMatcher } from "./signature.ts";

/** Suricata's `detect.inspection-recursion-limit` default. */
export const INSPECTION_RECURSION_LIMIT = 3000;

/** Sees each step an inspection reaches (see match_trace.ts); off unless set. */
export interface InspectionProbe {
  /**
   * @param inspector the inspector running
   * @param step index of the step about to run
   * @param offset the buffer offset the step starts from (end of the previous match)
   * @param length the buffer's length
   */
  reached(inspector: ContentInspector, step: number, offset: number, length: number): void;
}

let probe: InspectionProbe | null = null;

/**
 * Set (or clear, with null) the probe every inspection reports its steps to.
 * Only for explaining misses: the engine runs with none.
 *
 * @param p the probe, or null
 */
export function setInspectionProbe(p: InspectionProbe | null): void {
  probe = p;
}

/** Step kinds. */
export const StepKind = {
  CONTENT: 0,
  PCRE: 1,
  BYTE_TEST: 2,
  BYTE_JUMP: 3,
  BYTE_EXTRACT: 4,
  BYTE_MATH: 5,
  ISDATAAT: 6,
  BSIZE: 7,
  URILEN: 8,
  BASE64_DECODE: 9,
  BUFFER_TEST: 10,
} as const;

/** Content flags (Suricata's DETECT_CONTENT_*). */
export const ContentFlag = {
  NOCASE: 1 << 0,
  DISTANCE: 1 << 1,
  WITHIN: 1 << 2,
  OFFSET: 1 << 3,
  DEPTH: 1 << 4,
  NEGATED: 1 << 9,
  ENDS_WITH: 1 << 10,
  OFFSET_VAR: 1 << 11,
  DEPTH_VAR: 1 << 12,
  DISTANCE_VAR: 1 << 13,
  WITHIN_VAR: 1 << 14,
  WITHIN_NEXT: 1 << 17,
  DISTANCE_NEXT: 1 << 18,
  STARTS_WITH: 1 << 19,
} as const;

const RELATIVE = ContentFlag.DISTANCE | ContentFlag.WITHIN;
const RELATIVE_NEXT = ContentFlag.WITHIN_NEXT | ContentFlag.DISTANCE_NEXT;
const ANY_VAR = ContentFlag.OFFSET_VAR | ContentFlag.DEPTH_VAR;

/** A content step. Values of the `*_VAR` fields are variable slots. */
export interface ContentStep {
  /** Step kind. */
  readonly kind: typeof StepKind.CONTENT;
  /** The pattern; lower-cased when nocase. */
  readonly pattern: Uint8Array;
  /** ContentFlag bits. */
  readonly flags: number;
  /** Absolute offset or slot. */
  readonly offset: number;
  /** Absolute depth (already including a constant offset, as Suricata stores it) or slot. */
  readonly depth: number;
  /** Distance or slot. */
  readonly distance: number;
  /** Within or slot. */
  readonly within: number;
  /**
   * The pattern's {@link shiftTable}, made on its first search when the
   * pattern has two bytes or more (null until then).
   */
  skip: Uint8Array | null;
}

/** A pcre step. */
export interface PcreStep {
  /** Step kind. */
  readonly kind: typeof StepKind.PCRE;
  /** Global (`g`) or sticky (`y`, pcre `/A`) expression over a latin1 string. */
  readonly regex: RegExp;
  /** `/R`. */
  readonly relative: boolean;
  /** `!"..."`. */
  readonly negated: boolean;
  /** A later relative step depends on this one (retry on failure). */
  readonly relativeNext: boolean;
}

/** byte_test operators. */
export const ByteOp = { EQ: 0, LT: 1, GT: 2, AND: 3, OR: 4, GE: 5, LE: 6 } as const;

/** Flags shared by the byte_* steps. */
export const ByteFlag = {
  RELATIVE: 1 << 0,
  LITTLE: 1 << 1,
  STRING: 1 << 2,
  BITMASK: 1 << 3,
  NBYTES_VAR: 1 << 4,
  OFFSET_VAR: 1 << 5,
  VALUE_VAR: 1 << 6,
  BEGIN: 1 << 7,
  END: 1 << 8,
  ALIGN: 1 << 9,
  /**
   * `dce`: the byte order is the DCE/RPC data representation of the
   * transaction being inspected (little-endian when it says so, else big).
   */
  DCE: 1 << 10,
} as const;

/**
 * A transaction that knows its DCE/RPC data representation (what the `dce`
 * byte order of byte_test, byte_jump, byte_extract and byte_math reads).
 */
export interface DceByteOrder {
  /** Multi-byte stub values are little-endian. */
  readonly dceLittleEndian: boolean;
}

/** A byte_test step. */
export interface ByteTestStep {
  /** Step kind. */
  readonly kind: typeof StepKind.BYTE_TEST;
  /** Flag bits. */
  readonly flags: number;
  /** Bytes to read, or a variable slot (NBYTES_VAR). */
  readonly nbytes: number;
  /** Offset, or a variable slot. */
  readonly offset: number;
  /** Value compared with, or a variable slot (VALUE_VAR). */
  readonly value: number;
  /** A ByteOp. */
  readonly op: number;
  /** The operator is negated. */
  readonly negate: boolean;
  /** strtoull base (0: automatic). */
  readonly base: number;
  /** Mask applied to the value (BITMASK). */
  readonly bitmask: number;
  /** Trailing zero bits of the mask: the masked value is shifted right by them. */
  readonly bitmaskShift: number;
}

/** A byte_jump step. */
export interface ByteJumpStep {
  /** Step kind. */
  readonly kind: typeof StepKind.BYTE_JUMP;
  /** Flag bits. */
  readonly flags: number;
  /** Bytes to read, or a variable slot (NBYTES_VAR). */
  readonly nbytes: number;
  /** Offset, or a variable slot. */
  readonly offset: number;
  /** strtoul base for string extraction (0: automatic). */
  readonly base: number;
  /** Multiplier of the value. */
  readonly multiplier: number;
  /** Added to the jump after multiplier and alignment. */
  readonly postOffset: number;
}

/** A byte_extract step. */
export interface ByteExtractStep {
  /** Step kind. */
  readonly kind: typeof StepKind.BYTE_EXTRACT;
  /** Flag bits. */
  readonly flags: number;
  /** Bytes to read, or a variable slot (NBYTES_VAR). */
  readonly nbytes: number;
  /** Offset, or a variable slot. */
  readonly offset: number;
  /** strtoul base for string extraction (0: automatic). */
  readonly base: number;
  /** Multiplier of the value. */
  readonly multiplier: number;
  /** 0 = none, 2 or 4. */
  readonly align: number;
  /** Variable slot written. */
  readonly slot: number;
}

/** byte_math operators. */
export const MathOp = { NONE: 0, ADD: 1, SUB: 2, DIV: 3, MUL: 4, SHL: 5, SHR: 6 } as const;

/** A byte_math step. */
export interface ByteMathStep {
  /** Step kind. */
  readonly kind: typeof StepKind.BYTE_MATH;
  /** Flag bits. */
  readonly flags: number;
  /** Bytes to read, or a variable slot (NBYTES_VAR). */
  readonly nbytes: number;
  /** Offset, or a variable slot. */
  readonly offset: number;
  /** A MathOp. */
  readonly oper: number;
  /** rvalue or slot (VALUE_VAR). */
  readonly rvalue: number;
  /** strtoul base for string extraction (0: automatic). */
  readonly base: number;
  /** Mask applied to the value (BITMASK). */
  readonly bitmask: number;
  /** Trailing zero bits of the mask: the masked value is shifted right by them. */
  readonly bitmaskShift: number;
  /** Variable slot written. */
  readonly slot: number;
}

/** An isdataat step. */
export interface IsdataatStep {
  /** Step kind. */
  readonly kind: typeof StepKind.ISDATAAT;
  /** Position or slot. */
  readonly dataat: number;
  /** Relative to the previous match. */
  readonly relative: boolean;
  /** Negated. */
  readonly negated: boolean;
  /** The position is a variable slot. */
  readonly variable: boolean;
}

/** Unsigned comparison modes (Suricata's DetectUintMode). */
export const UintMode = { EQ: 0, LT: 1, LE: 2, GT: 3, GE: 4, RANGE: 5, NE: 6 } as const;

/** A bsize or urilen step. */
export interface SizeStep {
  /** Step kind. */
  readonly kind: typeof StepKind.BSIZE | typeof StepKind.URILEN;
  /** A UintMode. */
  readonly mode: number;
  /** First operand. */
  readonly arg1: number;
  /** Second operand (ranges). */
  readonly arg2: number;
}

/** A base64_decode step with the base64_data steps it feeds. */
export interface Base64DecodeStep {
  /** Step kind. */
  readonly kind: typeof StepKind.BASE64_DECODE;
  /** Bytes to decode (or the content bytes). */
  readonly bytes: number;
  /** Offset, or a variable slot. */
  readonly offset: number;
  /** Relative to the previous match. */
  readonly relative: boolean;
  /** The base64_data inspection, null when the rule has none (then it never matches). */
  readonly data: ContentInspector | null;
  /** Decoded bytes (one per step, reused). */
  readonly scratch: Uint8Array;
}

/** A test on the whole buffer (dataset, datarep): see {@link BufferTestStep}. */
export interface BufferTest {
  /**
   * @param data the bytes
   * @param start first byte of the buffer
   * @param end one past its last byte
   * @returns true when the buffer passes
   */
  test(data: Uint8Array, start: number, end: number): boolean;
}

/** A step that tests the whole buffer at once (Suricata's dataset and datarep). */
export interface BufferTestStep {
  /** Step kind. */
  readonly kind: typeof StepKind.BUFFER_TEST;
  /** The test. */
  readonly test: BufferTest;
}

/** Any compiled step. */
export type InspectionStep =
  | ContentStep
  | PcreStep
  | ByteTestStep
  | ByteJumpStep
  | ByteExtractStep
  | ByteMathStep
  | IsdataatStep
  | SizeStep
  | Base64DecodeStep
  | BufferTestStep;

/** ASCII lower-case table (Suricata's u8_tolower). */
export const LOWER: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = c >= 0x41 && c <= 0x5a ? c + 32 : c;
  return t;
})();

/**
 * First occurrence of `pat` in `data[from, to)`: a first-byte scan, then a
 * compare.
 *
 * @returns the index in `data`, or -1
 */
export function findBytes(data: Uint8Array, from: number, to: number, pat: Uint8Array): number {
  const n = pat.length;
  const last = to - n;
  if (n === 0) return from <= to ? from : -1;
  const first = pat[0];
  for (let i = from; i <= last; i++) {
    if (data[i] !== first) continue;
    let k = 1;
    while (k < n && data[i + k] === pat[k]) k++;
    if (k === n) return i;
  }
  return -1;
}

/**
 * As {@link findBytes}, ASCII case-insensitively; `lowerPat` is lower-cased.
 *
 * @returns the index in `data`, or -1
 */
export function findBytesNocase(
  data: Uint8Array,
  from: number,
  to: number,
  lowerPat: Uint8Array,
): number {
  const n = lowerPat.length;
  const last = to - n;
  if (n === 0) return from <= to ? from : -1;
  const first = lowerPat[0];
  for (let i = from; i <= last; i++) {
    if (LOWER[data[i]] !== first) continue;
    let k = 1;
    while (k < n && LOWER[data[i + k]] === lowerPat[k]) k++;
    if (k === n) return i;
  }
  return -1;
}

/**
 * Horspool's shift table of a pattern: for each byte value, how far a window
 * whose last byte has that value can move without passing an occurrence
 * (shifts are capped at 255, which only makes them shorter).
 *
 * @param pat the pattern (lower-cased when `nocase`)
 * @param nocase also map each lower-case letter's upper-case byte
 * @returns 256 shifts
 */
export function shiftTable(pat: Uint8Array, nocase: boolean): Uint8Array {
  const n = pat.length;
  const t = new Uint8Array(256).fill(Math.min(n, 255));
  for (let j = 0; j < n - 1; j++) {
    const shift = Math.min(n - 1 - j, 255);
    const b = pat[j];
    t[b] = shift;
    if (nocase && b >= 0x61 && b <= 0x7a) t[b - 32] = shift;
  }
  return t;
}

/**
 * As {@link findBytes}, with Horspool's skips: the last byte of each window
 * tells how far the next window may start.
 *
 * @param data the bytes
 * @param from first byte of the window
 * @param to one past its last byte
 * @param pat the pattern (at least one byte)
 * @param skip {@link shiftTable}`(pat, false)`
 * @returns the index in `data` of the first occurrence, or -1
 */
export function findBytesSkip(
  data: Uint8Array,
  from: number,
  to: number,
  pat: Uint8Array,
  skip: Uint8Array,
): number {
  const mlast = pat.length - 1;
  const lastByte = pat[mlast];
  const last = to - pat.length;
  let i = from;
  while (i <= last) {
    const c = data[i + mlast];
    if (c === lastByte) {
      let k = 0;
      while (k < mlast && data[i + k] === pat[k]) k++;
      if (k === mlast) return i;
    }
    i += skip[c];
  }
  return -1;
}

/**
 * As {@link findBytesSkip}, ASCII case-insensitively.
 *
 * @param data the bytes
 * @param from first byte of the window
 * @param to one past its last byte
 * @param lowerPat the lower-cased pattern (at least one byte)
 * @param skip {@link shiftTable}`(lowerPat, true)`
 * @returns the index in `data` of the first occurrence, or -1
 */
export function findBytesNocaseSkip(
  data: Uint8Array,
  from: number,
  to: number,
  lowerPat: Uint8Array,
  skip: Uint8Array,
): number {
  const mlast = lowerPat.length - 1;
  const lastByte = lowerPat[mlast];
  const last = to - lowerPat.length;
  let i = from;
  while (i <= last) {
    const c = data[i + mlast];
    if (LOWER[c] === lastByte) {
      let k = 0;
      while (k < mlast && LOWER[data[i + k]] === lowerPat[k]) k++;
      if (k === mlast) return i;
    }
    i += skip[c];
  }
  return -1;
}

const TWO_64 = 18446744073709551616;
const TWO_63 = 9223372036854775808;

/** The unsigned value of `n` bytes at `data[at]` (exact below 2^53). */
function readUint(data: Uint8Array, at: number, n: number, little: boolean): number {
  let v = 0;
  if (little) {
    for (let k = n - 1; k >= 0; k--) v = v * 256 + data[at + k];
  } else {
    for (let k = 0; k < n; k++) v = v * 256 + data[at + k];
  }
  return v;
}

/** Result slot of {@link parseStringUint} (no allocation). */
const strtoull = { value: 0, consumed: 0 };

function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x7a) return c - 0x57;
  if (c >= 0x41 && c <= 0x5a) return c - 0x37;
  return 99;
}

/**
 * C `strtoull` over `data[at, end)`, as Suricata's ByteExtractString: leading
 * blanks and a sign are accepted, base 0 detects `0x` and leading-zero
 * octal. Sets {@link strtoull}; returns false without digits or on overflow.
 */
function parseStringUint(data: Uint8Array, at: number, end: number, base: number): boolean {
  let i = at;
  while (i < end && isCSpace(data[i])) i++;
  let negative = false;
  if (i < end && (data[i] === 0x2b || data[i] === 0x2d)) {
    negative = data[i] === 0x2d;
    i++;
  }
  let b = base;
  if (
    (b === 0 || b === 16) && i + 1 < end && data[i] === 0x30 && (data[i + 1] | 0x20) === 0x78 &&
    i + 2 < end && digitValue(data[i + 2]) < 16
  ) {
    b = 16;
    i += 2;
  } else if (b === 0) {
    b = i < end && data[i] === 0x30 ? 8 : 10;
  }
  const digitsStart = i;
  let v = 0;
  while (i < end) {
    const d = digitValue(data[i]);
    if (d >= b) break;
    v = v * b + d;
    i++;
  }
  if (i === digitsStart) return false;
  if (v >= TWO_64) return false; // ERANGE
  strtoull.value = negative && v !== 0 ? TWO_64 - v : v;
  strtoull.consumed = i - at;
  return true;
}

/** Unsigned comparison (Suricata's detect_match_uint). */
export function matchUint(mode: number, arg1: number, arg2: number, v: number): boolean {
  switch (mode) {
    case UintMode.EQ:
      return v === arg1;
    case UintMode.NE:
      return v !== arg1;
    case UintMode.LT:
      return v < arg1;
    case UintMode.LE:
      return v <= arg1;
    case UintMode.GT:
      return v > arg1;
    case UintMode.GE:
      return v >= arg1;
    default:
      return v > arg1 && v < arg2;
  }
}

/** Mutable state of one inspection (shared with a nested base64_data inspection). */
export class InspectState {
  /** End of the last match (Suricata's det_ctx->buffer_offset). */
  bufferOffset = 0;
  /** Stop retrying (Suricata's discontinue_matching). */
  discontinue = false;
  /** Inspection calls so far (bounded by INSPECTION_RECURSION_LIMIT). */
  recursion = 0;
  /** Where a retried pcre resumes (Suricata's pcre_match_start_offset). */
  pcreStart = 0;
}

const LATIN1_CHUNK = 4096;

/**
 * The compiled inspection of one buffer: a {@link BufferMatcher} over the
 * steps of one signature's buffer.
 */
export class ContentInspector implements BufferMatcher {
  /** The steps in rule order. */
  readonly steps: readonly InspectionStep[];
  /**
   * A negated fast pattern that Suricata puts in the multi-pattern matcher
   * (negated, without distance/within/offset/depth/chop): when it occurs
   * anywhere in the buffer the signature is dropped before inspection
   * (detect.c, DetectPrefilterMergeSort), whatever endswith says.
   */
  readonly absent: { readonly pattern: Uint8Array; readonly nocase: boolean } | null;
  #state = new InspectState();
  #data: Uint8Array = EMPTY;
  #base = 0;
  #len = 0;
  #ctx: DetectContext | null = null;
  #str: string | null = null;

  /**
   * Build the matcher of one buffer.
   *
   * @param steps the compiled steps (at least one)
   * @param absent a negated prefilter pattern whose presence rules the buffer out
   */
  constructor(
    steps: readonly InspectionStep[],
    absent: { pattern: Uint8Array; nocase: boolean } | null = null,
  ) {
    this.steps = steps;
    this.absent = absent;
  }

  /**
   * Run the steps over `data[start, end)`.
   *
   * @param data the bytes
   * @param start first byte of the buffer
   * @param end one past its last byte
   * @param ctx detection scratch (byte_extract variables)
   * @returns true when every step matched
   */
  match(data: Uint8Array, start: number, end: number, ctx: DetectContext): boolean {
    const absent = this.absent;
    if (absent !== null) {
      const at = absent.nocase
        ? findBytesNocase(data, start, end, absent.pattern)
        : findBytes(data, start, end, absent.pattern);
      if (at >= 0) return false;
    }
    const st = this.#state;
    st.bufferOffset = 0;
    st.discontinue = false;
    st.recursion = 0;
    st.pcreStart = 0;
    return this.#begin(data, start, end, ctx);
  }

  /**
   * A nested run sharing the caller's state (base64_data).
   *
   * @param data the decoded bytes
   * @param start first byte
   * @param end one past the last byte
   * @param ctx detection scratch
   * @param state the caller's inspection state
   * @returns true when every step matched
   */
  matchNested(
    data: Uint8Array,
    start: number,
    end: number,
    ctx: DetectContext,
    state: InspectState,
  ): boolean {
    this.#state = state;
    state.bufferOffset = 0;
    return this.#begin(data, start, end, ctx);
  }

  #begin(data: Uint8Array, start: number, end: number, ctx: DetectContext): boolean {
    this.#data = data;
    this.#base = start;
    this.#len = end - start;
    this.#ctx = ctx;
    this.#str = null;
    const r = this.#inspect(0);
    this.#data = EMPTY;
    this.#ctx = null;
    this.#str = null;
    return r;
  }

  /** The buffer as a latin1 string (built once per call, for pcre). */
  #string(): string {
    if (this.#str !== null) return this.#str;
    const d = this.#data;
    const b = this.#base;
    const n = this.#len;
    let s = "";
    for (let i = 0; i < n; i += LATIN1_CHUNK) {
      s += String.fromCharCode.apply(
        null,
        d.subarray(b + i, b + Math.min(n, i + LATIN1_CHUNK)) as unknown as number[],
      );
    }
    this.#str = s;
    return s;
  }

  #var(slot: number): number {
    return this.#ctx!.variables[slot];
  }

  /** Step `i` and the ones after it; Suricata's DetectEngineContentInspection. */
  #inspect(i: number): boolean {
    const st = this.#state;
    if (++st.recursion >= INSPECTION_RECURSION_LIMIT) {
      st.discontinue = true;
      return false;
    }
    if (probe !== null) probe.reached(this, i, st.bufferOffset, this.#len);
    const step = this.steps[i];
    switch (step.kind) {
      case StepKind.CONTENT:
        return this.#content(step, i);
      case StepKind.PCRE:
        return this.#pcre(step, i);
      case StepKind.ISDATAAT: {
        let dataat = step.dataat;
        if (step.variable) {
          const v = this.#var(dataat);
          if (v >= 100000000) return step.negated ? this.#next(i) : false;
          /** Position or variable slot. */
          dataat = v;
        }
        const present = step.relative ? st.bufferOffset + dataat <= this.#len : dataat < this.#len;
        return present !== step.negated ? this.#next(i) : false;
      }
      case StepKind.BYTE_TEST:
        return this.#byteTest(step) ? this.#next(i) : false;
      case StepKind.BYTE_JUMP:
        return this.#byteJump(step) ? this.#next(i) : false;
      case StepKind.BYTE_EXTRACT:
        return this.#byteExtract(step) ? this.#next(i) : false;
      case StepKind.BYTE_MATH:
        return this.#byteMath(step) ? this.#next(i) : false;
      case StepKind.BSIZE:
        if (matchUint(step.mode, step.arg1, step.arg2, this.#len)) return this.#next(i);
        st.discontinue = true; // a complete buffer: every failure is final
        return false;
      case StepKind.URILEN:
        if (matchUint(step.mode, step.arg1, step.arg2, Math.min(this.#len, 0xffff))) {
          return this.#next(i);
        }
        st.discontinue = true;
        return false;
      case StepKind.BASE64_DECODE:
        return this.#base64(step);
      case StepKind.BUFFER_TEST:
        if (step.test.test(this.#data, this.#base, this.#base + this.#len)) return this.#next(i);
        st.discontinue = true;
        return false;
    }
  }

  /** Hand over to the step after `i` ("goto match" in Suricata). */
  #next(i: number): boolean {
    return i + 1 === this.steps.length ? true : this.#inspect(i + 1);
  }

  #content(cd: ContentStep, i: number): boolean {
    const st = this.#state;
    const flags = cd.flags;
    const len = this.#len;
    const plen = cd.pattern.length;
    const negated = (flags & ContentFlag.NEGATED) !== 0;
    const endsWith = (flags & ContentFlag.ENDS_WITH) !== 0;
    const prevBufferOffset = st.bufferOffset;
    let prevOffset = 0;
    for (;;) {
      let offset = 0;
      let depth = len;
      if ((flags & RELATIVE) !== 0) {
        /** Offset, or a variable slot. */
        offset = prevBufferOffset;
        /** Depth (absolute, including the offset) or a variable slot. */
        depth = len;
        let distance = cd.distance;
        if ((flags & ContentFlag.DISTANCE) !== 0) {
          if ((flags & ContentFlag.DISTANCE_VAR) !== 0) distance = this.#var(cd.distance) | 0;
          if (distance < 0 && -distance > offset) offset = 0;
          else offset += distance;
        }
        if ((flags & ContentFlag.WITHIN) !== 0) {
          const within = (flags & ContentFlag.WITHIN_VAR) !== 0 ? this.#var(cd.within) : cd.within;
          const limit = (prevBufferOffset + within + distance) | 0;
          if ((depth | 0) > limit) depth = limit >>> 0;
        }
        if ((flags & ContentFlag.DEPTH_VAR) !== 0) {
          const v = this.#var(cd.depth);
          if (v + prevBufferOffset < depth) depth = (prevBufferOffset + v) >>> 0;
        } else if (cd.depth !== 0 && cd.depth + prevBufferOffset < depth) {
          /** Depth (absolute, including the offset) or a variable slot. */
          depth = prevBufferOffset + cd.depth;
        }
        if ((flags & ContentFlag.OFFSET_VAR) !== 0) {
          const v = this.#var(cd.offset);
          if (v > offset) offset = v >>> 0;
        } else if (cd.offset > offset) {
          /** Offset, or a variable slot. */
          offset = cd.offset;
        }
      } else {
        if ((flags & ContentFlag.DEPTH_VAR) !== 0) depth = this.#var(cd.depth) >>> 0;
        else if (cd.depth !== 0) depth = cd.depth;
        /** Offset, or a variable slot. */
        offset = (flags & ContentFlag.OFFSET_VAR) !== 0 ? this.#var(cd.offset) >>> 0 : cd.offset;
      }
      if ((flags & ANY_VAR) !== 0) depth = (depth + offset) >>> 0;
      if (prevOffset !== 0) offset = prevOffset;
      if (depth > len) depth = len;
      if (offset > depth || depth === 0) {
        return negated ? this.#next(i) : false;
      }
      const windowLen = depth - offset;
      let found = -1;
      if (endsWith && depth < len) {
        found = -1;
      } else if (plen <= windowLen) {
        const from = this.#base + offset;
        const to = this.#base + depth;
        const nocase = (flags & ContentFlag.NOCASE) !== 0;
        if (plen === 1) {
          found = nocase
            ? findBytesNocase(this.#data, from, to, cd.pattern)
            : findBytes(this.#data, from, to, cd.pattern);
        } else {
          const skip = cd.skip ??= shiftTable(cd.pattern, nocase);
          found = nocase
            ? findBytesNocaseSkip(this.#data, from, to, cd.pattern, skip)
            : findBytesSkip(this.#data, from, to, cd.pattern, skip);
        }
      }
      if (found < 0) {
        if (negated) return this.#next(i);
        if ((flags & RELATIVE) === 0) st.discontinue = true;
        return false;
      }
      const matchOffset = found - this.#base + plen;
      if (negated) {
        if (endsWith && windowLen !== matchOffset) return this.#next(i);
        if ((flags & (RELATIVE | RELATIVE_NEXT | ContentFlag.DEPTH | ContentFlag.OFFSET)) === 0) {
          st.discontinue = true;
        }
        return false;
      }
      st.bufferOffset = matchOffset;
      if (!endsWith || matchOffset === len) {
        if (i + 1 === this.steps.length) return true;
        if (this.#inspect(i + 1)) return true;
        if (st.discontinue) return false;
        if ((flags & ContentFlag.WITHIN_NEXT) === 0) {
          st.discontinue = true;
          return false;
        }
      }
      prevOffset = matchOffset - (plen - 1);
    }
  }

  #pcre(pe: PcreStep, i: number): boolean {
    const st = this.#state;
    const prevBufferOffset = st.bufferOffset;
    st.pcreStart = 0;
    for (;;) {
      const base = pe.relative ? st.bufferOffset : 0;
      let startOffset = 0;
      if (st.pcreStart !== 0) startOffset = st.pcreStart - base;
      const re = pe.regex;
      let s = this.#string();
      if (base !== 0) s = s.substring(base);
      let matched = false;
      let mStart = 0;
      let mEnd = 0;
      if (startOffset >= 0 && startOffset <= s.length) {
        re.lastIndex = startOffset;
        if (pe.relativeNext && !pe.negated) {
          const m = re.exec(s);
          if (m !== null) {
            matched = true;
            mStart = m.index;
            mEnd = m.index + m[0].length;
          }
        } else {
          matched = re.test(s);
          mEnd = re.lastIndex;
        }
      }
      if (pe.negated) {
        if (matched) return false;
        return this.#next(i);
      }
      if (!matched) return false;
      st.bufferOffset = base + mEnd;
      st.pcreStart = base + mStart + 1;
      if (!pe.relativeNext) return this.#next(i);
      const prev = st.pcreStart;
      if (i + 1 === this.steps.length) return true;
      if (this.#inspect(i + 1)) return true;
      if (st.discontinue) return false;
      st.bufferOffset = prevBufferOffset;
      st.pcreStart = prev;
    }
  }

  /** Where a byte_* step reads: sets #at/#avail; false when out of the buffer. */
  #locate(relative: boolean, offset: number, nbytes: number): boolean {
    let at: number;
    let avail: number;
    if (relative) {
      at = this.#state.bufferOffset + offset;
      avail = this.#len - this.#state.bufferOffset - offset;
      if (avail <= 0) return false;
    } else {
      at = offset;
      avail = this.#len - offset;
    }
    if (at < 0 || nbytes > avail) return false;
    this.#at = at;
    return true;
  }

  #at = 0;

  /** Extract at #at: sets #value and #consumed. */
  #extract(flags: number, nbytes: number, base: number): boolean {
    const abs = this.#base + this.#at;
    if ((flags & ByteFlag.STRING) !== 0) {
      const end = nbytes === 0 ? this.#base + this.#len : abs + nbytes;
      if (!parseStringUint(this.#data, abs, end, base)) return false;
      this.#value = strtoull.value;
      this.#consumed = strtoull.consumed;
      return true;
    }
    const little = (flags & ByteFlag.DCE) !== 0
      ? (this.#ctx!.tx as Partial<DceByteOrder> | null)?.dceLittleEndian === true
      : (flags & ByteFlag.LITTLE) !== 0;
    this.#value = readUint(this.#data, abs, nbytes, little);
    this.#consumed = nbytes;
    return true;
  }

  #value = 0;
  #consumed = 0;

  #byteTest(bt: ByteTestStep): boolean {
    if (this.#len === 0) return false;
    const flags = bt.flags;
    const offset = (flags & ByteFlag.OFFSET_VAR) !== 0 ? this.#var(bt.offset) | 0 : bt.offset;
    const value = (flags & ByteFlag.VALUE_VAR) !== 0 ? this.#var(bt.value) : bt.value;
    let nbytes = bt.nbytes;
    if ((flags & ByteFlag.NBYTES_VAR) !== 0) {
      /** Bytes to read, or a variable slot (NBYTES_VAR). */
      nbytes = this.#var(bt.nbytes) | 0;
      if (!(((flags & ByteFlag.STRING) !== 0 && nbytes <= 23) || nbytes <= 8)) return false;
    }
    if (!this.#locate((flags & ByteFlag.RELATIVE) !== 0, offset, nbytes)) return false;
    if (!this.#extract(flags, nbytes, bt.base)) return false;
    let val = this.#value;
    if ((flags & ByteFlag.BITMASK) !== 0) {
      val = andUint(val, bt.bitmask);
      if (val !== 0 && bt.bitmaskShift !== 0) val = Math.floor(val / 2 ** bt.bitmaskShift);
    }
    let match: boolean;
    switch (bt.op) {
      case ByteOp.EQ:
        match = val === value;
        break;
      case ByteOp.LT:
        match = val < value;
        break;
      case ByteOp.GT:
        match = val > value;
        break;
      case ByteOp.AND:
        match = andNonZero(val, value);
        break;
      case ByteOp.OR:
        match = val !== value;
        break;
      case ByteOp.GE:
        match = val >= value;
        break;
      default:
        match = val <= value;
    }
    return match !== bt.negate;
  }

  #byteJump(bj: ByteJumpStep): boolean {
    const len = this.#len;
    if (len === 0) return false;
    const st = this.#state;
    const flags = bj.flags;
    const offset = (flags & ByteFlag.OFFSET_VAR) !== 0 ? this.#var(bj.offset) | 0 : bj.offset;
    let nbytes = bj.nbytes;
    if ((flags & ByteFlag.NBYTES_VAR) !== 0) {
      /** Bytes to read, or a variable slot (NBYTES_VAR). */
      nbytes = this.#var(bj.nbytes) | 0;
      if (!(((flags & ByteFlag.STRING) !== 0 && nbytes <= 23) || nbytes <= 8)) return false;
    }
    let at = offset;
    let avail = len - offset;
    if ((flags & ByteFlag.RELATIVE) !== 0) {
      at += st.bufferOffset;
      avail -= st.bufferOffset;
      if (nbytes !== 0 && avail <= 0) return false;
    }
    if (at < 0 || nbytes > avail) return false;
    this.#at = at;
    if (!this.#extract(flags, nbytes, bj.base)) return false;
    let val = this.#value * bj.multiplier;
    if ((flags & ByteFlag.ALIGN) !== 0 && val % 4 !== 0) val += 4 - (val % 4);
    val += bj.postOffset; // uint64 arithmetic, then an (int64_t) cast: kept signed here
    if (val >= TWO_63) val -= TWO_64;
    let jump: number;
    if ((flags & ByteFlag.BEGIN) !== 0) jump = val;
    else if ((flags & ByteFlag.END) !== 0) jump = len + val;
    else jump = at + val + this.#consumed;
    if (jump < 0) jump = 0;
    else if (jump > len) return false;
    st.bufferOffset = jump;
    return true;
  }

  #byteExtract(be: ByteExtractStep): boolean {
    if (this.#len === 0) return false;
    if (!this.#locate((be.flags & ByteFlag.RELATIVE) !== 0, be.offset, be.nbytes)) return false;
    if (!this.#extract(be.flags, be.nbytes, be.base)) return false;
    let val = this.#value * be.multiplier;
    if (be.align !== 0 && val % be.align !== 0) val += be.align - (val % be.align);
    this.#state.bufferOffset = this.#at + this.#consumed;
    this.#ctx!.variables[be.slot] = val;
    return true;
  }

  #byteMath(bm: ByteMathStep): boolean {
    if (this.#len === 0) return false;
    const flags = bm.flags;
    let nbytes = bm.nbytes;
    if ((flags & ByteFlag.NBYTES_VAR) !== 0) nbytes = this.#var(bm.nbytes) & 0xff;
    if (!(nbytes >= 1 && (((flags & ByteFlag.STRING) !== 0 && nbytes <= 10) || nbytes <= 4))) {
      return false;
    }
    const rvalue = (flags & ByteFlag.VALUE_VAR) !== 0 ? this.#var(bm.rvalue) : bm.rvalue;
    if (!this.#locate((flags & ByteFlag.RELATIVE) !== 0, bm.offset, nbytes)) return false;
    if (!this.#extract(flags, nbytes, bm.base)) return false;
    let val = this.#value;
    switch (bm.oper) {
      case MathOp.ADD:
        val = (val + rvalue) % TWO_64;
        break;
      case MathOp.SUB:
        val = val - rvalue;
        if (val < 0) val += TWO_64;
        break;
      case MathOp.DIV:
        if (rvalue === 0) return false;
        val = Math.floor(val / rvalue);
        break;
      case MathOp.MUL:
        val = (val * rvalue) % TWO_64;
        break;
      case MathOp.SHL:
        val = rvalue < 64 ? (val * 2 ** rvalue) % TWO_64 : 0;
        break;
      case MathOp.SHR:
        val = rvalue < 64 ? Math.floor(val / 2 ** rvalue) : 0;
        break;
    }
    this.#state.bufferOffset = this.#at + this.#consumed;
    if ((flags & ByteFlag.BITMASK) !== 0) {
      val = andUint(val, bm.bitmask);
      if (val !== 0 && bm.bitmaskShift !== 0) val = Math.floor(val / 2 ** bm.bitmaskShift);
    }
    this.#ctx!.variables[bm.slot] = val;
    return true;
  }

  #base64(bd: Base64DecodeStep): boolean {
    const st = this.#state;
    let at = 0;
    let avail = this.#len;
    if (bd.relative) {
      at = st.bufferOffset;
      avail -= st.bufferOffset;
    }
    if (bd.offset !== 0) {
      if (bd.offset >= avail) return false;
      at += bd.offset;
      avail -= bd.offset;
    }
    // Suricata decodes into one buffer the size of the largest `bytes` of all rules
    const dest = base64Shared.buffer;
    const n = decodeBase64(this.#data, this.#base + at, Math.min(avail, bd.bytes), dest);
    if (n <= 0 || bd.data === null) return false;
    // base64_data is terminal: its match is the buffer's match.
    const data = this.#data;
    const base = this.#base;
    const len = this.#len;
    const ctx = this.#ctx!;
    const str = this.#str;
    const r = bd.data.matchNested(dest, 0, n, ctx, st);
    this.#data = data;
    this.#base = base;
    this.#len = len;
    this.#ctx = ctx;
    this.#str = str;
    return r;
  }
}

const EMPTY = new Uint8Array(0);

/** `a & b` for unsigned values below 2^53 (b below 2^32). */
function andUint(a: number, b: number): number {
  return ((a % 4294967296) & b) >>> 0;
}

/** `(a & b) != 0` for unsigned values below 2^53. */
function andNonZero(a: number, b: number): boolean {
  const alo = a % 4294967296;
  const blo = b % 4294967296;
  if (((alo & blo) >>> 0) !== 0) return true;
  const ahi = Math.floor(a / 4294967296);
  const bhi = Math.floor(b / 4294967296);
  return ((ahi & bhi) >>> 0) !== 0;
}

const B64: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let k = 0; k < 64; k++) t[abc.charCodeAt(k)] = k;
  return t;
})();

/** The decode buffer all base64_decode steps share (Suricata's `base64_decoded`). */
const base64Shared = { buffer: new Uint8Array(0) };

/**
 * Note a base64_decode step's `bytes`: the shared decode buffer is as long
 * as the largest (as Suricata's `base64_decode_max_len`).
 *
 * @param bytes the step's `bytes`
 * @returns the shared buffer as it is now (steps decode into the current one)
 */
export function base64Scratch(bytes: number): Uint8Array {
  if (bytes > base64Shared.buffer.length) base64Shared.buffer = new Uint8Array(bytes);
  return base64Shared.buffer;
}

/**
 * Suricata's DecodeBase64 in RFC 4648 mode: decode until the first character
 * outside the alphabet (`=` counts as padding); a trailing partial block is
 * decoded as if padded.
 *
 * @param src the bytes
 * @param at where the encoded text starts
 * @param len how many bytes to look at
 * @param dest where to write (its length bounds the output)
 * @returns the number of decoded bytes
 */
export function decodeBase64(src: Uint8Array, at: number, len: number, dest: Uint8Array): number {
  let decoded = 0;
  let bbidx = 0;
  let padding = 0;
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  let valid = true;
  const size = dest.length;
  for (let i = 0; i < len; i++) {
    const c = src[at + i];
    const v = B64[c];
    if (v < 0) {
      if (c !== 0x3d) {
        valid = false;
        break;
      }
      padding++;
    }
    const x = v > 0 ? v : 0;
    if (bbidx === 0) b0 = x;
    else if (bbidx === 1) b1 = x;
    else if (bbidx === 2) b2 = x;
    else b3 = x;
    bbidx++;
    if (bbidx === 4) {
      const blk = 3 - (padding < 4 ? padding : 3);
      if (size < decoded + blk) return decoded;
      if (size - decoded < 3) return decoded;
      dest[decoded] = ((b0 << 2) | (b1 >> 4)) & 0xff;
      dest[decoded + 1] = ((b1 << 4) | (b2 >> 2)) & 0xff;
      dest[decoded + 2] = ((b2 << 6) | b3) & 0xff;
      decoded += blk;
      bbidx = 0;
      padding = 0;
      b0 =
        b1 =
        b2 =
        b3 =
          0;
    }
  }
  if (bbidx > 0 && bbidx < 4 && !valid) {
    const pad = bbidx > 1 ? 4 - bbidx : 2;
    const blk = 3 - (pad < 4 ? pad : 3);
    if (size < decoded + blk || size - decoded < 3) return decoded;
    dest[decoded] = ((b0 << 2) | (b1 >> 4)) & 0xff;
    dest[decoded + 1] = ((b1 << 4) | (b2 >> 2)) & 0xff;
    dest[decoded + 2] = ((b2 << 6) | b3) & 0xff;
    decoded += blk;
  }
  if (valid && bbidx > 0) {
    if (size - decoded < 3) return decoded;
    dest[decoded] = ((b0 << 2) | (b1 >> 4)) & 0xff;
    dest[decoded + 1] = ((b1 << 4) | (b2 >> 2)) & 0xff;
    dest[decoded + 2] = ((b2 << 6) | b3) & 0xff;
    decoded += 3 - (4 - bbidx);
  }
  return decoded;
}
