import assert from "node:assert/strict";
import { Ev } from "../../src/decode/events.ts";
import type { AlertInfo } from "../../src/output/eve_record.ts";
import { EveWriter, FastLogWriter } from "../../src/output/eve_writer.ts";
import { ascii, tcpPacket } from "./_frames.ts";

const ALERT: AlertInfo = {
  action: "allowed",
  drop: true,
  gid: 1,
  signatureId: 7,
  rev: 1,
  signature: "TEST",
  category: null,
  severity: 3,
};

function withTempDir(fn: (dir: string) => void | Promise<void>) {
  return async () => {
    const dir = Deno.makeTempDirSync();
    try {
      await fn(dir);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  };
}

Deno.test(
  "EveWriter: alert, anomaly, decoder anomalies and raw records, one per line",
  withTempDir((dir) => {
    const path = `${dir}/eve.json`;
    Deno.writeTextFileSync(path, "stale\n");
    const eve = new EveWriter(path, { append: false, payloadPrintable: true });
    const p = tcpPacket(ascii("hi"));
    assert.ok(eve.alert(p, 1, ALERT, { flowId: 5 }));
    assert.ok(eve.anomaly(p, 1, { type: "stream", event: "stream.pkt_broken_ack" }));
    p.setEvent(Ev.IPV4_OPT_PAD_REQUIRED);
    p.setEvent(Ev.IPV4_TRUNC_PKT);
    assert.equal(eve.decoderAnomalies(p, 1), 2);
    assert.ok(eve.writeRecord('{"event_type":"stats"}'));
    assert.equal(eve.records, 5);
    eve.close();
    assert.ok(eve.closed);
    const lines = Deno.readTextFileSync(path).split("\n");
    assert.equal(lines.pop(), "");
    const recs = lines.map((l) => JSON.parse(l));
    assert.deepEqual(recs.map((r) => r.event_type), [
      "alert",
      "anomaly",
      "anomaly",
      "anomaly",
      "stats",
    ]);
    assert.equal(recs[0].flow_id, 5);
    assert.equal(recs[0].payload_printable, "hi");
    assert.deepEqual(recs.slice(2, 4).map((r) => r.anomaly.event), [
      "decoder.ipv4.trunc_pkt",
      "decoder.ipv4.opt_pad_required",
    ]);
    // After close, writes are ignored instead of throwing.
    assert.equal(eve.alert(p, 1, ALERT), false);
    assert.equal(eve.anomaly(p, 1, { type: "stream", event: "x" }), false);
    assert.equal(eve.decoderAnomalies(p, 1), 0);
    assert.equal(eve.writeRecord("{}"), false);
  }),
);

Deno.test(
  "EveWriter: a packet without decoder events writes no anomaly",
  withTempDir((dir) => {
    const eve = new EveWriter(`${dir}/eve.json`);
    assert.equal(eve.decoderAnomalies(tcpPacket(ascii("x")), 1), 0);
    eve.close();
    assert.equal(Deno.readTextFileSync(`${dir}/eve.json`), "");
  }),
);

Deno.test(
  "FastLogWriter: IDS and IPS markers, append by default",
  withTempDir((dir) => {
    const path = `${dir}/fast.log`;
    const ids = new FastLogWriter(path);
    ids.alert(tcpPacket(ascii("x")), 1, ALERT);
    ids.close();
    const ips = new FastLogWriter(path, { ips: true });
    assert.equal(ips.ips, true);
    ips.alert(tcpPacket(ascii("x")), 2, ALERT);
    assert.equal(ips.records, 1);
    ips.close();
    assert.equal(ips.alert(tcpPacket(ascii("x")), 2, ALERT), false);
    const lines = Deno.readTextFileSync(path).split("\n");
    assert.equal(lines.length, 3);
    assert.match(
      lines[0],
      / {2}\[wDrop\] \[\*\*\] \[1:7:1\] TEST \[\*\*\] \[Classification: \(null\)\] \[Priority: 3\] \{TCP\} /,
    );
    assert.match(lines[1], / {2}\[Drop\] \[\*\*\] \[1:7:1\] TEST /);
  }),
);

const WRITER = new URL("../../src/output/eve_writer.ts", import.meta.url).href;
const FRAMES = new URL("./_frames.ts", import.meta.url).href;

function childCode(dir: string, tail: string): string {
  return `
    import { EveWriter, FastLogWriter, installFlushOnSignals } from ${JSON.stringify(WRITER)};
    import { ascii, tcpPacket } from ${JSON.stringify(FRAMES)};
    const eve = new EveWriter(${JSON.stringify(dir + "/eve.json")}, { append: false });
    const fast = new FastLogWriter(${JSON.stringify(dir + "/fast.log")}, { append: false });
    const alert = { action: "allowed", gid: 1, signatureId: 1, rev: 1, signature: "T", severity: 3 };
    const p = tcpPacket(ascii("x"));
    for (let i = 0; i < 100; i++) { eve.alert(p, i + 1, alert); fast.alert(p, i + 1, alert); }
    ${tail}
  `;
}

function lineCount(path: string): number {
  const text = Deno.readTextFileSync(path);
  assert.ok(text === "" || text.endsWith("\n"));
  return text === "" ? 0 : text.split("\n").length - 1;
}

Deno.test(
  "installFlushOnSignals: SIGTERM flushes, closes and exits 143",
  withTempDir(async (dir) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        childCode(
          dir,
          `
      installFlushOnSignals([eve, fast]);
      console.log("ready");
      setTimeout(() => {}, 60_000);
    `,
        ),
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value).trim(), "ready");
    // Still buffered (64 KiB buffers): nothing written yet.
    assert.equal(lineCount(`${dir}/eve.json`), 0);
    child.kill("SIGTERM");
    const status = await child.status;
    reader.releaseLock();
    await child.stdout.cancel();
    await child.stderr.cancel();
    assert.equal(status.code, 143);
    assert.equal(lineCount(`${dir}/eve.json`), 100);
    assert.equal(lineCount(`${dir}/fast.log`), 100);
  }),
);

Deno.test(
  "installFlushOnSignals: a normal end without close() flushes on unload",
  withTempDir(async (dir) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", childCode(dir, "installFlushOnSignals([eve, fast]);")],
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(lineCount(`${dir}/eve.json`), 100);
    assert.equal(lineCount(`${dir}/fast.log`), 100);
  }),
);

Deno.test(
  "installFlushOnSignals: exit:false lets the caller stop; later writes are ignored",
  withTempDir(async (dir) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        childCode(
          dir,
          `
      const uninstall = installFlushOnSignals([eve, fast], { exit: false });
      Deno.kill(Deno.pid, "SIGINT");
      await new Promise((r) => setTimeout(r, 200));
      console.log(JSON.stringify({ closed: eve.closed, late: eve.alert(p, 101, alert) }));
      uninstall();
    `,
        ),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), {
      closed: true,
      late: false,
    });
    assert.equal(lineCount(`${dir}/eve.json`), 100);
  }),
);
