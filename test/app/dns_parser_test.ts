/**
 * The DNS parser on real bytes: the crafted capture and traffic-small.pcap
 * compared record by record with what Suricata 7.0.10 logged for them
 * (test/app/data/dns/*.eve.json, made by make_fixture.sh), and crafted
 * messages that must not break it (loops, forward pointers, overlong names,
 * truncation, TCP frames split anywhere, floods).
 */

import assert from "node:assert/strict";
import { openCaptureFile } from "../../src/capture/capture_file.ts";
import { FrameBatch } from "../../src/capture/frame_batch.ts";
import { decodeFrame } from "../../src/decode/decoder.ts";
import { Packet, TcpFlag } from "../../src/decode/packet.ts";
import { DNS_QUERY_BUFFER, DnsParser, type DnsState } from "../../src/app/dns_parser.ts";
import type { DnsTx } from "../../src/app/dns_tx.ts";
import { dnsAlertObject } from "../../src/app/dns_eve.ts";
import type { AppOutput, Transaction } from "../../src/app/transaction.ts";
import { TxSide } from "../../src/app/transaction.ts";
import { haveSuricata, runSuricata } from "../_suricata.ts";

const DATA = new URL("./data/dns/", import.meta.url).pathname;
const CRAFTED = DATA + "crafted.pcap";
const SMALL = "/work/shared/corpus/pcap/traffic-small.pcap";

type Obj = Record<string, unknown>;

/** What the parser reported for one flow. */
interface FlowLog {
  /** EVE `dns` objects in the order written. */
  records: Obj[];
  /** Alert objects by tx id (taken when the tx was published). */
  alerts: Map<number, Obj>;
  /** `dns.query` texts by tx id. */
  queries: Map<number, string[]>;
  /** Opcode by tx id. */
  opcodes: Map<number, number>;
  /** Events: "txid:name" ("-:name" for flow events). */
  events: string[];
}

/** An AppOutput that writes what it is told, as the engine would, then collects. */
class Recorder {
  log: FlowLog = newLog();
  parser: DnsParser = new DnsParser();
  ready(tx: Transaction, side: number): void {
    const dns = tx as DnsTx;
    assert.equal(tx.progress, side);
    tx.published |= side;
    this.log.alerts.set(tx.id, dnsAlertObject(dns));
    this.log.opcodes.set(tx.id, dns.opcode);
    const names: string[] = [];
    for (let s = tx.buffers.first(DNS_QUERY_BUFFER); s >= 0; s = tx.buffers.next(s)) {
      names.push(tx.buffers.spanText(s));
    }
    if (side === TxSide.RESPONSE) assert.equal(names.length, 0, "dns.query is request-only");
    this.log.queries.set(tx.id, names);
  }
  logTx(tx: Transaction, side: number): void {
    tx.logged |= side;
    const eve = this.parser.eve(tx, side, false);
    if (eve !== null) { for (const r of eve.records as Obj[]) this.log.records.push(r); }
  }
  event(tx: Transaction | null, name: string): void {
    this.log.events.push(`${tx === null ? "-" : tx.id}:${name}`);
  }
}

function newLog(): FlowLog {
  return { records: [], alerts: new Map(), queries: new Map(), opcodes: new Map(), events: [] };
}

/** Adapter: AppOutput.log is a method name clash with the recorder's log field. */
function output(r: Recorder): AppOutput {
  return {
    ready: (tx, side) => r.ready(tx, side),
    log: (tx, side) => r.logTx(tx, side),
    event: (tx, name) => r.event(tx, name),
    stopPayloadInspection: () => {},
    endInspection: () => {},
  };
}

/** Per-flow parser state for the feed. */
interface FlowFeed {
  key: string;
  tcp: boolean;
  state: DnsState;
  rec: Recorder;
  out: AppOutput;
  /** TCP: next expected sequence number per direction (0 to server, 1 to client), -1 unknown. */
  next: number[];
  /** TCP: out-of-order segments per direction. */
  held: Map<number, Uint8Array>[];
}

function ipText(p: Packet, src: boolean): string {
  if (p.ipVersion === 4) {
    const a = src ? p.src4 : p.dst4;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  const at = p.frameOffset + (src ? p.src6Offset : p.dst6Offset);
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((p.data[at + i] << 8) | p.data[at + i + 1]).toString(16));
  return g.join(":");
}

/** A key naming a flow the same way from both ends: "proto client:port server:port". */
function flowKey(proto: string, a: string, ap: number, b: string, bp: number): string {
  return bp === 53 ? `${proto} ${a}:${ap} ${b}:${bp}` : `${proto} ${b}:${bp} ${a}:${ap}`;
}

/**
 * Feed a capture's DNS (UDP and TCP port 53) to the parsers the way the flow
 * stage does: each datagram whole, each TCP direction in sequence order.
 */
function feed(path: string, onFlow?: (f: FlowFeed) => void): Map<string, FlowFeed> {
  const udp = new DnsParser();
  const tcp = new DnsParser({ tcp: true });
  const flows = new Map<string, FlowFeed>();
  const capture = openCaptureFile(path);
  const batch = new FrameBatch();
  const p = new Packet();
  try {
    for (let n = capture.source.next(batch); n > 0; n = capture.source.next(batch)) {
      for (let i = 0; i < n; i++) {
        decodeFrame(p, batch, i);
        if (p.ipProto !== 6 && p.ipProto !== 17) continue;
        if (p.srcPort !== 53 && p.dstPort !== 53) continue;
        const isTcp = p.ipProto === 6;
        const key = flowKey(
          isTcp ? "TCP" : "UDP",
          ipText(p, true),
          p.srcPort,
          ipText(p, false),
          p.dstPort,
        );
        let f = flows.get(key);
        if (f === undefined) {
          const parser = isTcp ? tcp : udp;
          const rec = new Recorder();
          rec.parser = parser;
          f = {
            key,
            tcp: isTcp,
            state: parser.newState(),
            rec,
            out: output(rec),
            next: [-1, -1],
            held: [new Map(), new Map()],
          };
          flows.set(key, f);
          onFlow?.(f);
        }
        const parser = f.rec.parser;
        const toServer = p.dstPort === 53;
        const at = p.frameOffset + p.payloadOffset;
        const len = p.payloadOffset < 0 ? 0 : p.payloadLen;
        if (!isTcp) {
          if (len > 0) parser.parse(f.state, toServer, p.data, at, at + len, f.out);
        } else {
          const dir = toServer ? 0 : 1;
          if (p.tcpFlags & TcpFlag.SYN) f.next[dir] = (p.tcpSeq + 1) >>> 0;
          else if (len > 0 && f.next[dir] >= 0) {
            f.held[dir].set(p.tcpSeq, p.data.slice(at, at + len));
            for (;;) {
              const seg = f.held[dir].get(f.next[dir]);
              if (seg === undefined) break;
              f.held[dir].delete(f.next[dir]);
              parser.parse(f.state, toServer, seg, 0, seg.length, f.out);
              f.next[dir] = (f.next[dir] + seg.length) >>> 0;
            }
          }
        }
        parser.collect(f.state);
      }
    }
  } finally {
    capture.close();
  }
  for (const f of flows.values()) {
    f.rec.parser.finish(f.state, f.out);
    f.rec.parser.collect(f.state);
    assert.equal(f.state.txs.length, 0, `${f.key}: every transaction collected`);
  }
  return flows;
}

/** Suricata's records of a fixture, grouped by flow. */
function fixture(path: string): Map<string, Obj[]> {
  const byFlow = new Map<string, Obj[]>();
  for (const line of Deno.readTextFileSync(path).split("\n")) {
    if (line === "") continue;
    const r = JSON.parse(line) as Obj;
    const key = flowKey(
      r.proto as string,
      r.src_ip as string,
      r.src_port as number,
      r.dest_ip as string,
      r.dest_port as number,
    );
    if (!byFlow.has(key)) byFlow.set(key, []);
    byFlow.get(key)!.push(r);
  }
  return byFlow;
}

/**
 * Compare two EVE values field by field and in field order (Suricata's
 * `grouped` map comes out of a hash map: its keys are compared as a set).
 */
function sameEve(mine: unknown, theirs: unknown, where: string, unordered = false): void {
  if (typeof theirs !== "object" || theirs === null) {
    assert.deepEqual(mine, theirs, where);
    return;
  }
  assert.equal(typeof mine, "object", `${where}: not an object`);
  if (Array.isArray(theirs)) {
    assert.ok(Array.isArray(mine), `${where}: not an array`);
    assert.equal((mine as unknown[]).length, theirs.length, `${where}: length`);
    theirs.forEach((v, k) => sameEve((mine as unknown[])[k], v, `${where}[${k}]`));
    return;
  }
  const a = Object.keys(mine as Obj);
  const b = Object.keys(theirs as Obj);
  if (unordered) assert.deepEqual([...a].sort(), [...b].sort(), `${where}: keys`);
  else assert.deepEqual(a, b, `${where}: keys and their order`);
  for (const k of b) {
    sameEve((mine as Obj)[k], (theirs as Obj)[k], `${where}.${k}`, k === "grouped");
  }
}

/**
 * Flows whose direction Suricata's UDP probing flips (a first message to the
 * client without the QR bit is taken for a request and the flow is
 * reversed): the flow stage's business, not the parser's.
 */
const FLIPPED = new Set(["UDP 10.0.0.1:40011 10.0.0.53:53"]);

function compareWithSuricata(pcap: string, fixtureName: string): number {
  const flows = feed(pcap);
  const expected = fixture(fixtureName.startsWith("/") ? fixtureName : DATA + fixtureName);
  let compared = 0;
  for (const [key, recs] of expected) {
    if (FLIPPED.has(key)) continue;
    const f = flows.get(key);
    assert.ok(f, `${key}: no flow fed`);
    const log = f.rec.log;
    // dns records: queries and answers each in order (Suricata writes a TCP
    // query when the server ACKs it, so the two directions interleave differently).
    for (const type of ["query", "answer"]) {
      const theirs = recs.filter((r) => r.event_type === "dns" && (r.dns as Obj).type === type);
      const mine = log.records.filter((r) => r.type === type);
      assert.equal(mine.length, theirs.length, `${key}: ${type} records`);
      theirs.forEach((r, k) => sameEve(mine[k], r.dns, `${key} ${type}[${k}]`));
      compared += theirs.length;
    }
    // alerts: the dns object of the alert's transaction
    for (const r of recs.filter((r) => r.event_type === "alert")) {
      const sid = (r.alert as Obj).signature_id as number;
      const txId = r.tx_id as number;
      // A packet alert on a message that made no transaction (malformed)
      // names the next transaction id, which does not exist yet.
      if (r.dns === undefined) continue;
      sameEve(log.alerts.get(txId), r.dns, `${key} alert sid ${sid} tx ${txId}`);
      if (sid === 1) assert.ok(log.queries.get(txId)!.some((q) => q.includes("example.org")));
      if (sid === 2) assert.ok(log.queries.get(txId)!.some((q) => q.startsWith("tcp-")));
      if (sid === 3) assert.equal(log.opcodes.get(txId), 4);
      compared++;
    }
    // anomalies: the events raised on a transaction
    const theirEvents = recs.filter((r) => r.event_type === "anomaly")
      .map((r) => `${r.tx_id}:${(r.anomaly as Obj).event}`).sort();
    const mineEvents = log.events.filter((e) => !e.startsWith("-:")).sort();
    assert.deepEqual(mineEvents, theirEvents, `${key}: events on transactions`);
  }
  // The parser logs nothing Suricata does not.
  for (const [key, f] of flows) {
    if (FLIPPED.has(key) || expected.has(key)) continue;
    assert.equal(f.rec.log.records.length, 0, `${key}: records Suricata does not write`);
  }
  return compared;
}

Deno.test("dns: crafted capture, record by record as Suricata 7.0.10", () => {
  const n = compareWithSuricata(CRAFTED, "crafted.eve.json");
  assert.ok(n > 40, `compared ${n}`);
});

Deno.test("dns: traffic-small.pcap, record by record as Suricata 7.0.10", () => {
  const n = compareWithSuricata(SMALL, "traffic_small.eve.json");
  assert.ok(n >= 104, `compared ${n}`);
});

Deno.test("dns: the crafted anomalies raise the events Suricata loses or keeps", () => {
  const flows = feed(CRAFTED);
  const ev = (port: number) => flows.get(`UDP 10.0.0.1:${port} 10.0.0.53:53`)!.rec.log.events;
  // self-referencing pointer in a first name: malformed, no live transaction to carry it
  assert.deepEqual(ev(40003), ["-:malformed_data"]);
  // pointer loop after a pointer: cut name, the answer is still logged
  assert.deepEqual(ev(40004), ["1:name_too_long", "1:too_many_labels"]);
  assert.deepEqual(ev(40005), []); // forward pointer is fine
  assert.deepEqual(ev(40006), ["-:malformed_data"]); // the truncated one; the others are ignored
  assert.deepEqual(ev(40007), ["0:name_too_long"]);
  assert.deepEqual(ev(40008), ["0:z_flag_set", "1:invalid_opcode"]);
  assert.deepEqual(ev(40010), ["-:not_request"]);
  assert.deepEqual(ev(40012), ["-:malformed_data"]);
  const long = flows.get("UDP 10.0.0.1:40007 10.0.0.53:53")!.rec.log;
  assert.equal(long.queries.get(0)![0].length, 1025);
  assert.equal(long.records[0].rrname_truncated, true);
  const fwd = flows.get("UDP 10.0.0.1:40005 10.0.0.53:53")!.rec.log;
  assert.deepEqual(fwd.queries.get(0), ["forward.example"]);
  const root = flows.get("UDP 10.0.0.1:40013 10.0.0.53:53")!.rec.log;
  assert.deepEqual(root.queries.get(0), [], "dns.query stops at an empty name as Suricata");
  const two = flows.get("UDP 10.0.0.1:40001 10.0.0.53:53")!.rec.log;
  assert.deepEqual(two.queries.get(0), ["www.example.org", "www.example.org"]);
});

/** Build a DNS message. */
function msg(id: number, flags: number, counts: number[], body: number[]): Uint8Array {
  const h = [id >> 8, id & 255, flags >> 8, flags & 255];
  for (const c of counts) h.push(c >> 8, c & 255);
  return new Uint8Array([...h, ...body]);
}

function labels(name: string): number[] {
  const out: number[] = [];
  for (const l of name.split(".")) out.push(l.length, ...[...l].map((c) => c.charCodeAt(0)));
  return [...out, 0];
}

function run(parser: DnsParser, chunks: [boolean, Uint8Array][]): { rec: Recorder; st: DnsState } {
  const rec = new Recorder();
  rec.parser = parser;
  const out = output(rec);
  const st = parser.newState();
  for (const [toServer, c] of chunks) {
    parser.parse(st, toServer, c, 0, c.length, out);
    parser.collect(st);
  }
  return { rec, st };
}

Deno.test("dns: hostile names never throw and end as Suricata ends them", () => {
  const q = (body: number[]) => msg(1, 0x0100, [1, 0, 0, 0], body);
  const cases: [string, Uint8Array, string[]][] = [
    ["self pointer", q([0xc0, 12, 0, 1, 0, 1]), ["-:malformed_data"]],
    ["pointer past the end", q([0xc0, 200, 0, 1, 0, 1]), ["-:malformed_data"]],
    ["label past the end", q([9, 0x61, 0x62, 0, 1]), ["-:malformed_data"]],
    ["reserved label type", q([0x40, 0x61, 0, 0, 1, 0, 1]), ["-:malformed_data"]],
    ["type cut", q([...labels("a.b"), 0]), ["-:malformed_data"]],
    ["two pointers in a loop", q([0xc0, 14, 0xc0, 12, 0, 1, 0, 1]), [
      "0:name_too_long",
      "0:too_many_labels",
    ]],
    ["256 labels, no pointer", q([...Array(256).fill([1, 0x61]).flat(), 0, 0, 1, 0, 1]), [
      "-:malformed_data",
    ]],
  ];
  for (const [what, m, events] of cases) {
    const { rec } = run(new DnsParser(), [[true, m]]);
    assert.deepEqual(rec.log.events, events, what);
  }
  // a pointer into a pointer that points at itself (after a jump): infinite_loop, name kept
  const inf = q([0xc0, 14, 0xc0, 14, 0, 1, 0, 1]);
  // 14 -> itself only after the first jump from 12: name ends there
  const r = run(new DnsParser(), [[true, inf]]);
  assert.deepEqual(r.rec.log.events, ["0:infinite_loop"]);
  assert.equal(r.rec.log.records[0].rrname, "");
  // random garbage and every truncation of a real response never throw
  const resp = msg(7, 0x8180, [1, 2, 1, 0], [
    ...labels("www.example.org"),
    0,
    1,
    0,
    1,
    0xc0,
    12,
    0,
    5,
    0,
    1,
    0,
    0,
    0,
    9,
    0,
    2,
    0xc0,
    16,
    0xc0,
    12,
    0,
    16,
    0,
    1,
    0,
    0,
    0,
    9,
    0,
    4,
    3,
    0x61,
    0x62,
    0x63,
    0xc0,
    16,
    0,
    6,
    0,
    1,
    0,
    0,
    0,
    9,
    0,
    24,
    0xc0,
    12,
    0xc0,
    12,
    ...Array(20).fill(0),
  ]);
  const ok = run(new DnsParser(), [[false, resp]]);
  assert.equal(ok.rec.log.records.length, 1);
  assert.deepEqual(ok.rec.log.events, []);
  for (let cut = 0; cut < resp.length; cut++) {
    run(new DnsParser(), [[false, resp.subarray(0, cut)], [true, resp.subarray(0, cut)]]);
  }
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 8;
  for (let k = 0; k < 3000; k++) {
    const m = resp.slice();
    for (let j = 0; j < 3; j++) m[rnd() % m.length] = rnd() & 255;
    const x = run(new DnsParser(), [[false, m], [true, m]]);
    for (const t of [...x.rec.log.alerts.keys()]) assert.ok(t >= 0);
    run(new DnsParser({ tcp: true }), [[false, new Uint8Array([0, m.length, ...m])]]);
  }
});

/** The crafted TCP flow's to-server stream: three queries, framed. */
function tcpStream(): Uint8Array {
  const parts = [
    msg(0x9001, 0x0100, [1, 0, 0, 0], [...labels("tcp-one.example"), 0, 1, 0, 1]),
    msg(0x9002, 0x0100, [2, 0, 0, 0], [
      ...labels("tcp-two.example"),
      0,
      28,
      0,
      1,
      0xc0,
      12,
      0,
      1,
      0,
      1,
    ]),
    msg(0x9003, 0x0100, [1, 0, 0, 0], [...labels("tcp-three.example"), 0, 16, 0, 1]),
  ];
  const out: number[] = [0, 0]; // an empty frame is skipped
  for (const m of parts) out.push(m.length >> 8, m.length & 255, ...m);
  return new Uint8Array(out);
}

Deno.test("dns: TCP frames split at every byte boundary give the same records", () => {
  const stream = tcpStream();
  const whole = run(new DnsParser({ tcp: true }), [[true, stream]]).rec.log;
  assert.equal(whole.records.length, 4);
  assert.deepEqual(whole.records.map((r) => r.tx_id), [0, 1, 1, 2]);
  assert.deepEqual(whole.queries.get(1), ["tcp-two.example", "tcp-two.example"]);
  const parser = new DnsParser({ tcp: true });
  for (let cut = 1; cut < stream.length; cut++) {
    for (let cut2 = cut + 1; cut2 <= stream.length; cut2 += cut2 - cut < 3 ? 1 : 9) {
      const chunks: [boolean, Uint8Array][] = [
        [true, stream.subarray(0, cut)],
        [true, stream.subarray(cut, cut2)],
      ];
      if (cut2 < stream.length) chunks.push([true, stream.subarray(cut2)]);
      const got = run(parser, chunks).rec.log;
      assert.deepEqual(got.records, whole.records, `split at ${cut} and ${cut2}`);
      assert.deepEqual(got.queries, whole.queries);
    }
  }
  const bytes: [boolean, Uint8Array][] = [];
  for (let i = 0; i < stream.length; i++) bytes.push([true, stream.subarray(i, i + 1)]);
  assert.deepEqual(run(parser, bytes).rec.log.records, whole.records, "one byte at a time");
});

Deno.test("dns: a TCP parse error ends the flow's parsing; a gap resynchronises", () => {
  const stream = tcpStream();
  const bad = new Uint8Array([0, 14, ...msg(1, 0x0100, [1, 0, 0, 0], [0xc0, 12]), ...stream]);
  const r = run(new DnsParser({ tcp: true }), [[true, bad]]);
  assert.equal(r.st.givenUp, true);
  assert.deepEqual(r.rec.log.events, ["-:malformed_data"]);
  assert.equal(r.rec.log.records.length, 0);
  // a gap: the partial frame is dropped, parsing resumes at the next frame
  const parser = new DnsParser({ tcp: true });
  const rec = new Recorder();
  rec.parser = parser;
  const out = output(rec);
  const st = parser.newState();
  parser.parse(st, false, stream, 0, 10, out);
  parser.gap(st, false, 100, out);
  parser.parse(st, false, new Uint8Array([0x55, 0x55, 1, 2, 3]), 0, 5, out); // not DNS: skipped
  assert.equal(st.pendingLen[1], 0);
  parser.parse(st, false, stream, 2, stream.length, out);
  parser.collect(st);
  assert.equal(rec.log.records.length, 3, "answers parsed after the gap");
  // Suricata writes the flags without leading zeros ("flags":"100" seen on a flipped flow)
  assert.equal(rec.log.records[0].flags, "100");
  assert.equal(rec.log.records[0].qr, undefined);
  assert.deepEqual(rec.log.events, ["-:not_response", "0:not_response", "1:not_response"]);
});

Deno.test("dns: unanswered queries stay bounded; transactions are pooled", () => {
  const parser = new DnsParser({ maxLiveTx: 256 });
  const out: AppOutput = {
    ready() {},
    log() {},
    event() {},
    stopPayloadInspection() {},
    endInspection() {},
  };
  const st = parser.newState();
  const query = msg(1, 0x0100, [1, 0, 0, 0], [...labels("flood.example"), 0, 1, 0, 1]);
  for (let k = 0; k < 10000; k++) parser.parse(st, true, query, 0, query.length, out);
  assert.equal(st.txs.length, 256);
  assert.equal(st.dropped, 10000 - 256);
  parser.collect(st); // nothing published or logged: nothing freed
  assert.equal(st.txs.length, 256);
  for (const tx of st.txs) tx.published = tx.logged = tx.progress;
  parser.collect(st);
  assert.equal(st.txs.length, 0);
  // steady state: the same transaction object comes back from the pool
  const seen = new Set<Transaction>();
  const mark: AppOutput = {
    ready(tx, side) {
      tx.published |= side;
      seen.add(tx);
    },
    log(tx, side) {
      tx.logged |= side;
    },
    event() {},
    stopPayloadInspection() {},
    endInspection() {},
  };
  for (let k = 0; k < 1000; k++) {
    parser.parse(st, true, query, 0, query.length, mark);
    parser.collect(st);
  }
  assert.equal(seen.size, 1);
  assert.equal(st.nextTxId, 256 + 1000);
  parser.resetState(st);
  assert.equal(st.nextTxId, 0);
});

const SV = "/work/shared/corpus/suricata-verify/";
const SV_TESTS = [
  "dns/task-7018-ids-dns-stream-rule",
  "dns/v2/dns-invalid-opcode",
  "dns/v2/dns-z-bit",
  "dns/v2/bug-990",
  "dns-opcode",
  "dns-udp-z-flag-fp",
  "datasets-04-http-dns",
];

const SURICATA = haveSuricata();
if (!SURICATA) {
  console.warn("suricata is not installed: the suricata-verify DNS comparison is skipped");
}

Deno.test({
  name: "dns: suricata-verify's DNS captures, record by record as the installed Suricata",
  ignore: !SURICATA,
  async fn() {
    let compared = 0;
    for (const t of SV_TESTS) {
      const dir = SV + t + "/";
      const pcap = [...Deno.readDirSync(dir)].find((e) => e.name.endsWith(".pcap"));
      if (pcap === undefined) continue;
      const out = Deno.makeTempDirSync();
      try {
        await runSuricata(dir + pcap.name, DATA + "fixture.rules", out);
        const lines = Deno.readTextFileSync(out + "/eve.json").split("\n")
          .filter((l) => /"event_type":"(dns|alert|anomaly)"/.test(l));
        Deno.writeTextFileSync(out + "/dns.json", lines.join("\n"));
        compared += compareWithSuricata(dir + pcap.name, out + "/dns.json");
      } finally {
        Deno.removeSync(out, { recursive: true });
      }
    }
    assert.ok(compared >= 20, `compared ${compared}`);
  },
});
