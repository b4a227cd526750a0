/**
 * Every alert and anomaly record Suricata 7.0.10 wrote for the fixture pcaps
 * (fixtures/suricata_records.jsonl, made by fixtures/make_suricata_fixtures.py),
 * rebuilt by src/output/ and compared byte for byte: EVE lines with all
 * optional parts under TZ=UTC, EVE lines with the default settings under
 * TZ=Europe/Berlin, and the fast.log lines of both. Each variant runs in a
 * subprocess with its TZ, since the formats use the process's local time.
 */

import assert from "node:assert/strict";
import { readFixtures } from "./_check_fixtures.ts";

const SCRIPT = new URL("./_check_fixtures.ts", import.meta.url).pathname;

async function runVariant(variant: string, tz: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", SCRIPT, variant],
    env: { TZ: tz },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  return JSON.parse(new TextDecoder().decode(out.stdout)) as {
    checked: number;
    failures: {
      case: string;
      kind: string;
      pcapCnt: number;
      what: string;
      expected: string;
      actual: string;
    }[];
  };
}

const records = readFixtures();
const alerts = records.filter((r) => r.kind === "alert").length;
const expectedChecks = records.length + alerts; // one EVE line per record, one fast.log line per alert

Deno.test("fixtures cover the cases the output must get right", () => {
  const cases = new Set(records.map((r) => r.case));
  for (
    const c of [
      "traffic",
      "vlan",
      "vlan-ips",
      "sctp",
      "no-ip",
      "gre",
      "vxlan",
      "gre-vlan",
      "tcp-opt",
      "vlan-ipv6",
      "stream",
      "applayer",
    ]
  ) {
    assert.ok(cases.has(c), `fixture case ${c}`);
  }
  const lines = records.map((r) => r.full).join("\n");
  assert.match(lines, /"proto":"IPv6-ICMP"/);
  assert.match(lines, /"vlan":\[6\]/);
  assert.match(lines, /"tunnel":\{/);
  assert.match(lines, /"anomaly":\{"type":"decode"/);
  const fast = records.map((r) => r.fast_full ?? "").join("\n");
  assert.match(fast, / {2}\[wDrop\] \[\*\*\]/);
  assert.match(fast, / {2}\[Drop\] \[\*\*\]/);
  assert.match(fast, /\[Classification: \(null\)\]/);
  assert.match(fast, /\[Raw pkt: /);
});

for (const [variant, tz] of [["full", "UTC"], ["plain", "Europe/Berlin"]]) {
  Deno.test(`Suricata records rebuilt byte for byte: ${variant} EVE + fast.log, TZ=${tz}`, async () => {
    const r = await runVariant(variant, tz);
    const report = r.failures.slice(0, 3).map((f) =>
      `${f.case} ${f.kind} pcap_cnt=${f.pcapCnt} ${f.what}\n  expected ${f.expected}\n  actual   ${f.actual}`
    ).join("\n");
    assert.equal(r.failures.length, 0, `${r.failures.length} mismatches:\n${report}`);
    assert.equal(r.checked, expectedChecks);
  });
}
