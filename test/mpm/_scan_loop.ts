/**
 * The steady-state scan loop that `gc_test.ts` runs in a subprocess with
 * `--trace-gc --expose-gc`: build matchers (a full DFA and a hybrid with
 * sparse states; nocase, case-sensitive, offset and depth patterns), warm up,
 * force a GC, scan `SCANS` times, force a GC. Between the two forced GCs V8
 * must report no scavenge.
 *
 * Usage: deno run --v8-flags=--trace-gc,--expose-gc test/mpm/_scan_loop.ts MODE SCANS [ENGINE]
 * where MODE is `clean`, or `alloc` (also allocate per scan: the control), and
 * ENGINE `ac` (default: a full DFA and a hybrid), `hs` (Hyperscan, with
 * enough single-byte patterns for its second database; the scans go round
 * five buffers, so the base address cache is exercised) or `hs-short`
 * (Hyperscan with its short-window twin: windows of 0-128 bytes and longer).
 *
 * @module
 */

import { AhoCorasickBuilder, MatchSet } from "../../src/mpm/mod.ts";
import { builderOf } from "./_engines.ts";

const [mode, scansArg, engine = "ac"] = Deno.args;
const scans = Number(scansArg);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("Run with --v8-flags=--expose-gc");

const enc = new TextEncoder();
const words = [
  "GET ",
  "POST ",
  "HTTP/1.1",
  "User-Agent: ",
  "Mozilla/5.0",
  "/etc/passwd",
  "cmd.exe",
  "UNION SELECT",
  "${jndi:",
  "Host: ",
  "\r\n",
  "/",
  "a",
];
const matchers = [undefined, 256].map((denseBytesLimit) => {
  const builder = engine === "ac" ? new AhoCorasickBuilder({ denseBytesLimit }) : builderOf(engine);
  words.forEach((w, i) => {
    builder.addPattern(2 * i, enc.encode(w), { nocase: false });
    builder.addPattern(2 * i + 1, enc.encode(w.toLowerCase()), {
      nocase: true,
      offset: i % 3,
      depth: i % 2 === 0 ? 900 : undefined,
    });
  });
  builder.addPattern(100, new Uint8Array([0x00, 0xff, 0x00]), { nocase: false });
  // single bytes: Hyperscan puts this many in a second (literal) database
  for (let b = 0; b < 10; b++) {
    builder.addPattern(101 + b, new Uint8Array([0xf0 + b]), { nocase: false });
  }
  return builder.build();
});
const found = new MatchSet(Math.max(...matchers.map((m) => m.idSpace)));
const text = "GET /cgi-bin/../../etc/passwd HTTP/1.1\r\nHost: example.com\r\n" +
  "User-Agent: Mozilla/5.0 ${jndi:ldap://x} cmd.exe union select 1\r\n\r\n";
const data = new Uint8Array(1024);
for (let i = 0; i < data.length; i++) data[i] = text.charCodeAt(i % text.length) & 0xff;
data.set([0x00, 0xff, 0x00], 700);
data.set([0xf3, 0xf7], 900);
/** Five buffers in turn (packet data, stream arena, application-layer buffers...). */
const buffers = [data, data.slice(), data.slice(), data.slice(), data.slice()];

let total = 0;
let kept: unknown = null;
function pass(n: number): void {
  for (let i = 0; i < n; i++) {
    const m = matchers[i & 1];
    found.reset();
    // every third window short (a short-window twin scans those)
    m.scan(buffers[i % 5], i & 7, i % 3 === 0 ? 100 : data.length, found);
    total += found.count;
    if (mode === "alloc") kept = data.slice(0, 64);
  }
}

pass(20_000);
gc();
pass(scans);
gc();
// On stderr: stdout carries the V8 trace, which a console.log could split.
console.error(JSON.stringify({ total, kept: kept !== null }));
