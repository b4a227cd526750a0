/**
 * Run by `live_gc_test.ts` inside the middle namespace under `--trace-gc
 * --expose-gc`: the whole live path as `tarsier ips` builds it (rings, decode,
 * flows, stream, app layer, detection with the given rules, EVE writer,
 * bridge forwarding with its send threads) through {@link runLive}. After `WARMUP` seconds it
 * forces a GC, runs `MEASURE` more seconds, forces another and stops; the
 * GC trace (stdout) between the two forced GCs must show no scavenge.
 * Figures go to stderr as JSON.
 *
 * Usage: deno run --v8-flags=--trace-gc,--expose-gc -A _live_gc_loop.ts SIDE_A SIDE_B RULES LOGDIR WARMUP MEASURE
 *
 * @module
 */

import { AfPacketRing } from "../../src/capture/afpacket.ts";
import { runLive } from "../../src/engine/live_capture.ts";
import { parseLiveOptions } from "../../src/cli/live_command.ts";
import { buildDetection, loadDetection } from "../../src/cli/scan_command.ts";
import { InlineBridge } from "../../src/verdict/inline_bridge.ts";
import { SendThread } from "../../src/verdict/send_thread.ts";

const [a, b, rules, logDir, warmupArg, measureArg] = Deno.args;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("Run with --v8-flags=--expose-gc");

const options = parseLiveOptions("ips", {
  bridge: `${a}:${b}`,
  rules: [rules],
  logDir,
  mpm: "auto",
});
const loaded = loadDetection(options, { live: true });
const rings = [a, b].map((name) => AfPacketRing.open(name, { ignoreOutgoing: true }));
const pipeline = buildDetection(options, loaded, { flowVerdicts: true, inlineStream: true });
const bridge = new InlineBridge(rings[0], rings[1], await SendThread.forBridge(rings));
const abort = new AbortController();
const warmup = Number(warmupArg);
const measure = Number(measureArg);
let ticks = 0;
let packetsAtStart = 0;
let packetsMeasured = 0;
let alertsAtStart = 0;
console.error("ready");
try {
  const result = await runLive({
    rings,
    bridge,
    stage: pipeline.stage,
    packet: pipeline.packet,
    signal: abort.signal,
    tickIntervalMs: 1000,
    onTick: (r) => {
      ticks++;
      if (ticks === warmup) {
        alertsAtStart = pipeline.stage?.alertCount ?? 0;
        packetsAtStart = r.stats.packets;
        gc();
      } else if (ticks === warmup + measure) {
        gc();
        packetsMeasured = r.stats.packets - packetsAtStart;
        abort.abort();
      }
    },
  });
  console.error(JSON.stringify({
    packetsMeasured,
    packets: result.stats.packets,
    alertsMeasured: (pipeline.stage?.alertCount ?? 0) - alertsAtStart,
    rules: loaded.ruleset?.engine.sigs.length ?? 0,
    kernelDrops: result.kernel.drops,
    bypassed: result.bypassed,
    accepted: bridge.counters.accepted,
    threadSent: bridge.counters.threadSent,
  }));
} finally {
  const release = await bridge.close();
  for (const ring of rings) ring.close(release);
  pipeline.eve?.close();
  pipeline.fast?.close();
}
