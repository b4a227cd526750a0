import assert from "node:assert/strict";
import {
  MQTT_MAX_MSG_LEN,
  MQTT_MAX_TX,
  MQTT_PASSWORD_BUFFER,
  MQTT_PUB_MESSAGE_BUFFER,
  MQTT_SUB_TOPIC_BUFFER,
  MQTT_UNSUB_TOPIC_BUFFER,
  MQTT_USERNAME_BUFFER,
  MqttParser,
  type MqttState,
  type MqttTx,
  MqttType,
} from "../../src/app/mqtt_parser.ts";
import { AppProto, detectAppProto } from "../../src/app/proto_detect.ts";
import { type Transaction, TxSide } from "../../src/app/transaction.ts";
import { corpusPath, HAVE_CORPUS } from "../corpus.ts";
import { readTcpConnections, type StreamChunk } from "./tls_streams.ts";

const DATA = new URL("./data/mqtt/", import.meta.url).pathname;

/** What a transaction held when it was published (the pool reuses it after). */
interface Snapshot {
  id: number;
  msgs: MqttTx["msgs"];
  protocolVersion: number;
  /** Buffer texts by buffer id. */
  buffers: Map<number, string[]>;
}

function snapshot(tx: MqttTx): Snapshot {
  const buffers = new Map<number, string[]>();
  for (
    const id of [
      MQTT_USERNAME_BUFFER,
      MQTT_PASSWORD_BUFFER,
      MQTT_SUB_TOPIC_BUFFER,
      MQTT_UNSUB_TOPIC_BUFFER,
    ]
  ) {
    const texts: string[] = [];
    for (let s = tx.buffers.first(id); s >= 0; s = tx.buffers.next(s)) {
      texts.push(tx.buffers.spanText(s));
    }
    buffers.set(id, texts);
  }
  return { id: tx.id, msgs: [...tx.msgs], protocolVersion: tx.protocolVersion, buffers };
}

/** An AppOutput that publishes and logs as the engine would, keeping what it saw. */
function recorder(parser: MqttParser) {
  const r = {
    records: [] as unknown[],
    events: [] as string[],
    ready: [] as Snapshot[],
    out: {
      ready(tx: Transaction, side: number) {
        assert.equal(side, TxSide.REQUEST);
        tx.published |= side;
        r.ready.push(snapshot(tx as MqttTx));
      },
      log(tx: Transaction, side: number) {
        tx.logged |= side;
        r.records.push(structuredClone(parser.eve(tx, side, false)));
      },
      event(tx: Transaction | null, name: string) {
        r.events.push(`${tx === null ? "-" : tx.id}:${name}`);
      },
      stopPayloadInspection() {},
      endInspection() {},
    },
  };
  return r;
}

/** Feed chunks, each cut in pieces of at most `piece` bytes (0: whole). */
function feed(parser: MqttParser, chunks: StreamChunk[], piece = 0, cut = -1) {
  const state = parser.newState();
  const r = recorder(parser);
  for (const c of chunks) {
    const n = c.bytes.length;
    if (cut > 0 && cut < n) {
      parser.parse(state, c.toServer, c.bytes, 0, cut, r.out);
      parser.parse(state, c.toServer, c.bytes, cut, n, r.out);
    } else if (piece <= 0) parser.parse(state, c.toServer, c.bytes, 0, n, r.out);
    else {
      for (let i = 0; i < n; i += piece) {
        parser.parse(state, c.toServer, c.bytes, i, Math.min(n, i + piece), r.out);
      }
    }
    parser.collect(state);
  }
  parser.finish(state, r.out);
  return { state, r };
}

function chunksOf(test: string): StreamChunk[] {
  const conns = readTcpConnections(corpusPath(`suricata-verify/${test}/input.pcap`))
    .filter((c) => c.serverPort === 1883);
  assert.equal(conns.length, 1);
  return conns[0].chunks;
}

for (const test of ["mqtt-sub-rules", "mqtt-unsub-rules"]) {
  Deno.test(`mqtt: ${test} gives Suricata's records, however the stream is cut`, {
    ignore: !HAVE_CORPUS,
  }, () => {
    const chunks = chunksOf(test);
    const expected = JSON.parse(Deno.readTextFileSync(`${DATA}${test}.records.json`));
    const parser = new MqttParser();
    const whole = feed(parser, chunks);
    assert.deepEqual(whole.r.records, expected);
    assert.deepEqual(whole.r.events, []);
    assert.equal(whole.state.txs.length, 0, "every transaction collected");
    // byte by byte, and every chunk cut at every offset
    assert.deepEqual(feed(parser, chunks, 1).r.records, expected);
    const longest = Math.max(...chunks.map((c) => c.bytes.length));
    for (let cut = 1; cut < longest; cut++) {
      assert.deepEqual(feed(parser, chunks, 0, cut).r.records, expected, `cut at ${cut}`);
    }
  });
}

Deno.test("mqtt: buffers and fields of the sub-rules capture", { ignore: !HAVE_CORPUS }, () => {
  const parser = new MqttParser();
  const { r } = feed(parser, chunksOf("mqtt-sub-rules"));
  const [connect, subscribe, disconnect] = r.ready;
  assert.deepEqual(connect.msgs.map((m) => m.type), [MqttType.CONNECT, MqttType.CONNACK]);
  assert.equal(connect.protocolVersion, 5);
  assert.equal(connect.msgs[0].connectFlags, 0xc2);
  assert.equal(connect.msgs[1].reason, 0);
  assert.deepEqual(subscribe.msgs.map((m) => m.type), [MqttType.SUBSCRIBE, MqttType.SUBACK]);
  assert.deepEqual(subscribe.msgs[1].codes, [0, 0]);
  assert.equal(disconnect.msgs[0].type, MqttType.DISCONNECT);
  assert.deepEqual([connect.id, subscribe.id, disconnect.id], [0, 1, 2]);
});

Deno.test("mqtt: a JPEG published over several segments is one message", {
  ignore: !HAVE_CORPUS,
}, () => {
  const conns = readTcpConnections(
    corpusPath("suricata-verify/mqtt-binary-message/mqtt5_pub_jpeg.pcap"),
  ).filter((c) => c.serverPort === 1883);
  const parser = new MqttParser();
  const state = parser.newState();
  const r = recorder(parser);
  let seen: MqttTx | null = null;
  r.out.ready = (tx: Transaction) => {
    tx.published |= TxSide.REQUEST;
    const t = tx as MqttTx;
    if (t.msgs[0]?.type === MqttType.PUBLISH) {
      const b = t.buffers;
      const s = b.first(MQTT_PUB_MESSAGE_BUFFER);
      assert.deepEqual([...b.bytes.subarray(b.spanStart[s], b.spanStart[s] + 4)], [
        0xff,
        0xd8,
        0xff,
        0xe0,
      ]);
      assert.ok(b.spanEnd[s] - b.spanStart[s] > 10000);
      seen = t;
    }
  };
  for (const c of conns[0].chunks) {
    parser.parse(state, c.toServer, c.bytes, 0, c.bytes.length, r.out);
  }
  assert.notEqual(seen, null);
  assert.deepEqual(r.events, []);
});

const enc = new TextEncoder();

/** A message: type/flags byte, remaining length, body. */
function msg(h: number, body: number[]): Uint8Array {
  const len: number[] = [];
  let n = body.length;
  do {
    let b = n & 0x7f;
    n >>= 7;
    if (n > 0) b |= 0x80;
    len.push(b);
  } while (n > 0);
  return new Uint8Array([h, ...len, ...body]);
}
const str = (s: string) => [s.length >> 8, s.length & 255, ...enc.encode(s)];
const CONNECT_V4 = msg(0x10, [
  ...str("MQTT"),
  4,
  0xc2,
  0,
  60,
  ...str("id"),
  ...str("u"),
  ...str("p"),
]);
const CONNACK = msg(0x20, [0, 0]);

function run(messages: [boolean, Uint8Array][]) {
  const parser = new MqttParser();
  const state = parser.newState();
  const r = recorder(parser);
  for (const [toServer, m] of messages) {
    parser.parse(state, toServer, m, 0, m.length, r.out);
    parser.collect(state);
  }
  return { parser, state, r };
}

Deno.test("mqtt: CONNECT buffers and a QoS 1 PUBLISH paired with its PUBACK", () => {
  const { r } = run([
    [true, CONNECT_V4],
    [false, CONNACK],
    [true, msg(0x32, [...str("t/1"), 0, 7, ...enc.encode("hello")])],
    [false, msg(0x40, [0, 7])],
  ]);
  assert.deepEqual(r.events, []);
  const [connect, publish] = r.ready;
  assert.deepEqual(connect.buffers.get(MQTT_USERNAME_BUFFER), ["u"]);
  assert.deepEqual(connect.buffers.get(MQTT_PASSWORD_BUFFER), ["p"]);
  assert.deepEqual(publish.msgs.map((m) => m.type), [MqttType.PUBLISH, MqttType.PUBACK]);
  assert.deepEqual(r.records[1], {
    publish: { qos: 1, retain: false, dup: false, topic: "t/1", message_id: 7, message: "hello" },
    puback: { qos: 0, retain: false, dup: false, message_id: 7 },
  });
});

Deno.test("mqtt: Suricata's events on crafted traffic", () => {
  const { r } = run([
    [false, CONNACK], // no CONNECT
    [true, msg(0x30, [...str("t"), ...enc.encode("x")])], // before the handshake
    [true, CONNECT_V4],
    [false, CONNACK],
    [true, CONNECT_V4], // again
    [true, msg(0x36, [...str("t"), 0, 1])], // QoS 3
    [true, msg(0x00, [])], // type 0
    [false, msg(0x40, [0, 9])], // PUBACK of nothing
    [true, msg(0x82, [0, 5, ...str("a"), 0, ...str("b"), 1])],
    [false, msg(0xb0, [0, 6, 0x11])], // UNSUBACK of nothing
  ]);
  assert.deepEqual(r.events, [
    "0:missing_connect",
    "1:unintroduced_message",
    "3:double_connect",
    "4:invalid_qos_level",
    "5:unassigned_msg_type",
    "6:missing_publish",
    "8:missing_unsubscribe",
  ]);
  const sub = r.ready.find((t) => t.msgs[0].type === MqttType.SUBSCRIBE);
  assert.equal(sub, undefined, "the SUBSCRIBE waits for its SUBACK");
  // records: CONNACK, PUBLISH, CONNECT+CONNACK, type 0 ({}), PUBACK, UNSUBACK
  assert.equal(r.records.length, 6);
  assert.deepEqual(r.records[3], {});
});

Deno.test("mqtt: SUBSCRIBE and UNSUBSCRIBE topics are multi-buffers", () => {
  const { r } = run([
    [true, CONNECT_V4],
    [false, CONNACK],
    [true, msg(0x82, [0, 5, ...str("a/b"), 0, ...str("c"), 1])],
    [false, msg(0x90, [0, 5, 0, 1])],
    [true, msg(0xa2, [0, 6, ...str("a/b"), ...str("c")])],
    [false, msg(0xb0, [0, 6])],
  ]);
  assert.deepEqual(r.ready[1].buffers.get(MQTT_SUB_TOPIC_BUFFER), ["a/b", "c"]);
  assert.deepEqual(r.ready[2].buffers.get(MQTT_UNSUB_TOPIC_BUFFER), ["a/b", "c"]);
  assert.deepEqual(r.ready[1].msgs[1].codes, [0, 1]);
  assert.deepEqual(r.records[2], {
    unsubscribe: { qos: 1, retain: false, dup: false, message_id: 6, topics: ["a/b", "c"] },
    unsuback: { qos: 0, retain: false, dup: false, message_id: 6 },
  });
});

Deno.test("mqtt: malformed messages stop parsing with malformed_traffic, never throw", () => {
  // a body shorter than its fields
  let t = run([[true, msg(0x10, [0, 4, 0x4d, 0x51])], [true, CONNECT_V4]]);
  assert.deepEqual(t.r.events, ["0:malformed_traffic"]);
  assert.equal(t.state.givenUp, true);
  assert.equal(t.r.ready.length, 1);
  // a remaining length of five bytes
  t = run([[true, new Uint8Array([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])]]);
  assert.deepEqual(t.r.events, ["0:malformed_traffic"]);
  // random bytes: whatever happens, no exception and bounded state
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 255;
  for (let k = 0; k < 200; k++) {
    const parser = new MqttParser();
    const state = parser.newState();
    const r = recorder(parser);
    const bytes = new Uint8Array(64).map(rnd);
    parser.parse(state, (k & 1) === 0, bytes, 0, bytes.length, r.out);
    parser.finish(state, r.out);
    parser.collect(state);
    assert.equal(state.txs.length, 0);
  }
});

Deno.test("mqtt: memory stays bounded (long messages skipped, transactions capped)", () => {
  const parser = new MqttParser();
  const state: MqttState = parser.newState();
  const r = recorder(parser);
  // a PUBLISH longer than the limit: logged as truncated, its bytes skipped
  const len = MQTT_MAX_MSG_LEN + 10;
  const head = new Uint8Array([0x30, 0x8a, 0x80, 0x40]); // 1048586
  assert.equal((0x0a) + (0x00 << 7) + (0x40 << 14), len);
  parser.parse(state, true, head, 0, head.length, r.out);
  const body = new Uint8Array(64 * 1024);
  for (let sent = 0; sent < len; sent += body.length) {
    parser.parse(state, true, body, 0, Math.min(body.length, len - sent), r.out);
  }
  assert.deepEqual(r.records[0], {
    publish: { qos: 0, retain: false, dup: false, truncated: true, skipped_length: len + 4 },
  });
  assert.equal(state.toServer.stash, null, "nothing buffered for a skipped message");
  // the next message parses
  parser.parse(state, true, CONNECT_V4, 0, CONNECT_V4.length, r.out);
  assert.equal(state.txs[state.txs.length - 1].msgs[0].type, MqttType.CONNECT);
  parser.collect(state);
  // QoS 1 PUBLISHes never acknowledged: the oldest are closed beyond the cap
  const pub = msg(0x32, [...str("t"), 0, 1]);
  for (let k = 0; k < MQTT_MAX_TX + 100; k++) {
    parser.parse(state, true, pub, 0, pub.length, r.out);
    parser.collect(state);
  }
  assert.ok(state.txs.length <= MQTT_MAX_TX + 2, `${state.txs.length} live`);
  assert.ok(r.events.includes("1:too_many_transactions"));
});

Deno.test("mqtt: detected by its fixed header on port 1883", () => {
  const d = CONNECT_V4;
  assert.equal(detectAppProto(d, 0, d.length, true, 1883), AppProto.MQTT);
  assert.equal(detectAppProto(d, 0, d.length, true, 80), AppProto.UNKNOWN);
  const bad = new Uint8Array([0x06, 0x00]); // QoS 3
  assert.equal(detectAppProto(bad, 0, 2, true, 1883), AppProto.UNKNOWN);
  const zero = new Uint8Array([0x00, 0x00]); // type 0
  assert.equal(detectAppProto(zero, 0, 2, true, 1883), AppProto.UNKNOWN);
});
