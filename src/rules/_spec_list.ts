/**
 * The list syntax shared by address and port specs: elements, `!` negation,
 * `[a,b,[c,d]]` groups, separated by commas. Atoms (what sits between the
 * separators) are returned as text with their offsets; address.ts and port.ts
 * give them meaning.
 *
 * @module
 */

/** A syntax error inside a spec, at an offset of the spec text. */
export interface SpecSyntaxError {
  /** Always `"error"`, to tell it from a parsed spec. */
  readonly kind: "error";
  /** 0-based offset of the offending character in the spec text. */
  readonly offset: number;
  /** What is wrong. */
  readonly message: string;
}

/** One element of a spec before its atoms are interpreted. */
export type RawElement =
  | { kind: "list"; negated: boolean; offset: number; items: RawElement[] }
  | { kind: "atom"; negated: boolean; offset: number; text: string; textOffset: number };

/**
 * Makes a spec syntax error.
 *
 * @param offset where, in the spec text
 * @param message what
 * @returns the error
 */
export function specError(offset: number, message: string): SpecSyntaxError {
  return { kind: "error", offset, message };
}

class ScanError {
  constructor(readonly offset: number, readonly message: string) {}
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/**
 * Splits a spec into its element tree.
 *
 * @param text the spec as written
 * @param what "address" or "port", for messages
 * @returns the root element, or the first syntax error
 */
export function scanSpecList(text: string, what: string): RawElement | SpecSyntaxError {
  const n = text.length;
  // Fast path for the common single atom (`any`, `$HOME_NET`, `80`).
  let simple = n > 0;
  for (let k = 0; k < n && simple; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x5b || c === 0x5d || c === 0x2c || c === 0x21 || isSpace(c)) simple = false;
  }
  if (simple) return { kind: "atom", negated: false, offset: 0, text, textOffset: 0 };
  let i = 0;

  const skipSpace = () => {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  };

  // Returns null for an empty element (nothing before the next separator).
  const element = (): RawElement | null => {
    skipSpace();
    const offset = i;
    let negated = false;
    if (text.charCodeAt(i) === 0x21 /* ! */) {
      negated = true;
      i++;
      skipSpace();
      if (text.charCodeAt(i) === 0x21) throw new ScanError(i, `double negation in ${what}`);
    }
    if (text.charCodeAt(i) === 0x5b /* [ */) {
      const open = i;
      i++;
      const items: RawElement[] = [];
      for (;;) {
        const item = element();
        skipSpace();
        const c = i < n ? text.charCodeAt(i) : -1;
        if (item === null) {
          // Suricata tolerates a trailing comma before ']', nothing else empty.
          if (c === 0x5d && items.length > 0) {
            i++;
            break;
          }
          if (c === -1) throw new ScanError(open, `unclosed '[' in ${what}`);
          throw new ScanError(i, c === 0x5d ? `empty ${what} list` : `empty ${what} element`);
        }
        items.push(item);
        if (c === 0x2c /* , */) {
          i++;
          continue;
        }
        if (c === 0x5d /* ] */) {
          i++;
          break;
        }
        if (c === -1) throw new ScanError(open, `unclosed '[' in ${what}`);
        throw new ScanError(i, `expected ',' or ']' in ${what}`);
      }
      return { kind: "list", negated, offset, items };
    }
    const start = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x2c || c === 0x5d || c === 0x5b || isSpace(c)) break;
      i++;
    }
    if (i < n && text.charCodeAt(i) === 0x5b) {
      throw new ScanError(i, `unexpected '[' in ${what}`);
    }
    if (i > start && i < n && isSpace(text.charCodeAt(i))) {
      // Suricata skips blanks before an element but fails on blanks after it.
      throw new ScanError(i, `unexpected blank after ${what} "${text.slice(start, i)}"`);
    }
    if (i === start) {
      if (negated) throw new ScanError(i, `'!' must be followed by ${what}`);
      return null;
    }
    return { kind: "atom", negated, offset, text: text.slice(start, i), textOffset: start };
  };

  try {
    const root = element();
    skipSpace();
    if (root === null) {
      return specError(i, i < n ? `unexpected '${text[i]}' in ${what}` : `empty ${what}`);
    }
    if (i < n) return specError(i, `unexpected '${text[i]}' in ${what}`);
    return root;
  } catch (e) {
    if (e instanceof ScanError) return specError(e.offset, e.message);
    throw e;
  }
}

/**
 * Whether a variable name is well formed (what may follow `$`).
 *
 * @param name the name without `$`
 * @returns the offset of the first bad character, or -1 when it is fine
 */
export function badVariableNameAt(name: string): number {
  if (name.length === 0) return 0;
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d;
    if (!ok) return k;
  }
  return -1;
}
