/**
 * Raw bindings to Hyperscan (`libhs.so.5`, Debian `libhyperscan5`; Vectorscan
 * is a drop-in replacement on other architectures) through `Deno.dlopen`:
 * compile (`hs_compile_ext_multi`, `hs_compile_lit_multi`), scratch, block and
 * vectored scans, serialization and database info, with Hyperscan's error
 * codes turned into {@link HyperscanError}s that name the failing expression.
 *
 * Policy lives elsewhere (`src/mpm/hyperscan.ts`): this module only knows
 * symbols, constants and struct layouts (64-bit Linux).
 *
 * A missing library is not an error until it is needed: {@link hyperscan}
 * returns `null` and {@link hyperscanLoadError} says why.
 *
 * @module
 */

import { free } from "./libc.ts";

/** `hs_compile` flag: match letters regardless of case. */
export const HS_FLAG_CASELESS = 1;
/** `hs_compile` flag: `.` matches newlines. */
export const HS_FLAG_DOTALL = 2;
/** `hs_compile` flag: `^` and `$` match at newlines. */
export const HS_FLAG_MULTILINE = 4;
/** `hs_compile` flag: report an expression's id at most once per scan. */
export const HS_FLAG_SINGLEMATCH = 8;
/** `hs_compile` flag: UTF-8 mode. */
export const HS_FLAG_UTF8 = 32;
/** `hs_compile` flag: compile a superset of the expression (matches must be confirmed). */
export const HS_FLAG_PREFILTER = 128;
/** `hs_compile` flag: report the leftmost start of a match. */
export const HS_FLAG_SOM_LEFTMOST = 256;

/** Database mode: block (one contiguous buffer per scan). */
export const HS_MODE_BLOCK = 1;
/** Database mode: streaming. */
export const HS_MODE_STREAM = 2;
/** Database mode: vectored (a list of buffers per scan, scanned as one). */
export const HS_MODE_VECTORED = 4;

/** `hs_expr_ext_t.flags`: `min_offset` is set (earliest END offset of a match). */
export const HS_EXT_FLAG_MIN_OFFSET = 1;
/** `hs_expr_ext_t.flags`: `max_offset` is set (latest END offset of a match). */
export const HS_EXT_FLAG_MAX_OFFSET = 2;

/** Return code: success. */
export const HS_SUCCESS = 0;
/** Return code: the callback asked to stop the scan. */
export const HS_SCAN_TERMINATED = -3;
/** Return code: compile error (details in `hs_compile_error_t`). */
export const HS_COMPILER_ERROR = -4;

/** Size of `hs_expr_ext_t`: flags u64, min_offset, max_offset, min_length u64, edit_distance u32, hamming u32. */
const EXPR_EXT_SIZE = 40;
/** Size of `hs_platform_info_t`: tune u32 (+pad), cpu_features u64, reserved1 u64, reserved2 u64. */
const PLATFORM_INFO_SIZE = 32;

/** Hyperscan's error codes by name, for messages. */
const ERROR_NAMES: Record<number, string> = {
  [-1]: "HS_INVALID",
  [-2]: "HS_NOMEM",
  [-3]: "HS_SCAN_TERMINATED",
  [-4]: "HS_COMPILER_ERROR",
  [-5]: "HS_DB_VERSION_ERROR",
  [-6]: "HS_DB_PLATFORM_ERROR",
  [-7]: "HS_DB_MODE_ERROR",
  [-8]: "HS_BAD_ALIGN",
  [-9]: "HS_BAD_ALLOC",
  [-10]: "HS_SCRATCH_IN_USE",
  [-11]: "HS_ARCH_ERROR",
  [-12]: "HS_INSUFFICIENT_SPACE",
  [-13]: "HS_UNKNOWN_ERROR",
};

const LIBHS_PATHS = [
  "libhs.so.5",
  "/usr/lib/x86_64-linux-gnu/libhs.so.5",
  "/usr/lib/aarch64-linux-gnu/libhs.so.5",
  "/usr/local/lib/libhs.so.5",
  "/usr/lib/libhs.so.5",
];

const SYMBOLS = {
  hs_version: { parameters: [], result: "pointer" },
  hs_valid_platform: { parameters: [], result: "i32" },
  hs_populate_platform: { parameters: ["buffer"], result: "i32" },
  hs_compile_ext_multi: {
    // exprs, flags, ids, ext, elements, mode, platform, db**, error**
    parameters: [
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "u32",
      "u32",
      "pointer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  hs_compile_lit_multi: {
    // exprs, flags, ids, lens, elements, mode, platform, db**, error**
    parameters: [
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "u32",
      "u32",
      "pointer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  hs_free_compile_error: { parameters: ["pointer"], result: "i32" },
  hs_free_database: { parameters: ["pointer"], result: "i32" },
  hs_database_size: { parameters: ["pointer", "buffer"], result: "i32" },
  hs_database_info: { parameters: ["pointer", "buffer"], result: "i32" },
  hs_serialize_database: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  hs_deserialize_database: { parameters: ["buffer", "usize", "buffer"], result: "i32" },
  hs_serialized_database_info: { parameters: ["buffer", "usize", "buffer"], result: "i32" },
  hs_alloc_scratch: { parameters: ["pointer", "buffer"], result: "i32" },
  hs_clone_scratch: { parameters: ["pointer", "buffer"], result: "i32" },
  hs_scratch_size: { parameters: ["pointer", "buffer"], result: "i32" },
  hs_free_scratch: { parameters: ["pointer"], result: "i32" },
  /** Block scan of a whole typed array: db, data, length, flags, scratch, callback, context. */
  hs_scan: {
    parameters: ["pointer", "buffer", "u32", "u32", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  /**
   * Vectored scan: db, `const char* const* data` (a BigUint64Array of
   * addresses), `const unsigned* length`, count, flags, scratch, callback,
   * context. The address array lets a caller scan any window of mapped
   * memory without creating a pointer object per scan.
   */
  hs_scan_vector: {
    parameters: ["pointer", "buffer", "buffer", "u32", "u32", "pointer", "pointer", "pointer"],
    result: "i32",
  },
} as const;

/** The bound libhs symbols. */
export type HyperscanSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/**
 * The match callback's C type is
 * `int (*)(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void* ctx)`.
 * Tarsier declares only the first argument: on x86_64 and aarch64 every
 * argument travels in a register, so a callee that ignores the rest is
 * ABI-correct, and each declared argument costs a V8 value per call (the u64s
 * would even be BigInts, allocated per match). Return 0 to continue, non-zero
 * to stop the scan.
 */
export const MATCH_CALLBACK = { parameters: ["u32"], result: "i32" } as const;

let loaded: HyperscanSymbols | null | undefined;
let loadError = "";

/**
 * The libhs symbols, opened on first use; `null` when the library is missing,
 * unusable on this CPU or FFI is not permitted ({@link hyperscanLoadError}
 * says which).
 *
 * @returns the bound symbols or null
 */
export function hyperscan(): HyperscanSymbols | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    loadError = "FFI is not permitted (--allow-ffi)";
    return null;
  }
  for (const path of LIBHS_PATHS) {
    try {
      const symbols = Deno.dlopen(path, SYMBOLS).symbols;
      if (symbols.hs_valid_platform() !== HS_SUCCESS) {
        loadError = `${path}: this CPU lacks the instructions Hyperscan needs (SSSE3)`;
        return null;
      }
      loaded = symbols;
      return loaded;
    } catch (error) {
      loadError = error instanceof Error ? error.message : String(error);
    }
  }
  loadError = `libhs.so.5 not found (install libhyperscan5 or libvectorscan5): ${loadError}`;
  return null;
}

/**
 * Why {@link hyperscan} returned null ("" when it loaded or was not tried).
 *
 * @returns a one-line reason
 */
export function hyperscanLoadError(): string {
  return loadError;
}

/** A failed Hyperscan call, with its return code and, for compile errors, the expression. */
export class HyperscanError extends Error {
  /** The C function that failed, e.g. `hs_compile_ext_multi`. */
  readonly call: string;
  /** Hyperscan's return code, e.g. -4 (`HS_COMPILER_ERROR`). */
  readonly code: number;
  /** Index of the failing expression in the compiled list, or -1. */
  readonly expression: number;

  /**
   * @param call the C function that failed
   * @param code its return code
   * @param message the user-facing message
   * @param expression index of the failing expression, or -1
   */
  constructor(call: string, code: number, message: string, expression = -1) {
    super(message);
    this.name = "HyperscanError";
    this.call = call;
    this.code = code;
    this.expression = expression;
  }
}

function symbols(): HyperscanSymbols {
  const hs = hyperscan();
  if (hs === null) throw new HyperscanError("dlopen", 0, `Hyperscan unavailable: ${loadError}`);
  return hs;
}

function check(call: string, code: number): void {
  if (code !== HS_SUCCESS) {
    throw new HyperscanError(call, code, `${call} failed: ${ERROR_NAMES[code] ?? code}`);
  }
}

function pointerOut(out: BigUint64Array): Deno.PointerObject | null {
  return Deno.UnsafePointer.create(out[0]);
}

function addressOf(bytes: Uint8Array): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)));
}

/** Read a C string that Hyperscan allocated, then free it. */
function takeCString(out: BigUint64Array): string {
  const pointer = pointerOut(out);
  if (pointer === null) return "";
  const text = Deno.UnsafePointerView.getCString(pointer);
  free(pointer);
  return text;
}

/**
 * The library's version string, e.g. `5.4.0 2021-01-26`.
 *
 * @returns the version
 * @throws {HyperscanError} when libhs is unavailable
 */
export function hsVersion(): string {
  const text = symbols().hs_version();
  return text === null ? "" : Deno.UnsafePointerView.getCString(text);
}

/**
 * The host platform as Hyperscan sees it: tuning family and CPU feature bits
 * (`hs_populate_platform`), which compiled databases depend on.
 *
 * @returns `tune` and `cpuFeatures` (a bit set: AVX2 4, AVX512 8, AVX512VBMI 16)
 * @throws {HyperscanError} when libhs is unavailable
 */
export function hostPlatform(): { tune: number; cpuFeatures: bigint } {
  const info = new Uint8Array(PLATFORM_INFO_SIZE);
  check("hs_populate_platform", symbols().hs_populate_platform(info));
  const view = new DataView(info.buffer);
  return { tune: view.getUint32(0, true), cpuFeatures: view.getBigUint64(8, true) };
}

/** One expression for {@link compileExtMulti}. */
export interface HsExpression {
  /** The expression in Hyperscan's PCRE syntax (no NUL byte; `\xNN` for any byte). */
  expression: string;
  /** `HS_FLAG_*` bits. */
  flags: number;
  /** The id the callback reports. */
  id: number;
  /** Earliest END offset of a match (`HS_EXT_FLAG_MIN_OFFSET`), if any. */
  minOffset?: number;
  /** Latest END offset of a match (`HS_EXT_FLAG_MAX_OFFSET`), if any. */
  maxOffset?: number;
}

function compileError(call: string, code: number, errorOut: BigUint64Array): HyperscanError {
  const hs = symbols();
  const error = pointerOut(errorOut);
  if (error === null) return new HyperscanError(call, code, `${call} failed: ${ERROR_NAMES[code]}`);
  const view = new Deno.UnsafePointerView(error);
  const messagePointer = view.getPointer(0);
  const message = messagePointer === null
    ? ERROR_NAMES[code] ?? String(code)
    : Deno.UnsafePointerView.getCString(messagePointer);
  const expression = view.getInt32(8);
  hs.hs_free_compile_error(error);
  return new HyperscanError(call, code, message, expression);
}

/**
 * Compile expressions with extended parameters into one database
 * (`hs_compile_ext_multi`).
 *
 * @param expressions the expressions, ids and flags
 * @param mode `HS_MODE_BLOCK`, `HS_MODE_VECTORED` or `HS_MODE_STREAM`
 * @returns the database (free it with {@link freeDatabase})
 * @throws {HyperscanError} on a compile error; `expression` is the index of the
 *   failing entry of `expressions` (-1 when the set as a whole failed)
 */
export function compileExtMulti(expressions: HsExpression[], mode: number): Deno.PointerObject {
  const hs = symbols();
  const n = expressions.length;
  const encoder = new TextEncoder();
  const encoded = expressions.map((e) => encoder.encode(e.expression + "\0"));
  const text = new Uint8Array(encoded.reduce((sum, e) => sum + e.length, 0));
  const exts = new Uint8Array(Math.max(1, n) * EXPR_EXT_SIZE);
  const extView = new DataView(exts.buffer);
  const exprPointers = new BigUint64Array(n);
  const extPointers = new BigUint64Array(n);
  const flags = new Uint32Array(n);
  const ids = new Uint32Array(n);
  const textBase = addressOf(text);
  const extBase = addressOf(exts);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const e = expressions[i];
    text.set(encoded[i], at);
    exprPointers[i] = textBase + BigInt(at);
    at += encoded[i].length;
    flags[i] = e.flags;
    ids[i] = e.id;
    let extFlags = 0;
    const base = i * EXPR_EXT_SIZE;
    if (e.minOffset !== undefined) {
      extFlags |= HS_EXT_FLAG_MIN_OFFSET;
      extView.setBigUint64(base + 8, BigInt(e.minOffset), true);
    }
    if (e.maxOffset !== undefined) {
      extFlags |= HS_EXT_FLAG_MAX_OFFSET;
      extView.setBigUint64(base + 16, BigInt(e.maxOffset), true);
    }
    extView.setBigUint64(base, BigInt(extFlags), true);
    extPointers[i] = extFlags === 0 ? 0n : extBase + BigInt(base);
  }
  const dbOut = new BigUint64Array(1);
  const errorOut = new BigUint64Array(1);
  const code = hs.hs_compile_ext_multi(
    exprPointers,
    flags,
    ids,
    extPointers,
    n,
    mode,
    null,
    dbOut,
    errorOut,
  );
  if (code !== HS_SUCCESS) throw compileError("hs_compile_ext_multi", code, errorOut);
  return pointerOut(dbOut)!;
}

/** One literal for {@link compileLitMulti}. */
export interface HsLiteral {
  /** The bytes, matched literally (0x00 allowed, nothing escaped). */
  bytes: Uint8Array;
  /** `HS_FLAG_CASELESS`, `HS_FLAG_SINGLEMATCH`, `HS_FLAG_SOM_LEFTMOST` bits. */
  flags: number;
  /** The id the callback reports. */
  id: number;
}

/**
 * Compile pure literals into one database (`hs_compile_lit_multi`): no
 * escaping and no extended parameters (no offsets).
 *
 * @param literals the literals, ids and flags
 * @param mode `HS_MODE_BLOCK`, `HS_MODE_VECTORED` or `HS_MODE_STREAM`
 * @returns the database (free it with {@link freeDatabase})
 * @throws {HyperscanError} on a compile error, naming the failing literal's index
 */
export function compileLitMulti(literals: HsLiteral[], mode: number): Deno.PointerObject {
  const hs = symbols();
  const n = literals.length;
  const text = new Uint8Array(Math.max(1, literals.reduce((sum, l) => sum + l.bytes.length, 0)));
  const pointers = new BigUint64Array(n);
  const lengths = new BigUint64Array(n);
  const flags = new Uint32Array(n);
  const ids = new Uint32Array(n);
  const base = addressOf(text);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const l = literals[i];
    text.set(l.bytes, at);
    pointers[i] = base + BigInt(at);
    lengths[i] = BigInt(l.bytes.length);
    at += l.bytes.length;
    flags[i] = l.flags;
    ids[i] = l.id;
  }
  const dbOut = new BigUint64Array(1);
  const errorOut = new BigUint64Array(1);
  const code = hs.hs_compile_lit_multi(
    pointers,
    flags,
    ids,
    lengths,
    n,
    mode,
    null,
    dbOut,
    errorOut,
  );
  if (code !== HS_SUCCESS) throw compileError("hs_compile_lit_multi", code, errorOut);
  return pointerOut(dbOut)!;
}

/**
 * Free a database.
 *
 * @param db a database from a compile or {@link deserializeDatabase}
 */
export function freeDatabase(db: Deno.PointerObject): void {
  symbols().hs_free_database(db);
}

/**
 * The bytes a database occupies.
 *
 * @param db the database
 * @returns its size in bytes
 */
export function databaseSize(db: Deno.PointerObject): number {
  const out = new BigUint64Array(1);
  check("hs_database_size", symbols().hs_database_size(db, out));
  return Number(out[0]);
}

/**
 * Describe a database, e.g. `Version: 5.4.0 Features: AVX2 Mode: BLOCK`.
 *
 * @param db the database
 * @returns the description
 */
export function databaseInfo(db: Deno.PointerObject): string {
  const out = new BigUint64Array(1);
  check("hs_database_info", symbols().hs_database_info(db, out));
  return takeCString(out);
}

/**
 * Serialize a database into a byte array that {@link deserializeDatabase}
 * (on a host with the same library version and CPU features) turns back into it.
 *
 * @param db the database
 * @returns the serialized bytes (a copy in the JS heap)
 */
export function serializeDatabase(db: Deno.PointerObject): Uint8Array {
  const bytesOut = new BigUint64Array(1);
  const lengthOut = new BigUint64Array(1);
  check("hs_serialize_database", symbols().hs_serialize_database(db, bytesOut, lengthOut));
  const pointer = pointerOut(bytesOut)!;
  const length = Number(lengthOut[0]);
  const copy = new Uint8Array(length);
  copy.set(new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointer, length)));
  free(pointer);
  return copy;
}

/**
 * Rebuild a database from {@link serializeDatabase}'s bytes.
 *
 * @param bytes the serialized database
 * @returns the database (free it with {@link freeDatabase})
 * @throws {HyperscanError} when the bytes are not a usable database (damaged,
 *   another version, another platform)
 */
export function deserializeDatabase(bytes: Uint8Array): Deno.PointerObject {
  const out = new BigUint64Array(1);
  check(
    "hs_deserialize_database",
    symbols().hs_deserialize_database(bytes, BigInt(bytes.length), out),
  );
  return pointerOut(out)!;
}

/**
 * Describe a serialized database without deserializing it.
 *
 * @param bytes the serialized database
 * @returns e.g. `Version: 5.4.0 Features: AVX2 Mode: VECTORED`
 * @throws {HyperscanError} when the bytes are not a serialized database
 */
export function serializedDatabaseInfo(bytes: Uint8Array): string {
  const out = new BigUint64Array(1);
  check(
    "hs_serialized_database_info",
    symbols().hs_serialized_database_info(bytes, BigInt(bytes.length), out),
  );
  return takeCString(out);
}

/**
 * Allocate scratch space for `db`, or grow `scratch` so that it also suits
 * `db` (one scratch can serve many databases, one scan at a time).
 *
 * @param db the database
 * @param scratch an existing scratch to grow, or null
 * @returns the scratch (possibly a new address)
 */
export function allocScratch(
  db: Deno.PointerObject,
  scratch: Deno.PointerObject | null,
): Deno.PointerObject {
  const out = new BigUint64Array([BigInt(Deno.UnsafePointer.value(scratch))]);
  check("hs_alloc_scratch", symbols().hs_alloc_scratch(db, out));
  return pointerOut(out)!;
}

/**
 * Clone a scratch (for another thread: a scratch is not reentrant).
 *
 * @param scratch the prototype
 * @returns the clone
 */
export function cloneScratch(scratch: Deno.PointerObject): Deno.PointerObject {
  const out = new BigUint64Array(1);
  check("hs_clone_scratch", symbols().hs_clone_scratch(scratch, out));
  return pointerOut(out)!;
}

/**
 * The bytes a scratch occupies.
 *
 * @param scratch the scratch
 * @returns its size in bytes
 */
export function scratchSize(scratch: Deno.PointerObject): number {
  const out = new BigUint64Array(1);
  check("hs_scratch_size", symbols().hs_scratch_size(scratch, out));
  return Number(out[0]);
}

/**
 * Free a scratch.
 *
 * @param scratch the scratch
 */
export function freeScratch(scratch: Deno.PointerObject): void {
  symbols().hs_free_scratch(scratch);
}

/**
 * The name of a Hyperscan return code, e.g. `HS_SCRATCH_IN_USE`.
 *
 * @param code a return code
 * @returns its name, or the number as text
 */
export function errorName(code: number): string {
  return ERROR_NAMES[code] ?? String(code);
}
