/**
 * How often an idle inline bridge wakes (client -- veth -- middle -- veth
 * -- server, `_policy_probe.ts` bridging in the middle): after a frame it
 * polls with a 1 ms timeout for about a second (a capture thread asleep in
 * poll(2) for longer is woken late on a virtual machine), then at most
 * every 50 ms. Five pings 0.4 s apart in a 4 s run keep it brisk for at
 * least 2.6 s, as each frame re-arms the second (so do the namespaces' own
 * neighbour discovery and ARP frames, which is why the quiet tail's return
 * to 50 ms is not counted here); with `briskTimeoutMs` 50 the same traffic
 * wakes it a few dozen times.
 *
 * Needs root, iproute2 and python3; otherwise skipped.
 */

import assert from "node:assert/strict";
import { liveTestsUnavailable } from "./_netns.ts";
import { lastJson, ping, startInNs, topologyTest, waitForText } from "./_live.ts";

const unavailable = liveTestsUnavailable();
if (unavailable !== null) console.log(`idle wake tests skipped: ${unavailable}`);

const PROBE = new URL("./_policy_probe.ts", import.meta.url).pathname;
const SECONDS = 4;

/** Bridge for SECONDS with five pings 0.4 s apart; the probe's poll(2) count. */
async function pollsWith(
  sides: string[],
  middle: string,
  client: string,
  server: string,
  brisk: string[],
): Promise<number> {
  const probe = startInNs(middle, Deno.execPath(), [
    "run",
    "-A",
    PROBE,
    ...sides,
    "open",
    "throw",
    String(SECONDS),
    "4096",
    ...brisk,
  ]);
  try {
    await waitForText(probe, "ready");
    assert.equal(ping(client, server, 1), 1, "a path through the probe");
    const pings = new Deno.Command("ip", {
      args: ["netns", "exec", client, "ping", "-c", "5", "-i", "0.4", server],
      stdout: "null",
    }).outputSync();
    assert(pings.success, "the pings came back");
    const status = await probe.child.status;
    await probe.stop();
    assert.equal(status.code, 0, probe.stderr());
    return lastJson<{ polls: number }>(probe).polls;
  } finally {
    await probe.stop();
  }
}

topologyTest(
  "live idle: a bridge wakes about every millisecond for a second after each frame, then every 50",
  async (topo) => {
    const brisk = await pollsWith(topo.sides, topo.middle, topo.client, topo.serverIp, []);
    const slow = await pollsWith(topo.sides, topo.middle, topo.client, topo.serverIp, ["50"]);
    const report = `polls in ${SECONDS} s: brisk ${brisk}, at most 50 ms ${slow}`;
    console.log(report);
    // at least ~2600 expected: brisk from the first ping to a second after the
    // last; about 1000 if a frame did not re-arm the brisk second; ~80 at
    // 50 ms (plus the yields' short waits)
    assert(brisk >= 1800, report);
    assert(slow <= 300, report);
  },
);
