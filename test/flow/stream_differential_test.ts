/**
 * Differential test of TCP reassembly and stream inspection against the
 * installed Suricata 7: payload rules (plain `tcp` content rules that
 * inspect the stream, `tcp-stream` and `flow:only_stream` rules that only
 * do, `tcp-pkt` and `dsize` rules that only look at packets, anchored and
 * unanchored patterns) over captures with handshakes, overlaps, gaps,
 * resets with data, SMB, HTTP and one-sided sessions. Every alert must
 * match: the signature, the packet it was raised on (or the flow-end pseudo
 * packet), its source, and whether it matched in the stream. The flow
 * records of the same runs must match too: per flow (by its 5-tuple)
 * packets and bytes each way, start, end, state, end reason, alerted, and
 * TCP flags each way. TCP session events (no session, wrong handshakes,
 * overlapping data) are compared on captures that raise them. Skipped when
 * `suricata` or the corpus is missing.
 *
 * Rules whose content is anchored (depth, offset, startswith) inspect the
 * packet too, so they may alert twice, on the packet and on the stream
 * holding the same bytes, as Suricata's do (SIG_FLAG_REQUIRE_PACKET with
 * _STREAM; SMB responses and a DCE/RPC bind in bug-5162).
 *
 * Known differences, left out here: where a midstream flow picked up from a response is turned round
 * (alert-testmyids-midstream), the flow record is compared, not on which
 * packet the response's bytes alert. Where a stream is inspected by
 * chunks, Suricata randomizes the chunk size by default (randomize-chunk-size,
 * 2560 +-10%; `runSuricata` turns it off, as a run under load once alerted
 * on another packet of bug-5162); tcp-async-01 still compares only its
 * match across packets.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import { eveRecords, haveSuricata, runSuricata, runTarsier } from "../_suricata.ts";

const SV = "suricata-verify";

/** TCP session events the state machine raises (and the reassembly's depth event). */
const EVENT_RULES = `
alert tcp any any -> any any (stream-event:rst_but_no_session; sid:11;)
alert tcp any any -> any any (stream-event:fin_but_no_session; sid:12;)
alert tcp any any -> any any (stream-event:3whs_synack_in_wrong_direction; sid:13;)
alert tcp any any -> any any (stream-event:3whs_synack_with_wrong_ack; sid:14;)
alert tcp any any -> any any (stream-event:3whs_right_seq_wrong_ack_evasion; sid:15;)
alert tcp any any -> any any (stream-event:reassembly_overlap_different_data; sid:16;)
`;

/** Rules per capture: the payloads the captures carry, each in the ways a rule can look for it. */
const CASES: { pcap: string; rules: string; extra?: string[]; flows?: boolean }[] = [
  {
    pcap: `${SV}/eve-payload-05-tcp-data-gap/tcp-simple-gap2.pcap`,
    rules: `
alert tcp any any -> any any (content:"VERY"; sid:1;)
alert tcp-stream any any -> any any (content:"DATA"; sid:2;)
alert tcp-pkt any any -> any any (content:"DATA"; sid:3;)
alert tcp any any -> any any (flow:only_stream; content:"VERY"; sid:4;)
alert tcp any any -> any any (content:"VERY"; dsize:4; sid:5;)
alert tcp-stream any any -> any any (content:"VERYDATA"; sid:6;)
alert tcp any any -> any any (content:"VERY"; depth:4; sid:7;)
alert tcp any any -> any any (content:"RY"; offset:2; depth:4; sid:8;)
alert tcp any any -> any any (content:"VERY"; startswith; sid:9;)
alert tcp any any -> any any (pcre:"/^VERY/"; sid:10;)
alert tcp any any -> any any (content:"V"; isdataat:3; sid:11;)
alert tcp any any -> any any (content:"VERY"; endswith; sid:12;)
`,
  },
  {
    pcap: `${SV}/eve-payload-01-tcp-exact-overlap/tcp-overlap.pcap`,
    rules: `
alert tcp any any -> any any (content:"GOOD"; sid:1;)
alert tcp any any -> any any (content:"EVIL"; sid:2;)
alert tcp-pkt any any -> any any (content:"EVIL"; sid:3;)
`,
  },
  {
    pcap: `${SV}/eve-payload-04-partial-overlap/tcp-overlap2.pcap`,
    rules: `
alert tcp any any -> any any (content:"GOOD"; sid:1;)
alert tcp any any -> any any (content:"EVIL"; sid:2;)
alert tcp-stream any any -> any any (content:"D"; sid:3;)
`,
  },
  {
    pcap: `${SV}/eve-payload-06-tcp-data-leading-gap/tcp-leading-gap.pcap`,
    rules: `
alert tcp any any -> any any (content:"GOOD"; sid:1;)
alert tcp any any -> any any (content:"GOODDATA"; sid:2;)
`,
  },
  {
    pcap: `${SV}/bug-6244-tcp-rst-with-data/tcp-rst-with-data.pcap`,
    rules: `
alert tcp any any -> any any (content:"Access Denied"; sid:1;)
alert tcp any any -> any any (content:"Please Let Me In!"; sid:2;)
alert tcp-pkt any any -> any any (content:"Please"; sid:3;)
`,
  },
  {
    pcap: `${SV}/bug-5162/input.pcap`,
    rules: `
alert tcp any any -> any 445 (flow:established,to_server; content:"|fe|SMB"; depth:8; content:"|09 00|"; distance:8; within:2; sid:1;)
alert tcp any any -> any any (flow:to_client; content:"|fe|SMB"; offset:4; depth:4; sid:2;)
alert tcp any any -> any 135 (content:"|05 00 0b|"; depth:3; sid:3;)
alert tcp-pkt any any -> any 445 (content:"SMB"; depth:8; sid:4;)
`,
  },
  {
    pcap: `${SV}/tcp-async-01/input.pcap`,
    rules: `
alert tcp any 143 -> any any (content:"C6 OK ID completed|0d 0a|* 21 EXISTS|0d 0a|* 6 RECENT"; flow:to_client; sid:1;)
`,
    extra: ["--set", "stream.midstream=true", "--set", "stream.async-oneside=true"],
  },
  {
    // a midstream flow picked up from the server's response: turned round by protocol detection
    pcap: `${SV}/alert-testmyids-midstream/input.pcap`,
    rules: `alert tcp any any -> any any (content:"no such bytes"; sid:1;)\n`,
    extra: ["--set", "stream.midstream=true"],
  },
  ...[
    "alert-no-3whs-established/no-3whs.pcap",
    "bug-5464-verdict-06/input.pcap",
    "krb5-krb5_msg_type/input.pcap",
    "exception-policy-default-04/input.pcap",
    "stream-async/http/stream-async-6063-srv-03/input.pcap",
    "eve-payload-04-partial-overlap/tcp-overlap2.pcap",
    "dcerpc/dcerpc-3109/input.pcap",
  ].map((p) => ({ pcap: `${SV}/${p}`, rules: EVENT_RULES, flows: false })),
];

type Alerts = Map<string, number>;

async function alertsOf(eve: string): Promise<Alerts> {
  const out: Alerts = new Map();
  for (const e of await eveRecords(eve)) {
    if (e.event_type !== "alert") continue;
    const a = e.alert as { signature_id: number };
    const at = e.pcap_cnt === undefined ? `pseudo ${e.pkt_src}` : `pkt ${e.pcap_cnt}`;
    const key = `sid ${a.signature_id} ${at} ${e.src_ip}:${e.src_port} stream ${e.stream}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

async function flowsOf(eve: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await eveRecords(eve)) {
    if (e.event_type !== "flow") continue;
    const f = e.flow as Record<string, unknown>;
    const tcp = e.tcp as Record<string, unknown> | undefined;
    const key = `${e.proto} ${e.src_ip}:${e.src_port} -> ${e.dest_ip}:${e.dest_port}`;
    out.set(
      key,
      `pkts ${f.pkts_toserver}/${f.pkts_toclient} bytes ${f.bytes_toserver}/${f.bytes_toclient} ` +
        `${f.start} .. ${f.end} age ${f.age} ${f.state} ${f.reason} alerted ${f.alerted} ` +
        (tcp ? `tcp ${tcp.tcp_flags_ts}/${tcp.tcp_flags_tc} ${tcp.state}` : ""),
    );
  }
  return out;
}

function compare<V>(what: string, want: Map<string, V>, got: Map<string, V>, out: string[]): void {
  for (const [k, v] of want) {
    if (!got.has(k)) out.push(`${what}: missing ${k} (${v})`);
    else if (got.get(k) !== v) out.push(`${what}: ${k}: want ${v}, got ${got.get(k)}`);
  }
  for (const [k, v] of got) if (!want.has(k)) out.push(`${what}: extra ${k} (${v})`);
}

Deno.test({
  name: "stream inspection and flow records: Suricata's, alert for alert and flow for flow",
  ignore: !HAVE_CORPUS || !haveSuricata(),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tarsier-streamdiff-" });
    try {
      const failures: string[] = [];
      let alerts = 0;
      let flows = 0;
      await Promise.all(CASES.map(async ({ pcap, rules, extra, flows: withFlows }, i) => {
        const path = corpusPath(pcap);
        const ruleFile = join(dir, `r${i}.rules`);
        await Deno.writeTextFile(ruleFile, rules);
        const s = join(dir, `s${i}`);
        const t = join(dir, `t${i}`);
        await Deno.mkdir(s);
        await Deno.mkdir(t);
        await runSuricata(path, ruleFile, s, extra);
        await runTarsier(path, ruleFile, t, extra);
        const want = await alertsOf(join(s, "eve.json"));
        alerts += want.size;
        compare(pcap, want, await alertsOf(join(t, "eve.json")), failures);
        if (withFlows === false) return;
        const wantFlows = await flowsOf(join(s, "eve.json"));
        flows += wantFlows.size;
        compare(pcap + " flow", wantFlows, await flowsOf(join(t, "eve.json")), failures);
      }));
      assert.deepEqual(failures, []);
      assert.ok(alerts >= 15, `${alerts} alerts compared`);
      assert.ok(flows >= 10, `${flows} flows compared`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
