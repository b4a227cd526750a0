/**
 * Thresholds and detection filters (`threshold:` and `detection_filter:`):
 * the engine's {@link AlertGate}, deciding whether a signature that matched
 * may alert. State is counted per signature (gid, sid) and tracked entity -
 * the source address (`by_src`), the destination (`by_dst`), the address
 * pair (`by_both`, either direction), the rule alone (`by_rule`) or the
 * flow (`by_flow`) - in packet time, with the exact rules of Suricata's
 * detect-engine-threshold.c (7.0; `backoff` and `by_flow` from 8.0). With
 * `count` N and `seconds` S, a window opens at the first match and lasts S
 * seconds (a match at exactly first + S is still inside); a match after the
 * window opens a new one:
 *
 * - `limit`: the first N matches of a window alert;
 * - `threshold`: every N-th match of a window alerts (the count restarts
 *   after each alert, the window does not);
 * - `both`: the N-th match of a window alerts, no other;
 * - `backoff` (by_flow, `multiplier` M): the N-th match alerts, then the
 *   N*M-th, N*M*M-th, ... (no window);
 * - `detection_filter`: every match after the N-th of a window alerts.
 *
 * Matches that do not alert because a limit was reached (`limit` beyond N,
 * `both` beyond N, `backoff` between alerts) are "silent" ({@link
 * ThresholdVerdict.SILENT}): Suricata still applies the rule's action
 * (drop, in IPS mode) to them, but not to the other non-alerting matches.
 *
 * The state lives in one preallocated open-addressing hash table (typed
 * arrays, linear probing, backward-shift deletion). It is touched only when
 * a thresholded signature matched, and allocates nothing. When the table
 * holds `capacity` entries, inserting first removes an expired entry or else
 * the least recently used one of a small sample (counted in
 * {@link ThresholdGate.evicted}): memory stays bounded, a forgotten entry
 * only restarts its counting.
 *
 * @module
 */

import type { Packet } from "../decode/packet.ts";
import type { DetectContext } from "./detect_context.ts";
import type { AlertGate } from "./engine.ts";
import type { Signature, ThresholdSpec } from "./signature.ts";

/** What a thresholded match does. */
export const ThresholdVerdict = {
  /** No alert (and, in IPS mode, no action). */
  NONE: 0,
  /** Alert. */
  ALERT: 1,
  /** No alert, but the rule's action applies (Suricata's "silent match"). */
  SILENT: 2,
} as const;

/** Default most entries kept. */
export const DEFAULT_THRESHOLD_CAPACITY = 65536;

const TYPE_LIMIT = 1;
const TYPE_THRESHOLD = 2;
const TYPE_BOTH = 3;
const TYPE_BACKOFF = 4;
const TYPE_DETECTION = 5;

const TRACK_SRC = 1;
const TRACK_DST = 2;
const TRACK_BOTH = 3;
const TRACK_RULE = 4;
const TRACK_FLOW = 5;

const TYPES: Record<string, number> = {
  limit: TYPE_LIMIT,
  threshold: TYPE_THRESHOLD,
  both: TYPE_BOTH,
  backoff: TYPE_BACKOFF,
  detection_filter: TYPE_DETECTION,
};

const TRACKS: Record<string, number> = {
  by_src: TRACK_SRC,
  by_dst: TRACK_DST,
  by_both: TRACK_BOTH,
  by_rule: TRACK_RULE,
  by_flow: TRACK_FLOW,
};

const KEY_WORDS = 8;
const U32_MAX = 0xffffffff;
/** How many used slots the eviction looks at. */
const EVICTION_SAMPLE = 16;
/** A by_flow/backoff entry unused this long (seconds) may be dropped as expired. */
const IDLE_EXPIRY = 3600;

/** Options of a {@link ThresholdGate}. */
export interface ThresholdGateOptions {
  /** Most (signature, tracked entity) entries kept. */
  capacity?: number;
}

/** The engine's alert gate for signatures with `threshold` or `detection_filter`. */
export class ThresholdGate implements AlertGate {
  /** Most entries kept. */
  readonly capacity: number;
  /** Entries in use. */
  size = 0;
  /** Entries dropped to make room. */
  evicted = 0;

  readonly #mask: number;
  readonly #used: Uint8Array;
  readonly #hash: Uint32Array;
  readonly #sid: Uint32Array;
  readonly #gid: Uint32Array;
  readonly #track: Uint8Array;
  readonly #key: Uint32Array;
  readonly #first: Float64Array;
  readonly #count: Float64Array;
  readonly #next: Float64Array;
  readonly #lastUse: Float64Array;
  readonly #seconds: Float64Array;
  readonly #scratch: Uint32Array = new Uint32Array(KEY_WORDS);
  // the packet time of the verdict in progress (a typed array: no boxed doubles)
  readonly #now: Float64Array = new Float64Array(1);
  /** Compiled spec per signature object: type and track codes. */
  readonly #codes = new WeakMap<ThresholdSpec, number>();
  #cursor = 0;

  /** @param options capacity */
  constructor(options: ThresholdGateOptions = {}) {
    const n = options.capacity ?? DEFAULT_THRESHOLD_CAPACITY;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`threshold capacity must be >= 1`);
    this.capacity = n;
    let slots = 2;
    while (slots < n * 2) slots <<= 1;
    this.#mask = slots - 1;
    this.#used = new Uint8Array(slots);
    this.#hash = new Uint32Array(slots);
    this.#sid = new Uint32Array(slots);
    this.#gid = new Uint32Array(slots);
    this.#track = new Uint8Array(slots);
    this.#key = new Uint32Array(slots * KEY_WORDS);
    this.#first = new Float64Array(slots);
    this.#count = new Float64Array(slots);
    this.#next = new Float64Array(slots);
    this.#lastUse = new Float64Array(slots);
    this.#seconds = new Float64Array(slots);
  }

  /**
   * Whether a signature that matched may alert.
   *
   * @param sig the signature that matched
   * @param p the packet
   * @param ctx detection state (`now`, the flow)
   * @returns true to alert
   */
  allow(sig: Signature, p: Packet, ctx: DetectContext): boolean {
    return this.verdict(sig, p, ctx) === ThresholdVerdict.ALERT;
  }

  /**
   * The threshold verdict of a match, updating the counts.
   *
   * @param sig the signature that matched
   * @param p the packet
   * @param ctx detection state (`now`, the flow)
   * @returns a {@link ThresholdVerdict}
   */
  verdict(sig: Signature, p: Packet, ctx: DetectContext): number {
    const spec = sig.threshold ?? sig.detectionFilter;
    if (spec === null) return ThresholdVerdict.ALERT;
    let code = this.#codes.get(spec);
    if (code === undefined) {
      code = ((TYPES[spec.type] ?? TYPE_LIMIT) << 4) | (TRACKS[spec.track] ?? TRACK_RULE);
      this.#codes.set(spec, code);
    }
    const type = code >>> 4;
    const track = code & 15;
    const n = spec.count;
    if (type === TYPE_THRESHOLD && n === 1) return ThresholdVerdict.ALERT;
    if (track === TRACK_FLOW && ctx.flowIndex < 0) return ThresholdVerdict.NONE;
    this.#loadKey(track, p, ctx);
    const now = ctx.now;
    this.#now[0] = now;
    const h = this.#hashOf(sig, track);
    let i = this.#find(h, sig, track);
    if (i < 0) {
      i = this.#insert(h, sig, track);
      this.#first[i] = now;
      this.#count[i] = 1;
      this.#lastUse[i] = now;
      this.#seconds[i] = type === TYPE_BACKOFF ? IDLE_EXPIRY : spec.seconds;
      switch (type) {
        case TYPE_LIMIT:
          return ThresholdVerdict.ALERT;
        case TYPE_THRESHOLD:
        case TYPE_BOTH:
          return n === 1 ? ThresholdVerdict.ALERT : ThresholdVerdict.NONE;
        case TYPE_BACKOFF:
          if (n === 1) {
            this.#next[i] = Math.min(n * spec.seconds, U32_MAX);
            return ThresholdVerdict.ALERT;
          }
          this.#next[i] = n;
          return ThresholdVerdict.NONE;
        default:
          return ThresholdVerdict.NONE;
      }
    }
    this.#lastUse[i] = now;
    if (type === TYPE_BACKOFF) {
      if (this.#count[i] >= U32_MAX) return ThresholdVerdict.SILENT;
      const c = ++this.#count[i];
      if (this.#next[i] !== c) return ThresholdVerdict.SILENT;
      this.#next[i] = Math.min(c * spec.seconds, U32_MAX);
      return ThresholdVerdict.ALERT;
    }
    if (now > this.#first[i] + spec.seconds) {
      // the window is over: a new one opens with this match
      this.#first[i] = now;
      this.#count[i] = 1;
      if (type === TYPE_LIMIT) return ThresholdVerdict.ALERT;
      if (type === TYPE_BOTH && n === 1) return ThresholdVerdict.ALERT;
      return ThresholdVerdict.NONE;
    }
    const c = ++this.#count[i];
    switch (type) {
      case TYPE_LIMIT:
        return c <= n ? ThresholdVerdict.ALERT : ThresholdVerdict.SILENT;
      case TYPE_THRESHOLD:
        if (c < n) return ThresholdVerdict.NONE;
        this.#count[i] = 0;
        return ThresholdVerdict.ALERT;
      case TYPE_BOTH:
        return c === n
          ? ThresholdVerdict.ALERT
          : c > n
          ? ThresholdVerdict.SILENT
          : ThresholdVerdict.NONE;
      default: // detection_filter
        return c > n ? ThresholdVerdict.ALERT : ThresholdVerdict.NONE;
    }
  }

  /** Forget every entry. */
  clear(): void {
    this.#used.fill(0);
    this.size = 0;
  }

  /** Fill the scratch key with the tracked entity's words. */
  #loadKey(track: number, p: Packet, ctx: DetectContext): void {
    const k = this.#scratch;
    k.fill(0);
    switch (track) {
      case TRACK_SRC:
        loadAddress(p, true, k, 0);
        break;
      case TRACK_DST:
        loadAddress(p, false, k, 0);
        break;
      case TRACK_BOTH: {
        loadAddress(p, true, k, 0);
        loadAddress(p, false, k, 4);
        // lower address first, so that both directions count together
        let swap = false;
        for (let w = 0; w < 4; w++) {
          if (k[w] !== k[4 + w]) {
            swap = k[w] > k[4 + w];
            break;
          }
        }
        if (swap) {
          for (let w = 0; w < 4; w++) {
            const t = k[w];
            k[w] = k[4 + w];
            k[4 + w] = t;
          }
        }
        break;
      }
      case TRACK_FLOW:
        k[0] = ctx.flowIndex;
        k[1] = ctx.flowGeneration;
        break;
    }
    // the IP version tells an IPv4 address from an IPv6 one with the same words
    if (p.ipVersion === 6 && track !== TRACK_FLOW && track !== TRACK_RULE) {
      k[KEY_WORDS - 1] ^= 0x80000000;
    }
  }

  /** A 30-bit hash (a small integer, so that passing it around allocates nothing). */
  #hashOf(sig: Signature, track: number): number {
    const k = this.#scratch;
    let h = Math.imul(sig.sid ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ sig.gid ^ (track << 24), 0xc2b2ae35);
    for (let w = 0; w < KEY_WORDS; w++) {
      h = Math.imul(h ^ k[w], 0xcc9e2d51);
      h ^= h >>> 15;
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    return h & 0x3fffffff;
  }

  #find(h: number, sig: Signature, track: number): number {
    const mask = this.#mask;
    const k = this.#scratch;
    const sid = sig.sid;
    const gid = sig.gid;
    for (let i = h & mask;; i = (i + 1) & mask) {
      if (this.#used[i] === 0) return -1;
      if (
        this.#hash[i] !== h || this.#sid[i] !== sid || this.#gid[i] !== gid ||
        this.#track[i] !== track
      ) continue;
      const base = i * KEY_WORDS;
      let same = true;
      for (let w = 0; w < KEY_WORDS; w++) {
        if (this.#key[base + w] !== k[w]) {
          same = false;
          break;
        }
      }
      if (same) return i;
    }
  }

  #insert(h: number, sig: Signature, track: number): number {
    if (this.size >= this.capacity) this.#evict();
    const mask = this.#mask;
    let i = h & mask;
    while (this.#used[i] !== 0) i = (i + 1) & mask;
    this.#used[i] = 1;
    this.#hash[i] = h;
    this.#sid[i] = sig.sid;
    this.#gid[i] = sig.gid;
    this.#track[i] = track;
    this.#key.set(this.#scratch, i * KEY_WORDS);
    this.size++;
    return i;
  }

  /** Drop an expired entry, or the least recently used of a sample. */
  #evict(): void {
    const now = this.#now[0];
    const mask = this.#mask;
    let victim = -1;
    let oldest = Infinity;
    let seen = 0;
    for (let step = 0; step <= mask && seen < EVICTION_SAMPLE; step++) {
      const i = this.#cursor;
      this.#cursor = (this.#cursor + 1) & mask;
      if (this.#used[i] === 0) continue;
      seen++;
      if (now > this.#first[i] + this.#seconds[i] && now > this.#lastUse[i] + this.#seconds[i]) {
        victim = i;
        break;
      }
      if (this.#lastUse[i] < oldest) {
        oldest = this.#lastUse[i];
        victim = i;
      }
    }
    if (victim >= 0) {
      this.evicted++;
      this.#delete(victim);
    }
  }

  /** Backward-shift deletion for linear probing. */
  #delete(slot: number): void {
    const mask = this.#mask;
    let i = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & mask;
      if (this.#used[j] === 0) break;
      const home = this.#hash[j] & mask;
      // keep j where it is when its home lies cyclically in (i, j]
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      this.#move(j, i);
      i = j;
    }
    this.#used[i] = 0;
    this.size--;
  }

  #move(from: number, to: number): void {
    this.#used[to] = 1;
    this.#hash[to] = this.#hash[from];
    this.#sid[to] = this.#sid[from];
    this.#gid[to] = this.#gid[from];
    this.#track[to] = this.#track[from];
    this.#key.copyWithin(to * KEY_WORDS, from * KEY_WORDS, (from + 1) * KEY_WORDS);
    this.#first[to] = this.#first[from];
    this.#count[to] = this.#count[from];
    this.#next[to] = this.#next[from];
    this.#lastUse[to] = this.#lastUse[from];
    this.#seconds[to] = this.#seconds[from];
  }
}

/** Copy a packet address into four key words (IPv4 in word 0). */
function loadAddress(p: Packet, source: boolean, k: Uint32Array, at: number): void {
  if (p.ipVersion === 4) {
    k[at] = source ? p.src4 : p.dst4;
    return;
  }
  if (p.ipVersion !== 6) return;
  const data = p.data;
  const o = p.frameOffset + (source ? p.src6Offset : p.dst6Offset);
  for (let w = 0; w < 4; w++) {
    const i = o + 4 * w;
    k[at + w] = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
  }
}
