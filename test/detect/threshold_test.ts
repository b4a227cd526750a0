/**
 * threshold and detection_filter: parsing as Suricata does, and the gate's
 * exact alert counts over packet time for every type and track, with
 * bounded state.
 */

import assert from "node:assert/strict";
import { Packet } from "../../src/decode/packet.ts";
import { DetectContext } from "../../src/detect/detect_context.ts";
import { parseDetectionFilter, parseThreshold } from "../../src/detect/keywords/threshold.ts";
import type { Signature } from "../../src/detect/signature.ts";
import { ThresholdGate, ThresholdVerdict } from "../../src/detect/threshold.ts";
import { compileError, sig } from "./header_rules.ts";
import { decodeAt, type Endpoints, Pipeline, udpFrame } from "../flow/_flow_frames.ts";

const E: Endpoints = { client: "10.0.0.1", server: "10.0.0.2", cport: 1000, sport: 53 };

function rule(option: string, sid = 1): Signature {
  return sig(`alert udp any any -> any any (msg:"t"; ${option} sid:${sid};)`);
}

/** Ask the gate about `sig` for a packet from `src` to `dst` at each time; 1 = alert. */
function run(
  gate: ThresholdGate,
  s: Signature,
  times: number[],
  ends: Partial<Endpoints> = {},
  flow = -1,
): number[] {
  const p = new Packet();
  const ctx = new DetectContext(p);
  return times.map((t) => {
    decodeAt(udpFrame({ ...E, ...ends }, true), t, p);
    ctx.now = t;
    ctx.flowIndex = flow;
    ctx.flowGeneration = 1;
    return gate.verdict(s, p, ctx);
  });
}

const alerts = (verdicts: number[]) => verdicts.map((v) => (v === ThresholdVerdict.ALERT ? 1 : 0));
const seq = (n: number, from = 0, step = 1) => Array.from({ length: n }, (_, i) => from + i * step);

// ---------------------------------------------------------------- semantics

Deno.test("limit: the first count matches of each window alert; the rest are silent", () => {
  const s = rule("threshold:type limit, track by_src, count 3, seconds 10;");
  const gate = new ThresholdGate();
  const v = run(gate, s, [0, 1, 2, 3, 10, 10.5, 11, 12, 13, 20.4, 20.6]);
  assert.deepEqual(alerts(v), [1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1]);
  assert.equal(v[3], ThresholdVerdict.SILENT);
});

Deno.test("threshold: every count-th match of a window alerts; the window does not restart on alert", () => {
  const s = rule("threshold:type threshold, track by_src, count 3, seconds 60;");
  const gate = new ThresholdGate();
  // 7 matches in the window: alerts on the 3rd and 6th; at 61 a new window opens with count 1
  const v = run(gate, s, [...seq(7), 61, 62, 63, 64]);
  assert.deepEqual(alerts(v), [0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0]);
  assert.ok(v.every((x) => x !== ThresholdVerdict.SILENT));
});

Deno.test("threshold count 1 alerts on every match, without state", () => {
  const s = rule("threshold:type threshold, track by_dst, count 1, seconds 60;");
  const gate = new ThresholdGate();
  assert.deepEqual(alerts(run(gate, s, seq(5))), [1, 1, 1, 1, 1]);
  assert.equal(gate.size, 0);
});

Deno.test("both: only the count-th match of a window alerts", () => {
  const s = rule("threshold:type both, track by_src, count 3, seconds 10;");
  const gate = new ThresholdGate();
  const v = run(gate, s, [0, 1, 2, 3, 4, 11, 12, 13, 14]);
  assert.deepEqual(alerts(v), [0, 0, 1, 0, 0, 0, 0, 1, 0]);
  assert.deepEqual(v.slice(3, 5), [ThresholdVerdict.SILENT, ThresholdVerdict.SILENT]);
  const one = rule("threshold:type both, track by_src, count 1, seconds 10;", 2);
  assert.deepEqual(alerts(run(new ThresholdGate(), one, [0, 5, 10, 10.5, 12])), [1, 0, 0, 1, 0]);
});

Deno.test("detection_filter: every match after the count-th within the window alerts", () => {
  const s = rule("detection_filter:track by_src, count 2, seconds 10;");
  const gate = new ThresholdGate();
  const v = run(gate, s, [0, 1, 2, 3, 10, 10.1, 11, 12]);
  assert.deepEqual(alerts(v), [0, 0, 1, 1, 1, 0, 0, 1]);
});

Deno.test("backoff (by_flow): alerts at count, count*m, count*m*m, ...", () => {
  const s = rule("threshold:type backoff, track by_flow, count 1, multiplier 10;");
  const gate = new ThresholdGate();
  const v = alerts(run(gate, s, seq(1000, 0, 0.001), {}, 0));
  assert.deepEqual(v.flatMap((a, i) => (a ? [i + 1] : [])), [1, 10, 100, 1000]);
  const s2 = rule("threshold:type backoff, track by_flow, count 2, multiplier 2;", 2);
  const v2 = alerts(run(new ThresholdGate(), s2, seq(40), {}, 3));
  assert.deepEqual(v2.flatMap((a, i) => (a ? [i + 1] : [])), [2, 4, 8, 16, 32]);
});

Deno.test("tracks: by_src and by_dst count per address; by_both per pair, either way; by_rule once", () => {
  const limit1 = (track: string, sid: number) =>
    rule(`threshold:type limit, track ${track}, count 1, seconds 60;`, sid);
  const a = { client: "10.0.0.1", server: "10.0.0.2" };
  const b = { client: "10.0.0.2", server: "10.0.0.1" }; // the reverse direction
  const c = { client: "10.0.0.3", server: "10.0.0.2" };
  const check = (track: string, sid: number, expected: number[]) => {
    const gate = new ThresholdGate();
    const s = limit1(track, sid);
    const got = [a, b, c, a].map((ends) => alerts(run(gate, s, [1], ends))[0]);
    assert.deepEqual(got, expected, track);
  };
  check("by_src", 1, [1, 1, 1, 0]);
  check("by_dst", 2, [1, 1, 0, 0]);
  check("by_both", 3, [1, 0, 1, 0]);
  check("by_rule", 4, [1, 0, 0, 0]);
});

Deno.test("tracks: IPv4 and IPv6 sources are apart; signatures are apart", () => {
  const gate = new ThresholdGate();
  const s1 = rule("threshold:type limit, track by_src, count 1, seconds 60;", 1);
  const s2 = rule("threshold:type limit, track by_src, count 1, seconds 60;", 2);
  assert.deepEqual(alerts(run(gate, s1, [1, 2])), [1, 0]);
  assert.deepEqual(alerts(run(gate, s2, [1])), [1]);
  assert.deepEqual(alerts(run(gate, s1, [3], { client: "::a00:1", server: "::a00:2" })), [1]);
});

Deno.test("by_flow: counted per flow; a packet without a flow never alerts", () => {
  const s = rule("threshold:type limit, track by_flow, count 1, seconds 60;");
  const gate = new ThresholdGate();
  assert.deepEqual(alerts(run(gate, s, [1, 2], {}, 5)), [1, 0]);
  assert.deepEqual(alerts(run(gate, s, [3], {}, 6)), [1]);
  assert.deepEqual(run(gate, s, [4], {}, -1), [ThresholdVerdict.NONE]);
});

Deno.test("by_flow through the pipeline: the flow's own count, reset for a new flow", () => {
  const rules = [
    sig(
      `alert udp any any -> any any (threshold:type both, track by_flow, count 2, seconds 60; sid:1;)`,
    ),
  ];
  const pipeline = new Pipeline(rules);
  const f1 = udpFrame(E, true);
  const f2 = udpFrame({ ...E, cport: 2000 }, true);
  assert.deepEqual(
    [f1, f2, f1, f2, f1].map((f, i) => pipeline.run(f, 1 + i)),
    [[], [], [1], [1], []],
  );
});

Deno.test("the engine consults the gate: alerts follow the threshold", () => {
  const pipeline = new Pipeline([
    sig(
      `alert udp any any -> any any (threshold:type limit, track by_dst, count 2, seconds 60; sid:7;)`,
    ),
    sig(
      `alert udp any any -> any any (detection_filter:track by_src, count 1, seconds 60; sid:8;)`,
    ),
  ]);
  const got = seq(4).map((i) => pipeline.run(udpFrame(E, true), 1 + i));
  assert.deepEqual(got, [[7], [7, 8], [8], [8]]);
});

Deno.test("bounded: many more tracked sources than capacity - no crash, size capped, counts kept for the active ones", () => {
  const s = rule("threshold:type limit, track by_src, count 1, seconds 60;");
  const gate = new ThresholdGate({ capacity: 64 });
  const p = new Packet();
  const ctx = new DetectContext(p);
  let alerted = 0;
  for (let i = 0; i < 10000; i++) {
    decodeAt(
      udpFrame({ ...E, client: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }, true),
      1,
      p,
    );
    ctx.now = 1 + i / 10000;
    if (gate.allow(s, p, ctx)) alerted++;
    assert.ok(gate.size <= 64);
  }
  assert.equal(alerted, 10000, "each new source alerts once");
  assert.equal(gate.evicted, 10000 - 64);
  // a recently seen source is still remembered
  ctx.now = 2;
  assert.equal(gate.allow(s, p, ctx), false);
  // expired entries are the first to go
  ctx.now = 100;
  decodeAt(udpFrame({ ...E, client: "192.0.2.1" }, true), 100, p);
  assert.equal(gate.allow(s, p, ctx), true);
});

Deno.test("a full table forgets its least recently used entry and stays consistent", () => {
  // capacity 8: the eviction sample covers the whole table, so it is an exact LRU;
  // type both, count 2: a remembered source answers ALERT then SILENT, a new one NONE
  const gate = new ThresholdGate({ capacity: 8 });
  const s = rule("threshold:type both, track by_src, count 2, seconds 100000;");
  const p = new Packet();
  const ctx = new DetectContext(p);
  const model = new Map<number, number>(); // source -> count, in least-recently-used order
  let x = 12345;
  for (let round = 0; round < 5000; round++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const src = (x >>> 16) % 13;
    decodeAt(udpFrame({ ...E, client: `10.1.0.${src}` }, true), 1, p);
    ctx.now = 1 + round / 1000;
    const v = gate.verdict(s, p, ctx);
    let count = model.get(src);
    if (count === undefined) {
      if (model.size === 8) model.delete(model.keys().next().value!);
      count = 1;
    } else {
      model.delete(src);
      count++;
    }
    model.set(src, count);
    const want = count === 1
      ? ThresholdVerdict.NONE
      : count === 2
      ? ThresholdVerdict.ALERT
      : ThresholdVerdict.SILENT;
    assert.equal(v, want, `round ${round}, source ${src}`);
    assert.equal(gate.size, model.size);
  }
});

// ---------------------------------------------------------------- parsing

Deno.test("threshold parses ET Open's forms in any order and spacing", () => {
  assert.deepEqual(parseThreshold("type limit, track by_src, seconds 60, count 1"), {
    type: "limit",
    track: "by_src",
    count: 1,
    seconds: 60,
  });
  assert.deepEqual(parseThreshold("type both,track by_dst,count 5,seconds 300"), {
    type: "both",
    track: "by_dst",
    count: 5,
    seconds: 300,
  });
  assert.deepEqual(parseThreshold(" count 0 , seconds 0 , type threshold , track by_rule "), {
    type: "threshold",
    track: "by_rule",
    count: 0,
    seconds: 0,
  });
  assert.deepEqual(parseThreshold("type backoff, track by_flow, count 1, multiplier 10"), {
    type: "backoff",
    track: "by_flow",
    count: 1,
    seconds: 10,
  });
  assert.deepEqual(parseDetectionFilter("track by_dst, count 10, seconds 60"), {
    type: "detection_filter",
    track: "by_dst",
    count: 10,
    seconds: 60,
  });
});

Deno.test("threshold and detection_filter reject what Suricata rejects", () => {
  for (
    const value of [
      "type limit, track by_src, count 1",
      "type limit, track by_src, count 1, seconds 60, seconds 60",
      "type rate, track by_src, count 1, seconds 60",
      "type limit, track by_host, count 1, seconds 60",
      "type limit, track by_src, count -1, seconds 60",
      "type limit, track by_src, count 1.5, seconds 60",
      "type limit, track by_src, count 4294967296, seconds 60",
      "type limit, track by_src, count 1, multiplier 2",
      "type backoff, track by_src, count 1, multiplier 10",
      "type backoff, track by_flow, count 1, multiplier 1",
      "type backoff, track by_flow, count 0, multiplier 10",
      "type backoff, track by_flow, count 1, multiplier 10, seconds 5",
      "Type limit, track by_src, count 1, seconds 60",
    ]
  ) {
    const e = compileError(`alert tcp any any -> any any (threshold:${value}; sid:1;)`);
    assert.equal(e.reason, "invalid threshold", value);
  }
  for (
    const value of [
      "track by_rule, count 1, seconds 60",
      "track by_both, count 1, seconds 60",
      "track by_src, count 0, seconds 60",
      "track by_src, count 1, seconds 0",
      "track by_src, count 1",
      "type limit, track by_src, count 1, seconds 60",
    ]
  ) {
    const e = compileError(`alert tcp any any -> any any (detection_filter:${value}; sid:1;)`);
    assert.equal(e.reason, "invalid detection_filter", value);
  }
  const both = compileError(
    `alert tcp any any -> any any (threshold:type limit, track by_src, count 1, seconds 1; detection_filter:track by_src, count 1, seconds 1; sid:1;)`,
  );
  assert.match(both.line, /cannot be used in the same rule/);
  const twice = compileError(
    `alert tcp any any -> any any (threshold:type limit, track by_src, count 1, seconds 1; threshold:type limit, track by_src, count 1, seconds 1; sid:1;)`,
  );
  assert.match(twice.line, /only one threshold/);
});
