/**
 * `decode-event` and `engine-event`: a decoder anomaly was raised on the
 * packet. `decode-event:ipv4.trunc_pkt;` names the event as in
 * `decoder-events.rules` (Suricata prefixes it with `decoder.`);
 * `engine-event:decoder.ipv4.trunc_pkt;` gives the full name, which may also
 * be a `stream.` event (see stream_event.ts). Names are case-insensitive.
 *
 * Events Suricata 7 knows that Tarsier's decoder never raises (NSH, Geneve,
 * `*.frag_ignored`, the outdated `udp.hlen_invalid`) are accepted: their
 * rules load as waiting for `decoder-event:<name>`.
 *
 * @module
 */

import { decoderEventId } from "../../decode/events.ts";
import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition, type SignatureBuilder } from "../signature.ts";
import { applyStreamEvent } from "./stream_event.ts";

/** Decoder events of Suricata 7 that Tarsier's decoder does not raise. */
const NEVER_RAISED = new Set([
  "udp.hlen_invalid",
  "ipv4.frag_ignored",
  "ipv6.frag_ignored",
  "geneve.unknown_payload_type",
  "nsh.header_too_small",
  "nsh.unsupported_version",
  "nsh.bad_header_length",
  "nsh.reserved_type",
  "nsh.unsupported_type",
  "nsh.unknown_payload",
]);

/** Matches packets on which a decoder event was raised. */
export class DecodeEventCondition implements PacketCondition {
  /** @param event the event's bit number (events.ts) */
  constructor(readonly event: number) {}

  /**
   * @param p the packet
   * @returns true when the event was raised
   */
  match(p: Packet): boolean {
    return p.hasEvent(this.event);
  }
}

/** Never matches: a decoder event this build never raises. */
export class NeverRaisedEventCondition implements PacketCondition {
  /** @param name the event */
  constructor(readonly name: string) {}

  /** @returns false */
  match(): boolean {
    return false;
  }
}

/**
 * Add the condition for a decoder event.
 *
 * @param builder the rule being compiled
 * @param keyword the keyword, for errors
 * @param name the event without the `decoder.` prefix, any case
 * @param offset where the name starts in the value, for errors
 * @throws {KeywordError} when the event is unknown
 */
export function applyDecodeEvent(
  builder: SignatureBuilder,
  keyword: string,
  name: string,
  offset: number,
): void {
  const lower = name.toLowerCase();
  const id = decoderEventId(lower);
  if (id >= 0) {
    builder.sig.conditions.push(new DecodeEventCondition(id));
    return;
  }
  if (NEVER_RAISED.has(lower)) {
    builder.sig.conditions.push(new NeverRaisedEventCondition(lower));
    const waiting = `decoder-event:${lower}`;
    if (!builder.sig.waitingFor.includes(waiting)) builder.sig.waitingFor.push(waiting);
    return;
  }
  throw new KeywordError(keyword, `unknown decoder event "${name}"`, {
    valueOffset: offset,
  });
}

/** The event name: trimmed, and where it starts. */
function eventName(value: string): { name: string; offset: number } {
  const offset = value.length - value.trimStart().length;
  return { name: value.trim(), offset };
}

registerKeyword({
  name: "decode-event",
  description: "decoder anomaly event raised on the packet",
  value: "required",
  setup(builder, value) {
    const { name, offset } = eventName(value!);
    applyDecodeEvent(builder, "decode-event", name, offset);
  },
});

registerKeyword({
  name: "engine-event",
  description: "decoder or stream event (full name: decoder.*, stream.*)",
  value: "required",
  setup(builder, value) {
    const { name, offset } = eventName(value!);
    const lower = name.toLowerCase();
    if (lower.startsWith("decoder.")) {
      applyDecodeEvent(builder, "engine-event", name.slice(8), offset + 8);
    } else if (lower.startsWith("stream.")) {
      applyStreamEvent(builder, "engine-event", name.slice(7), offset + 7);
    } else {
      throw new KeywordError("engine-event", `unknown event "${name}" (decoder.* or stream.*)`, {
        valueOffset: offset,
      });
    }
  },
});
