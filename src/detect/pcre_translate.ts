/**
 * PCRE2 to JavaScript RegExp translation, exact or not at all.
 *
 * Suricata compiles `pcre` patterns with PCRE2 in 8-bit non-UTF mode and the
 * default (C locale) character tables, and matches them against raw bytes.
 * Tarsier matches a JavaScript RegExp against a latin1 string (one char per
 * byte). The two engines differ in many small ways, so patterns are not
 * passed through: they are parsed into a tree and re-emitted so that the
 * JavaScript expression accepts exactly the same byte strings at the same
 * positions:
 *
 * - every character set is computed as a 256-bit set and emitted explicitly
 *   (`.` is `[^\n]`, `\s` is `[\t-\r ]`: JavaScript's `\s` also matches 0xA0);
 * - case-insensitivity (flag `i`, inline `(?i)` anywhere) folds ASCII letters
 *   only, as PCRE2's default tables do (JavaScript's `i` also folds latin1
 *   letters such as 0xE9/0xC9), so the JavaScript `i` flag is never used;
 * - `^`, `$`, `\A`, `\Z`, `\z` and multiline mode are emitted as assertions
 *   with PCRE2's newline (LF only; JavaScript also treats CR as a line end);
 * - atomic groups `(?>X)`, possessive quantifiers `X*+` and `\R` become
 *   `(?=(X))\N`: a lookahead is atomic in JavaScript and the back reference
 *   consumes what it matched, which is exactly PCRE's atomic semantics;
 * - the `U` flag (ungreedy) and `(?U)` swap greediness per quantifier;
 * - `x` mode whitespace and comments, `\Q..\E`, `\x{..}`, `\o{..}`, octal,
 *   `\c`, POSIX classes, `\h`, `\v`, `\N`, `\C` are resolved at translation.
 *
 * What cannot be expressed exactly is refused with
 * {@link PcreTranslateError.unsupported} set and the construct named:
 * recursion and subroutine calls, conditionals, branch reset, `\K`, `\G`,
 * backtracking verbs, callouts, Unicode properties and `\X`, quantified
 * assertions, atomic constructs inside lookbehinds, and back references
 * whose PCRE2 semantics differ from JavaScript's (a reference to a group
 * that may be unset, or a caseless reference to a group that can capture
 * latin1 letters). Patterns PCRE2 itself rejects are errors (not
 * "unsupported"), so that such rules fail as they do in Suricata.
 *
 * @example
 * ```ts
 * import { translatePcre } from "./pcre_translate.ts";
 * const t = translatePcre("^GET\\s+/a.b", { caseless: true });
 * new RegExp(t.source).test("get /a-b"); // true
 * ```
 *
 * @module
 */

/** PCRE2 compile options the translator understands (Suricata's pcre flags). */
export interface PcreOptions {
  /** `i`: PCRE2_CASELESS. */
  caseless?: boolean;
  /** `m`: PCRE2_MULTILINE. */
  multiline?: boolean;
  /** `s`: PCRE2_DOTALL. */
  dotall?: boolean;
  /** `x`: PCRE2_EXTENDED. */
  extended?: boolean;
  /** `E`: PCRE2_DOLLAR_ENDONLY. */
  dollarEndOnly?: boolean;
  /** `G`: PCRE2_UNGREEDY. */
  ungreedy?: boolean;
  /**
   * PCRE2_NO_AUTO_CAPTURE (Suricata sets it unless the pattern numbers a
   * back reference beyond the named groups; see {@link translatePcre}).
   * Default true, as Suricata compiles.
   */
  noAutoCapture?: boolean;
}

/** A translated pattern. */
export interface TranslatedPcre {
  /** JavaScript RegExp source; use it without the `i`, `m`, `s` or `u` flags. */
  readonly source: string;
  /** Number of capture groups in {@link TranslatedPcre.source}. */
  readonly jsGroups: number;
}

/** A pattern that PCRE2 rejects (`unsupported` false) or that cannot be translated exactly. */
export class PcreTranslateError extends Error {
  /** Byte offset in the (UTF-8) pattern where the problem is. */
  readonly offset: number;
  /** True when PCRE2 accepts the construct but it has no exact JavaScript form. */
  readonly unsupported: boolean;
  /** Short name of the construct, for grouping counts (e.g. "atomic group in lookbehind"). */
  readonly construct: string;

  /**
   * Describe a refused pattern.
   *
   * @param message what is wrong
   * @param offset byte offset in the pattern
   * @param unsupported whether PCRE2 accepts it
   * @param construct short name of the construct
   */
  constructor(message: string, offset: number, unsupported: boolean, construct: string) {
    super(message);
    this.name = "PcreTranslateError";
    this.offset = offset;
    this.unsupported = unsupported;
    this.construct = construct;
  }
}

// ---------------------------------------------------------------- byte sets

type ByteSet = Uint32Array; // 256 bits

function newSet(): ByteSet {
  return new Uint32Array(8);
}
function setAdd(s: ByteSet, c: number): void {
  s[c >>> 5] |= 1 << (c & 31);
}
function setHas(s: ByteSet, c: number): boolean {
  return (s[c >>> 5] & (1 << (c & 31))) !== 0;
}
function setAddRange(s: ByteSet, lo: number, hi: number): void {
  for (let c = lo; c <= hi; c++) setAdd(s, c);
}
function setUnion(into: ByteSet, from: ByteSet): void {
  for (let k = 0; k < 8; k++) into[k] |= from[k];
}
function setNegated(s: ByteSet): ByteSet {
  const out = newSet();
  for (let k = 0; k < 8; k++) out[k] = ~s[k];
  return out;
}
function setSize(s: ByteSet): number {
  let n = 0;
  for (let k = 0; k < 8; k++) {
    let w = s[k] - ((s[k] >>> 1) & 0x55555555);
    w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
    n += (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}
function setOf(...codes: number[]): ByteSet {
  const s = newSet();
  for (const c of codes) setAdd(s, c);
  return s;
}
function setFromRanges(ranges: readonly (readonly [number, number])[]): ByteSet {
  const s = newSet();
  for (const [lo, hi] of ranges) setAddRange(s, lo, hi);
  return s;
}
/** Add the other ASCII case of every ASCII letter in the set (PCRE2 default tables). */
function setFoldAscii(s: ByteSet): void {
  for (let c = 0x41; c <= 0x5a; c++) {
    if (setHas(s, c) || setHas(s, c + 32)) {
      setAdd(s, c);
      setAdd(s, c + 32);
    }
  }
}

const DIGIT = setFromRanges([[0x30, 0x39]]);
const WORD = setFromRanges([[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0x5f, 0x5f]]);
const SPACE = setFromRanges([[0x09, 0x0d], [0x20, 0x20]]);
const HSPACE = setOf(0x09, 0x20, 0xa0);
const VSPACE = setFromRanges([[0x0a, 0x0d], [0x85, 0x85]]);
const ALL = setNegated(newSet());
const NOT_NL = setNegated(setOf(0x0a));
const NOT_DIGIT = setNegated(DIGIT);
const NOT_WORD = setNegated(WORD);
const NOT_SPACE = setNegated(SPACE);
const NOT_HSPACE = setNegated(HSPACE);
const NOT_VSPACE = setNegated(VSPACE);

/** POSIX classes with C-locale meanings. */
const POSIX: Record<string, ByteSet> = {
  alpha: setFromRanges([[0x41, 0x5a], [0x61, 0x7a]]),
  digit: DIGIT,
  alnum: setFromRanges([[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]]),
  ascii: setFromRanges([[0x00, 0x7f]]),
  blank: setOf(0x09, 0x20),
  cntrl: setFromRanges([[0x00, 0x1f], [0x7f, 0x7f]]),
  graph: setFromRanges([[0x21, 0x7e]]),
  lower: setFromRanges([[0x61, 0x7a]]),
  print: setFromRanges([[0x20, 0x7e]]),
  punct: setFromRanges([[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]]),
  space: SPACE,
  upper: setFromRanges([[0x41, 0x5a]]),
  word: WORD,
  xdigit: setFromRanges([[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]]),
};

/**
 * The sets of literal characters, made once: byte `c` at `c`, an ASCII letter
 * in both cases at 256 + its lower case. Sharing them is safe because the set
 * of a parsed node is never changed (only a class's own new set is built up).
 */
const LITERAL_SETS: (ByteSet | undefined)[] = [];

/** Latin1 letters that JavaScript's case-insensitive comparison pairs (PCRE2's does not). */
const LATIN1_PAIRED = setFromRanges([[0xc0, 0xd6], [0xd8, 0xde], [0xe0, 0xf6], [0xf8, 0xfe]]);

function hex2(c: number): string {
  return c.toString(16).padStart(2, "0");
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function charJs(c: number): string {
  return isAlnum(c) || c === 0x5f ? String.fromCharCode(c) : `\\x${hex2(c)}`;
}

/** The ranges of the bytes in `s`, or with `outside` of the bytes not in it. */
function rangesJs(s: ByteSet, outside: boolean): string {
  const flip = outside ? -1 : 0;
  let out = "";
  let c = 0;
  while (c < 256) {
    const word = s[c >>> 5] ^ flip;
    if (word === 0) {
      c = (c | 31) + 1; // a word with no member: its 32 bytes at once
      continue;
    }
    if ((word & (1 << (c & 31))) === 0) {
      c++;
      continue;
    }
    let e = c;
    while (e + 1 < 256 && ((s[(e + 1) >>> 5] ^ flip) & (1 << ((e + 1) & 31))) !== 0) e++;
    out += charJs(c);
    if (e > c + 1) out += `-${charJs(e)}`;
    else if (e === c + 1) out += charJs(e);
    c = e + 1;
  }
  return out;
}

function setJs(s: ByteSet): string {
  const n = setSize(s);
  if (n === 256) return "[\\s\\S]";
  if (n === 0) return "[]";
  if (n === 1) {
    for (let k = 0; k < 8; k++) {
      if (s[k] !== 0) return charJs(k * 32 + 31 - Math.clz32(s[k]));
    }
  }
  if (n > 128) return `[^${rangesJs(s, true)}]`;
  return `[${rangesJs(s, false)}]`;
}

// ---------------------------------------------------------------- the tree

const enum T {
  Set,
  Assert,
  Seq,
  Alt,
  Group,
  Repeat,
  Backref,
}

const enum G {
  Capture,
  NonCapture,
  Lookahead,
  NegLookahead,
  Lookbehind,
  NegLookbehind,
  Atomic,
}

interface SetNode {
  t: T.Set;
  set: ByteSet;
  /** The PCRE2 character type escape it came from (for the auto-possessify check). */
  ty?: string;
}
interface AssertNode {
  t: T.Assert;
  js: string;
}
interface SeqNode {
  t: T.Seq;
  items: Node[];
}
interface AltNode {
  t: T.Alt;
  branches: Node[];
}
interface GroupNode {
  t: T.Group;
  kind: G;
  body: Node;
  /** PCRE group number (capturing groups), else 0. */
  num: number;
  /** Byte offset just past the closing parenthesis. */
  end: number;
  /** Byte offset of the opening parenthesis. */
  pos: number;
  /** "R" for the group standing for \R. */
  ty?: string;
}
interface RepeatNode {
  t: T.Repeat;
  body: Node;
  min: number;
  max: number;
  lazy: boolean;
  possessive: boolean;
}
interface BackrefNode {
  t: T.Backref;
  /** Group number, or 0 with a name. */
  num: number;
  /** Relative reference (\g{-1}) resolved at parse time into num. */
  name: string | null;
  caseless: boolean;
  pos: number;
  /** The group cannot have been set when the reference runs: PCRE2 fails it. */
  never?: boolean;
}
type Node = SetNode | AssertNode | SeqNode | AltNode | GroupNode | RepeatNode | BackrefNode;

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  U: boolean;
}

const MAX_REPEAT = 65535;

// Anchors are written as lookarounds: V8 15 mis-compiles a bare `^` inside a
// repeated group after a lazy loop (`(?:[\s\S]+?x^)*` fails to match ""), so
// `^` is only used as the pattern's first item (where V8 anchors the search).
const SUBJECT_START = "(?<![\\s\\S])";
const SUBJECT_END = "(?![\\s\\S])";
const FINAL_NEWLINE_OR_END = "(?=\\n?(?![\\s\\S]))";
const LINE_START = "(?:(?<![\\s\\S])|(?<=\\n)(?=[\\s\\S]))";
const LINE_END = "(?=\\n|(?![\\s\\S]))";

/** Reference to a group that does not exist (PCRE2 error 115, which makes Suricata retry with captures). */
class MissingGroupError extends PcreTranslateError {}

class Parser {
  readonly p: Uint8Array;
  i = 0;
  flags: Flags;
  readonly dollarEndOnly: boolean;
  readonly noAutoCapture: boolean;
  /** Capture groups seen so far. */
  groupCount = 0;
  /** name -> group number. */
  readonly names = new Map<string, number>();
  /** All capture group nodes by number. */
  readonly groups: GroupNode[] = [];
  readonly backrefs: BackrefNode[] = [];
  /** Character type escapes used outside classes (S, s, h, v, R, N, dot). */
  readonly typesUsed = new Set<string>();
  /** Character types that are repeated a variable number of times. */
  readonly repeatedTypes = new Set<string>();
  /** Parent links for the tree, to analyse back references ({@link Parser.linkParents}). */
  readonly parent = new Map<Node, Node>();

  constructor(p: Uint8Array, opts: PcreOptions) {
    this.p = p;
    this.flags = {
      i: !!opts.caseless,
      m: !!opts.multiline,
      s: !!opts.dotall,
      x: !!opts.extended,
      U: !!opts.ungreedy,
    };
    this.dollarEndOnly = !!opts.dollarEndOnly;
    this.noAutoCapture = opts.noAutoCapture ?? true;
  }

  error(message: string, at = this.i): never {
    throw new PcreTranslateError(message, at, false, "invalid");
  }

  unsupported(construct: string, at = this.i): never {
    throw new PcreTranslateError(`unsupported PCRE construct: ${construct}`, at, true, construct);
  }

  peek(k = 0): number {
    const j = this.i + k;
    return j < this.p.length ? this.p[j] : -1;
  }

  /**
   * Record the parent of every node under `n` in {@link Parser.parent}. Only
   * the analysis of back references needs them, so a pattern without any
   * does not pay for them.
   */
  linkParents(n: Node): void {
    switch (n.t) {
      case T.Seq:
        for (const item of n.items) this.linkChild(n, item);
        return;
      case T.Alt:
        for (const branch of n.branches) this.linkChild(n, branch);
        return;
      case T.Group:
      case T.Repeat:
        this.linkChild(n, n.body);
    }
  }

  linkChild(parent: Node, child: Node): void {
    this.parent.set(child, parent);
    this.linkParents(child);
  }

  parsePattern(): Node {
    if (this.peek() === 0x28 && this.peek(1) === 0x2a) this.unsupported("(*VERB) start option");
    const node = this.parseAlt();
    if (this.i < this.p.length) this.error("unmatched closing parenthesis");
    return node;
  }

  /** Alternatives until `)` or the end. */
  parseAlt(): Node {
    const branches: Node[] = [this.parseSeq()];
    while (this.peek() === 0x7c) {
      this.i++;
      branches.push(this.parseSeq());
    }
    if (branches.length === 1) return branches[0];
    return { t: T.Alt, branches };
  }

  skipExtended(): void {
    if (!this.flags.x) return;
    for (;;) {
      const c = this.peek();
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
        this.i++;
      } else if (c === 0x23) {
        while (this.i < this.p.length && this.p[this.i] !== 0x0a) this.i++;
      } else {
        return;
      }
    }
  }

  parseSeq(): Node {
    const seq: SeqNode = { t: T.Seq, items: [] };
    for (;;) {
      this.skipExtended();
      const c = this.peek();
      if (c === -1 || c === 0x7c || c === 0x29) break;
      const start = this.i;
      const atoms = this.parseAtom();
      if (atoms === null) continue; // option setting, comment, \E
      for (let k = 0; k < atoms.length; k++) {
        let atom = atoms[k];
        if (k === atoms.length - 1) atom = this.parseQuantifiers(atom, start);
        seq.items.push(atom);
      }
    }
    return seq;
  }

  /** Reads a quantifier after an atom, if any. */
  parseQuantifiers(atom: Node, atomStart: number): Node {
    this.skipExtended();
    const q = this.readQuantifier();
    if (q === null) return atom;
    if (atom.t === T.Assert) {
      this.error("quantifier does not follow a repeatable item", atomStart);
    }
    if (
      atom.t === T.Group && atom.kind !== G.Capture && atom.kind !== G.NonCapture &&
      atom.kind !== G.Atomic
    ) {
      this.unsupported("quantified assertion", atomStart);
    }
    let lazy = false;
    let possessive = false;
    this.skipExtended();
    if (this.peek() === 0x3f) {
      lazy = true;
      this.i++;
    } else if (this.peek() === 0x2b) {
      possessive = true;
      this.i++;
    }
    if (this.flags.U && !possessive) lazy = !lazy;
    const ty = atom.t === T.Set || atom.t === T.Group ? atom.ty : undefined;
    if (ty !== undefined && q[1] > q[0]) this.repeatedTypes.add(ty);
    const rep: RepeatNode = { t: T.Repeat, body: atom, min: q[0], max: q[1], lazy, possessive };
    this.skipExtended();
    if (this.readQuantifierPeek()) this.error("quantifier does not follow a repeatable item");
    return rep;
  }

  readQuantifierPeek(): boolean {
    const save = this.i;
    const q = this.readQuantifier();
    this.i = save;
    return q !== null;
  }

  /** `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`; null when none (a `{` that is not a quantifier is a literal). */
  readQuantifier(): [number, number] | null {
    const c = this.peek();
    if (c === 0x2a) {
      this.i++;
      return [0, Infinity];
    }
    if (c === 0x2b) {
      this.i++;
      return [1, Infinity];
    }
    if (c === 0x3f) {
      this.i++;
      return [0, 1];
    }
    if (c !== 0x7b) return null;
    let j = this.i + 1;
    const p = this.p;
    const d0 = j;
    while (j < p.length && p[j] >= 0x30 && p[j] <= 0x39) j++;
    if (j === d0) return null; // "{," or "{x": literal
    const min = Number(String.fromCharCode(...p.subarray(d0, j)));
    let max = min;
    if (p[j] === 0x2c) {
      j++;
      const d1 = j;
      while (j < p.length && p[j] >= 0x30 && p[j] <= 0x39) j++;
      max = j === d1 ? Infinity : Number(String.fromCharCode(...p.subarray(d1, j)));
    }
    if (p[j] !== 0x7d) return null;
    if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) {
      this.error("number too big in {} quantifier", this.i);
    }
    if (max < min) this.error("numbers out of order in {} quantifier", this.i);
    this.i = j + 1;
    return [min, max];
  }

  literal(c: number): SetNode {
    // the other case of an ASCII letter too (setFoldAscii, for one char)
    const both = this.flags.i && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a));
    const k = both ? 256 + (c | 0x20) : c;
    let set = LITERAL_SETS[k];
    if (set === undefined) {
      set = newSet();
      setAdd(set, c);
      if (both) setAdd(set, c ^ 0x20);
      LITERAL_SETS[k] = set;
    }
    return { t: T.Set, set };
  }

  /**
   * One atom (or several literal atoms from `\Q..\E`: only the last takes a
   * quantifier). Null when the construct matches nothing (option setting,
   * comment).
   */
  parseAtom(): Node[] | null {
    const c = this.p[this.i];
    switch (c) {
      case 0x28:
        return this.parseGroup();
      case 0x5b:
        return [this.parseClass()];
      case 0x2e:
        this.i++;
        if (this.flags.s) return [{ t: T.Set, set: ALL }];
        this.typesUsed.add("dot");
        return [{ t: T.Set, set: NOT_NL, ty: "dot" }];
      case 0x5e:
        this.i++;
        return [{ t: T.Assert, js: this.flags.m ? LINE_START : SUBJECT_START }];
      case 0x24:
        this.i++;
        return [{
          t: T.Assert,
          js: this.flags.m ? LINE_END : this.dollarEndOnly ? SUBJECT_END : FINAL_NEWLINE_OR_END,
        }];
      case 0x5c:
        return this.parseEscape();
      case 0x2a:
      case 0x2b:
      case 0x3f:
        this.error("quantifier does not follow a repeatable item");
        break;
      case 0x7b:
        if (this.readQuantifierPeek()) {
          this.error("quantifier does not follow a repeatable item");
        }
        break;
    }
    this.i++;
    return [this.literal(c)];
  }

  parseEscape(): Node[] | null {
    const at = this.i;
    this.i++; // backslash
    if (this.i >= this.p.length) this.error("\\ at end of pattern", at);
    const c = this.p[this.i++];
    switch (c) {
      case 0x64: // d
        return [{ t: T.Set, set: DIGIT }];
      case 0x44:
        return [{ t: T.Set, set: NOT_DIGIT }];
      case 0x77: // w
        return [{ t: T.Set, set: WORD }];
      case 0x57:
        return [{ t: T.Set, set: NOT_WORD }];
      case 0x73: // s
        return [this.typed(SPACE, "s")];
      case 0x53:
        return [this.typed(NOT_SPACE, "S")];
      case 0x68: // h
        return [this.typed(HSPACE, "h")];
      case 0x48:
        return [{ t: T.Set, set: NOT_HSPACE }];
      case 0x76: // v
        return [this.typed(VSPACE, "v")];
      case 0x56:
        return [{ t: T.Set, set: NOT_VSPACE }];
      case 0x4e: // N
        if (this.peek() === 0x7b && !this.readQuantifierPeek()) this.unsupported("\\N{name}", at);
        return [this.typed(NOT_NL, "dot")];
      case 0x43: // C: one code unit
        return [{ t: T.Set, set: ALL }];
      case 0x52: // R: atomic newline sequence
        this.typesUsed.add("R");
        return [this.atomicNewline()];
      case 0x62:
        return [{ t: T.Assert, js: "\\b" }];
      case 0x42:
        return [{ t: T.Assert, js: "\\B" }];
      case 0x41: // A
        return [{ t: T.Assert, js: SUBJECT_START }];
      case 0x7a: // z
        return [{ t: T.Assert, js: SUBJECT_END }];
      case 0x5a: // Z
        return [{ t: T.Assert, js: FINAL_NEWLINE_OR_END }];
      case 0x47:
        this.unsupported("\\G assertion", at);
        break;
      case 0x4b:
        this.unsupported("\\K (reset match start)", at);
        break;
      case 0x58:
        this.unsupported("\\X (extended grapheme cluster)", at);
        break;
      case 0x70:
      case 0x50:
        this.unsupported("\\p/\\P unicode property", at);
        break;
      case 0x51: // Q ... \E
        return this.parseQuoted();
      case 0x45: // stray \E
        return null;
      case 0x67: // g
        return [this.parseGReference(at)];
      case 0x6b: // k
        return [this.parseKReference(at)];
    }
    if (c >= 0x31 && c <= 0x39) return [this.parseDigitEscape(at)];
    this.i--;
    return [this.literal(this.escapedChar(at, false))];
  }

  /** A single character from an escape (shared by classes); `this.i` is on the char after `\`. */
  escapedChar(at: number, inClass: boolean): number {
    const c = this.p[this.i++];
    switch (c) {
      case 0x61:
        return 0x07;
      case 0x65:
        return 0x1b;
      case 0x66:
        return 0x0c;
      case 0x6e:
        return 0x0a;
      case 0x72:
        return 0x0d;
      case 0x74:
        return 0x09;
      case 0x62:
        if (inClass) return 0x08;
        break;
      case 0x30: { // \0 + up to 2 octal digits
        let v = 0;
        for (let k = 0; k < 2 && this.peek() >= 0x30 && this.peek() <= 0x37; k++) {
          v = v * 8 + (this.p[this.i++] - 0x30);
        }
        return v;
      }
      case 0x6f: { // \o{...}
        if (this.peek() !== 0x7b) this.error("missing opening brace after \\o", at);
        this.i++;
        let v = 0;
        let n = 0;
        while (this.peek() >= 0x30 && this.peek() <= 0x37) {
          v = v * 8 + (this.p[this.i++] - 0x30);
          n++;
          if (v > 0xff) this.error("character code point value in \\o{} is too large", at);
        }
        if (n === 0 || this.peek() !== 0x7d) this.error("non-octal character in \\o{}", at);
        this.i++;
        return v;
      }
      case 0x78: { // \x, \xh, \xhh, \x{h..}
        if (this.peek() === 0x7b) {
          this.i++;
          let v = 0;
          let n = 0;
          while (hexValue(this.peek()) >= 0) {
            v = v * 16 + hexValue(this.p[this.i++]);
            n++;
            if (v > 0xff) this.error("character code point value in \\x{} is too large", at);
          }
          if (n === 0 || this.peek() !== 0x7d) {
            this.error("\\x{ not followed by hex digits and }", at);
          }
          this.i++;
          return v;
        }
        let v = 0;
        for (let k = 0; k < 2 && hexValue(this.peek()) >= 0; k++) {
          v = v * 16 + hexValue(this.p[this.i++]);
        }
        return v;
      }
      case 0x63: { // \cx
        const x = this.peek();
        if (x < 0x20 || x > 0x7e) this.error("\\c must be followed by a printable character", at);
        this.i++;
        const up = x >= 0x61 && x <= 0x7a ? x - 32 : x;
        return up ^ 0x40;
      }
    }
    if (inClass && c >= 0x31 && c <= 0x37) {
      let v = c - 0x30;
      for (let k = 0; k < 2 && this.peek() >= 0x30 && this.peek() <= 0x37; k++) {
        v = v * 8 + (this.p[this.i++] - 0x30);
      }
      return v & 0xff;
    }
    if (inClass && (c === 0x38 || c === 0x39)) return c;
    if (isAlnum(c)) {
      this.error(`unrecognized character follows \\: ${String.fromCharCode(c)}`, at);
    }
    return c;
  }

  /** `\1`..`\9`, `\10`..: back reference or octal. */
  parseDigitEscape(at: number): Node {
    let j = this.i - 1;
    while (j < this.p.length && this.p[j] >= 0x30 && this.p[j] <= 0x39) j++;
    const digits = String.fromCharCode(...this.p.subarray(this.i - 1, j));
    const n = Number(digits);
    const first = this.p[this.i - 1];
    if (n < 10 || first === 0x38 || first === 0x39 || n <= this.groupCount) {
      this.i = j;
      return this.backref(n, null, at);
    }
    // octal: up to three octal digits
    this.i--;
    let v = 0;
    for (let k = 0; k < 3 && this.peek() >= 0x30 && this.peek() <= 0x37; k++) {
      v = v * 8 + (this.p[this.i++] - 0x30);
    }
    return this.literal(v & 0xff);
  }

  backref(num: number, name: string | null, at: number): BackrefNode {
    const node: BackrefNode = { t: T.Backref, num, name, caseless: this.flags.i, pos: at };
    this.backrefs.push(node);
    return node;
  }

  parseGReference(at: number): Node {
    const c = this.peek();
    if (c === 0x3c || c === 0x27) this.unsupported("\\g<...> subroutine call", at);
    let text: string;
    if (c === 0x7b) {
      const end = this.p.indexOf(0x7d, this.i);
      if (end < 0) this.error("malformed \\g reference", at);
      text = String.fromCharCode(...this.p.subarray(this.i + 1, end));
      this.i = end + 1;
    } else {
      let j = this.i;
      if (this.p[j] === 0x2d || this.p[j] === 0x2b) j++;
      while (j < this.p.length && this.p[j] >= 0x30 && this.p[j] <= 0x39) j++;
      text = String.fromCharCode(...this.p.subarray(this.i, j));
      this.i = j;
    }
    if (/^[+-]?\d+$/.test(text)) {
      if (text.startsWith("+")) this.error("\\g+ reference is not a back reference", at);
      let n = Number(text);
      if (n < 0) n = this.groupCount + n + 1;
      if (n <= 0) {
        throw new MissingGroupError("reference to non-existent subpattern", at, false, "invalid");
      }
      return this.backref(n, null, at);
    }
    if (/^[A-Za-z_]\w*$/.test(text)) return this.backref(0, text, at);
    this.error("malformed \\g reference", at);
  }

  parseKReference(at: number): Node {
    const open = this.peek();
    const close = open === 0x3c ? 0x3e : open === 0x27 ? 0x27 : open === 0x7b ? 0x7d : -1;
    if (close < 0) this.error("\\k is not followed by a name", at);
    const end = this.p.indexOf(close, this.i + 1);
    if (end < 0) this.error("\\k is not followed by a terminated name", at);
    const name = String.fromCharCode(...this.p.subarray(this.i + 1, end));
    if (!/^[A-Za-z_]\w*$/.test(name)) this.error("invalid group name", at);
    this.i = end + 1;
    return this.backref(0, name, at);
  }

  /** `\Q...\E`: literal characters. */
  parseQuoted(): Node[] | null {
    const out: Node[] = [];
    while (this.i < this.p.length) {
      if (this.p[this.i] === 0x5c && this.p[this.i + 1] === 0x45) {
        this.i += 2;
        break;
      }
      out.push(this.literal(this.p[this.i++]));
    }
    return out.length > 0 ? out : null;
  }

  atomicNewline(): Node {
    const alt: AltNode = {
      t: T.Alt,
      branches: [
        { t: T.Seq, items: [{ t: T.Set, set: setOf(0x0d) }, { t: T.Set, set: setOf(0x0a) }] },
        { t: T.Set, set: setFromRanges([[0x0a, 0x0d], [0x85, 0x85]]) },
      ],
    };
    return { t: T.Group, kind: G.Atomic, body: alt, num: 0, pos: this.i, end: this.i, ty: "R" };
  }

  typed(set: ByteSet, ty: string): SetNode {
    this.typesUsed.add(ty);
    return { t: T.Set, set, ty };
  }

  parseGroup(): Node[] | null {
    const at = this.i;
    this.i++; // (
    let kind = G.Capture;
    let name: string | null = null;
    const saved = { ...this.flags };
    if (this.peek() === 0x2a) this.unsupported("(*VERB) backtracking control", at);
    if (this.peek() === 0x3f) {
      this.i++;
      const c = this.peek();
      switch (c) {
        case 0x3a:
          kind = G.NonCapture;
          this.i++;
          break;
        case 0x3d:
          kind = G.Lookahead;
          this.i++;
          break;
        case 0x21:
          kind = G.NegLookahead;
          this.i++;
          break;
        case 0x3e:
          kind = G.Atomic;
          this.i++;
          break;
        case 0x7c:
          this.unsupported("(?| branch reset group", at);
          break;
        case 0x23: { // comment
          const end = this.p.indexOf(0x29, this.i);
          if (end < 0) this.error("missing ) after (?# comment", at);
          this.i = end + 1;
          return null;
        }
        case 0x28:
          this.unsupported("(?( conditional group", at);
          break;
        case 0x43:
          this.unsupported("(?C callout", at);
          break;
        case 0x52:
          this.unsupported("(?R) recursion", at);
          break;
        case 0x26:
          this.unsupported("(?& subroutine call", at);
          break;
        case 0x27:
          this.i++;
          name = this.readName(0x27, at);
          break;
        case 0x3c: {
          const n = this.p[this.i + 1];
          if (n === 0x3d) {
            kind = G.Lookbehind;
            this.i += 2;
          } else if (n === 0x21) {
            kind = G.NegLookbehind;
            this.i += 2;
          } else {
            this.i++;
            name = this.readName(0x3e, at);
          }
          break;
        }
        case 0x50: { // (?P<name>, (?P=name), (?P>name)
          const n = this.p[this.i + 1];
          if (n === 0x3c) {
            this.i += 2;
            name = this.readName(0x3e, at);
          } else if (n === 0x3d) {
            this.i += 2;
            const ref = this.readName(0x29, at);
            return [this.backref(0, ref, at)];
          } else if (n === 0x3e) {
            this.unsupported("(?P> subroutine call", at);
          } else {
            this.error("unrecognized character after (?P", at);
          }
          break;
        }
        default:
          if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d) {
            const n = this.p[this.i + 1];
            if ((c >= 0x30 && c <= 0x39) || (n >= 0x30 && n <= 0x39)) {
              this.unsupported("(?n) subroutine call", at);
            }
          }
          // option setting: (?imsxU-imsxU) or (?imsx-imsx:...)
          return this.parseOptions(at, saved);
      }
    } else if (this.noAutoCapture) {
      kind = G.NonCapture;
    }
    let num = 0;
    if (kind === G.Capture) {
      num = ++this.groupCount;
      if (name !== null) {
        if (this.names.has(name)) this.error("two named subpatterns have the same name", at);
        this.names.set(name, num);
      }
    }
    const group: GroupNode = {
      t: T.Group,
      kind,
      body: null as unknown as Node,
      num,
      pos: at,
      end: 0,
    };
    if (num > 0) this.groups[num] = group;
    group.body = this.parseAlt();
    if (this.peek() !== 0x29) this.error("missing closing parenthesis", at);
    this.i++;
    group.end = this.i;
    this.flags = saved;
    return [group];
  }

  readName(terminator: number, at: number): string {
    const end = this.p.indexOf(terminator, this.i);
    if (end < 0) this.error("syntax error in subpattern name (missing terminator)", at);
    const name = String.fromCharCode(...this.p.subarray(this.i, end));
    if (!/^[A-Za-z_]\w{0,31}$/.test(name)) this.error("invalid subpattern name", at);
    this.i = end + 1;
    return name;
  }

  parseOptions(at: number, saved: Flags): Node[] | null {
    const f = { ...this.flags };
    let on = true;
    if (this.peek() === 0x5e) { // (?^ unsets imnsx
      this.i++;
      f.i =
        f.m =
        f.s =
        f.x =
          false;
    }
    for (;;) {
      const c = this.peek();
      if (c === 0x29 || c === 0x3a) break;
      this.i++;
      switch (c) {
        case 0x2d:
          if (!on) this.error("invalid option setting", at);
          on = false;
          break;
        case 0x69:
          f.i = on;
          break;
        case 0x6d:
          f.m = on;
          break;
        case 0x73:
          f.s = on;
          break;
        case 0x78:
          if (this.peek() === 0x78) this.unsupported("(?xx) option", at);
          f.x = on;
          break;
        case 0x55:
          f.U = on;
          break;
        case 0x4a:
          this.unsupported("(?J) duplicate names option", at);
          break;
        case 0x6e:
          this.unsupported("(?n) no-auto-capture option", at);
          break;
        case -1:
          this.error("missing closing parenthesis", at);
          break;
        default:
          this.error("unrecognized character after (? or (?-", at);
      }
    }
    if (this.peek() === 0x29) {
      this.i++;
      this.flags = f; // until the end of the enclosing group
      return null;
    }
    this.i++; // ':'
    this.flags = f;
    const group: GroupNode = {
      t: T.Group,
      kind: G.NonCapture,
      body: null as unknown as Node,
      num: 0,
      pos: at,
      end: 0,
    };
    group.body = this.parseAlt();
    if (this.peek() !== 0x29) this.error("missing closing parenthesis", at);
    this.i++;
    group.end = this.i;
    this.flags = saved;
    return [group];
  }

  parseClass(): Node {
    const at = this.i;
    this.i++; // [
    let negate = false;
    if (this.peek() === 0x5e) {
      negate = true;
      this.i++;
    }
    // PCRE2 word-boundary classes
    if (!negate && this.startsWith("[:<:]]")) {
      this.i += 6;
      return { t: T.Assert, js: "\\b(?=[A-Za-z0-9_])" };
    }
    if (!negate && this.startsWith("[:>:]]")) {
      this.i += 6;
      return { t: T.Assert, js: "\\b(?<=[A-Za-z0-9_])" };
    }
    const set = newSet();
    let first = true;
    let prev = -1; // last single char, for ranges
    for (;;) {
      if (this.i >= this.p.length) this.error("missing terminating ] for character class", at);
      let c = this.p[this.i];
      if (c === 0x5d && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === 0x5b && (this.peek(1) === 0x3a || this.peek(1) === 0x2e || this.peek(1) === 0x3d)) {
        const posix = this.tryPosix();
        if (posix !== null) {
          setUnion(set, posix);
          prev = -1;
          continue;
        }
      }
      if (c === 0x5c) {
        const escAt = this.i;
        this.i++;
        const e = this.peek();
        if (e === -1) this.error("\\ at end of pattern", escAt);
        const typeSet = classTypeEscape(e);
        if (typeSet !== null) {
          this.i++;
          setUnion(set, typeSet);
          if (this.peek() === 0x2d && this.peek(1) !== 0x5d && this.peek(1) !== -1) {
            this.error("invalid range in character class", this.i);
          }
          prev = -2; // a class escape: a following '-' is literal
          continue;
        }
        if (e === 0x51) { // \Q..\E inside a class
          this.i++;
          while (this.i < this.p.length) {
            if (this.p[this.i] === 0x5c && this.p[this.i + 1] === 0x45) {
              this.i += 2;
              break;
            }
            const q = this.p[this.i++];
            setAdd(set, q);
            prev = q;
          }
          continue;
        }
        if (e === 0x45) {
          this.i++;
          continue;
        }
        if (e === 0x42 || e === 0x52 || e === 0x58 || e === 0x4e || e === 0x43) {
          this.error(
            `escape sequence \\${String.fromCharCode(e)} is invalid in a character class`,
            escAt,
          );
        }
        if (e === 0x70 || e === 0x50) this.unsupported("\\p/\\P unicode property", escAt);
        c = this.escapedChar(escAt, true);
      } else {
        this.i++;
      }
      // range?
      if (this.peek() === 0x2d && this.peek(1) !== 0x5d && this.peek(1) !== -1) {
        const rangeAt = this.i;
        this.i++; // '-'
        let hi: number;
        const h = this.p[this.i];
        if (h === 0x5c) {
          const escAt = this.i;
          this.i++;
          const e = this.peek();
          if (classTypeEscape(e) !== null) {
            this.error("invalid range in character class", rangeAt);
          }
          if (e === 0x45 || e === 0x51) this.unsupported("\\Q/\\E inside a class range", escAt);
          hi = this.escapedChar(escAt, true);
        } else if (
          h === 0x5b && (this.peek(1) === 0x3a || this.peek(1) === 0x2e || this.peek(1) === 0x3d) &&
          this.posixAhead()
        ) {
          this.error("invalid range in character class", rangeAt);
        } else {
          hi = h;
          this.i++;
        }
        if (hi < c) this.error("range out of order in character class", rangeAt);
        setAddRange(set, c, hi);
        prev = -1;
        continue;
      }
      setAdd(set, c);
      prev = c;
    }
    void prev;
    if (this.flags.i) setFoldAscii(set);
    return { t: T.Set, set: negate ? setNegated(set) : set };
  }

  startsWith(text: string): boolean {
    for (let k = 0; k < text.length; k++) {
      if (this.p[this.i + k] !== text.charCodeAt(k)) return false;
    }
    return true;
  }

  posixAhead(): boolean {
    const save = this.i;
    const r = this.tryPosixSyntax();
    this.i = save;
    return r !== null;
  }

  /** `[:name:]` syntax at this.i: [name, negated, kind]; null when not that syntax. */
  tryPosixSyntax(): [string, boolean, number] | null {
    const kind = this.p[this.i + 1]; // ':' '.' '='
    let j = this.i + 2;
    let neg = false;
    if (kind === 0x3a && this.p[j] === 0x5e) {
      neg = true;
      j++;
    }
    const s = j;
    while (j < this.p.length && this.p[j] !== kind && this.p[j] !== 0x5d && this.p[j] !== 0x5c) j++;
    if (this.p[j] !== kind || this.p[j + 1] !== 0x5d) return null;
    const name = String.fromCharCode(...this.p.subarray(s, j));
    this.i = j + 2;
    return [name, neg, kind];
  }

  tryPosix(): ByteSet | null {
    const at = this.i;
    const r = this.tryPosixSyntax();
    if (r === null) return null;
    const [name, neg, kind] = r;
    if (kind !== 0x3a) this.error("POSIX collating elements are not supported", at);
    const set = POSIX[name];
    if (!set) this.error("unknown POSIX class name", at);
    return neg ? setNegated(set) : set;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function classTypeEscape(e: number): ByteSet | null {
  switch (e) {
    case 0x64:
      return DIGIT;
    case 0x44:
      return NOT_DIGIT;
    case 0x77:
      return WORD;
    case 0x57:
      return NOT_WORD;
    case 0x73:
      return SPACE;
    case 0x53:
      return NOT_SPACE;
    case 0x68:
      return HSPACE;
    case 0x48:
      return NOT_HSPACE;
    case 0x76:
      return VSPACE;
    case 0x56:
      return NOT_VSPACE;
  }
  return null;
}

// ---------------------------------------------------------------- analysis

/** Fixed match length of a node, or -1 when variable (for lookbehind checks). */
function fixedLength(n: Node): number {
  switch (n.t) {
    case T.Set:
      return 1;
    case T.Assert:
      return 0;
    case T.Seq: {
      let total = 0;
      for (const item of n.items) {
        const l = fixedLength(item);
        if (l < 0) return -1;
        total += l;
      }
      return total;
    }
    case T.Alt: {
      let len = -2;
      for (const b of n.branches) {
        const l = fixedLength(b);
        if (l < 0 || (len !== -2 && l !== len)) return -1;
        len = l;
      }
      return len < 0 ? 0 : len;
    }
    case T.Group:
      if (n.kind !== G.Capture && n.kind !== G.NonCapture && n.kind !== G.Atomic) return 0;
      return fixedLength(n.body);
    case T.Repeat: {
      if (n.min !== n.max) return -1;
      const l = fixedLength(n.body);
      return l < 0 ? -1 : l * n.min;
    }
    case T.Backref:
      return -1;
  }
}

/** Whether a node can match the empty string. */
function nullable(n: Node): boolean {
  switch (n.t) {
    case T.Set:
      return false;
    case T.Assert:
    case T.Backref:
      return true;
    case T.Seq:
      return n.items.every(nullable);
    case T.Alt:
      return n.branches.some(nullable);
    case T.Group:
      return n.kind === G.Capture || n.kind === G.NonCapture || n.kind === G.Atomic
        ? nullable(n.body)
        : true;
    case T.Repeat:
      return n.min === 0 || nullable(n.body);
  }
}

/** Whether a node can match a non-empty string. */
function canConsume(n: Node): boolean {
  switch (n.t) {
    case T.Set:
    case T.Backref:
      return true;
    case T.Assert:
      return false;
    case T.Seq:
      return n.items.some(canConsume);
    case T.Alt:
      return n.branches.some(canConsume);
    case T.Group:
      return n.kind === G.Capture || n.kind === G.NonCapture || n.kind === G.Atomic
        ? canConsume(n.body)
        : false;
    case T.Repeat:
      return n.max > 0 && canConsume(n.body);
  }
}

/**
 * Whether the node may offer an empty match before a non-empty one. PCRE2
 * ends a loop on an empty iteration where JavaScript rejects the iteration
 * and tries the body's next choice, so such bodies match differently.
 */
function emptyBeforeConsuming(n: Node): boolean {
  switch (n.t) {
    case T.Set:
    case T.Assert:
    case T.Backref:
      return false;
    case T.Seq:
      return nullable(n) && n.items.some(emptyBeforeConsuming);
    case T.Alt: {
      let sawNullable = false;
      for (const b of n.branches) {
        if (emptyBeforeConsuming(b)) return true;
        if (sawNullable && canConsume(b)) return true;
        if (nullable(b)) sawNullable = true;
      }
      return false;
    }
    case T.Group:
      return n.kind === G.Capture || n.kind === G.NonCapture ? emptyBeforeConsuming(n.body) : false;
    case T.Repeat:
      if (n.max === 0) return false;
      if (emptyBeforeConsuming(n.body)) return true;
      if (n.lazy && !n.possessive && n.max > n.min && canConsume(n.body)) {
        return n.min === 0 || nullable(n.body);
      }
      return false;
  }
}

/** Whether a node must start with one given byte (either case of a letter counts). */
function startsWithLiteral(n: Node): boolean {
  switch (n.t) {
    case T.Set: {
      const size = setSize(n.set);
      if (size === 1) return true;
      if (size !== 2) return false;
      for (let c = 0x41; c <= 0x5a; c++) if (setHas(n.set, c) && setHas(n.set, c + 32)) return true;
      return false;
    }
    case T.Seq:
      return n.items.length > 0 && startsWithLiteral(n.items[0]);
    case T.Group:
      return (n.kind === G.Capture || n.kind === G.NonCapture || n.kind === G.Atomic) &&
        startsWithLiteral(n.body);
    case T.Repeat:
      return n.min > 0 && startsWithLiteral(n.body);
    default:
      return false;
  }
}

/**
 * PCRE2 10.42 takes the first code unit of a leading lookahead as the
 * match's first code unit and then looks for the required code unit only
 * after it, missing matches such as /(?=c)x?c/ on "c". Such patterns are
 * refused.
 */
function checkLeadingLookahead(n: Node): void {
  const items = n.t === T.Seq ? n.items : [n];
  for (const item of items) {
    if (item.t === T.Assert) {
      if (item.js === SUBJECT_START) return;
      continue;
    }
    if (item.t === T.Group && item.kind === G.Lookahead) {
      const branches = item.body.t === T.Alt ? item.body.branches : [item.body];
      if (branches.some(startsWithLiteral)) {
        throw new PcreTranslateError(
          "unsupported PCRE construct: leading lookahead starting with a literal (PCRE2 quirk)",
          item.pos,
          true,
          "leading lookahead quirk",
        );
      }
      continue;
    }
    if (
      item.t === T.Group &&
      (item.kind === G.NegLookahead || item.kind === G.Lookbehind || item.kind === G.NegLookbehind)
    ) {
      continue;
    }
    if (item.t === T.Group && item.kind === G.NonCapture) {
      checkLeadingLookahead(item.body);
    }
    return;
  }
}

function containsOptionalGroup(n: Node): boolean {
  switch (n.t) {
    case T.Seq:
      return n.items.some(containsOptionalGroup);
    case T.Alt:
      return n.branches.some(containsOptionalGroup);
    case T.Group:
      return containsOptionalGroup(n.body);
    case T.Repeat:
      return (n.min === 0 && n.body.t === T.Group) || containsOptionalGroup(n.body);
    default:
      return false;
  }
}

function startsWithDotStar(n: Node): boolean {
  switch (n.t) {
    case T.Group:
      return startsWithDotStar(n.body);
    case T.Alt:
      return n.branches.some(startsWithDotStar);
    case T.Seq:
      return n.items.length > 0 && startsWithDotStar(n.items[0]);
    case T.Repeat:
      if (n.body.t === T.Set && n.body.ty === "dot") return n.min === 0;
      return startsWithDotStar(n.body);
    default:
      return false;
  }
}

/** Refuses loops whose body prefers an empty match (see {@link emptyBeforeConsuming}). */
function checkLoops(n: Node): void {
  switch (n.t) {
    case T.Seq:
      for (const item of n.items) checkLoops(item);
      return;
    case T.Alt:
      for (const b of n.branches) checkLoops(b);
      return;
    case T.Group:
      if (n.kind === G.Atomic && containsOptionalGroup(n.body)) {
        // PCRE2 10.42 then auto-possessifies the repeat before the atomic group.
        throw new PcreTranslateError(
          "unsupported PCRE construct: optional group inside an atomic group (PCRE2 quirk)",
          n.pos,
          true,
          "atomic group quirk",
        );
      }
      checkLoops(n.body);
      return;
    case T.Repeat:
      if (n.possessive && n.body.t === T.Group) {
        // PCRE2 10.42 mishandles these (found by differential testing): an
        // optional possessive group makes the item before it possessive, and
        // a possessive group starting with .* makes the pattern "start of
        // line" anchored.
        if (n.min === 0 && n.max !== Infinity) {
          throw new PcreTranslateError(
            "unsupported PCRE construct: optional possessive group (PCRE2 quirk)",
            n.body.pos,
            true,
            "possessive group quirk",
          );
        }
        if (startsWithDotStar(n.body)) {
          throw new PcreTranslateError(
            "unsupported PCRE construct: possessive group starting with .* (PCRE2 quirk)",
            n.body.pos,
            true,
            "possessive group quirk",
          );
        }
      }
      if (n.max > n.min && emptyBeforeConsuming(n.body)) {
        throw new PcreTranslateError(
          "unsupported PCRE construct: repeated group that can prefer an empty match",
          0,
          true,
          "repeated group preferring an empty match",
        );
      }
      checkLoops(n.body);
      return;
    default:
      return;
  }
}

/**
 * PCRE2 10.42 "auto-possessifies" a repeated character type when its table
 * says the next type cannot match the same characters. In non-UCP mode some
 * entries are wrong (0xA0 is in both \S and \h, 0x85 in both \S and \v,
 * `.` matches CR, VT, FF and 0x85 which start \R, ...), so Suricata's
 * matching differs from the plain meaning. Patterns where a wrongly
 * possessified pair may meet are refused.
 */
const AUTO_POSSESS_QUIRKS: Record<string, readonly string[]> = {
  S: ["h", "v", "R"],
  dot: ["R"],
  R: ["s", "dot"],
  h: ["S"],
  v: ["S"],
};

function checkAutoPossess(p: Parser): void {
  for (const left of p.repeatedTypes) {
    for (const right of AUTO_POSSESS_QUIRKS[left] ?? []) {
      if (p.typesUsed.has(right)) {
        const name = (t: string) => (t === "dot" ? "." : `\\${t}`);
        throw new PcreTranslateError(
          `unsupported PCRE construct: repeated ${name(left)} near ${
            name(right)
          } (PCRE2 auto-possessification quirk)`,
          0,
          true,
          "PCRE2 auto-possessification quirk",
        );
      }
    }
  }
}

/** Checks PCRE2's lookbehind rule: every top-level branch has a fixed length. */
function checkLookbehinds(n: Node, inLookbehind: boolean): void {
  switch (n.t) {
    case T.Seq:
      for (const item of n.items) checkLookbehinds(item, inLookbehind);
      return;
    case T.Alt:
      for (const b of n.branches) checkLookbehinds(b, inLookbehind);
      return;
    case T.Repeat:
      if (inLookbehind && n.possessive) {
        throw new PcreTranslateError(
          "unsupported PCRE construct: possessive quantifier in lookbehind",
          0,
          true,
          "atomic group in lookbehind",
        );
      }
      checkLookbehinds(n.body, inLookbehind);
      return;
    case T.Group: {
      if (n.kind === G.Lookbehind || n.kind === G.NegLookbehind) {
        const branches = n.body.t === T.Alt ? n.body.branches : [n.body];
        for (const b of branches) {
          if (fixedLength(b) < 0) {
            throw new PcreTranslateError(
              "lookbehind assertion is not fixed length",
              n.pos,
              false,
              "invalid",
            );
          }
        }
        checkLookbehinds(n.body, true);
        return;
      }
      if (inLookbehind && n.kind === G.Atomic) {
        throw new PcreTranslateError(
          "unsupported PCRE construct: atomic group in lookbehind",
          n.pos,
          true,
          "atomic group in lookbehind",
        );
      }
      checkLookbehinds(n.body, inLookbehind);
      return;
    }
    default:
      return;
  }
}

/** Bytes a node can consume (for caseless back reference checks). */
function alphabet(n: Node, p: Parser, out: ByteSet, seen: Set<number>): void {
  switch (n.t) {
    case T.Set:
      setUnion(out, n.set);
      return;
    case T.Assert:
      return;
    case T.Seq:
      for (const item of n.items) alphabet(item, p, out, seen);
      return;
    case T.Alt:
      for (const b of n.branches) alphabet(b, p, out, seen);
      return;
    case T.Group:
      if (n.kind === G.Capture || n.kind === G.NonCapture || n.kind === G.Atomic) {
        alphabet(n.body, p, out, seen);
      }
      return;
    case T.Repeat:
      if (n.max > 0) alphabet(n.body, p, out, seen);
      return;
    case T.Backref: {
      if (seen.has(n.num)) return;
      seen.add(n.num);
      const g = p.groups[n.num];
      if (g) alphabet(g.body, p, out, seen);
      return;
    }
  }
}

function ancestors(p: Parser, n: Node): Node[] {
  const out: Node[] = [];
  let cur: Node | undefined = n;
  while (cur !== undefined) {
    out.push(cur);
    cur = p.parent.get(cur);
  }
  return out;
}

/**
 * Whether group `g` has certainly matched whenever the reference `r` is
 * reached, so that PCRE2 ("an unset group fails to match") and JavaScript
 * ("an unset group matches empty") agree.
 */
function definitelySet(p: Parser, g: GroupNode, r: BackrefNode): boolean {
  if (g.end > r.pos) return false; // forward or self reference
  const up = ancestors(p, g);
  const rUp = new Set(ancestors(p, r));
  for (let k = 1; k < up.length; k++) {
    const a = up[k];
    // lowest common ancestor: an alternation means different branches
    if (rUp.has(a)) return a.t !== T.Alt;
    if (a.t === T.Alt) return false;
    if (a.t === T.Repeat && (a.min === 0 || (a.max > a.min && nullable(a.body)))) return false;
    if (
      a.t === T.Group &&
      (a.kind === G.NegLookahead || a.kind === G.Lookbehind || a.kind === G.NegLookbehind)
    ) {
      return false;
    }
  }
  return false;
}

/**
 * Whether group `g` cannot have been set when reference `r` runs: they are in
 * different branches of an alternation, or `g` comes after (or contains)
 * `r`, and no loop around both could have set `g` in an earlier iteration.
 * PCRE2 then fails the reference (an unset group does not match).
 */
function neverSet(p: Parser, g: GroupNode, r: BackrefNode): boolean {
  const rUp = new Set(ancestors(p, r));
  const gUp = ancestors(p, g);
  const k = gUp.findIndex((a) => rUp.has(a));
  if (k < 0) return false;
  const lca = gUp[k];
  if (lca === g) return false; // a reference inside its own group: left to the caller
  if (lca.t !== T.Alt && g.end <= r.pos) return false;
  for (let j = k; j < gUp.length; j++) {
    const a = gUp[j];
    if (a.t === T.Repeat && a.max > 1) return false;
  }
  return true;
}

/**
 * Whether a reference can match zero times right where it stands (`\1?`,
 * `(?:\1)*`): then "unset fails" (PCRE2) and "unset matches empty"
 * (JavaScript) end at the same position.
 */
function optionalReference(p: Parser, r: BackrefNode): boolean {
  let cur: Node = r;
  for (;;) {
    const up = p.parent.get(cur);
    if (up === undefined) return false;
    if (up.t === T.Repeat) return up.min === 0;
    if (
      up.t === T.Group && (up.kind === G.NonCapture || up.kind === G.Capture) && up.body === cur
    ) {
      cur = up;
      continue;
    }
    if (up.t === T.Seq && up.items.length === 1) {
      cur = up;
      continue;
    }
    return false;
  }
}

// ---------------------------------------------------------------- emitter

class Emitter {
  next = 1;
  readonly jsNumber = new Map<number, number>();
  readonly referenced: Set<number>;

  constructor(referenced: Set<number>) {
    this.referenced = referenced;
  }

  emit(n: Node): string {
    switch (n.t) {
      case T.Set:
        return setJs(n.set);
      case T.Assert:
        return n.js;
      case T.Seq: {
        let out = "";
        for (const item of n.items) out += this.emit(item);
        return out;
      }
      case T.Alt: {
        let out = this.emit(n.branches[0]);
        for (let k = 1; k < n.branches.length; k++) out += "|" + this.emit(n.branches[k]);
        return out;
      }
      case T.Backref:
        if (n.never) return "(?!)";
        return `(?${n.caseless ? "i" : ""}:\\${this.jsNumber.get(n.num)})`;
      case T.Group:
        return this.group(n);
      case T.Repeat:
        return this.repeat(n);
    }
  }

  group(n: GroupNode): string {
    switch (n.kind) {
      case G.Capture:
        if (this.referenced.has(n.num)) {
          const k = this.next++;
          const body = this.emit(n.body);
          this.jsNumber.set(n.num, k);
          return `(${body})`;
        }
        return `(?:${this.emit(n.body)})`;
      case G.NonCapture:
        return `(?:${this.emit(n.body)})`;
      case G.Lookahead:
        return `(?=${this.emit(n.body)})`;
      case G.NegLookahead:
        return `(?!${this.emit(n.body)})`;
      case G.Lookbehind:
        return `(?<=${this.emit(n.body)})`;
      case G.NegLookbehind:
        return `(?<!${this.emit(n.body)})`;
      case G.Atomic:
        return this.atomic(() => this.emit(n.body));
    }
  }

  atomic(body: () => string): string {
    const k = this.next++;
    return `(?:(?=(${body()}))\\${k})`;
  }

  repeat(n: RepeatNode): string {
    const quant = () => {
      const q = n.min === 0 && n.max === Infinity
        ? "*"
        : n.min === 1 && n.max === Infinity
        ? "+"
        : n.min === 0 && n.max === 1
        ? "?"
        : n.max === Infinity
        ? `{${n.min},}`
        : n.min === n.max
        ? `{${n.min}}`
        : `{${n.min},${n.max}}`;
      return n.lazy && !n.possessive ? `${q}?` : q;
    };
    const atom = () => {
      const b = n.body;
      const s = this.emit(b);
      if (b.t === T.Set || b.t === T.Group || b.t === T.Backref) return s;
      return `(?:${s})`;
    };
    if (n.possessive) return this.atomic(() => atom() + quant());
    return atom() + quant();
  }
}

/**
 * Translate a PCRE2 pattern (the text between the slashes of a Suricata
 * `pcre` value) into an equivalent JavaScript RegExp source.
 *
 * The pattern's characters are taken as their UTF-8 bytes (PCRE2 sees the
 * rule file's bytes). With `noAutoCapture` (Suricata's default), plain
 * parentheses do not capture; when a numbered back reference then points at
 * a group that does not exist, the pattern is translated again with
 * captures, as Suricata recompiles it.
 *
 * @param pattern the PCRE2 pattern
 * @param options compile options (Suricata's `/flags`)
 * @returns the JavaScript source
 * @throws {PcreTranslateError} when PCRE2 rejects the pattern or it has no exact translation
 */
export function translatePcre(pattern: string, options: PcreOptions = {}): TranslatedPcre {
  const bytes = new TextEncoder().encode(pattern);
  const noAuto = options.noAutoCapture ?? true;
  try {
    return translateBytes(bytes, { ...options, noAutoCapture: noAuto });
  } catch (error) {
    if (error instanceof MissingGroupError && noAuto) {
      return translateBytes(bytes, { ...options, noAutoCapture: false });
    }
    throw error;
  }
}

function translateBytes(bytes: Uint8Array, options: PcreOptions): TranslatedPcre {
  const parser = new Parser(bytes, options);
  const tree = parser.parsePattern();
  checkLookbehinds(tree, false);
  checkLoops(tree);
  checkAutoPossess(parser);
  checkLeadingLookahead(tree);
  const referenced = new Set<number>();
  for (const r of parser.backrefs) {
    if (r.name !== null) {
      const num = parser.names.get(r.name);
      if (num === undefined) {
        throw new MissingGroupError(
          "reference to non-existent subpattern",
          r.pos,
          false,
          "invalid",
        );
      }
      r.num = num;
    }
    const g = parser.groups[r.num];
    if (!g) {
      throw new MissingGroupError("reference to non-existent subpattern", r.pos, false, "invalid");
    }
  }
  if (parser.backrefs.length > 0) parser.linkParents(tree);
  for (const r of parser.backrefs) {
    const g = parser.groups[r.num];
    if (neverSet(parser, g, r)) {
      r.never = true;
      continue;
    }
    if (ancestors(parser, r).includes(g)) {
      throw new PcreTranslateError(
        "unsupported PCRE construct: back reference inside the group it refers to",
        r.pos,
        true,
        "back reference inside its own group",
      );
    }
    if (inside(parser, r, G.Lookbehind) || inside(parser, r, G.NegLookbehind)) {
      throw new PcreTranslateError(
        "unsupported PCRE construct: back reference in lookbehind",
        r.pos,
        true,
        "back reference in lookbehind",
      );
    }
    if (!definitelySet(parser, g, r) && !optionalReference(parser, r)) {
      throw new PcreTranslateError(
        "unsupported PCRE construct: back reference to a group that may be unset",
        r.pos,
        true,
        "back reference to a possibly unset group",
      );
    }
    if (r.caseless) {
      const abc = newSet();
      alphabet(g.body, parser, abc, new Set([r.num]));
      for (let k = 0; k < 8; k++) {
        if ((abc[k] & LATIN1_PAIRED[k]) !== 0) {
          throw new PcreTranslateError(
            "unsupported PCRE construct: caseless back reference to a group that can capture latin1 letters",
            r.pos,
            true,
            "caseless back reference over latin1 letters",
          );
        }
      }
    }
    referenced.add(r.num);
  }
  // Caseless back references are emitted as (?i:\N): JavaScript then compares
  // case-insensitively, over ASCII only thanks to the alphabet check above.
  const emitter = new Emitter(referenced);
  let source = emitter.emit(tree);
  if (source.startsWith(SUBJECT_START)) source = "^" + source.slice(SUBJECT_START.length);
  try {
    new RegExp(source);
  } catch (error) {
    throw new PcreTranslateError(
      `translation produced an invalid expression: ${(error as Error).message}`,
      0,
      true,
      "translation failure",
    );
  }
  return { source, jsGroups: emitter.next - 1 };
}

function inside(p: Parser, n: Node, kind: G): boolean {
  for (const a of ancestors(p, n)) if (a.t === T.Group && a.kind === kind) return true;
  return false;
}

/** What a Suricata `pcre` value holds. */
export interface PcreValue {
  /** The pattern between the slashes. */
  pattern: string;
  /** The modifier letters after the last slash. */
  modifiers: string;
  /** Offset of the pattern's first character in the value. */
  patternOffset: number;
  /** Offset of the first modifier in the value. */
  modifiersOffset: number;
  /** Capture variable names after the pattern (`, flow:name`), if any. */
  captureNames: string | null;
}

/**
 * Split a `pcre` value (quotes and negation already removed) into pattern and
 * modifiers the way Suricata does (`(?<!\\)/(.*(?<!(?<!\\)\\))/([^"]*)`):
 * the pattern runs from the first unescaped `/` to the last `/` that is not
 * escaped by a single backslash.
 *
 * @param value the value inside the quotes
 * @returns the parts, or null when there is no `/pattern/`
 */
export function splitPcreValue(value: string): PcreValue | null {
  let text = value;
  let captureNames: string | null = null;
  const f = text.indexOf("flow:");
  const k = text.indexOf("pkt:");
  const cut = f < 0 ? k : k < 0 ? f : Math.min(f, k);
  if (cut > 1) {
    let o = cut - 1;
    while (o > 0 && (text[o] === "," || text[o] === " ")) o--;
    if (cut !== o + 1) {
      captureNames = text.slice(cut);
      text = text.slice(0, o + 1);
    }
  }
  for (let a = 0; a < text.length; a++) {
    if (text[a] !== "/" || (a > 0 && text[a - 1] === "\\")) continue;
    for (let b = text.length - 1; b > a; b--) {
      if (text[b] !== "/") continue;
      if (text[b - 1] === "\\" && !(b >= 2 && text[b - 2] === "\\")) continue;
      let modEnd = b + 1;
      while (modEnd < text.length && text[modEnd] !== '"') modEnd++;
      return {
        pattern: text.slice(a + 1, b),
        modifiers: text.slice(b + 1, modEnd),
        patternOffset: a + 1,
        modifiersOffset: b + 1,
        captureNames,
      };
    }
  }
  return null;
}

/**
 * Map a byte offset in the UTF-8 form of `text` to a character offset.
 *
 * @param text the text
 * @param byteOffset offset in its UTF-8 bytes
 * @returns the offset in `text`
 */
export function charOffsetOfByte(text: string, byteOffset: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    if (bytes >= byteOffset) return i;
    const c = text.codePointAt(i)!;
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (c >= 0x10000) i++;
  }
  return text.length;
}
