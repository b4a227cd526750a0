/**
 * Decoder counters: packets, bytes, frames per protocol layer and decoder
 * events, as Suricata's `decoder.*` stats. Counting is a few typed-array
 * increments per frame; names are attached only when a summary is made.
 *
 * @module
 */

import { DECODER_EVENT_COUNT, DECODER_EVENT_NAMES, EVENT_WORDS } from "./events.ts";
import { LAYER_NAMES, type Packet } from "./packet.ts";

/** Running totals over decoded frames. */
export class DecodeStats {
  /** Frames decoded. */
  packets = 0;
  /** Captured bytes. */
  bytes = 0;
  /** Bytes on the wire. */
  wireBytes = 0;
  /** Frames containing each layer, indexed by the layer's bit number. */
  readonly layerFrames: Float64Array = new Float64Array(32);
  /** Frames raising each decoder event, indexed by event bit number. */
  readonly eventFrames: Float64Array = new Float64Array(DECODER_EVENT_COUNT);
  /** Frames raising at least one decoder event. */
  framesWithEvents = 0;
  /** Earliest timestamp seen (seconds, fractional), or +Infinity. */
  firstTs = Number.POSITIVE_INFINITY;
  /** Latest timestamp seen (seconds, fractional), or -Infinity. */
  lastTs = Number.NEGATIVE_INFINITY;

  /**
   * Count one decoded frame.
   *
   * @param p the packet just decoded
   */
  count(p: Packet): void {
    this.packets++;
    this.bytes += p.capLen;
    this.wireBytes += p.wireLen;
    const ts = p.tsSec + p.tsNsec / 1e9;
    if (ts < this.firstTs) this.firstTs = ts;
    if (ts > this.lastTs) this.lastTs = ts;
    let layers = p.layers;
    let bit = 0;
    while (layers !== 0) {
      if ((layers & 1) !== 0) this.layerFrames[bit]++;
      layers >>>= 1;
      bit++;
    }
    if (p.eventCount === 0) return;
    this.framesWithEvents++;
    for (let w = 0; w < EVENT_WORDS; w++) {
      let word = p.events[w];
      let e = w << 5;
      while (word !== 0) {
        if ((word & 1) !== 0) this.eventFrames[e]++;
        word >>>= 1;
        e++;
      }
    }
  }

  /**
   * Frames per layer, by layer name (`ipv4`, `tcp`, ...), only layers seen.
   *
   * @returns a name -> count record
   */
  protocols(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let bit = 0; bit < LAYER_NAMES.length; bit++) {
      if (this.layerFrames[bit] > 0) out[LAYER_NAMES[bit]] = this.layerFrames[bit];
    }
    return out;
  }

  /**
   * Frames per decoder event, by Suricata event name, only events seen.
   *
   * @returns a name -> count record
   */
  anomalies(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let e = 0; e < DECODER_EVENT_COUNT; e++) {
      if (this.eventFrames[e] > 0) out[DECODER_EVENT_NAMES[e]] = this.eventFrames[e];
    }
    return out;
  }
}
