/**
 * Throughput and added latency through a two-interface bridge, in network
 * namespaces (client -- veth -- middle -- veth -- server): the kernel bridge
 * (baseline), `tarsier ips` with no rules and with a rule set (default ET
 * Open), and Suricata 7 AF_PACKET IPS copy-mode when installed. A `-wN`
 * suffix runs tarsier with `--workers N` (`tarsier-empty-w2`,
 * `tarsier-rules-w2`), a `-st` tag with `--send-thread` (`tarsier-rules-st`),
 * `-nst` with `--no-send-thread`, `-nwu` with `--no-warm-up`
 * (`tarsier-rules-st-nwu`), `-nbp` with `--busy-poll 0` (sleep in poll(2)
 * at once after a frame); Suricata runs one thread per interface.
 *
 * Per setup: ping RTT p50/p99 (`--pings`, default 200 echoes, 10 ms apart) right after start
 * (with the forwarder's CPU meanwhile: what busy polling costs) and again after the load ("warm": a JIT-compiled forwarder has compiled
 * its packet path by then), iperf3 TCP (Gbit/s; `--streams N` parallel
 * connections, default 1: one flow, which flow-hash workers cannot share
 * out), the forwarder's CPU (user+system, % of one core) and the machine's
 * idle share during the TCP run, iperf3 UDP at a fixed rate (loss %, and
 * how many datagrams the server's kernel dropped for a full receive buffer;
 * `--udp-window` sets that buffer through iperf3's `-w`), and
 * the forwarder's RSS before and after the load (memory growth).
 * `--ping-only` runs the cold pings alone (no load, no warm pings), so that
 * the forwarder's own latency counters (tarsier's `ring_wait_*_us`, how long
 * a batch's first frame waited in the ring, and `batch_*_us`, in the note)
 * describe the pings only.
 * `--rounds N` repeats the setups interleaved (this machine's timings
 * swing; compare setups of one round); the summary ends with each setup's
 * round-trip times pooled over the rounds (p50 to p99.9), cold and warm.
 *
 * ```sh
 * deno run -A bench/bridge_bench.ts [--rules DIR] [--seconds 5] [--udp-rate 300M] [--udp-window 4M] [--streams 1]
 *   [--only tarsier-empty,kernel] [--rounds 1] [--pings 200] [--ping-only] [--tarsier-args "--ring-frames 256"]
 *   [--deno-flags "--cpu-prof --cpu-prof-dir=DIR"]
 * ```
 *
 * Needs root, iproute2, ethtool and iperf3.
 *
 * @module
 */

import { buildTopology, liveTestsUnavailable, type Topology } from "../test/e2e/_netns.ts";
import { type Started, startInNs, startTarsier } from "../test/e2e/_live.ts";
import { DEFAULT_CONFIG_YAML } from "../src/rules/default_config.ts";

const args = Deno.args;
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const RULES = flag("--rules", "/work/shared/corpus/rules/et-open");
const SECONDS = Number(flag("--seconds", "5"));
/** Ping runs after the first, before any load (in the note): how long the start-up shows. */
const COLD_REPEATS = Number(flag("--ping-again", "0"));
/** More arguments for every tarsier setup (e.g. "--ring-frames 256"). */
const TARSIER_ARGS = flag("--tarsier-args", "").split(" ").filter((a) => a !== "");
const UDP_RATE = flag("--udp-rate", "300M");
/** iperf3's `-w` for the UDP run (the server's receive buffer too), or "" for the system default. */
const UDP_WINDOW = flag("--udp-window", "");
/** Echoes per ping run (10 ms apart). */
const PINGS = Number(flag("--pings", "200"));
if (!Number.isInteger(PINGS) || PINGS < 1) throw new Error("--pings takes a positive integer");
/** Cold pings only: no load and no warm pings. */
const PING_ONLY = Deno.args.includes("--ping-only");
const STREAMS = flag("--streams", "1");
/** Extra flags for tarsier's deno, space-separated (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). */
const DENO_FLAGS = flag("--deno-flags", "").split(" ").filter((f) => f !== "");
const ONLY = flag("--only", "kernel,tarsier-empty,tarsier-rules,suricata-empty,suricata-rules")
  .split(",");

interface Row {
  setup: string;
  pingP50Ms: number;
  pingP99Ms: number;
  pingLoss: number;
  /** The forwarder's CPU during the cold pings, % of one core (what busy polling costs). */
  pingFwdCpuPct: number;
  warmP50Ms: number;
  warmP99Ms: number;
  tcpGbps: number;
  /** The forwarder's CPU during the first TCP run, % of one core. */
  fwdCpuPct: number;
  /** The machine's idle share during the first TCP run, %. */
  idlePct: number;
  udpLossPct: number;
  udpMbps: number;
  /**
   * Datagrams the server's kernel dropped during the UDP run because the
   * receiving socket's buffer was full (`Udp: RcvbufErrors`): loss behind
   * the bridge, at the receiver, not in the forwarder.
   */
  udpRcvbufErrors: number;
  /** The forwarder's CPU during the UDP run, % of one core. */
  udpFwdCpuPct: number;
  /** The machine's idle share during the UDP run, %. */
  udpIdlePct: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  note: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Every round's round-trip times per setup and phase ("cold", "warm"), pooled for the summary. */
const pooled = new Map<string, number[]>();

function pingStats(
  topo: Topology,
  pool: string,
): { p50: number; p99: number; loss: number } {
  const out = new Deno.Command("ip", {
    args: ["netns", "exec", topo.client, "ping", "-c", String(PINGS), "-i", "0.01", topo.serverIp],
    stdout: "piped",
  }).outputSync();
  const text = new TextDecoder().decode(out.stdout);
  const times = [...text.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).sort((a, b) =>
    a - b
  );
  if (pool !== "") {
    const all = pooled.get(pool) ?? [];
    all.push(...times);
    pooled.set(pool, all);
  }
  return {
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
    loss: PINGS - times.length,
  };
}

function iperf(topo: Topology, udp: boolean): { gbps: number; lossPct: number } {
  const a = ["-c", topo.serverIp, "-t", String(SECONDS), "-J"];
  if (udp) {
    a.push("-u", "-b", UDP_RATE, "-l", "1400");
    if (UDP_WINDOW !== "") a.push("-w", UDP_WINDOW);
  } else a.push("-P", STREAMS);
  const out = new Deno.Command("ip", {
    args: ["netns", "exec", topo.client, "iperf3", ...a],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const json = JSON.parse(new TextDecoder().decode(out.stdout) || "{}");
  if (udp) {
    const sum = json.end?.sum ?? {};
    return { gbps: (sum.bits_per_second ?? 0) / 1e9, lossPct: sum.lost_percent ?? NaN };
  }
  return { gbps: (json.end?.sum_received?.bits_per_second ?? 0) / 1e9, lossPct: 0 };
}

/** The server namespace's `Udp: RcvbufErrors` so far (/proc/net/snmp), or NaN. */
function udpRcvbufErrors(topo: Topology): number {
  const out = new Deno.Command("ip", {
    args: ["netns", "exec", topo.server, "cat", "/proc/net/snmp"],
    stdout: "piped",
  }).outputSync();
  const udp = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.startsWith("Udp:"));
  if (udp.length < 2) return NaN;
  const names = udp[0].split(/\s+/);
  const values = udp[1].split(/\s+/);
  const i = names.indexOf("RcvbufErrors");
  return i < 0 ? NaN : Number(values[i]);
}

/** user + system clock ticks of a process (all its threads), or NaN. */
function cpuTicks(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

/** The machine's clock ticks so far, all and idle (/proc/stat, summed over CPUs). */
function machineTicks(): { total: number; idle: number } {
  const cpu = Deno.readTextFileSync("/proc/stat").split("\n")[0].trim().split(/\s+/).slice(1)
    .map(Number);
  return { total: cpu.reduce((a, b) => a + b, 0), idle: cpu[3] };
}

/**
 * Run a load and measure the forwarder's CPU (% of one core) and the
 * machine's idle share (%) meanwhile.
 */
function cpuDuring<T>(
  pid: number | undefined,
  load: () => T,
): { result: T; fwdCpuPct: number; idlePct: number } {
  const cpuBefore = cpuTicks(pid);
  const machineBefore = machineTicks();
  const result = load();
  const cpuAfter = cpuTicks(pid);
  const machineAfter = machineTicks();
  const elapsedTicks = (machineAfter.total - machineBefore.total) / navigator.hardwareConcurrency;
  return {
    result,
    fwdCpuPct: Math.round(100 * (cpuAfter - cpuBefore) / elapsedTicks),
    idlePct: Math.round(
      100 * (machineAfter.idle - machineBefore.idle) / (machineAfter.total - machineBefore.total),
    ),
  };
}

function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
  } catch {
    return NaN;
  }
}

async function waitForPing(topo: Topology, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 4; i++) {
    const ok = new Deno.Command("ip", {
      args: ["netns", "exec", topo.client, "ping", "-c", "1", "-W", "1", topo.serverIp],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/**
 * The address and port groups Tarsier uses by default (Suricata's default
 * suricata.yaml): without them Suricata rejects every rule that names
 * $HOME_NET or $HTTP_PORTS, about 24 700 of ET Open's 24 800.
 */
const RULE_VARS = DEFAULT_CONFIG_YAML.slice(
  DEFAULT_CONFIG_YAML.indexOf("vars:\n"),
  DEFAULT_CONFIG_YAML.indexOf("default-log-dir:"),
);

function suricataConfig(dir: string, sides: [string, string]): string {
  const side = (i: number) =>
    `  - interface: ${sides[i]}\n    threads: 1\n    cluster-id: ${90 + i}\n` +
    `    cluster-type: cluster_flow\n    defrag: no\n    use-mmap: yes\n` +
    `    tpacket-v3: no\n    copy-mode: ips\n    copy-iface: ${sides[1 - i]}\n`;
  const path = `${dir}/suricata.yaml`;
  Deno.writeTextFileSync(
    path,
    `%YAML 1.1\n---\n${RULE_VARS}default-log-dir: ${dir}\nstream:\n  inline: auto\n` +
      `outputs:\n  - eve-log:\n      enabled: yes\n      filename: eve.json\n      types:\n        - alert\n` +
      `af-packet:\n${side(0)}${side(1)}`,
  );
  return path;
}

async function measure(setup: string): Promise<Row> {
  const kernel = setup === "kernel";
  const topo = buildTopology(kernel ? "kernel" : "tarsier");
  const dir = Deno.makeTempDirSync({ prefix: "tarsier-bench-" });
  let fwd: Started | null = null;
  const server = startInNs(topo.server, "iperf3", ["-s"]);
  const row: Row = {
    setup,
    pingP50Ms: NaN,
    pingP99Ms: NaN,
    pingLoss: 0,
    pingFwdCpuPct: NaN,
    warmP50Ms: NaN,
    warmP99Ms: NaN,
    tcpGbps: NaN,
    fwdCpuPct: NaN,
    idlePct: NaN,
    udpLossPct: NaN,
    udpMbps: NaN,
    udpRcvbufErrors: NaN,
    udpFwdCpuPct: NaN,
    udpIdlePct: NaN,
    rssBeforeMiB: NaN,
    rssAfterMiB: NaN,
    note: "",
  };
  try {
    const withRules = setup.includes("-rules");
    const workers = /-w(\d+)/.exec(setup)?.[1];
    if (setup.startsWith("tarsier")) {
      const a = ["ips", "--bridge", topo.sides.join(":"), "--log-dir", dir];
      if (workers !== undefined) a.push("--workers", workers);
      const tags = setup.split("-");
      if (tags.includes("nst")) a.push("--no-send-thread");
      if (tags.includes("st")) a.push("--send-thread");
      if (tags.includes("nwu")) a.push("--no-warm-up");
      if (tags.includes("nbp")) a.push("--busy-poll", "0");
      if (withRules) a.push("--rules", RULES);
      a.push(...TARSIER_ARGS);
      fwd = startTarsier(topo.middle, a, DENO_FLAGS);
    } else if (setup.startsWith("suricata")) {
      const cfg = suricataConfig(dir, topo.sides);
      // Suricata's -S takes one file: the rule files joined
      const merged = `${dir}/all.rules`;
      const files = withRules
        ? [...Deno.readDirSync(RULES)].filter((e) => e.name.endsWith(".rules"))
          .map((e) => Deno.readTextFileSync(`${RULES}/${e.name}`))
        : [];
      Deno.writeTextFileSync(merged, files.join("\n"));
      const sargs = ["-c", cfg, "--af-packet", "-l", dir, "--runmode", "workers", "-k", "none"];
      sargs.push("-S", merged);
      fwd = startInNs(topo.middle, "suricata", sargs);
    }
    if (!(await waitForPing(topo, 180))) {
      row.note = `no path: ${fwd?.stderr().slice(-300) ?? ""}`;
      return row;
    }
    await new Promise((r) => setTimeout(r, 1000));
    row.rssBeforeMiB = rssMiB(fwd?.child.pid);
    const cold = cpuDuring(fwd?.child.pid, () => pingStats(topo, `${setup} cold`));
    const p = cold.result;
    row.pingFwdCpuPct = cold.fwdCpuPct;
    row.pingP50Ms = p.p50;
    row.pingP99Ms = p.p99;
    row.pingLoss = p.loss;
    for (let k = 0; k < COLD_REPEATS; k++) {
      const again = pingStats(topo, "");
      row.note += `ping again ${again.p50}/${again.p99}; `;
    }
    if (PING_ONLY) return row;
    const tcpLoad = cpuDuring(fwd?.child.pid, () => iperf(topo, false));
    row.tcpGbps = tcpLoad.result.gbps;
    row.fwdCpuPct = tcpLoad.fwdCpuPct;
    row.idlePct = tcpLoad.idlePct;
    const rcvbufErrorsBefore = udpRcvbufErrors(topo);
    const udpLoad = cpuDuring(fwd?.child.pid, () => iperf(topo, true));
    row.udpRcvbufErrors = udpRcvbufErrors(topo) - rcvbufErrorsBefore;
    row.udpMbps = udpLoad.result.gbps * 1000;
    row.udpLossPct = udpLoad.result.lossPct;
    row.udpFwdCpuPct = udpLoad.fwdCpuPct;
    row.udpIdlePct = udpLoad.idlePct;
    row.tcpGbps = Math.max(row.tcpGbps, iperf(topo, false).gbps);
    row.rssAfterMiB = rssMiB(fwd?.child.pid);
    const warm = pingStats(topo, `${setup} warm`);
    row.warmP50Ms = warm.p50;
    row.warmP99Ms = warm.p99;
    return row;
  } finally {
    if (fwd) {
      await fwd.stop();
      const summary = fwd.stderr().split("\n").filter((l) =>
        /kernel_drops|send_errors|blocked|accepted|send_thread|ring_wait|batch_|busy_poll/.test(l)
      );
      if (summary.length > 0) row.note += summary.map((l) => l.trim()).join("; ");
    }
    await server.stop();
    topo.destroy();
    Deno.removeSync(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const why = liveTestsUnavailable();
  if (why !== null) {
    console.error(`bridge bench skipped: ${why}`);
    Deno.exit(0);
  }
  const rows: Row[] = [];
  const rounds = Number(flag("--rounds", "1"));
  for (let round = 0; round < rounds; round++) {
    for (const setup of ONLY) {
      if (setup.startsWith("suricata") && !hasSuricata()) continue;
      const row = await measure(setup);
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  console.log(
    "\nsetup               ping p50/p99 ms  ping CPU %  warm p50/p99 ms  lost  TCP Gbit/s  fwd CPU %  idle %" +
      "  UDP Mbit/s  UDP loss %  rcvbuf drops  UDP fwd CPU %  UDP idle %  RSS MiB before->after",
  );
  const ms = (a: number, b: number) => `${a.toFixed(3)}/${b.toFixed(3)}`;
  for (const r of rows) {
    console.log(
      `${r.setup.padEnd(19)} ${ms(r.pingP50Ms, r.pingP99Ms).padStart(15)} ${
        String(r.pingFwdCpuPct).padStart(11)
      } ${ms(r.warmP50Ms, r.warmP99Ms).padStart(16)} ${String(r.pingLoss).padStart(5)} ${
        r.tcpGbps.toFixed(2).padStart(11)
      } ${String(r.fwdCpuPct).padStart(10)} ${String(r.idlePct).padStart(7)} ${
        r.udpMbps.toFixed(0).padStart(11)
      } ${r.udpLossPct.toFixed(2).padStart(11)} ${String(r.udpRcvbufErrors).padStart(13)} ${
        String(r.udpFwdCpuPct).padStart(14)
      } ${String(r.udpIdlePct).padStart(11)}  ${r.rssBeforeMiB}->${r.rssAfterMiB}`,
    );
  }
  // a p99 of one run of 200 echoes is its second-slowest echo: pooled over
  // rounds the tail says more (and p99.9 shows the rare stalls)
  console.log(`\nping RTT pooled over ${rounds} round(s), ms: echoes  p50  p90  p99  p99.9  max`);
  for (const [pool, times] of pooled) {
    if (times.length === 0) {
      console.log(`${pool.padEnd(24)} no echo came back`);
      continue;
    }
    const t = times.sort((a, b) => a - b);
    const q = (p: number) => percentile(t, p).toFixed(3);
    console.log(
      `${pool.padEnd(24)} ${String(t.length).padStart(6)}  ${q(0.5)}  ${q(0.9)}  ${q(0.99)}  ${
        q(0.999)
      }  ${t[t.length - 1]?.toFixed(3)}`,
    );
  }
}

function hasSuricata(): boolean {
  try {
    return new Deno.Command("suricata", { args: ["-V"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}
