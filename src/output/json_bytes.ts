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
    if (typeof n === "number" && n >= 0 && n <= Number.MAX_SAFE_INTEGER && n % 1 === 0) {
      let width = 1;
      for (let m = n; m >= 10; m = Math.floor(m / 10)) width++;
      this.#digits(n, width);
    } else {
      this.ascii(String(n));
    }
  }

  /**
   * A non-negative integer with leading zeros to `width` digits (e.g. the
   * microseconds of a timestamp).
   *
   * @param n the integer, below 10^width
   * @param width the number of digits
   */
  padded(n: number, width: number): void {
    this.#digits(n, width);
  }

  /** `n` as exactly `width` decimal digits, the last ones. */
  #digits(n: number, width: number): void {
    const buf = this.#reserve(width);
    const end = this.#len + width;
    for (let at = end - 1; at >= this.#len; at--) {
      const q = Math.floor(n / 10);
      buf[at] = ZERO + n - q * 10;
      n = q;
    }
    this.#len = end;
  }
}
