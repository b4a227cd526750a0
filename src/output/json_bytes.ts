/**
 * JSON text written straight into one reused, growable byte buffer (UTF-8),
 * for the EVE record builders: keys, numbers and ASCII values go in byte by
 * byte, so a record is built without the intermediate strings of a
 * concatenation, and is handed to the line writer as bytes.
 *
 * Strings are escaped exactly as `JSON.stringify` escapes them (which is what
 * Suricata's JsonBuilder writes): ASCII text is written here, anything else
 * through `JSON.stringify` and `TextEncoder`.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
/** `0123456789abcdef` as bytes. */
const HEX_DIGITS = encoder.encode("0123456789abcdef");
/** The letter of `JSON.stringify`'s short escape of each control character (`\b \t \n \f \r`), else 0. */
const SHORT_ESCAPES = new Uint8Array(0x20);
SHORT_ESCAPES[0x08] = 0x62; // b
SHORT_ESCAPES[0x09] = 0x74; // t
SHORT_ESCAPES[0x0a] = 0x6e; // n
SHORT_ESCAPES[0x0c] = 0x66; // f
SHORT_ESCAPES[0x0d] = 0x72; // r

/**
 * A reusable JSON text buffer: {@link JsonBytes.reset}, write a record, then
 * read `bytes[0, length)`.
 *
 * @example
 * ```ts
 * const out = new JsonBytes();
 * out.ascii('{"n":');
 * out.number(42);
 * out.ascii(',"s":');
 * out.string('a "b"');
 * out.ascii("}");
 * out.text(); // '{"n":42,"s":"a \\"b\\""}'
 * ```
 */
export class JsonBytes {
  #buf: Uint8Array;
  #len = 0;

  /** @param capacity initial size in bytes (the buffer grows as needed) */
  constructor(capacity = 4096) {
    this.#buf = new Uint8Array(Math.max(16, capacity));
  }

  /** The buffer; the text is `bytes[0, length)` (valid until the next write). */
  get bytes(): Uint8Array {
    return this.#buf;
  }

  /** Bytes written since the last {@link JsonBytes.reset}. */
  get length(): number {
    return this.#len;
  }

  /** Start a new text. */
  reset(): void {
    this.#len = 0;
  }

  /** The text written so far, as a string. */
  text(): string {
    return decoder.decode(this.#buf.subarray(0, this.#len));
  }

  /** Make room for `n` more bytes. */
  #reserve(n: number): Uint8Array {
    const need = this.#len + n;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    return this.#buf;
  }

  /**
   * Characters written as they are, one byte each: JSON punctuation, keys and
   * values the caller knows are ASCII with nothing to escape.
   *
   * @param s ASCII text
   */
  ascii(s: string): void {
    const n = s.length;
    const buf = this.#reserve(n);
    const at = this.#len;
    for (let i = 0; i < n; i++) buf[at + i] = s.charCodeAt(i);
    this.#len = at + n;
  }

  /**
   * Bytes written as they are (e.g. JSON text encoded once and cached).
   *
   * @param bytes UTF-8 JSON text
   */
  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length).set(bytes, this.#len);
    this.#len += bytes.length;
  }

  /**
   * A JSON string: `s` quoted and escaped as `JSON.stringify(s)`.
   *
   * @param s the text
   */
  string(s: string): void {
    const n = s.length;
    const buf = this.#reserve(2 * n + 2);
    const start = this.#len;
    let at = start;
    buf[at++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c >= 0x80) {
        // control characters and non-ASCII: JSON.stringify's escapes and UTF-8
        this.#len = start;
        this.json(JSON.stringify(s));
        return;
      }
      if (c === QUOTE || c === BACKSLASH) buf[at++] = BACKSLASH;
      buf[at++] = c;
    }
    buf[at++] = QUOTE;
    this.#len = at;
  }

  /**
   * A key (JSON punctuation included, e.g. `,"app_proto":`) and the JSON
   * string of `value`; nothing when `value` is undefined.
   *
   * @param key the key text, written as it is
   * @param value the value, or undefined to write nothing
   */
  optionalString(key: string, value: string | undefined): void {
    if (value === undefined) return;
    this.ascii(key);
    this.string(value);
  }

  /**
   * The JSON string of ASCII bytes `bytes[start, end)`, escaped as
   * `JSON.stringify` escapes the same text; nothing is written when a byte is
   * not ASCII (from 0x80), so the caller can decode them itself.
   *
   * @param bytes the buffer
   * @param start first byte
   * @param end one past the last byte
   * @returns false (nothing written) when a byte is not ASCII
   */
  asciiString(bytes: Uint8Array, start: number, end: number): boolean {
    const buf = this.#reserve(6 * (end - start) + 2);
    let at = this.#len;
    buf[at++] = QUOTE;
    for (let i = start; i < end; i++) {
      const c = bytes[i];
      if (c >= 0x80) return false;
      if (c < 0x20) {
        const short = SHORT_ESCAPES[c];
        buf[at++] = BACKSLASH;
        if (short !== 0) {
          buf[at++] = short;
        } else {
          // \u00XX, lowercase hex
          buf[at++] = 0x75;
          buf[at++] = ZERO;
          buf[at++] = ZERO;
          buf[at++] = HEX_DIGITS[c >>> 4];
          buf[at++] = HEX_DIGITS[c & 15];
        }
        continue;
      }
      if (c === QUOTE || c === BACKSLASH) buf[at++] = BACKSLASH;
      buf[at++] = c;
    }
    buf[at++] = QUOTE;
    this.#len = at;
    return true;
  }

  /**
   * JSON text (e.g. from `JSON.stringify`), encoded as UTF-8.
   *
   * @param text the JSON text
   */
  json(text: string): void {
    const buf = this.#reserve(3 * text.length);
    this.#len += encoder.encodeInto(text, buf.subarray(this.#len)).written;
  }

  /**
   * A number as `String(n)` writes it (the JSON form of a finite number or a
   * bigint).
   *
   * @param n the number
   */
  number(n: number | bigint): void {
    if (typeof n !== "number" || !(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n))) {
      this.ascii(String(n));
    } else if (n < BILLION) {
      this.#digits(n, digitCount(n));
    } else {
      // two parts below 10^9 each, so the digits are made with integer arithmetic
      const high = Math.floor(n / BILLION);
      this.#digits(high, digitCount(high));
      this.#digits(n - high * BILLION, 9);
    }
  }

  /**
   * A non-negative integer with leading zeros to `width` digits (e.g. the
   * microseconds of a timestamp).
   *
   * @param n the integer, below 10^width and 10^9
   * @param width the number of digits
   */
  padded(n: number, width: number): void {
    this.#digits(n, width);
  }

  /** `n` (below 10^9) as exactly `width` decimal digits, the last ones. */
  #digits(n: number, width: number): void {
    const buf = this.#reserve(width);
    const end = this.#len + width;
    let v = n | 0;
    for (let at = end - 1; at >= this.#len; at--) {
      const q = (v / 10) | 0;
      buf[at] = ZERO + v - q * 10;
      v = q;
    }
    this.#len = end;
  }
}

const BILLION = 1e9;

/** The number of decimal digits of `n` (0 <= n < 10^9). */
function digitCount(n: number): number {
  let width = 1;
  for (let m = n; m >= 10; m = (m / 10) | 0) width++;
  return width;
}
