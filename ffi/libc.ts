/**
 * Raw bindings to the C library through `Deno.dlopen`: the calls Tarsier needs
 * to map files and capture rings into memory and to open, configure, poll and
 * send on AF_PACKET sockets, with errno turned into readable errors.
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
/** errno: a system call was interrupted by a signal. */
export const EINTR = 4;

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

/** Address family of packet sockets (`AF_PACKET`). */
export const AF_PACKET = 17;
/** Socket type: raw frames including the link header. */
export const SOCK_RAW = 3;
/** `socket(2)` flag: close on exec. */
export const SOCK_CLOEXEC = 0o2000000;
/** Every protocol, `htons(ETH_P_ALL)` as the `protocol` argument and in `sockaddr_ll`. */
export const ETH_P_ALL_BE = 0x0300;
/** `setsockopt(2)` level of packet socket options. */
export const SOL_PACKET = 263;
/** `SOL_PACKET` option: join a membership (promiscuous mode) with a `packet_mreq`. */
export const PACKET_ADD_MEMBERSHIP = 1;
/** `SOL_PACKET` option: the receive ring (`tpacket_req`/`tpacket_req3`). */
export const PACKET_RX_RING = 5;
/** `SOL_PACKET` option: packets and drops since the last read (`tpacket_stats`). */
export const PACKET_STATISTICS = 6;
/** `SOL_PACKET` option: the ring's header version. */
export const PACKET_VERSION = 10;
/** `SOL_PACKET` option: headroom reserved before each frame. */
export const PACKET_RESERVE = 12;
/** `SOL_PACKET` option: join a fanout group, `(mode | flags) << 16 | id`. */
export const PACKET_FANOUT = 18;
/** `SOL_PACKET` option: send without the qdisc layer. */
export const PACKET_QDISC_BYPASS = 20;
/** `SOL_PACKET` option (Linux 4.20+): do not receive what this host sends. */
export const PACKET_IGNORE_OUTGOING = 23;
/** `PACKET_VERSION` value: per-frame ownership (`tpacket2_hdr`). */
export const TPACKET_V2 = 1;
/** `PACKET_VERSION` value: block-based rings (`tpacket3_hdr`). */
export const TPACKET_V3 = 2;
/** `packet_mreq.mr_type`: promiscuous mode, dropped when the socket closes. */
export const PACKET_MR_PROMISC = 1;
/** Fanout mode: by flow hash. */
export const PACKET_FANOUT_HASH = 0;
/** Fanout flag: defragment before hashing. */
export const PACKET_FANOUT_FLAG_DEFRAG = 0x8000;
/** Fanout flag: the kernel picks a new group id (the argument's id must be 0). */
export const PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;
/** Fanout flag (recent kernels; older ones ignore it): the group skips what this host sends. */
export const PACKET_FANOUT_FLAG_IGNORE_OUTGOING = 0x4000;
/** `poll(2)` event: readable. */
export const POLLIN = 1;
/** `poll(2)` event: error. */
export const POLLERR = 8;
/** `mmap(2)` flag: lock the pages in memory. */
export const MAP_LOCKED = 0x2000;
/** Size of `sockaddr_ll`. */
export const SOCKADDR_LL_SIZE = 20;
/** Size of `packet_mreq`. */
export const PACKET_MREQ_SIZE = 16;
/** Size of `struct pollfd`. */
export const POLLFD_SIZE = 8;
/** sizeof(struct mmsghdr) on 64-bit Linux (a 56-byte msghdr, msg_len, padding). */
export const MMSGHDR_SIZE = 64;
/** sizeof(struct iovec) on 64-bit Linux. */
export const IOVEC_SIZE = 16;
/** `ioctl(2)` request: read an interface's flags (`struct ifreq`). */
export const SIOCGIFFLAGS = 0x8913n;
/** `ioctl(2)` request: read an interface's hardware address. */
export const SIOCGIFHWADDR = 0x8927n;
/** `ioctl(2)` request: read an interface's MTU. */
export const SIOCGIFMTU = 0x8921n;
/** Size of `struct ifreq` on 64-bit Linux. */
export const IFREQ_SIZE = 40;
/** Interface flag (`ifr_flags`): administratively up. */
export const IFF_UP = 0x1;
/** Interface flag (`ifr_flags`): resources allocated, carrier on (`IFF_RUNNING`). */
export const IFF_RUNNING = 0x40;

/** Cached BigInts for sizes 0..65535, so size_t arguments allocate nothing per call. */
let SIZE_BIGINTS: bigint[] | null = null;

/**
 * A `size_t` argument as a BigInt without allocating: sizes up to 65535 come
 * from a table built once; larger ones are converted (and allocate).
 *
 * @param n a byte count
 * @returns `BigInt(n)`
 */
export function sizeBigInt(n: number): bigint {
  const table = SIZE_BIGINTS ??= Array.from({ length: 65536 }, (_, i) => BigInt(i));
  return n < 65536 ? table[n] : BigInt(n);
}

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
  71: "EPROTO",
  90: "EMSGSIZE",
  95: "EOPNOTSUPP",
  100: "ENETDOWN",
  105: "ENOBUFS",
  11: "EAGAIN",
  4: "EINTR",
  6: "ENXIO",
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
  // ssize_t pread(int fd, void *buf, size_t count, off_t offset): called once per window refill
  pread: { parameters: ["i32", "buffer", "usize", "i64"], result: "isize" },
  mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
  munmap: { parameters: ["pointer", "usize"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
  free: { parameters: ["pointer"], result: "void" },
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  if_nametoindex: { parameters: ["buffer"], result: "u32" },
  // nfds_t is an unsigned long: passed as a BigInt (no slow path, no allocation with a constant)
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  // the length is a size_t: callers pass cached BigInts (see sizeBigInt); the
  // result is read as i32 (a frame is far below 2 GiB, and -1 stays -1)
  send: { parameters: ["i32", "buffer", "u64", "i32"], result: "i32" },
  // struct mmsghdr *msgvec, unsigned int vlen: several datagrams in one call
  sendmmsg: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  // called with numbers and one extra argument: see memcpyOrNull
  memcpy: { parameters: ["usize", "usize", "usize"], result: "void" },
  // struct timespec *: two 64-bit words (tv_sec, tv_nsec) on the 64-bit targets above
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
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
 * `pread(2)`: read up to `into.length` bytes of `fd` from file offset `offset`, retrying on EINTR.
 *
 * @param fd the descriptor
 * @param into where the bytes go
 * @param offset the file offset of the first byte
 * @param subject the path, for error messages
 * @returns bytes read (0 at the end of the file)
 * @throws {LibcError} with errno on failure
 */
export function pread(fd: number, into: Uint8Array, offset: number, subject: string): number {
  for (;;) {
    const n = Number(libc().pread(fd, into, BigInt(into.length), BigInt(offset)));
    if (n >= 0) return n;
    if (errno() !== EINTR) throw lastError("read", subject);
  }
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
 * `socket(2)`.
 *
 * @param domain e.g. {@link AF_PACKET}
 * @param type e.g. {@link SOCK_RAW} (| {@link SOCK_CLOEXEC})
 * @param protocol e.g. {@link ETH_P_ALL_BE}
 * @param subject what it is for (an interface name), for error messages
 * @returns the descriptor
 * @throws {LibcError} with errno on failure (EPERM without CAP_NET_RAW)
 */
export function socket(domain: number, type: number, protocol: number, subject: string): number {
  const fd = libc().socket(domain, type, protocol);
  if (fd < 0) throw lastError("socket", subject);
  return fd;
}

/**
 * `setsockopt(2)` with the option value in a buffer.
 *
 * @param fd the socket
 * @param level e.g. {@link SOL_PACKET}
 * @param name the option, e.g. {@link PACKET_RX_RING}
 * @param value the option's bytes (an `int` is a 4-byte array)
 * @param subject what it is for, and the option's name, for error messages
 * @throws {LibcError} with errno on failure
 */
export function setsockopt(
  fd: number,
  level: number,
  name: number,
  value: Uint8Array | Int32Array,
  subject: string,
): void {
  if (libc().setsockopt(fd, level, name, value, value.byteLength) !== 0) {
    throw lastError("setsockopt", subject);
  }
}

/**
 * `setsockopt(2)` with an `int` value.
 *
 * @param fd the socket
 * @param level e.g. {@link SOL_PACKET}
 * @param name the option
 * @param value the integer
 * @param subject for error messages
 * @throws {LibcError} with errno on failure
 */
export function setsockoptInt(
  fd: number,
  level: number,
  name: number,
  value: number,
  subject: string,
): void {
  setsockopt(fd, level, name, Int32Array.of(value), subject);
}

/**
 * `getsockopt(2)` into a caller's buffer (reused: no allocation per call).
 *
 * @param fd the socket
 * @param level e.g. {@link SOL_PACKET}
 * @param name the option, e.g. {@link PACKET_STATISTICS}
 * @param value receives the option's bytes
 * @param length a 1-element array holding the buffer's size in, the option's size out
 * @returns 0, or -1 on failure (errno set)
 */
export function getsockopt(
  fd: number,
  level: number,
  name: number,
  value: Uint8Array | Uint32Array,
  length: Uint32Array,
): number {
  length[0] = value.byteLength;
  return libc().getsockopt(fd, level, name, value, length);
}

/**
 * Bind a packet socket to an interface (`sockaddr_ll`).
 *
 * @param fd the socket
 * @param ifindex the interface index
 * @param subject the interface name, for error messages
 * @throws {LibcError} with errno on failure
 */
export function bindPacket(fd: number, ifindex: number, subject: string): void {
  const addr = sockaddrLl(ifindex);
  if (libc().bind(fd, addr, SOCKADDR_LL_SIZE) !== 0) throw lastError("bind", subject);
}

/**
 * A `sockaddr_ll` for every protocol on one interface.
 *
 * @param ifindex the interface index
 * @returns the 20 bytes
 */
export function sockaddrLl(ifindex: number): Uint8Array {
  const addr = new Uint8Array(SOCKADDR_LL_SIZE);
  const view = new DataView(addr.buffer);
  view.setUint16(0, AF_PACKET, true);
  view.setUint16(2, 0x0003, false); // htons(ETH_P_ALL)
  view.setInt32(4, ifindex, true);
  return addr;
}

/**
 * `if_nametoindex(3)`.
 *
 * @param name an interface name, e.g. `eth0`
 * @returns its index, or 0 when there is no such interface
 */
export function ifNameToIndex(name: string): number {
  return libc().if_nametoindex(new TextEncoder().encode(name + "\0"));
}

/**
 * An interface's flags (`SIOCGIFFLAGS`), e.g. to tell a down interface.
 *
 * @param fd any socket
 * @param name the interface name
 * @returns `ifr_flags`
 * @throws {LibcError} with errno on failure
 */
export function interfaceFlags(fd: number, name: string): number {
  const req = new Uint8Array(IFREQ_SIZE);
  req.set(new TextEncoder().encode(name).subarray(0, 15));
  if (libc().ioctl(fd, SIOCGIFFLAGS, req) !== 0) throw lastError("ioctl(SIOCGIFFLAGS)", name);
  return new DataView(req.buffer).getUint16(16, true);
}

/**
 * An interface's MTU (`SIOCGIFMTU`).
 *
 * @param fd any socket
 * @param name the interface name
 * @returns the MTU in bytes
 * @throws {LibcError} with errno on failure
 */
export function interfaceMtu(fd: number, name: string): number {
  const req = new Uint8Array(IFREQ_SIZE);
  req.set(new TextEncoder().encode(name).subarray(0, 15));
  if (libc().ioctl(fd, SIOCGIFMTU, req) !== 0) throw lastError("ioctl(SIOCGIFMTU)", name);
  return new DataView(req.buffer).getInt32(16, true);
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
 * be loaded (no `--allow-ffi`). A call costs 180-280 ns, and boxes its
 * address numbers (about 32 bytes of young garbage a call), so it pays for
 * copies of a kilobyte and more.
 *
 * The call passes a fourth, unused argument. Deno's fast call for a 64-bit
 * parameter takes only a BigInt, and an optimised caller that passes a
 * number deoptimises on it ("not a BigInt"); V8 then recompiles the caller
 * and it deoptimises again, call after call (over the big corpus the byte
 * copier and its callers were compiled 9-24 times each, about 1 s of
 * compiler time). V8 makes a fast call only when the arguments match the C
 * signature, so the extra argument keeps every call on the slow path, which
 * converts numbers (test/flow/byte_copy_test.ts checks that no such
 * deoptimisation happens). BigInt addresses would take the fast path but
 * allocate as much (150-180 ns a call).
 *
 * @returns `memcpy(dst, src, n)`, or null
 */
export function memcpyOrNull(): ((dst: number, src: number, n: number) => void) | null {
  let symbols: LibcSymbols;
  try {
    symbols = libc();
  } catch {
    return null;
  }
  const slowPath = symbols.memcpy as unknown as (
    dst: number,
    src: number,
    n: number,
    noFastCall: number,
  ) => void;
  return (dst, src, n) => slowPath(dst, src, n, 0);
}

/** `clock_gettime(2)`'s wall clock, the clock of the kernel's packet timestamps. */
const CLOCK_REALTIME = 0;
/** The `struct timespec` {@link realtimeMicros} reads into, as 32-bit halves (no BigInt). */
const timespec = new Uint32Array(4);

/**
 * The wall clock (`CLOCK_REALTIME`, as the kernel's receive timestamps of
 * AF_PACKET frames) in microseconds since the epoch, with a fraction (a
 * double holds today's dates to about 0.25 us). One FFI call (~80 ns);
 * nothing is allocated.
 *
 * @returns microseconds since 1970
 */
export function realtimeMicros(): number {
  libc().clock_gettime(CLOCK_REALTIME, timespec);
  return (timespec[0] + timespec[1] * 0x1_0000_0000) * 1e6 + timespec[2] / 1000;
}

/**
 * Addresses already looked up, by array: looking one up makes a pointer
 * object and a BigInt (~1-1.5 us in a run), and the arrays the packet path
 * hands to C (rings, send buffers, scanned buffers) come back.
 */
const addresses = new WeakMap<Uint8Array, number>();

/**
 * The address of a typed array's first byte as a number (its backing store
 * does not move: Deno keeps typed arrays off the V8 heap), or 0 when it has
 * none or FFI is not allowed. Remembered per array.
 *
 * @param bytes the array
 * @returns the address, or 0
 */
export function addressOf(bytes: Uint8Array): number {
  const known = addresses.get(bytes);
  if (known !== undefined) return known;
  try {
    const p = Deno.UnsafePointer.of(bytes as Uint8Array<ArrayBuffer>);
    const address = p === null ? 0 : Number(Deno.UnsafePointer.value(p));
    if (address !== 0) addresses.set(bytes, address);
    return address;
  } catch {
    return 0;
  }
}
