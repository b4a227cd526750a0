import assert from "node:assert/strict";
import {
  defaultBusyPollMs,
  IPS_BUSY_POLL_MS,
  MAX_BUSY_POLL_MS,
  parseLiveOptions,
} from "../../src/cli/live_command.ts";
import { UsageError } from "../../src/cli/usage_error.ts";

Deno.test("live options: --busy-poll takes whole milliseconds up to a minute, 0 turning it off", () => {
  assert.equal(parseLiveOptions("ips", { bridge: "a:b", busyPoll: "0" }).busyPollMs, 0);
  assert.equal(parseLiveOptions("ips", { bridge: "a:b", busyPoll: "5" }).busyPollMs, 5);
  assert.equal(parseLiveOptions("ids", { iface: "eth0", busyPoll: "100" }).busyPollMs, 100);
  assert.equal(
    parseLiveOptions("ips", { bridge: "a:b", busyPoll: String(MAX_BUSY_POLL_MS) }).busyPollMs,
    MAX_BUSY_POLL_MS,
  );
  for (
    const bad of ["-1", "1.5", "x", "", " ", " 7 ", "0x14", "1e3", String(MAX_BUSY_POLL_MS + 1)]
  ) {
    assert.throws(
      () => parseLiveOptions("ips", { bridge: "a:b", busyPoll: bad }),
      (e: unknown) => e instanceof UsageError && /--busy-poll/.test(e.message),
      `"${bad}"`,
    );
  }
});

Deno.test("live options: ips busy-polls by default only with a CPU beyond its workers; ids never", () => {
  assert.equal(defaultBusyPollMs("ips", 1, 2), IPS_BUSY_POLL_MS);
  assert.equal(defaultBusyPollMs("ips", 3, 4), IPS_BUSY_POLL_MS);
  assert.equal(defaultBusyPollMs("ips", 2, 2), 0);
  assert.equal(defaultBusyPollMs("ips", 1, 1), 0);
  assert.equal(defaultBusyPollMs("ids", 1, 8), 0);
  const cpus = navigator.hardwareConcurrency;
  assert.equal(
    parseLiveOptions("ips", { bridge: "a:b" }).busyPollMs,
    cpus > 1 ? IPS_BUSY_POLL_MS : 0,
  );
  // as many workers as CPUs (up to the fanout group's 256): none busy-polls
  if (cpus <= 256) {
    assert.equal(parseLiveOptions("ips", { bridge: "a:b", workers: String(cpus) }).busyPollMs, 0);
  }
  assert.equal(parseLiveOptions("ids", { iface: "eth0" }).busyPollMs, 0);
});
