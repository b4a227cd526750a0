/**
 * Multi-pattern matcher benchmarks: build time and scan throughput of the
 * Aho-Corasick matcher with ~1k and ~20k real content patterns (taken from the
 * ET Open rules of the shared corpus) over the TCP/UDP payloads of
 * `traffic-small.pcap`, each payload scanned in place as one window.
 *
 *     deno bench --allow-read bench/mpm_bench.ts
 *
 * Besides the `Deno.bench` cases it prints one summary line per pattern set
 * (1k, 20k and every distinct ET Open content): build time, table memory,
 * states (dense/total), classes and best-of-5 MB/s.
 */

import { AhoCorasickBuilder, type AhoCorasickMatcher, MatchSet } from "../src/mpm/mod.ts";
import { loadPayloads, type Payloads } from "./_payloads.ts";

const CORPUS = new URL("../../shared/corpus/", import.meta.url).pathname;
const RULES_DIR = `${CORPUS}rules/et-open/`;
const PCAP = `${CORPUS}pcap/traffic-small.pcap`;

/** A content literal and whether its rule made it `nocase`. */
interface Content {
  bytes: Uint8Array;
  nocase: boolean;
}

/** Decode a rule's content string: `|hex hex|` runs and `\` escapes. */
function decodeContent(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length;) {
    const ch = text[i];
    if (ch === "|") {
      const close = text.indexOf("|", i + 1);
      const stop = close < 0 ? text.length : close;
      for (const hex of text.slice(i + 1, stop).trim().split(/\s+/)) {
        if (hex !== "") out.push(parseInt(hex, 16) & 0xff);
      }
      i = stop + 1;
    } else if (ch === "\\" && i + 1 < text.length) {
      out.push(text.charCodeAt(i + 1) & 0xff);
      i += 2;
    } else {
      out.push(text.charCodeAt(i) & 0xff);
      i++;
    }
  }
  return new Uint8Array(out);
}

/** Every distinct (bytes, nocase) content of the active ET Open rules, in file order. */
function loadContents(): Content[] {
  const seen = new Set<string>();
  const contents: Content[] = [];
  const files = [...Deno.readDirSync(RULES_DIR)].map((e) => e.name).filter((n) =>
    n.endsWith(".rules")
  ).sort();
  for (const file of files) {
    for (const line of Deno.readTextFileSync(RULES_DIR + file).split("\n")) {
      if (!/^(alert|drop|reject|pass)\s/.test(line)) continue;
      const matches = [...line.matchAll(/content:\s*"((?:[^"\\]|\\.)*)"/g)];
      for (let m = 0; m < matches.length; m++) {
        const from = matches[m].index! + matches[m][0].length;
        const to = m + 1 < matches.length ? matches[m + 1].index! : line.length;
        const nocase = /[;\s]nocase;/.test(line.slice(from, to));
        const bytes = decodeContent(matches[m][1]);
        const key = `${nocase ? "i" : "c"}${bytes.join(",")}`;
        if (bytes.length === 0 || seen.has(key)) continue;
        seen.add(key);
        contents.push({ bytes, nocase });
      }
    }
  }
  return contents;
}

/** A deterministic sample of `n` contents (seeded Fisher-Yates shuffle). */
function sample(contents: Content[], n: number): Content[] {
  const a = contents.slice();
  let seed = 12345;
  for (let i = a.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, n);
}

function build(contents: Content[]): AhoCorasickMatcher {
  const builder = new AhoCorasickBuilder();
  contents.forEach((c, id) => builder.addPattern(id, c.bytes, { nocase: c.nocase }));
  return builder.build();
}

/** Scan every payload as its own window; returns the number of ids found. */
function scanAll(matcher: AhoCorasickMatcher, payloads: Payloads, found: MatchSet): number {
  const { data, offset, length } = payloads;
  let hits = 0;
  for (let i = 0; i < offset.length; i++) {
    found.reset();
    matcher.scan(data, offset[i], offset[i] + length[i], found);
    hits += found.count;
  }
  return hits;
}

const contents = loadContents();
const payloads = loadPayloads(PCAP);

/** Print build time, memory, layout and best-of-5 scan throughput for one set. */
function summarize(patterns: Content[]): AhoCorasickMatcher {
  let t0 = performance.now();
  const matcher = build(patterns);
  const buildMs = performance.now() - t0;
  const found = new MatchSet(matcher.idSpace);
  let hits = scanAll(matcher, payloads, found); // warm up
  let best = Infinity;
  for (let batch = 0; batch < 5; batch++) {
    t0 = performance.now();
    for (let r = 0; r < 5; r++) hits = scanAll(matcher, payloads, found);
    best = Math.min(best, (performance.now() - t0) / 5);
  }
  console.log(
    `ac ${patterns.length} patterns: build ${buildMs.toFixed(0)} ms, ` +
      `${(matcher.memoryBytes / 2 ** 20).toFixed(1)} MiB, ` +
      `states ${matcher.denseStateCount}/${matcher.stateCount} dense, ` +
      `${matcher.classCount} classes; scan ${(payloads.bytes / 1e3 / best).toFixed(0)} MB/s ` +
      `over ${payloads.offset.length} payloads (${(payloads.bytes / 1e6).toFixed(2)} MB), ` +
      `${hits} ids found`,
  );
  return matcher;
}

for (const size of [1000, 20000]) {
  const patterns = sample(contents, size);
  const matcher = summarize(patterns);
  const found = new MatchSet(matcher.idSpace);
  Deno.bench(`build ac, ${size} ET Open patterns`, { group: "build" }, () => {
    build(patterns);
  });
  Deno.bench(
    `scan ac, ${size} patterns, ${payloads.offset.length} payloads`,
    { group: "scan" },
    () => {
      scanAll(matcher, payloads, found);
    },
  );
}
summarize(contents); // every distinct content of ET Open, for scale
