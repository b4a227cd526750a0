/**
 * MQTT transaction keywords (Suricata's detect-mqtt-*): `mqtt.type`,
 * `mqtt.flags`, `mqtt.qos`, `mqtt.reason_code` (alias
 * `mqtt.connack.return_code`), `mqtt.connack.session_present`,
 * `mqtt.connect.flags` and `mqtt.protocol_version`. Each matches when any
 * message of the transaction does; all inspect the transaction as the
 * client's part, as Suricata's MQTT keywords inspect to-server only.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { MQTT_TYPE_NAMES, type MqttTx, MqttType } from "../../app/mqtt_parser.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition } from "../signature.ts";
import { inRange, parseUintComparison, U8_MAX } from "./_numeric.ts";
import { claimTransaction } from "./_tx_keyword.ts";

const REQUEST = 1;

/** What a condition reads from a transaction's messages. */
const Field = {
  TYPE: 0,
  QOS: 1,
  FLAGS: 2,
  CONNECT_FLAGS: 3,
  REASON: 4,
  SESSION_PRESENT: 5,
  VERSION: 6,
} as const;

/** A value of the transaction compared with a range, or masked (`(v & mask) === value`). */
class MqttCondition implements PacketCondition {
  constructor(
    readonly field: number,
    readonly lo: number,
    readonly hi: number,
    readonly negate: boolean,
    readonly mask = -1,
  ) {}

  #test(v: number): boolean {
    if (this.mask >= 0) return (v & this.mask) === this.lo;
    return inRange(v, this.lo, this.hi, this.negate);
  }

  match(_p: Packet, ctx: DetectContext): boolean {
    const tx = ctx.tx as MqttTx | null;
    if (tx === null || tx.msgs === undefined) return false;
    if (this.field === Field.VERSION) return this.#test(tx.protocolVersion);
    if (this.field === Field.REASON) return this.#reason(tx);
    for (const m of tx.msgs) {
      switch (this.field) {
        case Field.TYPE:
          if (this.#test(m.type)) return true;
          break;
        case Field.QOS:
          if (this.#test((m.flags >> 1) & 3)) return true;
          break;
        case Field.FLAGS:
          if (this.#test(m.flags & 0x09)) return true;
          break;
        case Field.CONNECT_FLAGS:
          if (m.type === MqttType.CONNECT && this.#test(m.connectFlags)) return true;
          break;
        case Field.SESSION_PRESENT:
          if (m.type === MqttType.CONNACK && this.#test(m.sessionPresent ? 1 : 0)) return true;
          break;
      }
    }
    return false;
  }

  /** The first reason or return code of the transaction, else any SUBACK/UNSUBACK code. */
  #reason(tx: MqttTx): boolean {
    for (const m of tx.msgs) {
      if (m.reason >= 0 && m.type !== MqttType.SUBACK && m.type !== MqttType.UNSUBACK) {
        if (this.#test(m.reason)) return true;
        break;
      }
    }
    for (const m of tx.msgs) {
      if (m.codes === null) continue;
      for (const c of m.codes) if (this.#test(c)) return true;
    }
    return false;
  }
}

/** `name[,name...]` with `!` negations into a mask and the bits that must be set. */
function parseFlagList(
  keyword: string,
  value: string,
  bits: Readonly<Record<string, number>>,
): { mask: number; set: number } {
  let mask = 0;
  let set = 0;
  for (const raw of value.split(",")) {
    let item = raw.trim();
    if (item.length === 0) continue;
    const neg = item.startsWith("!");
    if (neg) item = item.slice(1).trim();
    const bit = bits[item];
    if (bit === undefined) throw new KeywordError(keyword, `unknown flag "${item}"`);
    if ((mask & bit) !== 0) throw new KeywordError(keyword, `flag "${item}" repeated`);
    mask |= bit;
    if (!neg) set |= bit;
  }
  if (mask === 0) throw new KeywordError(keyword, "a flag is required");
  return { mask, set };
}

function numeric(keyword: string, field: number, value: string): MqttCondition {
  const r = parseUintComparison(keyword, value, U8_MAX);
  return new MqttCondition(field, r.lo, r.hi, r.negate);
}

function flagsOrNumber(
  keyword: string,
  field: number,
  value: string,
  bits: Readonly<Record<string, number>>,
): MqttCondition {
  if (/^\s*[!<>=]?\s*\d/.test(value)) return numeric(keyword, field, value);
  const { mask, set } = parseFlagList(keyword, value, bits);
  return new MqttCondition(field, set, set, false, mask);
}

function register(
  name: string,
  description: string,
  make: (value: string) => MqttCondition,
  aliases: string[] = [],
): void {
  registerKeyword({
    name,
    aliases,
    description,
    value: "required",
    setup(builder, value) {
      const condition = make(value!);
      claimTransaction(builder, name, "mqtt", REQUEST);
      builder.sig.conditions.push(condition);
    },
  });
}

register("mqtt.type", "a message of the MQTT transaction has this type", (value) => {
  const text = value.trim();
  const index = MQTT_TYPE_NAMES.indexOf(text.toLowerCase());
  if (index >= 0) return new MqttCondition(Field.TYPE, index, index, false);
  return numeric("mqtt.type", Field.TYPE, text);
});

register("mqtt.qos", "a message of the MQTT transaction has this QoS level", (value) => {
  const text = value.trim();
  if (!/^[0-2]$/.test(text)) throw new KeywordError("mqtt.qos", `invalid QoS level ${value}`);
  return new MqttCondition(Field.QOS, Number(text), Number(text), false);
});

register(
  "mqtt.flags",
  "fixed header flags (dup, retain) of a message of the MQTT transaction",
  (value) => flagsOrNumber("mqtt.flags", Field.FLAGS, value, { dup: 0x08, retain: 0x01 }),
);

register(
  "mqtt.connect.flags",
  "the CONNECT flags of the MQTT transaction",
  (value) =>
    flagsOrNumber("mqtt.connect.flags", Field.CONNECT_FLAGS, value, {
      username: 0x80,
      password: 0x40,
      will_retain: 0x20,
      will: 0x04,
      clean_session: 0x02,
    }),
);

register(
  "mqtt.reason_code",
  "the reason or return code of the MQTT transaction",
  (value) => numeric("mqtt.reason_code", Field.REASON, value),
  ["mqtt.connack.return_code"],
);

register(
  "mqtt.connack.session_present",
  "the CONNACK session-present flag of the MQTT transaction",
  (value) => {
    const text = value.trim().toLowerCase();
    if (text === "yes" || text === "true") {
      return new MqttCondition(Field.SESSION_PRESENT, 1, 1, false);
    }
    if (text === "no" || text === "false") {
      return new MqttCondition(Field.SESSION_PRESENT, 0, 0, false);
    }
    throw new KeywordError("mqtt.connack.session_present", `expected yes or no, not ${value}`);
  },
);

register(
  "mqtt.protocol_version",
  "the protocol version of the MQTT flow",
  (value) => numeric("mqtt.protocol_version", Field.VERSION, value),
);
