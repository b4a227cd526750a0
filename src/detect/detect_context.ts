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
import type { AppEventInfo, FlowApp } from "../app/app_layer.ts";
import type { Transaction } from "../app/transaction.ts";

/** Reassembled stream data a packet inspects: blocks of one byte array. */
export interface StreamBlocks {
  /** The bytes the blocks point into (the reassembly arena). */
  readonly bytes: Uint8Array;
  /** Start of each block in {@link StreamBlocks.bytes}. */
  readonly blockStart: Int32Array;
  /** End (exclusive) of each block. */
  readonly blockEnd: Int32Array;
  /** Bytes missing before each block (a hole in the stream). */
  readonly blockGapBefore: Float64Array;
}

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

  /**
   * The packet's data was added to its TCP stream (Suricata's
   * PKT_STREAM_ADD): payload rules that are not packet-only inspect the
   * stream, not this packet.
   */
  streamAdded = false;
  /**
   * Content (pkt_data) keywords may inspect the packet and its stream; false
   * once the flow's payload is encrypted (Suricata's PKT_NOPAYLOAD_INSPECTION).
   */
  payloadInspection = true;
  /** Blocks of reassembled stream data this packet inspects (0: none). */
  streamBlockCount = 0;
  /** Where the stream blocks are, null without reassembly. */
  stream: StreamBlocks | null = null;
  /** Set by the engine while a signature is checked: its payload matched in the stream. */
  streamMatch = false;
  /**
   * The packet is a flow-end pseudo packet carrying stream data: only
   * signatures that inspect the stream are evaluated (Suricata skips
   * packet-only signatures on them).
   */
  pseudo = false;
  /** Bytes the TCP session's client sent so far + 1 (Suricata's next_seq - isn), -1 without a session. */
  clientStreamSize = -1;
  /** Bytes the TCP session's server sent so far + 1, -1 without a session. */
  serverStreamSize = -1;
  /** TCP stream events raised on this packet (bits of ReassemblyEvent and TcpEvent). */
  streamEvents = 0;
  /** The flow's {@link AppProto} number (0 unknown). */
  appProto = 0;
  /** The flow's application-layer state (transaction parts waiting for inspection), or null. */
  app: FlowApp | null = null;
  /** Application-layer events the parsers raised on this packet, or null. */
  appEvents: readonly AppEventInfo[] | null = null;
  /** The transaction being inspected (set by the engine during transaction inspection). */
  tx: Transaction | null = null;
  /** The part of {@link DetectContext.tx} being inspected ({@link TxSide}). */
  txSide = 0;

  /** @param packet the packet instance the decoder fills */
  constructor(packet: Packet) {
    this.packet = packet;
  }
}
