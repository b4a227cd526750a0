/**
 * `dsize`: the size of the packet's payload (what follows the transport
 * header, or the IP payload when there is none), with Suricata 7's unsigned
 * comparison syntax: `dsize:300;`, `dsize:<10;`, `dsize:>=64;`,
 * `dsize:!0;`, `dsize:100<>200;` (strictly between). At most one per rule.
 *
 * As in Suricata, a rule whose `dsize` needs a payload (`>`, `>=`, `!`,
 * `<>`, or `=` a size above 0) is only evaluated on packets with payload to
 * inspect, and `dsize:0` only on packets without (Suricata's
 * SIG_MASK_REQUIRE_PAYLOAD / _NO_PAYLOAD against the packet's mask): a packet
 * of an encrypted flow has none to inspect. Suricata's mask also counts an
 * empty packet with stream data ready as having payload; counting Tarsier's
 * stream blocks so made 273 empty packets of traffic-small.pcap differ from
 * Suricata's alerts (its raw-inspection readiness is not the same on those
 * acknowledgements), while leaving them out gives Suricata's alerts packet
 * for packet, so they are left out.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition, StreamMode } from "../signature.ts";
import { inRange, type NumericRange, parseUintComparison, U16_MAX } from "./_numeric.ts";

/** Which packets a dsize rule is evaluated on (Suricata's signature mask). */
const PayloadNeed = {
  /** Every packet (`<` and `<=`, which include 0). */
  ANY: 0,
  /** Packets with payload to inspect. */
  PAYLOAD: 1,
  /** Packets without payload to inspect (`dsize:0`). */
  NO_PAYLOAD: 2,
} as const;

/** Suricata's mask bit for a dsize comparison (SignatureCreateMask). */
function payloadNeedOf(r: NumericRange): number {
  if (r.op === "=") return r.lo > 0 ? PayloadNeed.PAYLOAD : PayloadNeed.NO_PAYLOAD;
  return r.op === "<" || r.op === "<=" ? PayloadNeed.ANY : PayloadNeed.PAYLOAD;
}

/** Matches packets whose payload length is in [lo, hi] (outside it when negated). */
export class DsizeCondition implements PacketCondition {
  /**
   * @param lo smallest matching size
   * @param hi largest matching size
   * @param negate match outside the range
   * @param need the packets the rule is evaluated on ({@link PayloadNeed})
   */
  constructor(
    readonly lo: number,
    readonly hi: number,
    readonly negate: boolean,
    readonly need: number = PayloadNeed.ANY,
  ) {}

  /**
   * @param p the packet
   * @param ctx its detection state (whether the flow's payload is inspected)
   * @returns true on a match
   */
  match(p: Packet, ctx: DetectContext): boolean {
    if (this.need !== PayloadNeed.ANY) {
      // Suricata's packet mask: a payload, in a flow whose payload is inspected
      const payload = ctx.payloadInspection && p.payloadLen > 0;
      if (payload !== (this.need === PayloadNeed.PAYLOAD)) return false;
    }
    return inRange(p.payloadLen, this.lo, this.hi, this.negate);
  }
}

registerKeyword({
  name: "dsize",
  description: "packet payload size",
  value: "required",
  setup(builder, value) {
    if (builder.sig.conditions.some((c) => c instanceof DsizeCondition)) {
      throw new KeywordError("dsize", "only one dsize per rule");
    }
    const r = parseUintComparison("dsize", value!, U16_MAX);
    builder.sig.conditions.push(new DsizeCondition(r.lo, r.hi, r.negate, payloadNeedOf(r)));
    // Suricata: dsize is about the packet, so the payload keywords inspect the packet
    builder.sig.streamMode = StreamMode.PACKET;
  },
});
