import assert from "node:assert/strict";
import { FrameBatch } from "../../src/capture/frame_batch.ts";
import { decodeFrame, decodePacket } from "../../src/decode/decoder.ts";
import { Layer, Packet } from "../../src/decode/packet.ts";
import {
  bytes,
  decodeBytes,
  ethernet,
  ethIpv4Tcp,
  ethIpv4Udp,
  eventNames,
  filler,
  icmp4,
  ipv4,
  ipv6,
  snapshot,
  tcp,
} from "./frames.ts";

Deno.test("decoder: decodeFrame copies the descriptor and decodes", () => {
  const a = ethIpv4Tcp({}, { dp: 443 }, filler(5));
  const b = bytes(30, 0, 0, 0, ipv6({ nh: 17 }, bytes(0, 53, 0, 53, 0, 9, 0, 0, 7)));
  const data = bytes(filler(7), a, filler(3), b);
  const batch = new FrameBatch(4);
  batch.data = data;
  batch.count = 2;
  batch.offset[0] = 7;
  batch.capLen[0] = a.length;
  batch.wireLen[0] = 1500;
  batch.linkType[0] = 1;
  batch.tsSec[0] = 1700000000;
  batch.tsNsec[0] = 123;
  batch.offset[1] = 7 + a.length + 3;
  batch.capLen[1] = b.length;
  batch.wireLen[1] = b.length;
  batch.linkType[1] = 0;
  const p = new Packet();
  decodeFrame(p, batch, 0);
  assert.equal(p.frameOffset, 7);
  assert.equal(p.capLen, a.length);
  assert.equal(p.wireLen, 1500);
  assert.equal(p.tsSec, 1700000000);
  assert.equal(p.tsNsec, 123);
  assert.equal(p.dstPort, 443);
  assert.equal(p.payloadLen, 5);
  decodeFrame(p, batch, 1);
  assert.equal(p.layers, Layer.NULL | Layer.IPV6 | Layer.UDP);
  assert.equal(p.dstPort, 53);
  assert.equal(p.tcpSeq, 0, "fields of the previous frame are reset");
});

Deno.test("decoder: decoding the same packet twice gives the same result", () => {
  const p = new Packet();
  const frames = [
    ethIpv4Tcp({}, { options: [2, 4, 5, 0xb4] }),
    ethernet(0x0800, ipv4({ proto: 1 }, icmp4(3, 3, [0, 0, 0, 0], ipv4({ proto: 17 }, filler(8))))),
    ethernet(0x86dd, filler(10)),
  ];
  const first = frames.map((f) => snapshot(decodeBytes(f, 1, { packet: p })));
  const second = frames.map((f) => snapshot(decodeBytes(f, 1, { packet: p })));
  assert.deepEqual(second, first);
  const fresh = frames.map((f) => snapshot(decodeBytes(f, 1)));
  assert.deepEqual(fresh, first, "a reused packet decodes like a new one");
});

Deno.test("decoder: reads stop at the end of the buffer even when capLen says more", () => {
  const frame = ethIpv4Udp(1, 2, filler(10));
  const p = new Packet();
  p.data = frame.subarray(0, 30);
  p.frameOffset = 0;
  p.capLen = frame.length;
  p.linkType = 1;
  decodePacket(p);
  assert.deepEqual(eventNames(p), ["ipv4.pkt_too_small"]);
  p.frameOffset = 100;
  decodePacket(p);
  assert.deepEqual(eventNames(p), ["ethernet.pkt_too_small"]);
});

Deno.test("decoder: unknown link types decode nothing", () => {
  for (const lt of [2, 105, 127, 147, 65535]) {
    const p = decodeBytes(ethIpv4Tcp(), lt);
    assert.equal(p.layers, 0);
    assert.equal(p.eventCount, 0);
    assert.equal(p.l3Offset, -1);
  }
});

Deno.test("decoder: frame offsets past 2^31 and 2^32 work", () => {
  const frame = ethIpv4Tcp({}, { sp: 999 }, filler(3));
  for (const base of [2 ** 31 + 5, 2 ** 32 + 11, 2 ** 40]) {
    // A sparse view: index base+i reads frame[i]; everything else is 0x5a.
    const sparse = new Proxy(new Uint8Array(0), {
      get(_t, key) {
        if (key === "length") return base + frame.length;
        if (typeof key === "string" && /^[0-9]+$/.test(key)) {
          const i = Number(key) - base;
          return i >= 0 && i < frame.length ? frame[i] : 0x5a;
        }
        return undefined;
      },
    }) as Uint8Array;
    const p = new Packet();
    p.data = sparse;
    p.frameOffset = base;
    p.capLen = frame.length;
    p.linkType = 1;
    decodePacket(p);
    assert.equal(p.layers, Layer.ETHERNET | Layer.IPV4 | Layer.TCP, `base ${base}`);
    assert.equal(p.srcPort, 999);
    assert.equal(p.payloadLen, 3);
  }
});

Deno.test("decoder: tunnels nest until the layer limit", () => {
  // IPv6 in IPv6, eight deep, then TCP.
  let pkt: Uint8Array = ipv6({ nh: 6 }, tcp({ dp: 8 }));
  for (let i = 0; i < 4; i++) pkt = ipv6({ nh: 41 }, pkt);
  const ok = decodeBytes(ethernet(0x86dd, pkt));
  assert.equal(ok.dstPort, 8);
  assert.equal(ok.eventCount, 0);
  for (let i = 0; i < 6; i++) pkt = ipv6({ nh: 41 }, pkt);
  const deep = decodeBytes(ethernet(0x86dd, pkt));
  assert.deepEqual(eventNames(deep), ["too_many_layers"]);
  assert.equal(deep.dstPort, 0);
});
