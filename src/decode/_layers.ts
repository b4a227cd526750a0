/**
 * The decoding-depth limit, as Suricata's `decoder.max-layers` (default 16):
 * every header decoder that Suricata counts with `PacketIncreaseCheckLayers`
 * calls {@link layerLimitReached} with the number of layers decoded so far,
 * and stops with `too_many_layers` when the limit is reached. A tunnel costs
 * one more layer, as Suricata's `PacketTunnelPktSetup` does.
 *
 * @module
 */

import { Ev } from "./events.ts";
import type { Packet } from "./packet.ts";

/** Maximum number of decoded layers (Suricata's default `decoder.max-layers`). */
export const MAX_DECODED_LAYERS = 16;

/**
 * Whether decoding one more layer would exceed the limit; raises
 * `too_many_layers` when it would.
 *
 * @param p the packet being decoded
 * @param depth layers decoded so far
 * @returns true when the caller must stop
 */
export function layerLimitReached(p: Packet, depth: number): boolean {
  if (depth + 1 >= MAX_DECODED_LAYERS) {
    p.setEvent(Ev.TOO_MANY_LAYERS);
    return true;
  }
  return false;
}
