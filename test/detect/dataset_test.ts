/**
 * Datasets: the hash table, data files (load, state, save), path rules, the
 * yaml `datasets:` section, and the `dataset`/`datarep` keywords as buffer
 * steps. The GC check runs a lookup loop in a subprocess with `--trace-gc`.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { join } from "node:path";
import "../../src/detect/keywords/mod_meta.ts";
import "../../src/detect/keywords/mod_payload.ts";
import type { Packet } from "../../src/decode/packet.ts";
import { bufferByName } from "../../src/detect/buffers.ts";
import { DatasetTable } from "../../src/detect/dataset_table.ts";
import { formatValue, openDatasets, parseValue } from "../../src/detect/datasets.ts";
import { DetectContext } from "../../src/detect/detect_context.ts";
import type { Signature } from "../../src/detect/signature.ts";
import { type CompileResult, compileRule } from "../../src/detect/signature_compiler.ts";
import { loadConfigText } from "../../src/rules/config.ts";
import { parseRules } from "../../src/rules/rule_parser.ts";
import { ENV } from "./_payload_helpers.ts";
import { measuredGcLines } from "../gc/_trace.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const b64 = (s: string) => Buffer.from(s).toString("base64");
const ctx = new DetectContext(null as unknown as Packet);

/** A temp folder with a rules file path in it and a data dir. */
async function workspace(files: Record<string, string> = {}) {
  const dir = await Deno.makeTempDir({ prefix: "tarsier-datasets-" });
  const data = join(dir, "data");
  await Deno.mkdir(data);
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
  return { dir, data, rules: join(dir, "test.rules") };
}

function compileIn(ruleFile: string, text: string): CompileResult {
  const { rules, errors } = parseRules(text, ruleFile);
  assert.equal(errors.length, 0, errors.map((e) => e.message).join("; "));
  return compileRule(rules[0], ENV);
}

function sigIn(ruleFile: string, text: string): Signature {
  const r = compileIn(ruleFile, text);
  if (!r.ok) throw new Error(`compile failed: ${r.diagnostic.message}`);
  return r.sig;
}

function runBuffer(s: Signature, buffer: string, value: string | Uint8Array): boolean {
  const id = bufferByName(buffer)!.id;
  const b = s.buffers.find((x) => x.bufferId === id);
  assert.ok(b, `no ${buffer} inspection`);
  const body = typeof value === "string" ? enc(value) : value;
  const data = new Uint8Array(body.length + 6);
  data.fill(0x7a);
  data.set(body, 3);
  return b.matcher.match(data, 3, 3 + body.length, ctx);
}

function configFor(data: string, extra = ""): ReturnType<typeof loadConfigText>["config"] {
  return loadConfigText(`%YAML 1.1\n---\ndefault-data-dir: ${data}\n${extra}`).config;
}

Deno.test("dataset table: add, find, remove, growth and tombstones", () => {
  const t = new DatasetTable(4);
  const keys = Array.from({ length: 5000 }, (_, i) => enc(`key-${i}`));
  for (const [i, k] of keys.entries()) assert.equal(t.add(k, 0, k.length, i & 0xffff), true);
  assert.equal(t.size, 5000);
  assert.equal(t.add(keys[7], 0, keys[7].length), false, "present already");
  for (const [i, k] of keys.entries()) {
    const e = t.find(k, 0, k.length);
    assert.ok(e >= 0, `key ${i}`);
    assert.equal(t.repOf(e), i);
  }
  assert.equal(t.find(enc("key-5000"), 0, 8), -1);
  // a key found inside a larger array, by offsets
  const big = enc("xxkey-42yy");
  assert.equal(t.repOf(t.find(big, 2, 8)), 42);
  for (let i = 0; i < 5000; i += 2) assert.equal(t.remove(keys[i], 0, keys[i].length), true);
  assert.equal(t.remove(keys[0], 0, keys[0].length), false);
  assert.equal(t.size, 2500);
  for (let i = 0; i < 5000; i++) assert.equal(t.find(keys[i], 0, keys[i].length) >= 0, i % 2 === 1);
  // re-adding after removal, many times over (tombstones get reclaimed)
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 5000; i += 2) t.add(keys[i], 0, keys[i].length);
    for (let i = 0; i < 5000; i += 2) t.remove(keys[i], 0, keys[i].length);
  }
  assert.equal(t.size, 2500);
  let visited = 0;
  t.forEach(() => visited++);
  assert.equal(visited, 2500);
  // the empty string is a key like any other
  assert.equal(t.add(new Uint8Array(0), 0, 0), true);
  assert.ok(t.find(new Uint8Array(0), 0, 0) >= 0);
});

Deno.test("dataset values: file forms of each type", () => {
  assert.deepEqual(parseValue("string", b64("curl/7.43.0")), enc("curl/7.43.0"));
  assert.equal(parseValue("string", "not base64!"), null);
  assert.equal(formatValue("string", enc("useragent2")), "dXNlcmFnZW50Mg==");
  const md5 = "5ababd603b22780302dd8d83498e5172";
  assert.equal(formatValue("md5", parseValue("md5", md5)!), md5);
  assert.equal(parseValue("md5", md5.slice(1)), null);
  assert.deepEqual(parseValue("ipv4", "82.165.177.154"), new Uint8Array([82, 165, 177, 154]));
  assert.equal(parseValue("ipv4", "82.165.177"), null);
  // ip: an IPv4-mapped IPv6 address and a plain IPv4 are the same key
  const mapped = parseValue("ipv6", "::ffff:82.165.177.154")!;
  assert.deepEqual(mapped, parseValue("ipv6", "82.165.177.154"));
  assert.deepEqual(mapped.subarray(0, 4), new Uint8Array([82, 165, 177, 154]));
  assert.equal(formatValue("ipv6", mapped), "82.165.177.154");
  assert.equal(formatValue("ipv6", parseValue("ipv6", "2001:db8::1")!), "2001:db8::1");
});

Deno.test("dataset keyword: isset/isnotset against a loaded file, relative to the rule file", async () => {
  const ws = await workspace({
    "ua.lst": `${b64("curl/7.43.0")}\n${b64("Mozilla/5.0")},12\n\n`,
  });
  try {
    openDatasets(configFor(ws.data));
    const isset = sigIn(
      ws.rules,
      "alert http any any -> any any (http.user_agent; dataset:isset,ua,type string,load ua.lst; sid:1;)",
    );
    assert.equal(runBuffer(isset, "http.user_agent", "curl/7.43.0"), true);
    assert.equal(runBuffer(isset, "http.user_agent", "Mozilla/5.0"), true);
    assert.equal(runBuffer(isset, "http.user_agent", "curl/7.43.1"), false);
    assert.equal(runBuffer(isset, "http.user_agent", ""), false, "an empty buffer never matches");
    const isnotset = sigIn(
      ws.rules,
      "alert http any any -> any any (http.user_agent; dataset:isnotset,ua; sid:2;)",
    );
    assert.equal(runBuffer(isnotset, "http.user_agent", "curl/7.43.0"), false);
    assert.equal(runBuffer(isnotset, "http.user_agent", "wget"), true);
    // a step among contents: the content must match first
    const mixed = sigIn(
      ws.rules,
      'alert http any any -> any any (http.user_agent; content:"curl"; dataset:isset,ua; sid:3;)',
    );
    assert.equal(runBuffer(mixed, "http.user_agent", "curl/7.43.0"), true);
    const datarep = (op: string, v: number) =>
      sigIn(
        ws.rules,
        `alert http any any -> any any (http.user_agent; datarep:ua, ${op}, ${v}; sid:4;)`,
      );
    assert.equal(runBuffer(datarep(">", 11), "http.user_agent", "Mozilla/5.0"), true);
    assert.equal(runBuffer(datarep(">", 12), "http.user_agent", "Mozilla/5.0"), false);
    assert.equal(runBuffer(datarep("==", 12), "http.user_agent", "Mozilla/5.0"), true);
    assert.equal(runBuffer(datarep("<", 1), "http.user_agent", "curl/7.43.0"), true);
    assert.equal(runBuffer(datarep("<", 1), "http.user_agent", "wget"), false, "absent");
  } finally {
    await Deno.remove(ws.dir, { recursive: true });
  }
});

Deno.test("dataset keyword: set and unset change the set, state is written only by saveAll", async () => {
  const ws = await workspace();
  try {
    const reg = openDatasets(configFor(ws.data));
    const set = sigIn(
      ws.rules,
      "alert dns any any -> any any (dns.query; dataset:set,seen,type string,state seen.lst; sid:1;)",
    );
    const unset = sigIn(
      ws.rules,
      "alert dns any any -> any any (dns.query; dataset:unset,seen; sid:2;)",
    );
    const statePath = join(ws.data, "seen.lst");
    assert.equal(await Deno.readTextFile(statePath), "", "state file created empty at load");
    assert.equal(runBuffer(set, "dns.query", "example.com"), true, "new value: match");
    assert.equal(runBuffer(set, "dns.query", "example.com"), false, "already there: no match");
    assert.equal(runBuffer(set, "dns.query", "example.org"), true);
    assert.equal(runBuffer(unset, "dns.query", "example.com"), true);
    assert.equal(runBuffer(unset, "dns.query", "example.com"), false, "absent: no match");
    assert.equal(await Deno.readTextFile(statePath), "", "nothing written during the scan");
    assert.deepEqual(reg.saveAll(), []);
    assert.equal(await Deno.readTextFile(statePath), `${b64("example.org")}\n`);
    // a new ruleset load reads the state back
    openDatasets(configFor(ws.data));
    const isset = sigIn(
      ws.rules,
      "alert dns any any -> any any (dns.query; dataset:isset,seen,type string,state seen.lst; sid:3;)",
    );
    assert.equal(runBuffer(isset, "dns.query", "example.org"), true);
    assert.equal(runBuffer(isset, "dns.query", "example.com"), false);
  } finally {
    await Deno.remove(ws.dir, { recursive: true });
  }
});

Deno.test("dataset keyword: md5 sets with to_md5, ipv4 and ip sets", async () => {
  const ws = await workspace({
    "v4.lst": "82.165.177.154\n",
    "ip.lst": "::ffff:10.0.0.1\n2001:db8::1\n",
  });
  try {
    openDatasets(configFor(ws.data));
    const md5 = sigIn(
      ws.rules,
      "alert dns any any -> any any (dns.query; to_md5; dataset:isnotset,h,type md5,state h.md5; dataset:set,h; sid:1;)",
    );
    // transformed buffer: the compiled inspection is on the to_md5 variant
    assert.equal(md5.buffers.length, 1);
    const digest = new Uint8Array(createHash("md5").update("a.b").digest());
    assert.equal(md5.buffers[0].matcher.match(digest, 0, 16, ctx), true, "first time");
    assert.equal(md5.buffers[0].matcher.match(digest, 0, 16, ctx), false, "seen");
    const v4 = sigIn(
      ws.rules,
      "alert ip any any -> any any (ip.dst; dataset:isset,v4,type ipv4,load v4.lst; sid:2;)",
    );
    assert.equal(runBuffer(v4, "ip.dst", new Uint8Array([82, 165, 177, 154])), true);
    assert.equal(runBuffer(v4, "ip.dst", new Uint8Array([82, 165, 177, 155])), false);
    const ip = sigIn(
      ws.rules,
      "alert ip any any -> any any (ip.src; dataset:isset,ipl,type ip,load ip.lst; sid:3;)",
    );
    assert.equal(runBuffer(ip, "ip.src", new Uint8Array([10, 0, 0, 1])), true, "IPv4 in an ip set");
    const v6 = parseValue("ipv6", "2001:db8::1")!;
    assert.equal(runBuffer(ip, "ip.src", v6), true);
    assert.equal(runBuffer(ip, "ip.src", new Uint8Array([10, 0, 0, 2])), false);
  } finally {
    await Deno.remove(ws.dir, { recursive: true });
  }
});

Deno.test("dataset keyword: errors skip the rule with a reason", async () => {
  const ws = await workspace({ "bad.lst": `${b64("ok")}\nnot base64!\n`, "rep.lst": "b2s=,x\n" });
  try {
    openDatasets(configFor(ws.data));
    const fail = (opts: string, hdr = "alert http any any -> any any") => {
      const r = compileIn(ws.rules, `${hdr} (${opts} sid:9;)`);
      assert.equal(r.ok, false, opts);
      return r.ok ? "" : r.diagnostic.message;
    };
    assert.match(fail("http.uri; dataset:isset,a,type string,load missing.lst;"), /cannot open/);
    assert.match(
      fail("http.uri; dataset:isset,b,type string,load bad.lst;"),
      /bad.lst:2: bad string/,
    );
    assert.match(fail("http.uri; datarep:r,>,1,type string,load rep.lst;"), /reputation/);
    assert.match(fail("dataset:isset,c,type string;", "alert tcp any any -> any any"), /sticky/);
    assert.match(fail("http.uri; dataset:isset,undefined-set;"), /not defined/);
    assert.match(fail("http.uri; dataset:frob,d,type string;"), /not supported/);
    assert.match(fail("http.uri; dataset:isset,e,type blob;"), /bad type/);
    assert.match(fail("http.uri; dataset:set,f,type string,state /tmp/x.lst;"), /absolute/);
    assert.match(fail("http.uri; dataset:set,g,type string,save ../x.lst;"), /traversal/);
    assert.match(fail("http.uri; dataset:set,h,type string,state a,load b;"), /mixed/);
    assert.match(fail("http.uri; datarep:r2,>=,1,type string;"), /operator/);
    // a type mismatch with an existing set
    sigIn(ws.rules, "alert http any any -> any any (http.uri; dataset:set,t,type string; sid:1;)");
    assert.match(fail("http.uri; dataset:isset,t,type md5;"), /type string/);
  } finally {
    await Deno.remove(ws.dir, { recursive: true });
  }
});

Deno.test("datasets: sets of the yaml datasets section", async () => {
  const ws = await workspace();
  try {
    await Deno.writeTextFile(join(ws.data, "ua.lst"), `${b64("agent-x")}\n`);
    const reg = openDatasets(configFor(
      ws.data,
      "datasets:\n  defaults:\n    hashsize: 1024\n  ua-seen:\n    type: string\n    load: ua.lst\n" +
        "  st:\n    type: sha256\n    state: st.lst\n  broken:\n    type: nope\n",
    ));
    assert.deepEqual([...reg.sets.keys()].sort(), ["st", "ua-seen"]);
    assert.equal(reg.configErrors.length, 1);
    assert.match(reg.configErrors[0], /broken/);
    const s = sigIn(
      ws.rules,
      "alert http any any -> any any (http.user_agent; dataset:isset,ua-seen; sid:1;)",
    );
    assert.equal(runBuffer(s, "http.user_agent", "agent-x"), true);
    assert.equal(runBuffer(s, "http.user_agent", "agent-y"), false);
  } finally {
    await Deno.remove(ws.dir, { recursive: true });
  }
});

Deno.test("gc: dataset lookups and repeated set/isset on a buffer allocate nothing", async () => {
  const root = new URL("../../src/detect/", import.meta.url).href;
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      script,
      `import { Dataset } from "${root}datasets.ts";
       import { DatasetCommand } from "${root}keywords/dataset.ts";
       const gc = (globalThis as any).gc;
       const set = new Dataset("s", "string", "", "", 4096);
       const data = new TextEncoder().encode("xxexample.comyy 82.165.177.154");
       for (let i = 0; i < 200; i++) set.add(data, 0, 2 + (i % 28));
       const isset = new DatasetCommand(set, 0);
       const add = new DatasetCommand(set, 2);
       const ip = new Dataset("i", "ipv6", "", "", 64);
       ip.add(data, 15, 19);
       let hits = 0;
       gc();
       for (let i = 0; i < 3_000_000; i++) {
         if (isset.test(data, 2, 13 + (i & 7))) hits++;
         if (add.test(data, 2, 13)) hits++;
         if (ip.find(data, 15, 19) >= 0) hits++;
       }
       gc();
       console.error(hits);`,
    );
    const between = await measuredGcLines(script, []);
    const scavenges = between.filter((line) => /Scavenge|Minor Mark/.test(line));
    assert.deepEqual(scavenges, [], "no scavenge between the forced GCs");
  } finally {
    await Deno.remove(script);
  }
});
