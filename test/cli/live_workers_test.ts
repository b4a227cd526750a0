import assert from "node:assert/strict";
import { parseLiveOptions } from "../../src/cli/live_command.ts";
import {
  latencyCounts,
  sumCounters,
  type WorkerCounters,
} from "../../src/cli/_live_worker_protocol.ts";
import { latencyFacts } from "../../src/cli/_live_stats.ts";
import { LatencyHistogram } from "../../src/engine/latency_histogram.ts";
import { UsageError } from "../../src/cli/usage_error.ts";
import { DecodeStats } from "../../src/decode/decode_stats.ts";

Deno.test("--workers: default 1, a positive integer, else a one-line usage error", () => {
  assert.equal(parseLiveOptions("ids", { iface: "eth0" }).workers, 1);
  assert.equal(parseLiveOptions("ips", { bridge: "a:b", workers: "4" }).workers, 4);
  assert.throws(
    () => parseLiveOptions("ips", { bridge: "a:b", workers: "257" }),
    /--workers 257: at most 256/,
  );
  for (const bad of ["0", "-1", "1.5", "two", ""]) {
    assert.throws(
      () => parseLiveOptions("ips", { bridge: "a:b", workers: bad }),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message === `ips: --workers must be a positive integer, not "${bad}"`,
    );
  }
});

Deno.test("ips forwards from send threads unless --no-send-thread; ids has none; warm-up on", () => {
  assert.equal(parseLiveOptions("ips", { bridge: "a:b" }).sendThread, true);
  assert.equal(parseLiveOptions("ips", { bridge: "a:b", sendThread: false }).sendThread, false);
  assert.equal(parseLiveOptions("ids", { iface: "eth0" }).sendThread, false);
  assert.equal(parseLiveOptions("ids", { iface: "eth0" }).warmUp, true);
  assert.equal(parseLiveOptions("ips", { bridge: "a:b", warmUp: false }).warmUp, false);
});

function counters(
  packets: number,
  alerts: number,
  accepted: number,
  waits: number[],
  batches: number[],
): WorkerCounters {
  const ringWait = new LatencyHistogram();
  for (const us of waits) ringWait.record(us);
  const batchTime = new LatencyHistogram();
  for (const us of batches) batchTime.record(us);
  const decode = new DecodeStats();
  decode.packets = packets;
  decode.wireBytes = packets * 100;
  decode.layerFrames[3] = packets;
  decode.firstTs = packets;
  decode.lastTs = packets * 2;
  return {
    // through structured clone, as the main thread receives it
    decode: structuredClone(decode),
    facts: {
      uptime: 9,
      alerts,
      capture: {
        kernel_packets: packets + 1,
        kernel_drops: 1,
        errors: 0,
        ...latencyFacts(ringWait, batchTime),
      },
      flows: { tcp: 2, udp: 1 },
      ips: { accepted, blocked: 1, rejected: 0 },
    },
    bypassed: 0,
    internalErrors: 1,
    bridge: {
      accepted,
      threadSent: accepted - 1,
      blocked: 1,
      rejected: 0,
      truncated: 0,
      sendErrors: 0,
      lastErrno: 0,
    },
    // through structured clone too
    ringWait: structuredClone(latencyCounts(ringWait)),
    batchTime: structuredClone(latencyCounts(batchTime)),
  };
}

Deno.test("sumCounters: the stats at exit are the workers' sums", () => {
  const s = sumCounters([
    counters(10, 2, 9, [20, 30, 40], [100]),
    null,
    counters(30, 5, 29, [25, 5000], [200, 3000]),
  ]);
  assert.equal(s.decode.packets, 40);
  assert.equal(s.decode.wireBytes, 4000);
  assert.equal(s.decode.layerFrames[3], 40);
  assert.equal(s.decode.firstTs, 10);
  assert.equal(s.decode.lastTs, 60);
  assert.equal(s.facts.alerts, 7);
  assert.equal(s.facts.uptime, 0, "uptime is the main thread's");
  // the latency quantiles are the merged histograms' (waits 20 25 30 40 5000 us), not sums
  assert.deepEqual(s.facts.capture, {
    kernel_packets: 42,
    kernel_drops: 2,
    errors: 0,
    ring_wait_p50_us: 32,
    ring_wait_p99_us: 5000,
    ring_wait_max_us: 5000,
    batch_p99_us: 3000,
    batch_max_us: 3000,
  });
  assert.equal(s.ringWait.count, 5);
  assert.equal(s.batchTime.count, 3);
  assert.deepEqual(s.facts.flows, { tcp: 4, udp: 2 });
  assert.deepEqual(s.facts.ips, { accepted: 38, blocked: 2, rejected: 0 });
  assert.equal(s.internalErrors, 2);
  assert.equal(s.bridge?.accepted, 38);
  assert.equal(s.bridge?.threadSent, 36);
});
