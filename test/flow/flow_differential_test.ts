/**
 * Differential test against the installed Suricata 7: rules made only of
 * flow-state keywords (flow, flowbits, flowint, threshold, detection_filter)
 * run by Suricata and by `tarsier scan` over captures of the shared corpus
 * (TCP handshakes, resets, TCP Fast Open, midstream pick-ups, UDP, ICMP,
 * SCTP, VLANs, IGMP without a flow). Every alert must match: the packet, the
 * signature, its direction and the flow's packet counters at that packet.
 * Skipped when `suricata` or the corpus is missing.
 *
 * (Captures with tunnels, flow-end pseudo packets or reassembled fragments
 * are left out: Tarsier does not inspect the outer packet of a tunnel nor
 * make pseudo packets yet, and logs reassembled datagrams differently.)
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import { haveSuricata, runSuricata, runTarsier } from "../_suricata.ts";

const RULES = `
alert tcp any any -> any any (msg:"est ts"; flow:established,to_server; sid:1;)
alert tcp any any -> any any (msg:"est tc"; flow:established,to_client; sid:2;)
alert tcp any any -> any any (msg:"not est ts"; flow:not_established,to_server; sid:3;)
alert tcp any any -> any any (msg:"not est tc"; flow:not_established,to_client; sid:4;)
alert udp any any -> any any (msg:"u est ts"; flow:established,to_server; sid:5;)
alert udp any any -> any any (msg:"u est tc"; flow:established,to_client; sid:6;)
alert udp any any -> any any (msg:"u not est"; flow:not_established; sid:7;)
alert icmp any any -> any any (msg:"i est"; flow:established; sid:8;)
alert icmp any any -> any any (msg:"i not est"; flow:not_established; sid:9;)
alert icmp any any -> any any (msg:"i tc"; flow:to_client; sid:10;)
alert icmp any any -> any any (msg:"i ts"; flow:to_server; sid:11;)
alert ip any any -> any any (msg:"ip ts"; flow:to_server; sid:12;)
alert ip any any -> any any (msg:"ip tc"; flow:to_client; sid:13;)
alert ip any any -> any any (msg:"ip not est"; flow:not_established; sid:14;)
alert ip any any -> any any (msg:"ip est"; flow:established; sid:15;)
alert ip any any -> any any (msg:"ip no_stream"; flow:not_established,no_stream; sid:16;)
alert tcp any any -> any any (msg:"syn"; flags:S; flowbits:set,syn; flowbits:noalert; sid:101;)
alert tcp any any -> any any (msg:"isset"; flowbits:isset,syn; flow:established,to_client; sid:102;)
alert tcp any any -> any any (msg:"toggle"; flow:established,to_server; flowbits:toggle,tg; sid:103;)
alert tcp any any -> any any (msg:"tg isset"; flowbits:isset,tg; sid:104;)
alert tcp any any -> any any (msg:"tg isnotset"; flowbits:isnotset,tg; flow:to_server; sid:105;)
alert tcp any any -> any any (msg:"unset"; flowbits:isset,syn; flags:F+; flowbits:unset,syn; sid:106;)
alert tcp any any -> any any (msg:"or"; flowbits:isset,nosuch|tg; sid:107;)
alert ip any any -> any any (msg:"isnotset ip"; flowbits:isnotset,nosuch; sid:108;)
alert tcp any any -> any any (msg:"limit"; flow:established; threshold:type limit, track by_src, count 3, seconds 60; sid:201;)
alert tcp any any -> any any (msg:"threshold"; flow:established; threshold:type threshold, track by_dst, count 5, seconds 60; sid:202;)
alert tcp any any -> any any (msg:"both"; flow:established; threshold:type both, track by_both, count 10, seconds 1; sid:203;)
alert tcp any any -> any any (msg:"rule"; flow:no_stream; threshold:type limit, track by_rule, count 7, seconds 1; sid:204;)
alert tcp any any -> any any (msg:"df"; flow:no_stream; detection_filter:track by_src, count 20, seconds 1; sid:205;)
alert udp any any -> any any (msg:"df dst"; flow:no_stream; detection_filter:track by_dst, count 2, seconds 1; sid:206;)
alert tcp any any -> any any (msg:"thr1"; threshold:type threshold, track by_src, count 1, seconds 10; flow:to_client; sid:207;)
alert ip any any -> any any (msg:"thr ip"; flow:no_stream; threshold:type threshold, track by_dst, count 3, seconds 1; sid:208;)
alert tcp any any -> any any (msg:"add"; flow:established; flowint:cnt,+,1; noalert; sid:301;)
alert tcp any any -> any any (msg:"eq"; flowint:cnt,==,5; sid:302;)
alert tcp any any -> any any (msg:"gt"; flowint:cnt,>,10; flow:to_client; sid:303;)
alert tcp any any -> any any (msg:"notset"; flowint:cnt,notset; sid:304;)
alert tcp any any -> any any (msg:"set"; flowint:other,=,7; flags:S; noalert; sid:305;)
alert tcp any any -> any any (msg:"var"; flowint:cnt,>=,other; flow:to_server; sid:306;)
`;

const SV = "suricata-verify";
const CASES: [string, string[]][] = [
  ["pcap/traffic-small.pcap", []],
  [`${SV}/tcp-fastopen-01/tfo.pcap`, []],
  [`${SV}/tcp-fastopen-07/tcp_fastopen_segmentation.pcap`, []],
  [`${SV}/bug-5162/input.pcap`, []],
  [`${SV}/flowint-isnotset/input.pcap`, []],
  [`${SV}/datasets-03-set/input.pcap`, []],
  [`${SV}/decode-sctp-01/input.pcap`, []],
  [`${SV}/bug-6244-tcp-rst-with-data/tcp-rst-with-data.pcap`, []],
  [`${SV}/like-ip-only-01/krb5-frag.pcap`, []],
  [`${SV}/alert-no-3whs-established/no-3whs.pcap`, []],
  [`${SV}/icmp-hdr-02/input.pcap`, []],
  [`${SV}/alert-testmyids-midstream5/input.pcap`, ["--set", "stream.midstream=true"]],
  [`${SV}/http-async/input.pcap`, ["--set", "stream.midstream=true"]],
];

type Alerts = Map<string, string>;

async function alertsOf(eve: string): Promise<Alerts> {
  const out: Alerts = new Map();
  const text = await Deno.readTextFile(eve);
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const e = JSON.parse(line);
    if (e.event_type !== "alert") continue;
    const key = `${e.pcap_cnt} sid ${e.alert.signature_id} ${e.src_ip}:${e.src_port ?? ""}`;
    const f = e.flow ?? {};
    out.set(key, `${e.direction} ${f.pkts_toserver}/${f.pkts_toclient}`);
  }
  return out;
}

Deno.test({
  name: "flow state keywords: Suricata's alerts, packet for packet, with flow counters",
  ignore: !HAVE_CORPUS || !haveSuricata(),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tarsier-flowdiff-" });
    try {
      const rules = join(dir, "flow.rules");
      await Deno.writeTextFile(rules, RULES);
      const failures: string[] = [];
      let compared = 0;
      await Promise.all(CASES.map(async ([pcap, extra], i) => {
        const path = corpusPath(pcap);
        const s = join(dir, `s${i}`);
        const t = join(dir, `t${i}`);
        await Deno.mkdir(s);
        await Deno.mkdir(t);
        await runSuricata(path, rules, s, extra);
        await runTarsier(path, rules, t, extra);
        const want = await alertsOf(join(s, "eve.json"));
        const got = await alertsOf(join(t, "eve.json"));
        compared += want.size;
        for (const [k, v] of want) {
          if (!got.has(k)) failures.push(`${pcap}: missing ${k} (${v})`);
          else if (got.get(k) !== v) {
            failures.push(`${pcap}: ${k}: suricata ${v}, tarsier ${got.get(k)}`);
          }
        }
        for (const k of got.keys()) if (!want.has(k)) failures.push(`${pcap}: extra ${k}`);
      }));
      assert.ok(compared > 30000, `compared ${compared} alerts`);
      assert.deepEqual(failures.slice(0, 20), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
