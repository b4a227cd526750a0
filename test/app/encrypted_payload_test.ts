/**
 * Encrypted payload end to end, on real captures:
 *
 * - TLS: once a flow carries application data, content rules no longer
 *   inspect its payload (Suricata's `encryption-handling: default`), while
 *   TLS transaction rules still match; `encryption-handling: full` keeps
 *   inspecting it.
 * - SSH: once both sides sent NEWKEYS, what the streams hold is inspected at
 *   once (Suricata's detect/log flush, `pkt_src` "stream (detect/log)") and
 *   the encrypted rest of the flow is not.
 *
 * - `dsize`: a rule whose size test needs a payload is not evaluated on
 *   packets of an encrypted flow, nor on empty ones (Suricata's signature
 *   mask).
 *
 * The content rules are made from encrypted bytes of the captures. When
 * Suricata 7 is installed it must raise the same alerts. Skipped without the
 * corpus.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import { eveRecords, haveSuricata, runSuricata, runTarsier } from "../_suricata.ts";
import { forEachPacket, tcpConnections } from "./_tcp_streams.ts";

const CAPTURE = "pcap/traffic-small.pcap";
const SSH_CAPTURE = "suricata-verify/ssh-newkeys/input.pcap";
const CONTENT_SID = 9000001;
const SNI_SID = 9000002;

/**
 * 16 bytes from the middle of the last large server chunk of a TLS
 * connection: encrypted application data, far past the handshake.
 */
function encryptedBytes(path: string): string {
  for (const conn of tcpConnections(path)) {
    if (conn.serverPort !== 443) continue;
    const chunks = conn.chunks.filter((c) => !c.toServer && c.data.length >= 256);
    if (chunks.length < 3) continue;
    const data = chunks[chunks.length - 1].data;
    return hexOf(data, data.length >> 1);
  }
  throw new Error(`${path}: no TLS connection with encrypted data`);
}

/** 16 bytes of a chunk as a rule's hex content. */
function hexOf(data: Uint8Array, at: number): string {
  return [...data.subarray(at, at + 16)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** An alert as these tests compare them. */
interface Alert {
  sid: number;
  pcapCnt: number | undefined;
  pktSrc: string;
}

/** The alerts of an eve.json. */
async function alertsOf(eve: string): Promise<Alert[]> {
  return (await eveRecords(eve)).filter((r) => r.event_type === "alert").map((r) => ({
    sid: (r.alert as { signature_id: number }).signature_id,
    pcapCnt: r.pcap_cnt as number | undefined,
    pktSrc: String(r.pkt_src),
  }));
}

/** How many alerts each signature raised. */
function countsOf(alerts: Alert[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const a of alerts) counts.set(a.sid, (counts.get(a.sid) ?? 0) + 1);
  return counts;
}

/** Alerts as "sid pcap_cnt pkt_src" keys, to compare two runs packet by packet. */
function keysOf(alerts: Alert[]): Set<string> {
  return new Set(alerts.map((a) => `${a.sid} ${a.pcapCnt} ${a.pktSrc}`));
}

/**
 * Run Tarsier, and Suricata when it is installed, on a capture with these
 * rules (and `extra` options of both).
 *
 * @returns Tarsier's alerts, and Suricata's or null
 */
async function runBoth(
  pcap: string,
  rules: string[],
  extra: string[] = [],
): Promise<{ tarsier: Alert[]; suricata: Alert[] | null }> {
  const dir = Deno.makeTempDirSync({ prefix: "tarsier-enc-" });
  try {
    const file = join(dir, "test.rules");
    Deno.writeTextFileSync(file, rules.join("\n") + "\n");
    const out = join(dir, "tarsier");
    await runTarsier(pcap, file, out, extra);
    const tarsier = await alertsOf(join(out, "eve.json"));
    if (!haveSuricata()) {
      console.log("suricata not installed: Tarsier's alerts only");
      return { tarsier, suricata: null };
    }
    const ref = join(dir, "suricata");
    Deno.mkdirSync(ref);
    await runSuricata(pcap, file, ref, extra);
    return { tarsier, suricata: await alertsOf(join(ref, "eve.json")) };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test({
  name: "tls: content rules stop at encrypted data unless encryption-handling is full",
  ignore: !HAVE_CORPUS,
  fn: async () => {
    const pcap = corpusPath(CAPTURE);
    const rules = [
      `alert tcp any 443 -> any any (msg:"encrypted bytes"; content:"|${
        encryptedBytes(pcap)
      }|"; sid:${CONTENT_SID};)`,
      `alert tls any any -> any any (msg:"sni"; tls.sni; content:"."; sid:${SNI_SID};)`,
    ];
    for (const mode of ["default", "full"]) {
      const set = ["--set", `app-layer.protocols.tls.encryption-handling=${mode}`];
      const { tarsier, suricata } = await runBoth(pcap, rules, set);
      const got = countsOf(tarsier);
      assert.equal(got.get(CONTENT_SID) ?? 0, mode === "full" ? 1 : 0, `${mode}: content rule`);
      assert.ok((got.get(SNI_SID) ?? 0) > 0, `${mode}: tls.sni still inspected`);
      if (suricata !== null) assert.deepEqual(got, countsOf(suricata), `${mode}: as Suricata`);
    }
  },
});

Deno.test({
  name: "ssh: the streams are inspected once both sides sent NEWKEYS, the encrypted rest not",
  ignore: !HAVE_CORPUS,
  fn: async () => {
    const pcap = corpusPath(SSH_CAPTURE);
    const conn = tcpConnections(pcap).find((c) => c.serverPort === 22);
    assert.ok(conn, "an SSH connection");
    // the last chunk of each side: encrypted, after NEWKEYS
    const last = (toServer: boolean) => conn.chunks.filter((c) => c.toServer === toServer).at(-1)!;
    const client = last(true).data;
    const server = last(false).data;
    assert.ok(client.length >= 32 && server.length >= 32);
    const { tarsier, suricata } = await runBoth(pcap, [
      `alert tcp any any -> any 22 (msg:"client encrypted"; content:"|${
        hexOf(client, 8)
      }|"; sid:1;)`,
      `alert tcp any 22 -> any any (msg:"server encrypted"; content:"|${
        hexOf(server, 8)
      }|"; sid:2;)`,
      // SSH_MSG_NEWKEYS and its padding, in the clear before the keys change
      `alert ssh any any -> any 22 (msg:"newkeys"; content:"|15 00 00 00 00 00 00 00 00 00 00|"; sid:3;)`,
    ]);
    assert.deepEqual([...countsOf(tarsier)], [[3, 1]], "only NEWKEYS, which the streams held");
    assert.equal(tarsier[0].pktSrc, "stream (detect/log)");
    // the same alerts, raised from the same kind of packet as Suricata's
    if (suricata !== null) assert.deepEqual(keysOf(tarsier), keysOf(suricata), "as Suricata");
  },
});

/** TCP packets of a capture: how many are empty, how many come from port 443 with over 100 bytes. */
function tcpCounts(path: string): { empty: number; tls: number } {
  let empty = 0;
  let tls = 0;
  forEachPacket(path, (p) => {
    if (p.ipProto !== 6 || p.l4Offset < 0) return;
    if (p.payloadLen === 0) empty++;
    else if (p.srcPort === 443 && p.payloadLen > 100) tls++;
  });
  return { empty, tls };
}

Deno.test({
  name: "dsize: rules that need a payload skip encrypted and empty packets, as Suricata's mask",
  ignore: !HAVE_CORPUS,
  fn: async () => {
    const pcap = corpusPath(CAPTURE);
    const { tarsier, suricata } = await runBoth(pcap, [
      `alert tcp any any -> any any (msg:"not 5"; dsize:!5; sid:2;)`,
      `alert tcp any any -> any any (msg:"under 5"; dsize:<5; sid:3;)`,
      `alert tcp any any -> any any (msg:"empty"; dsize:0; sid:4;)`,
      `alert tcp any 443 -> any any (msg:"tls over 100"; dsize:>100; sid:5;)`,
      `alert tcp any any -> any any (msg:"1 to 1999"; dsize:1<>2000; sid:6;)`,
    ]);
    const packets = (sid: number) =>
      new Set(tarsier.filter((a) => a.sid === sid).map((a) => a.pcapCnt));
    const { empty, tls } = tcpCounts(pcap);
    // "not 5" needs a payload: it alerts where "1 to 1999" does (no packet here has 5 bytes)
    assert.deepEqual(packets(2), packets(6));
    assert.equal(packets(4).size, empty, "dsize:0 on every empty TCP packet");
    assert.equal(packets(3).size, empty, "dsize:<5 needs no payload: the empty ones");
    const early = packets(5).size;
    assert.ok(early > 0 && early * 10 < tls, `${early} of ${tls}: handshake records only`);
    if (suricata !== null) {
      assert.deepEqual(keysOf(tarsier), keysOf(suricata), "as Suricata, packet by packet");
    }
  },
});
