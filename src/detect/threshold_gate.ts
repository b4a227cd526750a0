/**
 * Thresholds and detection filters (`threshold:` and `detection_filter:`
 * keywords): whether a signature that matched may alert, counted per
 * tracked entity (source, destination, both, the rule, or the flow) over a
 * window of packet time, with Suricata's semantics:
 *
 * - `limit`: at most `count` alerts per window;
 * - `threshold`: one alert every `count` matches within a window;
 * - `both`: one alert per window, once `count` matches were seen in it;
 * - `backoff`: the first `count` matches alert, then every `multiplier`-fold;
 * - `detection_filter`: every match alerts once more than `count` matches
 *   were seen within the window.
 *
 * State is kept only for signatures that have one and only when they match,
 * so packets that match nothing never reach this code.
 *
 * @module
 */

import type { Packet } from "../decode/packet.ts";
import type { DetectContext } from "./detect_context.ts";
import type { AlertGate } from "./engine.ts";
import type { Signature, ThresholdSpec } from "./signature.ts";

interface Entry {
  first: number;
  count: number;
  alerts: number;
  next: number;
}

/** The most tracked entries kept; the oldest are forgotten beyond it. */
const MAX_ENTRIES = 100_000;

/** The engine's alert gate for thresholded signatures. */
export class ThresholdGate implements AlertGate {
  readonly #entries = new Map<string, Entry>();

  /**
   * @param sig the signature that matched
   * @param p the packet
   * @param ctx detection state (time, flow)
   * @returns whether the match alerts
   */
  allow(sig: Signature, p: Packet, ctx: DetectContext): boolean {
    if (sig.detectionFilter !== null && !this.#check(sig, sig.detectionFilter, p, ctx, "d")) {
      return false;
    }
    if (sig.threshold !== null && !this.#check(sig, sig.threshold, p, ctx, "t")) return false;
    return true;
  }

  #check(sig: Signature, spec: ThresholdSpec, p: Packet, ctx: DetectContext, kind: string) {
    const key = `${kind}${sig.gid}:${sig.sid}:${trackKey(spec.track, p, ctx)}`;
    const now = ctx.now;
    let e = this.#entries.get(key);
    if (e === undefined || (spec.type !== "backoff" && now - e.first > spec.seconds)) {
      if (e === undefined && this.#entries.size >= MAX_ENTRIES) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
      e = { first: now, count: 0, alerts: 0, next: spec.count };
      this.#entries.set(key, e);
    }
    e.count++;
    switch (spec.type) {
      case "limit":
        if (e.alerts >= spec.count) return false;
        e.alerts++;
        return true;
      case "threshold":
        if (e.count < spec.count) return false;
        e.count = 0;
        return true;
      case "both":
        if (e.count < spec.count || e.alerts > 0) return false;
        e.alerts++;
        return true;
      case "backoff":
        if (e.count <= spec.count) return true;
        if (e.count < e.next * spec.seconds) return false;
        e.next *= spec.seconds;
        return true;
      case "detection_filter":
        return e.count > spec.count;
      default:
        return true;
    }
  }
}

function trackKey(track: string, p: Packet, ctx: DetectContext): string {
  switch (track) {
    case "by_src":
      return addressKey(p, true);
    case "by_dst":
      return addressKey(p, false);
    case "by_both":
      return `${addressKey(p, true)}>${addressKey(p, false)}`;
    case "by_flow":
      return ctx.flowIndex < 0 ? "noflow" : `f${ctx.flowIndex}:${ctx.flowGeneration}`;
    default:
      return "rule";
  }
}

function addressKey(p: Packet, source: boolean): string {
  if (p.ipVersion === 4) return String(source ? p.src4 : p.dst4);
  if (p.ipVersion !== 6) return "-";
  const at = p.frameOffset + (source ? p.src6Offset : p.dst6Offset);
  let s = "";
  for (let i = 0; i < 16; i++) s += p.data[at + i].toString(16).padStart(2, "0");
  return s;
}
