/**
 * End to end: a drop rule with `noalert` on the `tarsier ips` bridge. As in
 * Suricata, it still drops (and its flow after it) without an alert, counts
 * in `ips.blocked`, and, with eve-log `drop` records enabled, each dropped
 * packet is logged with `drop.reason` "rules" (the rule's packet, with the
 * rule's `alert` object under `alerts: yes`) or "flow drop" (its flow after
 * it). Needs root and iproute2; otherwise skipped.
 */

import assert from "node:assert/strict";
import { buildTopology, liveTestsUnavailable } from "./_netns.ts";
import { curl, readEve, type Started, startInNs, startTarsier } from "./_live.ts";

const unavailable = liveTestsUnavailable();
if (unavailable !== null) console.log(`noalert drop tests skipped: ${unavailable}`);

const RULES = [
  'drop http any any -> any any (msg:"silent drop"; flow:to_server,established; ' +
  'http.uri; content:"/quiet"; noalert; sid:7200001; rev:3;)',
  'alert http any any -> any any (msg:"any page"; flow:to_server,established; ' +
  'http.uri; content:"/index"; sid:7200002; rev:1;)',
].join("\n") + "\n";

const CONFIG = `%YAML 1.1
---
outputs:
  - eve-log:
      enabled: yes
      filename: eve.json
      types:
        - alert
        - drop:
            alerts: yes
            flows: all
        - stats
`;

type Drop = {
  event_type: "drop";
  src_ip: string;
  in_iface: string;
  direction: string;
  drop: { reason: string; len: number; ttl: number; tcpseq?: number; psh?: boolean };
  alert?: { signature_id: number; rev: number; action: string; signature: string };
};

Deno.test({
  name: "ips: a noalert drop rule drops without an alert, counted, logged as EVE drop records",
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const topo = buildTopology("tarsier");
    const dir = Deno.makeTempDirSync({ prefix: "tarsier-noalert-" });
    let web: Started | null = null;
    let tarsier: Started | null = null;
    try {
      Deno.mkdirSync(`${dir}/www`);
      Deno.writeTextFileSync(`${dir}/www/index.html`, "hello\n");
      Deno.writeTextFileSync(`${dir}/www/quiet`, "you should not see this\n");
      Deno.writeTextFileSync(`${dir}/e2e.rules`, RULES);
      Deno.writeTextFileSync(`${dir}/suricata.yaml`, CONFIG);
      web = startInNs(topo.server, "python3", ["-m", "http.server", "8080"], `${dir}/www`);
      const out = `${dir}/out`;
      tarsier = startTarsier(topo.middle, [
        "ips",
        "--bridge",
        topo.sides.join(":"),
        "-c",
        `${dir}/suricata.yaml`,
        "--rules",
        `${dir}/e2e.rules`,
        "--log-dir",
        out,
        "--mpm",
        "ac",
      ]);
      let ok = false;
      for (let i = 0; i < 60 && !ok; i++) {
        ok = curl(topo.client, `http://${topo.serverIp}:8080/index.html`, 1).code === 0;
        if (!ok) await new Promise((r) => setTimeout(r, 200));
      }
      assert(ok, `no path through the bridge; tarsier said: ${tarsier.stderr()}`);
      const quiet = curl(topo.client, `http://${topo.serverIp}:8080/quiet`, 2);
      assert.equal(quiet.code, 28, `the noalert drop rule blocks: ${quiet.error}`);
      assert.equal(quiet.body, "");
      assert.equal(curl(topo.client, `http://${topo.serverIp}:8080/index.html`).code, 0);
      assert.equal((await tarsier.stop()).code, 0, tarsier.stderr());

      const eve = readEve(`${out}/eve.json`);
      const alerts = eve.filter((r) => r.event_type === "alert") as Array<
        { alert: { signature_id: number } }
      >;
      assert.equal(alerts.filter((a) => a.alert.signature_id === 7200001).length, 0, "no alert");
      assert(alerts.some((a) => a.alert.signature_id === 7200002), "other rules still alert");
      const drops = eve.filter((r) => r.event_type === "drop") as Drop[];
      const byRule = drops.filter((d) => d.drop.reason === "rules");
      assert.equal(byRule.length, 1, JSON.stringify(drops));
      const first = byRule[0];
      assert.equal(first.src_ip, topo.clientIp);
      assert.equal(first.in_iface, topo.sides[0]);
      assert.equal(first.direction, "to_server");
      assert.equal(first.drop.ttl, 64);
      assert.equal(first.drop.psh, true, "the request segment");
      assert.equal(typeof first.drop.tcpseq, "number");
      assert.equal(first.alert?.signature_id, 7200001);
      assert.equal(first.alert?.rev, 3);
      assert.equal(first.alert?.action, "blocked");
      assert.equal(first.alert?.signature, "silent drop");
      // the client retransmits and closes: the rest of the flow is dropped too
      const flowDrops = drops.filter((d) => d.drop.reason === "flow drop");
      assert(flowDrops.length >= 1, "later packets of the flow are dropped");
      assert(flowDrops.every((d) => d.alert === undefined));
      const stats = eve.filter((r) => r.event_type === "stats").at(-1) as {
        stats: { ips: { blocked: number } };
      };
      assert.equal(stats.stats.ips.blocked, drops.length, "ips.blocked counts every drop");
      const fast = Deno.readTextFileSync(`${out}/fast.log`);
      assert(!fast.includes("7200001"), fast);
    } finally {
      if (tarsier) await tarsier.stop();
      if (web) await web.stop();
      topo.destroy();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
