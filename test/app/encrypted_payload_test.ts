/**
 * TLS encryption handling end to end: once a TLS flow carries application
 * data, content rules no longer inspect its payload (Suricata's
 * `encryption-handling: default`), while TLS transaction rules still match;
 * `encryption-handling: full` keeps inspecting it. The content rule is made
 * from real encrypted bytes of the capture, and when Suricata 7 is installed
 * it must raise the same alerts in both modes. Skipped without the corpus.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import { eveRecords, haveSuricata, runSuricata, runTarsier } from "../_suricata.ts";
import { tcpConnections } from "./_tcp_streams.ts";

const CAPTURE = "pcap/traffic-small.pcap";
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
    const at = data.length >> 1;
    return [...data.subarray(at, at + 16)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  }
  throw new Error(`${path}: no TLS connection with encrypted data`);
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
