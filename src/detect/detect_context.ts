/**
 * Per-worker scratch state of detection: what the engine knows about the
 * packet being inspected beyond the decoded {@link Packet}, and the reusable
 * scratch space keywords need (byte_extract variables). One instance per
 * worker, reused for every packet: nothing here is allocated per packet.
 *
 * @module
 */

import type { Packet } from "../decode/packet.ts";
import type { FlowbitStore } from "../flow/flowbits.ts";
import type { HostBitStore } from "../flow/host_bits.ts";

/** Byte-extract/byte-math variable slots per signature evaluation. */
export const MAX_RULE_VARIABLES = 16;

/** Flow direction of the packet being inspected. */
export const FlowDirection = {
  /** No flow state known. */
  UNKNOWN: 0,
  /** From the side that opened the flow (the client). */
  TO_SERVER: 1,
  /** From the server. */
  TO_CLIENT: 2,
} as const;

/** Scratch and per-packet state shared by the engine and the keywords. */
export class DetectContext {
  /** The packet being inspected. */
  packet: Packet;
  /** The frame number in the capture (1-based, Suricata's pcap_cnt). */
  pcapCnt = 0;
  /** Values of byte_extract/byte_math variables of the signature being evaluated. */
  readonly variables: Float64Array = new Float64Array(MAX_RULE_VARIABLES);
  /** The flow slot of the packet in the flow table, -1 without a flow. */
  flowIndex = -1;
  /** {@link FlowDirection} of the packet. */
  direction = 0;
  /** The flow has completed the TCP handshake (or, for UDP, seen both directions). */
  established = false;
  /** Packets this flow has seen so far, this one included. */
  flowPackets = 0;
  /** Packet time in seconds (fractional), for thresholds and timeouts. */
  now = 0;
  /** Seconds since the flow's first packet. */
  flowAge = 0;
  /** The generation of the flow slot (changes when the slot is reused). */
  flowGeneration = 0;
  /** Per-flow flowbits, null without a flow table. */
  flowbits: FlowbitStore | null = null;
  /** Host bits and xbits, null when no rule uses them. */
  hostbits: HostBitStore | null = null;

  /** @param packet the packet instance the decoder fills */
  constructor(packet: Packet) {
    this.packet = packet;
  }
}
