/**
 * TCP checksum validation by the stream engine: a segment with a bad
 * checksum is counted in its flow but neither advances the TCP session nor
 * joins the stream ("yes"); "no" trusts it; "auto" trusts every checksum
 * once more than one packet in ten of the first 1000 had a bad one (as with
 * checksum offloading).
 */

import assert from "node:assert/strict";
import { DetectContext } from "../../src/detect/detect_context.ts";
import { Packet } from "../../src/decode/packet.ts";
import { TcpState } from "../../src/flow/flow_table.ts";
import { type ChecksumValidation, FlowStage } from "../../src/flow/flow_tracker.ts";
import { A, decodeAt, P, S, TcpConversation } from "./_flow_frames.ts";

const E = { client: "10.0.0.1", server: "10.0.0.2", cport: 40000, sport: 80 };

/** The frame with its TCP checksum broken (Ethernet 14 + IPv4 20 + 16). */
function broken(frame: Uint8Array): Uint8Array {
  const f = frame.slice();
  f[14 + 20 + 16] ^= 0xff;
  return f;
}

function stage(mode: ChecksumValidation) {
  const flows = new FlowStage({ capacity: 64, checksumValidation: mode }, 1, 1);
  const p = new Packet();
  const ctx = new DetectContext(p);
  let t = 1000;
  return {
    flows,
    ctx,
    run(frame: Uint8Array) {
      decodeAt(frame, t += 0.001, p);
      ctx.now = t;
      flows.update(p, ctx);
      flows.finish(ctx);
      return ctx;
    },
  };
}

Deno.test("checksums yes: a bad segment is counted but moves neither state nor stream", () => {
  const s = stage("yes");
  const c = new TcpConversation(E);
  const syn = c.seg(true, S);
  s.run(broken(syn));
  const f = s.ctx.flowIndex;
  assert.ok(f >= 0, "the packet still has a flow");
  assert.equal(s.flows.table.tcpState[f], TcpState.NONE);
  assert.equal(s.flows.table.pktsToServer[f], 1);
  assert.equal(s.flows.invalidChecksums, 1);
  s.run(syn);
  assert.equal(s.flows.table.tcpState[f], TcpState.SYN_SENT);
  s.run(c.seg(false, S | A));
  s.run(c.seg(true, A));
  const data = c.seg(true, A | P, "GET / HTTP/1.1\r\n\r\n");
  assert.equal(s.run(broken(data)).streamAdded, false);
  assert.equal(s.run(data).streamAdded, true);
  assert.equal(s.flows.invalidChecksums, 2);
});

Deno.test("checksums no: every segment is trusted", () => {
  const s = stage("no");
  const c = new TcpConversation(E);
  s.run(broken(c.seg(true, S)));
  assert.equal(s.flows.table.tcpState[s.ctx.flowIndex], TcpState.SYN_SENT);
  assert.equal(s.flows.invalidChecksums, 0);
});

Deno.test("checksums auto: after 1000 packets with over 1 in 10 bad, checksums are trusted", () => {
  const s = stage("auto");
  // 1000 packets of other flows, one in five with a bad checksum
  for (let i = 0; i < 1000; i++) {
    const c = new TcpConversation({ ...E, cport: 20000 + i });
    const syn = c.seg(true, S);
    s.run(i % 5 === 0 ? broken(syn) : syn);
  }
  assert.equal(s.flows.invalidChecksums, 200);
  const c = new TcpConversation({ ...E, cport: 10000 });
  s.run(broken(c.seg(true, S)));
  assert.equal(s.flows.table.tcpState[s.ctx.flowIndex], TcpState.SYN_SENT, "now trusted");
  assert.equal(s.flows.invalidChecksums, 200, "no longer checked");
});

Deno.test("checksums auto: few bad checksums keep validation on", () => {
  const s = stage("auto");
  for (let i = 0; i < 1000; i++) {
    const c = new TcpConversation({ ...E, cport: 20000 + i });
    const syn = c.seg(true, S);
    s.run(i % 50 === 0 ? broken(syn) : syn);
  }
  const c = new TcpConversation({ ...E, cport: 10000 });
  s.run(broken(c.seg(true, S)));
  assert.equal(s.flows.table.tcpState[s.ctx.flowIndex], TcpState.NONE, "still checked");
});
