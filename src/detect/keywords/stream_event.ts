/**
 * `stream-event`: a TCP stream engine event was raised on the packet
 * (`stream-event:3whs_synack_in_wrong_direction;`), named as Suricata 7's
 * `stream-events.rules` (the `stream.` prefix left out). The two older
 * spellings `*_synack_resend_with_different_ack` are accepted as Suricata
 * does.
 *
 * Tarsier raises the events of {@link RAISED_STREAM_EVENTS}; a rule on
 * another stream event loads as waiting for `stream-events`.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import type { Packet } from "../../decode/packet.ts";
import type { DetectContext } from "../detect_context.ts";
import { TcpEvent } from "../../flow/flow_table.ts";
import { ReassemblyEvent } from "../../flow/tcp_reassembly.ts";
import { KeywordError, type PacketCondition, type SignatureBuilder } from "../signature.ts";

/** Every stream event name (without `stream.`), indexed by its bit number. */
export const STREAM_EVENT_NAMES: readonly string[] = Object.freeze([
  "3whs_ack_in_wrong_dir",
  "3whs_async_wrong_seq",
  "3whs_right_seq_wrong_ack_evasion",
  "3whs_synack_in_wrong_direction",
  "3whs_synack_resend_with_diff_ack",
  "3whs_synack_resend_with_diff_seq",
  "3whs_synack_toserver_on_syn_recv",
  "3whs_synack_with_wrong_ack",
  "3whs_synack_flood",
  "3whs_synack_tfo_data_ignored",
  "3whs_syn_resend_diff_seq_on_syn_recv",
  "3whs_syn_toclient_on_syn_recv",
  "3whs_syn_flood",
  "3whs_wrong_seq_wrong_ack",
  "3whs_ack_data_inject",
  "4whs_synack_with_wrong_ack",
  "4whs_synack_with_wrong_syn",
  "4whs_wrong_seq",
  "4whs_invalid_ack",
  "closewait_ack_out_of_window",
  "closewait_fin_out_of_window",
  "closewait_pkt_before_last_ack",
  "closewait_invalid_ack",
  "closing_ack_wrong_seq",
  "closing_invalid_ack",
  "est_packet_out_of_window",
  "est_pkt_before_last_ack",
  "est_synack_resend",
  "est_synack_resend_with_diff_ack",
  "est_synack_resend_with_diff_seq",
  "est_synack_toserver",
  "est_syn_resend",
  "est_syn_resend_diff_seq",
  "est_syn_toclient",
  "est_invalid_ack",
  "est_ack_zwp_data",
  "fin_invalid_ack",
  "fin1_ack_wrong_seq",
  "fin1_fin_wrong_seq",
  "fin1_invalid_ack",
  "fin2_ack_wrong_seq",
  "fin2_fin_wrong_seq",
  "fin2_invalid_ack",
  "fin_but_no_session",
  "fin_out_of_window",
  "fin_syn",
  "lastack_ack_wrong_seq",
  "lastack_invalid_ack",
  "rst_but_no_session",
  "timewait_ack_wrong_seq",
  "timewait_invalid_ack",
  "shutdown_syn_resend",
  "pkt_invalid_timestamp",
  "pkt_invalid_ack",
  "pkt_broken_ack",
  "rst_invalid_ack",
  "rst_with_data",
  "pkt_retransmission",
  "pkt_spurious_retransmission",
  "pkt_bad_window_update",
  "suspected_rst_inject",
  "wrong_thread",
  "reassembly_segment_before_base_seq",
  "reassembly_no_segment",
  "reassembly_seq_gap",
  "reassembly_overlap_different_data",
  "reassembly_depth_reached",
  "reassembly_insert_memcap",
  "reassembly_insert_limit",
  "reassembly_insert_invalid",
  "reassembly_urgent_oob_limit_reached",
]);

/** What rules wait for until the stream stage raises events. */
export const STREAM_EVENTS_PENDING = "stream-events";

const RENAMED: ReadonlyMap<string, string> = new Map([
  ["est_synack_resend_with_different_ack", "est_synack_resend_with_diff_ack"],
  ["3whs_synack_resend_with_different_ack", "3whs_synack_resend_with_diff_ack"],
]);

/**
 * The bit number of a stream event.
 *
 * @param name the event without `stream.`, any case (older spellings accepted)
 * @returns the bit number, or -1 when unknown
 */
export function streamEventId(name: string): number {
  const lower = name.toLowerCase();
  return STREAM_EVENT_NAMES.indexOf(RENAMED.get(lower) ?? lower);
}

/**
 * The stream events Tarsier raises, by name, with their bit in
 * `DetectContext.streamEvents`: the reassembly's (ReassemblyEvent in
 * flow/tcp_reassembly.ts) and the TCP state machine's (TcpEvent in
 * flow/flow_table.ts).
 */
export const RAISED_STREAM_EVENTS: ReadonlyMap<string, number> = new Map([
  ["reassembly_overlap_different_data", ReassemblyEvent.OVERLAP_DIFFERENT_DATA],
  ["reassembly_insert_memcap", ReassemblyEvent.MEMCAP],
  ["reassembly_depth_reached", ReassemblyEvent.DEPTH_REACHED],
  ["reassembly_insert_limit", ReassemblyEvent.OVERFLOW],
  ["rst_but_no_session", TcpEvent.RST_BUT_NO_SESSION],
  ["fin_but_no_session", TcpEvent.FIN_BUT_NO_SESSION],
  ["3whs_synack_in_wrong_direction", TcpEvent.SYNACK_IN_WRONG_DIRECTION],
  ["3whs_synack_with_wrong_ack", TcpEvent.SYNACK_WITH_WRONG_ACK],
  ["3whs_right_seq_wrong_ack_evasion", TcpEvent.RIGHT_SEQ_WRONG_ACK_EVASION],
]);

/** A stream event raised on the packet. */
export class StreamEventCondition implements PacketCondition {
  /** The event's bit in `ctx.streamEvents`, 0 when no stage raises it yet. */
  readonly bit: number;

  /** @param event the event's bit number ({@link STREAM_EVENT_NAMES}) */
  constructor(readonly event: number) {
    this.bit = RAISED_STREAM_EVENTS.get(STREAM_EVENT_NAMES[event]) ?? 0;
  }

  /**
   * @param _p the packet
   * @param ctx the detection state (stream events of the packet)
   * @returns whether the event was raised on the packet
   */
  match(_p: Packet, ctx: DetectContext): boolean {
    return (ctx.streamEvents & this.bit) !== 0;
  }
}

/**
 * Add the condition for a stream event; the rule waits for stream events.
 *
 * @param builder the rule being compiled
 * @param keyword the keyword, for errors
 * @param name the event without `stream.`
 * @param offset where the name starts in the value, for errors
 * @throws {KeywordError} when the event is unknown
 */
export function applyStreamEvent(
  builder: SignatureBuilder,
  keyword: string,
  name: string,
  offset: number,
): void {
  const id = streamEventId(name);
  if (id < 0) {
    throw new KeywordError(keyword, `unknown stream event "${name}"`, { valueOffset: offset });
  }
  const condition = new StreamEventCondition(id);
  builder.sig.conditions.push(condition);
  if (condition.bit === 0 && !builder.sig.waitingFor.includes(STREAM_EVENTS_PENDING)) {
    builder.sig.waitingFor.push(STREAM_EVENTS_PENDING);
  }
}

registerKeyword({
  name: "stream-event",
  description: "TCP stream engine event raised on the packet",
  value: "required",
  setup(builder, value) {
    const v = value!;
    applyStreamEvent(builder, "stream-event", v.trim(), v.length - v.trimStart().length);
  },
});
