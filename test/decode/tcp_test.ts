import assert from "node:assert/strict";
import { Layer, TcpFlag } from "../../src/decode/packet.ts";
import {
  assertCutSafe,
  be16,
  be32,
  bytes,
  decodeBytes,
  ethIpv4Tcp,
  eventNames,
  filler,
} from "./frames.ts";

Deno.test("tcp: header fields", () => {
  const frame = ethIpv4Tcp({}, {
    sp: 49152,
    dp: 8080,
    seq: 0xfffffff0,
    ack: 0x80000001,
    flags: 0x1c2, // NS, CWR, ECE, SYN
    win: 29200,
    urg: 3,
  }, filler(9));
  const p = decodeBytes(frame);
  assert.equal(p.srcPort, 49152);
  assert.equal(p.dstPort, 8080);
  assert.equal(p.tcpSeq, 0xfffffff0);
  assert.equal(p.tcpAck, 0x80000001);
  assert.equal(p.tcpFlags, TcpFlag.NS | TcpFlag.CWR | TcpFlag.ECE | TcpFlag.SYN);
  assert.equal(p.tcpWindow, 29200);
  assert.equal(p.tcpUrgent, 3);
  assert.equal(p.l4Offset, 34);
  assert.equal(p.l4HeaderLen, 20);
  assert.equal(p.payloadOffset, 54);
  assert.equal(p.payloadLen, 9);
  assert.equal(p.tcpWscale, -1);
  assert.equal(p.tcpMss, 0);
});

Deno.test("tcp: SYN options", () => {
  const options = [
    ...[2, 4, ...be16(1460)],
    ...[4, 2],
    ...[8, 10, ...be32(123456789), ...be32(0)],
    1,
    ...[3, 3, 7],
  ];
  const frame = ethIpv4Tcp({}, { flags: 0x02, options });
  const p = decodeBytes(frame);
  assert.equal(p.l4HeaderLen, 40);
  assert.equal(p.tcpMss, 1460);
  assert.equal(p.tcpSackPermitted, true);
  assert.equal(p.tcpHasTimestamp, true);
  assert.equal(p.tcpTsVal, 123456789);
  assert.equal(p.tcpTsEcr, 0);
  assert.equal(p.tcpWscale, 7);
  assert.equal(p.payloadLen, 0);
  assert.deepEqual(eventNames(p), []);
  assertCutSafe(frame);
});

Deno.test("tcp: SACK blocks and window scale cap", () => {
  const options = [
    1,
    1,
    5,
    18,
    ...be32(100),
    ...be32(200),
    ...be32(300),
    ...be32(400),
    3,
    3,
    20,
    0,
  ];
  const frame = ethIpv4Tcp({}, { options });
  const p = decodeBytes(frame);
  assert.equal(p.tcpSackBlocks, 2);
  assert.equal(p.tcpSackOffset, 34 + 20 + 4);
  assert.deepEqual(Array.from(frame.subarray(p.tcpSackOffset, p.tcpSackOffset + 4)), be32(100));
  assert.equal(p.tcpWscale, 14);
  assertCutSafe(frame);
});

Deno.test("tcp: option anomalies", () => {
  const cases: [number[], string[]][] = [
    [[2, 3, 5, 0], ["tcp.opt_invalid_len"]],
    [[2, 4, 5, 0xb4, 2, 4, 5, 0xb4], ["tcp.opt_duplicate"]],
    [[4, 2, 4, 2], ["tcp.opt_duplicate"]],
    [[5, 6, 0, 0, 0, 0, 0, 0], ["tcp.opt_invalid_len"]],
    [[2, 0, 0, 0], ["tcp.opt_invalid_len"]],
    [[2, 12, 0, 0], ["tcp.opt_invalid_len"]],
    [[19, 6, 0, 0, 0, 0, 0, 0], ["tcp.opt_invalid_len"]],
    [[0x22, 4, 1, 2, 0x22, 4, 1, 2], ["tcp.opt_duplicate"]],
  ];
  for (const [options, events] of cases) {
    const p = decodeBytes(ethIpv4Tcp({}, { options }));
    assert.deepEqual(eventNames(p), events, `options ${options}`);
    assert.equal(p.layers & Layer.TCP, Layer.TCP);
    assert.equal(p.l4Offset, 34, "option anomalies keep the header");
  }
});

Deno.test("tcp: header anomalies", () => {
  const short = decodeBytes(ethIpv4Tcp({ proto: 6 }, {}).subarray(0, 34 + 19));
  assert.deepEqual(eventNames(short), ["ipv4.trunc_pkt"]);
  const cases: [Uint8Array, string][] = [
    [ethIpv4Tcp({ totalLength: 20 + 19 }, {}), "tcp.pkt_too_small"],
    [ethIpv4Tcp({}, { dataOffset: 8 }), "tcp.hlen_too_small"],
    [ethIpv4Tcp({}, { dataOffset: 4 }), "tcp.invalid_optlen"],
  ];
  for (const [frame, event] of cases) {
    const p = decodeBytes(frame);
    assert.deepEqual(eventNames(p), [event]);
    assert.equal(p.l4Offset, -1);
    assert.equal(p.srcPort, 0);
    assert.equal(p.payloadOffset, -1);
  }
});

Deno.test("tcp: payload is bounded by the IP length", () => {
  const frame = bytes(ethIpv4Tcp({}, {}, filler(3)), new Uint8Array(20));
  const p = decodeBytes(frame);
  assert.equal(p.payloadLen, 3);
  assertCutSafe(frame);
});
