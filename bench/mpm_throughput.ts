/**
 * Prefilter throughput per matcher over the TCP/UDP payloads of a capture
 * (default: the big corpus, `/tmp/corpus/big.pcap`), with the patterns the
 * detection engine really prefilters on: the fast patterns of ET Open as
 * Tarsier compiles the rules.
 *
 *     deno run -A bench/mpm_throughput.ts [PCAP] [--rules DIR] [--runs N]
 *
 * Two pattern sets:
 *
 * - `pkt_data`: the fast patterns of the rules the engine evaluates on
 *   packets and streams today (all protocol groups merged into one matcher);
 * - `all buffers`: the fast patterns of every loaded rule, whatever its
 *   buffer (`http.uri`, `dns.query`, ...), merged: a large set, as the
 *   per-buffer matchers of the application layer will hold together.
 *
 * Each payload is one scan (in place in the file's bytes). For each set and
 * matcher it prints build time, memory, the best of N passes in MB/s (payload
 * bytes / scan time) and how many ids were found; the ids found by `hs` and
 * `ac` must be the same, payload by payload (a checksum over the sorted ids
 * of each payload is compared), or the script exits 1.
 *
 * @module
 */

import { loadRuleset } from "../src/engine/ruleset.ts";
import { PKT_DATA } from "../src/detect/buffers.ts";
import { loadConfig } from "../src/rules/config.ts";
import { AhoCorasickBuilder } from "../src/mpm/aho_corasick.ts";
import {
  hyperscanAvailable,
  HyperscanBuilder,
  hyperscanDescription,
} from "../src/mpm/hyperscan.ts";
import { type Matcher, type MatcherBuilder, MatchSet } from "../src/mpm/matcher.ts";
import { loadPayloads, type Payloads } from "./_payloads.ts";

const args = [...Deno.args];
const option = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const [, value] = args.splice(at, 2);
  return value;
};
const rulesDir = option(
  "--rules",
  new URL("../../shared/corpus/rules/et-open", import.meta.url).pathname,
);
const runs = Number(option("--runs", "3"));
const pcap = args[0] ?? "/tmp/corpus/big.pcap";

interface Pattern {
  bytes: Uint8Array;
  nocase: boolean;
  offset?: number;
  depth?: number;
}

/** The distinct fast patterns of the ruleset: pkt_data ones, and those of every buffer. */
function fastPatterns(): { packet: Pattern[]; all: Pattern[] } {
  const { config } = loadConfig({ sets: [] });
  const ruleset = loadRuleset({ config, paths: [rulesDir] });
  const packet = new Map<string, Pattern>();
  const all = new Map<string, Pattern>();
  for (const sig of [...ruleset.engine.sigs, ...ruleset.engine.waiting]) {
    const fp = sig.fastPattern;
    if (fp === null) continue;
    const key = `${fp.nocase}:${fp.offset}:${fp.depth}:${fp.bytes.join(",")}`;
    const p = { bytes: fp.bytes, nocase: fp.nocase, offset: fp.offset, depth: fp.depth };
    if (fp.bufferId === PKT_DATA && ruleset.engine.sigs.includes(sig)) packet.set(key, p);
    // other buffers are not windowed the same way: drop offset/depth there
    all.set(`${fp.nocase}:${fp.bytes.join(",")}`, { bytes: fp.bytes, nocase: fp.nocase });
  }
  return { packet: [...packet.values()], all: [...all.values()] };
}

/** Scan every payload; returns [ids found, checksum of the ids per payload]. */
function scanAll(m: Matcher, payloads: Payloads, set: MatchSet): [number, number] {
  const { data, offset, length } = payloads;
  let found = 0;
  let checksum = 0;
  for (let i = 0; i < offset.length; i++) {
    set.reset();
    m.scan(data, offset[i], offset[i] + length[i], set);
    found += set.count;
    let sum = 0;
    for (let k = 0; k < set.count; k++) sum = (sum + Math.imul(set.ids[k] + 1, 0x9e3779b1)) | 0;
    checksum = (Math.imul(checksum, 31) + sum + i) | 0;
  }
  return [found, checksum];
}

const t0 = performance.now();
const payloads = loadPayloads(pcap);
console.log(
  `${pcap}: ${payloads.offset.length} TCP/UDP payloads, ${(payloads.bytes / 1e6).toFixed(1)} MB ` +
    `(read in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
const sets = fastPatterns();
const engines: [string, () => MatcherBuilder][] = [["ac", () => new AhoCorasickBuilder()]];
if (hyperscanAvailable()) engines.push(["hs", () => new HyperscanBuilder()]);
else console.log(`hs skipped: ${hyperscanDescription()}`);
console.log(`runs: best of ${runs}; ${hyperscanDescription()}`);
let mismatch = false;
for (const [setName, patterns] of [["pkt_data", sets.packet], ["all buffers", sets.all]] as const) {
  const results = new Map<string, number>();
  for (const [name, make] of engines) {
    const started = performance.now();
    const builder = make();
    patterns.forEach((p, id) => builder.addPattern(id, p.bytes, p));
    const m = builder.build();
    const buildMs = performance.now() - started;
    const set = new MatchSet(m.idSpace);
    let best = Infinity;
    let found = 0;
    let checksum = 0;
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      [found, checksum] = scanAll(m, payloads, set);
      best = Math.min(best, performance.now() - t);
    }
    results.set(name, checksum);
    console.log(
      `${setName.padEnd(11)} ${String(patterns.length).padStart(6)} patterns  ${name}: ` +
        `build ${buildMs.toFixed(0)} ms, ${(m.memoryBytes / 2 ** 20).toFixed(1)} MiB, ` +
        `scan ${(payloads.bytes / 1e3 / best).toFixed(0)} MB/s ` +
        `(${(best / 1000).toFixed(2)} s), ${found} ids found`,
    );
  }
  if (results.size === 2 && results.get("ac") !== results.get("hs")) {
    console.log(`${setName}: hs and ac found DIFFERENT ids`);
    mismatch = true;
  } else if (results.size === 2) {
    console.log(`${setName}: hs and ac found the same ids in every payload`);
  }
}
if (mismatch) Deno.exit(1);
