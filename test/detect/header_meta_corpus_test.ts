/**
 * Every rule of the ET Open and Suricata rule sets in the shared corpus,
 * compiled with only the header and meta keywords (the other keywords are
 * left out so that their state does not hide ours): none of ours may fail.
 * Skipped when the corpus is missing.
 */

import assert from "node:assert/strict";
import { compileRule } from "../../src/detect/signature_compiler.ts";
import { AddressResolver } from "../../src/rules/address.ts";
import { parseClassificationConfig } from "../../src/rules/classification.ts";
import { formatDiagnostic } from "../../src/rules/diagnostic.ts";
import { PortResolver } from "../../src/rules/port.ts";
import { parseRules } from "../../src/rules/rule_parser.ts";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import "./header_rules.ts";

/** The keywords of mod_header.ts and mod_meta.ts, aliases included. */
const OURS = new Set([
  "ttl",
  "tos",
  "id",
  "ipopts",
  "fragbits",
  "fragoffset",
  "ip_proto",
  "sameip",
  "tcp.flags",
  "flags",
  "tcp.seq",
  "seq",
  "tcp.ack",
  "ack",
  "tcp.window",
  "window",
  "tcp.mss",
  "itype",
  "icode",
  "icmp_id",
  "icmp_seq",
  "dsize",
  "decode-event",
  "engine-event",
  "stream-event",
  "app-layer-event",
  "ipv4-csum",
  "tcpv4-csum",
  "tcpv6-csum",
  "udpv4-csum",
  "udpv6-csum",
  "icmpv4-csum",
  "icmpv6-csum",
  "msg",
  "sid",
  "rev",
  "gid",
  "classtype",
  "priority",
  "reference",
  "metadata",
  "target",
  "tag",
  "requires",
]);

const ADDRESS_VARS = [
  "HOME_NET",
  "EXTERNAL_NET",
  "HTTP_SERVERS",
  "SMTP_SERVERS",
  "SQL_SERVERS",
  "DNS_SERVERS",
  "TELNET_SERVERS",
  "AIM_SERVERS",
  "DC_SERVERS",
  "DNP3_SERVER",
  "DNP3_CLIENT",
  "MODBUS_CLIENT",
  "MODBUS_SERVER",
  "ENIP_CLIENT",
  "ENIP_SERVER",
];

Deno.test({
  name: "corpus: no ET Open or Suricata rule fails on a header or meta keyword",
  ignore: !HAVE_CORPUS,
  fn() {
    const classes = parseClassificationConfig(
      Deno.readTextFileSync(corpusPath("rules/et-open/classification.config")),
      "classification.config",
    ).classes;
    const env = {
      addresses: new AddressResolver(Object.fromEntries(ADDRESS_VARS.map((v) => [v, "any"]))),
      ports: new PortResolver({
        HTTP_PORTS: "80",
        SHELLCODE_PORTS: "!80",
        ORACLE_PORTS: "1521",
        SSH_PORTS: "22",
        DNP3_PORTS: "20000",
        MODBUS_PORTS: "502",
        FILE_DATA_PORTS: "[80,110,143]",
        FTP_PORTS: "21",
        GENEVE_PORTS: "6081",
        VXLAN_PORTS: "4789",
        TEREDO_PORTS: "3544",
      }),
      classifications: classes,
    };
    const failures: string[] = [];
    const waiting = new Map<string, number>();
    let rules = 0;
    let uses = 0;
    for (const dir of ["et-open", "suricata"]) {
      const names = [...Deno.readDirSync(corpusPath(`rules/${dir}`))]
        .map((e) => e.name)
        .filter((n) => n.endsWith(".rules"))
        .sort();
      for (const name of names) {
        const text = Deno.readTextFileSync(corpusPath(`rules/${dir}/${name}`));
        for (const rule of parseRules(text, `${dir}/${name}`).rules) {
          rules++;
          const options = rule.options.filter((o) => OURS.has(o.name));
          uses += options.length;
          const r = compileRule({ ...rule, options }, env);
          if (!r.ok) {
            // Header problems (e.g. `!any` once EXTERNAL_NET is any) are not ours.
            if (r.reason !== "invalid address") failures.push(formatDiagnostic(r.diagnostic));
            continue;
          }
          for (const w of r.sig.waitingFor) {
            const key = w.startsWith("app-layer:") ? "app-layer:*" : w;
            waiting.set(key, (waiting.get(key) ?? 0) + 1);
          }
        }
      }
    }
    assert.ok(rules > 25000, `${rules} rules read`);
    assert.ok(uses > 100000, `${uses} header/meta options`);
    assert.deepEqual(failures, []);
    // Event keywords load, waiting for the stages that will raise the events
    // (the reassembly's and five TCP state machine events are raised: those do not wait).
    assert.equal(waiting.get("stream-events"), 54);
    // app-layer events of the protocols without a parser (smb, ftp, smtp, ...) wait
    assert.ok((waiting.get("app-layer-events") ?? 0) >= 50, `${waiting.get("app-layer-events")}`);
  },
});
