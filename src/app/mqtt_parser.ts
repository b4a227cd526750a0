/**
 * The MQTT parser (3.1, 3.1.1 and 5.0 over TCP), as Suricata 7's
 * rust/src/mqtt:
 *
 * - framing: a fixed header (type, DUP, QoS, RETAIN) and a remaining length
 *   varint of up to 4 bytes, then the message body; both may be split
 *   anywhere in the stream (an incomplete body waits in a per-direction
 *   buffer). A body longer than {@link MQTT_MAX_MSG_LEN} is skipped and
 *   logged as truncated;
 * - transactions pair messages: CONNECT with CONNACK, PUBLISH (QoS 1/2)
 *   with PUBACK or PUBREC/PUBREL/PUBCOMP, SUBSCRIBE with SUBACK, UNSUBSCRIBE
 *   with UNSUBACK (by message id); everything else is a transaction of its
 *   own. A transaction is published (inspected as the client's part, as
 *   Suricata's MQTT keywords inspect to-server only) and logged when
 *   complete, and at the end of the flow;
 * - events as Suricata names them: `missing_connect`, `missing_publish`,
 *   `missing_subscribe`, `missing_unsubscribe`, `double_connect`,
 *   `unintroduced_message`, `invalid_qos_level`, `missing_msg_id`,
 *   `unassigned_msg_type`, `too_many_transactions`, `malformed_traffic` (a
 *   message that does not parse; parsing of the flow stops, as after a gap).
 *
 * Buffers (all on the client's part): `mqtt.connect.clientid`,
 * `mqtt.connect.username`, `mqtt.connect.password`,
 * `mqtt.connect.willtopic`, `mqtt.connect.willmessage`,
 * `mqtt.publish.topic`, `mqtt.publish.message`, and the multi-buffers
 * `mqtt.subscribe.topic` and `mqtt.unsubscribe.topic`. The numeric fields
 * the `mqtt.*` keywords test are kept per message ({@link MqttMsg}).
 *
 * @module
 */

import { registerBuffer } from "../detect/buffers.ts";
import { eveBytes } from "./http_eve.ts";
import {
  type AppLogStyle,
  type AppOutput,
  type AppParser,
  Transaction,
  TxSide,
} from "./transaction.ts";

/** Buffer id of `mqtt.connect.clientid`. */
export const MQTT_CLIENTID_BUFFER: number =
  registerBuffer("mqtt.connect.clientid", "mqtt", true).id;
/** Buffer id of `mqtt.connect.username`. */
export const MQTT_USERNAME_BUFFER: number =
  registerBuffer("mqtt.connect.username", "mqtt", true).id;
/** Buffer id of `mqtt.connect.password`. */
export const MQTT_PASSWORD_BUFFER: number =
  registerBuffer("mqtt.connect.password", "mqtt", true).id;
/** Buffer id of `mqtt.connect.willtopic`. */
export const MQTT_WILLTOPIC_BUFFER: number =
  registerBuffer("mqtt.connect.willtopic", "mqtt", true).id;
/** Buffer id of `mqtt.connect.willmessage`. */
export const MQTT_WILLMESSAGE_BUFFER: number =
  registerBuffer("mqtt.connect.willmessage", "mqtt", true).id;
/** Buffer id of `mqtt.publish.topic`. */
export const MQTT_PUB_TOPIC_BUFFER: number = registerBuffer("mqtt.publish.topic", "mqtt", true).id;
/** Buffer id of `mqtt.publish.message`. */
export const MQTT_PUB_MESSAGE_BUFFER: number =
  registerBuffer("mqtt.publish.message", "mqtt", true).id;
/** Buffer id of `mqtt.subscribe.topic` (one span per topic). */
export const MQTT_SUB_TOPIC_BUFFER: number =
  registerBuffer("mqtt.subscribe.topic", "mqtt", true).id;
/** Buffer id of `mqtt.unsubscribe.topic` (one span per topic). */
export const MQTT_UNSUB_TOPIC_BUFFER: number =
  registerBuffer("mqtt.unsubscribe.topic", "mqtt", true).id;

/** Message types (the fixed header's high nibble). */
export const MqttType = {
  UNASSIGNED: 0,
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBSCRIBE: 8,
  SUBACK: 9,
  UNSUBSCRIBE: 10,
  UNSUBACK: 11,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
  AUTH: 15,
} as const;

/** Lower-case message type names by type number (EVE object keys). */
export const MQTT_TYPE_NAMES: readonly string[] = Object.freeze([
  "unassigned",
  "connect",
  "connack",
  "publish",
  "puback",
  "pubrec",
  "pubrel",
  "pubcomp",
  "subscribe",
  "suback",
  "unsubscribe",
  "unsuback",
  "pingreq",
  "pingresp",
  "disconnect",
  "auth",
]);

/** Largest message body parsed; a longer one is skipped (Suricata's `max-msg-length`, 1 MiB). */
export const MQTT_MAX_MSG_LEN = 1 << 20;
/** Transactions a flow keeps before the oldest incomplete one is closed (Suricata's 1024). */
export const MQTT_MAX_TX = 1024;
/** Messages one transaction keeps (repeated PUBRECs/PUBRELs beyond are dropped). */
export const MQTT_MAX_TX_MSGS = 16;

/** The pseudo message id of the CONNECT waiting for its CONNACK. */
const CONNECT_PKT_ID = 0x10000;

/** One parsed message of a transaction. */
export interface MqttMsg {
  /** {@link MqttType}. */
  type: number;
  /** The fixed header's flag nibble: DUP 8, QoS 6, RETAIN 1. */
  flags: number;
  /** CONNECT's flags byte, -1 for other messages. */
  connectFlags: number;
  /** Reason or return code (CONNACK, PUBACK.., DISCONNECT, AUTH), -1 when none. */
  reason: number;
  /** SUBACK's granted QoS list or UNSUBACK's reason codes, null otherwise. */
  codes: number[] | null;
  /** CONNACK's session-present flag. */
  sessionPresent: boolean;
  /** The EVE object of the message (its `message` text is filled in when logged). */
  eve: Record<string, unknown> | null;
}

/** One MQTT transaction: a message and the replies paired with it. */
export class MqttTx extends Transaction {
  /** The messages, in arrival order. */
  readonly msgs: MqttMsg[] = [];
  /** The message id replies are paired by, -1 when none is awaited. */
  pktId = -1;
  /** Nothing more belongs to it. */
  complete = false;
  /** The flow's protocol version when the transaction completed (`mqtt.protocol_version`). */
  protocolVersion = 0;

  /** Make the transaction new again. */
  override reset(): void {
    super.reset();
    this.msgs.length = 0;
    this.pktId = -1;
    this.complete = false;
    this.protocolVersion = 0;
  }
}

/** One direction's framing state. */
class MqttDir {
  /** Fixed header bytes read (type byte and length varint). */
  readonly hdr = new Uint8Array(5);
  hdrLen = 0;
  /** Body length of the message being read, -1 while reading its header. */
  bodyLen = -1;
  /** The incomplete body (allocated on first need, grown to the largest body). */
  stash: Uint8Array | null = null;
  stashLen = 0;
  /** Bytes of an over-long message still to skip. */
  skip = 0;

  reset(): void {
    this.hdrLen = 0;
    this.bodyLen = -1;
    this.stashLen = 0;
    this.skip = 0;
    if (this.stash !== null && this.stash.length > 65536) this.stash = null;
  }
}

/** A flow's MQTT state. */
export class MqttState {
  /** Live transactions, oldest first. */
  readonly txs: MqttTx[] = [];
  /** The next transaction's id. */
  nextTxId = 0;
  /** Protocol version of the latest CONNECT (0 before one). */
  protocolVersion = 0;
  /** A CONNACK answered a CONNECT. */
  connected = false;
  /** Parsing stopped (a malformed message or a gap). */
  givenUp = false;
  /** Client to server framing. */
  readonly toServer: MqttDir = new MqttDir();
  /** Server to client framing. */
  readonly toClient: MqttDir = new MqttDir();
}

/** Bounds-checked reads over a message body; a read past the end sets {@link Reader.bad}. */
class Reader {
  d: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;
  bad = false;
  /** Start and end of the latest string or binary field read. */
  s = 0;
  e = 0;

  init(d: Uint8Array, pos: number, end: number): void {
    this.d = d;
    this.pos = pos;
    this.end = end;
    this.bad = false;
  }
  u8(): number {
    if (this.pos + 1 > this.end) {
      this.bad = true;
      return 0;
    }
    return this.d[this.pos++];
  }
  u16(): number {
    if (this.pos + 2 > this.end) {
      this.bad = true;
      return 0;
    }
    const v = (this.d[this.pos] << 8) | this.d[this.pos + 1];
    this.pos += 2;
    return v;
  }
  u32(): number {
    const hi = this.u16();
    return hi * 65536 + this.u16();
  }
  /** A length-prefixed field: its bounds go to {@link Reader.s}/{@link Reader.e}. */
  field(): boolean {
    const n = this.u16();
    if (this.bad || this.pos + n > this.end) {
      this.bad = true;
      return false;
    }
    this.s = this.pos;
    this.e = this.pos + n;
    this.pos += n;
    return true;
  }
  /** A variable byte integer of up to 4 bytes. */
  varint(): number {
    let v = 0;
    let mul = 1;
    for (let k = 0; k < 4; k++) {
      const b = this.u8();
      if (this.bad) return 0;
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return v;
      mul *= 128;
    }
    this.bad = true;
    return 0;
  }
}

const utf8 = new TextDecoder("utf-8");

/**
 * The MQTT parser. One instance per worker; it pools the transactions of
 * all its flows.
 *
 * @example
 * ```ts
 * import { MqttParser } from "./mqtt_parser.ts";
 * const parser = new MqttParser();
 * const state = parser.newState();
 * const out = { ready() {}, log() {}, event() {} };
 * const ping = new Uint8Array([0xc0, 0x00]); // PINGREQ
 * parser.parse(state, true, ping, 0, 2, out);
 * console.log(state.txs[0].msgs[0].type); // 12
 * ```
 */
export class MqttParser implements AppParser<MqttState> {
  /** EVE's protocol name. */
  readonly name = "mqtt";
  /** How EVE writes its records and events. */
  readonly logStyle: AppLogStyle = {
    txId: false,
    packetSide: false,
    eventsAsRaised: true,
    dropsEventsWithoutTx: false,
  };
  readonly #pool: MqttTx[] = [];
  readonly #r = new Reader();

  /** A fresh per-flow state. */
  newState(): MqttState {
    return new MqttState();
  }

  /** Make a state fresh for another flow; its transactions go back to the pool. */
  resetState(state: MqttState): void {
    for (const tx of state.txs) this.#release(tx);
    state.txs.length = 0;
    state.nextTxId = 0;
    state.protocolVersion = 0;
    state.connected = false;
    state.givenUp = false;
    state.toServer.reset();
    state.toClient.reset();
  }

  /** Parse bytes of one direction's stream. */
  parse(
    state: MqttState,
    toServer: boolean,
    data: Uint8Array,
    start: number,
    end: number,
    out: AppOutput,
  ): void {
    const dir = toServer ? state.toServer : state.toClient;
    let i = start;
    while (i < end && !state.givenUp) {
      if (dir.skip > 0) {
        const n = Math.min(dir.skip, end - i);
        dir.skip -= n;
        i += n;
        continue;
      }
      if (dir.bodyLen < 0) {
        const b = data[i++];
        dir.hdr[dir.hdrLen++] = b;
        if (dir.hdrLen === 1) continue;
        if ((b & 0x80) !== 0) {
          // a fifth length byte: Suricata's varint takes four at most
          if (dir.hdrLen === 5) this.#malformed(state, out);
          continue;
        }
        let len = 0;
        for (let k = dir.hdrLen - 1; k >= 1; k--) len = len * 128 + (dir.hdr[k] & 0x7f);
        if (len > MQTT_MAX_MSG_LEN) {
          this.#truncated(state, dir.hdr[0], len + dir.hdrLen, out);
          dir.hdrLen = 0;
          dir.skip = len;
          continue;
        }
        dir.bodyLen = len;
        dir.stashLen = 0;
        if (len === 0) this.#done(state, dir, data, i, i, out);
        continue;
      }
      const len = dir.bodyLen;
      if (dir.stashLen === 0 && end - i >= len) {
        this.#done(state, dir, data, i, i + len, out);
        i += len;
        continue;
      }
      if (dir.stash === null || dir.stash.length < len) {
        const grown = new Uint8Array(Math.max(len, 1024));
        if (dir.stash !== null) grown.set(dir.stash.subarray(0, dir.stashLen));
        dir.stash = grown;
      }
      const n = Math.min(len - dir.stashLen, end - i);
      dir.stash.set(data.subarray(i, i + n), dir.stashLen);
      dir.stashLen += n;
      i += n;
      if (dir.stashLen === len) this.#done(state, dir, dir.stash, 0, len, out);
    }
  }

  /** Bytes were lost: MQTT cannot resynchronise (Suricata accepts no gaps), parsing stops. */
  gap(state: MqttState, _toServer: boolean, _length: number, _out: AppOutput): void {
    state.givenUp = true;
  }

  /** The flow ended: incomplete transactions are published and logged as they are. */
  finish(state: MqttState, out: AppOutput): void {
    for (const tx of state.txs) {
      if (!tx.complete) this.#complete(state, tx, out);
    }
  }

  /** Return the complete transactions that were published and logged to the pool. */
  collect(state: MqttState): void {
    const txs = state.txs;
    let kept = 0;
    for (let k = 0; k < txs.length; k++) {
      const tx = txs[k];
      if (
        tx.complete && (tx.published & TxSide.REQUEST) !== 0 && (tx.logged & TxSide.REQUEST) !== 0
      ) {
        this.#release(tx);
      } else txs[kept++] = tx;
    }
    txs.length = kept;
  }

  /**
   * The EVE `mqtt` object: one member per message, named by its type
   * (`connect`, `connack`, `publish`, ...), as Suricata 7 writes it for the
   * mqtt record and alerts.
   */
  eve(tx: Transaction, _side: number, _forAlert: boolean): Record<string, unknown> | null {
    const t = tx as MqttTx;
    const o: Record<string, unknown> = {};
    for (const m of t.msgs) {
      if (m.eve === null) continue;
      if (m.type === MqttType.PUBLISH && "message" in m.eve) {
        const b = t.buffers;
        const s = b.first(MQTT_PUB_MESSAGE_BUFFER);
        m.eve.message = s < 0 ? "" : eveBytes(b.bytes.subarray(b.spanStart[s], b.spanEnd[s]));
      }
      o[MQTT_TYPE_NAMES[m.type]] = m.eve;
    }
    return o;
  }

  // ------------------------------------------------------------ messages

  /** A whole message body is in `d[s..e)`. */
  #done(
    state: MqttState,
    dir: MqttDir,
    d: Uint8Array,
    s: number,
    e: number,
    out: AppOutput,
  ): void {
    const h = dir.hdr[0];
    dir.hdrLen = 0;
    dir.bodyLen = -1;
    dir.stashLen = 0;
    const type = h >> 4;
    const msg: MqttMsg = {
      type,
      flags: h & 0x0f,
      connectFlags: -1,
      reason: -1,
      codes: null,
      sessionPresent: false,
      eve: null,
    };
    // the transaction buffers go to: a new one, or the one a reply pairs with
    const r = this.#r;
    r.init(d, s, e);
    const eve = headerObject(h);
    msg.eve = type === MqttType.UNASSIGNED ? null : eve;
    const v5 = state.protocolVersion === 5;
    switch (type) {
      case MqttType.CONNECT:
        this.#connect(state, msg, eve, h, out);
        return;
      case MqttType.CONNACK: {
        const flags = r.u8();
        msg.reason = r.u8();
        msg.sessionPresent = (flags & 1) !== 0;
        eve.session_present = msg.sessionPresent;
        eve.return_code = msg.reason;
        if (v5) this.#properties(eve, "properties");
        if (r.bad) return this.#malformed(state, out);
        const tx = this.#byPktId(state, CONNECT_PKT_ID);
        if (tx !== null) {
          this.#append(tx, msg);
          state.connected = true;
          this.#complete(state, tx, out);
        } else {
          const t = this.#newTx(state, msg, out);
          out.event(t, "missing_connect");
          this.#complete(state, t, out);
        }
        return;
      }
      case MqttType.PUBLISH:
        this.#publish(state, msg, eve, h, out);
        return;
      case MqttType.PUBACK:
      case MqttType.PUBREC:
      case MqttType.PUBREL:
      case MqttType.PUBCOMP: {
        const id = r.u16();
        eve.message_id = id;
        if (v5) {
          if (e - s === 2) msg.reason = 0;
          else {
            msg.reason = r.u8();
            if (e - s > 3) this.#properties(eve, "properties");
          }
          if (!r.bad) eve.reason_code = msg.reason;
          moveLast(eve, "properties");
        }
        if (r.bad) return this.#malformed(state, out);
        const tx = this.#byPktId(state, id);
        if (tx !== null) {
          this.#append(tx, msg);
          if (type === MqttType.PUBACK || type === MqttType.PUBCOMP) this.#complete(state, tx, out);
        } else {
          const t = this.#newTx(state, msg, out);
          out.event(t, "missing_publish");
          if (!state.connected) out.event(t, "unintroduced_message");
          this.#complete(state, t, out);
        }
        return;
      }
      case MqttType.SUBSCRIBE:
      case MqttType.UNSUBSCRIBE:
        this.#subscribe(state, msg, eve, h, out);
        return;
      case MqttType.SUBACK:
      case MqttType.UNSUBACK: {
        const id = r.u16();
        eve.message_id = id;
        // Suricata 7 reads SUBACK/UNSUBACK properties but does not log them
        if (v5) this.#properties({}, "p");
        if (r.bad) return this.#malformed(state, out);
        const codes: number[] = [];
        while (r.pos < r.end) codes.push(r.d[r.pos++]);
        msg.codes = codes;
        if (type === MqttType.SUBACK) eve.qos_granted = codes;
        else if (codes.length > 0) eve.reason_codes = codes;
        const tx = this.#byPktId(state, id);
        if (tx !== null) {
          this.#append(tx, msg);
          this.#complete(state, tx, out);
        } else {
          const t = this.#newTx(state, msg, out);
          out.event(t, type === MqttType.SUBACK ? "missing_subscribe" : "missing_unsubscribe");
          if (!state.connected) out.event(t, "unintroduced_message");
          this.#complete(state, t, out);
        }
        return;
      }
      case MqttType.DISCONNECT:
      case MqttType.AUTH: {
        if (type === MqttType.AUTH || v5) {
          if (type === MqttType.DISCONNECT && e - s === 0) msg.reason = 0;
          else {
            msg.reason = r.u8();
            // Suricata: a one-byte DISCONNECT body reads as reason 0
            if (type === MqttType.DISCONNECT && e - s === 1) msg.reason = 0;
            else this.#properties(eve, "properties");
          }
          if (!r.bad) eve.reason_code = msg.reason;
          moveLast(eve, "properties");
        }
        if (r.bad) return this.#malformed(state, out);
        const t = this.#newTx(state, msg, out);
        if (!state.connected) out.event(t, "unintroduced_message");
        this.#complete(state, t, out);
        return;
      }
      case MqttType.PINGREQ:
      case MqttType.PINGRESP: {
        const t = this.#newTx(state, msg, out);
        if (!state.connected) out.event(t, "unintroduced_message");
        this.#complete(state, t, out);
        return;
      }
      default: {
        const t = this.#newTx(state, msg, out);
        out.event(t, "unassigned_msg_type");
        this.#complete(state, t, out);
      }
    }
  }

  #connect(
    state: MqttState,
    msg: MqttMsg,
    eve: Record<string, unknown>,
    _h: number,
    out: AppOutput,
  ): void {
    const r = this.#r;
    const d = r.d;
    r.field();
    const ps = r.s;
    const pe = r.e;
    const version = r.u8();
    const flags = r.u8();
    r.u16(); // keep alive
    if (r.bad) return this.#malformed(state, out);
    const v5 = version === 5;
    const props: Record<string, unknown> = {};
    if (v5) this.#properties(props, "p");
    r.field();
    const cs = r.s;
    const ce = r.e;
    const will = (flags & 0x04) !== 0;
    const willProps: Record<string, unknown> = {};
    if (v5 && will) this.#properties(willProps, "p");
    let wts = -1, wte = -1, wms = -1, wme = -1, us = -1, ue = -1, pws = -1, pwe = -1;
    if (will && r.field()) {
      wts = r.s;
      wte = r.e;
      if (r.field()) {
        wms = r.s;
        wme = r.e;
      }
    }
    if ((flags & 0x80) !== 0 && r.field()) {
      us = r.s;
      ue = r.e;
    }
    if ((flags & 0x40) !== 0 && r.field()) {
      pws = r.s;
      pwe = r.e;
    }
    if (r.bad) return this.#malformed(state, out);
    state.protocolVersion = version;
    msg.connectFlags = flags;
    eve.protocol_string = text(d, ps, pe);
    eve.protocol_version = version;
    eve.client_id = text(d, cs, ce);
    eve.flags = {
      username: (flags & 0x80) !== 0,
      password: (flags & 0x40) !== 0,
      will_retain: (flags & 0x20) !== 0,
      will,
      clean_session: (flags & 0x02) !== 0,
    };
    if (us >= 0) eve.username = text(d, us, ue);
    if (pws >= 0) eve.password = eveBytes(d.subarray(pws, pwe));
    if (will) {
      const w: Record<string, unknown> = {};
      if (wts >= 0) w.topic = text(d, wts, wte);
      if (wms >= 0) w.message = eveBytes(d.subarray(wms, wme));
      if (willProps.p !== undefined) w.properties = willProps.p;
      eve.will = w;
    }
    if (props.p !== undefined) eve.properties = props.p;
    const tx = this.#newTx(state, msg, out);
    tx.pktId = CONNECT_PKT_ID;
    if (state.connected) out.event(tx, "double_connect");
    const b = tx.buffers;
    if (ce > cs) b.add(MQTT_CLIENTID_BUFFER, d, cs, ce);
    if (ue > us) b.add(MQTT_USERNAME_BUFFER, d, us, ue);
    if (pwe > pws) b.add(MQTT_PASSWORD_BUFFER, d, pws, pwe);
    if (wte > wts) b.add(MQTT_WILLTOPIC_BUFFER, d, wts, wte);
    if (wme > wms) b.add(MQTT_WILLMESSAGE_BUFFER, d, wms, wme);
  }

  #publish(
    state: MqttState,
    msg: MqttMsg,
    eve: Record<string, unknown>,
    h: number,
    out: AppOutput,
  ): void {
    const r = this.#r;
    const d = r.d;
    const qos = (h >> 1) & 3;
    r.field();
    const ts = r.s;
    const te = r.e;
    const id = qos > 0 ? r.u16() : -1;
    const props: Record<string, unknown> = {};
    if (state.protocolVersion === 5) this.#properties(props, "p");
    if (r.bad) return this.#malformed(state, out);
    eve.topic = text(d, ts, te);
    if (id >= 0) eve.message_id = id;
    eve.message = "";
    if (props.p !== undefined) eve.properties = props.p;
    const tx = this.#newTx(state, msg, out);
    const b = tx.buffers;
    if (te > ts) b.add(MQTT_PUB_TOPIC_BUFFER, d, ts, te);
    if (r.end > r.pos) b.add(MQTT_PUB_MESSAGE_BUFFER, d, r.pos, r.end);
    if (qos === 3) out.event(tx, "invalid_qos_level");
    if (!state.connected) out.event(tx, "unintroduced_message");
    if (qos === 0) this.#complete(state, tx, out);
    else if (qos < 3) tx.pktId = id;
  }

  #subscribe(
    state: MqttState,
    msg: MqttMsg,
    eve: Record<string, unknown>,
    h: number,
    out: AppOutput,
  ): void {
    const r = this.#r;
    const d = r.d;
    const sub = msg.type === MqttType.SUBSCRIBE;
    const id = r.u16();
    const props: Record<string, unknown> = {};
    if (state.protocolVersion === 5) this.#properties(props, "p");
    if (r.bad) return this.#malformed(state, out);
    const topics: unknown[] = [];
    const bounds: number[] = [];
    for (;;) {
      const at = r.pos;
      if (!r.field()) {
        r.pos = at;
        r.bad = false;
        break;
      }
      const qos = sub ? r.u8() : 0;
      if (r.bad) {
        r.pos = at;
        r.bad = false;
        break;
      }
      bounds.push(r.s, r.e);
      topics.push(sub ? { topic: text(d, r.s, r.e), qos } : text(d, r.s, r.e));
    }
    if (sub && topics.length === 0) return this.#malformed(state, out);
    eve.message_id = id;
    eve.topics = topics;
    if (sub && props.p !== undefined) eve.properties = props.p;
    const tx = this.#newTx(state, msg, out);
    const buffer = sub ? MQTT_SUB_TOPIC_BUFFER : MQTT_UNSUB_TOPIC_BUFFER;
    for (let k = 0; k < bounds.length; k += 2) tx.buffers.add(buffer, d, bounds[k], bounds[k + 1]);
    const qos = (h >> 1) & 3;
    if (qos === 3) out.event(tx, "invalid_qos_level");
    if (!state.connected) out.event(tx, "unintroduced_message");
    if (qos === 0) this.#complete(state, tx, out);
    else if (qos < 3) tx.pktId = id;
  }

  /** An over-long message: a transaction that says so. */
  #truncated(state: MqttState, h: number, skipped: number, out: AppOutput): void {
    const type = h >> 4;
    const eve = headerObject(h);
    eve.truncated = true;
    eve.skipped_length = skipped;
    const msg: MqttMsg = {
      type,
      flags: h & 0x0f,
      connectFlags: -1,
      reason: -1,
      codes: null,
      sessionPresent: false,
      eve,
    };
    this.#complete(state, this.#newTx(state, msg, out), out);
  }

  /** A message that does not parse: an empty transaction with the event, and parsing stops. */
  #malformed(state: MqttState, out: AppOutput): void {
    const tx = this.#newTx(state, null, out);
    out.event(tx, "malformed_traffic");
    this.#complete(state, tx, out);
    state.givenUp = true;
  }

  /**
   * Properties (MQTT 5): a length varint, then identifier-value pairs, into
   * `o[key]` when there are any.
   */
  #properties(o: Record<string, unknown>, key: string): void {
    const r = this.#r;
    const len = r.varint();
    if (r.bad || len === 0) return;
    if (r.pos + len > r.end) {
      r.bad = true;
      return;
    }
    const outerEnd = r.end;
    r.end = r.pos + len;
    const p: Record<string, unknown> = {};
    const d = r.d;
    while (r.pos < r.end && !r.bad) {
      const id = r.varint();
      switch (id) {
        case 1:
          p.payload_format_indicator = r.u8();
          break;
        case 2:
          p.message_expiry_interval = r.u32();
          break;
        case 3:
          if (r.field()) p.content_type = text(d, r.s, r.e);
          break;
        case 8:
          if (r.field()) p.response_topic = text(d, r.s, r.e);
          break;
        case 9:
          if (r.field()) p.correlation_data = eveBytes(d.subarray(r.s, r.e));
          break;
        case 11:
          p.subscription_identifier = r.varint();
          break;
        case 17:
          p.session_expiry_interval = r.u32();
          break;
        case 18:
          if (r.field()) p.assigned_client_identifier = text(d, r.s, r.e);
          break;
        case 19:
          p.server_keep_alive = r.u16();
          break;
        case 21:
          if (r.field()) p.authentication_method = text(d, r.s, r.e);
          break;
        case 22:
          if (r.field()) p.authentication_data = eveBytes(d.subarray(r.s, r.e));
          break;
        case 23:
          p.request_problem_information = r.u8();
          break;
        case 24:
          p.will_delay_interval = r.u32();
          break;
        case 25:
          p.request_response_information = r.u8();
          break;
        case 26:
          if (r.field()) p.response_information = text(d, r.s, r.e);
          break;
        case 28:
          if (r.field()) p.server_reference = text(d, r.s, r.e);
          break;
        case 31:
          if (r.field()) p.reason_string = text(d, r.s, r.e);
          break;
        case 33:
          p.receive_maximum = r.u16();
          break;
        case 34:
          p.topic_alias_maximum = r.u16();
          break;
        case 35:
          p.topic_alias = r.u16();
          break;
        case 36:
          p.maximum_qos = r.u8();
          break;
        case 37:
          p.retain_available = r.u8();
          break;
        case 38:
          if (r.field()) {
            const name = text(d, r.s, r.e);
            if (r.field()) p[name] = text(d, r.s, r.e);
          }
          break;
        case 39:
          p.maximum_packet_size = r.u32();
          break;
        case 40:
          p.wildcard_subscription_available = r.u8();
          break;
        case 41:
          p.subscription_identifier_available = r.u8();
          break;
        case 42:
          p.shared_subscription_available = r.u8();
          break;
        default:
          // unknown: Suricata reads the next identifier right after this one
          break;
      }
    }
    if (r.bad) return;
    r.end = outerEnd;
    o[key] = p;
  }

  // ------------------------------------------------------------ transactions

  #newTx(state: MqttState, msg: MqttMsg | null, out: AppOutput): MqttTx {
    const txs = state.txs;
    if (txs.length > MQTT_MAX_TX) {
      for (const old of txs) {
        if (!old.complete) {
          out.event(old, "too_many_transactions");
          this.#complete(state, old, out);
          break;
        }
      }
    }
    const tx = this.#pool.pop() ?? new MqttTx();
    tx.id = state.nextTxId++;
    if (msg !== null) tx.msgs.push(msg);
    txs.push(tx);
    return tx;
  }

  #append(tx: MqttTx, msg: MqttMsg): void {
    if (tx.msgs.length < MQTT_MAX_TX_MSGS) tx.msgs.push(msg);
  }

  #byPktId(state: MqttState, id: number): MqttTx | null {
    for (const tx of state.txs) if (!tx.complete && tx.pktId === id) return tx;
    return null;
  }

  /** Nothing more belongs to the transaction: publish and log it. */
  #complete(state: MqttState, tx: MqttTx, out: AppOutput): void {
    tx.complete = true;
    tx.pktId = -1;
    tx.protocolVersion = state.protocolVersion;
    tx.progress = TxSide.REQUEST;
    out.ready(tx, TxSide.REQUEST);
    out.log(tx, TxSide.REQUEST);
  }

  #release(tx: MqttTx): void {
    tx.reset();
    this.#pool.push(tx);
  }
}

/** The `qos`, `retain`, `dup` members every message object starts with. */
function headerObject(h: number): Record<string, unknown> {
  return { qos: (h >> 1) & 3, retain: (h & 1) !== 0, dup: (h & 8) !== 0 };
}

/** Move a member to the end (EVE member order). */
function moveLast(o: Record<string, unknown>, key: string): void {
  if (!(key in o)) return;
  const v = o[key];
  delete o[key];
  o[key] = v;
}

/** A string field as Suricata reads it (UTF-8, invalid sequences replaced). */
function text(d: Uint8Array, s: number, e: number): string {
  return utf8.decode(d.subarray(s, e));
}
