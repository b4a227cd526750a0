/**
 * Allocation-free live path: real traffic (iperf3 TCP, UDP datagrams,
 * ping) through the whole `tarsier ips` pipeline on a veth bridge in network
 * namespaces with ET Open loaded (`_live_gc_loop.ts` under `--trace-gc`),
 * with the matcher live users get (Hyperscan and its short-window twins when
 * libhs is installed). After warm-up, no scavenge (young-generation GC) may
 * happen between two forced GCs (with a 1 MiB young generation), in the
 * capture loop's isolate or the send threads', as in test/flow/flow_gc_test.ts:
 * a scavenge means the ring -> decode -> flow -> detect -> forward path
 * allocates. Needs root, iproute2, iperf3, python3 and the shared corpus;
 * otherwise skipped.
 */

import assert from "node:assert/strict";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import { buildTopology, liveTestsUnavailable } from "./_netns.ts";
import { type Started, startInNs } from "./_live.ts";

const LOOP = new URL("./_live_gc_loop.ts", import.meta.url).pathname;
const UDP = new URL("./_udp_tool.py", import.meta.url).pathname;

function unavailableHere(): string | null {
  const why = liveTestsUnavailable();
  if (why !== null) return why;
  if (!HAVE_CORPUS) return "the shared corpus (ET Open) is missing";
  try {
    new Deno.Command("iperf3", { args: ["--version"], stdout: "null" }).outputSync();
  } catch {
    return "iperf3 is not installed";
  }
  return null;
}

const unavailable = unavailableHere();
if (unavailable !== null) console.log(`live GC test skipped: ${unavailable}`);

const WARMUP_S = 8;
const MEASURE_S = 6;

interface Run {
  figures: Record<string, number>;
  scavengesBefore: number;
  between: string[];
}

/** One run: a fresh topology, the loop under --trace-gc, the traffic. */
async function measureOnce(): Promise<Run> {
  const topo = buildTopology("tarsier");
  const dir = Deno.makeTempDirSync({ prefix: "tarsier-livegc-" });
  const started: Started[] = [];
  try {
    const loop = startInNs(topo.middle, Deno.execPath(), [
      "run",
      "--quiet",
      // a 1 MiB young generation: 8 bytes per packet would show as scavenges
      "--v8-flags=--trace-gc,--expose-gc,--max-semi-space-size=1",
      "-A",
      LOOP,
      ...topo.sides,
      corpusPath("rules/et-open"),
      dir,
      String(WARMUP_S),
      String(MEASURE_S),
    ]);
    started.push(loop);
    for (let i = 0; i < 1200 && !loop.stderr().includes("ready"); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert(loop.stderr().includes("ready"), loop.stderr().slice(-2000));
    const seconds = String(WARMUP_S + MEASURE_S + 3);
    started.push(startInNs(topo.server, "iperf3", ["-s", "-1"]));
    await new Promise((r) => setTimeout(r, 300));
    started.push(
      startInNs(topo.client, "iperf3", ["-c", topo.serverIp, "-t", seconds, "-b", "200M"]),
    );
    started.push(
      startInNs(topo.client, "ping", ["-q", "-i", "0.01", "-w", seconds, topo.serverIp]),
    );
    started.push(
      startInNs(topo.client, "python3", [UDP, "send", topo.serverIp, "20000", "udp", "0.001"]),
    );
    const status = await loop.child.status;
    await loop.stop();
    assert.equal(status.code, 0, loop.stderr().slice(-3000));
    const text = loop.stderr();
    const lines = text.split("\n");
    // the loop's stderr and the GC trace share the output: a trace line may be cut by the figures
    const json = [...text.matchAll(/\{"packetsMeasured"[^}]*\}/g)].at(-1)?.[0];
    assert(json !== undefined, `no figures from the loop:\n${text.slice(-3000)}`);
    const figures = JSON.parse(json);
    const forced = lines
      .map((line, i) => (/testing|requested/.test(line) && /Mark-Compact/.test(line) ? i : -1))
      .filter((i) => i >= 0);
    assert(forced.length >= 2, `two forced GCs in the trace:\n${text.slice(-2000)}`);
    return {
      figures,
      scavengesBefore: lines.slice(0, forced[forced.length - 2]).filter((l) => SCAVENGE.test(l))
        .length,
      between: lines.slice(forced[forced.length - 2] + 1, forced[forced.length - 1]),
    };
  } finally {
    for (const p of started.reverse()) await p.stop();
    topo.destroy();
    Deno.removeSync(dir, { recursive: true });
  }
}

const SCAVENGE = /Scavenge|Minor Mark/;

Deno.test({
  name:
    "gc: the live ips path (ring, decode, flows, detection with ET Open, forwarding, send thread) makes no young garbage",
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // up to three runs, as the GC tests do: on a loaded machine one run may measure
    // before V8 has optimised the loop (unoptimised code boxes doubles); a loop that
    // allocates scavenges in every run
    let run: Run | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      run = await measureOnce();
      console.log(`live gc run ${attempt + 1}: ${JSON.stringify(run.figures)}`);
      if (!run.between.some((l) => SCAVENGE.test(l))) break;
    }
    const { figures, scavengesBefore, between } = run!;
    assert(figures.rules > 10000, `ET Open loaded: ${figures.rules}`);
    assert(figures.packetsMeasured > 20_000, `real traffic: ${figures.packetsMeasured}`);
    assert(figures.threadSent > 1000, `the send thread forwarded: ${figures.threadSent}`);
    assert(scavengesBefore > 0, "the trace shows the scavenges of start-up (the test can fail)");
    assert.deepEqual(
      between.filter((l) => SCAVENGE.test(l)),
      [],
      "no scavenge between the forced GCs",
    );
  },
});
