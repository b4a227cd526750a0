/**
 * The Aho-Corasick matcher with real content patterns of the ET Open rules
 * (from the shared corpus) over real frames of `traffic-small.pcap`, against
 * the naive scan. Skipped when the corpus is missing.
 */

import assert from "node:assert/strict";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import { AhoCorasickBuilder, MatchSet } from "../../src/mpm/mod.ts";
import { mulberry32, naiveScan, type TestPattern } from "./_naive.ts";

/** Distinct `content:"..."` literals of the ET Open rules, `|hex|` resolved. */
function etContents(): { bytes: Uint8Array; nocase: boolean }[] {
  const dir = corpusPath("rules/et-open");
  const seen = new Set<string>();
  const out: { bytes: Uint8Array; nocase: boolean }[] = [];
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".rules"));
  for (const name of names.sort()) {
    for (const line of Deno.readTextFileSync(`${dir}/${name}`).split("\n")) {
      if (line.startsWith("#")) continue;
      for (const m of line.matchAll(/content:\s*"((?:[^"\\]|\\.)*)"(?=(.*?)(?:content:|$))/g)) {
        const bytes: number[] = [];
        const text = m[1];
        for (let i = 0; i < text.length;) {
          if (text[i] === "|") {
            const close = text.indexOf("|", i + 1);
            for (const h of text.slice(i + 1, close).trim().split(/\s+/)) {
              if (h !== "") bytes.push(parseInt(h, 16));
            }
            i = close + 1;
          } else if (text[i] === "\\") {
            bytes.push(text.charCodeAt(i + 1));
            i += 2;
          } else bytes.push(text.charCodeAt(i++) & 0xff);
        }
        const nocase = m[2].includes("nocase;");
        const key = `${nocase}:${bytes.join(",")}`;
        if (bytes.length > 0 && !seen.has(key)) {
          seen.add(key);
          out.push({ bytes: new Uint8Array(bytes), nocase });
        }
      }
    }
  }
  return out;
}

/** [offset, length] of the first `max` frames of a pcap (parsed by hand). */
function pcapFrames(path: string, max: number): { data: Uint8Array; frames: number[][] } {
  const data = Deno.readFileSync(path);
  const view = new DataView(data.buffer);
  const le = view.getUint32(0, true) === 0xa1b2c3d4 || view.getUint32(0, true) === 0xa1b23c4d;
  const frames: number[][] = [];
  for (let at = 24; at + 16 <= data.length && frames.length < max;) {
    const len = view.getUint32(at + 8, le);
    frames.push([at + 16, Math.min(len, data.length - at - 16)]);
    at += 16 + len;
  }
  return { data, frames };
}

Deno.test({
  name: "ac: ET Open patterns over real frames equal the naive scan",
  ignore: !HAVE_CORPUS,
  fn() {
    const contents = etContents();
    assert.ok(contents.length > 20000, `ET Open contents: ${contents.length}`);
    const { data, frames } = pcapFrames(corpusPath("pcap/traffic-small.pcap"), 300);
    const rand = mulberry32(2024);
    // 1500 patterns, a third with an offset/depth window, in all three layouts.
    const patterns: TestPattern[] = [];
    for (let i = 0; i < 1500; i++) {
      const c = contents[Math.floor(rand() * contents.length)];
      const windowed = rand() < 0.33;
      patterns.push({
        id: i,
        bytes: c.bytes,
        options: {
          nocase: c.nocase,
          offset: windowed ? Math.floor(rand() * 60) : undefined,
          depth: windowed ? 20 + Math.floor(rand() * 400) : undefined,
        },
      });
    }
    const want = frames.map(([offset, length]) =>
      naiveScan(patterns, data, offset, offset + length)
    );
    let found = 0;
    for (const denseBytesLimit of [undefined, 64 * 1024, 0]) {
      const builder = new AhoCorasickBuilder({ denseBytesLimit });
      for (const p of patterns) builder.addPattern(p.id, p.bytes, p.options);
      const m = builder.build();
      const set = new MatchSet(m.idSpace);
      for (const [f, [offset, length]] of frames.entries()) {
        set.reset();
        m.scan(data, offset, offset + length, set);
        const got = Array.from(set.ids.subarray(0, set.count)).sort((a, b) => a - b);
        assert.deepEqual(got, want[f]);
        found += got.length;
      }
    }
    assert.ok(found > 100, `matches found: ${found}`);
  },
});

Deno.test({
  name: "ac: all ET Open contents in one matcher stay within memory and agree",
  ignore: !HAVE_CORPUS,
  fn() {
    const contents = etContents();
    const builder = new AhoCorasickBuilder();
    const patterns: TestPattern[] = contents.map((c, id) => ({
      id,
      bytes: c.bytes,
      options: { nocase: c.nocase },
    }));
    for (const p of patterns) builder.addPattern(p.id, p.bytes, p.options);
    const m = builder.build();
    assert.equal(m.patternCount, contents.length);
    assert.ok(m.memoryBytes < 64 * 2 ** 20, `memory ${m.memoryBytes}`);
    assert.ok(m.denseStateCount < m.stateCount, "too big for a full DFA: hybrid layout");
    const { data, frames } = pcapFrames(corpusPath("pcap/traffic-small.pcap"), 3226);
    const set = new MatchSet(m.idSpace);
    // The naive scan is slow with every pattern: check a spread of 12 frames.
    for (let f = 0; f < frames.length; f += Math.floor(frames.length / 12)) {
      const [offset, length] = frames[f];
      set.reset();
      m.scan(data, offset, offset + length, set);
      const got = Array.from(set.ids.subarray(0, set.count)).sort((a, b) => a - b);
      assert.deepEqual(got, naiveScan(patterns, data, offset, offset + length));
    }
  },
});
