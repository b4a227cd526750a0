import assert from "node:assert/strict";
import { join } from "node:path";
import {
  JA3_HASH_BUFFER,
  JA4_HASH_BUFFER,
  TLS_CERT_SERIAL_BUFFER,
  TLS_CERT_SUBJECT_BUFFER,
  TLS_CERTS_BUFFER,
  TLS_MAX_HANDSHAKE,
  TLS_RANDOM_BUFFER,
  TLS_RANDOM_TIME_BUFFER,
  TLS_SNI_BUFFER,
  TlsParser,
  type TlsState,
} from "../../src/app/tls_parser.ts";
import { type Transaction, TxSide } from "../../src/app/transaction.ts";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import { haveSuricata, runSuricata } from "../_suricata.ts";
import { readEve, readTcpConnections, streamBytes, type TcpConnection } from "./tls_streams.ts";

function mkRec() {
  const r = {
    readyCalls: [] as number[],
    logCalls: [] as number[],
    events: [] as string[],
    ready(_tx: Transaction, side: number) {
      r.readyCalls.push(side);
    },
    log(_tx: Transaction, side: number) {
      r.logCalls.push(side);
    },
    event(_tx: Transaction | null, name: string) {
      r.events.push(name);
    },
    /** Packets after which content inspection stops (encrypted payload). */
    payloadStops: 0,
    stopPayloadInspection() {
      r.payloadStops++;
    },
    endInspection() {},
  };
  return r;
}
type Rec = ReturnType<typeof mkRec>;

const TRAFFIC = corpusPath("pcap/traffic-small.pcap");

function feed(parser: TlsParser, state: TlsState, conn: TcpConnection, out: Rec) {
  for (const c of conn.chunks) parser.parse(state, c.toServer, c.bytes, 0, c.bytes.length, out);
}

function tlsConnections(path: string): TcpConnection[] {
  return readTcpConnections(path).filter((c) => {
    const first = c.chunks.find((k) => k.toServer);
    return first !== undefined && first.bytes[0] === 0x16 && first.bytes[1] === 3;
  });
}

/** Suricata config with JA3 and JA4 on (fingerprints and the tls logger's ja4). */
function jaConfig(dir: string): string {
  const yaml = Deno.readTextFileSync("/etc/suricata/suricata.yaml")
    .replace("# ja4: off", "ja4: on")
    .replace("#ja3-fingerprints: auto", "ja3-fingerprints: yes")
    .replace("#ja4-fingerprints: auto", "ja4-fingerprints: yes");
  const path = join(dir, "suricata.yaml");
  Deno.writeTextFileSync(path, yaml);
  return path;
}

const SV_PCAPS = [
  "tls/tls-cert-chain-len/input.pcap",
  "tls/tls-cert-issuer/tls.pcap",
  "tls/tls-cert-noissuer/tls.pcap",
  "tls/tls-client-cert-01/tls-client-auth.pcap",
  "tls/tls-issuerdn/tls.pcap",
  "tls/tls-random/input.pcap",
  "tls/tls-subject/tls.pcap",
  "tls/tls13-draft28-frames/tls13_draft28.pcap",
  "tls-duplicate-hello/input.pcap",
  "ja4-rules-7.0.x-01/input.pcap",
  // Not compared: bug-1450-0{2,4,5} (a certificate cut inside its DER):
  // Suricata logs "UNDETERMINED" and no JA3S there; Tarsier keeps the
  // ServerHello it parsed before the bad certificate and logs nothing.
];

Deno.test("tls: EVE objects equal Suricata's (traffic-small, suricata-verify)", {
  ignore: !HAVE_CORPUS,
}, async (t) => {
  if (!haveSuricata()) {
    console.warn("skipping: suricata not installed");
    return;
  }
  const dir = Deno.makeTempDirSync({ prefix: "tarsier-tls-" });
  try {
    const rules = join(dir, "empty.rules");
    Deno.writeTextFileSync(rules, "");
    const config = jaConfig(dir);
    const pcaps = [TRAFFIC, ...SV_PCAPS.map((p) => corpusPath(`suricata-verify/${p}`))];
    let n = 0;
    for (const pcap of pcaps) {
      for (const ja of pcap === TRAFFIC ? [false, true] : [true]) {
        await t.step(`${pcap.split("/").slice(-2).join("/")} ja=${ja}`, async () => {
          const outDir = join(dir, `out-${n++}`);
          Deno.mkdirSync(outDir);
          await runSuricata(pcap, rules, outDir, ja ? ["-c", config] : []);
          const expected = new Map<number, unknown>();
          for (const r of readEve(join(outDir, "eve.json"), "tls")) {
            expected.set(r.src_port as number, r.tls);
          }
          const conns = tlsConnections(pcap);
          if (pcap === TRAFFIC) assert.ok(conns.length >= 10, `${conns.length} TLS connections`);
          const parser = new TlsParser({ ja3: ja, ja4: ja });
          let compared = 0;
          for (const conn of conns) {
            const state = parser.newState();
            const out = mkRec();
            feed(parser, state, conn, out);
            parser.finish(state, out);
            const want = expected.get(conn.clientPort);
            if (want === undefined) {
              assert.deepEqual(out.logCalls, [], `${conn.key}: Suricata wrote no tls record`);
              continue;
            }
            assert.deepEqual(out.logCalls, [TxSide.BOTH], conn.key);
            assert.deepEqual(parser.eve(state.tx, TxSide.BOTH, false), want, conn.key);
            compared++;
          }
          assert.equal(compared, expected.size);
        });
      }
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("tls: TLS 1.2 with a certificate: fields, buffers, publication order", {
  ignore: !HAVE_CORPUS,
}, () => {
  const conn = tlsConnections(TRAFFIC).find((c) => {
    const p = new TlsParser();
    const s = p.newState();
    feed(p, s, c, mkRec());
    return s.tx.leafParsed;
  });
  assert.ok(conn, "a TLS 1.2 connection with a certificate");
  const parser = new TlsParser();
  const state = parser.newState();
  const out = mkRec();
  feed(parser, state, conn, out);
  const tx = state.tx;
  assert.equal(tx.version, 0x0303);
  assert.equal(tx.subject, "C=US, O=Example Corp, CN=www.example.com");
  assert.equal(tx.issuerdn, tx.subject);
  assert.match(tx.serial, /^([0-9A-F]{2}:)+[0-9A-F]{2}$/);
  assert.match(tx.fingerprint, /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
  assert.ok(tx.notBefore < tx.notAfter);
  assert.deepEqual(out.readyCalls, [TxSide.REQUEST, TxSide.RESPONSE]);
  assert.deepEqual(out.logCalls, [TxSide.BOTH]);
  assert.ok(tx.handshakeDone);
  assert.ok(tx.clientAppRecords > 0 && tx.serverAppRecords > 0);
  // every application data record stops content inspection (Suricata's encryption-handling: default)
  assert.equal(out.payloadStops, tx.clientAppRecords + tx.serverAppRecords);
  const full = new TlsParser({ inspectEncrypted: true });
  const fullOut = mkRec();
  feed(full, full.newState(), conn, fullOut);
  assert.equal(fullOut.payloadStops, 0, "encryption-handling: full keeps inspecting");
  const b = tx.buffers;
  assert.equal(b.text(TLS_SNI_BUFFER), tx.sni);
  assert.equal(b.text(JA3_HASH_BUFFER), tx.ja3Hash);
  assert.equal(b.text(JA4_HASH_BUFFER), tx.ja4);
  assert.equal(b.text(TLS_CERT_SUBJECT_BUFFER), tx.subject);
  assert.equal(b.text(TLS_CERT_SERIAL_BUFFER), tx.serial);
  const s = b.first(TLS_RANDOM_BUFFER);
  assert.equal(b.spanEnd[s] - b.spanStart[s], 32);
  assert.equal(b.text(TLS_RANDOM_TIME_BUFFER)!.length, 4);
  let certs = 0;
  for (let c = b.first(TLS_CERTS_BUFFER); c >= 0; c = b.next(c)) {
    assert.equal(b.bytes[b.spanStart[c]], 0x30, "DER starts with a SEQUENCE");
    certs++;
  }
  assert.equal(certs, tx.certCount);
});

/** A ClientHello's record bytes, rebuilt spread over records of `size` payload bytes. */
function respread(stream: Uint8Array, size: number): Uint8Array {
  // Take the first record's handshake payload (the ClientHello) and re-record it.
  const len = (stream[3] << 8) | stream[4];
  const payload = stream.subarray(5, 5 + len);
  const parts: number[] = [];
  for (let i = 0; i < payload.length; i += size) {
    const n = Math.min(size, payload.length - i);
    parts.push(0x16, 3, 1, n >> 8, n & 0xff, ...payload.subarray(i, i + n));
  }
  return new Uint8Array(parts);
}

Deno.test("tls: a ClientHello split at every byte and spread over records parses the same", {
  ignore: !HAVE_CORPUS,
}, () => {
  const conn = tlsConnections(TRAFFIC)[0];
  const client = streamBytes(conn, true);
  const parser = new TlsParser({ ja3: true, ja4: true });
  const ref = parser.newState();
  parser.parse(ref, true, client, 0, client.length, mkRec());
  assert.ok(ref.tx.clientHello);
  const hello = client.subarray(0, 5 + ((client[3] << 8) | client[4]));
  for (const input of [hello, respread(hello, 1), respread(hello, 7), respread(hello, 100)]) {
    for (let cut = 0; cut <= input.length; cut++) {
      const state = parser.newState();
      const out = mkRec();
      parser.parse(state, true, input, 0, cut, out);
      parser.parse(state, true, input, cut, input.length, out);
      assert.equal(state.tx.ja3, ref.tx.ja3);
      assert.equal(state.tx.ja4, ref.tx.ja4);
      assert.equal(state.tx.sni, ref.tx.sni);
      assert.deepEqual(out.readyCalls, [TxSide.REQUEST]);
      assert.deepEqual(out.events, []);
    }
  }
  // Byte by byte.
  const state = parser.newState();
  for (let i = 0; i < hello.length; i++) parser.parse(state, true, hello, i, i + 1, mkRec());
  assert.equal(state.tx.ja3Hash, ref.tx.ja3Hash);
});

Deno.test("tls: corrupt input raises events and never throws", { ignore: !HAVE_CORPUS }, () => {
  const parser = new TlsParser();
  const run = (bytes: Uint8Array, toServer = true) => {
    const state = parser.newState();
    const out = mkRec();
    parser.parse(state, toServer, bytes, 0, bytes.length, out);
    parser.finish(state, out);
    return { state, out };
  };
  assert.deepEqual(run(new Uint8Array([0x99, 3, 3, 0, 1, 0])).out.events, ["invalid_record_type"]);
  assert.deepEqual(run(new Uint8Array([0x16, 9, 3, 0, 1, 0])).out.events, [
    "invalid_record_version",
  ]);
  assert.deepEqual(run(new Uint8Array([0x16, 3, 3, 0xff, 0xff])).out.events, [
    "invalid_record_length",
  ]);
  assert.deepEqual(run(new Uint8Array([0x16, 3, 3, 0, 4, 0x77, 0, 0, 0])).out.events, [
    "invalid_handshake_message",
  ]);
  // A truncated ClientHello body.
  assert.deepEqual(run(new Uint8Array([0x16, 3, 3, 0, 6, 1, 0, 0, 2, 3, 3])).out.events, [
    "invalid_handshake_message",
  ]);
  // An oversized handshake message is skipped, and the parser carries on after it.
  const big = TLS_MAX_HANDSHAKE + 10;
  const body = new Uint8Array(4 + big);
  body.set([11, big >> 16, (big >> 8) & 0xff, big & 0xff]);
  const recs: number[] = [];
  for (let i = 0; i < body.length; i += 16384) {
    const n = Math.min(16384, body.length - i);
    recs.push(0x16, 3, 3, n >> 8, n & 0xff, ...body.subarray(i, i + n));
  }
  const r = run(new Uint8Array(recs), false);
  assert.deepEqual(r.out.events, ["handshake_invalid_length"]);
  assert.ok(r.state.server.hs.length <= TLS_MAX_HANDSHAKE + 4);
  assert.equal(r.state.givenUp, false);

  // A bad DER in a real server flight: certificate_invalid_der, no subject.
  const conn = tlsConnections(TRAFFIC).find((c) => {
    const s = parser.newState();
    feed(parser, s, c, mkRec());
    return s.tx.leafParsed;
  })!;
  const server = streamBytes(conn, false).slice();
  // Find the Certificate message (type 11) after the ServerHello and break its DER tag.
  let at = 0;
  let broke = false;
  while (at + 5 <= server.length && !broke) {
    const len = (server[at + 3] << 8) | server[at + 4];
    // type 11, length(3), list length(3), certificate length(3), DER
    for (let p = at + 5; p + 12 < at + 5 + len; p++) {
      if (server[p] === 11 && server[p + 10] === 0x30 && server[p + 11] === 0x82) {
        server[p + 10] = 0x31;
        broke = true;
        break;
      }
    }
    at += 5 + len;
  }
  assert.ok(broke);
  const state = parser.newState();
  const out = mkRec();
  const client = streamBytes(conn, true);
  parser.parse(state, true, client, 0, client.length, out);
  parser.parse(state, false, server, 0, server.length, out);
  parser.finish(state, out);
  assert.deepEqual(out.events, ["certificate_invalid_der"]);
  assert.equal(state.tx.leafParsed, false);
  assert.deepEqual(out.logCalls, [], "Suricata writes no tls record without a certificate");

  // Random bytes after a valid record header never throw.
  let seed = 3;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  for (let round = 0; round < 300; round++) {
    const junk = new Uint8Array(3000);
    for (let i = 0; i < junk.length; i++) junk[i] = rnd() & 0xff;
    junk.set([0x16, 3, 3, 0x0b, 0xb0, 1 + (round % 2), 0, 0x0b, 0xac]);
    const s = parser.newState();
    const o = mkRec();
    for (let i = 0; i < junk.length; i += 1 + (rnd() % 200)) {
      parser.parse(s, round % 3 === 0, junk, i, Math.min(junk.length, i + 200), o);
    }
    parser.finish(s, o);
    parser.eve(s.tx, TxSide.BOTH, true);
  }
});

Deno.test("tls: a gap gives up the flow; finish still logs what Suricata would", () => {
  const parser = new TlsParser();
  const state = parser.newState();
  const out = mkRec();
  parser.gap(state, true, 100, out);
  const rec = new Uint8Array([0x16, 3, 3, 0, 4, 1, 0, 0, 0]);
  parser.parse(state, true, rec, 0, rec.length, out);
  assert.equal(state.tx.clientHello, false);
  parser.finish(state, out);
  assert.deepEqual(out.logCalls, []);
  parser.resetState(state);
  assert.equal(state.givenUp, false);
});
