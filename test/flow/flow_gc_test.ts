/**
 * Allocation-free flow tracking: flow_loop.ts runs the flow table, flowbits,
 * flowints and the threshold gate over the small corpus many times in a
 * subprocess with V8's `--trace-gc`; after warm-up no scavenge
 * (young-generation GC) may happen, as a scavenge means the loop allocates.
 * The approach of test/gc/steady_state_test.ts, with a longer warm-up (and up
 * to three runs on a loaded machine, see steadyGcLines): the
 * flow code must have reached its optimised tier before the measurement
 * (while it is still being compiled, doubles are boxed).
 */

import assert from "node:assert/strict";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import { steadyGcLines } from "../gc/_trace.ts";

const LOOP = new URL("./flow_loop.ts", import.meta.url).pathname;

Deno.test({
  name:
    "gc: flow table, TCP reassembly, flowbits, flowints and thresholds over the small corpus make no young garbage",
  ignore: !HAVE_CORPUS,
  async fn() {
    const pcap = corpusPath("pcap/traffic-small.pcap");
    let figures = "";
    const between = await steadyGcLines(LOOP, [pcap, "60", "30"], 3, (e) => (figures = e));
    // the loop did reassemble and inspect streams (and ended every flow after each pass)
    const f = JSON.parse(figures.trim().split("\n").at(-1)!);
    assert.ok(f.segments > 1000, `segments ${f.segments}`);
    assert.ok(f.streamBytes > 100_000, `stream bytes ${f.streamBytes}`);
    assert.equal(f.memcapDrops, 0);
    const scavenges = between.filter((line) => /Scavenge|Minor Mark/.test(line));
    assert.deepEqual(scavenges, [], "no scavenge between the forced GCs");
  },
});
