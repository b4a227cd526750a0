/**
 * `id`: the IPv4 identification field (`id:31337;`, also `id:"31337";`).
 * IPv4 only, as in Suricata.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { parseDecimalValue, U16_MAX } from "./_numeric.ts";

/** Matches IPv4 packets with a given identification. */
export class IpIdCondition implements PacketCondition {
  /** @param id the value */
  constructor(readonly id: number) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    return p.ipVersion === 4 && p.ipId === this.id;
  }
}

registerKeyword({
  name: "id",
  description: "IPv4 identification",
  value: "required",
  setup(builder, value) {
    const id = parseDecimalValue("id", value!, U16_MAX, { quotes: true, maxDigits: 5 });
    builder.sig.conditions.push(new IpIdCondition(id));
  },
});
