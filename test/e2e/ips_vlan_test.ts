/**
 * End to end: 802.1Q-tagged traffic across `tarsier ips`. The kernel takes
 * the tag off each received frame into `tp_vlan_tci`; the bridge must put
 * it back so that the frame leaves tagged, and detection and EVE must see
 * the VLAN id. The client sends tagged UDP frames from a packet socket
 * (`_tagged_sender.py`: this kernel has no VLAN devices); `tarsier ips`
 * bridges them; `tarsier ids` on the server's interface shows what arrived
 * there (it sees a VLAN id only if the frame came with its tag). Needs root
 * and iproute2; otherwise skipped.
 */

import assert from "node:assert/strict";
import { buildTopology, inNs, liveTestsUnavailable } from "./_netns.ts";
import { ping, readEve, type Started, startTarsier } from "./_live.ts";

const unavailable = liveTestsUnavailable();
if (unavailable !== null) console.log(`VLAN bridge tests skipped: ${unavailable}`);

const SENDER = new URL("./_tagged_sender.py", import.meta.url).pathname;

const BRIDGE_RULES = [
  'drop udp any any -> any 9999 (msg:"VLAN drop evil"; content:"vlan-evil"; sid:7100001; rev:1;)',
  'alert udp any any -> any 9999 (msg:"VLAN hello"; content:"vlan-hello"; sid:7100002; rev:1;)',
].join("\n") + "\n";
const SERVER_RULES = [
  'alert udp any any -> any 9999 (msg:"arrived evil"; content:"vlan-evil"; sid:7100003; rev:1;)',
  'alert udp any any -> any 9999 (msg:"arrived hello"; content:"vlan-hello"; sid:7100004; rev:1;)',
].join("\n") + "\n";

type Alert = { alert: { signature_id: number; action: string }; vlan?: number[] };

function alertsOf(path: string, sid: number): Alert[] {
  return (readEve(path).filter((r) => r.event_type === "alert") as Alert[])
    .filter((a) => a.alert.signature_id === sid);
}

async function started(t: Started): Promise<void> {
  for (let i = 0; i < 150 && !t.stderr().includes("SIGINT/SIGTERM stops"); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert(t.stderr().includes("SIGINT/SIGTERM stops"), t.stderr());
}

Deno.test({
  name: "ips: VLAN-tagged frames cross the bridge with their tag; rules and EVE see the VLAN id",
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const topo = buildTopology("tarsier");
    const dir = Deno.makeTempDirSync({ prefix: "tarsier-vlan-" });
    let ips: Started | null = null;
    let ids: Started | null = null;
    try {
      Deno.writeTextFileSync(`${dir}/bridge.rules`, BRIDGE_RULES);
      Deno.writeTextFileSync(`${dir}/server.rules`, SERVER_RULES);
      ips = startTarsier(topo.middle, [
        "ips",
        "--bridge",
        topo.sides.join(":"),
        "--rules",
        `${dir}/bridge.rules`,
        "--log-dir",
        `${dir}/bridge`,
        "--mpm",
        "ac",
      ]);
      ids = startTarsier(topo.server, [
        "ids",
        "--iface",
        "s0",
        "--rules",
        `${dir}/server.rules`,
        "--log-dir",
        `${dir}/server`,
        "--mpm",
        "ac",
      ]);
      await started(ips);
      await started(ids);
      assert.equal(ping(topo.client, topo.serverIp, 2), 2, "untagged ping through the bridge");
      const serverMac = inNs(topo.server, "cat", ["/sys/class/net/s0/address"]).trim();
      // TCI 0xa00a: priority 5, VLAN 10
      const send = (payload: string, count: number) =>
        inNs(topo.client, "python3", [
          SENDER,
          "c0",
          serverMac,
          "0xa00a",
          topo.clientIp,
          topo.serverIp,
          String(count),
          payload,
        ]);
      send("vlan-hello", 5);
      send("vlan-evil", 3);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await ids.stop()).code, 0, ids.stderr());
      assert.equal((await ips.stop()).code, 0, ips.stderr());

      const hello = alertsOf(`${dir}/bridge/eve.json`, 7100002);
      assert.equal(hello.length, 5, "the bridge inspects tagged frames");
      for (const a of hello) assert.deepEqual(a.vlan, [10]);
      const evil = alertsOf(`${dir}/bridge/eve.json`, 7100001);
      // the first one alerts; its flow is dropped from then on, without alerts (flow drop)
      assert.equal(evil.length, 1, "a drop rule matches tagged frames");
      for (const a of evil) {
        assert.equal(a.alert.action, "blocked");
        assert.deepEqual(a.vlan, [10]);
      }
      const arrived = alertsOf(`${dir}/server/eve.json`, 7100004);
      assert.equal(arrived.length, 5, `forwarded tagged frames: ${ids.stderr()}`);
      for (const a of arrived) assert.deepEqual(a.vlan, [10], "they left the bridge tagged");
      assert.equal(alertsOf(`${dir}/server/eve.json`, 7100003).length, 0, "dropped frames");
    } finally {
      if (ids) await ids.stop();
      if (ips) await ips.stop();
      topo.destroy();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
