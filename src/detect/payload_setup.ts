/**
 * The state the payload keywords share while one rule is compiled: the
 * mutable step records they add to a buffer's step list (content, pcre,
 * byte_*, isdataat, bsize, urilen, base64_decode), the sticky-buffer and
 * transform bookkeeping, and byte_extract/byte_math variable names.
 * `payload_finalizer.ts` turns the records into a {@link ContentInspector}.
 *
 * The records mirror Suricata's `SigMatch` lists: each has a sequence number
 * (`seq`, Suricata's `sm->idx`) so that "the last content of the rule" can be
 * found across buffers, as `DetectGetLastSMFromLists` does.
 *
 * @module
 */

import { bufferById, PKT_DATA } from "./buffers.ts";
import { type BufferTest, ContentFlag } from "./content_inspect.ts";
import { MAX_RULE_VARIABLES } from "./detect_context.ts";
import { BytePacker } from "./pattern_bytes.ts";
import { KeywordError, type SignatureBuilder } from "./signature.ts";

/** A content record. */
export interface ContentRecord {
  /** Record type. */
  readonly type: "content";
  /** Position in the rule (Suricata's sm->idx). */
  seq: number;
  /** The bytes as written (not case-folded). */
  bytes: Uint8Array;
  /** ContentFlag bits. */
  flags: number;
  /** Offset, or a variable slot. */
  offset: number;
  /** Depth (absolute, including the offset) or a variable slot. */
  depth: number;
  /** Distance or a variable slot. */
  distance: number;
  /** Within or a variable slot. */
  within: number;
  /** fast_pattern given (plain, only or chop). */
  fastPattern: boolean;
  /** fast_pattern:only. */
  fastPatternOnly: boolean;
  /** fast_pattern:offset,length (length 0: no chop). */
  chopOffset: number;
  /** fast_pattern chop length. */
  chopLength: number;
  /** rawbytes was given (no effect). */
  rawbytes: boolean;
}

/** A pcre record. */
export interface PcreRecord {
  /** Record type. */
  readonly type: "pcre";
  /** Position in the rule (Suricata's sm->idx). */
  seq: number;
  /** Translated JavaScript source. */
  source: string;
  /** Anchored at the start position (pcre /A). */
  sticky: boolean;
  /** Relative to the previous match. */
  relative: boolean;
  /** Negated. */
  negated: boolean;
  /** A later relative step depends on it. */
  relativeNext: boolean;
}

/** A byte_test, byte_jump, byte_extract or byte_math record (compiled shapes, see content_inspect.ts). */
export interface ByteRecord {
  /** Record type. */
  readonly type: "byte_test" | "byte_jump" | "byte_extract" | "byte_math";
  /** Position in the rule (Suricata's sm->idx). */
  seq: number;
  /** The compiled step (its shape is the one of its kind). */
  step: Record<string, number | boolean | string>;
  /** byte_extract/byte_math: the variable it sets. */
  name?: string;
}

/** An isdataat record. */
export interface IsdataatRecord {
  /** Record type. */
  readonly type: "isdataat";
  /** Position in the rule (Suricata's sm->idx). */
  seq: number;
  /** Position or variable slot. */
  dataat: number;
  /** Relative to the previous match. */
  relative: boolean;
  /** Negated. */
  negated: boolean;
  /** The position is a variable slot. */
  variable: boolean;
}

/** A bsize or urilen record. */
export interface SizeRecord {
  /** Record type. */
  readonly type: "bsize" | "urilen";
  /** Position in the rule (Suricata's sm->idx). */
  seq: number;
  /** A UintMode. */
  mode: number;
  /** First operand. */
  arg1: number;
  /** Second operand (ranges). */
  arg2: number;
}

/** A base64_decode record. */
export interface Base64Record {
  /** Record type. */
  readonly type: "base64_decode";
  /** Position in the rule (Suricata's sm->idx). */
  seq: number;
  /** Bytes to decode (or the content bytes). */
  bytes: number;
  /** Offset, or a variable slot. */
  offset: number;
  /** Relative to the previous match. */
  relative: boolean;
}

/** A whole-buffer test record (dataset, datarep). */
export interface BufferTestRecord {
  /** Record type. */
  readonly type: "buffer_test";
  /** Position in the rule (Suricata's sm->idx). */
  seq: number;
  /** The keyword that added it. */
  readonly keyword: string;
  /** The test. */
  readonly test: BufferTest;
}

/** Any record on a buffer's step list. */
export type PayloadRecord =
  | ContentRecord
  | PcreRecord
  | ByteRecord
  | IsdataatRecord
  | SizeRecord
  | Base64Record
  | BufferTestRecord;

/** A transform as written after a sticky buffer. */
export interface TransformSpec {
  /** Keyword, e.g. "to_lowercase". */
  readonly name: string;
  /** Its value (pcrexform, xor), or null. */
  readonly value: string | null;
}

/** Per-rule state of the payload keywords (in `builder.scratch`). */
export class PayloadState {
  /** Next record sequence number. */
  seq = 0;
  /** A sticky buffer keyword was just seen (transforms may follow). */
  listSet = false;
  /** Transforms waiting for the next match keyword. */
  pendingTransforms: TransformSpec[] = [];
  /** The sticky buffer (before transforms) in effect, or -1. */
  stickyBase: number = -1;
  /** Name of the sticky buffer set last and whether a match was added to it since. */
  stickyName: string | null = null;
  /** A match keyword followed the last sticky buffer. */
  stickyHasMatch: boolean = true;
  /** The buffer that legacy content modifiers (http_uri, ...) moved contents to last. */
  legacyBuffer: number = -1;
  /** The current list is base64_data. */
  inBase64Data = false;
  /** Transformed buffers: id -> base buffer id and transforms. */
  readonly transformed = new Map<number, { base: number; transforms: TransformSpec[] }>();
}

const STATE_KEY = "payload";

/**
 * The payload state of the rule being compiled.
 *
 * @param builder the signature builder
 * @returns its payload state (created on first use)
 */
export function payloadState(builder: SignatureBuilder): PayloadState {
  let st = builder.scratch.get(STATE_KEY) as PayloadState | undefined;
  if (st === undefined) {
    st = new PayloadState();
    builder.scratch.set(STATE_KEY, st);
  }
  return st;
}

/**
 * The records of one buffer.
 *
 * @param builder the signature builder
 * @param bufferId the buffer
 * @returns its records (empty when none)
 */
export function recordsOf(builder: SignatureBuilder, bufferId: number): PayloadRecord[] {
  return (builder.steps.get(bufferId) ?? []) as PayloadRecord[];
}

/**
 * Append a record to a buffer.
 *
 * @param builder the signature builder
 * @param bufferId the buffer
 * @param record the record (its `seq` is assigned here)
 */
export function addRecord(
  builder: SignatureBuilder,
  bufferId: number,
  record: PayloadRecord,
): void {
  const st = payloadState(builder);
  record.seq = st.seq++;
  builder.addStep(bufferId, record);
  st.stickyHasMatch = true;
}

/**
 * The last record of the given types across all buffers (Suricata's
 * `DetectGetLastSMFromLists`).
 *
 * @param builder the signature builder
 * @param types record types to consider
 * @returns the record and its buffer, or null
 */
export function lastRecord<T extends PayloadRecord["type"]>(
  builder: SignatureBuilder,
  types: readonly T[],
): { record: Extract<PayloadRecord, { type: T }>; buffer: number } | null {
  let best: { record: Extract<PayloadRecord, { type: T }>; buffer: number } | null = null;
  for (const [buffer, list] of builder.steps) {
    for (const r of list as PayloadRecord[]) {
      if (!(types as readonly string[]).includes(r.type)) continue;
      if (best === null || r.seq > best.record.seq) {
        best = { record: r as Extract<PayloadRecord, { type: T }>, buffer };
      }
    }
  }
  return best;
}

/**
 * The last content or pcre before `record` in the same buffer (Suricata's
 * `DetectGetLastSMByListPtr(s, sm->prev, DETECT_CONTENT, DETECT_PCRE)`).
 *
 * @param builder the signature builder
 * @param bufferId the buffer of `record`
 * @param record the record
 * @returns the earlier content or pcre, or null
 */
export function previousMatch(
  builder: SignatureBuilder,
  bufferId: number,
  record: PayloadRecord,
): ContentRecord | PcreRecord | null {
  const list = recordsOf(builder, bufferId);
  const at = list.indexOf(record);
  for (let k = (at < 0 ? list.length : at) - 1; k >= 0; k--) {
    const r = list[k];
    if (r.type === "content" || r.type === "pcre") return r;
  }
  return null;
}

/**
 * Mark a content or pcre as having a relative step after it.
 *
 * @param record the content or pcre
 * @param bits content bits (WITHIN_NEXT, DISTANCE_NEXT or both)
 */
export function markRelativeNext(record: ContentRecord | PcreRecord, bits: number): void {
  if (record.type === "content") record.flags |= bits;
  else record.relativeNext = true;
}

/** Both "next is relative" bits. */
export const RELATIVE_NEXT = ContentFlag.WITHIN_NEXT | ContentFlag.DISTANCE_NEXT;

/** Types of records a relative byte_test, byte_jump, ..., isdataat without a sticky buffer attaches to. */
export const RELATIVE_ANCHORS = [
  "content",
  "pcre",
  "byte_test",
  "byte_jump",
  "byte_extract",
  "isdataat",
  "byte_math",
] as const;

/**
 * The buffer match keywords add to now (Suricata's `DetectBufferGetActiveList`):
 * the sticky buffer, made into its transformed variant when transforms are
 * pending, or pkt_data.
 *
 * @param builder the signature builder
 * @param keyword the keyword asking, for errors
 * @returns the buffer id
 */
export function activeBuffer(builder: SignatureBuilder, keyword: string): number {
  const st = payloadState(builder);
  if (st.pendingTransforms.length > 0) {
    if (builder.currentBuffer < 0) {
      throw new KeywordError(keyword, "previous transforms not consumed");
    }
    const id = transformedBuffer(st, builder.currentBuffer, st.pendingTransforms);
    st.pendingTransforms = [];
    st.listSet = false;
    builder.currentBuffer = id;
  }
  return builder.currentBuffer < 0 ? PKT_DATA : builder.currentBuffer;
}

/** Registered transformed buffers: key -> id. Set by buffer_transforms.ts. */
export const transformedBufferHook: {
  register: (base: number, transforms: readonly TransformSpec[]) => number;
} = {
  register: () => {
    throw new Error("buffer_transforms.ts not loaded");
  },
};

function transformedBuffer(st: PayloadState, base: number, transforms: TransformSpec[]): number {
  const id = transformedBufferHook.register(base, transforms);
  st.transformed.set(id, { base, transforms: [...transforms] });
  return id;
}

/**
 * Whether the buffer is the (untransformed) sticky buffer of that name.
 *
 * @param bufferId a buffer id
 * @param name a buffer name
 * @returns true when it is
 */
export function isBuffer(bufferId: number, name: string): boolean {
  return bufferId >= 0 && bufferById(bufferId).name === name;
}

// ------------------------------------------------------------ value parsing

/**
 * Strip Suricata's option quoting: optional `!` (when allowed), blanks,
 * surrounding double quotes (trailing blanks trimmed).
 *
 * @param keyword for errors
 * @param raw the raw value
 * @param options whether quotes are mandatory and negation allowed
 * @returns the inner text, its offset in `raw`, and the negation
 */
export function unquote(
  keyword: string,
  raw: string,
  options: { quotes: "mandatory" | "optional"; negation: boolean },
): { text: string; offset: number; negated: boolean } {
  let i = 0;
  let end = raw.length;
  while (i < end && (raw[i] === " " || raw[i] === "\t")) i++;
  let negated = false;
  if (options.negation && raw[i] === "!") {
    negated = true;
    i++;
    while (i < end && (raw[i] === " " || raw[i] === "\t")) i++;
  }
  if (i >= end) throw new KeywordError(keyword, "invalid formatting or malformed option");
  if (raw[i] !== '"') {
    if (options.quotes === "mandatory") {
      throw new KeywordError(keyword, "value must be double quoted", { valueOffset: i });
    }
    return { text: raw.slice(i, end), offset: i, negated };
  }
  while (end > i && (raw[end - 1] === " " || raw[end - 1] === "\t")) end--;
  if (end - i < 2 || raw[end - 1] !== '"') {
    throw new KeywordError(keyword, "bad option value formatting (possible missing semicolon)", {
      valueOffset: i,
    });
  }
  const text = raw.slice(i + 1, end - 1);
  if (text.length === 0) throw new KeywordError(keyword, "empty value", { valueOffset: i });
  return { text, offset: i + 1, negated };
}

/**
 * Parse content text: `|hex|` segments and the escapes `\;` `\"` `\\` `\:`
 * (Suricata's DetectContentDataParse). Text is taken as its UTF-8 bytes.
 *
 * @param keyword for errors
 * @param text the text inside the quotes
 * @param at offset of `text` in the option value (for error positions)
 * @returns the bytes, read-only (packed with other parsed content)
 */
export function parseContentBytes(keyword: string, text: string, at: number): Uint8Array {
  // one char per byte: the text itself when it is ASCII (most content), else
  // its UTF-8 bytes as chars
  const src = isAscii(text) ? text : latin1(new TextEncoder().encode(text));
  if (contentScratch.length < src.length) contentScratch = new Uint8Array(src.length * 2);
  const out = contentScratch;
  let n = 0;
  let bin = false;
  let escape = false;
  let hi = -1;
  let pipes = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 0x7c) {
      pipes++;
      if (bin) {
        if (hi >= 0) contentError(keyword, text, at, "incomplete hex code", i);
        bin = false;
      } else {
        bin = true;
      }
    } else if (!escape && c === 0x5c) {
      if (bin) contentError(keyword, text, at, "backslash inside hex section", i);
      escape = true;
    } else if (bin) {
      const v = hexDigit(c);
      if (v >= 0) {
        if (hi < 0) {
          hi = v;
        } else {
          out[n++] = (hi << 4) | v;
          hi = -1;
        }
      } else if (c !== 0x20 && c !== 0x2c) {
        contentError(keyword, text, at, `invalid hex code ${String.fromCharCode(c)}`, i);
      }
    } else if (escape) {
      if (c !== 0x3a && c !== 0x3b && c !== 0x5c && c !== 0x22) {
        contentError(keyword, text, at, `'${String.fromCharCode(c)}' cannot be escaped`, i);
      }
      out[n++] = c;
      escape = false;
    } else if (c === 0x22) {
      contentError(keyword, text, at, "unescaped double quote", i);
    } else {
      out[n++] = c;
    }
  }
  if (escape) contentError(keyword, text, at, "backslash at the end", src.length - 1);
  if (pipes % 2 !== 0) {
    contentError(keyword, text, at, "unterminated hex section", src.length - 1);
  }
  if (n === 0) contentError(keyword, text, at, "empty content", 0);
  return parsedContent.pack(out.subarray(0, n));
}

/** Where parseContentBytes writes before copying out the exact length (grown as needed). */
let contentScratch = new Uint8Array(256);
/**
 * Where parsed content bytes are packed: apart from the compiled patterns
 * (each a packed copy of its own), as they are let go with their rule's parse.
 */
const parsedContent = new BytePacker();

/** Throw a content parse error at UTF-8 byte `i` of `text`. */
function contentError(
  keyword: string,
  text: string,
  at: number,
  message: string,
  i: number,
): never {
  throw new KeywordError(keyword, message, { valueOffset: at + charIndex(text, i) });
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** Bytes as a string of one char per byte. */
function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** The character index in `text` of its UTF-8 byte `byteIndex`. */
function charIndex(text: string, byteIndex: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    if (bytes >= byteIndex) return i;
    const c = text.codePointAt(i)!;
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (c >= 0x10000) i++;
  }
  return text.length;
}

/**
 * C `strtoull`/`strtoll` with Suricata's strict check (nothing may follow):
 * leading blanks and a sign are accepted, base 0 means 0x-hex / 0-octal /
 * decimal.
 *
 * @param text the number
 * @param base 0, 8, 10 or 16
 * @param signed accept a negative value as negative (strtoll) instead of wrapping
 * @returns the value, or null when it is not a number in full or overflows
 */
export function parseCNumber(text: string, base: number, signed = false): number | null {
  let i = 0;
  while (i < text.length && /[\t\n\v\f\r ]/.test(text[i])) i++;
  let negative = false;
  if (text[i] === "+" || text[i] === "-") {
    negative = text[i] === "-";
    i++;
  }
  let b = base;
  if ((b === 0 || b === 16) && /^0[xX][0-9a-fA-F]/.test(text.slice(i))) {
    b = 16;
    i += 2;
  } else if (b === 0) {
    b = text[i] === "0" ? 8 : 10;
  }
  const start = i;
  let v = 0;
  while (i < text.length) {
    const d = parseInt(text[i], 36);
    if (Number.isNaN(d) || d >= b) break;
    v = v * b + d;
    i++;
  }
  if (i === start || i !== text.length) return null;
  if (signed) {
    if (v > 2 ** 63) return null;
    return negative ? -v : v;
  }
  if (v >= 2 ** 64) return null;
  return negative && v !== 0 ? 2 ** 64 - v : v;
}

/**
 * Whether a value names a byte_extract/byte_math variable rather than a
 * number (Suricata: `str[0] != '-' && isalpha(str[0])`).
 *
 * @param text the value
 * @returns true for a variable name
 */
export function isVariableName(text: string): boolean {
  const c = text.charCodeAt(0);
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * The slot of a byte_extract/byte_math variable, found as Suricata's
 * DetectByteRetrieveSMVar does: byte_extract before byte_math, sticky
 * buffers (in order of use) before the packet payload, first match wins.
 *
 * @param builder the signature builder
 * @param keyword for errors
 * @param name the variable name
 * @param valueOffset where the name is in the value
 * @returns the slot
 */
export function variableSlot(
  builder: SignatureBuilder,
  keyword: string,
  name: string,
  valueOffset: number,
): number {
  const lists = [...builder.bufferOrder.filter((b) => b !== PKT_DATA), PKT_DATA];
  for (const type of ["byte_extract", "byte_math"]) {
    for (const b of lists) {
      for (const r of recordsOf(builder, b)) {
        if (r.type === type && (r as ByteRecord).name === name) {
          return (r as ByteRecord).step.slot as number;
        }
      }
    }
  }
  throw new KeywordError(keyword, `unknown byte_extract/byte_math variable ${name}`, {
    valueOffset,
  });
}

/**
 * The slot a new byte_extract or byte_math gets in a buffer: Suricata numbers
 * each keyword's results per buffer from 0 (so that a byte_extract and a
 * byte_math of one buffer share slot 0, as they do in Suricata).
 *
 * @param builder the signature builder
 * @param keyword for errors
 * @param type "byte_extract" or "byte_math"
 * @param bufferId the buffer the record goes to
 * @returns the slot
 */
export function newVariableSlot(
  builder: SignatureBuilder,
  keyword: string,
  type: "byte_extract" | "byte_math",
  bufferId: number,
): number {
  const slot = recordsOf(builder, bufferId).filter((r) => r.type === type).length;
  if (slot >= MAX_RULE_VARIABLES) {
    throw new KeywordError(keyword, "too many byte_extract/byte_math variables in one buffer");
  }
  return slot;
}

/**
 * The last content of the rule, which a content modifier applies to.
 *
 * @param builder the signature builder
 * @param keyword the modifier, for errors
 * @returns the content and its buffer
 */
export function lastContent(
  builder: SignatureBuilder,
  keyword: string,
): { record: ContentRecord; buffer: number } {
  const last = lastRecord(builder, ["content"] as const);
  if (last === null) throw new KeywordError(keyword, "needs a preceding content");
  return last;
}

/**
 * Parse an unsigned 16-bit value the way Suricata's StringParseUint16 does
 * with base 0 (0x-hex and 0-octal accepted, nothing may follow).
 *
 * @param keyword for errors
 * @param text the value
 * @returns the value
 */
export function parseU16(keyword: string, text: string): number {
  const v = parseCNumber(text, 0);
  if (v === null || v > 0xffff) throw new KeywordError(keyword, `invalid value ${text}`);
  return v;
}

/**
 * Parse a signed value in a range (Suricata's StringParseI32RangeCheck, base 0).
 *
 * @param keyword for errors
 * @param text the value
 * @param min smallest allowed
 * @param max largest allowed
 * @returns the value
 */
export function parseI32(keyword: string, text: string, min: number, max: number): number {
  const v = parseCNumber(text, 0, true);
  if (v === null || v < min || v > max) throw new KeywordError(keyword, `invalid value ${text}`);
  return v;
}
