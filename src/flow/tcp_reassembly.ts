/**
 * TCP stream reassembly: per flow and direction, the segment data placed at
 * its stream offset in a window of the {@link StreamArena}, the ranges of it
 * received so far, how far the peer acknowledged it and how far detection
 * inspected it (Suricata's raw progress).
 *
 * Semantics follow Suricata 7 in IDS mode:
 * - A packet's data joins its direction's stream when the flow has a TCP
 *   session (a SYN seen, or a midstream pick-up) and the packet is neither
 *   SYN nor RST. Such a packet is "added to the stream" (PKT_STREAM_ADD):
 *   payload rules inspect the stream, not that packet.
 * - A stream is inspected on a packet of its own direction, up to the data
 *   the peer acknowledged, once the peer acknowledged at least a chunk (2560
 *   bytes, seen or not) past the inspected data; at once when the session
 *   is closing (state past TIME_WAIT), the depth was reached, a parser asked
 *   for it (a message end) or the flow ends (the "stream (flow timeout)"
 *   pseudo packet). A one-sided session needs no acknowledgement, only the
 *   chunk. Each byte is inspected once; blocks on either side of a gap are
 *   inspected separately.
 * - Overlaps (retransmissions with other bytes, the classic evasion) are
 *   resolved by an {@link OverlapPolicy}; the default, BSD, is Suricata's
 *   default and the one Linux follows in Novak and Sturges' measurements:
 *   the bytes first received stay, unless the new segment starts before the
 *   data it overlaps. Different bytes raise
 *   `stream.reassembly_overlap_different_data` (for an exact duplicate of
 *   received data only with `check-overlap-different-data`, as Suricata
 *   compares exact duplicates only then). Bytes already inspected are not kept,
 *   so a retransmission of them is not compared (in inline mode, where data
 *   is inspected on arrival, that leaves the rewrite-on-overlap of IPS mode
 *   to the IPS issue).
 * - Data past `stream.reassembly.depth` is not kept; a full arena (the
 *   memcap) or too many holes in one stream drop the segment and count it.
 *   Bytes the peer acknowledged but the capture lost are a gap, however
 *   large: the data after them starts a new window.
 *
 * Sequence numbers are turned into 64-bit stream offsets (doubles) against
 * an anchor that follows the data, so wrap-around needs no special case.
 * Nothing is allocated per packet: segment bytes are copied once into the
 * arena - the only copy on the IDS path.
 *
 * @module
 */

import type { Packet } from "../decode/packet.ts";
import { ByteCopier } from "./byte_copy.ts";
import { StreamArena } from "./stream_arena.ts";
import { TcpState } from "./flow_table.ts";

/** How overlapping segment bytes are resolved. */
export const OverlapPolicy = {
  /** The first bytes received always stay (Windows, "first"). */
  FIRST: 0,
  /** The first bytes stay unless the new segment starts before them (BSD, Linux; the default). */
  BSD: 1,
  /** The last bytes received win (old Linux, Solaris, "last"). */
  LAST: 2,
} as const;

/**
 * Stream events raised on the current packet (bits of
 * {@link TcpReassembly.events}); they share one bit space with the flow
 * table's TcpEvent (16 and up).
 */
export const ReassemblyEvent = {
  /** A segment overlapped received data with different bytes. */
  OVERLAP_DIFFERENT_DATA: 1,
  /** The segment could not be stored: memcap reached. */
  MEMCAP: 2,
  /** The stream passed the reassembly depth. */
  DEPTH_REACHED: 4,
  /** The segment could not be stored: too many holes, or too far ahead. */
  OVERFLOW: 8,
} as const;

/** Options of {@link TcpReassembly}. */
export interface ReassemblyOptions {
  /** Flow slots (the flow table's capacity). */
  capacity: number;
  /** Bytes of reassembly memory for all streams (stream.reassembly.memcap, default 64 MiB). */
  memcap?: number;
  /** Bytes kept per stream direction (stream.reassembly.depth, default 1 MiB; 0 = no limit). */
  depth?: number;
  /** Largest window of one stream, in bytes (default 1 MiB). */
  maxWindow?: number;
  /**
   * Smallest window, in bytes: the memory a short stream takes (default
   * 1024, so a flood of short streams fits; 256..4096).
   */
  minWindow?: number;
  /** Bytes waiting before a to-server stream is inspected (default 2560). */
  toServerChunk?: number;
  /** Bytes waiting before a to-client stream is inspected (default 2560). */
  toClientChunk?: number;
  /** {@link OverlapPolicy}, default BSD. */
  policy?: number;
  /**
   * The policy of a stream by the host that receives it (host-os-policy),
   * asked once per stream with the packet that starts it; `policy` when absent.
   */
  policyFor?: ((p: Packet) => number) | null;
  /** Inline (IPS) mode: data is inspected as it arrives, not when acknowledged. */
  inline?: boolean;
  /**
   * Raise `reassembly_overlap_different_data` (stream.reassembly.
   * check-overlap-different-data; Suricata checks in inline mode or when
   * configured). Default: on in inline mode, else off.
   */
  checkOverlapDifferentData?: boolean;
}

/** Received ranges kept per stream (holes + 1). */
export const MAX_RANGES = 8;
/** Blocks one inspection can hand out. */
const MAX_BLOCKS = MAX_RANGES;

const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

const HAS_BASE = 1;
const DEPTH_REACHED = 2;
const ACKED = 4;
const TRIGGER = 8;

/** Counters of what reassembly did. */
export interface ReassemblyCounters {
  /** Segments whose data was stored (in part or whole). */
  segments: number;
  /** Segments that overlapped stored data. */
  overlaps: number;
  /** ... of which with different bytes. */
  overlapsDifferent: number;
  /** Segments dropped: memcap reached. */
  memcapDrops: number;
  /** Segments dropped: too many holes or too far ahead. */
  overflowDrops: number;
  /** Bytes skipped over holes when inspecting. */
  gapBytes: number;
}

/** Per-direction TCP reassembly for every flow slot. Stream s = flow * 2 + (to-client ? 1 : 0). */
export class TcpReassembly {
  /** The window memory. */
  readonly arena: StreamArena;
  /** The arena's bytes, where the prepared blocks are. */
  readonly bytes: Uint8Array;
  /** Counters. */
  readonly counters: ReassemblyCounters = {
    segments: 0,
    overlaps: 0,
    overlapsDifferent: 0,
    memcapDrops: 0,
    overflowDrops: 0,
    gapBytes: 0,
  };
  /** Bytes of the per-stream state arrays (the arena apart). */
  readonly metadataBytes: number;
  /** {@link ReassemblyEvent} bits raised by the last {@link TcpReassembly.segment} call. */
  events = 0;

  /** The application-layer data found by {@link TcpReassembly.appData}: arena offsets. */
  appStart = 0;
  /** End (exclusive) of the application-layer data. */
  appEnd = 0;
  /** Bytes the application layer lost before {@link TcpReassembly.appStart} (a gap). */
  appGap = 0;

  /** Blocks found by {@link TcpReassembly.prepare}: arena byte offsets [blockStart, blockEnd). */
  readonly blockStart: Int32Array = new Int32Array(MAX_BLOCKS);
  /** End (exclusive) of each block in the arena. */
  readonly blockEnd: Int32Array = new Int32Array(MAX_BLOCKS);
  /** Bytes missing before each block (since the previous block or the inspection start). */
  readonly blockGapBefore: Float64Array = new Float64Array(MAX_BLOCKS);
  /** Number of blocks prepared. */
  blockCount = 0;

  readonly #flags: Uint8Array;
  readonly #anchorSeq: Uint32Array;
  readonly #anchorOff: Float64Array;
  readonly #lastAck: Float64Array;
  readonly #progress: Float64Array;
  /** Per stream: the offset up to which the application layer has its data. */
  readonly #appProgress: Float64Array;
  readonly #winUnit: Int32Array;
  readonly #winOrder: Int8Array;
  readonly #winStart: Float64Array;
  readonly #rangeCount: Uint8Array;
  readonly #rangeStart: Float64Array;
  readonly #rangeEnd: Float64Array;
  readonly #depth: number;
  readonly #unit: number;
  readonly #chunk: Float64Array = new Float64Array(2);
  readonly #policy: number;
  readonly #policyFor: ((p: Packet) => number) | null;
  readonly #streamPolicy: Uint8Array;
  /** Every one-value-per-stream array (for swapping and sizing). */
  readonly #perStream: (Uint8Array | Int8Array | Uint32Array | Int32Array | Float64Array)[];
  readonly #inline: boolean;
  readonly #checkOverlap: boolean;
  /** The end of the data prepared for inspection, per direction of the last prepare. */
  #preparedEnd = 0;
  #preparedStream = -1;

  /** @param options sizes and policies */
  constructor(options: ReassemblyOptions) {
    const streams = options.capacity * 2;
    this.arena = new StreamArena(
      options.memcap ?? 64 * 1024 * 1024,
      options.maxWindow ?? 1 << 20,
      options.minWindow ?? 1024,
    );
    this.#unit = this.arena.unit;
    this.bytes = this.arena.bytes;
    this.#depth = options.depth ?? 1 << 20;
    this.#chunk[0] = options.toServerChunk ?? 2560;
    this.#chunk[1] = options.toClientChunk ?? 2560;
    this.#policy = options.policy ?? OverlapPolicy.BSD;
    this.#policyFor = options.policyFor ?? null;
    this.#streamPolicy = new Uint8Array(streams);
    this.#inline = options.inline ?? false;
    this.#checkOverlap = options.checkOverlapDifferentData ?? this.#inline;
    this.#flags = new Uint8Array(streams);
    this.#anchorSeq = new Uint32Array(streams);
    this.#anchorOff = new Float64Array(streams);
    this.#lastAck = new Float64Array(streams);
    this.#progress = new Float64Array(streams);
    this.#appProgress = new Float64Array(streams);
    this.#winUnit = new Int32Array(streams).fill(-1);
    this.#winOrder = new Int8Array(streams);
    this.#winStart = new Float64Array(streams);
    this.#rangeCount = new Uint8Array(streams);
    this.#rangeStart = new Float64Array(streams * MAX_RANGES);
    this.#rangeEnd = new Float64Array(streams * MAX_RANGES);
    this.#perStream = [
      this.#flags,
      this.#anchorSeq,
      this.#anchorOff,
      this.#lastAck,
      this.#progress,
      this.#appProgress,
      this.#winUnit,
      this.#winOrder,
      this.#winStart,
      this.#rangeCount,
      this.#streamPolicy,
    ];
    this.metadataBytes = [...this.#perStream, this.#rangeStart, this.#rangeEnd]
      .reduce((sum, a) => sum + a.byteLength, 0);
  }

  /**
   * Forget both streams of a flow slot and give their memory back (the flow
   * ended or the slot is reused).
   *
   * @param f the flow slot
   */
  reset(f: number): void {
    this.#resetStream(f * 2);
    this.#resetStream(f * 2 + 1);
  }

  #resetStream(s: number): void {
    const unit = this.#winUnit[s];
    if (unit >= 0) this.arena.release(unit, this.#winOrder[s]);
    this.#winUnit[s] = -1;
    this.#flags[s] = 0;
    this.#rangeCount[s] = 0;
    this.#progress[s] = 0;
    this.#appProgress[s] = 0;
    this.#lastAck[s] = 0;
    this.#winStart[s] = 0;
    this.#anchorOff[s] = 0;
  }

  /**
   * Swap a flow's two streams (the flow was turned round: its client is
   * now its server).
   *
   * @param f the flow slot
   */
  swap(f: number): void {
    const a = f * 2;
    const b = a + 1;
    for (const arr of this.#perStream) {
      const t = arr[a];
      arr[a] = arr[b];
      arr[b] = t;
    }
    for (let k = 0; k < MAX_RANGES; k++) {
      const ia = a * MAX_RANGES + k;
      const ib = b * MAX_RANGES + k;
      let t = this.#rangeStart[ia];
      this.#rangeStart[ia] = this.#rangeStart[ib];
      this.#rangeStart[ib] = t;
      t = this.#rangeEnd[ia];
      this.#rangeEnd[ia] = this.#rangeEnd[ib];
      this.#rangeEnd[ib] = t;
    }
  }

  /**
   * Take one TCP packet of a flow: its ACK advances the peer's stream, its
   * data joins its own direction's stream. {@link TcpReassembly.events}
   * tells what went wrong, if anything.
   *
   * @param f the flow slot
   * @param toServer the packet's direction in the flow
   * @param p the decoded packet
   * @param tcpState the session state after this packet (flow table)
   * @returns whether the packet's data was added to the stream (PKT_STREAM_ADD)
   */
  segment(f: number, toServer: boolean, p: Packet, tcpState: number): boolean {
    this.events = 0;
    const s = f * 2 + (toServer ? 0 : 1);
    const peer = s ^ 1;
    const flags = p.tcpFlags;
    if ((flags & SYN) !== 0) {
      // the SYN (or SYN/ACK) fixes where this direction's data starts
      if (this.#rangeCount[s] === 0 && this.#progress[s] === 0) {
        this.#anchorSeq[s] = (p.tcpSeq + 1) >>> 0;
        this.#anchorOff[s] = 0;
        this.#start(s, p);
      }
    }
    if ((flags & ACK) !== 0 && (flags & RST) === 0 && (this.#flags[peer] & HAS_BASE) !== 0) {
      const acked = this.#offsetOf(peer, p.tcpAck);
      if ((this.#flags[peer] & ACKED) === 0 || acked > this.#lastAck[peer]) {
        this.#lastAck[peer] = acked;
        this.#flags[peer] |= ACKED;
      }
    }
    const len = p.payloadLen;
    if (len === 0 || (flags & (SYN | RST)) !== 0 || tcpState === TcpState.NONE) return false;
    if (tcpState < TcpState.ESTABLISHED && tcpState !== TcpState.SYN_RECV) return false;
    // a closed session takes no more data (Suricata's StreamTcpPacketStateClosed)
    if (tcpState === TcpState.CLOSED) return false;
    if ((this.#flags[s] & HAS_BASE) === 0) {
      // picked up midstream: the first data seen starts the stream
      this.#anchorSeq[s] = p.tcpSeq;
      this.#anchorOff[s] = 0;
      this.#start(s, p);
    }
    const start = this.#offsetOf(s, p.tcpSeq);
    return this.#insert(s, start, p.data, p.frameOffset + p.payloadOffset, len);
  }

  /** The stream gets its start, and the policy of the host receiving it. */
  #start(s: number, p: Packet): void {
    if ((this.#flags[s] & HAS_BASE) === 0) {
      this.#streamPolicy[s] = this.#policyFor === null ? this.#policy : this.#policyFor(p);
    }
    this.#flags[s] |= HAS_BASE;
  }

  /** The stream offset of a sequence number (within 2 GiB of the anchor). */
  #offsetOf(s: number, seq: number): number {
    return this.#anchorOff[s] + ((seq - this.#anchorSeq[s]) | 0);
  }

  #insert(s: number, startIn: number, src: Uint8Array, srcPosIn: number, len: number): boolean {
    let start = startIn;
    let srcPos = srcPosIn;
    let end = start + len;
    const progress = this.#progress[s];
    // below the progress: inspected already; below the window: acknowledged bytes skipped as a gap
    let floor = progress;
    if (this.#winUnit[s] >= 0 && this.#winStart[s] > floor) floor = this.#winStart[s];
    if (end <= floor) return false; // a retransmission
    if (start < floor) {
      srcPos += floor - start;
      start = floor;
    }
    const depth = this.#depth;
    if (depth > 0 && end > depth) {
      if ((this.#flags[s] & DEPTH_REACHED) === 0) this.events |= ReassemblyEvent.DEPTH_REACHED;
      this.#flags[s] |= DEPTH_REACHED;
      if (start >= depth) return false;
      end = depth;
    }
    if (!this.#ensureWindow(s, start, end)) return false;
    const ranges = s * MAX_RANGES;
    const count = this.#rangeCount[s];
    // where the new range goes: first range ending at or after start, last starting at or before end
    let i = 0;
    while (i < count && this.#rangeEnd[ranges + i] < start) i++;
    let j = i;
    while (j < count && this.#rangeStart[ranges + j] <= end) j++;
    // j - i ranges touch [start, end); they merge into one
    if (j === i && count === MAX_RANGES) {
      this.counters.overflowDrops++;
      this.events |= ReassemblyEvent.OVERFLOW;
      return false;
    }
    const bytes = this.arena.bytes;
    const base = this.#winUnit[s] * this.#unit - this.#winStart[s];
    const exact = j - i === 1 && this.#rangeStart[ranges + i] === start &&
      this.#rangeEnd[ranges + i] === end;
    let at = start;
    let overlapped = false;
    let different = false;
    for (let k = i; k < j; k++) {
      const rs = this.#rangeStart[ranges + k];
      const re = this.#rangeEnd[ranges + k];
      if (rs > at) {
        copyBytes(bytes, base + at, src, srcPos + (at - start), rs - at);
        at = rs;
      }
      const oe = re < end ? re : end;
      if (oe > at) {
        overlapped = true;
        const policy = this.#streamPolicy[s];
        const newWins = policy === OverlapPolicy.LAST ||
          (policy === OverlapPolicy.BSD && start < rs);
        for (let o = at; o < oe; o++) {
          const d = base + o;
          const b = src[srcPos + (o - start)];
          if (bytes[d] !== b) {
            different = true;
            if (newWins) bytes[d] = b;
          }
        }
        at = oe;
      }
    }
    if (at < end) copyBytes(bytes, base + at, src, srcPos + (at - start), end - at);
    // merge ranges i..j-1 with [start, end)
    let ns = start;
    let ne = end;
    if (j > i) {
      if (this.#rangeStart[ranges + i] < ns) ns = this.#rangeStart[ranges + i];
      if (this.#rangeEnd[ranges + j - 1] > ne) ne = this.#rangeEnd[ranges + j - 1];
    }
    const removed = j - i;
    if (removed === 0) {
      for (let k = count; k > i; k--) {
        this.#rangeStart[ranges + k] = this.#rangeStart[ranges + k - 1];
        this.#rangeEnd[ranges + k] = this.#rangeEnd[ranges + k - 1];
      }
      this.#rangeCount[s] = count + 1;
    } else if (removed > 1) {
      const shift = removed - 1;
      for (let k = i + 1; k + shift < count; k++) {
        this.#rangeStart[ranges + k] = this.#rangeStart[ranges + k + shift];
        this.#rangeEnd[ranges + k] = this.#rangeEnd[ranges + k + shift];
      }
      this.#rangeCount[s] = count - shift;
    }
    this.#rangeStart[ranges + i] = ns;
    this.#rangeEnd[ranges + i] = ne;
    this.counters.segments++;
    if (overlapped) this.counters.overlaps++;
    if (different) {
      this.counters.overlapsDifferent++;
      // Suricata always compares a segment that partly overlaps; an exact
      // duplicate (here: one matching a received range exactly) only when configured
      if (this.#checkOverlap || !exact) {
        this.events |= ReassemblyEvent.OVERLAP_DIFFERENT_DATA;
      }
    }
    // keep the anchor near the data so offsets stay exact past 2 GiB (also across gaps)
    const near = this.#rangeEnd[ranges];
    const delta = near - this.#anchorOff[s];
    if (delta > 0x40000000) {
      this.#anchorSeq[s] = (this.#anchorSeq[s] + delta) >>> 0;
      this.#anchorOff[s] = near;
    }
    return true;
  }

  /**
   * Make the stream's window hold [start, end): allocate, slide or grow it.
   * The window keeps the bytes from the progress on; a new window may start
   * past bytes the peer acknowledged but that were never seen (a capture
   * loss) when they would not fit, so a loss larger than the largest window
   * is a gap and not the end of the stream.
   */
  #ensureWindow(s: number, start: number, end: number): boolean {
    const arena = this.arena;
    let from = this.#progress[s];
    let unit = this.#winUnit[s];
    if (unit < 0) {
      let order = arena.orderFor(end - from);
      const lastAck = this.#lastAck[s];
      if (order < 0 && (this.#flags[s] & ACKED) !== 0 && lastAck > from) {
        from = start < lastAck ? start : lastAck;
        order = arena.orderFor(end - from);
      }
      if (order < 0) return this.#overflow();
      unit = arena.allocate(order);
      if (unit < 0) return this.#memcap();
      this.#winUnit[s] = unit;
      this.#winOrder[s] = order;
      this.#winStart[s] = from;
      return true;
    }
    const winStart = this.#winStart[s];
    const capacity = this.#unit << this.#winOrder[s];
    if (end - winStart <= capacity) return true;
    // the bytes still needed start at the progress (or the window, past a gap): slide them down, or move
    if (winStart > from) from = winStart;
    const order = arena.orderFor(end - from);
    if (order < 0) return this.#overflow();
    const count = this.#rangeCount[s];
    const dataEnd = count > 0 ? this.#rangeEnd[s * MAX_RANGES + count - 1] : from;
    const at = unit * this.#unit + (from - winStart);
    const keep = dataEnd > from ? dataEnd - from : 0;
    if (order <= this.#winOrder[s]) {
      arena.bytes.copyWithin(unit * this.#unit, at, at + keep);
      this.#winStart[s] = from;
      return true;
    }
    const bigger = arena.allocate(order);
    if (bigger < 0) return this.#memcap();
    arena.bytes.copyWithin(bigger * this.#unit, at, at + keep);
    arena.release(unit, this.#winOrder[s]);
    this.#winUnit[s] = bigger;
    this.#winOrder[s] = order;
    this.#winStart[s] = from;
    return true;
  }

  #overflow(): boolean {
    this.counters.overflowDrops++;
    this.events |= ReassemblyEvent.OVERFLOW;
    return false;
  }

  #memcap(): boolean {
    this.counters.memcapDrops++;
    this.events |= ReassemblyEvent.MEMCAP;
    return false;
  }

  /**
   * The application layer completed a message in this direction (Suricata's
   * TRIGGER_RAW): the stream is inspected as soon as its data is
   * acknowledged, without waiting for a whole chunk.
   *
   * @param f the flow slot
   * @param toServer the direction
   */
  requestInspection(f: number, toServer: boolean): void {
    this.#flags[f * 2 + (toServer ? 0 : 1)] |= TRIGGER;
  }

  /**
   * Find the stream data a packet of this direction inspects now (Suricata's
   * StreamReassembleRaw in IDS mode) and put it in the block arrays.
   *
   * @param f the flow slot
   * @param toServer the direction (the stream of data sent that way)
   * @param tcpState the session state
   * @param oneSided only one side of the flow is seen (no acknowledgements will come)
   * @param eof the flow ends: inspect everything left
   * @returns the number of blocks (0: nothing to inspect now)
   */
  prepare(
    f: number,
    toServer: boolean,
    tcpState: number,
    oneSided: boolean,
    eof: boolean,
  ): number {
    this.blockCount = 0;
    this.#preparedStream = -1;
    const s = f * 2 + (toServer ? 0 : 1);
    const count = this.#rangeCount[s];
    if (count === 0) return 0;
    const ranges = s * MAX_RANGES;
    const progress = this.#progress[s];
    const dataEnd = this.#rangeEnd[ranges + count - 1];
    let end = dataEnd;
    const flags = this.#flags[s];
    if (!eof && !this.#inline && !oneSided) {
      if ((flags & ACKED) === 0) return 0;
      if (this.#lastAck[s] < end) end = this.#lastAck[s];
    }
    if (end <= progress) return 0;
    // a chunk counts the bytes acknowledged, seen or not (Suricata: last_ack - raw progress)
    const acked = !oneSided && this.#lastAck[s] > end ? this.#lastAck[s] : end;
    if (
      !eof && !this.#inline && (flags & (DEPTH_REACHED | TRIGGER)) === 0 &&
      tcpState <= TcpState.TIME_WAIT &&
      acked - progress < this.#chunk[toServer ? 0 : 1]
    ) {
      return 0;
    }
    const winBase = this.#winUnit[s] * this.#unit - this.#winStart[s];
    let prev = progress;
    let n = 0;
    for (let k = 0; k < count; k++) {
      const rs = this.#rangeStart[ranges + k];
      const re = this.#rangeEnd[ranges + k];
      if (re <= progress) continue;
      if (rs >= end) break;
      const from = rs > progress ? rs : progress;
      const to = re < end ? re : end;
      this.blockStart[n] = winBase + from;
      this.blockEnd[n] = winBase + to;
      this.blockGapBefore[n] = from - prev;
      prev = to;
      n++;
    }
    this.blockCount = n;
    this.#preparedStream = s;
    this.#preparedEnd = end;
    return n;
  }

  /**
   * Mark the prepared data inspected (Suricata's raw progress update) and
   * free what no longer needs keeping.
   */
  commit(): void {
    const s = this.#preparedStream;
    if (s < 0) return;
    this.#preparedStream = -1;
    const end = this.#preparedEnd;
    this.#flags[s] &= ~TRIGGER;
    for (let k = 0; k < this.blockCount; k++) this.counters.gapBytes += this.blockGapBefore[k];
    this.blockCount = 0;
    this.#progress[s] = end;
    // drop the ranges now behind the progress
    const ranges = s * MAX_RANGES;
    const count = this.#rangeCount[s];
    let drop = 0;
    while (drop < count && this.#rangeEnd[ranges + drop] <= end) drop++;
    if (drop > 0) {
      for (let k = drop; k < count; k++) {
        this.#rangeStart[ranges + k - drop] = this.#rangeStart[ranges + k];
        this.#rangeEnd[ranges + k - drop] = this.#rangeEnd[ranges + k];
      }
      this.#rangeCount[s] = count - drop;
    }
    if (this.#rangeCount[s] > 0 && this.#rangeStart[ranges] < end) this.#rangeStart[ranges] = end;
    if (this.#rangeCount[s] === 0 && this.#winUnit[s] >= 0) {
      // everything inspected: the window goes back to the arena
      this.arena.release(this.#winUnit[s], this.#winOrder[s]);
      this.#winUnit[s] = -1;
    }
  }

  /** Inline mode (`stream.inline`): data is inspected and parsed as it arrives, not once acknowledged. */
  get inline(): boolean {
    return this.#inline;
  }

  /**
   * The next in-order data of a stream for the application layer (Suricata's
   * app progress): the contiguous bytes after what the parser already has,
   * in IDS mode only what the peer acknowledged. The data is put in
   * {@link TcpReassembly.appStart}..{@link TcpReassembly.appEnd} (arena
   * offsets) and counts as delivered; {@link TcpReassembly.appGap} tells how
   * many bytes were lost before it (acknowledged but never seen).
   *
   * Call it before the raw inspection of the same stream commits, so the
   * bytes are still held (the app layer is fed by the acknowledging packet,
   * the raw inspection by the stream's own packets that come after).
   *
   * @param f the flow slot
   * @param toServer the direction
   * @param acked only acknowledged data (IDS); false takes all contiguous data
   * @returns the number of bytes (0: nothing new)
   */
  appData(f: number, toServer: boolean, acked: boolean): number {
    const s = f * 2 + (toServer ? 0 : 1);
    this.appGap = 0;
    let from = this.#appProgress[s];
    const raw = this.#progress[s];
    if (from < raw) {
      // the raw inspection moved past data the parser never had
      this.appGap = raw - from;
      from = raw;
    }
    const count = this.#rangeCount[s];
    let limit = Infinity;
    if (acked && !this.#inline) {
      if ((this.#flags[s] & ACKED) === 0) {
        this.#appProgress[s] = from;
        return 0;
      }
      limit = this.#lastAck[s];
    }
    const ranges = s * MAX_RANGES;
    let k = 0;
    while (k < count && this.#rangeEnd[ranges + k] <= from) k++;
    if (k === count) {
      this.#appProgress[s] = from;
      return 0;
    }
    const rs = this.#rangeStart[ranges + k];
    if (rs > from) {
      // a hole: lost once acknowledged past it
      if (limit === Infinity || limit < rs) {
        this.#appProgress[s] = from;
        return 0;
      }
      this.appGap += rs - from;
      from = rs;
    }
    let end = this.#rangeEnd[ranges + k];
    if (end > limit) end = limit;
    this.#appProgress[s] = end > from ? end : from;
    if (end <= from) return 0;
    const winBase = this.#winUnit[s] * this.#unit - this.#winStart[s];
    this.appStart = winBase + from;
    this.appEnd = winBase + end;
    return end - from;
  }

  /**
   * Whether a stream holds data not inspected yet (for the flow-end flush).
   *
   * @param f the flow slot
   * @param toServer the direction
   * @returns true when there is data past the raw progress
   */
  hasPending(f: number, toServer: boolean): boolean {
    return this.#rangeCount[f * 2 + (toServer ? 0 : 1)] > 0;
  }

  /**
   * Bytes of one stream received so far, for `stream_size`-like questions:
   * the end of the contiguous data from the stream start.
   *
   * @param f the flow slot
   * @param toServer the direction
   * @returns the raw progress or the end of the first range, whichever is further
   */
  streamOffset(f: number, toServer: boolean): number {
    const s = f * 2 + (toServer ? 0 : 1);
    const p = this.#progress[s];
    if (this.#rangeCount[s] > 0 && this.#rangeStart[s * MAX_RANGES] <= p) {
      return this.#rangeEnd[s * MAX_RANGES];
    }
    return p;
  }
}

/** Copies segment bytes into the arena (memcpy for long runs). */
const copier = new ByteCopier();

function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  copier.copy(dst, at, src, from, n);
}
