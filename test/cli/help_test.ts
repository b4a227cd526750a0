/**
 * `--help` under the `tarsier` task's own permissions: commander reads
 * colour settings from the environment while it writes help, and a variable
 * the task does not grant made every `--help` a permission error.
 */

import assert from "node:assert/strict";
import { tarsierCommand } from "./_tarsier.ts";

const HELP: { args: string[]; mentions: string[] }[] = [
  { args: [], mentions: ["scan", "ids", "ips", "rules"] },
  { args: ["scan"], mentions: ["--rules", "--log-dir", "--mpm"] },
  { args: ["ids"], mentions: ["--iface", "--busy-poll", "--workers"] },
  { args: ["ips"], mentions: ["--bridge", "--busy-poll", "--fail", "--no-send-thread"] },
  { args: ["rules"], mentions: ["lint", "convert", "test"] },
];

for (const { args, mentions } of HELP) {
  Deno.test(`tarsier ${[...args, "--help"].join(" ")}: usage on stdout, exit 0`, async () => {
    const { code, stdout, stderr } = await tarsierCommand(...args, "--help").output();
    const out = new TextDecoder().decode(stdout);
    const err = new TextDecoder().decode(stderr);
    assert.equal(code, 0, err);
    assert.match(out, /^Usage: tarsier/m, out);
    for (const m of mentions) assert(out.includes(m), `${m} not in:\n${out}`);
  });
}
