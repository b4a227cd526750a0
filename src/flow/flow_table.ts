/**
 * The flow table: one slot per conversation, held in preallocated typed
 * arrays (struct of arrays) and found through hash chains in `Int32Array`s.
 * Both directions of a conversation map to the same slot; the side that
 * sent the first packet is the client, as in Suricata (`FlowInit`), except
 * that with `stream.midstream` (or `async-oneside`) a TCP flow picked up
 * from a SYN/ACK is turned round so that the SYN/ACK's sender is the server.
 *
 * What it follows, as Suricata 7 does (flow-hash.c, flow.c, stream-tcp.c):
 * - keys: VLAN ids (three, when `vlan.use-for-tracking`), tunnel level, IP
 *   protocol, addresses (IPv4 in one word, IPv6 in four), and ports; ICMPv4
 *   flows are keyed by the message type and its counterpart (echo request
 *   and reply share a flow, whatever the echo id), ICMPv6 flows by type,
 *   code and counterpart type, ESP flows by SPI and direction. ICMPv4
 *   destination unreachable messages join the TCP/UDP flow they quote and
 *   never create one; other ICMPv4 errors, fragments and protocols other
 *   than TCP, UDP, SCTP, ICMP and ESP get no flow.
 * - `flow:established`: for TCP, the session had reached ESTABLISHED
 *   before the packet (so the ACK that completes the handshake is not yet
 *   established, unless it carries data) and stays so through FIN, RST and
 *   close, as Suricata's `ssn->state >= TCP_ESTABLISHED`; a SYN/ACK
 *   establishes a TCP Fast Open session; without midstream pick-up a TCP
 *   flow that starts without a SYN never becomes established. The
 *   handshake is judged on the sequence numbers Suricata checks in
 *   SYN_SENT and SYN_RECV. For other protocols: packets were seen both
 *   ways, this one included.
 * - TCP port reuse: a new SYN on a flow that never had a session or is
 *   closing (>= LAST_ACK, and not a retransmission of the first SYN)
 *   ends the old flow and starts a new one.
 * - timeouts per protocol and state in packet time (Suricata's `new`,
 *   `established`, `closed` and their emergency values): a flow whose
 *   `lastSec + timeout < nowSec` is over. Each packet ends at most a couple
 *   of timed-out flows at the tail of each of the twelve activity lists
 *   (protocol x state, least recently active last), and a lookup never
 *   returns a timed-out flow.
 * - capacity: never grows. When no slot is free the table enters emergency
 *   mode (emergency timeouts apply, and with midstream on only SYNs create
 *   TCP flows) and evicts the flow closest to its (emergency) timeout; it
 *   leaves emergency mode once `emergencyRecovery` percent of the slots are
 *   free again.
 *
 * What it does not do: sequence tracking after the handshake, window
 * checks, RST and FIN validation (every RST closes), timestamps, 4-way
 * handshakes, and most TCP stream events (it raises {@link TcpEvent}).
 * Stream reassembly, pseudo packets and the flow reversal of protocol
 * detection (which calls {@link FlowTable.reverse}) live in
 * tcp_reassembly.ts and flow_tracker.ts.
 *
 * Nothing is allocated per packet.
 *
 * @module
 */

import { type Packet, TcpFlag } from "../decode/packet.ts";

/** Default number of flow slots. */
export const DEFAULT_FLOW_CAPACITY = 65536;

/** TCP session states, numbered as Suricata's `enum TcpState`. */
export const TcpState = {
  /** No session (no SYN seen, or a packet that did not start one). */
  NONE: 0,
  SYN_SENT: 2,
  SYN_RECV: 3,
  ESTABLISHED: 4,
  FIN_WAIT1: 5,
  FIN_WAIT2: 6,
  TIME_WAIT: 7,
  LAST_ACK: 8,
  CLOSE_WAIT: 9,
  CLOSING: 10,
  CLOSED: 11,
} as const;

/** Flow states that select the timeout (Suricata's `FLOW_STATE_*`). */
export const FlowState = { NEW: 0, ESTABLISHED: 1, CLOSED: 2 } as const;

/** Timeout classes (Suricata's `FLOW_PROTO_*`): TCP, UDP, ICMP (v4 and v6), other. */
export const FlowProto = { TCP: 0, UDP: 1, ICMP: 2, OTHER: 3 } as const;

/**
 * TCP session events the state machine raises on a packet (bits of
 * {@link FlowTable.lastEvents}), named as Suricata's stream events; from 16
 * up, as the reassembly's ReassemblyEvent bits take 1 to 8.
 */
export const TcpEvent = {
  /** A RST on a flow without a TCP session (`stream.rst_but_no_session`). */
  RST_BUT_NO_SESSION: 16,
  /** A FIN that cannot start a session (`stream.fin_but_no_session`). */
  FIN_BUT_NO_SESSION: 32,
  /** The SYN/ACK came from the client (`stream.3whs_synack_in_wrong_direction`). */
  SYNACK_IN_WRONG_DIRECTION: 64,
  /** The SYN/ACK does not acknowledge the SYN (`stream.3whs_synack_with_wrong_ack`). */
  SYNACK_WITH_WRONG_ACK: 128,
  /** The handshake's ACK has the right sequence but a wrong acknowledgement (`stream.3whs_right_seq_wrong_ack_evasion`). */
  RIGHT_SEQ_WRONG_ACK_EVASION: 256,
} as const;

/** Why a flow ended (reasons given to {@link FlowTable.onEnd}). */
export const FlowEnd = {
  /** Its timeout passed. */
  TIMEOUT: 1,
  /** Evicted because the table was full. */
  EVICTED: 2,
  /** The end of the capture ({@link FlowTable.flushAll}). */
  SHUTDOWN: 3,
  /** A new TCP session reused its 5-tuple. */
  TCP_REUSE: 4,
} as const;

/** Timeouts of one protocol, in seconds. */
export interface ProtoTimeouts {
  /** Before the flow is established. */
  new: number;
  /** Established. */
  established: number;
  /** Closed (TCP). */
  closed: number;
  /** `new` in emergency mode. */
  emergencyNew: number;
  /** `established` in emergency mode. */
  emergencyEstablished: number;
  /** `closed` in emergency mode. */
  emergencyClosed: number;
}

/** Timeouts per protocol (suricata.yaml `flow-timeouts`). */
export interface FlowTimeouts {
  /** TCP. */
  tcp: ProtoTimeouts;
  /** UDP. */
  udp: ProtoTimeouts;
  /** ICMPv4 and ICMPv6. */
  icmp: ProtoTimeouts;
  /** Every other protocol (`default`). */
  other: ProtoTimeouts;
}

/** The `flow-timeouts` of the suricata.yaml that Suricata 7 ships. */
export const DEFAULT_TIMEOUTS: FlowTimeouts = {
  tcp: {
    new: 60,
    established: 600,
    closed: 60,
    emergencyNew: 5,
    emergencyEstablished: 100,
    emergencyClosed: 10,
  },
  udp: {
    new: 30,
    established: 300,
    closed: 0,
    emergencyNew: 10,
    emergencyEstablished: 100,
    emergencyClosed: 0,
  },
  icmp: {
    new: 30,
    established: 300,
    closed: 0,
    emergencyNew: 10,
    emergencyEstablished: 100,
    emergencyClosed: 0,
  },
  other: {
    new: 30,
    established: 300,
    closed: 0,
    emergencyNew: 10,
    emergencyEstablished: 100,
    emergencyClosed: 0,
  },
};

/** Options of a {@link FlowTable}. */
export interface FlowTableOptions {
  /** Flow slots (the memcap, in flows). Default {@link DEFAULT_FLOW_CAPACITY}. */
  capacity?: number;
  /** Timeouts. Default {@link DEFAULT_TIMEOUTS}. */
  timeouts?: FlowTimeouts;
  /** Pick up TCP sessions that start without a SYN (`stream.midstream`). */
  midstream?: boolean;
  /** Accept sessions seen one way only (`stream.async-oneside`). */
  asyncOneside?: boolean;
  /** Tell flows apart by VLAN ids (`vlan.use-for-tracking`, default true). */
  vlanTracking?: boolean;
  /** Percent of free slots that ends emergency mode (`flow.emergency-recovery`, 30). */
  emergencyRecovery?: number;
  /** Seed of the flow hash (Suricata's `hash_rand`); flow ids depend on it. */
  seed?: number;
}

const NIL = -1;
const KEY_WORDS = 4;
const LISTS = 12; // FlowProto x FlowState
const SYN = TcpFlag.SYN;
const ACK = TcpFlag.ACK;
const FIN = TcpFlag.FIN;
const RST = TcpFlag.RST;
const SESSION_TFO = 1;
const SESSION_SYNACK_PICKUP = 2;

/** Flows in preallocated typed arrays, looked up per packet. */
export class FlowTable {
  /** Number of slots. */
  readonly capacity: number;
  /** Flows created since start. */
  created = 0;
  /** Flows ended by timeout. */
  timedOut = 0;
  /** Flows evicted because the table was full. */
  evicted = 0;
  /** Flows ended by TCP port reuse. */
  reused = 0;
  /** Times the table entered emergency mode. */
  emergencies = 0;
  /** Flows currently in the table. */
  active = 0;
  /** Whether the table is in emergency mode (it was full). */
  emergency = false;
  /** Bytes of the table's typed arrays (all preallocated). */
  readonly memoryBytes: number;

  /** Whether the packet given to the last lookup went client -> server. */
  lastToServer = true;
  /**
   * Whether the packet given to the last lookup belongs to an established
   * flow, as Suricata flags packets (`FLOW_PKT_ESTABLISHED`).
   */
  lastEstablished = false;
  /** {@link TcpEvent} bits raised by the packet given to the last lookup. */
  lastEvents = 0;
  /** Called when a flow ends, before its slot is reused. */
  onEnd: ((slot: number, reason: number) => void) | null = null;

  // ---- key; side A is the client
  /** IP protocol. */
  readonly proto: Uint8Array;
  /** IP version (4 or 6). */
  readonly ipVersion: Uint8Array;
  /** VLAN ids, three per flow. */
  readonly vlan: Uint16Array;
  /** Tunnel level: 0 outer, 1 inside a tunnel. */
  readonly recursion: Uint8Array;
  /** Client address, four words per flow (IPv4: word 0). */
  readonly addrA: Uint32Array;
  /** Server address, four words per flow. */
  readonly addrB: Uint32Array;
  /** Client port (ICMPv4: the type of the first message; ESP: SPI high half). */
  readonly portA: Uint16Array;
  /** Server port (ICMPv4: the counterpart type; ESP: SPI low half). */
  readonly portB: Uint16Array;

  // ---- state
  /** {@link FlowProto} timeout class. */
  readonly protoClass: Uint8Array;
  /** {@link FlowState}. */
  readonly flowState: Uint8Array;
  /** {@link TcpState}. */
  readonly tcpState: Uint8Array;
  /** Bit 1: a packet client -> server seen; bit 2: server -> client. */
  readonly seen: Uint8Array;
  /** Client's initial sequence number (from its SYN). */
  readonly clientIsn: Uint32Array;
  /** Server's initial sequence number (from its SYN/ACK). */
  readonly serverIsn: Uint32Array;
  /** Packets client -> server. */
  readonly pktsToServer: Float64Array;
  /** Packets server -> client. */
  readonly pktsToClient: Float64Array;
  /** Bytes client -> server (captured lengths, as Suricata counts). */
  readonly bytesToServer: Float64Array;
  /** Bytes server -> client. */
  readonly bytesToClient: Float64Array;
  /** First packet time (seconds). */
  readonly firstTs: Float64Array;
  /** Latest packet time (seconds). */
  readonly lastTs: Float64Array;
  /** Suricata-style flow_id: a positive integer below 2^51. */
  readonly flowId: Float64Array;
  /** Incremented every time a slot is reused: side tables detect reuse with it. */
  readonly generation: Uint32Array;

  #establishedNow = false;
  // [0] packet time of the lookup in progress, [1] its whole seconds
  readonly #clock: Float64Array = new Float64Array(2);
  #trackTcp = true;
  readonly #midstream: boolean;
  readonly #async: boolean;
  readonly #vlanTracking: boolean;
  readonly #recoverAt: number;
  readonly #seed: number;
  readonly #timeout: Float64Array = new Float64Array(LISTS);
  readonly #emergencyTimeout: Float64Array = new Float64Array(LISTS);
  // hash chains
  readonly #buckets: Int32Array;
  readonly #next: Int32Array;
  readonly #hash: Uint32Array;
  // activity lists, one per (protocol class, flow state); most recent at the head
  readonly #prev: Int32Array;
  readonly #after: Int32Array;
  readonly #list: Uint8Array;
  // session flags: TFO (the SYN carried TCP Fast Open), SYNACK_PICKUP
  readonly #session: Uint8Array;
  // the handshake's sequence numbers, as Suricata keeps them until established
  readonly #clientNext: Uint32Array;
  readonly #serverNext: Uint32Array;
  readonly #clientLastAck: Uint32Array;
  readonly #clientNextWin: Uint32Array;
  readonly #head: Int32Array = new Int32Array(LISTS).fill(NIL);
  readonly #tail: Int32Array = new Int32Array(LISTS).fill(NIL);
  // [0] a whole second at or before the first one at which the tail of an
  // activity list times out (outside emergency mode): while the packet time
  // has not passed it, the sweep has nothing to do
  readonly #sweepAt: Float64Array = new Float64Array(1).fill(Infinity);
  // free slots
  readonly #free: Int32Array;
  #freeCount: number;
  // scratch key of the current packet: source words 0-3, destination words 4-7
  readonly #key: Uint32Array = new Uint32Array(KEY_WORDS * 2);

  /** @param options capacity, timeouts, midstream, ... */
  constructor(options: FlowTableOptions = {}) {
    const n = options.capacity ?? DEFAULT_FLOW_CAPACITY;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`flow capacity must be >= 1, not ${n}`);
    this.capacity = n;
    this.#midstream = options.midstream ?? false;
    this.#async = options.asyncOneside ?? false;
    this.#vlanTracking = options.vlanTracking ?? true;
    const recovery = Math.min(100, Math.max(0, options.emergencyRecovery ?? 30));
    this.#recoverAt = Math.floor((n * (100 - recovery)) / 100);
    this.#seed = (options.seed ?? 0x2545f491) >>> 0;
    const t = options.timeouts ?? DEFAULT_TIMEOUTS;
    const byClass = [t.tcp, t.udp, t.icmp, t.other];
    for (let c = 0; c < 4; c++) {
      const pt = byClass[c];
      this.#timeout[c * 3 + FlowState.NEW] = pt.new;
      this.#timeout[c * 3 + FlowState.ESTABLISHED] = pt.established;
      this.#timeout[c * 3 + FlowState.CLOSED] = pt.closed;
      this.#emergencyTimeout[c * 3 + FlowState.NEW] = pt.emergencyNew;
      this.#emergencyTimeout[c * 3 + FlowState.ESTABLISHED] = pt.emergencyEstablished;
      this.#emergencyTimeout[c * 3 + FlowState.CLOSED] = pt.emergencyClosed;
    }
    this.proto = new Uint8Array(n);
    this.ipVersion = new Uint8Array(n);
    this.vlan = new Uint16Array(n * 3);
    this.recursion = new Uint8Array(n);
    this.addrA = new Uint32Array(n * KEY_WORDS);
    this.addrB = new Uint32Array(n * KEY_WORDS);
    this.portA = new Uint16Array(n);
    this.portB = new Uint16Array(n);
    this.protoClass = new Uint8Array(n);
    this.flowState = new Uint8Array(n);
    this.tcpState = new Uint8Array(n);
    this.seen = new Uint8Array(n);
    this.clientIsn = new Uint32Array(n);
    this.serverIsn = new Uint32Array(n);
    this.pktsToServer = new Float64Array(n);
    this.pktsToClient = new Float64Array(n);
    this.bytesToServer = new Float64Array(n);
    this.bytesToClient = new Float64Array(n);
    this.firstTs = new Float64Array(n);
    this.lastTs = new Float64Array(n);
    this.flowId = new Float64Array(n);
    this.generation = new Uint32Array(n);
    let buckets = 1;
    while (buckets < n) buckets <<= 1;
    this.#buckets = new Int32Array(buckets).fill(NIL);
    this.#next = new Int32Array(n).fill(NIL);
    this.#hash = new Uint32Array(n);
    this.#prev = new Int32Array(n).fill(NIL);
    this.#after = new Int32Array(n).fill(NIL);
    this.#list = new Uint8Array(n);
    this.#session = new Uint8Array(n);
    this.#clientNext = new Uint32Array(n);
    this.#serverNext = new Uint32Array(n);
    this.#clientLastAck = new Uint32Array(n);
    this.#clientNextWin = new Uint32Array(n);
    this.#free = new Int32Array(n);
    for (let i = 0; i < n; i++) this.#free[i] = n - 1 - i;
    this.#freeCount = n;
    this.memoryBytes = [
      this.proto,
      this.ipVersion,
      this.vlan,
      this.recursion,
      this.addrA,
      this.addrB,
      this.portA,
      this.portB,
      this.protoClass,
      this.flowState,
      this.tcpState,
      this.seen,
      this.clientIsn,
      this.serverIsn,
      this.pktsToServer,
      this.pktsToClient,
      this.bytesToServer,
      this.bytesToClient,
      this.firstTs,
      this.lastTs,
      this.flowId,
      this.generation,
      this.#buckets,
      this.#next,
      this.#hash,
      this.#prev,
      this.#after,
      this.#list,
      this.#session,
      this.#clientNext,
      this.#serverNext,
      this.#clientLastAck,
      this.#clientNextWin,
      this.#free,
    ].reduce((sum, a) => sum + a.byteLength, 0);
  }

  /**
   * Find or create the flow of a packet, account the packet to it and
   * advance its TCP state. Sets {@link FlowTable.lastToServer} and
   * {@link FlowTable.lastEstablished}. Also ends a few timed-out flows.
   *
   * @example
   * ```ts
   * import { FlowTable } from "./flow_table.ts";
   * import { Packet } from "../decode/packet.ts";
   * const flows = new FlowTable({ capacity: 1024 });
   * const p = new Packet(); // decoded by decodePacket/decodeFrame
   * const slot = flows.lookupOrCreate(p, p.tsSec + p.tsNsec / 1e9);
   * if (slot >= 0) console.log(flows.lastToServer, flows.lastEstablished);
   * ```
   *
   * @param p a decoded packet
   * @param now the packet's time in seconds
   * @param trackTcp false to leave the TCP session state alone (a packet the
   *   stream engine ignores, e.g. with a bad checksum); it is still counted
   * @returns the flow slot, or -1 when the packet has no flow
   */
  lookupOrCreate(p: Packet, now: number, trackTcp = true): number {
    // Kept tiny so that it inlines: the time travels in a typed array, as a
    // double passed to a call that is not inlined would be boxed.
    this.#clock[0] = now;
    this.#clock[1] = Math.floor(now);
    this.#trackTcp = trackTcp;
    return this.#lookup(p);
  }

  #lookup(p: Packet): number {
    this.lastToServer = true;
    this.lastEstablished = false;
    this.lastEvents = 0;
    if (p.ipVersion === 0 || p.l4Offset < 0) return NIL;
    this.#sweep();
    const key = this.#key;
    const data = p.data;
    const frame = p.frameOffset;
    let proto = p.ipProto;
    let sp = 0;
    let dp = 0;
    let directional = false;
    let icmpError = false;
    switch (proto) {
      case 6:
      case 17:
      case 132:
        sp = p.srcPort;
        dp = p.dstPort;
        break;
      case 1: {
        const type = p.icmpType;
        if (type === 3 || type === 4 || type === 5 || type === 11 || type === 12) {
          // an error: joins the TCP/UDP flow it quotes, never creates one
          if (type !== 3 || !quotesTransport(p)) return NIL;
          const e = frame + p.icmpEmbL3Offset;
          key.fill(0);
          loadWord(key, 0, data, e + 12);
          loadWord(key, 4, data, e + 16);
          proto = p.icmpEmbIpProto;
          sp = p.icmpEmbSrcPort;
          dp = p.icmpEmbDstPort;
          icmpError = true;
        } else {
          sp = type;
          dp = icmpv4Counterpart(type);
        }
        break;
      }
      case 58:
        // Suricata's ports of an ICMPv6 packet: (type, code) and the counterpart type
        sp = p.icmpType | (p.icmpCode << 8);
        dp = icmpv6Counterpart(p.icmpType);
        break;
      case 50: {
        const at = frame + p.l4Offset;
        sp = (data[at] << 8) | data[at + 1];
        dp = (data[at + 2] << 8) | data[at + 3];
        directional = true;
        break;
      }
      default:
        return NIL;
    }
    if (!icmpError) this.#loadAddresses(p);
    const v0 = this.#vlanTracking ? p.vlanId0 : 0;
    const v1 = this.#vlanTracking ? p.vlanId1 : 0;
    const v2 = this.#vlanTracking ? p.vlanId2 : 0;
    const rec = p.tunnel !== 0 ? 1 : 0;
    const h = this.#hashKey(proto, v0, v1, v2, rec, sp, dp);
    const bucket = h & (this.#buckets.length - 1);
    let toServer = true;
    let found = NIL;
    for (let f = this.#buckets[bucket]; f !== NIL;) {
      const next = this.#next[f];
      if (this.#expired(f)) {
        // as Suricata's lookup: a timed-out flow met on the way is ended
        this.#end(f, FlowEnd.TIMEOUT);
        f = next;
        continue;
      }
      if (
        this.#hash[f] === h && this.proto[f] === proto && this.ipVersion[f] === p.ipVersion &&
        this.recursion[f] === rec && this.vlan[f * 3] === v0 && this.vlan[f * 3 + 1] === v1 &&
        this.vlan[f * 3 + 2] === v2
      ) {
        if (
          this.#sideIs(this.addrA, this.portA, f, 0, sp) &&
          this.#sideIs(this.addrB, this.portB, f, 4, dp)
        ) {
          toServer = true;
          found = f;
        } else if (
          !directional && this.#sideIs(this.addrA, this.portA, f, 4, dp) &&
          this.#sideIs(this.addrB, this.portB, f, 0, sp)
        ) {
          toServer = false;
          found = f;
        }
        if (found !== NIL) break;
      }
      f = next;
    }
    if (found !== NIL && icmpError) {
      // the direction of an ICMP error is its sender's side (FlowGetPacketDirection)
      toServer = this.addrA[found * KEY_WORDS] === p.src4;
    }
    if (found !== NIL && proto === 6 && !icmpError && this.#reuses(found, p, toServer)) {
      this.reused++;
      this.#end(found, FlowEnd.TCP_REUSE);
      found = NIL;
    }
    if (found === NIL) {
      if (icmpError) return NIL;
      if (
        this.emergency && proto === 6 && this.#midstream &&
        (p.tcpFlags & (SYN | ACK | RST | FIN)) !== SYN
      ) {
        return NIL; // Suricata's FlowCreateCheck in emergency mode
      }
      found = this.#create(p, h, bucket, proto, v0, v1, v2, rec, sp, dp);
      toServer = true;
    }
    this.#account(found, p, toServer, icmpError);
    return found;
  }

  /**
   * How the flows spread over the hash buckets (a diagnostic; walks the table).
   *
   * @returns buckets in use and the longest chain
   */
  bucketStats(): { used: number; longest: number } {
    let used = 0;
    let longest = 0;
    for (let b = 0; b < this.#buckets.length; b++) {
      let n = 0;
      for (let f = this.#buckets[b]; f !== NIL; f = this.#next[f]) n++;
      if (n > 0) used++;
      if (n > longest) longest = n;
    }
    return { used, longest };
  }

  /**
   * Whether a flow is established now (its TCP handshake completed, or for
   * other protocols both directions were seen).
   *
   * @param f a flow slot
   * @returns true when established
   */
  isEstablished(f: number): boolean {
    if (this.proto[f] === 6) return this.tcpState[f] >= TcpState.ESTABLISHED;
    return this.seen[f] === 3;
  }

  /**
   * End every flow (at the end of a capture), least recently active first.
   *
   * @param onEnd receives each flow slot and {@link FlowEnd.SHUTDOWN} before
   *   it is freed (in addition to {@link FlowTable.onEnd})
   */
  flushAll(onEnd?: (slot: number, reason: number) => void): void {
    for (let l = 0; l < LISTS; l++) {
      while (this.#tail[l] !== NIL) {
        const f = this.#tail[l];
        onEnd?.(f, FlowEnd.SHUTDOWN);
        this.#end(f, FlowEnd.SHUTDOWN);
      }
    }
  }

  #create(
    p: Packet,
    h: number,
    bucket: number,
    proto: number,
    v0: number,
    v1: number,
    v2: number,
    rec: number,
    sp: number,
    dp: number,
  ): number {
    const f = this.#allocate();
    this.proto[f] = proto;
    this.ipVersion[f] = p.ipVersion;
    this.vlan[f * 3] = v0;
    this.vlan[f * 3 + 1] = v1;
    this.vlan[f * 3 + 2] = v2;
    this.recursion[f] = rec;
    const base = f * KEY_WORDS;
    const key = this.#key;
    for (let w = 0; w < KEY_WORDS; w++) {
      this.addrA[base + w] = key[w];
      this.addrB[base + w] = key[KEY_WORDS + w];
    }
    this.portA[f] = sp;
    this.portB[f] = dp;
    this.protoClass[f] = proto === 6
      ? FlowProto.TCP
      : proto === 17
      ? FlowProto.UDP
      : proto === 1 || proto === 58
      ? FlowProto.ICMP
      : FlowProto.OTHER;
    this.flowState[f] = FlowState.NEW;
    this.tcpState[f] = TcpState.NONE;
    this.seen[f] = 0;
    this.clientIsn[f] = 0;
    this.serverIsn[f] = 0;
    this.#session[f] = 0;
    this.pktsToServer[f] = 0;
    this.pktsToClient[f] = 0;
    this.bytesToServer[f] = 0;
    this.bytesToClient[f] = 0;
    this.firstTs[f] = this.#clock[0];
    this.lastTs[f] = this.#clock[0];
    // Suricata's FlowGetId: the hash above the start time's low bits, 51 bits
    const usec = Math.floor(p.tsNsec / 1000);
    this.flowId[f] = ((h >>> 1) & 0x7ffff) * 4294967296 +
      (((h << 31) | ((usec & 0xffff) << 16) | (p.tsSec & 0xffff)) >>> 0);
    this.generation[f] = (this.generation[f] + 1) >>> 0;
    this.#hash[f] = h;
    this.#next[f] = this.#buckets[bucket];
    this.#buckets[bucket] = f;
    this.#list[f] = this.protoClass[f] * 3;
    this.#pushFront(f);
    this.created++;
    this.active++;
    return f;
  }

  #account(f: number, p: Packet, toServerIn: boolean, icmpError: boolean): void {
    let toServer = toServerIn;
    const tcp = this.proto[f] === 6;
    // established as the packet arrives: for TCP the state before this packet
    let established = tcp
      ? this.tcpState[f] >= TcpState.ESTABLISHED
      : this.flowState[f] === FlowState.ESTABLISHED;
    if (tcp && !icmpError && this.#trackTcp) {
      this.#establishedNow = false;
      toServer = this.#tcpUpdate(f, p, toServer);
      if (this.#establishedNow) established = true;
    }
    if (toServer) {
      this.pktsToServer[f]++;
      this.bytesToServer[f] += p.capLen;
      if (!icmpError) this.seen[f] |= 1;
    } else {
      this.pktsToClient[f]++;
      this.bytesToClient[f] += p.capLen;
      if (!icmpError) this.seen[f] |= 2;
    }
    if (this.#clock[0] > this.lastTs[f]) this.lastTs[f] = this.#clock[0];
    if (!tcp && this.seen[f] === 3) {
      established = true;
      this.flowState[f] = FlowState.ESTABLISHED;
    }
    this.lastToServer = toServer;
    this.lastEstablished = established;
    // move to the head of the activity list of its (possibly new) state,
    // unless it is there already
    const list = this.protoClass[f] * 3 + this.flowState[f];
    if (this.#head[list] !== f) {
      this.#unlink(f);
      this.#list[f] = list;
      this.#pushFront(f);
    }
  }

  /** Suricata's TCP transitions on flags and direction; returns the (maybe swapped) direction. */
  #tcpUpdate(f: number, p: Packet, toServerIn: boolean): boolean {
    let toServer = toServerIn;
    const flags = p.tcpFlags;
    switch (this.tcpState[f]) {
      case TcpState.NONE:
        if ((flags & RST) !== 0) {
          this.lastEvents |= TcpEvent.RST_BUT_NO_SESSION;
          break; // no session
        }
        if ((flags & FIN) !== 0) {
          if (this.#midstream && p.payloadLen > 0) this.#setTcp(f, TcpState.FIN_WAIT1);
          else this.lastEvents |= TcpEvent.FIN_BUT_NO_SESSION;
        } else if ((flags & (SYN | ACK)) === (SYN | ACK)) {
          if (this.#midstream || this.#async) {
            // picked up from the SYN/ACK: its sender is the server
            if (toServer) {
              this.#swap(f);
              toServer = false;
            }
            this.serverIsn[f] = p.tcpSeq;
            this.#serverNext[f] = (p.tcpSeq + 1) >>> 0;
            this.clientIsn[f] = (p.tcpAck - 1) >>> 0;
            this.#clientNext[f] = p.tcpAck;
            this.#clientLastAck[f] = p.tcpAck;
            this.#clientNextWin[f] = 0;
            this.#session[f] = SESSION_SYNACK_PICKUP;
            this.#setTcp(f, TcpState.SYN_RECV);
          }
        } else if ((flags & SYN) !== 0) {
          this.#session[f] = hasTfoOption(p) ? SESSION_TFO : 0;
          this.#takeSyn(f, p);
          this.#setTcp(f, TcpState.SYN_SENT);
        } else if ((flags & ACK) !== 0 && this.#midstream) {
          this.#setTcp(f, TcpState.ESTABLISHED);
        }
        break;
      case TcpState.SYN_SENT:
        if ((flags & (SYN | ACK)) === (SYN | ACK)) {
          if (toServer) {
            this.lastEvents |= TcpEvent.SYNACK_IN_WRONG_DIRECTION;
            break; // 4-way handshakes are not followed
          }
          const ack = p.tcpAck;
          const isnNext = (this.clientIsn[f] + 1) >>> 0;
          const tfo = (this.#session[f] & SESSION_TFO) !== 0 || hasTfoOption(p);
          // the SYN/ACK must acknowledge the SYN (or, with TCP Fast Open, its data)
          if (ack !== isnNext && !(tfo && ack === this.#clientNext[f])) {
            this.lastEvents |= TcpEvent.SYNACK_WITH_WRONG_ACK;
            break;
          }
          if (tfo && ack === isnNext) this.#clientNext[f] = this.clientIsn[f];
          this.serverIsn[f] = p.tcpSeq;
          this.#serverNext[f] = (p.tcpSeq + 1) >>> 0;
          this.#clientLastAck[f] = ack;
          this.#clientNextWin[f] = (ack + p.tcpWindow) >>> 0;
          // TCP Fast Open: the SYN/ACK establishes the session
          this.#setTcp(f, tfo ? TcpState.ESTABLISHED : TcpState.SYN_RECV);
          if (tfo) this.#session[f] |= SESSION_TFO;
        } else if ((flags & RST) !== 0) {
          const isn = this.clientIsn[f];
          if (
            toServer
              ? p.tcpSeq === isn && p.tcpWindow === 0 && p.tcpAck === ((isn + 1) >>> 0)
              : (flags & ACK) === 0 || p.tcpAck === ((isn + 1) >>> 0)
          ) {
            this.#setTcp(f, TcpState.CLOSED);
          }
        } else if ((flags & FIN) !== 0) {
          // nothing
        } else if ((flags & SYN) !== 0) {
          if (toServer) this.#takeSyn(f, p); // a resent SYN: the latest counts
        } else if ((flags & ACK) !== 0 && this.#async && toServer) {
          if (p.tcpSeq === this.#clientNext[f]) this.#setTcp(f, TcpState.ESTABLISHED);
        }
        break;
      case TcpState.SYN_RECV:
        if ((flags & RST) !== 0) this.#setTcp(f, TcpState.CLOSED);
        else if ((flags & FIN) !== 0) {
          this.#setTcp(f, toServer ? TcpState.CLOSE_WAIT : TcpState.FIN_WAIT1);
        } else if ((flags & SYN) !== 0) {
          // resent SYN or SYN/ACK: no change
        } else if ((flags & ACK) !== 0) {
          this.#synRecvAck(f, p, toServer);
        }
        break;
      case TcpState.ESTABLISHED:
        if ((flags & RST) !== 0) this.#setTcp(f, TcpState.CLOSED);
        else if ((flags & FIN) !== 0) {
          this.#setTcp(f, toServer ? TcpState.CLOSE_WAIT : TcpState.FIN_WAIT1);
        }
        break;
      case TcpState.FIN_WAIT1:
        if ((flags & RST) !== 0) this.#setTcp(f, TcpState.CLOSED);
        else if ((flags & (FIN | ACK)) === (FIN | ACK)) {
          if (toServer) this.#setTcp(f, TcpState.TIME_WAIT);
        } else if ((flags & FIN) !== 0) {
          if (toServer) this.#setTcp(f, TcpState.CLOSING);
        } else if ((flags & SYN) === 0 && (flags & ACK) !== 0 && toServer) {
          this.#setTcp(f, TcpState.FIN_WAIT2);
        }
        break;
      case TcpState.FIN_WAIT2:
        if ((flags & RST) !== 0) this.#setTcp(f, TcpState.CLOSED);
        else if ((flags & FIN) !== 0 && toServer) this.#setTcp(f, TcpState.TIME_WAIT);
        break;
      case TcpState.CLOSING:
        if ((flags & RST) !== 0) this.#setTcp(f, TcpState.CLOSED);
        else if ((flags & (FIN | SYN)) === 0 && (flags & ACK) !== 0) {
          this.#setTcp(f, TcpState.TIME_WAIT);
        }
        break;
      case TcpState.CLOSE_WAIT:
        if ((flags & RST) !== 0) this.#setTcp(f, TcpState.CLOSED);
        else if ((flags & FIN) !== 0 && !toServer) this.#setTcp(f, TcpState.LAST_ACK);
        break;
      case TcpState.LAST_ACK:
        if ((flags & RST) !== 0) this.#setTcp(f, TcpState.CLOSED);
        else if ((flags & (FIN | SYN)) === 0 && (flags & ACK) !== 0 && toServer) {
          this.#setTcp(f, TcpState.CLOSED);
        }
        break;
      case TcpState.TIME_WAIT:
        if ((flags & RST) !== 0) this.#setTcp(f, TcpState.CLOSED);
        else if ((flags & (FIN | SYN)) === 0 && (flags & ACK) !== 0) {
          this.#setTcp(f, TcpState.CLOSED);
        }
        break;
    }
    return toServer;
  }

  /** Take the client's SYN: its sequence number and, with Fast Open, its data. */
  #takeSyn(f: number, p: Packet): void {
    this.clientIsn[f] = p.tcpSeq;
    const data = (this.#session[f] & SESSION_TFO) !== 0 ? p.payloadLen : 0;
    this.#clientNext[f] = (p.tcpSeq + 1 + data) >>> 0;
  }

  /**
   * An ACK in SYN_RECV, as Suricata's StreamTcpPacketStateSynRecv decides
   * it from the sequence numbers it knows at that point.
   */
  #synRecvAck(f: number, p: Packet, toServer: boolean): void {
    const seq = p.tcpSeq;
    const ack = p.tcpAck;
    const clientNext = this.#clientNext[f];
    const serverNext = this.#serverNext[f];
    const session = this.#session[f];
    const missedAck = !toServer && (session & (SESSION_SYNACK_PICKUP | SESSION_TFO)) === 0;
    if (seq === clientNext && ack === serverNext) {
      this.#setTcp(f, TcpState.ESTABLISHED);
      // "normally the packet following the 3whs is considered established,
      // but with data we need it to be established now"
      if (p.payloadLen > 0) this.#establishedNow = true;
    } else if (this.#async && seq === serverNext) {
      this.#setTcp(f, TcpState.ESTABLISHED);
    } else if (seq === clientNext) {
      // right sequence, wrong acknowledgement: an evasion attempt, ignored
      this.lastEvents |= TcpEvent.RIGHT_SEQ_WRONG_ACK_EVASION;
    } else if (
      !toServer && ((seq - clientNext) | 0) > 0 && ((ack - this.#clientLastAck[f]) | 0) > 0
    ) {
      this.#setTcp(f, TcpState.ESTABLISHED); // server data after packet loss
    } else if (
      ((seq - clientNext) | 0) > 0 && ((seq - this.#clientNextWin[f]) | 0) <= 0 &&
      ack === serverNext
    ) {
      this.#setTcp(f, TcpState.ESTABLISHED); // client data after packet loss
    } else if (
      (missedAck || (session & SESSION_TFO) !== 0) && ack === this.#clientLastAck[f] &&
      seq === serverNext
    ) {
      this.#setTcp(f, TcpState.ESTABLISHED); // the handshake's ACK was missed
    }
  }

  #setTcp(f: number, state: number): void {
    this.tcpState[f] = state;
    switch (state) {
      case TcpState.ESTABLISHED:
      case TcpState.FIN_WAIT1:
      case TcpState.FIN_WAIT2:
      case TcpState.CLOSING:
      case TcpState.CLOSE_WAIT:
        this.flowState[f] = FlowState.ESTABLISHED;
        break;
      case TcpState.LAST_ACK:
      case TcpState.TIME_WAIT:
      case TcpState.CLOSED:
        this.flowState[f] = FlowState.CLOSED;
        break;
    }
  }

  /** Suricata's TcpSessionPacketSsnReuse: does this SYN start a new session on the tuple? */
  #reuses(f: number, p: Packet, toServer: boolean): boolean {
    const flags = p.tcpFlags;
    if ((flags & (RST | FIN)) !== 0) return false;
    const state = this.tcpState[f];
    if ((flags & (SYN | ACK)) === SYN) {
      if (state === TcpState.NONE) return true;
      if (toServer && p.tcpSeq === this.clientIsn[f]) return false; // a retransmission
      return state >= TcpState.LAST_ACK;
    }
    if ((flags & (SYN | ACK)) === (SYN | ACK) && (this.#midstream || this.#async)) {
      if (!toServer) {
        if (state === TcpState.NONE || p.tcpSeq === this.serverIsn[f]) return false;
        return state >= TcpState.LAST_ACK;
      }
      return state === TcpState.NONE || state >= TcpState.LAST_ACK;
    }
    return false;
  }

  /**
   * Turn a flow round: the server becomes the client, and the counters
   * follow (Suricata's FlowSwap, which protocol detection calls when the
   * first data of a midstream or UDP flow came from the server). The caller
   * flips the direction of the packet being inspected.
   *
   * @param f a flow slot
   */
  reverse(f: number): void {
    this.#swap(f);
  }

  #swap(f: number): void {
    const base = f * KEY_WORDS;
    for (let w = 0; w < KEY_WORDS; w++) {
      const a = this.addrA[base + w];
      this.addrA[base + w] = this.addrB[base + w];
      this.addrB[base + w] = a;
    }
    const port = this.portA[f];
    this.portA[f] = this.portB[f];
    this.portB[f] = port;
    let t = this.pktsToServer[f];
    this.pktsToServer[f] = this.pktsToClient[f];
    this.pktsToClient[f] = t;
    t = this.bytesToServer[f];
    this.bytesToServer[f] = this.bytesToClient[f];
    this.bytesToClient[f] = t;
    const s = this.seen[f];
    this.seen[f] = ((s & 1) << 1) | ((s & 2) >>> 1);
  }

  #loadAddresses(p: Packet): void {
    const key = this.#key;
    if (p.ipVersion === 4) {
      key[0] = p.src4;
      key[1] = 0;
      key[2] = 0;
      key[3] = 0;
      key[4] = p.dst4;
      key[5] = 0;
      key[6] = 0;
      key[7] = 0;
      return;
    }
    const data = p.data;
    const s = p.frameOffset + p.src6Offset;
    const d = p.frameOffset + p.dst6Offset;
    for (let w = 0; w < KEY_WORDS; w++) {
      loadWord(key, w, data, s + 4 * w);
      loadWord(key, KEY_WORDS + w, data, d + 4 * w);
    }
  }

  #sideIs(addr: Uint32Array, ports: Uint16Array, f: number, k: number, port: number): boolean {
    const base = f * KEY_WORDS;
    const key = this.#key;
    return addr[base] === key[k] && addr[base + 1] === key[k + 1] &&
      addr[base + 2] === key[k + 2] && addr[base + 3] === key[k + 3] && ports[f] === port;
  }

  /** A hash that is the same for both directions of a flow. */
  #hashKey(
    proto: number,
    v0: number,
    v1: number,
    v2: number,
    rec: number,
    sp: number,
    dp: number,
  ): number {
    const key = this.#key;
    // the port is mixed on its own first: XORed straight into the address,
    // a /16 of sources would share at most 65,536 hashes whatever the ports
    let hs = Math.imul(this.#seed ^ sp, 0xcc9e2d51);
    hs ^= hs >>> 15;
    hs = Math.imul(hs, 0x1b873593);
    let hd = Math.imul(this.#seed ^ dp, 0xcc9e2d51);
    hd ^= hd >>> 15;
    hd = Math.imul(hd, 0x1b873593);
    for (let w = 0; w < KEY_WORDS; w++) {
      hs = Math.imul(hs ^ key[w], 0x85ebca6b);
      hs ^= hs >>> 13;
      hd = Math.imul(hd ^ key[KEY_WORDS + w], 0x85ebca6b);
      hd ^= hd >>> 13;
    }
    hs >>>= 0;
    hd >>>= 0;
    let h = Math.imul((hs < hd ? hs : hd) ^ 0x9e3779b9, 0xcc9e2d51);
    h = Math.imul(h ^ (hs < hd ? hd : hs), 0x1b873593);
    h = Math.imul(h ^ (proto | (rec << 8) | (v0 << 16)), 0x85ebca6b);
    h = Math.imul(h ^ (v1 | (v2 << 16)), 0xc2b2ae35);
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    h ^= h >>> 15;
    return h & 0x3fffffff; // a small integer: no boxing when passed around
  }

  #expired(f: number): boolean {
    const nowSec = this.#clock[1];
    const list = this.#list[f];
    const lastSec = Math.floor(this.lastTs[f]);
    if (lastSec + this.#timeout[list] < nowSec) return true;
    return this.emergency && nowSec >= lastSec + this.#emergencyTimeout[list];
  }

  /**
   * End up to two timed-out flows at the tail of each activity list; a
   * no-op, found in one comparison, while no tail can have timed out.
   */
  #sweep(): void {
    if (!this.emergency && this.#clock[1] <= this.#sweepAt[0]) return;
    for (let l = 0; l < LISTS; l++) {
      for (let k = 0; k < 2; k++) {
        const f = this.#tail[l];
        if (f === NIL || !this.#expired(f)) break;
        this.#end(f, FlowEnd.TIMEOUT);
      }
    }
    this.#sweepAt[0] = Infinity;
    for (let l = 0; l < LISTS; l++) {
      const f = this.#tail[l];
      if (f !== NIL) this.#tailIs(f, l);
    }
  }

  /** Flow `f` became the tail of list `l`: the sweep is due once it can time out. */
  #tailIs(f: number, l: number): void {
    const due = Math.floor(this.lastTs[f]) + this.#timeout[l];
    if (due < this.#sweepAt[0]) this.#sweepAt[0] = due;
  }

  #allocate(): number {
    if (this.#freeCount === 0) {
      if (!this.emergency) {
        this.emergency = true;
        this.emergencies++;
        this.#sweep();
      }
      if (this.#freeCount === 0) {
        // evict the flow closest to its (emergency) timeout
        let victim = NIL;
        let best = Infinity;
        for (let l = 0; l < LISTS; l++) {
          const f = this.#tail[l];
          if (f === NIL) continue;
          const due = Math.floor(this.lastTs[f]) + this.#emergencyTimeout[l];
          if (due < best) {
            best = due;
            victim = f;
          }
        }
        this.evicted++;
        this.#end(victim, FlowEnd.EVICTED);
      }
    }
    return this.#free[--this.#freeCount];
  }

  #end(f: number, reason: number): void {
    if (reason === FlowEnd.TIMEOUT) this.timedOut++;
    this.onEnd?.(f, reason);
    const bucket = this.#hash[f] & (this.#buckets.length - 1);
    let prev = NIL;
    for (let g = this.#buckets[bucket]; g !== NIL; g = this.#next[g]) {
      if (g === f) {
        if (prev === NIL) this.#buckets[bucket] = this.#next[f];
        else this.#next[prev] = this.#next[f];
        break;
      }
      prev = g;
    }
    this.#next[f] = NIL;
    this.#unlink(f);
    this.#free[this.#freeCount++] = f;
    this.active--;
    if (this.emergency && this.active <= this.#recoverAt) this.emergency = false;
  }

  #pushFront(f: number): void {
    const l = this.#list[f];
    const head = this.#head[l];
    this.#prev[f] = NIL;
    this.#after[f] = head;
    if (head !== NIL) this.#prev[head] = f;
    this.#head[l] = f;
    if (this.#tail[l] === NIL) {
      this.#tail[l] = f;
      this.#tailIs(f, l);
    }
  }

  #unlink(f: number): void {
    const l = this.#list[f];
    const prev = this.#prev[f];
    const after = this.#after[f];
    if (prev !== NIL) this.#after[prev] = after;
    else this.#head[l] = after;
    if (after !== NIL) this.#prev[after] = prev;
    else {
      this.#tail[l] = prev;
      if (prev !== NIL) this.#tailIs(prev, l);
    }
    this.#prev[f] = NIL;
    this.#after[f] = NIL;
  }
}

/** Store the big-endian u32 at `data[i]` into `dst[at]`. */
function loadWord(dst: Uint32Array, at: number, data: Uint8Array, i: number): void {
  dst[at] = (data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3];
}

/**
 * Suricata's ICMPV4_DEST_UNREACH_IS_VALID: the quoted IPv4 header is there
 * with a whole TCP (20 bytes) or UDP (8 bytes) header after its first 20.
 */
function quotesTransport(p: Packet): boolean {
  if (p.ipVersion !== 4 || p.icmpEmbL3Offset < 0 || p.icmpEmbL4Offset < 0) return false;
  const avail = p.capLen - p.icmpEmbL3Offset;
  if (p.icmpEmbIpProto === 6) return avail >= 40;
  if (p.icmpEmbIpProto === 17) return avail >= 28;
  return false;
}

/**
 * Whether a TCP header carries a Fast Open option as Suricata's decoder
 * accepts it: kind 34 of length 2 or an even length from 4 to 18, or an
 * experimental option (253/254) of length 4 or 12 with magic 0xf989.
 */
function hasTfoOption(p: Packet): boolean {
  const data = p.data;
  let i = p.frameOffset + p.l4Offset + 20;
  const end = p.frameOffset + p.l4Offset + p.l4HeaderLen;
  const limit = Math.min(end, p.frameOffset + p.capLen, data.length);
  while (i < limit) {
    const kind = data[i];
    if (kind === 0) return false;
    if (kind === 1) {
      i++;
      continue;
    }
    if (i + 1 >= limit) return false;
    const len = data[i + 1];
    if (len < 2 || i + len > limit) return false;
    if (kind === 34 && (len === 2 || (len >= 4 && len <= 18 && (len & 1) === 0))) return true;
    if (
      (kind === 253 || kind === 254) && (len === 4 || len === 12) && data[i + 2] === 0xf9 &&
      data[i + 3] === 0x89
    ) {
      return true;
    }
    i += len;
  }
  return false;
}

/** The reply type of an ICMPv4 query type (and back); 0 when it has none. */
function icmpv4Counterpart(type: number): number {
  switch (type) {
    case 8:
      return 0;
    case 0:
      return 8;
    case 13:
      return 14;
    case 14:
      return 13;
    case 15:
      return 16;
    case 16:
      return 15;
    case 10:
      return 9;
    case 9:
      return 10;
    case 17:
      return 18;
    case 18:
      return 17;
    default:
      return 0;
  }
}

/** The reply type of an ICMPv6 query type (and back); 0 when it has none. */
function icmpv6Counterpart(type: number): number {
  switch (type) {
    case 128: // echo request, echo reply
    case 130: // MLD query, report
    case 133: // router solicitation, advertisement
    case 135: // neighbour solicitation, advertisement
    case 139: // node information query, reply
    case 144: // home agent address discovery request, reply
    case 146: // mobile prefix solicitation, advertisement
    case 148: // certification path solicitation, advertisement
    case 157: // duplicate address request, confirmation
      return type + 1;
    case 129:
    case 131:
    case 134:
    case 136:
    case 140:
    case 145:
    case 147:
    case 149:
    case 158:
      return type - 1;
    case 151: // multicast router advertisement, solicitation
      return 152;
    case 152:
      return 151;
    default:
      return 0;
  }
}
