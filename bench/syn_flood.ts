/**
 * Write a classic pcap (Ethernet, LINKTYPE 1) of a SYN flood: N TCP SYNs,
 * each a new flow to 192.168.0.1:80 from its own (address, port): addresses
 * scattered over 10.0.0.0/8 as a spoofed flood's are, 16 source ports per
 * address, packets 1 microsecond apart so that no flow times out during the
 * flood. IPv4 and TCP checksums are correct.
 *
 * With `--with-data`, each of the N flows is a handshake (SYN, SYN/ACK,
 * ACK) and one 100-byte client segment the server never acknowledges:
 * 4 packets per flow, to fill reassembly memory as well as the flow table.
 *
 * With `--sequential`, sources are consecutive instead (10.0.0.1, 10.0.0.2,
 * ..., 16 ports each, the port moving with the address): a flood from one
 * /16 whose address and port vary together.
 *
 * Packets are built in an 8 MiB buffer written out when full, so a million
 * SYNs take well under a second of CPU.
 *
 * Usage: deno run --allow-write bench/syn_flood.ts OUT.pcap [--count N] [--with-data] [--sequential]
 *
 * @module
 */

const USAGE = "usage: syn_flood.ts OUT.pcap [--count N] [--with-data] [--sequential]";

/** Bytes of client data in each flow with `--with-data`. */
const DATA_BYTES = 100;
/** Source ports per source address. */
const PORTS_PER_HOST = 16;
/** Host addresses in 10.0.0.0/8 (10.0.0.1 to 10.255.255.254). */
const HOSTS = 0xfffffe;
/** The most flows with distinct (address, port) pairs. */
const MAX_FLOWS = HOSTS * PORTS_PER_HOST;

const PCAP_HEADER = 24;
const RECORD_HEADER = 16;
const ETH = 14;
const IP = 20;
const TCP = 20;
const MAX_FRAME = ETH + IP + TCP + DATA_BYTES;

const SERVER = 0xc0a80001; // 192.168.0.1
const SERVER_PORT = 80;
const FIRST_SECOND = 1_700_000_000;

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;

/** Command-line options. */
interface Options {
  out: string;
  count: number;
  withData: boolean;
  sequential: boolean;
}

function parseArgs(args: string[]): Options {
  let out: string | undefined;
  let count = 1_000_000;
  let withData = false;
  let sequential = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--with-data") withData = true;
    else if (a === "--sequential") sequential = true;
    else if (a === "--count") {
      count = Number(args[++i]);
      if (!Number.isInteger(count) || count < 1 || count > MAX_FLOWS) {
        fail(`--count must be an integer from 1 to ${MAX_FLOWS}, not "${args[i]}"`);
      }
    } else if (a.startsWith("--")) fail(`unknown option ${a}`);
    else if (out === undefined) out = a;
    else fail(`unexpected argument ${a}`);
  }
  if (out === undefined) fail(USAGE);
  return { out, count, withData, sequential };
}

function fail(message: string): never {
  console.error(`syn_flood.ts: ${message}`);
  Deno.exit(2);
}

/** Ones' complement sum of big-endian 16-bit words (`len` even), not folded. */
function sum16(b: Uint8Array, from: number, len: number): number {
  let s = 0;
  for (let i = from; i < from + len; i += 2) s += (b[i] << 8) | b[i + 1];
  return s;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** Packs packets into one buffer and writes it out when it is nearly full. */
class PcapWriter {
  readonly #file: Deno.FsFile;
  readonly #buf = new Uint8Array(8 << 20);
  readonly #view = new DataView(this.#buf.buffer);
  readonly #payloadSum: number;
  #at = 0;
  /** Packet time in microseconds since {@link FIRST_SECOND}. */
  #usec = 0;
  packets = 0;

  constructor(file: Deno.FsFile) {
    this.#file = file;
    const payload = new Uint8Array(DATA_BYTES);
    for (let i = 0; i < DATA_BYTES; i++) payload[i] = 0x41 + (i % 26);
    this.#payloadSum = sum16(payload, 0, DATA_BYTES);
    const v = this.#view;
    v.setUint32(0, 0xa1b2c3d4, true); // microsecond pcap, little-endian
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, 65535, true); // snaplen
    v.setUint32(20, 1, true); // LINKTYPE_ETHERNET
    this.#at = PCAP_HEADER;
  }

  /** True when fewer than `packets` more packets of any size fit before a flush. */
  full(packets: number): boolean {
    return this.#at + packets * (RECORD_HEADER + MAX_FRAME) > this.#buf.length;
  }

  /** Append one TCP/IPv4 packet, 1 microsecond after the previous one (room: {@link full}). */
  tcp(
    src: number,
    dst: number,
    sport: number,
    dport: number,
    seq: number,
    ack: number,
    flags: number,
    payload: number,
  ): void {
    const b = this.#buf;
    const v = this.#view;
    const r = this.#at;
    const len = ETH + IP + TCP + payload;
    const usec = this.#usec++;
    v.setUint32(r, FIRST_SECOND + Math.floor(usec / 1_000_000), true);
    v.setUint32(r + 4, usec % 1_000_000, true);
    v.setUint32(r + 8, len, true);
    v.setUint32(r + 12, len, true);

    const e = r + RECORD_HEADER;
    b.fill(0, e, e + len);
    b[e + 1] = 0x10; // destination 00:10:00:00:00:01, source 00:20:00:00:00:01
    b[e + 5] = 1;
    b[e + 7] = 0x20;
    b[e + 11] = 1;
    b[e + 12] = 0x08; // IPv4

    const ip = e + ETH;
    b[ip] = 0x45;
    v.setUint16(ip + 2, IP + TCP + payload);
    b[ip + 6] = 0x40; // don't fragment
    b[ip + 8] = 64; // TTL
    b[ip + 9] = 6; // TCP
    v.setUint32(ip + 12, src);
    v.setUint32(ip + 16, dst);
    v.setUint16(ip + 10, ~fold(sum16(b, ip, IP)) & 0xffff);

    const tcp = ip + IP;
    v.setUint16(tcp, sport);
    v.setUint16(tcp + 2, dport);
    v.setUint32(tcp + 4, seq >>> 0);
    v.setUint32(tcp + 8, ack >>> 0);
    b[tcp + 12] = 0x50; // 20-byte header
    b[tcp + 13] = flags;
    v.setUint16(tcp + 14, 64240); // window
    let sum = sum16(b, ip + 12, 8) + 6 + TCP + payload; // pseudo header
    if (payload > 0) {
      for (let i = 0; i < payload; i++) b[tcp + TCP + i] = 0x41 + (i % 26);
      sum += this.#payloadSum;
    }
    v.setUint16(tcp + 16, ~fold(sum + sum16(b, tcp, TCP)) & 0xffff);

    this.#at = e + len;
    this.packets++;
  }

  async flush(): Promise<void> {
    const bytes = this.#buf.subarray(0, this.#at);
    for (let done = 0; done < bytes.length;) {
      done += await this.#file.write(bytes.subarray(done));
    }
    this.#at = 0;
  }
}

/**
 * A permutation of 0 .. 2^28 - 1 (odd multiplications and xor-shifts, each
 * invertible mod 2^28): flow numbers to scattered (host, port slot) pairs.
 */
function scatter(i: number): number {
  let j = Math.imul(i, 0x9e3779b1) & 0xfffffff;
  j ^= j >>> 14;
  j = Math.imul(j, 0x85ebca6b) & 0xfffffff;
  return j ^ (j >>> 13);
}

const options = parseArgs(Deno.args);
const file = await Deno.open(options.out, { write: true, create: true, truncate: true });
const w = new PcapWriter(file);
let next = 0; // the next flow number to scatter
for (let i = 0; i < options.count; i++) {
  // the source: host (1 .. HOSTS) of 10.0.0.0/8 and one of its 16 port slots,
  // each slot 4000 ports wide (1024 .. 65023) at an offset depending on the host
  let host: number;
  let slot: number;
  let offset: number;
  if (options.sequential) {
    host = 1 + Math.floor(i / PORTS_PER_HOST);
    slot = i % PORTS_PER_HOST;
    offset = host % 4000;
  } else {
    let j: number;
    do j = scatter(next++); while ((j >>> 4) === 0 || (j >>> 4) > HOSTS);
    host = j >>> 4;
    slot = j & (PORTS_PER_HOST - 1);
    offset = (Math.imul(host, 0x2c1b3c6d) >>> 8) % 4000;
  }
  const client = (0x0a000000 + host) >>> 0;
  const port = 1024 + slot * 4000 + offset;
  const cisn = Math.imul(i, 0x9e3779b1) >>> 0;
  if (w.full(4)) await w.flush();
  w.tcp(client, SERVER, port, SERVER_PORT, cisn, 0, SYN, 0);
  if (!options.withData) continue;
  const sisn = (cisn ^ 0x5bd1e995) >>> 0;
  w.tcp(SERVER, client, SERVER_PORT, port, sisn, cisn + 1, SYN | ACK, 0);
  w.tcp(client, SERVER, port, SERVER_PORT, cisn + 1, sisn + 1, ACK, 0);
  w.tcp(client, SERVER, port, SERVER_PORT, cisn + 1, sisn + 1, PSH | ACK, DATA_BYTES);
}
await w.flush();
file.close();
console.error(`${options.out}: ${w.packets} packets, ${options.count} flows`);
