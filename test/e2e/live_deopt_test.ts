/**
 * No deoptimisation loop on the live path: `tarsier ips` runs with V8's
 * `--trace-deopt` while bursts of requests (the send thread's queue runs dry
 * between them) and a bulk download cross the bridge; after the start line,
 * no function may be deoptimised more than a few times. A loop shows as one
 * function deoptimised on every burst: the send thread's `run` did so when
 * its loops were its own ("exit from OSR'd inner loop", 20 times here).
 * (The offline scan's loop of this kind, the byte copier's FFI memcpy, has
 * its own test in test/flow/byte_copy_test.ts.) Needs root and iproute2;
 * otherwise skipped with the reason.
 */

import assert from "node:assert/strict";
import { liveTestsUnavailable } from "./_netns.ts";
import {
  assertBulkIntact,
  bulkText,
  curl,
  delay,
  setUpWebFixture,
  type Started,
  startTarsier,
  tearDownWebFixture,
} from "./_live.ts";

const unavailable = liveTestsUnavailable();
if (unavailable !== null) console.log(`live deopt test skipped: ${unavailable}`);

const RULES = 'alert http any any -> any any (msg:"E2E uri"; flow:to_server,established; ' +
  'http.uri; content:"/index"; sid:7000010; rev:1;)\n';

/** 4 MiB served as /bulk.txt. */
const BULK = bulkText(4);

/** Bursts of requests with quiet gaps between them. */
const BURSTS = 30;

/** Deoptimisations of one function after the start line that still count as settling. */
const MOST_PER_FUNCTION = 8;

Deno.test({
  name: "ips: no function is deoptimised again and again on the live path (--trace-deopt)",
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const f = setUpWebFixture("tarsier", { "index.html": "hello\n", "bulk.txt": BULK }, RULES);
    let tarsier: Started | null = null;
    try {
      tarsier = startTarsier(f.topo.middle, [
        "ips",
        "--bridge",
        f.topo.sides.join(":"),
        "--rules",
        `${f.dir}/e2e.rules`,
        "--log-dir",
        `${f.dir}/out`,
      ], ["--v8-flags=--expose-gc,--trace-deopt"]);
      const url = `http://${f.topo.serverIp}:8080/index.html`;
      let up = false;
      for (let i = 0; i < 60 && !up; i++) {
        up = curl(f.topo.client, url, 1).code === 0;
        if (!up) await delay(200);
      }
      assert(up, `no path through the bridge: ${tarsier.stderr()}`);
      for (let i = 0; i < BURSTS; i++) {
        assert.equal(curl(f.topo.client, url, 2).code, 0);
        await delay(50);
      }
      assertBulkIntact(f.topo, BULK);
      const status = await tarsier.stop();
      assert.equal(status.code, 0, tarsier.stderr().slice(-2000));
      const text = tarsier.stderr();
      const started = text.indexOf("SIGINT/SIGTERM stops");
      assert(started >= 0, text.slice(-2000));
      // the trace is on: the start-up (rule loading, warm-up) deoptimises something
      assert(/\[bailout /.test(text.slice(0, started)), "no --trace-deopt output");
      const perFunction = new Map<string, number>();
      for (const m of text.slice(started).matchAll(/\[bailout \(kind: [^\n]*?<JSFunction (\S+)/g)) {
        perFunction.set(m[1], (perFunction.get(m[1]) ?? 0) + 1);
      }
      const loops = [...perFunction].filter(([, n]) => n > MOST_PER_FUNCTION);
      assert.deepEqual(loops, [], `deoptimised again and again: ${JSON.stringify(loops)}`);
    } finally {
      await tearDownWebFixture(f, tarsier);
    }
  },
});
