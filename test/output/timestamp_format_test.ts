import assert from "node:assert/strict";
import {
  formatEveTimestamp,
  formatFastTimestamp,
  formatUtcOffset,
} from "../../src/output/timestamp_format.ts";

const MODULE = new URL("../../src/output/timestamp_format.ts", import.meta.url).href;

/** Format timestamps in a subprocess running with `TZ=tz`. */
async function formatIn(tz: string, times: Array<[number, number]>): Promise<string[][]> {
  const code = `import { formatEveTimestamp as e, formatFastTimestamp as f } from ${
    JSON.stringify(MODULE)
  };
    console.log(JSON.stringify(${JSON.stringify(times)}.map(([s, n]) => [e(s, n), f(s, n)])));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    env: { TZ: tz },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

// 2019-07-05T09:13:37.460702Z (summer) and 2025-11-26T15:44:01.812329Z (winter).
const SUMMER: [number, number] = [1562318017, 460702999];
const WINTER: [number, number] = [1764171841, 812329000];

// Expected values are what Suricata 7.0.10 printed for these instants
// (EVE timestamp, fast.log) under each TZ.
const CASES: Array<[string, string[][]]> = [
  ["UTC", [
    ["2019-07-05T09:13:37.460702+0000", "07/05/2019-09:13:37.460702"],
    ["2025-11-26T15:44:01.812329+0000", "11/26/2025-15:44:01.812329"],
  ]],
  ["Europe/Berlin", [
    ["2019-07-05T11:13:37.460702+0200", "07/05/2019-11:13:37.460702"],
    ["2025-11-26T16:44:01.812329+0100", "11/26/2025-16:44:01.812329"],
  ]],
  ["America/New_York", [
    ["2019-07-05T05:13:37.460702-0400", "07/05/2019-05:13:37.460702"],
    ["2025-11-26T10:44:01.812329-0500", "11/26/2025-10:44:01.812329"],
  ]],
  ["Asia/Kathmandu", [
    ["2019-07-05T14:58:37.460702+0545", "07/05/2019-14:58:37.460702"],
    ["2025-11-26T21:29:01.812329+0545", "11/26/2025-21:29:01.812329"],
  ]],
];

for (const [tz, expected] of CASES) {
  Deno.test(`EVE and fast.log timestamps in local time, TZ=${tz}`, async () => {
    assert.deepEqual(await formatIn(tz, [SUMMER, WINTER]), expected);
  });
}

Deno.test("timestamps: DST change between cached seconds is honoured (Europe/Berlin)", async () => {
  // 2025-03-30 01:00:00Z is 03:00:00+0200; one second before it is 01:59:59+0100.
  const r = await formatIn("Europe/Berlin", [[1743296399, 0], [1743296400, 5000], [
    1743296399,
    999999999,
  ]]);
  assert.deepEqual(r.map((x) => x[0]), [
    "2025-03-30T01:59:59.000000+0100",
    "2025-03-30T03:00:00.000005+0200",
    "2025-03-30T01:59:59.999999+0100",
  ]);
});

Deno.test("formatUtcOffset: strftime %z", () => {
  assert.equal(formatUtcOffset(0), "+0000");
  assert.equal(formatUtcOffset(60), "+0100");
  assert.equal(formatUtcOffset(330), "+0530");
  assert.equal(formatUtcOffset(-300), "-0500");
  assert.equal(formatUtcOffset(-570), "-0930");
});

Deno.test("microseconds are the nanoseconds truncated, zero-padded", () => {
  const a = formatEveTimestamp(1562318017, 999);
  assert.match(a, /\.000000[+-]\d{4}$/);
  assert.match(formatEveTimestamp(1562318017, 1000), /\.000001[+-]\d{4}$/);
  assert.match(formatFastTimestamp(1562318017, 999999999), /\.999999$/);
  assert.match(formatFastTimestamp(1562318018, 0), /:\d\d\.000000$/);
});
