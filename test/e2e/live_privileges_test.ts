/**
 * End to end: `tarsier ids` and `tarsier ips` without the privilege to open
 * a packet socket fail with one line naming the interface and what is
 * missing, exit code 2, no stack trace: as an unprivileged user (nobody,
 * through `setpriv`) and as root without CAP_NET_RAW. Needs root, iproute2
 * and setpriv; otherwise skipped.
 */

import assert from "node:assert/strict";
import { buildTopology, liveTestsUnavailable } from "./_netns.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

function unavailableHere(): string | null {
  const why = liveTestsUnavailable();
  if (why !== null) return why;
  try {
    new Deno.Command("setpriv", { args: ["--version"], stdout: "null" }).outputSync();
  } catch {
    return "setpriv (util-linux) is not installed";
  }
  return null;
}

const unavailable = unavailableHere();
if (unavailable !== null) console.log(`privilege tests skipped: ${unavailable}`);

interface Run {
  code: number;
  stderr: string;
}

/** Run tarsier in a namespace under `setpriv` with the given options. */
function runAs(ns: string, setpriv: string[], deno: string, env: string[], args: string[]): Run {
  const out = new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      ns,
      "setpriv",
      ...setpriv,
      "env",
      ...env,
      deno,
      "run",
      "--cached-only",
      "--allow-read",
      "--allow-write",
      "--allow-ffi",
      "--allow-env",
      "--allow-sys",
      "src/main.ts",
      ...args,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

/**
 * A copy of the Deno binary and of its npm cache where an unprivileged user
 * can read them (they usually live under /root).
 */
function denoForNobody(dir: string): { deno: string; env: string[] } {
  const info = JSON.parse(
    new TextDecoder().decode(
      new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
        .outputSync().stdout,
    ),
  ) as { denoDir: string };
  Deno.copyFileSync(Deno.execPath(), `${dir}/deno`);
  Deno.mkdirSync(`${dir}/deno_dir`);
  new Deno.Command("cp", { args: ["-r", `${info.denoDir}/npm`, `${dir}/deno_dir/`] })
    .outputSync();
  new Deno.Command("chmod", { args: ["-R", "a+rX", dir] }).outputSync();
  return { deno: `${dir}/deno`, env: [`DENO_DIR=${dir}/deno_dir`, `HOME=${dir}`] };
}

Deno.test({
  name: "ids/ips without CAP_NET_RAW: one line, exit code 2 (as nobody, and as root without it)",
  ignore: unavailable !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn() {
    const topo = buildTopology("tarsier");
    const dir = Deno.makeTempDirSync({ prefix: "tarsier-priv-" });
    try {
      Deno.chmodSync(dir, 0o755);
      const [a, b] = topo.sides;
      const expected = (iface: string) =>
        `tarsier: ${iface}: cannot open a packet socket: live capture needs root or CAP_NET_RAW\n`;
      const nobody = ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"];
      const { deno, env } = denoForNobody(dir);
      const noNetRaw = ["--bounding-set=-net_raw", "--inh-caps=-all"];
      const cases: Array<[string, string[], string, string[]]> = [
        ["nobody", nobody, deno, env],
        ["root without CAP_NET_RAW", noNetRaw, Deno.execPath(), []],
      ];
      for (const [who, setpriv, bin, vars] of cases) {
        const ids = runAs(topo.middle, setpriv, bin, vars, ["ids", "--iface", a]);
        assert.equal(ids.code, 2, `${who}, ids: ${ids.stderr}`);
        assert.equal(ids.stderr, expected(a), who);
        const ips = runAs(topo.middle, setpriv, bin, vars, ["ips", "--bridge", `${a}:${b}`]);
        assert.equal(ips.code, 2, `${who}, ips: ${ips.stderr}`);
        assert.equal(ips.stderr, expected(a), who);
      }
    } finally {
      topo.destroy();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
