/**
 * SIGINT stops `tarsier scan` part-way through a long capture (exit code
 * 130, "interrupted" in the summary) with eve.json whole: the loop lets the
 * runtime poll its I/O often enough for the signal to be seen (message
 * turns alone let a scan run to its end through a SIGINT).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tarsierCommand } from "./_tarsier.ts";

/** A pcap of `count` 60-byte UDP/IPv4 frames, from 60,000 source ports in turn (as many flows). */
function udpCapture(count: number): Uint8Array {
  const frame = new Uint8Array(60);
  const v = new DataView(frame.buffer);
  frame.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1], 0); // dst, src MAC
  v.setUint16(12, 0x0800); // IPv4
  frame.set([0x45, 0, 0, 46, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  v.setUint16(34, 40000); // source port
  v.setUint16(36, 9999); // destination port
  v.setUint16(38, 26); // UDP length (checksum 0: none)
  const record = 16 + frame.length;
  const out = new Uint8Array(24 + count * record);
  const o = new DataView(out.buffer);
  o.setUint32(0, 0xa1b2c3d4, true);
  o.setUint16(4, 2, true);
  o.setUint16(6, 4, true);
  o.setUint32(16, 65535, true);
  o.setUint32(20, 1, true); // Ethernet
  for (let i = 0; i < count; i++) {
    const at = 24 + i * record;
    o.setUint32(at, 1_700_000_000 + Math.floor(i / 1000), true);
    o.setUint32(at + 4, (i % 1000) * 1000, true);
    o.setUint32(at + 8, frame.length, true);
    o.setUint32(at + 12, frame.length, true);
    out.set(frame, at + 16);
    out[at + 16 + 34] = 4 + (i % 60000 >> 8); // source port 1024 + i % 60000
    out[at + 16 + 35] = i % 60000 & 0xff;
  }
  return out;
}

Deno.test("scan: SIGINT stops a long scan part-way, exit code 130, eve.json whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tarsier-interrupt-" });
  try {
    // about 7 s of scanning here (60,000 flows); the signal is seen within 0.5 s
    const PACKETS = 1_500_000;
    const pcap = join(dir, "long.pcap");
    await Deno.writeFile(pcap, udpCapture(PACKETS));
    const rules = join(dir, "udp.rules");
    await Deno.writeTextFile(
      rules,
      'alert udp any any -> any 9999 (msg:"udp to 9999"; threshold:type limit, track by_src, count 1, seconds 3600; sid:1; rev:1;)\n',
    );
    const child = tarsierCommand(
      "scan",
      pcap,
      "--rules",
      rules,
      "-l",
      dir,
      "--mpm",
      "ac",
      "--no-mpm-cache",
      "--summary",
      "json",
      "--no-progress",
    ).spawn();
    // eve.json is created once the rules are loaded, just before the scan starts
    const eve = join(dir, "eve.json");
    let created = false;
    for (let i = 0; i < 1000 && !created; i++) {
      try {
        Deno.statSync(eve);
        created = true;
      } catch {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    assert.ok(created, "eve.json was created");
    // the signal listeners are installed right after
    await new Promise((r) => setTimeout(r, 200));
    child.kill("SIGINT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 130, stderr);
    const summary = JSON.parse(new TextDecoder().decode(out.stdout));
    console.log(`interrupted after ${summary.packets} packets, ${summary.elapsed_s} s`);
    assert.equal(summary.interrupted, true);
    assert.ok(summary.packets > 0 && summary.packets < PACKETS, `packets ${summary.packets}`);
    const records = Deno.readTextFileSync(eve).trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(records.filter((r) => r.event_type === "alert").length, 1);
    assert.equal(records.at(-1).event_type, "stats", "the last record is whole");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
