import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DCERPC_STUB_BUFFER,
  DCERPC_STUB_RESPONSE_BUFFER,
  DceRpcParser,
  type DceRpcState,
} from "../../src/app/dcerpc_parser.ts";
import { DcePduType, type DceRpcTx, uuidText } from "../../src/app/dcerpc_tx.ts";
import { type Transaction, TxSide } from "../../src/app/transaction.ts";
import { parseDceIface } from "../../src/detect/keywords/dce_iface.ts";
import { parseDceOpnum } from "../../src/detect/keywords/dce_opnum.ts";
import { DetectContext } from "../../src/detect/detect_context.ts";
import { Packet } from "../../src/decode/packet.ts";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import { haveSuricata, runSuricata } from "../_suricata.ts";
import { readEve, readTcpConnections, type TcpConnection } from "./tls_streams.ts";

/** An AppOutput that records what it is told. */
type Rec = ReturnType<typeof mkRec>;
function mkRec() {
  const r = {
    readyParts: [] as [Transaction, number][],
    logs: [] as Transaction[],
    events: [] as string[],
    ready(tx: Transaction, side: number) {
      r.readyParts.push([tx, side]);
    },
    log(tx: Transaction, _side: number) {
      r.logs.push(tx);
    },
    event(_tx: Transaction | null, name: string) {
      r.events.push(name);
    },
    stopPayloadInspection() {},
    endInspection() {},
  };
  return r;
}

function pcapOf(name: string): string {
  return corpusPath(`suricata-verify/${name}/${name.endsWith("7187-01") ? "test" : "input"}.pcap`);
}

function connections(name: string): TcpConnection[] {
  return readTcpConnections(pcapOf(name));
}

/** Feed a connection, each chunk split in two at `split` (0: whole). */
function feed(parser: DceRpcParser, state: DceRpcState, conn: TcpConnection, out: Rec, split = 0) {
  for (const c of conn.chunks) {
    const n = c.bytes.length;
    if (split <= 0 || split >= n) parser.parse(state, c.toServer, c.bytes, 0, n, out);
    else {
      parser.parse(state, c.toServer, c.bytes, 0, split, out);
      parser.parse(state, c.toServer, c.bytes, split, n, out);
    }
  }
}

function stub(tx: Transaction, id: number): number[] {
  const b = tx.buffers;
  const s = b.first(id);
  return s < 0 ? [] : Array.from(b.bytes.subarray(b.spanStart[s], b.spanEnd[s]));
}

/** Records the parser writes for a connection (what EVE gets). */
function records(parser: DceRpcParser, conn: TcpConnection, split = 0): unknown[] {
  const state = parser.newState();
  const out = mkRec();
  feed(parser, state, conn, out, split);
  parser.finish(state, out);
  const got = out.logs.map((tx) => parser.eve(tx, TxSide.BOTH, false));
  parser.resetState(state);
  return got;
}

const IFACE_02 = "dcerpc/dcerpc-dce-iface-02";

Deno.test("dcerpc: bind, bind_ack, request and response of a real call", {
  ignore: !HAVE_CORPUS,
}, () => {
  const [conn] = connections(IFACE_02);
  const parser = new DceRpcParser();
  const state = parser.newState();
  const out = mkRec();
  feed(parser, state, conn, out);
  assert.deepEqual(out.events, []);
  assert.equal(state.txs.length, 2);
  const [bind, call] = state.txs;
  assert.equal(bind.reqCmd, DcePduType.BIND);
  assert.equal(bind.respCmd, DcePduType.BINDACK);
  const b = state.binding;
  assert.equal(b.offeredCount, 2);
  assert.deepEqual(
    b.offered.slice(0, 2).map((e) => [uuidText(e.uuid), e.ctxid, e.version, e.result]),
    [["afa8bd80-7d8a-11c9-bef4-08002b102989", 0, 1, 2], [
      "afa8bd80-7d8a-11c9-bef4-08002b102989",
      1,
      1,
      0,
    ]],
  );
  assert.equal(b.acceptedCount, 1);
  assert.equal(b.accepted[0].ctxid, 1);
  assert.equal(call.opnum, 4);
  assert.equal(call.ctxid, 1);
  assert.equal(call.callId, 27);
  assert.ok(call.dceLittleEndian);
  // the request carries an object UUID: Suricata keeps it in the stub (16 + 8 bytes)
  const req = stub(call, DCERPC_STUB_BUFFER);
  assert.equal(req.length, 24);
  assert.deepEqual(req.slice(16), [0x09, 0, 0, 0, 0, 1, 0, 0]);
  // the response stub starts with the 8-byte response header, as Suricata's
  assert.equal(stub(call, DCERPC_STUB_RESPONSE_BUFFER).length, 68);
  assert.deepEqual(out.readyParts.map(([tx, side]) => [tx.id, side]), [
    [0, TxSide.REQUEST],
    [0, TxSide.RESPONSE],
    [1, TxSide.REQUEST],
    [1, TxSide.RESPONSE],
  ]);
  assert.deepEqual(out.logs.map((tx) => tx.id), [0, 1]);
  assert.deepEqual(parser.eve(call, TxSide.BOTH, false), {
    request: "REQUEST",
    req: { opnum: 4, frag_cnt: 1, stub_data_size: 24 },
    response: "RESPONSE",
    res: { frag_cnt: 1, stub_data_size: 68 },
    call_id: 27,
    rpc_version: "5.0",
  });
  assert.equal(parser.eve(call, TxSide.BOTH, true), null, "Suricata 7 alerts carry no dcerpc");
});

Deno.test("dcerpc: the same records whatever the segmentation", {
  ignore: !HAVE_CORPUS,
}, () => {
  const parser = new DceRpcParser();
  for (const name of [IFACE_02, "dcerpc-issue-7187-01"]) {
    for (const conn of connections(name)) {
      const whole = records(parser, conn);
      assert.ok(whole.length > 0, name);
      const longest = Math.max(...conn.chunks.map((c) => c.bytes.length));
      for (let split = 1; split < longest; split++) {
        assert.deepEqual(records(parser, conn, split), whole, `${name} split at ${split}`);
      }
    }
  }
});

Deno.test("dcerpc: dce_iface and dce_opnum on the parsed call", { ignore: !HAVE_CORPUS }, () => {
  const [conn] = connections(IFACE_02);
  const parser = new DceRpcParser();
  const state = parser.newState();
  feed(parser, state, conn, mkRec());
  const p = new Packet();
  const ctx = new DetectContext(p);
  ctx.tx = state.txs[1];
  const iface = (v: string) => parseDceIface(v).match(p, ctx);
  assert.ok(iface("afa8bd80-7d8a-11c9-bef4-08002b102989"));
  assert.ok(iface("AFA8BD80-7D8A-11C9-BEF4-08002B102989,=1"));
  assert.ok(!iface("afa8bd80-7d8a-11c9-bef4-08002b102989,=0"));
  assert.ok(!iface("afa8bd80-7d8a-11c9-bef4-08002b102989,>1,any_frag"));
  assert.ok(iface("afa8bd80-7d8a-11c9-bef4-08002b102989,!2,any_frag"));
  assert.ok(!iface("afa8bd80-7d8a-11c9-bef4-08002b102988"));
  assert.throws(() => parseDceIface("afa8bd80-7d8a-11c9-bef4"));
  assert.throws(() => parseDceIface("afa8bd80-7d8a-11c9-bef4-08002b102989,=1,all_frags"));
  const opnum = (v: string) => parseDceOpnum(v).match(p, ctx);
  assert.ok(opnum("4"));
  assert.ok(opnum("1,3-5"));
  assert.ok(!opnum("5-9,0"));
  assert.throws(() => parseDceOpnum("5-3"));
  assert.throws(() => parseDceOpnum("x"));
  // the bind transaction has no request: neither keyword matches it
  ctx.tx = state.txs[0];
  assert.ok(!iface("afa8bd80-7d8a-11c9-bef4-08002b102989"));
  assert.ok(!opnum("0-65535"));
});

/** A connection-oriented PDU. */
function pdu(
  type: number,
  flags: number,
  callId: number,
  body: number[],
  little = true,
  version = 5,
): Uint8Array {
  const len = 16 + body.length;
  const u16 = (v: number) => little ? [v & 0xff, v >> 8] : [v >> 8, v & 0xff];
  const u32 = (v: number) =>
    little
      ? [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24]
      : [v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
  return Uint8Array.from([
    version,
    0,
    type,
    flags,
    little ? 0x10 : 0x00,
    0,
    0,
    0,
    ...u16(len),
    0,
    0,
    ...u32(callId),
    ...body,
  ]);
}

function request(callId: number, opnum: number, stubBytes: number[], flags = 3, little = true) {
  const u16 = (v: number) => little ? [v & 0xff, v >> 8] : [v >> 8, v & 0xff];
  return pdu(DcePduType.REQUEST, flags, callId, [
    0,
    0,
    0,
    0,
    ...u16(0),
    ...u16(opnum),
    ...stubBytes,
  ], little);
}

function run(parser: DceRpcParser, chunks: [boolean, Uint8Array][]) {
  const state = parser.newState();
  const out = mkRec();
  for (const [toServer, b] of chunks) parser.parse(state, toServer, b, 0, b.length, out);
  return { state, out };
}

Deno.test("dcerpc: fragments of a call are one transaction each (Suricata 7)", () => {
  const parser = new DceRpcParser();
  const { state, out } = run(parser, [
    [true, request(7, 9, [1, 2, 3], 0x01)],
    [true, request(7, 9, [4, 5], 0x02)],
    [false, pdu(DcePduType.RESPONSE, 3, 7, [0, 0, 0, 0, 0, 0, 0, 0, 0xaa])],
  ]);
  assert.deepEqual(out.events, []);
  assert.equal(state.txs.length, 2);
  assert.deepEqual(stub(state.txs[0], DCERPC_STUB_BUFFER), [1, 2, 3]);
  assert.deepEqual(stub(state.txs[1], DCERPC_STUB_BUFFER), [4, 5]);
  // the response goes to the first open call with that id
  assert.ok(state.txs[0].respDone);
  assert.ok(!state.txs[1].respDone);
  parser.finish(state, out);
  assert.deepEqual(out.logs.map((tx) => parser.eve(tx, TxSide.BOTH, false)), [
    {
      request: "REQUEST",
      req: { opnum: 9, frag_cnt: 1, stub_data_size: 3 },
      response: "RESPONSE",
      res: { frag_cnt: 1, stub_data_size: 9 },
      call_id: 7,
      rpc_version: "5.0",
    },
    {
      request: "REQUEST",
      req: { opnum: 9, frag_cnt: 1, stub_data_size: 2 },
      response: "UNREPLIED",
      call_id: 7,
      rpc_version: "5.0",
    },
  ]);
});

Deno.test("dcerpc: big-endian data representation", () => {
  const parser = new DceRpcParser();
  const { state } = run(parser, [[true, request(0x01020304, 0x0102, [9], 3, false)]]);
  const tx = state.txs[0] as DceRpcTx;
  assert.equal(tx.callId, 0x01020304);
  assert.equal(tx.opnum, 0x0102);
  assert.ok(!tx.dceLittleEndian);
});

Deno.test("dcerpc: malformed PDUs raise an event and end parsing", () => {
  const parser = new DceRpcParser();
  const cases: [string, Uint8Array][] = [
    ["invalid_header", pdu(DcePduType.REQUEST, 3, 1, [0, 0, 0, 0, 0, 0, 0, 0], true, 4)],
    [
      "invalid_fragment_length",
      Uint8Array.from([5, 0, 0, 3, 0x10, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0]),
    ],
    ["unhandled_pdu_type", pdu(DcePduType.FAULT, 3, 1, [0, 0, 0, 0, 0, 0, 0, 0])],
    ["malformed_request", pdu(DcePduType.REQUEST, 3, 1, [0, 0, 0])],
    // a BIND announcing two contexts but carrying one
    ["malformed_bind", pdu(DcePduType.BIND, 3, 1, [0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0])],
  ];
  for (const [event, bytes] of cases) {
    const { state, out } = run(parser, [[true, bytes], [true, request(2, 1, [1])]]);
    assert.deepEqual(out.events, [event]);
    assert.ok(state.givenUp, event);
    assert.ok(state.txs.every((tx) => tx.callId !== 2), `${event}: nothing parsed after it`);
  }
});

Deno.test("dcerpc: a gap drops the partial PDU and resynchronises on the next header", () => {
  const parser = new DceRpcParser();
  const state = parser.newState();
  const out = mkRec();
  const first = request(1, 3, [1, 2, 3, 4]);
  parser.parse(state, true, first, 0, 10, out);
  parser.gap(state, true, 100, out);
  const junk = Uint8Array.from([0xde, 0xad, 0x05, 0x01, ...request(2, 5, [7])]);
  parser.parse(state, true, junk, 0, junk.length, out);
  assert.deepEqual(out.events, []);
  assert.equal(state.txs.length, 1);
  assert.equal(state.txs[0].callId, 2);
  assert.deepEqual(stub(state.txs[0], DCERPC_STUB_BUFFER), [7]);
});

Deno.test("dcerpc: the records Suricata 7 writes", {
  ignore: !HAVE_CORPUS,
}, async (t) => {
  if (!haveSuricata()) {
    console.warn("skipping: suricata not installed");
    return;
  }
  const dir = Deno.makeTempDirSync({ prefix: "tarsier-dcerpc-" });
  try {
    const rules = join(dir, "empty.rules");
    Deno.writeTextFileSync(rules, "");
    for (const name of [IFACE_02, "dcerpc/dcerpc-dce-iface-many", "dcerpc/zerologon"]) {
      await t.step(name, async () => {
        const outDir = join(dir, name.replace("/", "-"));
        Deno.mkdirSync(outDir);
        await runSuricata(pcapOf(name), rules, outDir);
        const key = (r: Record<string, unknown>) => JSON.stringify(r);
        const expected = readEve(join(outDir, "eve.json"), "dcerpc").map((r) =>
          key(r.dcerpc as Record<string, unknown>)
        ).sort();
        const parser = new DceRpcParser();
        const got = connections(name).flatMap((conn) =>
          records(parser, conn).map((r) => key(r as Record<string, unknown>))
        ).sort();
        assert.deepEqual(got, expected);
      });
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
