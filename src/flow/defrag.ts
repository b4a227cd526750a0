/**
 * IP defragmentation with Suricata 7 semantics (`defrag.c`, `defrag-hash.c`,
 * `defrag-timeout.c`): fragments are gathered in trackers keyed by (IP
 * version, VLAN ids, source, destination, protocol, id), overlaps are
 * resolved by a target-OS policy (`bsd` by default), and when the last
 * missing piece arrives the whole datagram is written into one preallocated
 * output buffer, ready to be decoded as a packet of its own.
 *
 * Memory is fixed at construction:
 * - fragment bytes live in ONE arena (`memcap` bytes) cut into blocks of
 *   {@link DEFRAG_BLOCK_SIZE}; a fragment takes a chain of blocks, so there
 *   is no fragmentation of the arena and no allocation per fragment;
 * - fragment records (offset, length, trims, ...) and trackers are slots in
 *   typed arrays (`maxFrags`, `maxTrackers`);
 * - when a tracker, a fragment record or blocks are missing, the least
 *   recently updated tracker is dropped (as Suricata reuses a used tracker
 *   when its memcap is reached); a fragment that still does not fit is
 *   ignored. Nothing grows, nothing throws.
 *
 * The reassembled datagram keeps the link header of the first fragment (as
 * Suricata copies the first fragment's packet, so `packet_info.linktype`
 * and the `packet` field match), unless the fragment was carried in a
 * tunnel: then the datagram is written as raw IP (link type 228 or 229).
 *
 * Events raised on the fragment being added, as Suricata raises them:
 * `ipv4.frag_overlap` / `ipv6.frag_overlap` when the new fragment overlaps
 * any held fragment met while placing it (identical bytes included),
 * `ipv4.frag_pkt_too_large` when 20 + offset + length exceeds 65535 (IPv6:
 * offset + length), the fragment then being ignored. `ipv6.frag_invalid_length`
 * is raised by the IPv6 decoder (decode-ipv6.c), not here.
 *
 * @module
 */

import { Ev } from "../decode/events.ts";
import { FragFlag, Layer, type Packet } from "../decode/packet.ts";

/** Bytes per arena block. */
export const DEFRAG_BLOCK_SIZE = 512;

/** Overlap policies, named as in suricata.yaml `host-os-policy` / defrag.c. */
export type DefragPolicy = "first" | "last" | "bsd" | "linux" | "windows" | "solaris";

/** Options of a {@link Defragmenter}; defaults are Suricata 7's. */
export interface DefragOptions {
  /** Bytes of fragment data held at most (defrag.memcap, 32 MiB). */
  memcap?: number;
  /** Trackers (datagrams in reassembly) at most (defrag.trackers, 65535). */
  maxTrackers?: number;
  /** Fragments held at most (defrag.max-frags, 65535). */
  maxFrags?: number;
  /** Seconds a tracker lives after its last fragment (defrag.timeout, 60). */
  timeout?: number;
  /** Overlap policy (default "bsd"). */
  policy?: DefragPolicy;
}

const POLICY_FIRST = 1;
const POLICY_LAST = 2;
const POLICY_BSD = 3;
const POLICY_LINUX = 5;
const POLICY_WINDOWS = 6;
const POLICY_SOLARIS = 7;

const POLICIES: Record<DefragPolicy, number> = {
  first: POLICY_FIRST,
  last: POLICY_LAST,
  bsd: POLICY_BSD,
  linux: POLICY_LINUX,
  windows: POLICY_WINDOWS,
  solaris: POLICY_SOLARIS,
};

/**
 * Parse a policy name as suricata.yaml spells it (`bsd`, `linux`,
 * `windows`, `solaris`, `first`, `last`, and the OS aliases Suricata maps:
 * `hpux10`/`irix` to bsd, `old-linux` to linux, `old-solaris`/`hpux11`/
 * `macos` to first, `vista`/`windows2k3` to windows).
 *
 * @param name the policy name
 * @returns the policy, or undefined for an unknown name
 */
export function parseDefragPolicy(name: string): DefragPolicy | undefined {
  switch (name.trim().toLowerCase()) {
    case "bsd":
    case "hpux10":
    case "irix":
      return "bsd";
    case "linux":
    case "old-linux":
      return "linux";
    case "first":
    case "old-solaris":
    case "hpux11":
    case "macos":
      return "first";
    case "last":
      return "last";
    case "solaris":
      return "solaris";
    case "windows":
    case "vista":
    case "windows2k3":
      return "windows";
  }
  return undefined;
}

const NIL = -1;
/** Suricata's MAX_PAYLOAD_SIZE: bound of a reassembled IPv4 packet. */
const MAX_PAYLOAD_SIZE = 40 + 65536 + 28;
/** Link header bytes kept in front of a reassembled datagram, at most. */
const MAX_PREFIX = 1024;
/** Tracker key: version<<8|proto, id, vlan0<<16|vlan1, vlan2, source x4, destination x4. */
const KEY_WORDS = 12;

/**
 * Reassembles IPv4 and IPv6 fragments. One per worker; {@link add} every
 * decoded fragment; when it returns true, {@link output} holds the datagram.
 */
export class Defragmenter {
  /** The reassembled datagram (valid until the next {@link add}). */
  readonly output: Uint8Array;
  /** Length of the datagram in {@link output}. */
  outputLength = 0;
  /** Link type of {@link output}: the first fragment's, or 228/229 (raw IPv4/IPv6) for tunnelled fragments. */
  outputLinkType = 0;

  /** Fragments added (IPv4). */
  ipv4Fragments = 0;
  /** Fragments added (IPv6). */
  ipv6Fragments = 0;
  /** Datagrams reassembled (IPv4). */
  ipv4Reassembled = 0;
  /** Datagrams reassembled (IPv6). */
  ipv6Reassembled = 0;
  /** Trackers dropped by timeout. */
  timedOut = 0;
  /** Trackers dropped to make room (memcap, max trackers, max fragments). */
  evicted = 0;
  /** Fragments ignored for lack of room. */
  ignored = 0;
  /** Trackers in use. */
  activeTrackers = 0;
  /** Fragments held. */
  heldFrags = 0;

  readonly #policy: number;
  readonly #timeout: number;

  // ---- arena
  readonly #arena: Uint8Array;
  readonly #blockNext: Int32Array;
  #freeBlock = NIL;
  #freeBlocks: number;

  // ---- fragments (a sorted doubly linked list per tracker)
  readonly #fOffset: Int32Array;
  readonly #fDataLen: Int32Array;
  readonly #fLtrim: Int32Array;
  readonly #fMore: Uint8Array;
  readonly #fSkip: Uint8Array;
  /** Stored header bytes before the data (link prefix + IP header / unfragmentable part); 0 unless offset 0. */
  readonly #fHdrLen: Int32Array;
  /** Link prefix length within the stored header. */
  readonly #fPrefix: Int32Array;
  /** IPv4 header length / IPv6: the fragment header's next header. */
  readonly #fAux: Int32Array;
  readonly #fBlock: Int32Array;
  readonly #fNext: Int32Array;
  readonly #fPrev: Int32Array;
  #freeFrag = NIL;

  // ---- tracker slots
  readonly #tKey: Uint32Array;
  readonly #tHead: Int32Array;
  readonly #tTail: Int32Array;
  readonly #tSeenLast: Uint8Array;
  readonly #tTimeout: Float64Array;
  readonly #tLinkType: Int32Array;
  readonly #tHash: Uint32Array;
  readonly #tHashNext: Int32Array;
  readonly #tLruPrev: Int32Array;
  readonly #tLruNext: Int32Array;
  readonly #buckets: Int32Array;
  #lruHead = NIL; // most recently updated
  #lruTail = NIL; // least recently updated
  #freeTrackerSlot = NIL;
  #lastPrune = -1;
  readonly #key = new Uint32Array(KEY_WORDS);

  /**
   * @param options sizes, timeout and overlap policy
   * @example
   * ```ts
   * const defrag = new Defragmenter({ memcap: 1 << 20, policy: "linux" });
   * ```
   */
  constructor(options: DefragOptions = {}) {
    const memcap = Math.max(
      DEFRAG_BLOCK_SIZE * 256,
      Math.floor(options.memcap ?? 32 * 1024 * 1024),
    );
    const maxTrackers = Math.max(1, Math.floor(options.maxTrackers ?? 65535));
    const maxFrags = Math.max(1, Math.floor(options.maxFrags ?? 65535));
    this.#timeout = Math.max(1, options.timeout ?? 60);
    this.#policy = POLICIES[options.policy ?? "bsd"] ?? POLICY_BSD;

    const blocks = Math.floor(memcap / DEFRAG_BLOCK_SIZE);
    this.#arena = new Uint8Array(blocks * DEFRAG_BLOCK_SIZE);
    this.#blockNext = new Int32Array(blocks);
    for (let i = 0; i < blocks; i++) this.#blockNext[i] = i + 1 < blocks ? i + 1 : NIL;
    this.#freeBlock = 0;
    this.#freeBlocks = blocks;

    this.#fOffset = new Int32Array(maxFrags);
    this.#fDataLen = new Int32Array(maxFrags);
    this.#fLtrim = new Int32Array(maxFrags);
    this.#fMore = new Uint8Array(maxFrags);
    this.#fSkip = new Uint8Array(maxFrags);
    this.#fHdrLen = new Int32Array(maxFrags);
    this.#fPrefix = new Int32Array(maxFrags);
    this.#fAux = new Int32Array(maxFrags);
    this.#fBlock = new Int32Array(maxFrags).fill(NIL);
    this.#fNext = new Int32Array(maxFrags);
    this.#fPrev = new Int32Array(maxFrags);
    for (let i = 0; i < maxFrags; i++) this.#fNext[i] = i + 1 < maxFrags ? i + 1 : NIL;
    this.#freeFrag = 0;

    this.#tKey = new Uint32Array(maxTrackers * KEY_WORDS);
    this.#tHead = new Int32Array(maxTrackers).fill(NIL);
    this.#tTail = new Int32Array(maxTrackers).fill(NIL);
    this.#tSeenLast = new Uint8Array(maxTrackers);
    this.#tTimeout = new Float64Array(maxTrackers);
    this.#tLinkType = new Int32Array(maxTrackers);
    this.#tHash = new Uint32Array(maxTrackers);
    this.#tHashNext = new Int32Array(maxTrackers);
    this.#tLruPrev = new Int32Array(maxTrackers);
    this.#tLruNext = new Int32Array(maxTrackers);
    for (let i = 0; i < maxTrackers; i++) {
      this.#tLruNext[i] = i + 1 < maxTrackers ? i + 1 : NIL;
    }
    this.#freeTrackerSlot = 0;
    let size = 1;
    while (size < maxTrackers) size <<= 1;
    this.#buckets = new Int32Array(size).fill(NIL);

    this.output = new Uint8Array(MAX_PREFIX + 40 + 65535 + 65535 + 64);
  }

  /** Bytes of the arena in use (whole blocks). */
  get memuse(): number {
    return (this.#blockNext.length - this.#freeBlocks) * DEFRAG_BLOCK_SIZE;
  }

  /** Bytes of the arena (the memcap rounded down to whole blocks). */
  get memcap(): number {
    return this.#arena.length;
  }

  /**
   * Add a decoded packet. Packets that are not fragments ({@link Layer.FRAGMENT}
   * unset) are ignored. Events are raised on `p`.
   *
   * @param p the decoded fragment
   * @returns true when this fragment completed a datagram, now in {@link output}
   */
  add(p: Packet): boolean {
    if ((p.layers & Layer.FRAGMENT) === 0 || p.l3Offset < 0 || p.payloadOffset < 0) return false;
    const v6 = p.ipVersion === 6;
    if (!v6 && p.ipVersion !== 4) return false;
    const fragOffset = p.fragOffset;
    const more = (p.fragFlags & FragFlag.MF) !== 0;
    if (fragOffset === 0 && !more) return false;
    if (v6) this.ipv6Fragments++;
    else this.ipv4Fragments++;

    const now = p.tsSec + p.tsNsec / 1e9;
    if (p.tsSec !== this.#lastPrune) {
      this.#lastPrune = p.tsSec;
      this.#prune(now);
    }
    const t = this.#getTracker(p, now);
    if (t === NIL) return false;

    const dataLen = p.payloadLen;
    const fragEnd = fragOffset + dataLen;
    if (v6) {
      if (fragEnd > 65535) {
        p.setEvent(Ev.IPV6_FRAG_PKT_TOO_LARGE);
        return false;
      }
    } else if (20 + fragEnd > 65535) {
      p.setEvent(Ev.IPV4_FRAG_PKT_TOO_LARGE);
      return false;
    }
    this.#tTimeout[t] = p.tsSec + this.#timeout;
    this.#lruTouch(t);

    const result = this.#insert(t, p, fragOffset, dataLen, more);
    let done = false;
    if (result >= 0 && this.#tSeenLast[t] !== 0) {
      done = v6 ? this.#reassemble6(t) : this.#reassemble4(t);
      if (done) {
        if (v6) this.ipv6Reassembled++;
        else this.ipv4Reassembled++;
      }
    }
    if (result === 1 || result === -2) {
      p.setEvent(v6 ? Ev.IPV6_FRAG_OVERLAP : Ev.IPV4_FRAG_OVERLAP);
    }
    return done;
  }

  /**
   * Place the fragment by the overlap policy (defrag.c DefragInsertFrag)
   * and store it. Returns 0 when inserted without overlap, 1 when inserted
   * with overlap, -1 when not inserted and no overlap, -2 when not inserted
   * with overlap.
   */
  #insert(t: number, p: Packet, fragOffset: number, dataLen: number, more: boolean): number {
    const fOff = this.#fOffset;
    const fLen = this.#fDataLen;
    const fLtrim = this.#fLtrim;
    const fSkip = this.#fSkip;
    const fragEnd = fragOffset + dataLen;
    let overlap = false;
    let ltrim = 0;
    let drop = false;

    if (this.#tHead[t] !== NIL) {
      // Suricata: next = RB_NFIND(offset - 1) with a u16 offset (0 - 1 wraps
      // to 65535: nothing found), then prev is the fragment before it.
      let next = NIL;
      if (fragOffset > 0) {
        for (let f = this.#tHead[t]; f !== NIL; f = this.#fNext[f]) {
          if (fOff[f] >= fragOffset) {
            next = f;
            break;
          }
        }
      }
      let prev: number;
      if (next === NIL) {
        prev = this.#tHead[t];
        next = this.#fNext[prev];
      } else {
        prev = this.#fPrev[next];
        if (prev === NIL) {
          prev = next;
          next = this.#fNext[prev];
        }
      }
      const policy = this.#policy;
      while (prev !== NIL) {
        let action = 0; // 0: look at the next one, 1: insert, 2: drop the new fragment
        if (fSkip[prev] === 0) {
          const pOff = fOff[prev];
          const pEnd = pOff + fLen[prev];
          if (fragOffset < pEnd && pOff < fragEnd) overlap = true;
          switch (policy) {
            case POLICY_BSD:
              if (fragOffset < pEnd) {
                if (pOff <= fragOffset) {
                  // prefer the held data: trim the new fragment's start
                  if (pEnd > fragEnd) {
                    action = 2;
                    break;
                  }
                  ltrim = pEnd - fragOffset;
                  if (next !== NIL && fragEnd > fOff[next]) fLtrim[next] = fragEnd - fOff[next];
                  action = 1;
                  break;
                }
                // the new fragment covers the start of the held one
                if (fragOffset <= pOff && fragEnd > pOff + fLtrim[prev]) {
                  const prevLtrim = fragEnd - pOff;
                  if (prevLtrim > fLtrim[prev]) fLtrim[prev] = prevLtrim;
                }
                if (next !== NIL && fragEnd > fOff[next]) fLtrim[next] = fragEnd - fOff[next];
                action = 1;
              }
              break;
            case POLICY_LINUX:
              if (pOff + fLtrim[prev] < fragOffset + ltrim && pEnd > fragOffset + ltrim) {
                ltrim = (ltrim + pEnd - fragOffset) & 0xffff;
              }
              if (fragOffset + ltrim < pOff + fLtrim[prev] && fragEnd > pOff + fLtrim[prev]) {
                fLtrim[prev] = (fLtrim[prev] + fragEnd - (pOff + fLtrim[prev])) & 0xffff;
                action = 1;
                break;
              }
              if (fragOffset + ltrim <= pOff + fLtrim[prev] && fragEnd >= pEnd) {
                fSkip[prev] = 1;
                action = 1;
              }
              break;
            case POLICY_WINDOWS:
              if (fragOffset + ltrim >= pOff + ltrim && fragEnd <= pEnd) {
                action = 2;
                break;
              }
              if (fragOffset + ltrim < pOff + ltrim && fragEnd > pEnd) {
                fSkip[prev] = 1;
                action = 1;
                break;
              }
              if (fragOffset + ltrim > pOff + fLtrim[prev] && fragOffset + ltrim < pEnd) {
                ltrim = (ltrim + pEnd - fragOffset) & 0xffff;
                action = 1;
                break;
              }
              if (fragOffset + ltrim === pOff + ltrim && fragEnd > pEnd) {
                ltrim = (ltrim + pEnd - fragOffset) & 0xffff;
                action = 1;
              }
              break;
            case POLICY_SOLARIS:
              if (fragOffset < pEnd) {
                if (fragOffset >= pOff) ltrim = pEnd - fragOffset;
                if (fragOffset < pOff && fragEnd >= pEnd) fSkip[prev] = 1;
                action = 1;
              }
              break;
            case POLICY_FIRST:
              if (fragOffset >= pOff && fragEnd <= pEnd) {
                action = 2;
                break;
              }
              if (fragOffset < pOff) {
                action = 1;
                break;
              }
              if (fragOffset < pEnd) {
                ltrim = pEnd - fragOffset;
                action = 1;
              }
              break;
            case POLICY_LAST:
              if (fragOffset <= pOff) {
                if (fragEnd > pOff) fLtrim[prev] = fragEnd - pOff;
                action = 1;
              }
              break;
          }
        }
        if (action === 2) {
          drop = true;
          break;
        }
        if (action === 1) {
          // a held fragment trimmed away completely is released now
          if (fSkip[prev] !== 0 || fLtrim[prev] >= fLen[prev]) this.#removeFrag(t, prev);
          break;
        }
        prev = next;
        if (next !== NIL) next = this.#fNext[next];
      }
    }
    if (drop || ltrim >= dataLen) return overlap ? -2 : -1;
    if (!this.#store(t, p, fragOffset + ltrim, ltrim, dataLen - ltrim, more)) {
      this.ignored++;
      return overlap ? -2 : -1;
    }
    if (!more) this.#tSeenLast[t] = 1;
    return overlap ? 1 : 0;
  }

  /** Copy the fragment into the arena and link it in offset order. */
  #store(
    t: number,
    p: Packet,
    offset: number,
    ltrim: number,
    dataLen: number,
    more: boolean,
  ): boolean {
    const v6 = p.ipVersion === 6;
    const base = p.frameOffset;
    const src = p.data;
    let hdrLen = 0;
    let prefix = 0;
    let hdrStart = 0;
    let aux = 0;
    let fragHdr = 0;
    let linkType = 0;
    if (offset === 0) {
      // the first fragment keeps its link header (and for IPv6 the
      // unfragmentable part), unless it came through a tunnel
      const tunnelled = p.outerL3Offset >= 0 || p.tunnel !== 0 || p.l3Offset > MAX_PREFIX;
      prefix = tunnelled ? 0 : p.l3Offset;
      hdrStart = p.l3Offset - prefix;
      if (v6) {
        fragHdr = p.l3Offset + p.ipHeaderLen - 8;
        hdrLen = fragHdr - hdrStart;
        aux = src[base + fragHdr];
      } else {
        hdrLen = prefix + p.ipHeaderLen;
        aux = p.ipHeaderLen;
      }
      linkType = tunnelled ? (v6 ? 229 : 228) : p.linkType;
    }
    const total = hdrLen + dataLen;
    const need = Math.ceil(total / DEFRAG_BLOCK_SIZE);
    if (need > this.#blockNext.length) return false;
    while (this.#freeBlocks < need || this.#freeFrag === NIL) {
      if (!this.#evictOldest(t)) return false;
    }
    if (offset === 0) this.#tLinkType[t] = linkType;
    const f = this.#freeFrag;
    this.#freeFrag = this.#fNext[f];
    this.heldFrags++;
    let first = NIL;
    if (need > 0) {
      first = this.#freeBlock;
      let last = first;
      for (let i = 1; i < need; i++) last = this.#blockNext[last];
      this.#freeBlock = this.#blockNext[last];
      this.#blockNext[last] = NIL;
      this.#freeBlocks -= need;
    }
    this.#fBlock[f] = first;
    this.#fOffset[f] = offset;
    this.#fDataLen[f] = dataLen;
    this.#fLtrim[f] = 0;
    this.#fSkip[f] = 0;
    this.#fMore[f] = more ? 1 : 0;
    this.#fHdrLen[f] = hdrLen;
    this.#fPrefix[f] = prefix;
    this.#fAux[f] = aux;
    this.#writeBytes(first, 0, src, base + hdrStart, hdrLen);
    this.#writeBytes(first, hdrLen, src, base + p.payloadOffset + ltrim, dataLen);
    if (v6 && offset === 0 && hdrLen > prefix + 40) {
      // unfragmentable extension headers: point the last one's next header
      // past the fragment header (Suricata's ip6_nh_set_offset)
      const nhPos = lastNextHeaderPos(src, base + p.l3Offset, base + fragHdr);
      if (nhPos >= 0) this.#writeByte(first, nhPos - (base + hdrStart), aux);
    }
    // link after every fragment with an offset <= ours (the RB tree's order)
    let after = this.#tTail[t];
    while (after !== NIL && this.#fOffset[after] > offset) after = this.#fPrev[after];
    this.#fPrev[f] = after;
    if (after === NIL) {
      this.#fNext[f] = this.#tHead[t];
      this.#tHead[t] = f;
    } else {
      this.#fNext[f] = this.#fNext[after];
      this.#fNext[after] = f;
    }
    if (this.#fNext[f] === NIL) this.#tTail[t] = f;
    else this.#fPrev[this.#fNext[f]] = f;
    return true;
  }

  #writeBytes(block: number, at: number, src: Uint8Array, from: number, len: number): void {
    const arena = this.#arena;
    let b = block;
    let o = at;
    while (o >= DEFRAG_BLOCK_SIZE) {
      b = this.#blockNext[b];
      o -= DEFRAG_BLOCK_SIZE;
    }
    let i = 0;
    while (i < len) {
      let n = DEFRAG_BLOCK_SIZE - o;
      if (n > len - i) n = len - i;
      const dst = b * DEFRAG_BLOCK_SIZE + o;
      for (let k = 0; k < n; k++) arena[dst + k] = src[from + i + k];
      i += n;
      b = this.#blockNext[b];
      o = 0;
    }
  }

  #writeByte(block: number, at: number, value: number): void {
    let b = block;
    let o = at;
    while (o >= DEFRAG_BLOCK_SIZE) {
      b = this.#blockNext[b];
      o -= DEFRAG_BLOCK_SIZE;
    }
    this.#arena[b * DEFRAG_BLOCK_SIZE + o] = value;
  }

  /** Copy `len` stored bytes of fragment `f` from stored offset `at` to output[to]. */
  #readBytes(f: number, at: number, to: number, len: number): void {
    const arena = this.#arena;
    const out = this.output;
    let b = this.#fBlock[f];
    let o = at;
    while (o >= DEFRAG_BLOCK_SIZE) {
      b = this.#blockNext[b];
      o -= DEFRAG_BLOCK_SIZE;
    }
    let i = 0;
    while (i < len) {
      let n = DEFRAG_BLOCK_SIZE - o;
      if (n > len - i) n = len - i;
      const from = b * DEFRAG_BLOCK_SIZE + o;
      for (let k = 0; k < n; k++) out[to + i + k] = arena[from + k];
      i += n;
      b = this.#blockNext[b];
      o = 0;
    }
  }

  /** defrag.c Defrag4Reassemble. */
  #reassemble4(t: number): boolean {
    const first = this.#tHead[t];
    if (first === NIL || this.#fOffset[first] !== 0) return false;
    let len = 0;
    for (let f = first; f !== NIL; f = this.#fNext[f]) {
      if (this.#fOffset[f] > len) return false; // a hole
      const end = this.#fOffset[f] + this.#fDataLen[f];
      if (end > len) len = end;
    }
    const out = this.output;
    let fragmentableOffset = -1;
    let fragmentableLen = 0;
    let hlen = 0;
    let prefix = 0;
    let more = true;
    let prevOffset = 0;
    for (let f = first; f !== NIL; f = this.#fNext[f]) {
      const off = this.#fOffset[f];
      const dlen = this.#fDataLen[f];
      const ltrim = this.#fLtrim[f];
      // the last fragment was copied and nothing overlaps it: done
      if (!more && off > prevOffset) break;
      if (this.#fSkip[f] !== 0 || ltrim >= dlen) continue;
      if (off === 0) {
        this.#readBytes(f, 0, 0, this.#fHdrLen[f] + dlen);
        hlen = this.#fAux[f];
        prefix = this.#fPrefix[f];
        fragmentableOffset = prefix + hlen;
        fragmentableLen = dlen;
      } else {
        if (fragmentableOffset < 0) return this.#fail(t);
        const end = fragmentableOffset + off + dlen;
        if (end > MAX_PAYLOAD_SIZE || end > out.length) return this.#fail(t);
        this.#readBytes(f, ltrim, fragmentableOffset + off + ltrim, dlen - ltrim);
        if (off + dlen > fragmentableLen) fragmentableLen = off + dlen;
      }
      more = this.#fMore[f] !== 0;
      prevOffset = off;
    }
    if (fragmentableOffset < 0) return this.#fail(t);
    const ip = prefix;
    const oldLen = (out[ip + 2] << 8) | out[ip + 3];
    const oldOff = (out[ip + 6] << 8) | out[ip + 7];
    const newLen = (fragmentableLen + hlen) & 0xffff;
    out[ip + 2] = newLen >>> 8;
    out[ip + 3] = newLen & 0xff;
    out[ip + 6] = 0;
    out[ip + 7] = 0;
    // RFC 1624 incremental update: a bad checksum stays bad, a good one good
    let sum = ~((out[ip + 10] << 8) | out[ip + 11]) & 0xffff;
    sum += (~oldLen & 0xffff) + (~oldOff & 0xffff) + newLen;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    const csum = ~sum & 0xffff;
    out[ip + 10] = csum >>> 8;
    out[ip + 11] = csum & 0xff;
    this.outputLength = ip + hlen + fragmentableLen;
    this.outputLinkType = this.#tLinkType[t];
    this.#releaseTracker(t);
    return true;
  }

  /** defrag.c Defrag6Reassemble. */
  #reassemble6(t: number): boolean {
    const first = this.#tHead[t];
    if (first === NIL || this.#fOffset[first] !== 0) return false;
    let len = 0;
    for (let f = first; f !== NIL; f = this.#fNext[f]) {
      if (this.#fSkip[f] !== 0) continue;
      if (f === first) {
        len = this.#fDataLen[f];
      } else {
        if (this.#fOffset[f] > len) return false; // a hole
        const end = this.#fOffset[f] + this.#fDataLen[f];
        if (end > len) len = end;
      }
    }
    const out = this.output;
    let fragmentableOffset = -1;
    let fragmentableLen = 0;
    let unfragmentableLen = 0;
    let prefix = 0;
    let nextHdr = 0;
    let more = true;
    let prevOffset = 0;
    for (let f = first; f !== NIL; f = this.#fNext[f]) {
      const off = this.#fOffset[f];
      const dlen = this.#fDataLen[f];
      const ltrim = this.#fLtrim[f];
      if (!more && off > prevOffset) break;
      if (this.#fSkip[f] !== 0 || dlen - ltrim <= 0) continue;
      if (off === 0) {
        const hdr = this.#fHdrLen[f];
        this.#readBytes(f, 0, 0, hdr + dlen);
        nextHdr = this.#fAux[f];
        prefix = this.#fPrefix[f];
        fragmentableOffset = hdr;
        fragmentableLen = dlen;
        unfragmentableLen = hdr - prefix - 40;
        if (unfragmentableLen < 0) return this.#fail(t);
      } else {
        if (fragmentableOffset < 0) return this.#fail(t);
        if (fragmentableOffset + off + dlen > out.length) return this.#fail(t);
        this.#readBytes(f, ltrim, fragmentableOffset + off + ltrim, dlen - ltrim);
        if (off + dlen > fragmentableLen) fragmentableLen = off + dlen;
      }
      more = this.#fMore[f] !== 0;
      prevOffset = off;
    }
    if (fragmentableOffset < 0) return this.#fail(t);
    const ip = prefix;
    const plen = (fragmentableLen + unfragmentableLen) & 0xffff;
    out[ip + 4] = plen >>> 8;
    out[ip + 5] = plen & 0xff;
    if (unfragmentableLen === 0) out[ip + 6] = nextHdr;
    this.outputLength = ip + 40 + unfragmentableLen + fragmentableLen;
    this.outputLinkType = this.#tLinkType[t];
    this.#releaseTracker(t);
    return true;
  }

  /** Reassembly failed for good: drop the tracker (Suricata's error_remove_tracker). */
  #fail(t: number): boolean {
    this.#releaseTracker(t);
    return false;
  }

  // ---- trackers

  /** Fill the key of `p`'s tracker into #key and return its hash. */
  #fillKey(p: Packet): number {
    const k = this.#key;
    const d = p.data;
    const b = p.frameOffset;
    k[0] = (p.ipVersion << 8) | (p.ipProto & 0xff);
    k[1] = p.ipId >>> 0;
    k[2] = ((p.vlanId0 << 16) | p.vlanId1) >>> 0;
    k[3] = p.vlanId2;
    if (p.ipVersion === 4) {
      k[4] = p.src4 >>> 0;
      k[8] = p.dst4 >>> 0;
      k[5] =
        k[6] =
        k[7] =
        k[9] =
        k[10] =
        k[11] =
          0;
    } else {
      for (let w = 0; w < 4; w++) {
        const s = b + p.src6Offset + w * 4;
        k[4 + w] = ((d[s] << 24) | (d[s + 1] << 16) | (d[s + 2] << 8) | d[s + 3]) >>> 0;
        const t = b + p.dst6Offset + w * 4;
        k[8 + w] = ((d[t] << 24) | (d[t + 1] << 16) | (d[t + 2] << 8) | d[t + 3]) >>> 0;
      }
    }
    let h = 0x811c9dc5;
    for (let i = 0; i < KEY_WORDS; i++) {
      h = Math.imul(h ^ k[i], 0x01000193);
      h ^= h >>> 15;
    }
    return h >>> 0;
  }

  /** Find `p`'s tracker or make one (dropping the oldest when all are used). */
  #getTracker(p: Packet, now: number): number {
    const hash = this.#fillKey(p);
    const k = this.#key;
    const keys = this.#tKey;
    const bucket = hash & (this.#buckets.length - 1);
    for (let t = this.#buckets[bucket]; t !== NIL; t = this.#tHashNext[t]) {
      if (this.#tHash[t] !== hash) continue;
      const base = t * KEY_WORDS;
      let same = true;
      for (let i = 0; i < KEY_WORDS; i++) {
        if (keys[base + i] !== k[i]) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      if (now >= this.#tTimeout[t]) {
        // timed out but not yet pruned: start over, as Suricata's timeout
        // handling would have freed it
        this.#releaseTracker(t);
        this.timedOut++;
        break;
      }
      return t;
    }
    if (this.#freeTrackerSlot === NIL && !this.#evictOldest(NIL)) return NIL;
    const t = this.#freeTrackerSlot;
    this.#freeTrackerSlot = this.#tLruNext[t];
    const base = t * KEY_WORDS;
    for (let i = 0; i < KEY_WORDS; i++) keys[base + i] = k[i];
    this.#tHash[t] = hash;
    this.#tHead[t] = NIL;
    this.#tTail[t] = NIL;
    this.#tSeenLast[t] = 0;
    this.#tTimeout[t] = p.tsSec + this.#timeout;
    this.#tLinkType[t] = p.linkType;
    this.#tHashNext[t] = this.#buckets[bucket];
    this.#buckets[bucket] = t;
    this.#tLruPrev[t] = NIL;
    this.#tLruNext[t] = this.#lruHead;
    if (this.#lruHead !== NIL) this.#tLruPrev[this.#lruHead] = t;
    this.#lruHead = t;
    if (this.#lruTail === NIL) this.#lruTail = t;
    this.activeTrackers++;
    return t;
  }

  /** Move tracker `t` to the most recent end of the LRU list. */
  #lruTouch(t: number): void {
    if (this.#lruHead === t) return;
    this.#lruUnlink(t);
    this.#tLruPrev[t] = NIL;
    this.#tLruNext[t] = this.#lruHead;
    if (this.#lruHead !== NIL) this.#tLruPrev[this.#lruHead] = t;
    this.#lruHead = t;
    if (this.#lruTail === NIL) this.#lruTail = t;
  }

  #lruUnlink(t: number): void {
    const prev = this.#tLruPrev[t];
    const next = this.#tLruNext[t];
    if (prev !== NIL) this.#tLruNext[prev] = next;
    else this.#lruHead = next;
    if (next !== NIL) this.#tLruPrev[next] = prev;
    else this.#lruTail = prev;
  }

  /** Drop trackers whose timeout passed (oldest first; the LRU order is the timeout order). */
  #prune(now: number): void {
    while (this.#lruTail !== NIL && now >= this.#tTimeout[this.#lruTail]) {
      this.#releaseTracker(this.#lruTail);
      this.timedOut++;
    }
  }

  /** Drop the least recently updated tracker other than `keep`; false when there is none. */
  #evictOldest(keep: number): boolean {
    let t = this.#lruTail;
    if (t === keep && t !== NIL) t = this.#tLruPrev[t];
    if (t === NIL) return false;
    this.#releaseTracker(t);
    this.evicted++;
    return true;
  }

  /** Unlink fragment `f` from tracker `t` and release its record and blocks. */
  #removeFrag(t: number, f: number): void {
    const prev = this.#fPrev[f];
    const next = this.#fNext[f];
    if (prev !== NIL) this.#fNext[prev] = next;
    else this.#tHead[t] = next;
    if (next !== NIL) this.#fPrev[next] = prev;
    else this.#tTail[t] = prev;
    this.#releaseFrag(f);
  }

  #releaseFrag(f: number): void {
    let b = this.#fBlock[f];
    if (b !== NIL) {
      let n = 1;
      while (this.#blockNext[b] !== NIL) {
        b = this.#blockNext[b];
        n++;
      }
      this.#blockNext[b] = this.#freeBlock;
      this.#freeBlock = this.#fBlock[f];
      this.#freeBlocks += n;
    }
    this.#fBlock[f] = NIL;
    this.#fNext[f] = this.#freeFrag;
    this.#freeFrag = f;
    this.heldFrags--;
  }

  /** Release tracker `t`: its fragments, its hash and LRU links, its slot. */
  #releaseTracker(t: number): void {
    let f = this.#tHead[t];
    while (f !== NIL) {
      const next = this.#fNext[f];
      this.#releaseFrag(f);
      f = next;
    }
    this.#tHead[t] = NIL;
    this.#tTail[t] = NIL;
    const bucket = this.#tHash[t] & (this.#buckets.length - 1);
    let prev = NIL;
    for (let c = this.#buckets[bucket]; c !== NIL; c = this.#tHashNext[c]) {
      if (c === t) {
        if (prev === NIL) this.#buckets[bucket] = this.#tHashNext[c];
        else this.#tHashNext[prev] = this.#tHashNext[c];
        break;
      }
      prev = c;
    }
    this.#lruUnlink(t);
    this.#tLruNext[t] = this.#freeTrackerSlot;
    this.#freeTrackerSlot = t;
    this.activeTrackers--;
  }
}

/** Absolute position of the next-header byte that names the IPv6 fragment header. */
function lastNextHeaderPos(src: Uint8Array, ip: number, fragHdr: number): number {
  let nhPos = ip + 6;
  let pos = ip + 40;
  while (pos < fragHdr) {
    const nh = src[nhPos];
    const len = nh === 51 ? (src[pos + 1] + 2) << 2 : (src[pos + 1] + 1) << 3;
    nhPos = pos;
    pos += len;
  }
  return pos === fragHdr ? nhPos : -1;
}
