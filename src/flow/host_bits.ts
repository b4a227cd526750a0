/**
 * Hostbits and xbits: named flags kept per host (source or destination
 * address) or per address pair, with an optional expiry in packet time.
 * Kept in a map keyed by the address text: it is touched only by rules
 * that use hostbits/xbits, and only once their other conditions held.
 *
 * @module
 */

import type { Packet } from "../decode/packet.ts";

/** Which address(es) a bit belongs to. */
export type HostBitTrack = "src" | "dst" | "pair";

/** Bits per host or pair, with expiry times. */
export class HostBitStore {
  readonly #bits = new Map<string, number>();
  /** The most entries kept; the oldest are forgotten beyond it. */
  readonly maxEntries: number;

  /** @param maxEntries bound on stored (host, bit) entries */
  constructor(maxEntries = 100_000) {
    this.maxEntries = maxEntries;
  }

  /**
   * @param p the packet
   * @param name the bit
   * @param track whose bit
   * @param now packet time (seconds)
   * @returns whether the bit is set and not expired
   */
  isSet(p: Packet, name: string, track: HostBitTrack, now: number): boolean {
    const key = hostKey(p, track, name);
    const expiry = this.#bits.get(key);
    if (expiry === undefined) return false;
    if (expiry < now) {
      this.#bits.delete(key);
      return false;
    }
    return true;
  }

  /**
   * @param p the packet
   * @param name the bit
   * @param track whose bit
   * @param now packet time
   * @param expire seconds the bit lives (Suricata's default: 30)
   */
  set(p: Packet, name: string, track: HostBitTrack, now: number, expire: number): void {
    if (this.#bits.size >= this.maxEntries) {
      const oldest = this.#bits.keys().next().value;
      if (oldest !== undefined) this.#bits.delete(oldest);
    }
    this.#bits.set(hostKey(p, track, name), now + expire);
  }

  /**
   * @param p the packet
   * @param name the bit
   * @param track whose bit
   */
  unset(p: Packet, name: string, track: HostBitTrack): void {
    this.#bits.delete(hostKey(p, track, name));
  }
}

function address(p: Packet, source: boolean): string {
  if (p.ipVersion === 4) return String(source ? p.src4 : p.dst4);
  const at = p.frameOffset + (source ? p.src6Offset : p.dst6Offset);
  let s = "";
  for (let i = 0; i < 16; i++) s += p.data[at + i].toString(16).padStart(2, "0");
  return s;
}

function hostKey(p: Packet, track: HostBitTrack, name: string): string {
  if (track === "pair") {
    const a = address(p, true);
    const b = address(p, false);
    return `${a < b ? a : b}|${a < b ? b : a}|${name}`;
  }
  return `${address(p, track === "src")}|${name}`;
}
