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
import { tcpConnections } from "./_tcp_streams.ts";
import { openCaptureFile } from "../../src/capture/capture_file.ts";
import { FrameBatch } from "../../src/capture/frame_batch.ts";
import { decodeFrame } from "../../src/decode/decoder.ts";
import { Packet } from "../../src/decode/packet.ts";

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

/** Signature ids of the alerts of an eve.json, counted. */
async function alertCounts(eve: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const r of await eveRecords(eve)) {
    if (r.event_type !== "alert") continue;
    const sid = (r.alert as { signature_id: number }).signature_id;
    counts.set(sid, (counts.get(sid) ?? 0) + 1);
  }
  return counts;
}

/** `pkt_src` of each alert of an eve.json, by signature id. */
async function alertSources(eve: string): Promise<Map<number, string>> {
  const sources = new Map<number, string>();
  for (const r of await eveRecords(eve)) {
    if (r.event_type !== "alert") continue;
    sources.set((r.alert as { signature_id: number }).signature_id, String(r.pkt_src));
  }
  return sources;
}

Deno.test({
  name: "tls: content rules stop at encrypted data unless encryption-handling is full",
  ignore: !HAVE_CORPUS,
  fn: async () => {
    const pcap = corpusPath(CAPTURE);
    const dir = Deno.makeTempDirSync({ prefix: "tarsier-enc-" });
    try {
      const rules = join(dir, "enc.rules");
      Deno.writeTextFileSync(
        rules,
        `alert tcp any 443 -> any any (msg:"encrypted bytes"; content:"|${
          encryptedBytes(pcap)
        }|"; sid:${CONTENT_SID};)\n` +
          `alert tls any any -> any any (msg:"sni"; tls.sni; content:"."; sid:${SNI_SID};)\n`,
      );
      const suricata = haveSuricata();
      if (!suricata) console.log("suricata not installed: Tarsier's alerts only");
      for (const mode of ["default", "full"]) {
        const set = ["--set", `app-layer.protocols.tls.encryption-handling=${mode}`];
        const out = join(dir, `tarsier-${mode}`);
        await runTarsier(pcap, rules, out, set);
        const got = await alertCounts(join(out, "eve.json"));
        assert.equal(got.get(CONTENT_SID) ?? 0, mode === "full" ? 1 : 0, `${mode}: content rule`);
        assert.ok((got.get(SNI_SID) ?? 0) > 0, `${mode}: tls.sni still inspected`);
        if (!suricata) continue;
        const ref = join(dir, `suricata-${mode}`);
        Deno.mkdirSync(ref);
        await runSuricata(pcap, rules, ref, set);
        assert.deepEqual(got, await alertCounts(join(ref, "eve.json")), `${mode}: as Suricata`);
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
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
    const dir = Deno.makeTempDirSync({ prefix: "tarsier-ssh-" });
    try {
      const rules = join(dir, "ssh.rules");
      Deno.writeTextFileSync(
        rules,
        [
          `alert tcp any any -> any 22 (msg:"client encrypted"; content:"|${
            hexOf(client, 8)
          }|"; sid:1;)`,
          `alert tcp any 22 -> any any (msg:"server encrypted"; content:"|${
            hexOf(server, 8)
          }|"; sid:2;)`,
          // SSH_MSG_NEWKEYS and its padding, in the clear before the keys change
          `alert ssh any any -> any 22 (msg:"newkeys"; content:"|15 00 00 00 00 00 00 00 00 00 00|"; sid:3;)`,
        ].join("\n") + "\n",
      );
      const out = join(dir, "tarsier");
      await runTarsier(pcap, rules, out);
      const got = await alertCounts(join(out, "eve.json"));
      assert.deepEqual([...got], [[3, 1]], "only NEWKEYS, which the streams held");
      assert.equal((await alertSources(join(out, "eve.json"))).get(3), "stream (detect/log)");
      if (!haveSuricata()) {
        console.log("suricata not installed: Tarsier's alerts only");
        return;
      }
      const ref = join(dir, "suricata");
      Deno.mkdirSync(ref);
      await runSuricata(pcap, rules, ref);
      assert.deepEqual(got, await alertCounts(join(ref, "eve.json")), "as Suricata");
      assert.deepEqual(
        await alertSources(join(out, "eve.json")),
        await alertSources(join(ref, "eve.json")),
        "raised from the same kind of packet as Suricata's",
      );
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

/** Alerts of an eve.json as "sid pcap_cnt" keys. */
async function alertKeys(eve: string): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const r of await eveRecords(eve)) {
    if (r.event_type !== "alert") continue;
    keys.add(`${(r.alert as { signature_id: number }).signature_id} ${r.pcap_cnt}`);
  }
  return keys;
}

/** TCP packets of a capture: how many are empty, how many come from port 443 with over 100 bytes. */
function tcpCounts(path: string): { empty: number; tls: number } {
  const capture = openCaptureFile(path);
  const batch = new FrameBatch();
  const p = new Packet();
  let empty = 0;
  let tls = 0;
  try {
    for (let n = capture.source.next(batch); n > 0; n = capture.source.next(batch)) {
      for (let i = 0; i < n; i++) {
        decodeFrame(p, batch, i);
        if (p.ipProto !== 6 || p.l4Offset < 0) continue;
        if (p.payloadLen === 0) empty++;
        else if (p.srcPort === 443 && p.payloadLen > 100) tls++;
      }
    }
  } finally {
    capture.close();
  }
  return { empty, tls };
}

Deno.test({
  name: "dsize: rules that need a payload skip encrypted and empty packets, as Suricata's mask",
  ignore: !HAVE_CORPUS,
  fn: async () => {
    const pcap = corpusPath(CAPTURE);
    const dir = Deno.makeTempDirSync({ prefix: "tarsier-dsize-" });
    try {
      const rules = join(dir, "dsize.rules");
      Deno.writeTextFileSync(
        rules,
        [
          `alert tcp any any -> any any (msg:"not 5"; dsize:!5; sid:2;)`,
          `alert tcp any any -> any any (msg:"under 5"; dsize:<5; sid:3;)`,
          `alert tcp any any -> any any (msg:"empty"; dsize:0; sid:4;)`,
          `alert tcp any 443 -> any any (msg:"tls over 100"; dsize:>100; sid:5;)`,
          `alert tcp any any -> any any (msg:"1 to 1999"; dsize:1<>2000; sid:6;)`,
        ].join("\n") + "\n",
      );
      const out = join(dir, "tarsier");
      await runTarsier(pcap, rules, out);
      const got = await alertKeys(join(out, "eve.json"));
      const packets = (sid: number) =>
        new Set([...got].filter((k) => k.startsWith(`${sid} `)).map((k) => k.split(" ")[1]));
      const { empty, tls } = tcpCounts(pcap);
      // "not 5" needs a payload: it alerts where "1 to 1999" does (no packet here has 5 bytes)
      assert.deepEqual(packets(2), packets(6));
      assert.equal(packets(4).size, empty, "dsize:0 on every empty TCP packet");
      assert.equal(packets(3).size, empty, "dsize:<5 needs no payload: the empty ones");
      const early = packets(5).size;
      assert.ok(early > 0 && early * 10 < tls, `${early} of ${tls}: handshake records only`);
      if (!haveSuricata()) {
        console.log("suricata not installed: Tarsier's alerts only");
        return;
      }
      const ref = join(dir, "suricata");
      Deno.mkdirSync(ref);
      await runSuricata(pcap, rules, ref);
      assert.deepEqual(
        got,
        await alertKeys(join(ref, "eve.json")),
        "as Suricata, packet by packet",
      );
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
