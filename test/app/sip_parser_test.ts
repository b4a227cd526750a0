import assert from "node:assert/strict";
import { FrameBatch } from "../../src/capture/frame_batch.ts";
import { openCaptureFile } from "../../src/capture/capture_file.ts";
import { decodeFrame } from "../../src/decode/decoder.ts";
import { Packet } from "../../src/decode/packet.ts";
import {
  SIP_METHOD_BUFFER,
  SIP_PROTOCOL_BUFFER,
  SIP_REQUEST_LINE_BUFFER,
  SIP_STAT_CODE_BUFFER,
  SIP_STAT_MSG_BUFFER,
  SIP_URI_BUFFER,
  SipParser,
} from "../../src/app/sip_parser.ts";
import { AppProto, detectUdpAppProto } from "../../src/app/proto_detect.ts";
import { type Transaction, TxSide } from "../../src/app/transaction.ts";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";

const SIP_PCAP = "suricata-verify/sip-method/sip.pcap";
/** The `sip` objects of Suricata 7.0.10's eve.json for {@link SIP_PCAP}. */
const EXPECTED = new URL("./data/sip/sip-method.records.json", import.meta.url).pathname;
const enc = new TextEncoder();

/** One UDP datagram of a capture, with its direction in its flow. */
interface Datagram {
  flow: string;
  toServer: boolean;
  bytes: Uint8Array;
}

function readDatagrams(path: string, port: number): Datagram[] {
  const capture = openCaptureFile(path);
  const out: Datagram[] = [];
  const clients = new Map<string, string>();
  const p = new Packet();
  try {
    const batch = new FrameBatch();
    for (let n = capture.source.next(batch); n > 0; n = capture.source.next(batch)) {
      for (let i = 0; i < n; i++) {
        decodeFrame(p, batch, i);
        if (p.ipProto !== 17 || p.l4Offset < 0 || p.payloadLen <= 0) continue;
        if (p.srcPort !== port && p.dstPort !== port) continue;
        const a = `${p.src4}:${p.srcPort}`;
        const b = `${p.dst4}:${p.dstPort}`;
        const flow = a < b ? `${a}-${b}` : `${b}-${a}`;
        if (!clients.has(flow)) clients.set(flow, a);
        const at = p.frameOffset + p.payloadOffset;
        out.push({
          flow,
          toServer: clients.get(flow) === a,
          bytes: p.data.slice(at, at + p.payloadLen),
        });
      }
    }
  } finally {
    capture.close();
  }
  return out;
}

function recorder() {
  const r = {
    ready: [] as [Transaction, number][],
    logged: [] as [Transaction, number][],
    events: [] as string[],
    out: {
      ready(tx: Transaction, side: number) {
        r.ready.push([tx, side]);
        tx.published |= side;
      },
      log(tx: Transaction, side: number) {
        r.logged.push([tx, side]);
        tx.logged |= side;
      },
      event(tx: Transaction | null, name: string) {
        r.events.push(`${tx === null ? "-" : tx.id}:${name}`);
      },
      stopPayloadInspection() {},
      endInspection() {},
    },
  };
  return r;
}

Deno.test("sip: every message of a real capture, as Suricata logs them", {
  ignore: !HAVE_CORPUS,
}, () => {
  const grams = readDatagrams(corpusPath(SIP_PCAP), 5060);
  const parser = new SipParser();
  const states = new Map<string, ReturnType<SipParser["newState"]>>();
  const r = recorder();
  const records: unknown[] = [];
  let requests = 0;
  let registers = 0;
  for (const g of grams) {
    let state = states.get(g.flow);
    if (state === undefined) {
      state = parser.newState();
      states.set(g.flow, state);
    }
    const before = r.ready.length;
    parser.parse(state, g.toServer, g.bytes, 0, g.bytes.length, r.out);
    if (r.ready.length === before) {
      // keep-alives (a few spaces) are not SIP
      assert.ok(g.bytes.length < 8 && g.bytes.every((c) => c === 0x20));
      continue;
    }
    assert.equal(r.ready.length, before + 1, "one transaction per datagram");
    const [tx, side] = r.ready[r.ready.length - 1];
    assert.equal(side, g.toServer ? TxSide.REQUEST : TxSide.RESPONSE);
    const b = tx.buffers;
    if (g.toServer) {
      requests++;
      if (b.text(SIP_METHOD_BUFFER) === "REGISTER") registers++;
      assert.ok(b.text(SIP_REQUEST_LINE_BUFFER)!.startsWith(b.text(SIP_METHOD_BUFFER)! + " "));
      assert.equal(b.has(SIP_STAT_CODE_BUFFER), false);
    } else {
      assert.match(b.text(SIP_STAT_CODE_BUFFER)!, /^\d{3}$/);
      assert.equal(b.has(SIP_URI_BUFFER), false);
    }
    assert.equal(b.text(SIP_PROTOCOL_BUFFER), "SIP/2.0");
    records.push(parser.eve(tx, side, false));
    parser.collect(state);
  }
  assert.equal(grams.length, 102);
  assert.equal(r.events.length, 21);
  assert.ok(r.events.every((e) => e === "-:invalid_data"));
  assert.equal(records.length, 81);
  assert.equal(requests, 47);
  assert.equal(registers, 18);
  // the objects Suricata 7.0.10 wrote for this capture, in order
  assert.deepEqual(records, JSON.parse(Deno.readTextFileSync(EXPECTED)));
  // all transactions were published and logged: the pool has them back
  for (const s of states.values()) assert.equal(s.txs.length, 0);
});

Deno.test("sip: request and response fields from crafted messages", () => {
  const parser = new SipParser();
  const state = parser.newState();
  const r = recorder();
  const req = enc.encode(
    "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n  ;branch=x\r\n" +
      "Content-Length: 4\r\n\r\nbody",
  );
  parser.parse(state, true, req, 0, req.length, r.out);
  const res = enc.encode("SIP/2.0 486 Busy Here\r\nCSeq: 1 INVITE\r\n\r\n");
  parser.parse(state, false, res, 0, res.length, r.out);
  assert.deepEqual(r.events, []);
  assert.deepEqual(parser.eve(r.ready[0][0], TxSide.REQUEST, false), {
    method: "INVITE",
    uri: "sip:bob@example.com",
    version: "SIP/2.0",
    request_line: "INVITE sip:bob@example.com SIP/2.0",
  });
  assert.deepEqual(parser.eve(r.ready[1][0], TxSide.RESPONSE, true), {
    version: "SIP/2.0",
    code: "486",
    reason: "Busy Here",
    response_line: "SIP/2.0 486 Busy Here",
  });
  assert.equal(r.ready[1][0].buffers.text(SIP_STAT_MSG_BUFFER), "Busy Here");
  assert.deepEqual(r.ready.map(([tx]) => tx.id), [0, 1]);
});

Deno.test("sip: malformed and cut-short messages raise events, never throw", () => {
  const parser = new SipParser();
  const state = parser.newState();
  const r = recorder();
  const feed = (text: string, toServer = true) => {
    const b = enc.encode(text);
    parser.parse(state, toServer, b, 0, b.length, r.out);
  };
  feed("GET / HTTP/1.1\r\n\r\n"); // not SIP: invalid, no transaction yet
  feed("OPTIONS sip:a SIP/2.0\r\nVia: x\r\n"); // no empty line
  feed("OPTIONS sip:a SIP/2.0\r\n\r\n");
  feed("SIP/2.0 20", false); // response cut in the code
  feed("HTTP/1.1 200 OK\r\n\r\n", false);
  feed("OPTIONS sip:a SIP/2.0\r\nno colon here\r\n\r\n");
  assert.deepEqual(r.events, [
    "-:invalid_data",
    "-:incomplete_data",
    "-:incomplete_data",
    "-:invalid_data",
    "-:invalid_data",
  ]);
  assert.equal(state.malformed, 5);
  assert.equal(r.ready.length, 1);
  // every prefix of a valid message is incomplete, never a transaction or a throw
  const whole = enc.encode("REGISTER sip:x SIP/2.0\r\nTo: <sip:x>\r\n\r\n");
  for (let n = 1; n < whole.length - 1; n++) {
    const s = parser.newState();
    const rec = recorder();
    parser.parse(s, true, whole, 0, n, rec.out);
    assert.equal(rec.ready.length, 0, `prefix ${n}`);
    assert.deepEqual(rec.events, ["-:incomplete_data"], `prefix ${n}`);
  }
});

Deno.test("sip: a flow keeps a bounded number of live transactions", () => {
  const parser = new SipParser(4);
  const state = parser.newState();
  const r = recorder();
  const msg = enc.encode("OPTIONS sip:a SIP/2.0\r\n\r\n");
  // published but never logged: nothing can be collected
  r.out.log = () => {};
  for (let i = 0; i < 10; i++) parser.parse(state, true, msg, 0, msg.length, r.out);
  parser.collect(state);
  assert.equal(state.txs.length, 4);
  assert.equal(state.dropped, 6);
  assert.equal(state.nextTxId, 10);
});

Deno.test("sip: UDP flows on port 5060 are SIP", () => {
  const d = enc.encode("OPTIONS sip:a SIP/2.0\r\n\r\n");
  assert.equal(detectUdpAppProto(d, 0, d.length, 5060, 5060), AppProto.SIP);
  assert.equal(detectUdpAppProto(d, 0, d.length, 40000, 5060), AppProto.SIP);
  assert.equal(detectUdpAppProto(d, 0, d.length, 40000, 5061), AppProto.FAILED);
});
