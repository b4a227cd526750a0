/**
 * The flow table on real frames: keys and direction, Suricata's
 * `flow:established` packet flag, counters, TCP state, port reuse,
 * midstream pick-up, timeouts, emergency eviction and flow ids.
 */

import assert from "node:assert/strict";
import { Packet } from "../../src/decode/packet.ts";
import {
  DEFAULT_TIMEOUTS,
  FlowEnd,
  FlowState,
  FlowTable,
  TcpState,
} from "../../src/flow/flow_table.ts";
import {
  A,
  decodeAt,
  type Endpoints,
  F,
  icmp4Frame,
  icmp6Frame,
  P,
  quotedIpv4,
  R,
  S,
  TcpConversation,
  udpFrame,
} from "./_flow_frames.ts";

const E: Endpoints = { client: "10.0.0.1", server: "10.0.0.2", cport: 40000, sport: 80 };
const E6: Endpoints = { client: "2001:db8::1", server: "2001:db8::2", cport: 40000, sport: 443 };

/** Feed frames at 1 ms intervals from `t0`; returns [slot, toServer, established] per frame. */
function feed(table: FlowTable, frames: Uint8Array[], t0 = 100): [number, boolean, boolean][] {
  const p = new Packet();
  return frames.map((frame, i) => {
    const f = table.lookupOrCreate(decodeAt(frame, t0 + i / 1000, p), t0 + i / 1000);
    return [f, table.lastToServer, table.lastEstablished];
  });
}

Deno.test("tcp: a handshake makes one flow; the completing ACK is not yet established", () => {
  const table = new FlowTable({ capacity: 16 });
  const c = new TcpConversation(E);
  const r = feed(table, [
    ...c.handshake(),
    c.seg(true, A | P, "GET / HTTP/1.0\r\n\r\n"),
    c.seg(false, A | P, "HTTP/1.0 200 OK\r\n\r\n"),
  ]);
  const f = r[0][0];
  assert.ok(r.every(([slot]) => slot === f), "one flow");
  assert.deepEqual(r.map(([, ts]) => ts), [true, false, true, true, false]);
  assert.deepEqual(r.map(([, , est]) => est), [false, false, false, true, true]);
  assert.equal(table.tcpState[f], TcpState.ESTABLISHED);
  assert.equal(table.flowState[f], FlowState.ESTABLISHED);
  assert.equal(table.pktsToServer[f], 3);
  assert.equal(table.pktsToClient[f], 2);
  assert.equal(table.created, 1);
  assert.equal(table.active, 1);
});

Deno.test("tcp: bytes count captured frame lengths per direction; times are kept", () => {
  const table = new FlowTable({ capacity: 4 });
  const c = new TcpConversation(E);
  const frames = [...c.handshake(), c.seg(true, A | P, "hello")];
  feed(table, frames, 50);
  const f = 0;
  assert.equal(table.bytesToServer[f], frames[0].length + frames[2].length + frames[3].length);
  assert.equal(table.bytesToClient[f], frames[1].length);
  assert.equal(table.firstTs[f], 50);
  assert.equal(table.lastTs[f], 50.003);
});

Deno.test("tcp: a handshake ACK that carries data is established itself (Suricata)", () => {
  const table = new FlowTable({ capacity: 4 });
  const c = new TcpConversation(E);
  const r = feed(table, [c.seg(true, S), c.seg(false, S | A), c.seg(true, A | P, "GET /")]);
  assert.deepEqual(r.map(([, , est]) => est), [false, false, true]);
});

Deno.test("tcp: a flow that starts without a SYN is never established (midstream off)", () => {
  const table = new FlowTable({ capacity: 4 });
  const c = new TcpConversation(E);
  const r = feed(table, [
    c.seg(true, A | P, "data"),
    c.seg(false, A),
    c.seg(true, A | P, "more"),
  ]);
  assert.deepEqual(r.map(([, ts, est]) => [ts, est]), [[true, false], [false, false], [
    true,
    false,
  ]]);
  assert.equal(table.tcpState[r[0][0]], TcpState.NONE);
});

Deno.test("tcp midstream: an ACK pick-up is established from the next packet", () => {
  const table = new FlowTable({ capacity: 4, midstream: true });
  const c = new TcpConversation(E);
  const r = feed(table, [c.seg(true, A | P, "data"), c.seg(false, A), c.seg(true, A)]);
  assert.deepEqual(r.map(([, , est]) => est), [false, true, true]);
});

Deno.test("tcp: a SYN/ACK seen first: its sender is the client without midstream, the server with it", () => {
  const c = new TcpConversation(E);
  const synAck = c.seg(false, S | A);
  const ack = c.seg(true, A);
  const plain = new FlowTable({ capacity: 4 });
  assert.deepEqual(feed(plain, [synAck, ack]).map(([, ts]) => ts), [true, false]);
  const mid = new FlowTable({ capacity: 4, midstream: true });
  const r = feed(mid, [synAck, ack]);
  assert.deepEqual(r.map(([, ts]) => ts), [false, true]);
  const f = r[0][0];
  assert.equal(mid.portA[f], E.cport, "the client is the side the SYN/ACK went to");
  assert.equal(mid.pktsToClient[f], 1);
  assert.equal(mid.pktsToServer[f], 1);
  assert.equal(mid.tcpState[f], TcpState.ESTABLISHED);
});

Deno.test("tcp: a SYN/ACK that does not acknowledge the SYN does not advance the handshake", () => {
  const table = new FlowTable({ capacity: 4 });
  const c = new TcpConversation(E);
  const syn = c.seg(true, S);
  c.cseq += 77; // the server acknowledges something else
  const r = feed(table, [syn, c.seg(false, S | A)]);
  assert.equal(table.tcpState[r[0][0]], TcpState.SYN_SENT);
});

Deno.test("tcp: TCP Fast Open - the SYN/ACK establishes the session", () => {
  const table = new FlowTable({ capacity: 4 });
  const c = new TcpConversation(E);
  const tfo = [34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1]; // cookie, padded with NOPs
  const r = feed(table, [
    c.seg(true, S, "GET / HTTP/1.0\r\n\r\n", tfo),
    c.seg(false, S | A),
    c.seg(true, A),
  ]);
  assert.deepEqual(r.map(([, , est]) => est), [false, false, true]);
});

Deno.test("tcp: FIN/ACK close to CLOSED; closing flows stay established (ssn->state >= ESTABLISHED)", () => {
  const table = new FlowTable({ capacity: 4 });
  const c = new TcpConversation(E);
  const r = feed(table, [
    ...c.handshake(),
    c.seg(true, F | A),
    c.seg(false, A),
    c.seg(false, F | A),
    c.seg(true, A),
    c.seg(true, A),
  ]);
  const f = r[0][0];
  assert.deepEqual(r.slice(3).map(([, , est]) => est), [true, true, true, true, true]);
  assert.equal(table.tcpState[f], TcpState.CLOSED);
  assert.equal(table.flowState[f], FlowState.CLOSED);
});

Deno.test("tcp: a RST during the handshake closes; later packets count as established as in Suricata", () => {
  const table = new FlowTable({ capacity: 4 });
  const c = new TcpConversation(E);
  const syn = c.seg(true, S);
  const rst = c.seg(false, R | A);
  const r = feed(table, [syn, rst, c.seg(true, A)]);
  assert.equal(table.tcpState[r[0][0]], TcpState.CLOSED);
  assert.deepEqual(r.map(([, , est]) => est), [false, false, true]);
});

Deno.test("tcp port reuse: a new SYN after close starts a new flow; a resent SYN does not", () => {
  const ended: [number, number][] = [];
  const table = new FlowTable({ capacity: 4 });
  table.onEnd = (slot, reason) => ended.push([slot, reason]);
  const c = new TcpConversation(E);
  const syn = c.seg(true, S);
  const r1 = feed(table, [syn, syn]);
  assert.equal(r1[0][0], r1[1][0], "retransmitted SYN: same flow");
  const r2 = feed(table, [
    c.seg(false, S | A),
    c.seg(true, A),
    c.seg(true, R | A),
  ], 101);
  const old = r2[0][0];
  const id = table.flowId[old];
  const d = new TcpConversation(E, 90000, 7000);
  const r3 = feed(table, [d.seg(true, S)], 102);
  assert.deepEqual(ended, [[old, FlowEnd.TCP_REUSE]]);
  assert.equal(table.reused, 1);
  assert.equal(table.pktsToServer[r3[0][0]], 1);
  assert.notEqual(table.flowId[r3[0][0]], id);
});

Deno.test("tcp: a SYN on a flow that never had a session starts a new flow", () => {
  const table = new FlowTable({ capacity: 4 });
  const c = new TcpConversation(E);
  const stray = feed(table, [c.seg(true, A | P, "stray")])[0][0];
  const generation = table.generation[stray];
  const f = feed(table, [c.seg(true, S)])[0][0];
  assert.equal(table.reused, 1);
  assert.equal(table.created, 2);
  assert.ok(f !== stray || table.generation[f] !== generation, "a new flow");
  assert.equal(table.pktsToServer[f], 1);
  assert.equal(table.tcpState[f], TcpState.SYN_SENT);
});

Deno.test("udp: established once both directions were seen, this packet included", () => {
  const table = new FlowTable({ capacity: 4 });
  const r = feed(table, [
    udpFrame(E, true),
    udpFrame(E, true),
    udpFrame(E, false),
    udpFrame(E, true),
  ]);
  assert.deepEqual(r.map(([, ts, est]) => [ts, est]), [
    [true, false],
    [true, false],
    [false, true],
    [true, true],
  ]);
  assert.equal(table.flowState[r[0][0]], FlowState.ESTABLISHED);
});

Deno.test("ipv6: addresses of 16 bytes key the flow; both directions map to it", () => {
  const table = new FlowTable({ capacity: 4 });
  const c = new TcpConversation(E6);
  const other = new TcpConversation({ ...E6, server: "2001:db8::3" });
  const r = feed(table, [...c.handshake(), other.seg(true, S)]);
  assert.equal(r[0][0], r[1][0]);
  assert.equal(r[0][0], r[2][0]);
  assert.notEqual(r[3][0], r[0][0]);
  assert.equal(table.ipVersion[r[0][0]], 6);
});

Deno.test("vlan: the same 5-tuple in two VLANs is two flows; one flow without vlan tracking", () => {
  const frames = [udpFrame({ ...E, vlan: 10 }, true), udpFrame({ ...E, vlan: 20 }, true)];
  const tracked = new FlowTable({ capacity: 4 });
  const r = feed(tracked, frames);
  assert.notEqual(r[0][0], r[1][0]);
  const untracked = new FlowTable({ capacity: 4, vlanTracking: false });
  const u = feed(untracked, frames);
  assert.equal(u[0][0], u[1][0]);
});

Deno.test("icmpv4: echo request and reply share a flow whatever the id; other types do not", () => {
  const table = new FlowTable({ capacity: 8 });
  const req = (id: number) => icmp4Frame("10.0.0.1", "10.0.0.2", 8, 0, [0, id, 0, 1]);
  const rep = (id: number) => icmp4Frame("10.0.0.2", "10.0.0.1", 0, 0, [0, id, 0, 1]);
  const ts = icmp4Frame("10.0.0.1", "10.0.0.2", 13, 0, [0, 1, 0, 1], new Uint8Array(12));
  const r = feed(table, [req(1), rep(1), req(2), ts]);
  assert.equal(r[0][0], r[1][0]);
  assert.equal(r[0][0], r[2][0], "another echo id: same flow (Suricata keys ICMP by type)");
  assert.notEqual(r[3][0], r[0][0]);
  assert.deepEqual(r.slice(0, 3).map(([, ts, est]) => [ts, est]), [[true, false], [false, true], [
    true,
    true,
  ]]);
});

Deno.test("icmpv4: destination unreachable joins the UDP flow it quotes and never creates one", () => {
  const table = new FlowTable({ capacity: 8 });
  const dgram = udpFrame(E, true, "query");
  const unreach = icmp4Frame("10.0.0.2", "10.0.0.1", 3, 3, [0, 0, 0, 0], quotedIpv4(dgram, 40));
  const r = feed(table, [dgram, unreach]);
  assert.equal(r[1][0], r[0][0]);
  assert.equal(r[1][1], false, "from the server's side: to_client");
  assert.equal(r[1][2], false, "an ICMP error does not make the flow established");
  assert.equal(table.pktsToClient[r[0][0]], 1);
  const lone = new FlowTable({ capacity: 8 });
  assert.equal(feed(lone, [unreach])[0][0], -1);
  assert.equal(lone.active, 0);
  const exceeded = icmp4Frame("10.9.9.9", "10.0.0.1", 11, 0, [0, 0, 0, 0], quotedIpv4(dgram, 40));
  assert.equal(feed(table, [exceeded])[0][0], -1, "other ICMP errors have no flow");
});

Deno.test("icmpv6: keyed by type, code and counterpart: echo pairs, neighbour discovery apart", () => {
  const table = new FlowTable({ capacity: 8 });
  const r = feed(table, [
    icmp6Frame("2001:db8::1", "2001:db8::2", 135, 0),
    icmp6Frame("2001:db8::2", "2001:db8::1", 136, 0),
    icmp6Frame("2001:db8::1", "2001:db8::2", 128, 0),
    icmp6Frame("2001:db8::2", "2001:db8::1", 129, 0),
  ]);
  assert.equal(r[0][0], r[1][0]);
  assert.equal(r[2][0], r[3][0]);
  assert.notEqual(r[0][0], r[2][0]);
  assert.deepEqual(r.map(([, ts]) => ts), [true, false, true, false]);
});

Deno.test("no flow: non-IP, fragments, other protocols", () => {
  const table = new FlowTable({ capacity: 4 });
  const p = decodeAt(new Uint8Array(60), 1); // Ethernet type 0
  assert.equal(table.lookupOrCreate(p, 1), -1);
  const gre = icmp4Frame("10.0.0.1", "10.0.0.2", 8, 0, [0, 1, 0, 1]);
  gre[14 + 9] = 2; // IGMP
  assert.equal(table.lookupOrCreate(decodeAt(gre, 1), 1), -1);
  assert.equal(table.active, 0);
});

Deno.test("timeouts: a flow past its timeout is ended and the next packet starts a new one", () => {
  const ended: number[] = [];
  const table = new FlowTable({ capacity: 4 });
  table.onEnd = (_slot, reason) => ended.push(reason);
  const p = new Packet();
  const at = (frame: Uint8Array, t: number) => table.lookupOrCreate(decodeAt(frame, t, p), t);
  const f1 = at(udpFrame(E, true), 1000.5);
  // UDP new: 30 s; timed out when lastSec + 30 < nowSec
  assert.equal(at(udpFrame(E, true), 1030.9), f1, "second 1030 is not past 1000 + 30");
  const id = table.flowId[f1];
  at(udpFrame(E, true), 1061.0);
  assert.deepEqual(ended, [FlowEnd.TIMEOUT]);
  assert.equal(table.timedOut, 1);
  assert.equal(table.active, 1);
  assert.equal(table.created, 2);
  assert.notEqual(table.flowId[f1], id, "the slot holds a new flow");
});

/**
 * A small table fed one-way UDP packets: `at(cport, t)` sends one from client
 * port `cport` at time `t`; `ended` lists the client ports of the flows ended.
 */
function udpFlowsAt(): {
  table: FlowTable;
  ended: number[];
  at: (cport: number, t: number) => number;
} {
  const ended: number[] = [];
  const table = new FlowTable({ capacity: 8 });
  const p = new Packet();
  const at = (cport: number, t: number) =>
    table.lookupOrCreate(decodeAt(udpFrame({ ...E, cport }, true), t, p), t);
  table.onEnd = (slot) => ended.push(table.portA[slot]);
  return { table, ended, at };
}

Deno.test("timeouts: each packet ends up to two timed-out flows per list, also within one second", () => {
  const { table, ended, at } = udpFlowsAt();
  for (let cport = 1; cport <= 4; cport++) at(cport, 1000);
  at(5, 1020);
  at(1, 1025); // port 1 leaves the tail: port 2 is the oldest now
  assert.deepEqual(ended, []);
  at(6, 1030.9);
  assert.deepEqual(ended, [], "second 1030 is not past 1000 + 30");
  at(6, 1031);
  assert.deepEqual(ended, [2, 3], "two of the list's tail");
  at(6, 1031.5);
  assert.deepEqual(ended, [2, 3, 4], "the next packet, in the same second, ends the third");
  at(6, 1050.9);
  assert.deepEqual(ended, [2, 3, 4], "port 5 (1020) and port 1 (1025) are not due yet");
  at(6, 1051);
  assert.deepEqual(ended, [2, 3, 4, 5]);
  at(6, 1056);
  assert.deepEqual(ended, [2, 3, 4, 5, 1]);
  assert.equal(table.active, 1);
});

Deno.test("timeouts: a flow alone in its list, refreshed in place, ends at its own due second", () => {
  const { ended, at } = udpFlowsAt();
  at(9, 2000);
  at(9, 2010); // head and tail of its list: refreshed where it is
  at(9, 2020);
  at(8, 2031); // the sweep first due after 2030 finds port 9 not due (2020 + 30)
  assert.deepEqual(ended, []);
  at(8, 2050.9);
  assert.deepEqual(ended, [], "second 2050 is not past 2020 + 30");
  at(8, 2051);
  assert.deepEqual(ended, [9], "ended in the first second past 2020 + 30");
  at(8, 2079.9);
  assert.deepEqual(ended, [9]);
  at(8, 2080.5);
  assert.deepEqual(ended, [9], "port 8 was refreshed at 2079.9");
});

Deno.test("timeouts: each state has Suricata's default timeout", () => {
  const life = (frames: Uint8Array[], gap: number) => {
    const table = new FlowTable({ capacity: 8 });
    feed(table, frames, 10);
    const t = 10 + gap;
    table.lookupOrCreate(decodeAt(udpFrame({ ...E, cport: 1 }, true), t), t); // time passes
    return table.active === 2;
  };
  const c = () => new TcpConversation(E);
  const tcpNew = () => [c().seg(true, S)];
  const est = () => {
    const k = c();
    return [...k.handshake()];
  };
  const closed = () => {
    const k = c();
    return [...k.handshake(), k.seg(true, R | A)];
  };
  const t = DEFAULT_TIMEOUTS;
  assert.equal(life(tcpNew(), t.tcp.new), true);
  assert.equal(life(tcpNew(), t.tcp.new + 1), false);
  assert.equal(life(est(), t.tcp.established), true);
  assert.equal(life(est(), t.tcp.established + 1), false);
  assert.equal(life(closed(), t.tcp.closed), true);
  assert.equal(life(closed(), t.tcp.closed + 1), false);
  assert.equal(life([udpFrame(E, true), udpFrame(E, false)], t.udp.established), true);
  assert.equal(life([udpFrame(E, true), udpFrame(E, false)], t.udp.established + 1), false);
});

Deno.test("capacity: more distinct flows than slots - bounded, oldest evicted, emergency mode", () => {
  const table = new FlowTable({ capacity: 64 });
  const p = new Packet();
  const evictions: number[] = [];
  table.onEnd = (slot, reason) => reason === FlowEnd.EVICTED && evictions.push(slot);
  for (let i = 0; i < 1000; i++) {
    const frame = udpFrame({ ...E, cport: 1024 + i }, true);
    const f = table.lookupOrCreate(decodeAt(frame, 1 + i / 1000, p), 1 + i / 1000);
    assert.ok(f >= 0 && f < 64);
  }
  assert.equal(table.active, 64);
  assert.equal(table.created, 1000);
  assert.equal(table.evicted, 1000 - 64);
  assert.ok(table.emergency);
  assert.equal(table.emergencies, 1);
  // the newest flows are still there, the oldest were evicted
  const newest = table.lookupOrCreate(
    decodeAt(udpFrame({ ...E, cport: 1024 + 999 }, true), 2, p),
    2,
  );
  assert.equal(table.pktsToServer[newest], 2);
  assert.equal(table.created, 1000);
  // emergency timeouts (udp new: 10 s) let the table drain and recover
  table.lookupOrCreate(decodeAt(udpFrame({ ...E, cport: 9 }, true), 20, p), 20);
  for (let k = 0; k < 40; k++) {
    table.lookupOrCreate(decodeAt(udpFrame({ ...E, cport: 9 }, true), 20, p), 20);
  }
  assert.equal(table.emergency, false);
  assert.ok(table.active < 45);
});

Deno.test("hash: sequential sources with sequential ports spread over the buckets", () => {
  // the shape of a flood from one /16: address and port move together; with
  // the port XORed into the address such flows collided in long chains
  const n = 16384;
  const table = new FlowTable({ capacity: n });
  const p = new Packet();
  for (let i = 0; i < n; i++) {
    const client = `10.0.${(i >>> 8) & 255}.${i & 255}`;
    const frame = udpFrame({ ...E, client, cport: 1024 + i }, true);
    table.lookupOrCreate(decodeAt(frame, 1 + i / 1e6, p), 1 + i / 1e6);
  }
  assert.equal(table.active, n);
  const { used, longest } = table.bucketStats();
  // a random hash fills about 63% of n buckets with chains of at most ~8
  assert.ok(used > n * 0.55, `${used} buckets used`);
  assert.ok(longest <= 12, `longest chain ${longest}`);
});

Deno.test("flow ids: random-looking integers below 2^51, distinct, stable for a flow", () => {
  const table = new FlowTable({ capacity: 256 });
  const p = new Packet();
  const ids = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const f = table.lookupOrCreate(decodeAt(udpFrame({ ...E, cport: 2000 + i }, true), 5, p), 5);
    const id = table.flowId[f];
    assert.ok(Number.isSafeInteger(id) && id > 0 && id < 2 ** 51);
    ids.add(id);
    table.lookupOrCreate(decodeAt(udpFrame({ ...E, cport: 2000 + i }, false), 5.1, p), 5.1);
    assert.equal(table.flowId[f], id);
  }
  assert.equal(ids.size, 200);
});

Deno.test("flushAll ends every flow once, with SHUTDOWN", () => {
  const table = new FlowTable({ capacity: 16 });
  feed(table, [
    udpFrame(E, true),
    udpFrame({ ...E, cport: 2 }, true),
    ...new TcpConversation(E).handshake(),
  ]);
  const seen: number[] = [];
  table.flushAll((slot, reason) => {
    assert.equal(reason, FlowEnd.SHUTDOWN);
    seen.push(slot);
  });
  assert.equal(seen.length, 3);
  assert.equal(table.active, 0);
});

Deno.test("reverse() turns a flow round with its counters", () => {
  const table = new FlowTable({ capacity: 4 });
  const r = feed(table, [udpFrame(E, true), udpFrame(E, true), udpFrame(E, false)]);
  const f = r[0][0];
  table.reverse(f);
  assert.equal(table.pktsToServer[f], 1);
  assert.equal(table.pktsToClient[f], 2);
  assert.equal(table.portA[f], E.sport);
  feed(table, [udpFrame(E, false)]);
  assert.equal(table.lastToServer, true, "the old server now sends to_server");
});
