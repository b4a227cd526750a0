/**
 * End to end, `--workers 2`: two capture workers share the bridge's traffic
 * by flow hash (one fanout group per interface). Checks that benign traffic
 * passes and a drop rule blocks, that eve.json and fast.log hold only whole
 * lines, that each flow was seen by one worker in both directions (one flow
 * record per connection, with packets both ways, and unique flow ids), that
 * both workers took flows, and that the counters at exit are the sums.
 * Needs root and iproute2; otherwise skipped with the reason.
 */

import assert from "node:assert/strict";
import { liveTestsUnavailable } from "./_netns.ts";
import {
  assertBulkIntact,
  bulkText,
  curl,
  delay,
  ping,
  promiscuity,
  readEve,
  setUpWebFixture,
  type Started,
  startTarsier,
  tearDownWebFixture,
  topologyTest,
  type WebFixture as Fixture,
} from "./_live.ts";

const unavailable = liveTestsUnavailable();
if (unavailable !== null) console.log(`live worker tests skipped: ${unavailable}`);

const RULES = [
  'drop http any any -> any any (msg:"E2E drop evil"; flow:to_server,established; ' +
  'http.uri; content:"/evil"; sid:7000001; rev:1;)',
  'alert http any any -> any any (msg:"E2E index seen"; flow:to_server,established; ' +
  'http.uri; content:"/index.html"; sid:7000005; rev:1;)',
  'alert icmp any any -> any any (msg:"E2E ping"; itype:8; sid:7000003; rev:1;)',
].join("\n") + "\n";

/** 4 MiB served as /bulk.txt. */
const BULK = bulkText(4);

/** Connections made through the bridge (each a new TCP flow). */
const CONNECTIONS = 24;

/** The bridge namespaces, a web root with its files and the HTTP server. */
function setUp(mode: "tarsier" | "kernel"): Fixture {
  return setUpWebFixture(mode, {
    "index.html": "hello from the server\n",
    evil: "you should not see this\n",
    "bulk.txt": BULK,
  }, RULES);
}

/** `tarsier ips --workers 2` bridging the fixture's veths with its rules, JSON summary, plus `extra`. */
function startIpsWorkers(f: Fixture, out: string, extra: string[]): Started {
  const args = ["--rules", `${f.dir}/e2e.rules`, "--log-dir", out, "--mpm", "ac", ...extra];
  const bridge = ["ips", "--bridge", f.topo.sides.join(":"), "--workers", "2", "--summary", "json"];
  return startTarsier(f.topo.middle, [...bridge, ...args]);
}

/** Wait for tarsier's start-up line (every worker loaded, rings open). */
async function waitForStart(tarsier: Started): Promise<void> {
  for (let i = 0; i < 300 && !tarsier.stderr().includes("SIGINT/SIGTERM stops"); i++) {
    if ((await Promise.race([tarsier.child.status, delay(100)])) !== null) break;
  }
  assert(tarsier.stderr().includes("2 workers"), tarsier.stderr());
}

interface FlowRecord {
  flow_id: number;
  src_ip: string;
  src_port: number;
  dest_port: number;
  proto: string;
  flow: { pkts_toserver: number; pkts_toclient: number };
}

/** Every line of a file is whole: eve.json lines parse as JSON objects, fast.log lines are alerts. */
function assertWholeLines(out: string): void {
  const eveText = Deno.readTextFileSync(`${out}/eve.json`);
  assert(eveText.endsWith("\n"), "eve.json ends with a newline");
  for (const line of eveText.split("\n").slice(0, -1)) {
    const record = JSON.parse(line); // throws on a torn line
    assert.equal(typeof record.event_type, "string", line);
  }
  const fast = Deno.readTextFileSync(`${out}/fast.log`);
  for (const line of fast.split("\n").slice(0, -1)) {
    assert.match(
      line,
      /^\d\d\/\d\d\/\d{4}-\d\d:\d\d:\d\d\.\d{6} {2}.*\[\*\*\] \[1:\d+:\d+\] .* \{\w+\} .+$/,
    );
  }
}

/** One flow record per connection to the server, each with packets both ways, ids unique. */
function assertFlowsWhole(eve: Record<string, unknown>[], clientIp: string, atLeast: number): void {
  const flows = (eve.filter((r) => r.event_type === "flow") as unknown as FlowRecord[])
    .filter((r) => r.proto === "TCP" && r.dest_port === 8080 && r.src_ip === clientIp);
  assert(flows.length >= atLeast, `${flows.length} flow records for ${atLeast} connections`);
  const ports = new Set(flows.map((r) => r.src_port));
  assert.equal(ports.size, flows.length, "each connection is one flow record (one worker)");
  for (const r of flows) {
    assert(r.flow.pkts_toserver > 0 && r.flow.pkts_toclient > 0, JSON.stringify(r));
  }
  const ids = new Set(eve.filter((r) => r.event_type === "flow").map((r) => r.flow_id));
  assert.equal(ids.size, eve.filter((r) => r.event_type === "flow").length, "flow ids unique");
}

Deno.test({
  name: "ips --workers 2: benign passes, drop blocks, whole lines, each flow in one worker",
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const f = setUp("tarsier");
    let tarsier: Started | null = null;
    try {
      const { topo } = f;
      const out = `${f.dir}/out`;
      tarsier = startIpsWorkers(f, out, ["--no-send-thread"]);
      await waitForStart(tarsier);
      const url = `http://${topo.serverIp}:8080/index.html`;
      for (let i = 0; i < CONNECTIONS; i++) {
        const benign = curl(topo.client, url);
        assert.equal(benign.code, 0, `${benign.error}\n${tarsier.stderr()}`);
        assert.equal(benign.body, "hello from the server\n");
      }
      assert.equal(ping(topo.client, topo.serverIp), 3, "ping");
      const dropped = curl(topo.client, `http://${topo.serverIp}:8080/evil`, 2);
      assert.equal(dropped.code, 28, `a dropped request times out: ${dropped.error}`);
      assert.equal(curl(topo.client, url).code, 0, "still forwarding after a drop");
      assert(promiscuity(topo.middle, topo.sides[1]) > 0, "promiscuous while bridging");

      const status = await tarsier.stop();
      assert.equal(status.code, 0, tarsier.stderr());
      assert.equal(promiscuity(topo.middle, topo.sides[0]), 0, "promiscuous mode dropped");
      assert.equal(promiscuity(topo.middle, topo.sides[1]), 0, "promiscuous mode dropped");

      assertWholeLines(out);
      const eve = readEve(`${out}/eve.json`);
      const alerts = eve.filter((r) => r.event_type === "alert") as Array<
        { alert: { signature_id: number; action: string } }
      >;
      const drops = alerts.filter((a) => a.alert.signature_id === 7000001);
      assert.equal(drops.length, 1, "one drop alert");
      assert.equal(drops[0].alert.action, "blocked");
      assert.equal(
        alerts.filter((a) => a.alert.signature_id === 7000005).length,
        CONNECTIONS + 1,
        "an alert per benign request, from whichever worker had the flow",
      );
      assertFlowsWhole(eve, topo.clientIp, CONNECTIONS + 2);

      const summary = JSON.parse(tarsier.stderr().split("\n").find((l) => l.startsWith("{"))!);
      assert.equal(summary.workers, 2);
      assert.equal(summary.worker_packets.length, 2);
      assert(
        summary.worker_packets.every((n: number) => n > 0),
        `both workers had flows: ${summary.worker_packets}`,
      );
      assert.equal(summary.packets, summary.worker_packets[0] + summary.worker_packets[1]);
      assert.equal(summary.alerts, alerts.length);
      assert(summary.blocked >= 1);
      const stats = eve.filter((r) => r.event_type === "stats").at(-1) as {
        stats: {
          capture: {
            kernel_packets: number;
            kernel_drops: number;
            ring_wait_p99_us: number;
            ring_wait_max_us: number;
          };
          decoder: { pkts: number };
          detect: { alert: number };
          ips: { blocked: number; accepted: number };
        };
      };
      assert(stats !== undefined, "a stats record at shutdown");
      assert.equal(stats.stats.decoder.pkts, summary.packets, "stats are the workers' sums");
      assert.equal(stats.stats.capture.kernel_packets, summary.kernel_packets);
      assert.equal(stats.stats.capture.kernel_drops, 0);
      // the workers' latency histograms merged: the same in the stats record and the summary
      assert.equal(stats.stats.capture.ring_wait_max_us, summary.ring_wait_max_us);
      assert.equal(stats.stats.capture.ring_wait_p99_us, summary.ring_wait_p99_us);
      assert(summary.ring_wait_p99_us > 0 && summary.ring_wait_p99_us <= summary.ring_wait_max_us);
      assert.equal(stats.stats.detect.alert, alerts.length);
      assert.equal(stats.stats.ips.accepted, summary.accepted);
      const fast = Deno.readTextFileSync(`${out}/fast.log`);
      assert(fast.includes("[Drop] [**] [1:7000001:1] E2E drop evil"), fast);
    } finally {
      await tearDownWebFixture(f, tarsier);
    }
  },
});

Deno.test({
  name: "ips --workers 2: each worker forwards from its own send threads (the default), whole",
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const f = setUp("tarsier");
    let tarsier: Started | null = null;
    try {
      const { topo } = f;
      tarsier = startIpsWorkers(f, `${f.dir}/out`, []);
      await waitForStart(tarsier);
      // several downloads, so that both workers carry one
      for (let i = 0; i < 4; i++) assertBulkIntact(topo, BULK, `download ${i}`);
      const dropped = curl(topo.client, `http://${topo.serverIp}:8080/evil`, 2);
      assert.equal(dropped.code, 28, `a dropped request times out: ${dropped.error}`);
      const status = await tarsier.stop();
      assert.equal(status.code, 0, tarsier.stderr());
      const summary = JSON.parse(tarsier.stderr().split("\n").find((l) => l.startsWith("{"))!);
      assert(summary.send_thread > 1000, `the send threads forwarded: ${summary.send_thread}`);
      assert(summary.send_thread <= summary.accepted);
      assert.equal(summary.send_errors, 0);
    } finally {
      await tearDownWebFixture(f, tarsier);
    }
  },
});

Deno.test({
  name: "ids --workers 2: captures on a bridge port; flows whole; drop rules only alert",
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const f = setUp("kernel");
    let tarsier: Started | null = null;
    try {
      const { topo } = f;
      const out = `${f.dir}/out`;
      tarsier = startTarsier(topo.middle, [
        "ids",
        "--iface",
        topo.sides[0],
        "--rules",
        `${f.dir}/e2e.rules`,
        "--log-dir",
        out,
        "--mpm",
        "ac",
        "--workers",
        "2",
        "--summary",
        "json",
      ]);
      await waitForStart(tarsier);
      for (let i = 0; i < CONNECTIONS; i++) {
        assert.equal(curl(topo.client, `http://${topo.serverIp}:8080/index.html`).code, 0);
      }
      const evil = curl(topo.client, `http://${topo.serverIp}:8080/evil`);
      assert.equal(evil.code, 0, "IDS never blocks");
      await delay(300);
      const status = await tarsier.stop();
      assert.equal(status.code, 0, tarsier.stderr());
      assertWholeLines(out);
      const eve = readEve(`${out}/eve.json`);
      const drop = eve.filter((r) =>
        r.event_type === "alert" &&
        (r.alert as { signature_id: number }).signature_id === 7000001
      ) as Array<{ alert: { action: string } }>;
      assert.equal(drop.length, 1);
      assert.equal(drop[0].alert.action, "allowed");
      assertFlowsWhole(eve, topo.clientIp, CONNECTIONS + 1);
      const summary = JSON.parse(tarsier.stderr().split("\n").find((l) => l.startsWith("{"))!);
      assert(summary.worker_packets.every((n: number) => n > 0), `${summary.worker_packets}`);
      assert.equal(summary.kernel_drops, 0);
    } finally {
      await tearDownWebFixture(f, tarsier);
    }
  },
});

topologyTest(
  "ips --workers 2: a missing interface or a bad rule file is one line, exit code 2",
  async (topo) => {
    const missing = startTarsier(topo.middle, [
      "ips",
      "--bridge",
      `${topo.sides[0]}:nosuch0`,
      "--workers",
      "2",
    ]);
    const status = await missing.child.status;
    await missing.stop();
    assert.equal(status.code, 2);
    assert.equal(missing.stderr().trim(), "tarsier: nosuch0: no such network interface");
    // a worker that cannot load the rules: one line, exit code 2, nothing left running
    const dir = Deno.makeTempDirSync({ prefix: "tarsier-e2e-workers-" });
    try {
      Deno.writeTextFileSync(
        `${dir}/bad.rules`,
        "alert tcp any any -> any any (nosuchkw; sid:1;)\n",
      );
      const bad = startTarsier(topo.middle, [
        "ips",
        "--bridge",
        topo.sides.join(":"),
        "--workers",
        "2",
        "--rules",
        `${dir}/bad.rules`,
        "--init-errors-fatal",
        "--log-dir",
        `${dir}/out`,
      ]);
      assert.equal((await bad.child.status).code, 2, bad.stderr());
      await bad.stop();
      const last = bad.stderr().trim().split("\n").at(-1)!;
      assert.match(last, /^tarsier: 1 rules failed to load \(--init-errors-fatal\)/);
      assert.equal(promiscuity(topo.middle, topo.sides[0]), 0);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
);
