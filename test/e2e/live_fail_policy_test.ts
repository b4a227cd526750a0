/**
 * The live loop's failure policy on real rings (client -- veth -- middle --
 * veth -- server, `_policy_probe.ts` bridging in the middle with a real
 * verdict stage that misbehaves on chosen datagrams):
 *
 * - an exception while inspecting a packet forwards it with fail-open and
 *   drops it with fail-closed, counted as an internal error either way;
 * - overload (a 64-slot ring and 2 ms of inspection per datagram against
 *   one datagram every 0.5 ms): fail-open forwards frames uninspected while
 *   the backlog is over 3/4 of the ring (`bypassed`) and loses almost
 *   nothing; fail-closed inspects everything it forwards and the kernel
 *   drops what does not fit (`kernel_drops`).
 *
 * Needs root, iproute2 and python3; otherwise skipped.
 */

import assert from "node:assert/strict";
import { inNs, liveTestsUnavailable, type Topology } from "./_netns.ts";
import { lastJson, ping, type Started, startInNs, topologyTest, waitForText } from "./_live.ts";

const unavailable = liveTestsUnavailable();
if (unavailable !== null) console.log(`fail policy tests skipped: ${unavailable}`);

const PROBE = new URL("./_policy_probe.ts", import.meta.url).pathname;
const UDP = new URL("./_udp_tool.py", import.meta.url).pathname;

interface ProbeResult {
  internalErrors: number;
  errorsReported: number;
  bypassed: number;
  inspected: number;
  kernelPackets: number;
  kernelDrops: number;
  accepted: number;
  blocked: number;
  ringFrames: number;
}

/**
 * Bridge with the probe for `seconds`, send the datagrams, and return what
 * the probe counted and what the server received, by prefix.
 */
async function runCase(
  topo: Topology,
  fail: "open" | "closed",
  mode: "throw" | "slow",
  ringFrames: number,
  send: Array<[prefix: string, count: number, intervalS: number]>,
  seconds: number,
): Promise<{ probe: ProbeResult; received: Record<string, number> }> {
  const probe = startInNs(topo.middle, Deno.execPath(), [
    "run",
    "-A",
    PROBE,
    ...topo.sides,
    fail,
    mode,
    String(seconds),
    String(ringFrames),
  ]);
  let server: Started | null = null;
  try {
    await waitForText(probe, "ready");
    assert.equal(ping(topo.client, topo.serverIp, 1), 1, "a path through the probe");
    server = startInNs(topo.server, "python3", [UDP, "recv", String(seconds - 1)]);
    await waitForText(server, "listening");
    for (const [prefix, count, interval] of send) {
      inNs(topo.client, "python3", [
        UDP,
        "send",
        topo.serverIp,
        String(count),
        prefix,
        String(interval),
      ]);
    }
    await server.child.status;
    await server.stop();
    const received = lastJson<Record<string, number>>(server);
    const status = await probe.child.status;
    await probe.stop();
    assert.equal(status.code, 0, probe.stderr());
    return { probe: lastJson<ProbeResult>(probe), received };
  } finally {
    await server?.stop();
    await probe.stop();
  }
}

topologyTest(
  "live policy: an internal error forwards the packet (fail open) or drops it (fail closed)",
  async (topo) => {
    const traffic: Array<[string, number, number]> = [["ok", 20, 0.005], ["boom", 10, 0.005]];
    const open = await runCase(topo, "open", "throw", 4096, traffic, 5);
    assert.equal(open.probe.internalErrors, 10, JSON.stringify(open));
    assert.equal(open.probe.errorsReported, 10);
    assert.deepEqual(open.received, { ok: 20, boom: 10 }, "fail open forwards them");
    assert.equal(open.probe.blocked, 0);

    const closed = await runCase(topo, "closed", "throw", 4096, traffic, 5);
    assert.equal(closed.probe.internalErrors, 10, JSON.stringify(closed));
    assert.deepEqual(closed.received, { ok: 20 }, "fail closed drops them");
    assert.equal(closed.probe.blocked, 10, "counted as blocked");
  },
);

topologyTest(
  "live policy: overload bypasses inspection (fail open) or lets the kernel drop (closed)",
  async (topo) => {
    const SENT = 1000;
    const traffic: Array<[string, number, number]> = [["load", SENT, 0.0005]];
    const open = await runCase(topo, "open", "slow", 64, traffic, 5);
    const closed = await runCase(topo, "closed", "slow", 64, traffic, 5);
    const report = JSON.stringify({ open, closed });
    console.log(`overload: ${report}`);
    assert.equal(open.probe.ringFrames, 64);
    // fail open: the backlog is forwarded uninspected, next to nothing is lost
    assert(open.probe.bypassed > 100, report);
    assert(open.probe.inspected + open.probe.bypassed >= (open.received.load ?? 0), report);
    assert((open.received.load ?? 0) >= SENT * 0.9, report);
    assert(open.probe.kernelDrops <= SENT * 0.1, report);
    assert(open.probe.kernelDrops * 4 < closed.probe.kernelDrops, report);
    // fail closed: everything forwarded was inspected; the kernel drops the rest
    assert.equal(closed.probe.bypassed, 0, report);
    assert(closed.probe.kernelDrops > SENT * 0.2, report);
    assert.equal(closed.probe.inspected, closed.received.load ?? 0, report);
    assert(
      (closed.received.load ?? 0) + closed.probe.kernelDrops >= SENT * 0.98,
      `what was not forwarded was counted as kernel drops: ${report}`,
    );
  },
);
