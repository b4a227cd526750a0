/**
 * The flow table: one slot per conversation, keyed by (vlan, protocol,
 * addresses, ports) with both directions mapped to the same slot, held in
 * preallocated typed arrays (struct of arrays). It knows who the client is,
 * counts packets and bytes per direction, tracks TCP's handshake so that
 * `flow:established` means what it means in Suricata, expires flows by
 * packet time and, when full, evicts the least recently active flow (as
 * Suricata's emergency mode does) instead of growing.
 *
 * Nothing is allocated per packet. Stream reassembly and the full TCP state
 * machine (windows, sequence tracking, FIN/RST corner cases) belong to the
 * flow/stream stage that builds on this table.
 *
 * @module
 */

import { type Packet, TcpFlag } from "../decode/packet.ts";

/** Default number of flow slots. */
export const DEFAULT_FLOW_CAPACITY = 65536;

/** TCP tracking states of a flow (a subset of Suricata's). */
export const TcpState = {
  NONE: 0,
  SYN_SENT: 1,
  SYN_RECV: 2,
  ESTABLISHED: 3,
  CLOSING: 4,
  CLOSED: 5,
} as const;

/** Why a flow ended (Suricata's flow `reason`). */
export const FlowEnd = { TIMEOUT: 1, EVICTED: 2, SHUTDOWN: 3 } as const;

/** Timeouts in seconds, per protocol and state (Suricata 7 defaults). */
export interface FlowTimeouts {
  /** TCP before the handshake completes. */
  tcpNew: number;
  /** TCP established. */
  tcpEstablished: number;
  /** TCP closed or reset. */
  tcpClosed: number;
  /** UDP/ICMP/other, one direction seen. */
  otherNew: number;
  /** UDP/ICMP/other, both directions seen. */
  otherEstablished: number;
}

/** Suricata 7's default flow timeouts (suricata.yaml `flow-timeouts`). */
export const DEFAULT_TIMEOUTS: FlowTimeouts = {
  tcpNew: 60,
  tcpEstablished: 600,
  tcpClosed: 60,
  otherNew: 30,
  otherEstablished: 300,
};

/** Options of a {@link FlowTable}. */
export interface FlowTableOptions {
  /** Flow slots (the memcap, in flows). */
  capacity?: number;
  /** Timeouts. */
  timeouts?: FlowTimeouts;
  /** Pick up TCP flows that start without a handshake as established (stream.midstream). */
  midstream?: boolean;
  /** Seed of the flow_id generator. */
  seed?: number;
}

const NIL = -1;
const KEY_WORDS = 4;

/** Flows in preallocated typed arrays, looked up per packet. */
export class FlowTable {
  /** Number of slots. */
  readonly capacity: number;
  /** Flows created since start. */
  created = 0;
  /** Flows ended by timeout. */
  timedOut = 0;
  /** Flows evicted because the table was full (emergency). */
  evicted = 0;
  /** Flows currently in the table. */
  active = 0;

  // ---- keys: side A is the client (the initiator)
  /** IP protocol. */
  readonly proto: Uint8Array;
  /** IP version (4 or 6). */
  readonly ipVersion: Uint8Array;
  /** Outer VLAN id. */
  readonly vlan: Uint16Array;
  /** Client address words (IPv4: word 0). */
  readonly addrA: Uint32Array;
  /** Server address words. */
  readonly addrB: Uint32Array;
  /** Client port (ICMP: echo id). */
  readonly portA: Uint16Array;
  /** Server port. */
  readonly portB: Uint16Array;

  // ---- state
  /** {@link TcpState}. */
  readonly tcpState: Uint8Array;
  /** Bit 1: client->server seen; bit 2: server->client seen. */
  readonly seen: Uint8Array;
  /** 1 once the TCP handshake completed (stays set through FIN and RST). */
  readonly everEstablished: Uint8Array;
  /** Packets client->server. */
  readonly pktsToServer: Float64Array;
  /** Packets server->client. */
  readonly pktsToClient: Float64Array;
  /** Bytes client->server (captured frame lengths, as Suricata counts). */
  readonly bytesToServer: Float64Array;
  /** Bytes server->client. */
  readonly bytesToClient: Float64Array;
  /** First packet time (seconds). */
  readonly firstTs: Float64Array;
  /** Last packet time (seconds). */
  readonly lastTs: Float64Array;
  /** Suricata-style flow_id (a positive integer below 2^53). */
  readonly flowId: Float64Array;
  /** Incremented every time a slot is reused: lets per-flow side tables detect reuse. */
  readonly generation: Uint32Array;

  readonly #timeouts: FlowTimeouts;
  readonly #midstream: boolean;
  // hash chains
  readonly #buckets: Int32Array;
  readonly #next: Int32Array;
  readonly #hash: Uint32Array;
  // LRU list (most recent at head)
  readonly #lruPrev: Int32Array;
  readonly #lruNext: Int32Array;
  #lruHead = NIL;
  #lruTail = NIL;
  // free slots
  readonly #free: Int32Array;
  #freeCount: number;
  // scratch key of the current packet (normalised: side "lo" and "hi")
  readonly #key: Uint32Array = new Uint32Array(KEY_WORDS * 2);
  #rng: number;

  /** @param options capacity, timeouts, midstream */
  constructor(options: FlowTableOptions = {}) {
    const n = options.capacity ?? DEFAULT_FLOW_CAPACITY;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`flow capacity must be >= 1, not ${n}`);
    this.capacity = n;
    this.#timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    this.#midstream = options.midstream ?? false;
    this.#rng = (options.seed ?? 0x9e3779b9) >>> 0 || 1;
    this.proto = new Uint8Array(n);
    this.ipVersion = new Uint8Array(n);
    this.vlan = new Uint16Array(n);
    this.addrA = new Uint32Array(n * KEY_WORDS);
    this.addrB = new Uint32Array(n * KEY_WORDS);
    this.portA = new Uint16Array(n);
    this.portB = new Uint16Array(n);
    this.tcpState = new Uint8Array(n);
    this.seen = new Uint8Array(n);
    this.everEstablished = new Uint8Array(n);
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
    this.#lruPrev = new Int32Array(n).fill(NIL);
    this.#lruNext = new Int32Array(n).fill(NIL);
    this.#free = new Int32Array(n);
    for (let i = 0; i < n; i++) this.#free[i] = n - 1 - i;
    this.#freeCount = n;
  }

  /**
   * Find or create the flow of a packet and account the packet to it.
   *
   * @param p a decoded packet with an IP header
   * @param now the packet's time in seconds
   * @returns the flow slot, and sets {@link FlowTable.lastToServer}; -1 for non-IP packets
   */
  lookup(p: Packet, now: number): number {
    if (p.ipVersion === 0) return NIL;
    this.#expire(now);
    const key = this.#key;
    const data = p.data;
    let sp = p.srcPort;
    let dp = p.dstPort;
    if (p.l4Offset < 0) {
      sp = 0;
      dp = 0;
    } else if (p.ipProto === 1 || p.ipProto === 58) {
      // ICMP: echo request/reply share a flow through the identifier
      const echo = p.ipProto === 1
        ? p.icmpType === 8 || p.icmpType === 0
        : p.icmpType === 128 || p.icmpType === 129;
      sp = echo ? p.icmpId : 0;
      dp = echo ? p.icmpId : 0;
    }
    if (p.ipVersion === 4) {
      key[0] = p.src4;
      key[1] = 0;
      key[2] = 0;
      key[3] = 0;
      key[4] = p.dst4;
      key[5] = 0;
      key[6] = 0;
      key[7] = 0;
    } else {
      const s = p.frameOffset + p.src6Offset;
      const d = p.frameOffset + p.dst6Offset;
      for (let w = 0; w < 4; w++) {
        const i = s + 4 * w;
        const j = d + 4 * w;
        key[w] = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
        key[4 + w] = ((data[j] << 24) | (data[j + 1] << 16) | (data[j + 2] << 8) | data[j + 3]) >>>
          0;
      }
    }
    const srcFirst = compareSides(key, sp, dp) <= 0;
    const h = this.#hashKey(p.ipProto, p.vlanCount > 0 ? p.vlanId0 : 0, srcFirst, sp, dp);
    const bucket = h & (this.#buckets.length - 1);
    const vlan = p.vlanCount > 0 ? p.vlanId0 : 0;
    for (let f = this.#buckets[bucket]; f !== NIL; f = this.#next[f]) {
      if (this.#hash[f] !== h || this.proto[f] !== p.ipProto || this.vlan[f] !== vlan) continue;
      if (this.ipVersion[f] !== p.ipVersion) continue;
      if (this.#sameAsA(f, 0, sp) && this.#sameAsB(f, 4, dp)) {
        this.lastToServer = true;
      } else if (this.#sameAsA(f, 4, dp) && this.#sameAsB(f, 0, sp)) {
        this.lastToServer = false;
      } else {
        continue;
      }
      this.#touch(f);
      this.#account(f, p, now);
      return f;
    }
    const f = this.#allocate(now);
    this.proto[f] = p.ipProto;
    this.ipVersion[f] = p.ipVersion;
    this.vlan[f] = vlan;
    // The sender of the first packet is the client, unless it is a TCP SYN+ACK.
    const synAck = p.ipProto === 6 && (p.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) ===
        (TcpFlag.SYN | TcpFlag.ACK);
    const a = synAck ? 4 : 0;
    const b = synAck ? 0 : 4;
    const base = f * KEY_WORDS;
    for (let w = 0; w < KEY_WORDS; w++) {
      this.addrA[base + w] = key[a + w];
      this.addrB[base + w] = key[b + w];
    }
    this.portA[f] = synAck ? dp : sp;
    this.portB[f] = synAck ? sp : dp;
    this.lastToServer = !synAck;
    this.tcpState[f] = TcpState.NONE;
    this.seen[f] = 0;
    this.everEstablished[f] = 0;
    this.pktsToServer[f] = 0;
    this.pktsToClient[f] = 0;
    this.bytesToServer[f] = 0;
    this.bytesToClient[f] = 0;
    this.firstTs[f] = now;
    this.lastTs[f] = now;
    this.flowId[f] = this.#nextFlowId();
    this.generation[f] = (this.generation[f] + 1) >>> 0;
    this.#hash[f] = h;
    this.#next[f] = this.#buckets[bucket];
    this.#buckets[bucket] = f;
    this.#pushFront(f);
    this.created++;
    this.active++;
    this.#account(f, p, now);
    return f;
  }

  /** Whether the packet given to the last {@link FlowTable.lookup} went client->server. */
  lastToServer = true;

  /**
   * Whether the packet given to the last {@link FlowTable.lookup} belongs to
   * an established flow, as Suricata flags packets (FLOW_PKT_ESTABLISHED):
   * for TCP, the handshake completed before this packet (so the ACK that
   * completes it is not yet established); for other protocols, both
   * directions have been seen, this packet included.
   */
  lastEstablished = false;

  /**
   * Whether a flow is established in Suricata's sense: the TCP handshake
   * completed (or a midstream pick-up), or for other protocols both
   * directions were seen.
   *
   * @param f a flow slot
   * @returns true when established
   */
  isEstablished(f: number): boolean {
    if (this.proto[f] === 6) {
      const s = this.tcpState[f];
      return s === TcpState.ESTABLISHED || s === TcpState.CLOSING;
    }
    return this.seen[f] === 3;
  }

  /**
   * End every flow (at the end of a capture), calling `onEnd` for each.
   *
   * @param onEnd receives each flow slot and the reason before it is freed
   */
  flushAll(onEnd?: (slot: number, reason: number) => void): void {
    while (this.#lruTail !== NIL) {
      const f = this.#lruTail;
      onEnd?.(f, FlowEnd.SHUTDOWN);
      this.#release(f);
    }
  }

  /** Called when a flow ends (timeout or eviction), before its slot is reused. */
  onEnd: ((slot: number, reason: number) => void) | null = null;

  #account(f: number, p: Packet, now: number): void {
    const toServer = this.lastToServer;
    if (toServer) {
      this.pktsToServer[f]++;
      this.bytesToServer[f] += p.capLen;
      this.seen[f] |= 1;
    } else {
      this.pktsToClient[f]++;
      this.bytesToClient[f] += p.capLen;
      this.seen[f] |= 2;
    }
    this.lastTs[f] = now;
    if (this.proto[f] !== 6) {
      this.lastEstablished = this.seen[f] === 3;
      return;
    }
    this.lastEstablished = this.everEstablished[f] === 1;
    if (p.l4Offset < 0) return;
    const flags = p.tcpFlags;
    const state = this.tcpState[f];
    if ((flags & TcpFlag.RST) !== 0) {
      if (state !== TcpState.NONE || this.#midstream) this.tcpState[f] = TcpState.CLOSED;
      return;
    }
    switch (state) {
      case TcpState.NONE:
        if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN && toServer) {
          this.tcpState[f] = TcpState.SYN_SENT;
        } else if (
          (flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK) && !toServer &&
          this.#midstream
        ) {
          this.tcpState[f] = TcpState.SYN_RECV;
        } else if (this.#midstream && (flags & TcpFlag.SYN) === 0) {
          this.tcpState[f] = TcpState.ESTABLISHED;
          this.everEstablished[f] = 1;
        }
        break;
      case TcpState.SYN_SENT:
        if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK) && !toServer) {
          this.tcpState[f] = TcpState.SYN_RECV;
        }
        break;
      case TcpState.SYN_RECV:
        if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.ACK && toServer) {
          this.tcpState[f] = TcpState.ESTABLISHED;
          this.everEstablished[f] = 1;
        }
        break;
      case TcpState.ESTABLISHED:
        if ((flags & TcpFlag.FIN) !== 0) this.tcpState[f] = TcpState.CLOSING;
        break;
    }
  }

  #sameAsA(f: number, k: number, port: number): boolean {
    const base = f * KEY_WORDS;
    const key = this.#key;
    return this.addrA[base] === key[k] && this.addrA[base + 1] === key[k + 1] &&
      this.addrA[base + 2] === key[k + 2] && this.addrA[base + 3] === key[k + 3] &&
      this.portA[f] === port;
  }

  #sameAsB(f: number, k: number, port: number): boolean {
    const base = f * KEY_WORDS;
    const key = this.#key;
    return this.addrB[base] === key[k] && this.addrB[base + 1] === key[k + 1] &&
      this.addrB[base + 2] === key[k + 2] && this.addrB[base + 3] === key[k + 3] &&
      this.portB[f] === port;
  }

  #hashKey(proto: number, vlan: number, srcFirst: boolean, sp: number, dp: number): number {
    const key = this.#key;
    const lo = srcFirst ? 0 : 4;
    const hi = srcFirst ? 4 : 0;
    let h = 0x811c9dc5 ^ proto ^ (vlan << 8);
    for (let w = 0; w < 4; w++) {
      h = Math.imul(h ^ key[lo + w], 0x01000193);
      h = Math.imul(h ^ key[hi + w], 0x01000193);
    }
    const pLo = srcFirst ? sp : dp;
    const pHi = srcFirst ? dp : sp;
    h = Math.imul(h ^ ((pLo << 16) | pHi), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h >>> 0;
  }

  #nextFlowId(): number {
    // xorshift32 twice: a random-looking id below 2^52, as Suricata's are
    let x = this.#rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const hi = (x >>> 0) & 0xfffff;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#rng = x >>> 0 || 1;
    return hi * 4294967296 + (x >>> 0) + 1;
  }

  #allocate(now: number): number {
    if (this.#freeCount === 0) {
      const victim = this.#lruTail;
      this.evicted++;
      this.onEnd?.(victim, FlowEnd.EVICTED);
      this.#release(victim);
    }
    void now;
    return this.#free[--this.#freeCount];
  }

  #timeoutOf(f: number): number {
    const t = this.#timeouts;
    if (this.proto[f] === 6) {
      const s = this.tcpState[f];
      if (s === TcpState.CLOSED) return t.tcpClosed;
      return s === TcpState.ESTABLISHED || s === TcpState.CLOSING ? t.tcpEstablished : t.tcpNew;
    }
    return this.seen[f] === 3 ? t.otherEstablished : t.otherNew;
  }

  #expire(now: number): void {
    // amortised: look at the two least recently active flows per packet
    for (let k = 0; k < 2 && this.#lruTail !== NIL; k++) {
      const f = this.#lruTail;
      if (this.lastTs[f] + this.#timeoutOf(f) > now) return;
      this.timedOut++;
      this.onEnd?.(f, FlowEnd.TIMEOUT);
      this.#release(f);
    }
  }

  #release(f: number): void {
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
  }

  #touch(f: number): void {
    if (this.#lruHead === f) return;
    this.#unlink(f);
    this.#pushFront(f);
  }

  #pushFront(f: number): void {
    this.#lruPrev[f] = NIL;
    this.#lruNext[f] = this.#lruHead;
    if (this.#lruHead !== NIL) this.#lruPrev[this.#lruHead] = f;
    this.#lruHead = f;
    if (this.#lruTail === NIL) this.#lruTail = f;
  }

  #unlink(f: number): void {
    const prev = this.#lruPrev[f];
    const next = this.#lruNext[f];
    if (prev !== NIL) this.#lruNext[prev] = next;
    else if (this.#lruHead === f) this.#lruHead = next;
    if (next !== NIL) this.#lruPrev[next] = prev;
    else if (this.#lruTail === f) this.#lruTail = prev;
    this.#lruPrev[f] = NIL;
    this.#lruNext[f] = NIL;
  }
}

/** Order the two endpoints of the scratch key: <0 when the source side sorts first. */
function compareSides(key: Uint32Array, sp: number, dp: number): number {
  for (let w = 0; w < 4; w++) {
    if (key[w] !== key[4 + w]) return key[w] < key[4 + w] ? -1 : 1;
  }
  return sp - dp;
}
