/**
 * `app-layer-event`: an application-layer parser or protocol detection
 * raised an event. Either a packet event of protocol detection
 * (`app-layer-event:applayer_mismatch_protocol_both_directions;`) or
 * `<protocol>.<event>` (`app-layer-event:http.request_field_too_long;`),
 * which also ties the rule to that protocol, as in Suricata.
 *
 * A protocol's event belongs to a transaction, as in Suricata: the rule is
 * a transaction rule (of the direction its `flow` keyword or buffers give)
 * and matches when the transaction it inspects had the event raised, on a
 * packet of that direction after the parser raised it. Events a parser
 * raised for the flow rather than a transaction match on the packet that
 * raised them. A rule of a protocol without a parser loads as waiting for
 * `app-layer-events`. Event names after the protocol are not checked
 * against each parser's list.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { appParserPresent } from "../buffers.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { detachedString, KeywordError, type PacketCondition } from "../signature.ts";
import { TxSide } from "../../app/transaction.ts";

/** Protocol detection events (no protocol prefix), as Suricata 7. */
export const APP_LAYER_PACKET_EVENTS: readonly string[] = Object.freeze([
  "applayer_mismatch_protocol_both_directions",
  "applayer_wrong_direction_first_data",
  "applayer_detect_protocol_only_one_direction",
  "applayer_proto_detection_skipped",
  "applayer_no_tls_after_starttls",
  "applayer_unexpected_protocol",
]);

/** Application protocol names Suricata 7 accepts before the dot. */
const APP_PROTOCOLS = new Set([
  "http",
  "http1",
  "http2",
  "ftp",
  "ftp-data",
  "smtp",
  "tls",
  "ssh",
  "imap",
  "jabber",
  "smb",
  "dcerpc",
  "irc",
  "dns",
  "modbus",
  "enip",
  "dnp3",
  "nfs",
  "ntp",
  "tftp",
  "ike",
  "krb5",
  "quic",
  "dhcp",
  "snmp",
  "sip",
  "rfb",
  "mqtt",
  "pgsql",
  "telnet",
  "rdp",
  "bittorrent-dht",
]);

/** Protocol-detection events the flow stage raises. */
const RAISED_DETECTION_EVENTS = ["applayer_mismatch_protocol_both_directions"];

/** Events Suricata 7 no longer raises: such rules are skipped, as there. */
const OUTDATED = new Set([
  "tls.certificate_missing_element",
  "tls.certificate_unknown_element",
  "tls.certificate_invalid_string",
]);

/** What rules wait for until application-layer events are raised. */
export const APP_LAYER_EVENTS_PENDING = "app-layer-events";

/** An application-layer event; never matches until parsers raise events. */
export class AppLayerEventCondition implements PacketCondition {
  /**
   * @param protocol the protocol, or null for a protocol detection event
   * @param event the event name
   */
  constructor(readonly protocol: string | null, readonly event: string) {}

  /**
   * @param _p the packet
   * @param ctx its context: the events the parsers raised on it
   * @returns whether the event was raised on this packet
   */
  match(_p: Packet, ctx: DetectContext): boolean {
    const tx = ctx.tx;
    if (this.protocol !== null && tx !== null && tx.events.includes(this.event)) return true;
    const events = ctx.appEvents;
    if (events === null) return false;
    const proto = this.protocol ?? "";
    for (let k = 0; k < events.length; k++) {
      const e = events[k];
      // without a transaction being inspected: raised on this packet; with
      // one: raised on this packet for the flow
      if (e.event !== this.event || e.proto !== proto) continue;
      if (tx === null || e.txId < 0) return true;
    }
    return false;
  }
}

/** `http` and `http1` are one protocol for rules; `http` also covers `http2`. */
function compatible(header: string, event: string): boolean {
  const norm = (p: string) => (p === "http1" ? "http" : p);
  const a = norm(header);
  const b = norm(event);
  return a === b || (a === "http" && b === "http2") || (a === "http2" && b === "http");
}

registerKeyword({
  name: "app-layer-event",
  description: "application-layer parser or protocol detection event",
  value: "required",
  setup(builder, value) {
    const raw = value!;
    const offset = raw.length - raw.trimStart().length;
    const text = raw.trim();
    const sig = builder.sig;
    const dot = text.indexOf(".");
    let condition: AppLayerEventCondition;
    if (dot < 0) {
      const lower = text.toLowerCase();
      if (!APP_LAYER_PACKET_EVENTS.includes(lower)) {
        throw new KeywordError("app-layer-event", `unknown protocol detection event "${text}"`, {
          valueOffset: offset,
        });
      }
      condition = new AppLayerEventCondition(null, lower);
    } else {
      const protocol = text.slice(0, dot);
      const event = detachedString(text.slice(dot + 1));
      if (!APP_PROTOCOLS.has(protocol)) {
        throw new KeywordError("app-layer-event", `unknown application protocol "${protocol}"`, {
          valueOffset: offset,
        });
      }
      if (event.length === 0) {
        throw new KeywordError("app-layer-event", "event name expected after the '.'", {
          valueOffset: offset + dot + 1,
        });
      }
      if (OUTDATED.has(text)) {
        throw new KeywordError("app-layer-event", `event ${text} is no longer raised`, {
          valueOffset: offset,
          unsupported: true,
        });
      }
      const appProto = protocol === "http1" ? "http" : protocol;
      if (sig.appProto === null) {
        sig.appProto = appProto;
      } else if (!compatible(sig.appProto, appProto)) {
        throw new KeywordError(
          "app-layer-event",
          `event of ${protocol} in a rule for ${sig.appProto}`,
          { valueOffset: offset },
        );
      }
      condition = new AppLayerEventCondition(appProto, event);
    }
    sig.conditions.push(condition);
    // a protocol's event is inspected with its transaction
    if (condition.protocol !== null) sig.txKeywordSide |= TxSide.BOTH;
    const parsed = condition.protocol === null
      ? RAISED_DETECTION_EVENTS.includes(condition.event)
      : appParserPresent(condition.protocol);
    if (!parsed && !sig.waitingFor.includes(APP_LAYER_EVENTS_PENDING)) {
      sig.waitingFor.push(APP_LAYER_EVENTS_PENDING);
    }
  },
});
