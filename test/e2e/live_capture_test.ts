/**
 * End to end, on real interfaces: network namespaces client -- veth --
 * middle -- veth -- server, a real HTTP server (`python3 -m http.server`)
 * and curl. `tarsier ips` bridges the middle's two veths; `tarsier ids`
 * listens on a port of a kernel bridge. Needs root and iproute2; otherwise
 * skipped with the reason.
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
if (unavailable !== null) console.log(`live capture tests skipped: ${unavailable}`);

const RULES = [
  'drop http any any -> any any (msg:"E2E drop evil"; flow:to_server,established; ' +
  'http.uri; content:"/evil"; sid:7000001; rev:1;)',
  'reject http any any -> any any (msg:"E2E reject me"; flow:to_server,established; ' +
  'http.uri; content:"/reject-me"; sid:7000002; rev:1;)',
  'alert icmp any any -> any any (msg:"E2E ping"; itype:8; sid:7000003; rev:1;)',
  'pass http any any -> any any (msg:"E2E pass"; flow:to_server,established; ' +
  'http.uri; content:"/trusted"; sid:7000004; rev:1;)',
].join("\n") + "\n";

/** 8 MiB served as /bulk.txt. */
const BULK = bulkText(8);

/** `tarsier ips` bridging the fixture's two veths with its rules (Aho-Corasick), plus `extra`. */
function startIps(f: Fixture, out: string, extra: string[]): Started {
  const args = ["--rules", `${f.dir}/e2e.rules`, "--log-dir", out, "--mpm", "ac", ...extra];
  return startTarsier(f.topo.middle, ["ips", "--bridge", f.topo.sides.join(":"), ...args]);
}

/** The `send_thread` count of the text summary tarsier prints when it stops. */
function threadSent(stderr: string): number {
  const m = /^\s*send_thread\s+(\d+)$/m.exec(stderr);
  assert(m !== null, `no send_thread in the summary:\n${stderr}`);
  return Number(m[1]);
}

/** Namespaces, a web root with a few files and a dual-stack HTTP server. */
function setUp(mode: "tarsier" | "kernel"): Fixture {
  return setUpWebFixture(mode, {
    "index.html": "hello from the server\n",
    evil: "you should not see this\n",
    "reject-me": "nor this\n",
    trusted: "trusted /evil\n",
    "bulk.txt": BULK,
  }, RULES);
}

/** Wait until the benign page loads through the middle (tarsier has started). */
async function waitForPath(f: Fixture, tarsier: Started): Promise<void> {
  const url = `http://${f.topo.serverIp}:8080/`;
  for (let i = 0; i < 60; i++) {
    if (curl(f.topo.client, url, 1).code === 0) return;
    if (tarsier.child.pid && (await Promise.race([tarsier.child.status, delay(200)])) !== null) {
      throw new Error(`tarsier exited early: ${tarsier.stderr()}`);
    }
  }
  throw new Error(`no path through the middle; tarsier said: ${tarsier.stderr()}`);
}

/**
 * An e2e test of `tarsier ips` with `extra` arguments: the fixture built, tarsier started
 * and forwarding, `body` run, everything torn down.
 */
function ipsTest(
  name: string,
  extra: string[],
  body: (f: Fixture, tarsier: Started, out: string) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: unavailable !== null,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const f = setUp("tarsier");
      let tarsier: Started | null = null;
      try {
        const out = `${f.dir}/out`;
        tarsier = startIps(f, out, extra);
        await waitForPath(f, tarsier);
        await body(f, tarsier, out);
      } finally {
        await tearDownWebFixture(f, tarsier);
      }
    },
  });
}

ipsTest(
  "ips: bridges two veths; benign, ICMP and IPv6 pass; drop blocks, reject resets",
  [], // send threads: the default
  async (f, tarsier, out) => {
    const { topo } = f;
    assert(promiscuity(topo.middle, topo.sides[0]) > 0, "promiscuous while bridging");

    const benign = curl(topo.client, `http://${topo.serverIp}:8080/`);
    assert.equal(benign.code, 0, benign.error);
    assert.equal(benign.body, "hello from the server\n");
    const v6 = curl(topo.client, `http://[${topo.serverIp6}]:8080/`);
    assert.equal(v6.code, 0, `IPv6: ${v6.error}`);
    assert.equal(v6.body, "hello from the server\n");
    assert.equal(ping(topo.client, topo.serverIp), 3, "ping");
    assert.equal(ping(topo.client, topo.serverIp6), 3, "ping -6");

    const dropped = curl(topo.client, `http://${topo.serverIp}:8080/evil`, 2);
    assert.equal(dropped.code, 28, `a dropped request times out: ${dropped.error}`);
    assert.equal(dropped.body, "");
    const rejected = curl(topo.client, `http://${topo.serverIp}:8080/reject-me`);
    assert.equal(rejected.code, 56, `a rejected request is reset: ${rejected.error}`);
    assert(/reset/i.test(rejected.error), rejected.error);
    // a pass rule stops inspection of its flow: "/evil" later in the same flow is not seen
    const passed = curl(topo.client, `http://${topo.serverIp}:8080/trusted`);
    assert.equal(passed.code, 0, passed.error);
    // the bridge still forwards after blocking
    assert.equal(curl(topo.client, `http://${topo.serverIp}:8080/`).code, 0);
    // bulk traffic goes through the send thread, in order and whole
    assertBulkIntact(topo, BULK);

    const status = await tarsier.stop();
    assert.equal(status.code, 0, tarsier.stderr());
    assert(threadSent(tarsier.stderr()) > 1000, "the send thread forwarded the bulk");
    assert.match(tarsier.stderr(), /warm-up \d+ packets in \d+ ms/, "the JIT warm-up ran");
    assert.equal(promiscuity(topo.middle, topo.sides[0]), 0, "promiscuous mode dropped");
    assert.equal(promiscuity(topo.middle, topo.sides[1]), 0, "promiscuous mode dropped");

    const eve = readEve(`${out}/eve.json`);
    const alerts = eve.filter((r) => r.event_type === "alert") as Array<
      { alert: { signature_id: number; action: string }; src_ip: string; in_iface: string }
    >;
    const bySid = (sid: number) => alerts.filter((a) => a.alert.signature_id === sid);
    assert.equal(bySid(7000001).length, 1, "one drop alert");
    assert.equal(bySid(7000001)[0].alert.action, "blocked");
    assert.equal(bySid(7000001)[0].src_ip, topo.clientIp);
    // in_iface: the side the packet came in on, after flow_id as Suricata writes it
    assert.equal(bySid(7000001)[0].in_iface, topo.sides[0]);
    assert(bySid(7000003).every((a) => a.in_iface === topo.sides[0]));
    const line = Deno.readTextFileSync(`${out}/eve.json`).split("\n").find((l) =>
      l.includes('"signature_id":7000001')
    )!;
    assert.match(line, /^\{"timestamp":"[^"]+","flow_id":\d+,"in_iface":"[^"]+","event_type":/);
    assert.equal(bySid(7000002).length, 1, "one reject alert");
    assert.equal(bySid(7000002)[0].alert.action, "blocked");
    assert(bySid(7000003).length >= 3, "ping alerts (allowed)");
    assert.equal(bySid(7000003)[0].alert.action, "allowed");
    assert.equal(bySid(7000004).length, 0, "pass rules do not alert");
    const stats = eve.filter((r) => r.event_type === "stats").at(-1) as {
      stats: {
        capture: {
          kernel_packets: number;
          kernel_drops: number;
          ring_wait_p50_us: number;
          ring_wait_p99_us: number;
          ring_wait_max_us: number;
          batch_p99_us: number;
          batch_max_us: number;
        };
        ips: {
          blocked: number;
          rejected: number;
          replaced: number;
          drop_reason: Record<string, number>;
        };
      };
    };
    assert(stats !== undefined, "a stats record at shutdown");
    // flows still open at shutdown end with their records (Suricata's reason "shutdown")
    const flows = eve.filter((r) => r.event_type === "flow") as Array<
      { src_ip: string; flow: { reason: string } }
    >;
    assert(
      flows.some((r) => r.flow.reason === "shutdown" && r.src_ip === topo.clientIp),
      "flow records at stop",
    );
    assert(stats.stats.capture.kernel_packets > 20, "kernel packet counter");
    assert.equal(stats.stats.capture.kernel_drops, 0);
    // per-batch latencies: the kernel's receive timestamps against the wall clock (a wrong
    // clock or unit would be off by hours or by 1000 times), and the batches' own time
    const c = stats.stats.capture;
    assert(c.ring_wait_p50_us >= 2 && c.ring_wait_p50_us <= 5000, JSON.stringify(c));
    assert(c.ring_wait_p50_us <= c.ring_wait_p99_us, JSON.stringify(c));
    assert(c.ring_wait_p99_us <= c.ring_wait_max_us && c.ring_wait_max_us < 5e6, JSON.stringify(c));
    assert(c.batch_p99_us > 0 && c.batch_p99_us <= c.batch_max_us, JSON.stringify(c));
    assert(stats.stats.ips.blocked >= 2);
    assert(stats.stats.ips.rejected >= 1);
    // Suricata 7's drop reasons: the drop and the reject by rules, their retransmissions by flow
    const reasons = stats.stats.ips.drop_reason;
    assert.equal(Object.keys(reasons).length, 16, JSON.stringify(reasons));
    assert(reasons.rules >= 2, JSON.stringify(reasons));
    assert.equal(reasons.rules + reasons.flow_drop, stats.stats.ips.blocked);
    assert.equal(reasons.stream_error, 0);
    assert.equal(stats.stats.ips.replaced, 0);
    const fast = Deno.readTextFileSync(`${out}/fast.log`);
    assert(fast.includes("[Drop] [**] [1:7000001:1] E2E drop evil"), fast);
  },
);

ipsTest(
  "ips --no-send-thread: the capture loop forwards, whole and in order; drop still blocks",
  ["--no-send-thread"],
  async ({ topo }, tarsier) => {
    assertBulkIntact(topo, BULK);
    const dropped = curl(topo.client, `http://${topo.serverIp}:8080/evil`, 2);
    assert.equal(dropped.code, 28, `a dropped request times out: ${dropped.error}`);
    const status = await tarsier.stop();
    assert.equal(status.code, 0, tarsier.stderr());
    assert.equal(threadSent(tarsier.stderr()), 0, "no send thread");
  },
);

// with rings this small the send threads often hold every slot of one: a loop that read
// those again fell out of step with the kernel and stopped forwarding for good
ipsTest(
  "ips --send-thread on 64-slot rings: slots the threads hold are not read twice",
  ["--send-thread", "--ring-frames", "64"],
  async ({ topo }, tarsier) => {
    for (let round = 1; round <= 3; round++) assertBulkIntact(topo, BULK, `download ${round}`);
    const status = await tarsier.stop();
    assert.equal(status.code, 0, tarsier.stderr());
    assert(threadSent(tarsier.stderr()) > 1000, "the send threads forwarded the bulk");
  },
);

Deno.test({
  name: "ids: captures on a bridge port and alerts; drop rules only alert",
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
        "--summary",
        "json",
      ]);
      // wait for the start-up line, then traffic through the kernel bridge
      for (let i = 0; i < 100 && !tarsier.stderr().includes("SIGINT/SIGTERM stops"); i++) {
        await delay(100);
      }
      assert(tarsier.stderr().includes("SIGINT/SIGTERM stops"), tarsier.stderr());
      const evil = curl(topo.client, `http://${topo.serverIp}:8080/evil`);
      assert.equal(evil.code, 0, "IDS never blocks");
      assert.equal(evil.body, "you should not see this\n");
      assert.equal(ping(topo.client, topo.serverIp, 2), 2);
      await delay(300);
      const status = await tarsier.stop();
      assert.equal(status.code, 0, tarsier.stderr());
      const summary = JSON.parse(tarsier.stderr().split("\n").find((l) => l.startsWith("{"))!);
      assert(summary.packets >= 10, `frames captured: ${summary.packets}`);
      assert.equal(summary.kernel_drops, 0);
      const alerts = readEve(`${out}/eve.json`).filter((r) => r.event_type === "alert") as Array<
        { alert: { signature_id: number; action: string }; in_iface: string }
      >;
      assert(alerts.every((a) => a.in_iface === topo.sides[0]), "in_iface on every alert");
      const drop = alerts.filter((a) => a.alert.signature_id === 7000001);
      assert.equal(drop.length, 1);
      assert.equal(drop[0].alert.action, "allowed");
      assert.equal(alerts.filter((a) => a.alert.signature_id === 7000003).length, 2);
      const fast = Deno.readTextFileSync(`${out}/fast.log`);
      assert(fast.includes("[wDrop] [**] [1:7000001:1]"), fast);
    } finally {
      await tearDownWebFixture(f, tarsier);
    }
  },
});

topologyTest("ids: a missing interface is a one-line error, exit code 2", async (topo) => {
  const missing = startTarsier(topo.middle, ["ids", "--iface", "nosuch0"]);
  const status = await missing.child.status;
  await missing.stop();
  assert.equal(status.code, 2);
  assert.equal(missing.stderr().trim(), "tarsier: nosuch0: no such network interface");
  new Deno.Command("ip", {
    args: ["netns", "exec", topo.middle, "ip", "link", "set", topo.sides[0], "down"],
  }).outputSync();
  const down = startTarsier(topo.middle, ["ids", "--iface", topo.sides[0]]);
  assert.equal((await down.child.status).code, 2);
  await down.stop();
  assert.equal(down.stderr().trim(), `tarsier: ${topo.sides[0]}: interface is down`);
});
