/**
 * The flow keywords compiled from full rules and run on real frames through
 * the flow stage and the engine: flow, flowbits, flowint, noalert,
 * stream_size; their parse errors as Suricata 7 reports them.
 */

import assert from "node:assert/strict";
import { FlowCondition } from "../../src/detect/keywords/flow.ts";
import { StreamMode } from "../../src/detect/signature.ts";
import { DetectContext } from "../../src/detect/detect_context.ts";
import { Packet } from "../../src/decode/packet.ts";
import { compileError, sig } from "./header_rules.ts";
import {
  A,
  type Endpoints,
  icmp4Frame,
  P,
  Pipeline,
  R,
  S,
  TcpConversation,
  udpFrame,
} from "../flow/_flow_frames.ts";

const E: Endpoints = { client: "10.0.0.1", server: "10.0.0.2", cport: 40000, sport: 80 };

/** Run frames (1 ms apart) through rules; the sids per frame. */
function alertsPerFrame(rules: string[], frames: Uint8Array[], t0 = 100): number[][] {
  const pipeline = new Pipeline(rules.map(sig));
  return frames.map((frame, i) => pipeline.run(frame, t0 + i / 1000));
}

/** A handshake, a request, a response and a close. */
function session(): Uint8Array[] {
  const c = new TcpConversation(E);
  return [
    ...c.handshake(),
    c.seg(true, A | P, "GET / HTTP/1.0\r\n\r\n"),
    c.seg(false, A | P, "HTTP/1.0 200 OK\r\n\r\n"),
    c.seg(true, R | A),
  ];
}

// ---------------------------------------------------------------- flow

Deno.test("flow: to_server/to_client/established/not_established on a TCP session", () => {
  const rules = [
    `alert tcp any any -> any any (flow:to_server; sid:1;)`,
    `alert tcp any any -> any any (flow:from_server; sid:2;)`,
    `alert tcp any any -> any any (flow:established,to_server; sid:3;)`,
    `alert tcp any any -> any any (flow:to_client,established; sid:4;)`,
    `alert tcp any any -> any any (flow:not_established; sid:5;)`,
    `alert tcp any any -> any any (flow:stateless; sid:6;)`,
    `alert tcp any any -> any any (flow:Established,No_Stream; sid:7;)`,
  ];
  assert.deepEqual(alertsPerFrame(rules, session()), [
    [1, 5, 6], // SYN
    [2, 5, 6], // SYN/ACK
    [1, 5, 6], // the ACK that completes the handshake is not established yet
    [1, 3, 6, 7],
    [2, 4, 6, 7],
    [1, 3, 6, 7], // RST: still established
  ]);
});

Deno.test("flow: UDP is established once both sides spoke", () => {
  const rules = [
    `alert udp any any -> any any (flow:established; sid:1;)`,
    `alert udp any any -> any any (flow:not_established,to_server; sid:2;)`,
  ];
  assert.deepEqual(
    alertsPerFrame(rules, [udpFrame(E, true), udpFrame(E, false), udpFrame(E, true)]),
    [[2], [1], [1]],
  );
});

Deno.test("flow: packets without a flow match a bare to_server, and no_stream, but nothing else", () => {
  const rules = [
    `alert ip any any -> any any (flow:to_server; sid:1;)`,
    `alert ip any any -> any any (flow:to_client; sid:2;)`,
    `alert ip any any -> any any (flow:not_established; sid:3;)`,
    `alert ip any any -> any any (flow:stateless; sid:4;)`,
    `alert ip any any -> any any (flow:not_established,no_stream; sid:5;)`,
    `alert ip any any -> any any (flowbits:isnotset,x; sid:6;)`,
    `alert ip any any -> any any (flowint:cnt,notset; sid:7;)`,
  ];
  const dgram = udpFrame(E, true);
  // an ICMP time exceeded gets no flow (Suricata creates none for ICMPv4 errors)
  const error = icmp4Frame("10.9.9.9", "10.0.0.1", 11, 0, [0, 0, 0, 0], dgram.slice(14, 54));
  assert.deepEqual(alertsPerFrame(rules, [error]), [[1, 5]]);
});

Deno.test("flow: parse errors as Suricata reports them", () => {
  for (
    const [value, message] of [
      ["to_server,to_client", "contradicts"],
      ["established,not_established", "contradicts"],
      ["established,stateless", "contradicts"],
      ["stateless,established", "contradicts"],
      ["only_stream,no_stream", "contradicts"],
      ["only_frag,no_frag", "contradicts"],
      ["to_server,to_server", "twice"],
      ["to_server,established,no_stream,no_frag", "at most three"],
      ["toserver", "invalid flow option"],
      ["", "invalid flow option"],
    ]
  ) {
    const e = compileError(`alert tcp any any -> any any (flow:${value}; sid:1;)`);
    assert.match(e.line, new RegExp(message), value);
    assert.equal(e.reason, "invalid flow");
  }
  const twice = compileError(
    `alert tcp any any -> any any (flow:to_server; flow:established; sid:1;)`,
  );
  assert.match(twice.line, /only one flow option/);
});

Deno.test("flow: not_established,stateless is accepted; only_stream/no_stream choose the data; only_frag waits", () => {
  const s = sig(`alert tcp any any -> any any (flow:not_established,stateless; sid:1;)`);
  assert.equal(s.waitingFor.length, 0);
  assert.ok(s.conditions[0] instanceof FlowCondition);
  assert.equal(s.streamMode, StreamMode.BOTH);
  const only = sig(`alert tcp any any -> any any (flow:established,only_stream; sid:1;)`);
  assert.deepEqual(only.waitingFor, []);
  assert.equal(only.streamMode, StreamMode.STREAM);
  assert.equal(
    sig(`alert tcp any any -> any any (flow:no_stream; sid:1;)`).streamMode,
    StreamMode.PACKET,
  );
  assert.equal(
    sig(`alert tcp-pkt any any -> any any (content:"a"; sid:1;)`).streamMode,
    StreamMode.PACKET,
  );
  assert.equal(
    sig(`alert tcp-stream any any -> any any (content:"a"; sid:1;)`).streamMode,
    StreamMode.STREAM,
  );
  assert.equal(
    sig(`alert tcp any any -> any any (content:"a"; dsize:>1; sid:1;)`).streamMode,
    StreamMode.PACKET,
  );
  assert.deepEqual(
    sig(`alert tcp any any -> any any (flow:only_frag; sid:1;)`).waitingFor,
    ["defrag"],
  );
});

// ---------------------------------------------------------------- flowbits

Deno.test("flowbits: set on one packet, tested on the next ones, in both directions", () => {
  const rules = [
    `alert tcp any any -> any any (flags:S; flowbits:set,seen.syn; flowbits:noalert; sid:1;)`,
    `alert tcp any any -> any any (flowbits:isset,seen.syn; flow:to_client; sid:2;)`,
    `alert tcp any any -> any any (flowbits:isnotset,seen.syn; sid:3;)`,
    `alert tcp any any -> any any (flowbits:isset,nothing|seen.syn; flow:established; sid:4;)`,
  ];
  assert.deepEqual(alertsPerFrame(rules, session()), [[], [2], [], [4], [2, 4], [4]]);
});

Deno.test("flowbits: a setter evaluates before a reader on the same packet, wherever it is in the file", () => {
  const rules = [
    `alert tcp any any -> any any (flowbits:isset,b; sid:1;)`,
    `alert tcp any any -> any any (flowbits:set,b; sid:2;)`,
  ];
  const c = new TcpConversation(E);
  assert.deepEqual(alertsPerFrame(rules, [c.seg(true, S)]), [[1, 2]]);
});

Deno.test("flowbits: toggle and unset; the bits belong to one flow only", () => {
  const rules = [
    `alert tcp any any -> any any (flow:to_server; flowbits:toggle,t; noalert; sid:1;)`,
    `alert tcp any any -> any any (flowbits:isset,t; sid:2;)`,
    `alert tcp any any -> any any (flow:to_client; flowbits:unset,t; noalert; sid:3;)`,
  ];
  const c = new TcpConversation(E);
  const other = new TcpConversation({ ...E, cport: 40001 });
  assert.deepEqual(
    alertsPerFrame(rules, [
      c.seg(true, S), // toggle on
      other.seg(true, S), // another flow: toggled on there, this one still on
      c.seg(true, S), // toggle off
      c.seg(true, S), // on
      c.seg(false, S | A), // unset
      other.seg(false, S | A),
    ]),
    [[2], [2], [], [2], [], []],
  );
});

Deno.test("flowbits: a new flow in a reused slot starts with no bits", () => {
  const rules = [
    `alert tcp any any -> any any (flags:S; flowbits:set,x; noalert; sid:1;)`,
    `alert tcp any any -> any any (flowbits:isset,x; sid:2;)`,
  ];
  const pipeline = new Pipeline(rules.map(sig), { capacity: 1 });
  const a = new TcpConversation(E);
  const b = new TcpConversation({ ...E, cport: 5 });
  assert.deepEqual(pipeline.run(a.seg(true, S), 1), [2]);
  assert.deepEqual(pipeline.run(b.seg(true, A), 2), [], "evicts a; b never set x");
  assert.equal(pipeline.flows.table.evicted, 1);
});

Deno.test("flowbits: noalert rules match silently; set with a | list loads and changes nothing", () => {
  const rules = [
    `alert tcp any any -> any any (flowbits:set,a|b; sid:1;)`,
    `alert tcp any any -> any any (flowbits:isset,a; sid:2;)`,
    `alert tcp any any -> any any (flowbits:noalert; sid:3;)`,
    `alert tcp any any -> any any (noalert; flowbits:set,c; sid:4;)`,
    `alert tcp any any -> any any (flowbits:isset,c; sid:5;)`,
  ];
  const c = new TcpConversation(E);
  assert.deepEqual(alertsPerFrame(rules, [c.seg(true, S), c.seg(true, S)]), [[1, 5], [1, 5]]);
});

Deno.test("flowbits: parse errors", () => {
  for (
    const [value, message] of [
      ["set", "needs a name"],
      ["isset,", "needs a name"],
      ["noalert,x", "noalert takes no name"],
      ["Set,x", "not a valid setting"],
      ["check,x", "not supported"],
      ["set,a b", "spaces are not allowed"],
      ["isset,a b|c", "spaces are not allowed"],
      ["isset,|", "no valid flowbits"],
    ]
  ) {
    const e = compileError(`alert tcp any any -> any any (flowbits:${value}; sid:1;)`);
    assert.match(e.line, new RegExp(message), value);
  }
  assert.ok(sig(`alert tcp any any -> any any (flowbits:isset, a | b ; sid:1;)`));
  assert.ok(
    sig(`alert tcp any any -> any any (flowbits:set,a&b; sid:1;)`),
    "& is a name character",
  );
});

// ---------------------------------------------------------------- flowint

Deno.test("flowint: count packets per flow, compare with constants and other flowints", () => {
  const rules = [
    `alert tcp any any -> any any (flowint:pkts,+,1; noalert; sid:1;)`,
    `alert tcp any any -> any any (flowint:pkts,==,3; sid:2;)`,
    `alert tcp any any -> any any (flowint:pkts,>=,limit; flowint:limit,isset; sid:3;)`,
    `alert tcp any any -> any any (flags:S; flowint:limit,=,4; noalert; sid:4;)`,
    `alert tcp any any -> any any (flowint:pkts,notset; sid:5;)`,
    `alert tcp any any -> any any (flowint:pkts,-,10; flowint:pkts,>,5; sid:6;)`,
  ];
  // rules run in order and sid 1 counts first, so later rules see this packet counted;
  // sid 6 tests 6 > 5 and then subtracts 10 (wrapping)
  assert.deepEqual(alertsPerFrame(rules, session()), [[], [], [2], [3], [3], [3, 6]]);
});

Deno.test("flowint: arithmetic wraps at 2^32; - on an unset counter leaves it unset", () => {
  const rules = [
    `alert udp any any -> any any (flowint:aa,-,1; noalert; sid:1;)`,
    `alert udp any any -> any any (flowint:aa,isset; sid:2;)`,
    `alert udp any any -> any any (flowint:bb,isnotset; flowint:bb,=,4294967295; noalert; sid:3;)`,
    `alert udp any any -> any any (flowint:bb,+,2; noalert; sid:4;)`,
    `alert udp any any -> any any (flowint:bb,==,1; sid:5;)`,
  ];
  // bb: 4294967295 + 2 wraps to 1 on the first packet, 3 on the second
  assert.deepEqual(alertsPerFrame(rules, [udpFrame(E, true), udpFrame(E, true)]), [[5], []]);
});

Deno.test("flowint: parse errors", () => {
  for (
    const value of [
      "x,+",
      "x,=,4294967296",
      "x,~,1",
      "1x,=,1",
      "x,==,a b",
      "x",
    ]
  ) {
    const e = compileError(`alert tcp any any -> any any (flowint:${value}; sid:1;)`);
    assert.match(e.line, /flowint/, value);
  }
  assert.ok(sig(`alert tcp any any -> any any (flowint: name.x/y , <= , 10 ; sid:1;)`));
});

// ---------------------------------------------------------------- others

Deno.test("stream_size: compares the session's stream sizes; none without a session", () => {
  const s = sig(`alert tcp any any -> any any (stream_size:server,>,100; sid:1;)`);
  assert.deepEqual(s.waitingFor, []);
  const cond = s.conditions[0];
  const ctx = new DetectContext(new Packet());
  assert.equal(cond.match(ctx.packet, ctx), false, "no session");
  ctx.clientStreamSize = 1;
  ctx.serverStreamSize = 100;
  assert.equal(cond.match(ctx.packet, ctx), false);
  ctx.serverStreamSize = 101;
  assert.equal(cond.match(ctx.packet, ctx), true);
  const both = sig(`alert tcp any any -> any any (stream_size:both,<=,10; sid:1;)`).conditions[0];
  const either = sig(`alert tcp any any -> any any (stream_size:either,=,5; sid:1;)`).conditions[0];
  ctx.serverStreamSize = 5;
  ctx.clientStreamSize = 11;
  assert.equal(both.match(ctx.packet, ctx), false);
  assert.equal(either.match(ctx.packet, ctx), true);
  ctx.clientStreamSize = 10;
  assert.equal(both.match(ctx.packet, ctx), true);
  const ne = sig(`alert tcp any any -> any any (stream_size:client,!=,10; sid:1;)`).conditions[0];
  assert.equal(ne.match(ctx.packet, ctx), false);
  assert.match(
    compileError(`alert tcp any any -> any any (stream_size:server,>>,100; sid:1;)`).line,
    /stream_size/,
  );
});

Deno.test("noalert: the rule still runs its flowbits; no value allowed", () => {
  assert.equal(sig(`alert tcp any any -> any any (noalert; sid:1;)`).noalert, true);
  assert.match(compileError(`alert tcp any any -> any any (noalert:1; sid:1;)`).line, /noalert/);
});
