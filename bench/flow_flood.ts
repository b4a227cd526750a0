/**
 * Write a classic pcap of a flood of new TCP flows: N SYNs from distinct
 * sources (10.0.0.0/8 addresses and ports), 1 microsecond apart so that no
 * flow times out during the flood, checksums correct. With `--with-data`,
 * each flow is a handshake and one 100-byte client segment that is never
 * acknowledged (4 packets per flow), to fill reassembly memory too.
 *
 * Usage: deno run --allow-write bench/flow_flood.ts OUT.pcap [--count N] [--with-data]
 *
 * @module
 */

const args = [...Deno.args];
const out = args.find((a) => !a.startsWith("--"));
if (out === undefined) {
  console.error("usage: flow_flood.ts OUT.pcap [--count N] [--with-data]");
  Deno.exit(2);
}
const countAt = args.indexOf("--count");
const count = countAt >= 0 ? Number(args[countAt + 1]) : 1_000_000;
const withData = args.includes("--with-data");
const DATA = 100;

const ETH = 14;
const IP = 20;
const TCP = 20;
const REC = 16;
const SERVER = 0xc0a80001; // 192.168.0.1
const SERVER_PORT = 80;

function sum16(b: Uint8Array, from: number, len: number, init = 0): number {
  let s = init;
  for (let i = 0; i < len; i += 2) s += (b[from + i] << 8) | (i + 1 < len ? b[from + i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** Write one packet at `at`; returns the next offset. */
function packet(
  b: Uint8Array,
  v: DataView,
  at: number,
  t: number,
  src: number,
  dst: number,
  sp: number,
  dp: number,
  seq: number,
  ack: number,
  flags: number,
  payload: number,
): number {
  const len = ETH + IP + TCP + payload;
  v.setUint32(at, Math.floor(t), true);
  v.setUint32(at + 4, Math.round((t % 1) * 1e6) % 1_000_000, true);
  v.setUint32(at + 8, len, true);
  v.setUint32(at + 12, len, true);
  const e = at + REC;
  b.fill(0, e, e + len);
  b.set([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00], e);
  const ip = e + ETH;
  b[ip] = 0x45;
  v.setUint16(ip + 2, IP + TCP + payload);
  b[ip + 8] = 64;
  b[ip + 9] = 6;
  v.setUint32(ip + 12, src);
  v.setUint32(ip + 16, dst);
  v.setUint16(ip + 10, ~sum16(b, ip, IP) & 0xffff);
  const tcp = ip + IP;
  v.setUint16(tcp, sp);
  v.setUint16(tcp + 2, dp);
  v.setUint32(tcp + 4, seq >>> 0);
  v.setUint32(tcp + 8, ack >>> 0);
  b[tcp + 12] = 0x50;
  b[tcp + 13] = flags;
  v.setUint16(tcp + 14, 65535);
  for (let i = 0; i < payload; i++) b[tcp + TCP + i] = 0x41 + (i % 26);
  // pseudo header: addresses, protocol, TCP length
  let pseudo = sum16(b, ip + 12, 8);
  pseudo += 6 + TCP + payload;
  v.setUint16(tcp + 16, ~sum16(b, tcp, TCP + payload, pseudo) & 0xffff);
  return e + len;
}

const file = await Deno.open(out, { write: true, create: true, truncate: true });
async function writeAll(bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
}
const header = new Uint8Array(24);
const hv = new DataView(header.buffer);
hv.setUint32(0, 0xa1b2c3d4, true);
hv.setUint16(4, 2, true);
hv.setUint16(6, 4, true);
hv.setUint32(16, 65535, true);
hv.setUint32(20, 1, true);
await writeAll(header);

const PER_CHUNK = 16384;
const chunk = new Uint8Array(PER_CHUNK * 4 * (REC + ETH + IP + TCP + DATA));
const cv = new DataView(chunk.buffer);
let t = 1_700_000_000;
let written = 0;
for (let first = 0; first < count; first += PER_CHUNK) {
  let at = 0;
  const last = Math.min(count, first + PER_CHUNK);
  for (let i = first; i < last; i++) {
    const src = (0x0a000000 | ((i >>> 6) + 1)) >>> 0;
    const sp = 1024 + (i & 63) * 900 + (i % 7);
    const cisn = (i * 2654435761) >>> 0;
    t += 1e-6;
    at = packet(chunk, cv, at, t, src, SERVER, sp, SERVER_PORT, cisn, 0, 0x02, 0);
    if (!withData) continue;
    const sisn = (cisn ^ 0x5bd1e995) >>> 0;
    t += 1e-6;
    at = packet(chunk, cv, at, t, SERVER, src, SERVER_PORT, sp, sisn, cisn + 1, 0x12, 0);
    t += 1e-6;
    at = packet(chunk, cv, at, t, src, SERVER, sp, SERVER_PORT, cisn + 1, sisn + 1, 0x10, 0);
    t += 1e-6;
    at = packet(chunk, cv, at, t, src, SERVER, sp, SERVER_PORT, cisn + 1, sisn + 1, 0x18, DATA);
  }
  await writeAll(chunk.subarray(0, at));
  written += (last - first) * (withData ? 4 : 1);
}
file.close();
console.error(`${out}: ${written} packets, ${count} flows`);
