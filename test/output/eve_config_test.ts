/**
 * EVE settings from suricata.yaml: what each eve-log type and option turns
 * on, and Suricata's shipped defaults when no configuration is given.
 */

import assert from "node:assert/strict";
import { loadConfig, loadConfigText } from "../../src/rules/config.ts";
import { eveSettingsOf } from "../../src/output/eve_config.ts";

Deno.test("eve settings: without a configuration, flows and stats are logged, anomalies are not", () => {
  const s = eveSettingsOf(loadConfig().config);
  assert.equal(s.flowRecords, true);
  assert.equal(s.statsRecords, true);
  assert.equal(s.decoderAnomalies, false);
  assert.equal(s.streamAnomalies, false);
  assert.equal(s.pcapFile, false);
});

Deno.test("eve settings: the types listed are the types logged", () => {
  const yaml = `%YAML 1.1
---
outputs:
  - fast:
      enabled: yes
  - eve-log:
      enabled: yes
      ethernet: true
      pcap-file: true
      types:
        - alert:
            payload: yes
            verdict: yes
        - anomaly:
            enabled: yes
            types:
              decode: no
              stream: yes
        - stats:
            totals: yes
`;
  const s = eveSettingsOf(loadConfigText(yaml).config);
  assert.equal(s.flowRecords, false, "flow is not listed");
  assert.equal(s.statsRecords, true);
  assert.equal(s.decoderAnomalies, false);
  assert.equal(s.streamAnomalies, true);
  assert.equal(s.pcapFile, true);
  assert.equal(s.verdict, true);
  assert.equal(s.options.payload, true);
  assert.equal(s.options.ethernet, true);
});

Deno.test("eve settings: --set reaches a listed type by its index", () => {
  const yaml = `%YAML 1.1
---
outputs:
  - eve-log:
      types:
        - alert
        - flow
        - anomaly:
            types:
              stream: no
`;
  const off = eveSettingsOf(loadConfigText(yaml).config);
  assert.equal(off.streamAnomalies, false);
  assert.equal(off.flowRecords, true);
  const on = eveSettingsOf(
    loadConfigText(yaml, { sets: ["outputs.0.eve-log.types.2.anomaly.types.stream=yes"] }).config,
  );
  assert.equal(on.streamAnomalies, true);
});
