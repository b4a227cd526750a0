import assert from "node:assert/strict";
import { DecodeStats } from "../../src/decode/decode_stats.ts";
import { ipsCounters, statsRecord } from "../../src/output/stats_record.ts";

Deno.test("stats: the ips object has Suricata 7's counters, every drop reason in its order", () => {
  const ips = ipsCounters({ accepted: 90, blocked: 7, rejected: 1, rulesDrops: 2, flowDrops: 5 });
  const line = statsRecord(new DecodeStats(), { uptime: 3, alerts: 2, ips }, 0);
  const record = JSON.parse(line);
  assert.deepEqual(Object.keys(record.stats.ips), [
    "accepted",
    "blocked",
    "rejected",
    "replaced",
    "drop_reason",
  ]);
  assert.equal(record.stats.ips.accepted, 90);
  assert.equal(record.stats.ips.replaced, 0);
  assert.deepEqual(record.stats.ips.drop_reason, {
    decode_error: 0,
    defrag_error: 0,
    defrag_memcap: 0,
    flow_memcap: 0,
    flow_drop: 5,
    applayer_error: 0,
    applayer_memcap: 0,
    rules: 2,
    threshold_detection_filter: 0,
    stream_error: 0,
    stream_memcap: 0,
    stream_midstream: 0,
    stream_reassembly: 0,
    stream_urgent: 0,
    nfq_error: 0,
    tunnel_packet_drop: 0,
  });
});
