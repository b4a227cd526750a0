/**
 * EVE flow records carry `in_iface` after `flow_id` when the flow's first
 * packet came from a live interface (Suricata's `f->livedev`), and nothing
 * for files: real frames through the decoder and the flow stage.
 */

import assert from "node:assert/strict";
import { decodePacket } from "../../src/decode/decoder.ts";
import { Packet } from "../../src/decode/packet.ts";
import { DetectContext } from "../../src/detect/detect_context.ts";
import { FlowStage } from "../../src/flow/flow_tracker.ts";
import { flowRecord } from "../../src/output/flow_record.ts";
import { ascii, cat, eth, ipv4, udp } from "./_frames.ts";

function udpFrame(sport: number): Uint8Array {
  const payload = ascii("hello");
  return cat(
    eth(0x0800),
    ipv4([10, 0, 0, 1], [10, 0, 0, 2], 17, 8 + payload.length),
    udp(sport, 9999, payload.length),
    payload,
  );
}

Deno.test("flow records: in_iface of the flow's first packet (live), none for files", () => {
  const packet = new Packet();
  const ctx = new DetectContext(packet);
  const stage = new FlowStage({ capacity: 64, appLayer: false }, 0);
  const records: string[] = [];
  stage.onFlowRecord = (record) => records.push(flowRecord(record));
  const feed = (frame: Uint8Array, iface: string | null) => {
    packet.data = frame;
    packet.frameOffset = 0;
    packet.capLen = frame.length;
    packet.wireLen = frame.length;
    packet.linkType = 1;
    packet.tsSec = 1_700_000_000;
    packet.tsNsec = 0;
    packet.inIface = iface;
    decodePacket(packet);
    ctx.now = packet.tsSec;
    stage.update(packet, ctx);
    stage.finish(ctx);
  };
  feed(udpFrame(40000), "eth7");
  feed(udpFrame(40000), "eth8"); // a later packet does not change it
  feed(udpFrame(40001), null);
  stage.endAll();
  assert.equal(records.length, 2);
  const live = records.find((r) => r.includes('"src_port":40000'))!;
  assert.match(live, /^\{"timestamp":"[^"]+","flow_id":\d+,"in_iface":"eth7","event_type":"flow"/);
  const file = records.find((r) => r.includes('"src_port":40001'))!;
  assert(!file.includes("in_iface"), file);
  assert.equal(JSON.parse(live).in_iface, "eth7");
});
