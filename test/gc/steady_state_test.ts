/**
 * Allocation-free decoding: the decode loop runs over the small corpus many
 * times in a subprocess with V8's `--trace-gc`; after warm-up no scavenge
 * (young-generation GC) may happen, as a scavenge means the loop allocates.
 */

import assert from "node:assert/strict";
import { ENGINES, skipUnavailable } from "../mpm/_engines.ts";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import { measuredGcLines } from "./_trace.ts";

const LOOP = new URL("./decode_loop.ts", import.meta.url).pathname;

Deno.test({
  name: "gc: decoding the small corpus 30 times after warm-up makes no young-generation garbage",
  ignore: !HAVE_CORPUS,
  async fn() {
    const pcap = corpusPath("pcap/traffic-small.pcap");
    const between = await measuredGcLines(LOOP, [pcap, "5", "30"]);
    const scavenges = between.filter((line) => /Scavenge|Minor Mark/.test(line));
    assert.deepEqual(scavenges, [], "no scavenge between the forced GCs");
  },
});

Deno.test("gc: the trace does show scavenges when a loop allocates (the test can fail)", async () => {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      script,
      `const gc = (globalThis as any).gc; let keep: unknown = null;
       gc(); for (let i = 0; i < 2_000_000; i++) keep = { i, s: "x" + i }; gc();
       console.log(keep !== null);`,
    );
    const between = await measuredGcLines(script, []);
    assert.ok(between.some((line) => /Scavenge|Minor Mark/.test(line)), between.join("\n"));
  } finally {
    await Deno.remove(script);
  }
});

const DETECT_LOOP = new URL("./detect_loop.ts", import.meta.url).pathname;

for (const engine of ENGINES) {
  Deno.test({
    name:
      `gc: flow tracking and detection with ET Open over the small corpus make no young garbage (${engine.name})`,
    ignore: !HAVE_CORPUS || skipUnavailable(engine),
    async fn() {
      const pcap = corpusPath("pcap/traffic-small.pcap");
      const rules = corpusPath("rules/et-open");
      const between = await measuredGcLines(DETECT_LOOP, [pcap, rules, "3", "10", engine.name]);
      const scavenges = between.filter((line) => /Scavenge|Minor Mark/.test(line));
      assert.deepEqual(scavenges, [], "no scavenge between the forced GCs");
    },
  });
}
