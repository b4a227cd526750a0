/**
 * Soak test of `tarsier ips`: mixed traffic through the bridge for a given
 * time (iperf3 TCP and UDP, an HTTP request every 200 ms with curl, ping),
 * with a rule set (default ET Open), sampling the forwarder's RSS every 10 s.
 * At the end it checks that the bridge still forwards (HTTP and ping), stops
 * Tarsier with SIGINT and prints RSS start/end/max, the curl and ping
 * figures, Tarsier's summary and whether it crashed.
 *
 * ```sh
 * deno run -A bench/bridge_soak.ts [--seconds 600] [--rules DIR] [--tcp-rate 200M] [--udp-rate 20M]
 * ```
 *
 * Needs root, iproute2, ethtool, iperf3, curl and python3. Load-heavy: run it
 * alone.
 *
 * @module
 */

import { buildTopology, inNs, liveTestsUnavailable } from "../test/e2e/_netns.ts";
import { curl, delay, type Started, startInNs, startTarsier } from "../test/e2e/_live.ts";

const args = Deno.args;
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const SECONDS = Number(flag("--seconds", "600"));
const RULES = flag("--rules", "/work/shared/corpus/rules/et-open");
const TCP_RATE = flag("--tcp-rate", "200M");
const UDP_RATE = flag("--udp-rate", "20M");
const SAMPLE_S = 10;

function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
  } catch {
    return NaN;
  }
}

/** Whether the child has exited (without waiting). */
async function exited(p: Started): Promise<Deno.CommandStatus | null> {
  return await Promise.race([p.child.status, delay(0)]);
}

async function main(): Promise<number> {
  const why = liveTestsUnavailable();
  if (why !== null) {
    console.error(`soak skipped: ${why}`);
    return 0;
  }
  const topo = buildTopology("tarsier");
  const dir = Deno.makeTempDirSync({ prefix: "tarsier-soak-" });
  const started: Started[] = [];
  let tarsier: Started | null = null;
  try {
    Deno.mkdirSync(`${dir}/www`);
    Deno.writeTextFileSync(`${dir}/www/index.html`, "hello\n".repeat(200));
    Deno.writeTextFileSync(`${dir}/www/big.bin`, "x".repeat(256 * 1024));
    started.push(startInNs(topo.server, "iperf3", ["-s", "-p", "5201"]));
    started.push(startInNs(topo.server, "iperf3", ["-s", "-p", "5202"]));
    started.push(
      startInNs(topo.server, "python3", ["-m", "http.server", "8080"], `${dir}/www`),
    );
    tarsier = startTarsier(topo.middle, [
      "ips",
      "--bridge",
      topo.sides.join(":"),
      "--rules",
      RULES,
      "--log-dir",
      `${dir}/out`,
    ]);
    const t0 = performance.now();
    let up = false;
    for (let i = 0; i < 600 && !up; i++) {
      up = curl(topo.client, `http://${topo.serverIp}:8080/`, 1).code === 0;
      if (!up) {
        if ((await exited(tarsier)) !== null) break;
        await delay(500);
      }
    }
    if (!up) {
      console.error(`no path through tarsier: ${tarsier.stderr().slice(-1000)}`);
      return 1;
    }
    console.log(`tarsier up after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const pid = tarsier.child.pid;
    const rss: number[] = [rssMiB(pid)];
    const s = String(SECONDS);
    const c = topo.client;
    started.push(
      startInNs(c, "iperf3", ["-c", topo.serverIp, "-p", "5201", "-t", s, "-b", TCP_RATE]),
    );
    started.push(
      startInNs(c, "iperf3", [
        "-c",
        topo.serverIp,
        "-p",
        "5202",
        "-u",
        "-t",
        s,
        "-b",
        UDP_RATE,
        "-l",
        "1200",
      ]),
    );
    const pinger = startInNs(c, "ping", ["-i", "0.2", "-w", s, topo.serverIp]);
    started.push(pinger);
    const end = performance.now() + SECONDS * 1000;
    let nextSample = performance.now() + SAMPLE_S * 1000;
    let ok = 0;
    let failed = 0;
    let crashed: Deno.CommandStatus | null = null;
    console.log("  t(s)   RSS MiB   curl ok/failed");
    console.log(`${"0".padStart(6)} ${rss[0].toFixed(1).padStart(9)}`);
    while (performance.now() < end) {
      const page = Math.random() < 0.2 ? "big.bin" : "index.html";
      const r = await new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          c,
          "curl",
          "-sS",
          "-o",
          "/dev/null",
          "-m",
          "5",
          `http://${topo.serverIp}:8080/${page}`,
        ],
        stdout: "null",
        stderr: "null",
      }).output();
      if (r.code === 0) ok++;
      else failed++;
      crashed = await exited(tarsier);
      if (crashed !== null) break;
      if (performance.now() >= nextSample) {
        nextSample += SAMPLE_S * 1000;
        rss.push(rssMiB(pid));
        const t = Math.round((performance.now() - (end - SECONDS * 1000)) / 1000);
        console.log(
          `${String(t).padStart(6)} ${rss.at(-1)!.toFixed(1).padStart(9)}   ${ok}/${failed}`,
        );
      }
      await delay(200);
    }
    for (const p of started.slice(3)) await p.stop();
    const pingText = pinger.stderr();
    const loss = /(\d+(?:\.\d+)?)% packet loss/.exec(pingText)?.[1] ?? "?";
    const rtt = /= [\d.]+\/([\d.]+)\/([\d.]+)\//.exec(pingText);
    const stillHttp = crashed === null && curl(c, `http://${topo.serverIp}:8080/`, 3).code === 0;
    const stillPing = crashed === null &&
      inNs(c, "ping", ["-c", "3", "-i", "0.2", "-W", "1", topo.serverIp]).includes(
        " 0% packet loss",
      );
    rss.push(rssMiB(pid));
    const status = crashed ?? await tarsier.stop();
    const summary = tarsier.stderr().split("\n").filter((l) =>
      /^\s+(packets|kernel_drops|alerts|internal_errors|bypassed|accepted|blocked|send_errors)\s/
        .test(l)
    ).map((l) => l.trim().replace(/\s+/, "=")).join(" ");
    const valid = rss.filter((v) => !Number.isNaN(v));
    console.log(`\nsoak ${SECONDS} s, rules ${RULES}`);
    console.log(
      `RSS MiB: start ${valid[0]}, end ${valid.at(-1)}, max ${Math.max(...valid)}, ` +
        `min ${Math.min(...valid)}`,
    );
    console.log(
      `curl: ${ok} ok, ${failed} failed; ping loss ${loss}%, avg/max rtt ${rtt?.[1]}/${
        rtt?.[2]
      } ms`,
    );
    console.log(
      `after the load: HTTP ${stillHttp ? "ok" : "FAILED"}, ping ${stillPing ? "ok" : "FAILED"}`,
    );
    console.log(
      crashed !== null
        ? `CRASH: tarsier exited during the soak (code ${crashed.code}, signal ${crashed.signal}):\n` +
          tarsier.stderr().slice(-2000)
        : `tarsier stopped with exit code ${status.code}; ${summary}`,
    );
    return crashed === null && stillHttp && stillPing && status.code === 0 ? 0 : 1;
  } finally {
    if (tarsier) await tarsier.stop();
    for (const p of started) await p.stop();
    topo.destroy();
    Deno.removeSync(dir, { recursive: true });
  }
}

if (import.meta.main) Deno.exit(await main());
