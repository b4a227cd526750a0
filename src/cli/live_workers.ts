/**
 * `tarsier ids|ips --workers N` (N >= 2): N capture workers, each a Deno
 * Worker running the whole pipeline on its share of the flows; the main
 * thread only sets up, aggregates counters and stops. (`--workers 1` is the
 * single-threaded loop of `live_command.ts`, unchanged.)
 *
 * **Flow affinity by PACKET_FANOUT_HASH, one group per interface.** The
 * main thread opens every ring itself, in a fixed order: for worker 0, 1,
 * ..., N-1, one ring per interface, each joined to its interface's group
 * (the first join creates the group with a kernel-chosen unused id,
 * `PACKET_FANOUT_FLAG_UNIQUEID`; the others join that id). Member k of
 * every group is therefore worker k, and the kernel sends a frame to member
 * `hash % N`. The kernel's fanout hash is the flow dissector's *symmetric*
 * hash (`fanout_demux_hash` -> `__skb_get_hash_symmetric`: addresses and
 * ports sorted, a per-boot seed), not `skb->hash` (on veth that is the
 * sender's random socket txhash), so both directions of a flow, arriving on
 * the two interfaces of the bridge, reach the same worker. Measured on the
 * test topology (veth, Linux 6.18): 30 of 30 TCP connections were seen by
 * one worker in both directions, split 13/17 between two workers; the e2e
 * test checks it on every run (every flow record has packets both ways).
 * A classic-BPF fanout program (PACKET_FANOUT_CBPF) was therefore not
 * needed. Without `PACKET_FANOUT_FLAG_DEFRAG` (an inline bridge must forward
 * fragments as they are), fragments hash by addresses only, so all the
 * fragments of a datagram reach one worker, which reassembles them. Frames
 * that arrive while the rings are being opened may be split or seen twice
 * (a socket receives everything between `bind` and its fanout join, a few
 * microseconds).
 *
 * **Hand-over.** Rings are opened after every worker has loaded its rules
 * (so the kernel never queues traffic for a worker that is still
 * compiling), then handed over: the socket, the mapping's address as a
 * BigInt and the geometry ({@link AfPacketRing.handOver}); threads share
 * the process's descriptors and address space, and the worker maps a view
 * once ({@link AfPacketRing.adopt}) and owns the ring from then on.
 *
 * **Output.** Each worker writes eve.json and fast.log through its own
 * buffered line writer, opened with `O_APPEND`: the buffer is written only
 * at line boundaries, in one `write(2)`, and on a local file system an
 * `O_APPEND` write lands whole at the end of the file, so lines from
 * different workers never interleave inside a line, without copying alert
 * bytes between threads. The first worker empties the files before the
 * others open them. flow_id stays unique: a flow lives in one worker, and
 * its id is derived from the flow's hash and start time as in one thread.
 * The main thread writes the stats records (the workers' counters summed)
 * through its own `O_APPEND` writer, flushed after each record.
 *
 * **Stopping.** SIGINT/SIGTERM: the main thread asks every worker to stop;
 * each ends its flows (flow records), flushes and closes its files, closes
 * its rings (unmapping them and leaving promiscuous mode) and sends its
 * final counters; the main thread writes the last stats record and the
 * summary (sums). A second signal exits at once (lines still buffered in
 * the workers are lost; none is torn). A worker that fails (an
 * exception outside a packet's inspection; inside one the `--fail` policy
 * applies, as in one thread) or dies is reported in one line; the others
 * are stopped and the exit code is 1: half a bridge is not left running.
 *
 * @module
 */

import { latencyFacts, packetErrorLine, printLiveSummary } from "./_live_stats.ts";
import { AfPacketRing, LiveCaptureError, type RingHandle } from "../capture/afpacket.ts";
import { EveWriter } from "../output/eve_writer.ts";
import { statsRecord } from "../output/stats_record.ts";
import { ifNameToIndex, PACKET_FANOUT_HASH } from "../../ffi/libc.ts";
import type {
  FromWorker,
  LoadedMessage,
  ToWorker,
  WorkerCounters,
} from "./_live_worker_protocol.ts";
import { sumCounters } from "./_live_worker_protocol.ts";
import type { LiveCommandOptions } from "./live_command.ts";
import { UsageError } from "./usage_error.ts";
import { join } from "node:path";

/** The worker entry module. */
const WORKER_MODULE = new URL("./live_worker.ts", import.meta.url);

/** How long a worker may take to stop after being asked, ms. */
const STOP_TIMEOUT_MS = 10_000;

/** One worker as the main thread sees it. */
class WorkerLink {
  readonly index: number;
  readonly worker: Worker;
  /** Its latest counters. */
  counters: WorkerCounters | null = null;
  /** Why it failed, or null. */
  failure: string | null = null;
  /** Whether it sent its final counters. */
  stopped = false;
  readonly loaded: Promise<LoadedMessage>;
  readonly done: Promise<void>;
  #resolveLoaded!: (m: LoadedMessage) => void;
  #rejectLoaded!: (e: Error) => void;
  #resolveDone!: () => void;

  constructor(
    index: number,
    onPacketError: (message: string) => void,
    onFailure: (link: WorkerLink) => void,
  ) {
    this.index = index;
    this.loaded = new Promise((resolve, reject) => {
      this.#resolveLoaded = resolve;
      this.#rejectLoaded = reject;
    });
    this.loaded.catch(() => {}); // observed by the caller, or not at all after start
    this.done = new Promise((resolve) => this.#resolveDone = resolve);
    this.worker = new Worker(WORKER_MODULE, { type: "module", name: `tarsier-worker-${index}` });
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const m = event.data;
      switch (m.type) {
        case "loaded":
          this.#resolveLoaded(m);
          break;
        case "counters":
          this.counters = m.counters;
          break;
        case "packet-error":
          onPacketError(m.message);
          break;
        case "stopped":
          this.counters = m.counters;
          this.stopped = true;
          this.#finish();
          break;
        case "failed":
          this.#failed(m.message, m.usage);
          onFailure(this);
          break;
      }
    };
    this.worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#failed(event.message || "died", false);
      onFailure(this);
    };
  }

  post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  /** Mark it failed (e.g. it did not stop in time) and end it. */
  kill(reason: string): void {
    if (this.stopped || this.failure !== null) return;
    this.#failed(reason, false);
  }

  #failed(message: string, usage: boolean): void {
    if (this.failure !== null || this.stopped) return;
    this.failure = message;
    this.#rejectLoaded(usage ? new UsageError(message) : new Error(message));
    this.#finish();
  }

  #finish(): void {
    this.worker.terminate();
    this.#resolveDone();
  }
}

/**
 * Capture with `options.workers` workers until SIGINT/SIGTERM.
 *
 * @param options parsed options (`workers` >= 2)
 * @returns the exit code: 0 after a signal, 1 when a worker failed
 * @throws {LiveCaptureError} when an interface is missing or a ring cannot be opened
 * @throws {UsageError} when a worker cannot load the rules or the configuration
 */
export async function runLiveWorkers(options: LiveCommandOptions): Promise<number> {
  for (const name of options.interfaces) {
    if (ifNameToIndex(name) === 0) throw new LiveCaptureError(`${name}: no such network interface`);
  }
  const n = options.workers;
  const started = performance.now();
  let packetErrors = 0;
  const onPacketError = (message: string) => {
    const line = packetErrorLine(++packetErrors, options.failMode, message);
    if (line !== null) console.error(line);
  };
  let stopping = false;
  let failed = false;
  const links: WorkerLink[] = [];
  const stopAll = () => {
    if (stopping) return;
    stopping = true;
    for (const link of links) {
      if (!link.stopped && link.failure === null) link.post({ type: "stop" });
    }
    const timer = setTimeout(() => {
      for (const link of links) {
        if (link.stopped || link.failure !== null) continue;
        console.error(`tarsier: worker ${link.index} did not stop within ${STOP_TIMEOUT_MS} ms`);
        link.kill("did not stop");
      }
    }, STOP_TIMEOUT_MS);
    Deno.unrefTimer(timer);
  };
  let running = false;
  const onFailure = (link: WorkerLink) => {
    if (!running) return; // a load failure is thrown by the start-up below
    failed = true;
    console.error(`tarsier: worker ${link.index} failed: ${link.failure}`);
    stopAll();
  };

  // the first worker loads alone (it fills the Hyperscan cache and empties the files)
  let loaded: LoadedMessage;
  const rings: AfPacketRing[] = [];
  try {
    links.push(new WorkerLink(0, onPacketError, onFailure));
    const load = (k: number) => ({
      type: "load" as const,
      index: k,
      options,
      sharedLogs: k === 0 ? "truncate" as const : "append" as const,
      quiet: k > 0,
    });
    links[0].post(load(0));
    loaded = await links[0].loaded;
    for (let k = 1; k < n; k++) {
      links.push(new WorkerLink(k, onPacketError, onFailure));
      links[k].post(load(k));
    }
    await Promise.all(links.map((l) => l.loaded));
    // every ring, in worker order: member k of each interface's group is worker k
    const ringOptions = {
      frameCount: options.ringFrames,
      ignoreOutgoing: options.mode === "ips",
      qdiscBypass: options.qdiscBypass,
      ...(options.frameSize > 0 ? { frameSize: options.frameSize } : {}),
    };
    const groups: (number | null)[] = options.interfaces.map(() => null);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < options.interfaces.length; i++) {
        const ring = AfPacketRing.open(options.interfaces[i], ringOptions);
        rings.push(ring);
        groups[i] = ring.joinFanout(PACKET_FANOUT_HASH, groups[i]);
      }
    }
  } catch (error) {
    for (const ring of rings) ring.close();
    for (const link of links) link.kill("start-up failed");
    throw error;
  }
  const frameCount = rings[0].frameCount;
  const frameSize = rings[0].frameSize;
  const perWorker = options.interfaces.length;
  for (let k = 0; k < n; k++) {
    const handles: RingHandle[] = [];
    for (let i = 0; i < perWorker; i++) handles.push(rings[k * perWorker + i].handOver());
    links[k].post({ type: "start", rings: handles });
  }
  running = true;

  const eve = loaded.eve && loaded.writeStats
    ? new EveWriter(join(options.logDir ?? ".", "eve.json"), { append: true })
    : null;
  const writeStats = (final: boolean) => {
    // a periodic record waits until every worker has reported once
    if (eve === null || (!final && links.some((l) => l.counters === null))) return;
    const sums = sumCounters(links.map((l) => l.counters));
    sums.facts.uptime = (performance.now() - started) / 1000;
    eve.writeRecord(statsRecord(sums.decode, sums.facts));
    eve.flush();
  };
  const timer = setInterval(() => writeStats(false), options.statsInterval * 1000);
  const onSignal = () => {
    if (!stopping) return stopAll();
    Deno.exit(130);
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  const ips = options.mode === "ips";
  const rules = loaded.rules !== null ? `${loaded.rules} rules` : "no rules";
  const what = ips ? `bridging ${options.interfaces.join(" <-> ")}` : `on ${options.interfaces[0]}`;
  console.error(
    `tarsier: ${options.mode} ${what}, ${rules}, ${n} workers (fanout by flow hash), ring ` +
      `${frameCount} x ${frameSize} B per interface and worker, fail ${options.failMode}` +
      `${loaded.warm === "" ? "" : `${loaded.warm} each`}; ` +
      "SIGINT/SIGTERM stops",
  );
  try {
    // a failing worker stops the others; otherwise a signal does
    await Promise.all(links.map((l) => l.done));
  } finally {
    clearInterval(timer);
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
  writeStats(true);
  eve?.close();

  const sums = sumCounters(links.map((l) => l.counters));
  const capture = sums.facts.capture ?? {};
  const summary = {
    mode: options.mode,
    interfaces: options.interfaces,
    workers: n,
    packets: sums.decode.packets,
    bytes: sums.decode.wireBytes,
    kernel_packets: capture.kernel_packets ?? 0,
    kernel_drops: capture.kernel_drops ?? 0,
    alerts: sums.facts.alerts,
    internal_errors: sums.internalErrors,
    bypassed: sums.bypassed,
    busy_poll_windows: capture.busy_poll_windows ?? 0,
    elapsed_s: Math.round(performance.now() - started) / 1000,
    worker_packets: links.map((l) => l.counters?.decode.packets ?? 0),
    ...latencyFacts(sums.ringWait, sums.batchTime),
  };
  printLiveSummary(options.mode, options.summary, summary, sums.bridge);
  return failed || links.some((l) => l.failure !== null) ? 1 : 0;
}
