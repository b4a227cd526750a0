/**
 * Test oracle: the system's libpcre2-8 (the library Suricata links) through
 * Deno FFI, to compare translated patterns against real PCRE2 matching.
 * `openPcre2()` returns null when the library is not installed.
 *
 * @module
 */

const PCRE2_CASELESS = 0x00000008;
const PCRE2_DOLLAR_ENDONLY = 0x00000010;
const PCRE2_DOTALL = 0x00000020;
const PCRE2_EXTENDED = 0x00000080;
const PCRE2_MULTILINE = 0x00000400;
const PCRE2_NO_AUTO_CAPTURE = 0x00002000;
const PCRE2_UNGREEDY = 0x00040000;
const PCRE2_ANCHORED = 0x80000000;

/** Compile options as Suricata's pcre modifiers. */
export interface OracleOptions {
  caseless?: boolean;
  multiline?: boolean;
  dotall?: boolean;
  extended?: boolean;
  dollarEndOnly?: boolean;
  ungreedy?: boolean;
  anchored?: boolean;
}

/** A compiled PCRE2 pattern. */
export interface OraclePattern {
  /** First match at or after `start`: [start, end] or null. */
  exec(subject: Uint8Array, start: number): [number, number] | null;
  free(): void;
}

/** The library handle. */
export interface Pcre2 {
  /**
   * Compile as Suricata does (NO_AUTO_CAPTURE, retried without on error 115).
   *
   * @returns the pattern, or the error message
   */
  compile(pattern: string, options: OracleOptions): OraclePattern | string;
  close(): void;
}

const SYMBOLS = {
  pcre2_compile_8: {
    parameters: ["buffer", "usize", "u32", "buffer", "buffer", "pointer"],
    result: "pointer",
  },
  pcre2_code_free_8: { parameters: ["pointer"], result: "void" },
  pcre2_match_data_create_from_pattern_8: { parameters: ["pointer", "pointer"], result: "pointer" },
  pcre2_match_data_free_8: { parameters: ["pointer"], result: "void" },
  pcre2_match_8: {
    parameters: ["pointer", "buffer", "usize", "usize", "u32", "pointer", "pointer"],
    result: "i32",
  },
  pcre2_get_ovector_pointer_8: { parameters: ["pointer"], result: "pointer" },
  pcre2_get_error_message_8: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  pcre2_jit_compile_8: { parameters: ["pointer", "u32"], result: "i32" },
} as const;

/**
 * Open libpcre2-8.
 *
 * @param jit JIT-compile patterns, as Suricata does (default)
 * @returns the oracle, or null without the library
 */
export function openPcre2(jit = true): Pcre2 | null {
  let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    lib = Deno.dlopen("libpcre2-8.so.0", SYMBOLS);
  } catch {
    return null;
  }
  const s = lib.symbols;
  const message = (code: number) => {
    const buf = new Uint8Array(256);
    const n = s.pcre2_get_error_message_8(code, buf, 256n);
    return new TextDecoder().decode(buf.subarray(0, Math.max(0, n)));
  };
  const compileRaw = (pattern: Uint8Array, flags: number) => {
    const err = new Int32Array(1);
    const off = new BigUint64Array(1);
    const code = s.pcre2_compile_8(pattern, BigInt(pattern.length), flags, err, off, null);
    return { code, err: err[0] };
  };
  return {
    compile(pattern, o) {
      let flags = PCRE2_NO_AUTO_CAPTURE;
      if (o.caseless) flags |= PCRE2_CASELESS;
      if (o.multiline) flags |= PCRE2_MULTILINE;
      if (o.dotall) flags |= PCRE2_DOTALL;
      if (o.extended) flags |= PCRE2_EXTENDED;
      if (o.dollarEndOnly) flags |= PCRE2_DOLLAR_ENDONLY;
      if (o.ungreedy) flags |= PCRE2_UNGREEDY;
      if (o.anchored) flags |= PCRE2_ANCHORED;
      const bytes = new TextEncoder().encode(pattern);
      let { code, err } = compileRaw(bytes, flags);
      if (code === null && err === 115) {
        ({ code, err } = compileRaw(bytes, flags & ~PCRE2_NO_AUTO_CAPTURE));
      }
      if (code === null) return message(err);
      // Suricata JIT-compiles every pattern (PCRE2_JIT_COMPLETE); pcre2_match
      // then runs the JIT code, whose optimizations differ from the interpreter's.
      if (jit) s.pcre2_jit_compile_8(code, 1);
      const md = s.pcre2_match_data_create_from_pattern_8(code, null);
      const compiled = code;
      return {
        exec(subject, start) {
          const rc = s.pcre2_match_8(
            compiled,
            subject,
            BigInt(subject.length),
            BigInt(start),
            0,
            md,
            null,
          );
          if (rc < 0) {
            if (rc === -1) return null;
            throw new Error(`pcre2_match failed: ${message(rc)}`);
          }
          const ov = new Deno.UnsafePointerView(s.pcre2_get_ovector_pointer_8(md)!);
          return [Number(ov.getBigUint64(0)), Number(ov.getBigUint64(8))];
        },
        free() {
          s.pcre2_match_data_free_8(md);
          s.pcre2_code_free_8(compiled);
        },
      };
    },
    close() {
      lib.close();
    },
  };
}
