/**
 * Raw bindings to the C library through `Deno.dlopen`: the calls Tarsier needs
 * to map files (and, later, capture rings) into memory, with errno turned into
 * readable errors.
 *
 * Policy lives elsewhere: this module only knows symbols, constants and struct
 * layouts (x86_64 and aarch64 Linux, glibc).
 *
 * @module
 */

/** `open(2)` flag: read only. */
export const O_RDONLY = 0;
/** `open(2)` flag: close on exec. */
export const O_CLOEXEC = 0o2000000;
/** `mmap(2)` protection: pages may be read. */
export const PROT_READ = 1;
/** `mmap(2)` protection: pages may be written. */
export const PROT_WRITE = 2;
/** `mmap(2)` flag: share the mapping (file-backed). */
export const MAP_SHARED = 1;
/** `mmap(2)` flag: private copy-on-write mapping. */
export const MAP_PRIVATE = 2;
/** `madvise(2)` advice: expect sequential reads. */
export const MADV_SEQUENTIAL = 2;
/** `madvise(2)` advice: drop the pages (a private file mapping refaults them from the file). */
export const MADV_DONTNEED = 4;
/** `madvise(2)` advice (Linux 5.14+): fault the pages in now, in bulk. */
export const MADV_POPULATE_READ = 22;
/** `madvise(2)` advice: the range will be needed soon. */
export const MADV_WILLNEED = 3;

/** Size of `struct stat` on 64-bit Linux (x86_64 144 B, aarch64 128 B; take the larger). */
const STAT_SIZE = 144;
/** Offset of `st_size` in `struct stat` (both x86_64 and aarch64). */
const STAT_SIZE_OFFSET = 48;
/** Offset of `st_mode` in `struct stat`: x86_64 puts `st_nlink` (8 B) first. */
const STAT_MODE_OFFSET = Deno.build.arch === "x86_64" ? 24 : 16;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

/** Errno names for the codes users meet when opening and mapping files or sockets. */
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  5: "EIO",
  9: "EBADF",
  12: "ENOMEM",
  13: "EACCES",
  16: "EBUSY",
  19: "ENODEV",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  27: "EFBIG",
  75: "EOVERFLOW",
  93: "EPROTONOSUPPORT",
  97: "EAFNOSUPPORT",
  100: "ENETDOWN",
};

const LIBC_PATHS = [
  "libc.so.6",
  "/lib/x86_64-linux-gnu/libc.so.6",
  "/lib/aarch64-linux-gnu/libc.so.6",
];

const SYMBOLS = {
  open: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  fstat: { parameters: ["i32", "buffer"], result: "i32" },
  mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
  munmap: { parameters: ["pointer", "usize"], result: "i32" },
  madvise: { parameters: ["pointer", "usize", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
  free: { parameters: ["pointer"], result: "void" },
  // addresses as plain numbers (below 2^53): no pointer object per call
  memcpy: { parameters: ["usize", "usize", "usize"], result: "void" },
} as const;

type LibcSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let loaded: LibcSymbols | undefined;

/**
 * The libc symbols, opened on first use.
 *
 * @returns the bound symbols
 * @throws {LibcError} when libc cannot be loaded (for example without `--allow-ffi`)
 */
export function libc(): LibcSymbols {
  if (loaded) return loaded;
  let lastError: unknown;
  for (const path of LIBC_PATHS) {
    try {
      loaded = Deno.dlopen(path, SYMBOLS).symbols;
      return loaded;
    } catch (error) {
      lastError = error;
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new LibcError("dlopen", 0, `Cannot load the C library: ${reason}`);
}

/** An error from a libc call, with the call's name, errno and its symbolic name. */
export class LibcError extends Error {
  /** The C function that failed, e.g. `mmap`. */
  readonly call: string;
  /** The errno value (0 when not applicable). */
  readonly errno: number;
  /** The symbolic errno name, e.g. `ENOENT`, or `""`. */
  readonly code: string;

  /**
   * @param call the C function that failed
   * @param errno the errno value
   * @param message the user-facing message
   */
  constructor(call: string, errno: number, message: string) {
    super(message);
    this.name = "LibcError";
    this.call = call;
    this.errno = errno;
    this.code = ERRNO_NAMES[errno] ?? "";
  }
}

/**
 * The calling thread's current errno.
 *
 * @returns errno as left by the last failing libc call
 */
export function errno(): number {
  const location = libc().__errno_location();
  if (location === null) return 0;
  return new Deno.UnsafePointerView(location).getInt32(0);
}

/**
 * The text libc gives for an errno, e.g. "No such file or directory".
 *
 * @param code an errno value
 * @returns the message
 */
export function strerror(code: number): string {
  const text = libc().strerror(code);
  return text === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(text);
}

/**
 * Build a {@link LibcError} from the current errno.
 *
 * @param call the C function that failed
 * @param subject what it was called on (a path, an interface), for the message
 * @returns the error, not thrown
 */
export function lastError(call: string, subject: string): LibcError {
  const code = errno();
  const name = ERRNO_NAMES[code];
  const detail = name ? `${strerror(code)} (${name})` : strerror(code);
  return new LibcError(call, code, `${subject}: ${call} failed: ${detail}`);
}

/**
 * Open a file read-only.
 *
 * @param path file path
 * @returns a file descriptor
 * @throws {LibcError} with errno on failure
 */
export function openReadOnly(path: string): number {
  const cPath = new TextEncoder().encode(path + "\0");
  const fd = libc().open(cPath, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) throw lastError("open", path);
  return fd;
}

/**
 * Close a file descriptor; errors are ignored, as there is nothing to recover.
 *
 * @param fd the descriptor
 */
export function closeFd(fd: number): void {
  libc().close(fd);
}

/** What `fstat` says about an open file. */
export interface FileStat {
  /** Size in bytes. */
  size: number;
  /** A regular file. */
  isFile: boolean;
  /** A directory. */
  isDirectory: boolean;
}

/**
 * `fstat(2)` an open descriptor.
 *
 * @param fd the descriptor
 * @param subject the path, for error messages
 * @returns size and type
 * @throws {LibcError} with errno on failure
 */
export function fstat(fd: number, subject: string): FileStat {
  const buf = new Uint8Array(STAT_SIZE);
  if (libc().fstat(fd, buf) !== 0) throw lastError("fstat", subject);
  const view = new DataView(buf.buffer);
  const size = Number(view.getBigInt64(STAT_SIZE_OFFSET, true));
  const mode = view.getUint32(STAT_MODE_OFFSET, true) & S_IFMT;
  return { size, isFile: mode === S_IFREG, isDirectory: mode === S_IFDIR };
}

/**
 * Map `length` bytes of `fd` from `offset`.
 *
 * @param fd the descriptor
 * @param length bytes to map (> 0)
 * @param options protection, flags, offset and a subject for error messages
 * @returns the address of the mapping
 * @throws {LibcError} with errno on failure
 */
export function mmap(
  fd: number,
  length: number,
  options: { prot: number; flags: number; offset?: number; subject: string },
): Deno.PointerObject {
  const address = libc().mmap(
    null,
    BigInt(length),
    options.prot,
    options.flags,
    fd,
    BigInt(options.offset ?? 0),
  );
  if (address === null || Deno.UnsafePointer.value(address) === MAP_FAILED) {
    throw lastError("mmap", options.subject);
  }
  return address;
}

/**
 * Unmap a mapping made by {@link mmap}. Every view over it is dead afterwards:
 * touching one segfaults.
 *
 * @param address the mapping's address
 * @param length its length
 * @throws {LibcError} with errno on failure
 */
export function munmap(address: Deno.PointerObject, length: number): void {
  if (libc().munmap(address, BigInt(length)) !== 0) throw lastError("munmap", "mapping");
}

/**
 * Advise the kernel how a mapping will be used; failures are ignored (advice only).
 *
 * @param address the mapping's address
 * @param length its length
 * @param advice e.g. {@link MADV_SEQUENTIAL}
 */
export function madvise(address: Deno.PointerObject, length: number, advice: number): void {
  libc().madvise(address, BigInt(length), advice);
}

/**
 * Release memory that a C library allocated with `malloc` and handed over
 * (e.g. Hyperscan's serialized databases and info strings).
 *
 * @param address the allocation, or null (ignored)
 */
export function free(address: Deno.PointerObject | null): void {
  if (address !== null) libc().free(address);
}

/**
 * libc's `memcpy` over addresses given as numbers, or null when libc cannot
 * be loaded (no `--allow-ffi`). A call costs ~0.4 us, so it pays for copies of
 * a few hundred bytes and more.
 *
 * @returns `memcpy(dst, src, n)`, or null
 */
export function memcpyOrNull(): ((dst: number, src: number, n: number) => void) | null {
  try {
    // typed for BigInt; Deno converts plain numbers too, without allocating (measured)
    const copy = libc().memcpy as unknown as (dst: number, src: number, n: number) => void;
    return copy;
  } catch {
    return null;
  }
}

/**
 * The address of a typed array's first byte as a number (its backing store
 * does not move: Deno keeps typed arrays off the V8 heap), or 0 when it has
 * none or FFI is not allowed.
 *
 * @param bytes the array
 * @returns the address, or 0
 */
export function addressOf(bytes: Uint8Array): number {
  try {
    const p = Deno.UnsafePointer.of(bytes as Uint8Array<ArrayBuffer>);
    return p === null ? 0 : Number(Deno.UnsafePointer.value(p));
  } catch {
    return 0;
  }
}
