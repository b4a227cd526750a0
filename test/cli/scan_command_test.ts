/**
 * `tarsier scan` end to end, as a user runs it: a subprocess with the task's
 * permissions, on real files, asserting on exit codes, stdout and stderr.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tarsierCommand } from "./_tarsier.ts";
import { REPO_ROOT } from "../corpus.ts";

const DEMO = join(REPO_ROOT, "test", "data", "demo.pcap");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function tarsier(...args: string[]): Promise<Run> {
  const command = tarsierCommand(...args);
  const { code, stdout, stderr } = await command.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

function assertOneLineError(run: Run, pattern: RegExp): void {
  const lines = run.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(run.stderr, /\s+at\s+\S+:\d+:\d+/, "no stack trace");
}

Deno.test("scan: the demo pcap, JSON summary on stdout", async () => {
  const run = await tarsier("scan", DEMO, "--summary", "json");
  assert.equal(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout);
  assert.equal(summary.format, "pcap");
  assert.equal(summary.packets, 3226);
  assert.equal(summary.bytes + 24 + 16 * 3226, summary.file_bytes);
  assert.equal(summary.protocols.ethernet, 3226);
  assert.ok(summary.protocols.ipv4 > 2900 && summary.protocols.ipv6 > 200);
  assert.equal(summary.damage, null);
  assert.ok(summary.pps > 0);
});

Deno.test("scan: text summary on stderr, Suricata's -r flag", async () => {
  const run = await tarsier("scan", "-r", DEMO);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /packets\s+3,226/);
  assert.match(run.stderr, /protocols\s+ethernet 3,226, .*tcp/);
  assert.match(run.stderr, /packets\/s/);
});

Deno.test("scan: a truncated pcap reports every frame before the damage, the offset and exits 1", async () => {
  const bytes = await Deno.readFile(DEMO);
  const cut = 100_000;
  const file = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    await Deno.writeFile(file, bytes.subarray(0, cut));
    // frames wholly before the cut, walking the real record headers
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    let offset = 24;
    let whole = 0;
    while (offset + 16 <= cut && offset + 16 + view.getUint32(offset + 8, true) <= cut) {
      offset += 16 + view.getUint32(offset + 8, true);
      whole++;
    }
    const run = await tarsier("scan", file, "--summary", "json");
    assert.equal(run.code, 1);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.packets, whole);
    assert.equal(summary.damage.offset, offset);
    assert.match(summary.damage.reason, /truncated/);
    assert.match(run.stderr, new RegExp(`damaged at byte ${offset}: .*truncated`));
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("scan: a file that is not a capture gets one line and exit 2", async () => {
  const run = await tarsier("scan", join(REPO_ROOT, "README.md"));
  assert.equal(run.code, 2);
  assertOneLineError(run, /^tarsier: .*README\.md: not a pcap or pcapng file/);
});

Deno.test("scan: a missing file gets one line and exit 2", async () => {
  const run = await tarsier("scan", "/nonexistent/x.pcap");
  assert.equal(run.code, 2);
  assertOneLineError(run, /^tarsier: \/nonexistent\/x\.pcap: .*No such file or directory/);
});

Deno.test("scan: an empty file and a directory get one line and exit 2", async () => {
  const empty = await Deno.makeTempFile({ suffix: ".pcap" });
  try {
    const run = await tarsier("scan", empty);
    assert.equal(run.code, 2);
    assertOneLineError(run, /empty/);
  } finally {
    await Deno.remove(empty);
  }
  const dir = await tarsier("scan", REPO_ROOT);
  assert.equal(dir.code, 2);
  assertOneLineError(dir, /directory/);
});

Deno.test("scan: no file and a bad option value are usage errors", async () => {
  const none = await tarsier("scan");
  assert.equal(none.code, 2);
  assertOneLineError(none, /no capture file given/);
  const bad = await tarsier("scan", DEMO, "--summary", "xml");
  assert.equal(bad.code, 2);
  assertOneLineError(bad, /--summary must be text or json/);
});

Deno.test("--version names tarsier", async () => {
  const run = await tarsier("--version");
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^tarsier \d+\.\d+\.\d+/);
});
