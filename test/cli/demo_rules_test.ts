/**
 * The demo end to end: the bundled YAML starter ruleset on the bundled
 * capture raises the alerts Suricata 7.0.10 raises on the same input with the
 * same rules in its syntax (same signatures, same counts; recorded from
 * `tarsier rules convert rules/starter.yaml -o starter.rules` then
 * `suricata -r test/data/demo.pcap -S starter.rules -k none`), written as EVE
 * JSON and fast.log.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tarsierCommand } from "./_tarsier.ts";
import { REPO_ROOT } from "../corpus.ts";

/** sid -> alerts, as Suricata 7.0.10 raised them on demo.pcap with the starter rules. */
const SURICATA_ALERTS: Record<number, number> = {
  9000001: 2,
  9000002: 1,
  9000003: 1,
  9000004: 1,
  9000005: 2,
  9000006: 1,
  9000007: 1,
  9000008: 1,
  9000014: 3,
  9000015: 1,
};

Deno.test("demo: the bundled YAML rules raise Suricata's alerts on the bundled capture", async () => {
  const out = await Deno.makeTempDir();
  try {
    const { code, stderr } = await tarsierCommand(
      "scan",
      join(REPO_ROOT, "test", "data", "demo.pcap"),
      "--rules",
      join(REPO_ROOT, "rules", "starter.yaml"),
      "-l",
      out,
      "--summary",
      "json",
    ).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const all = (await Deno.readTextFile(join(out, "eve.json"))).trim().split("\n").map((
      l,
    ) => JSON.parse(l));
    // alerts, then a flow record per flow at the end, then one stats record
    const records = all.filter((r) => r.event_type === "alert");
    const flows = all.filter((r) => r.event_type === "flow");
    assert.deepEqual(
      [...new Set(all.map((r) => r.event_type))].sort(),
      ["alert", "dns", "flow", "http", "stats", "tls"],
    );
    // the transaction records Suricata 7.0.10 writes for this capture (its fileinfo records apart)
    const count = (type: string) => all.filter((r) => r.event_type === type).length;
    assert.deepEqual(
      { http: count("http"), dns: count("dns"), tls: count("tls"), flow: flows.length },
      { http: 238, dns: 104, tls: 10, flow: 142 },
    );
    assert.equal(all.at(-1).event_type, "stats");
    assert.equal(all.at(-1).stats.decoder.pkts, 3_226); // capinfos -c;
    assert.equal(all.at(-1).stats.flow.total, flows.length);
    assert.equal(all.at(-1).stats.detect.alert, records.length);
    const alerted = new Set(records.map((r) => r.flow_id));
    for (const f of flows) {
      assert.equal(f.flow.alerted, alerted.has(f.flow_id), `flow ${f.flow_id}`);
    }
    const counts: Record<number, number> = {};
    for (const r of records) {
      counts[r.alert.signature_id] = (counts[r.alert.signature_id] ?? 0) + 1;
    }
    assert.deepEqual(counts, SURICATA_ALERTS);
    const ping = records.find((r) => r.alert.signature_id === 9000001);
    assert.deepEqual(
      [ping.src_ip, ping.dest_ip, ping.proto, ping.icmp_type, ping.icmp_code, ping.pcap_cnt],
      ["198.51.100.2", "10.10.0.2", "ICMP", 8, 0, 1009],
    );
    assert.equal(ping.alert.category, "Misc activity");
    assert.equal(typeof ping.flow_id, "number");
    const fast = (await Deno.readTextFile(join(out, "fast.log"))).trim().split("\n");
    assert.equal(fast.length, records.length);
    assert.match(
      fast[0],
      /^\d\d\/\d\d\/\d{4}-\d\d:\d\d:\d\d\.\d{6} {2}\[\*\*\] \[1:9000001:1\] DEMO ICMP echo request to an inside host \[\*\*\] \[Classification: Misc activity\] \[Priority: 3\] \{ICMP\} 198\.51\.100\.2:8 -> 10\.10\.0\.2:0$/,
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
