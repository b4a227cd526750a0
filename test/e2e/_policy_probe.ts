/**
 * Run by `live_fail_policy_test.ts` inside the middle namespace: bridges two
 * interfaces with {@link runLive} and a real {@link VerdictStage} that
 * misbehaves on chosen packets (UDP to port 9999):
 *
 * - `throw`: an internal error (an exception) on datagrams starting "boom";
 * - `slow`: 2 ms of work per datagram, more than the traffic allows.
 *
 * Prints "ready" on stderr once the rings are open, runs SECONDS, then prints
 * the counters as JSON on stdout.
 *
 * Usage: deno run -A _policy_probe.ts SIDE_A SIDE_B open|closed throw|slow SECONDS [RING_FRAMES]
 *   [BRISK_TIMEOUT_MS|-] [BUSY_POLL_MS]
 *
 * @module
 */

import { AfPacketRing } from "../../src/capture/afpacket.ts";
import type { Packet } from "../../src/decode/packet.ts";
import { runLive, type VerdictStage } from "../../src/engine/live_capture.ts";
import { InlineBridge } from "../../src/verdict/inline_bridge.ts";
import { PacketVerdict } from "../../src/verdict/packet_verdict.ts";

const [a, b, fail, mode, seconds, ringFrames, briskTimeout, busyPoll] = Deno.args;

const B = 0x62; // "b"

/** A verdict stage that fails on the test's datagrams, as a real stage could. */
class MisbehavingStage implements VerdictStage {
  verdict: number = PacketVerdict.PASS;
  inspected = 0;
  readonly #mode: string;

  constructor(mode: string) {
    this.#mode = mode;
  }

  process(p: Packet, _pcapCnt: number): void {
    this.verdict = PacketVerdict.PASS;
    if (p.ipProto !== 17 || p.dstPort !== 9999 || p.payloadOffset < 0) return;
    this.inspected++;
    if (this.#mode === "slow") {
      const until = performance.now() + 2;
      while (performance.now() < until) {
        // inspection taking 2 ms
      }
    } else if (p.data[p.frameOffset + p.payloadOffset] === B) {
      throw new Error(`cannot inspect datagram ${this.inspected}`);
    }
  }
}

const options = { ignoreOutgoing: true, frameCount: Number(ringFrames ?? "4096") };
const rings = [AfPacketRing.open(a, options), AfPacketRing.open(b, options)];
const bridge = new InlineBridge(rings[0], rings[1]);
const stage = new MisbehavingStage(mode);
const abort = new AbortController();
setTimeout(() => abort.abort(), Number(seconds) * 1000);
let errorsReported = 0;
console.error("ready");
try {
  const result = await runLive({
    rings,
    bridge,
    stage,
    signal: abort.signal,
    failOpen: fail === "open",
    batchCapacity: 4,
    briskTimeoutMs: briskTimeout === undefined || briskTimeout === "-"
      ? undefined
      : Number(briskTimeout),
    busyPollMs: busyPoll === undefined ? undefined : Number(busyPoll),
    onError: () => errorsReported++,
  });
  console.log(JSON.stringify({
    internalErrors: result.internalErrors,
    errorsReported,
    bypassed: result.bypassed,
    inspected: stage.inspected,
    kernelPackets: result.kernel.packets,
    kernelDrops: result.kernel.drops,
    accepted: bridge.counters.accepted,
    blocked: bridge.counters.blocked,
    ringFrames: rings[0].frameCount,
    polls: result.polls,
    busyPollWindows: result.busyPollWindows,
  }));
} finally {
  for (const ring of rings) ring.close();
}
