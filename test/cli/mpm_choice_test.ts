/**
 * The prefilter matcher end to end: `tarsier scan --mpm hs` and `--mpm ac`
 * raise the same alerts with ET Open on the small corpus capture; Hyperscan
 * databases go to the cache directory, a damaged cache file is rebuilt with
 * one warning and the same alerts; `--version` and the summary name the
 * matcher. The Hyperscan cases are ignored, saying so, without libhs; the
 * corpus cases without the shared corpus.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { corpusPath, HAVE_CORPUS, REPO_ROOT } from "../corpus.ts";
import { tarsierCommand } from "./_tarsier.ts";
import { ENGINES, HAVE_HYPERSCAN, skipUnavailable } from "../mpm/_engines.ts";
import { loadDetection, parseScanOptions } from "../../src/cli/scan_command.ts";
import { parseLiveOptions } from "../../src/cli/live_command.ts";
import { HyperscanBuilder } from "../../src/mpm/hyperscan.ts";
import { ShortWindowBuilder } from "../../src/mpm/short_window_matcher.ts";

const PCAP = corpusPath("pcap/traffic-small.pcap");
const RULES = corpusPath("rules/et-open");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function tarsier(...args: string[]): Promise<Run> {
  const { code, stdout, stderr } = await tarsierCommand(...args).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** Every alert of an eve.json as one sortable line: sid, packet, addresses, ports. */
function alertLines(eveJson: string): string[] {
  return Deno.readTextFileSync(eveJson).split("\n").filter((l) => l !== "").map((l) =>
    JSON.parse(l)
  ).filter((r) => r.event_type === "alert").map((r) =>
    [r.alert.signature_id, r.pcap_cnt, r.timestamp, r.src_ip, r.src_port, r.dest_ip, r.dest_port]
      .join(" ")
  ).sort();
}

async function scan(mpm: string, out: string, cacheDir: string): Promise<Run> {
  const run = await tarsier(
    "scan",
    PCAP,
    "--rules",
    RULES,
    "-l",
    out,
    "--mpm",
    mpm,
    "--mpm-cache-dir",
    cacheDir,
    "--summary",
    "json",
    "--no-progress",
  );
  assert.equal(run.code, 0, run.stderr);
  return run;
}

const hs = ENGINES.find((e) => e.name === "hs")!;

Deno.test({
  name: "mpm: hs and ac raise the same ET Open alerts; a damaged cache file is rebuilt",
  ignore: !HAVE_CORPUS || skipUnavailable(hs),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tarsier-mpm-" });
    const cache = join(dir, "cache");
    try {
      const ac = await scan("ac", join(dir, "ac"), cache);
      assert.equal(JSON.parse(ac.stdout).rules.matcher, "ac");
      // the pcre translations go to the same cache directory, with either matcher
      const stored = /^0 translations loaded, (\d+) stored \(.*\/pcre-[0-9a-f]+\.json\)$/.exec(
        JSON.parse(ac.stdout).rules.pcre_cache,
      );
      assert.ok(
        stored !== null && Number(stored[1]) > 1000,
        JSON.parse(ac.stdout).rules.pcre_cache,
      );
      const want = alertLines(join(dir, "ac", "eve.json"));
      assert.ok(want.length >= 8, `ET Open alerts on the small corpus: ${want.length}`);

      const cold = await scan("hs", join(dir, "hs"), cache);
      const coldRules = JSON.parse(cold.stdout).rules;
      assert.equal(coldRules.matcher, "hs");
      assert.match(coldRules.matcher_detail, /^hs \(Hyperscan \d+\.\d+/);
      assert.match(coldRules.matcher_detail, / compiled/);
      // ET Open's pcre translations came from the ac run's file: same alerts
      assert.equal(coldRules.pcre_cache.split(" (")[0], `${stored![1]} translations loaded`);
      assert.deepEqual(alertLines(join(dir, "hs", "eve.json")), want);
      const files = [...Deno.readDirSync(cache)].map((e) => join(cache, e.name))
        .filter((f) => f.endsWith(".hs"));
      assert.ok(files.length >= 2, `cache files: ${files.length}`);

      // damage two files: one truncated, one with a flipped byte
      const first = Deno.readFileSync(files[0]);
      Deno.writeFileSync(files[0], first.subarray(0, 100));
      const second = Deno.readFileSync(files[1]);
      second[second.length >> 1] ^= 0x55;
      Deno.writeFileSync(files[1], second);
      const again = await scan("hs", join(dir, "hs2"), cache);
      const warnings = again.stderr.split("\n").filter((l) => /mpm cache/.test(l));
      assert.equal(warnings.length, 1, again.stderr);
      assert.match(warnings[0], /^tarsier: warning: mpm cache: .*\.hs is damaged/);
      assert.match(JSON.parse(again.stdout).rules.matcher_detail, /2 damaged and rebuilt/);
      assert.deepEqual(alertLines(join(dir, "hs2", "eve.json")), want);
      assert.deepEqual(Deno.readFileSync(files[0]), first, "the truncated file was rewritten");

      const warm = await scan("hs", join(dir, "hs3"), cache);
      assert.match(JSON.parse(warm.stdout).rules.matcher_detail, /: \d+ loaded, 0 compiled$/);
      assert.deepEqual(alertLines(join(dir, "hs3", "eve.json")), want);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("mpm: --version names the default matcher", async () => {
  const run = await tarsier("--version");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^tarsier \d+\.\d+\.\d+ \(deno /);
  const want = HAVE_HYPERSCAN ? /mpm auto = hs \(Hyperscan \d/ : /mpm auto = ac \(embedded/;
  assert.match(run.stdout, want);
});

Deno.test("mpm: an unknown --mpm or mpm-algo is a one-line usage error", async () => {
  const demo = join(REPO_ROOT, "test", "data", "demo.pcap");
  const rules = join(REPO_ROOT, "rules", "starter.yaml");
  const bad = await tarsier("scan", demo, "--rules", rules, "--mpm", "bm", "--no-progress");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr.trim(), /^tarsier: scan: --mpm must be auto, hs or ac, not "bm"$/);
  const dir = await Deno.makeTempDir({ prefix: "tarsier-mpm-" });
  try {
    const yaml = await tarsier(
      "scan",
      demo,
      "--rules",
      rules,
      "--set",
      "mpm-algo=xyz",
      "-l",
      dir,
      "--no-progress",
    );
    assert.equal(yaml.code, 2);
    assert.match(yaml.stderr, /tarsier: mpm-algo "xyz" is not auto, hs or ac/);
    const viaConfig = await tarsier(
      "scan",
      demo,
      "--rules",
      rules,
      "--set",
      "mpm-algo=ac-ks",
      "-l",
      dir,
      "--summary",
      "json",
      "--no-progress",
    );
    assert.equal(viaConfig.code, 0, viaConfig.stderr);
    assert.equal(JSON.parse(viaConfig.stdout).rules.matcher, "ac", "Suricata's ac-ks means ac");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "mpm: suricata.yaml's detect.sgh-mpm-caching(-path) turn the cache off or move it",
  ignore: skipUnavailable(hs),
  async fn() {
    const demo = join(REPO_ROOT, "test", "data", "demo.pcap");
    const rules = join(REPO_ROOT, "rules", "starter.yaml");
    const dir = await Deno.makeTempDir({ prefix: "tarsier-mpm-" });
    try {
      const common = [
        "scan",
        demo,
        "--rules",
        rules,
        "-l",
        dir,
        "--summary",
        "json",
        "--mpm",
        "hs",
      ];
      const off = await tarsier(...common, "--set", "detect.sgh-mpm-caching=no");
      assert.equal(off.code, 0, off.stderr);
      assert.doesNotMatch(off.stderr, /not a known setting/);
      assert.match(JSON.parse(off.stdout).rules.matcher_detail, /, no cache$/);
      assert.equal(JSON.parse(off.stdout).rules.pcre_cache, undefined, "no pcre cache either");
      const cache = join(dir, "sgh");
      const moved = await tarsier(...common, "--set", `detect.sgh-mpm-caching-path=${cache}`);
      assert.equal(moved.code, 0, moved.stderr);
      assert.doesNotMatch(moved.stderr, /not a known setting/);
      assert.ok(JSON.parse(moved.stdout).rules.matcher_detail.includes(`cache ${cache}: 0 loaded`));
      assert.ok([...Deno.readDirSync(cache)].some((e) => e.name.endsWith(".hs")));
      assert.ok(JSON.parse(moved.stdout).rules.pcre_cache.includes(`(${cache}/pcre-`));
      const flag = await tarsier(
        ...common,
        "--set",
        `detect.sgh-mpm-caching-path=${cache}`,
        "--no-mpm-cache",
      );
      assert.match(JSON.parse(flag.stdout).rules.matcher_detail, /, no cache$/, "the flag wins");
      assert.equal(JSON.parse(flag.stdout).rules.pcre_cache, undefined);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "mpm: live capture's Hyperscan builders carry a short-window twin, a file scan's do not",
  ignore: skipUnavailable(hs),
  fn() {
    const dir = Deno.makeTempDirSync({ prefix: "tarsier-mpm-live-" });
    try {
      const rules = join(dir, "one.rules");
      Deno.writeTextFileSync(
        rules,
        'alert icmp any any -> any any (msg:"ping"; content:"abcd"; sid:1; rev:1;)\n',
      );
      const raw = { rules: [rules], logDir: dir, mpm: "hs", mpmCacheDir: join(dir, "cache") };
      const live = loadDetection(parseLiveOptions("ids", { ...raw, iface: "lo" }), {
        quiet: true,
        live: true,
      });
      const file = loadDetection(parseScanOptions("x.pcap", raw), { quiet: true });
      assert.ok(live.selection!.factory() instanceof ShortWindowBuilder);
      assert.ok(file.selection!.factory() instanceof HyperscanBuilder);
      assert.equal(live.selection!.name, "hs");
      assert.match(live.selection!.description, /^hs \(Hyperscan .*\), short-window twins$/);
      assert.doesNotMatch(file.selection!.description, /twins/);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
