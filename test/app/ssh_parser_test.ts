import assert from "node:assert/strict";
import { join } from "node:path";
import {
  SSH_HASSH_BUFFER,
  SSH_HASSH_SERVER_STRING_BUFFER,
  SSH_PROTO_BUFFER,
  SSH_SOFTWARE_BUFFER,
  SshParser,
  type SshState,
} from "../../src/app/ssh_parser.ts";
import { type Transaction, TxSide } from "../../src/app/transaction.ts";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import { haveSuricata, runSuricata } from "../_suricata.ts";
import { readEve, readTcpConnections, type TcpConnection } from "./tls_streams.ts";

/** An AppOutput that records what it is told. */
type Rec = ReturnType<typeof mkRec>;
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
    stopPayloadInspection() {},
    /** Flows whose inspection the parser ended (both NEWKEYS). */
    inspectionEnds: 0,
    endInspection() {
      r.inspectionEnds++;
    },
  };
  return r;
}
const enc = new TextEncoder();

function feed(parser: SshParser, state: SshState, conn: TcpConnection, out: Rec, chunk = 0) {
  for (const c of conn.chunks) {
    if (chunk <= 0) parser.parse(state, c.toServer, c.bytes, 0, c.bytes.length, out);
    else {
      for (let i = 0; i < c.bytes.length; i += chunk) {
        parser.parse(state, c.toServer, c.bytes, i, Math.min(c.bytes.length, i + chunk), out);
      }
    }
  }
}

function sshConnections(name: string): TcpConnection[] {
  return readTcpConnections(corpusPath(`suricata-verify/${name}/input.pcap`))
    .filter((c) => c.serverPort === 22);
}

const PCAPS = ["ssh-banner-only", "ssh-hassh-only", "ssh-newkeys"];

Deno.test("ssh: banners of a real handshake, logged once both are seen", {
  ignore: !HAVE_CORPUS,
}, () => {
  const [conn] = sshConnections("ssh-banner-only");
  const parser = new SshParser();
  const state = parser.newState();
  const out = mkRec();
  feed(parser, state, conn, out);
  const tx = state.tx;
  assert.equal(tx.clientProto, "2.0");
  assert.equal(tx.clientSoftware, "OpenSSH_for_Windows_7.7");
  assert.equal(tx.serverProto, "2.0");
  assert.equal(tx.serverSoftware, "OpenSSH_7.4");
  assert.deepEqual(out.readyCalls.sort(), [TxSide.REQUEST, TxSide.RESPONSE]);
  assert.deepEqual(out.logCalls, [TxSide.BOTH]);
  assert.deepEqual(out.events, []);
  assert.equal(tx.progress, TxSide.BOTH);
  // Buffers: one span per side; the span indices say which is whose.
  const b = tx.buffers;
  assert.equal(b.spanText(tx.clientProtoSpan), "2.0");
  assert.equal(b.spanText(tx.serverSoftwareSpan), "OpenSSH_7.4");
  assert.equal(b.spanText(tx.clientSoftwareSpan), "OpenSSH_for_Windows_7.7");
  let spans = 0;
  for (let s = b.first(SSH_SOFTWARE_BUFFER); s >= 0; s = b.next(s)) spans++;
  assert.equal(spans, 2);
  parser.finish(state, out);
  assert.equal(out.logCalls.length, 1, "finish does not log again");
  assert.equal(out.inspectionEnds, 0, "no NEWKEYS: inspection goes on");
});

Deno.test("ssh: hassh of both sides, logged after both NEWKEYS", { ignore: !HAVE_CORPUS }, () => {
  const [conn] = sshConnections("ssh-newkeys");
  const parser = new SshParser({ hassh: true });
  const state = parser.newState();
  const out = mkRec();
  feed(parser, state, conn, out);
  const tx = state.tx;
  assert.equal(tx.clientHassh, "c8c5fbf80b7b0a1b0e4de5e683f3c5ad");
  assert.equal(tx.serverHassh, "6832f1ce43d4397c2c0a3e2f8c94334e");
  assert.equal(tx.buffers.text(SSH_HASSH_BUFFER), tx.clientHassh);
  assert.ok(tx.buffers.text(SSH_HASSH_SERVER_STRING_BUFFER)!.endsWith(";none,zlib@openssh.com"));
  assert.deepEqual(out.logCalls, [TxSide.BOTH]);
  assert.deepEqual(out.events, []);
  assert.equal(out.inspectionEnds, 1, "inspection ends once, when both sides sent NEWKEYS");
});

Deno.test("ssh: same result for every chunk size", { ignore: !HAVE_CORPUS }, () => {
  const [conn] = sshConnections("ssh-hassh-only");
  const parser = new SshParser({ hassh: true });
  const ref = parser.newState();
  feed(parser, ref, conn, mkRec());
  assert.equal(ref.tx.clientHassh, "2dd6531c7e89d3c925db9214711be76a");
  for (const chunk of [1, 2, 3, 7, 100]) {
    const state = parser.newState();
    const out = mkRec();
    feed(parser, state, conn, out, chunk);
    assert.deepEqual(
      parser.eve(state.tx, 3, false),
      parser.eve(ref.tx, 3, false),
      `chunk ${chunk}`,
    );
    assert.deepEqual(out.events, []);
  }
});

Deno.test("ssh: EVE objects equal Suricata's", { ignore: !HAVE_CORPUS }, async (t) => {
  if (!haveSuricata()) {
    console.warn("skipping: suricata not installed");
    return;
  }
  const dir = Deno.makeTempDirSync({ prefix: "tarsier-ssh-" });
  try {
    const rules = join(dir, "empty.rules");
    Deno.writeTextFileSync(rules, "");
    for (const hassh of [false, true]) {
      for (const name of PCAPS) {
        await t.step(`${name} hassh=${hassh}`, async () => {
          const outDir = join(dir, `${name}-${hassh}`);
          Deno.mkdirSync(outDir);
          const extra = hassh ? ["--set", "app-layer.protocols.ssh.hassh=yes"] : [];
          await runSuricata(
            corpusPath(`suricata-verify/${name}/input.pcap`),
            rules,
            outDir,
            extra,
          );
          const expected = readEve(join(outDir, "eve.json"), "ssh").map((r) => r.ssh);
          const parser = new SshParser({ hassh });
          const got = sshConnections(name).map((conn) => {
            const state = parser.newState();
            const out = mkRec();
            feed(parser, state, conn, out);
            parser.finish(state, out);
            return parser.eve(state.tx, TxSide.BOTH, false);
          });
          assert.ok(expected.length > 0);
          assert.deepEqual(got, expected);
        });
      }
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

function parseText(parser: SshParser, text: string, toServer = true) {
  const state = parser.newState();
  const out = mkRec();
  const b = enc.encode(text);
  parser.parse(state, toServer, b, 0, b.length, out);
  return { state, out };
}

Deno.test("ssh: banner forms (comments, LF only, lone CR, empty software)", () => {
  const parser = new SshParser();
  let r = parseText(parser, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n");
  assert.equal(r.state.tx.clientSoftware, "OpenSSH_8.9p1");
  assert.equal(r.state.tx.buffers.text(SSH_PROTO_BUFFER), "2.0");
  r = parseText(parser, "SSH-1.99-Cisco-1.25\n", false);
  assert.equal(r.state.tx.serverProto, "1.99");
  assert.equal(r.state.tx.serverSoftware, "Cisco-1.25");
  r = parseText(parser, "SSH-2.0-X\r\x00\x00");
  assert.equal(r.state.tx.clientSoftware, "X");
  assert.deepEqual(r.out.events, []);
  r = parseText(parser, "SSH-2.0-\r\n");
  assert.equal(r.state.tx.clientProto, "2.0");
  assert.equal(r.state.tx.clientSoftware, "");
  assert.deepEqual(parser.eve(r.state.tx, 1, false), { client: { proto_version: "2.0" } });
  r = parseText(parser, "SSH-2.0");
  assert.equal(r.state.tx.progress, 0, "no end of line yet");
});

Deno.test("ssh: invalid and long banners raise Suricata's events", () => {
  const parser = new SshParser();
  let r = parseText(parser, "HTTP/1.1 200 OK\r\n");
  assert.deepEqual(r.out.events, ["invalid_banner"]);
  assert.ok(r.state.givenUp);
  assert.equal(parser.eve(r.state.tx, 3, false), null);
  r = parseText(parser, "SSH-2.0\r\n");
  assert.deepEqual(r.out.events, ["invalid_banner"]);
  r = parseText(parser, "SSH-2.0-" + "A".repeat(400) + "\r\n\x00\x00\x00\x0c\x0a\x15");
  assert.deepEqual(r.out.events, ["long_banner"]);
  assert.equal(r.state.tx.clientSoftware.length, 256 - 8);
  assert.equal(r.state.client.phase, 3, "the NEWKEYS after the long banner was parsed");
  r = parseText(parser, "SSH-2.0-x\r\n\x00\x00\x00\x01\x00\x00");
  assert.deepEqual(r.out.events, ["invalid_record"]);
  // A parser that gave up ignores the rest.
  const b = enc.encode("SSH-2.0-again\r\n");
  parser.parse(r.state, false, b, 0, b.length, r.out);
  assert.equal(r.state.tx.serverProto, "");
});

Deno.test("ssh: random input never throws, state stays bounded", () => {
  const parser = new SshParser({ hassh: true });
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  for (let round = 0; round < 200; round++) {
    const state = parser.newState();
    const out = mkRec();
    const prefix = enc.encode("SSH-2.0-fuzz\r\n");
    parser.parse(state, round % 2 === 0, prefix, 0, prefix.length, out);
    const junk = new Uint8Array(2000);
    for (let i = 0; i < junk.length; i++) junk[i] = rnd() & 0xff;
    // small lengths so KEXINIT bodies are collected
    junk[0] = 0;
    junk[1] = 0;
    junk[5] = 20;
    for (let i = 0; i < junk.length; i += 1 + (rnd() % 50)) {
      parser.parse(state, round % 2 === 0, junk, i, Math.min(junk.length, i + 50), out);
    }
    parser.finish(state, out);
    assert.ok((state.client.kex?.length ?? 0) <= 65535);
  }
});

Deno.test("ssh: a gap gives up the flow; finish logs the banners seen", () => {
  const parser = new SshParser();
  const { state, out } = parseText(parser, "SSH-2.0-OpenSSH_9.6\r\n");
  parser.gap(state, false, 10, out);
  const b = enc.encode("SSH-2.0-late\r\n");
  parser.parse(state, false, b, 0, b.length, out);
  assert.equal(state.tx.serverProto, "");
  parser.finish(state, out);
  assert.deepEqual(out.logCalls, [TxSide.BOTH]);
  assert.deepEqual(parser.eve(state.tx, TxSide.BOTH, false), {
    client: { proto_version: "2.0", software_version: "OpenSSH_9.6" },
  });
});
