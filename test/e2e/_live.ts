/**
 * Helpers to run `tarsier ids|ips` and a real HTTP server inside test
 * namespaces, and to stop them by their own process ids.
 *
 * @module
 */

import assert from "node:assert/strict";
import { buildTopology, inNs, liveTestsUnavailable, type Topology } from "./_netns.ts";

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/** A process started in a namespace, with its stderr collected. */
export interface Started {
  /** The child. */
  child: Deno.ChildProcess;
  /** Everything it wrote on stderr so far. */
  stderr(): string;
  /** Send SIGINT and wait for the exit status. */
  stop(): Promise<Deno.CommandStatus>;
}

/**
 * Start a command in a namespace.
 *
 * @param ns the namespace
 * @param cmd the program
 * @param args its arguments
 * @param cwd working directory
 * @returns the process
 */
export function startInNs(ns: string, cmd: string, args: string[], cwd?: string): Started {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", ns, cmd, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>, keep: boolean) => {
    for await (const chunk of stream) if (keep) text += decoder.decode(chunk);
  };
  const pumps = Promise.all([pump(child.stdout, true), pump(child.stderr, true)]);
  let stopped: Promise<Deno.CommandStatus> | null = null;
  return {
    child,
    stderr: () => text,
    stop() {
      stopped ??= (async () => {
        try {
          child.kill("SIGINT");
        } catch {
          // already exited
        }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch {
            // exited meanwhile
          }
        }, 10_000);
        const status = await child.status;
        clearTimeout(timer);
        await pumps;
        return status;
      })();
      return stopped;
    },
  };
}

/**
 * Wait (up to 10 s) until a started process has written `text` (stdout and
 * stderr are kept together); fail otherwise.
 *
 * @param p the process
 * @param text what to wait for
 */
export async function waitForText(p: Started, text: string): Promise<void> {
  for (let i = 0; i < 200 && !p.stderr().includes(text); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert(p.stderr().includes(text), p.stderr());
}

/**
 * The last line starting with `{` that a started process wrote, parsed (a
 * probe's or tool's result); fail when there is none.
 *
 * @param p the process
 * @returns the parsed line
 */
export function lastJson<T>(p: Started): T {
  const line = p.stderr().split("\n").filter((l) => l.startsWith("{")).at(-1);
  assert(line !== undefined, `no result: ${p.stderr()}`);
  return JSON.parse(line) as T;
}

/**
 * Start `tarsier <args>` in a namespace (`ip netns exec` keeps the pid: SIGINT reaches Deno).
 *
 * @param ns the namespace
 * @param args tarsier's arguments
 * @param denoFlags flags for deno itself (e.g. to profile)
 * @returns the process
 */
export function startTarsier(ns: string, args: string[], denoFlags: string[] = []): Started {
  return startInNs(ns, Deno.execPath(), [
    "run",
    // as the tarsier task runs it: the load's garbage is collected before capture
    "--v8-flags=--expose-gc",
    "--allow-read",
    "--allow-write",
    "--allow-ffi",
    "--allow-env",
    "--allow-sys",
    ...denoFlags,
    MAIN,
    ...args,
  ], ROOT);
}

/** Result of a curl. */
export interface CurlResult {
  /** curl's exit code (0 ok, 28 timeout, 56 receive failure/reset, 7 no connection). */
  code: number;
  /** The body. */
  body: string;
  /** curl's error text. */
  error: string;
}

/**
 * `curl` from a namespace.
 *
 * @param ns the namespace
 * @param url the URL
 * @param timeoutS the most seconds to wait
 * @returns exit code, body, error text
 */
export function curl(ns: string, url: string, timeoutS = 3): CurlResult {
  const out = new Deno.Command("ip", {
    args: ["netns", "exec", ns, "curl", "-sS", "-g", "-m", String(timeoutS), url],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    body: decoder.decode(out.stdout),
    error: decoder.decode(out.stderr),
  };
}

/**
 * `ping` from a namespace.
 *
 * @param ns the namespace
 * @param address the target (v4 or v6)
 * @param count echo requests
 * @returns how many replies came back
 */
export function ping(ns: string, address: string, count = 3): number {
  const out = new Deno.Command("ip", {
    args: ["netns", "exec", ns, "ping", "-c", String(count), "-i", "0.2", "-W", "1", address],
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  const m = /(\d+) received/.exec(new TextDecoder().decode(out.stdout));
  return m ? Number(m[1]) : 0;
}

/**
 * An interface's promiscuity count (`ip -d link`), 0 when nothing holds it promiscuous.
 *
 * @param ns the namespace
 * @param dev the interface
 * @returns the count
 */
export function promiscuity(ns: string, dev: string): number {
  const m = /promiscuity (\d+)/.exec(inNs(ns, "ip", ["-d", "link", "show", "dev", dev]));
  return m ? Number(m[1]) : -1;
}

/**
 * The EVE records of a file, parsed.
 *
 * @param path eve.json
 * @returns the records
 */
export function readEve(path: string): Record<string, unknown>[] {
  return Deno.readTextFileSync(path).split("\n").filter((l) => l.length > 0).map((l) =>
    JSON.parse(l)
  );
}

/**
 * Text of `mib` MiB that differs everywhere (a hex counter per 16-byte line),
 * so a frame lost, reordered or torn on the way shows in a download of it.
 *
 * @param mib the size in MiB
 * @returns the text
 */
export function bulkText(mib: number): string {
  return Array.from(
    { length: mib * 1024 * 1024 / 16 },
    (_, i) => `${i.toString(16).padStart(15, "0")}\n`,
  ).join("");
}

/**
 * Download `/bulk.txt` from the server through the bridge and check it
 * arrived whole.
 *
 * @param topo the namespaces (the server serves port 8080)
 * @param expected the file's text
 * @param what names the download in failure messages
 */
export function assertBulkIntact(topo: Topology, expected: string, what = "bulk download"): void {
  const bulk = curl(topo.client, `http://${topo.serverIp}:8080/bulk.txt`, 20);
  assert.equal(bulk.code, 0, `${what}: ${bulk.error}`);
  assert.equal(bulk.body.length, expected.length, `${what}: length`);
  assert(bulk.body === expected, `${what}: intact`);
}

/** A bridge topology with a dual-stack HTTP server on port 8080 of its server namespace. */
export interface WebFixture {
  /** The namespaces. */
  topo: Topology;
  /** A temporary folder: the web root `www/` and the rules file `e2e.rules`. */
  dir: string;
  /** The HTTP server. */
  web: Started;
}

/**
 * Build a topology, write a web root and a rules file, and start the HTTP
 * server (`python3 -m http.server`).
 *
 * @param mode what joins the two middle veths (`tarsier` leaves them to a tarsier started later)
 * @param files the web root's files by name
 * @param rules the text of `e2e.rules`
 * @returns the fixture; {@link tearDownWebFixture} removes it
 */
export function setUpWebFixture(
  mode: "tarsier" | "kernel",
  files: Record<string, string>,
  rules: string,
): WebFixture {
  const dir = Deno.makeTempDirSync({ prefix: "tarsier-e2e-" });
  const www = `${dir}/www`;
  Deno.mkdirSync(www);
  for (const [name, text] of Object.entries(files)) Deno.writeTextFileSync(`${www}/${name}`, text);
  Deno.writeTextFileSync(`${dir}/e2e.rules`, rules);
  const topo = buildTopology(mode);
  const web = startInNs(topo.server, "python3", ["-m", "http.server", "8080", "--bind", "::"], www);
  return { topo, dir, web };
}

/**
 * Stop tarsier (when started) and the server, remove the namespaces and the folder.
 *
 * @param f the fixture
 * @param tarsier the tarsier process, or null
 */
export async function tearDownWebFixture(f: WebFixture, tarsier: Started | null): Promise<void> {
  try {
    if (tarsier) await tarsier.stop();
    await f.web.stop();
  } finally {
    f.topo.destroy();
    Deno.removeSync(f.dir, { recursive: true });
  }
}

/**
 * A promise resolved with null after `ms` milliseconds (to race a process's exit).
 *
 * @param ms the wait
 */
export function delay(ms: number): Promise<null> {
  return new Promise((resolve) => setTimeout(() => resolve(null), ms));
}

/**
 * A live test on a topology of its own (client -- middle -- server, the
 * middle's two veths for tarsier): skipped when live tests cannot run here
 * (the caller's file says why), and the topology destroyed whatever `body` does.
 *
 * @param name the test's name
 * @param body the test, given the topology
 */
export function topologyTest(name: string, body: (topo: Topology) => Promise<void>): void {
  Deno.test({
    name,
    ignore: liveTestsUnavailable() !== null,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const topo = buildTopology("tarsier");
      try {
        await body(topo);
      } finally {
        topo.destroy();
      }
    },
  });
}
