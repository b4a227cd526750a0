/**
 * No young-generation garbage for packets that open no new transaction:
 * app_loop.ts runs ET Open detection with the application layer over long
 * flows (an HTTP download, a TLS session, an SSH session: three
 * transactions and ~5,000 packets a pass) in a subprocess with V8's
 * `--trace-gc`; after warm-up no scavenge may happen. The few allocations
 * of the three transactions a pass opens (pooled after warm-up) stay far
 * below what would fill the young generation, so a scavenge means the
 * packets that only carry body, records or encrypted data allocate.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import { steadyGcLines } from "../gc/_trace.ts";
import { steadyCapture } from "./_steady_capture.ts";

const LOOP = new URL("./app_loop.ts", import.meta.url).pathname;

Deno.test({
  name: "gc: the app layer and transaction inspection make no young garbage between transactions",
  ignore: !HAVE_CORPUS,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const pcap = join(dir, "steady.pcap");
      await Deno.writeFile(pcap, steadyCapture());
      let figures = "";
      const between = await steadyGcLines(
        LOOP,
        [pcap, corpusPath("rules/et-open"), "3", "10"],
        3,
        (e) => (figures = e),
      );
      const f = JSON.parse(figures.trim().split("\n").at(-1)!);
      // the parsers did their work in the measured passes: 3 transactions, both parts, each pass
      assert.ok(f.parts >= 10 * 6, `transaction parts ${f.parts}`);
      assert.ok(f.appBytes > 10 * 1_400_000, `parsed bytes ${f.appBytes}`);
      const scavenges = between.filter((line) => /Scavenge|Minor Mark/.test(line));
      assert.deepEqual(scavenges, [], "no scavenge between the forced GCs");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
