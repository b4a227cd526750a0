/**
 * What happens to a packet inline, as bits: forward it (no bit), drop it,
 * and answer the sender and/or the receiver with a reject packet. A reject
 * always drops too (Suricata: "in IPS mode, reject implies drop").
 *
 * @module
 */

/** Verdict bits of a packet. */
export const PacketVerdict = {
  /** Forward to the peer interface. */
  PASS: 0,
  /** Do not forward. */
  DROP: 1,
  /** Answer the sender (TCP RST or ICMP unreachable); with DROP. */
  REJECT_SOURCE: 2,
  /** Reset the receiver (TCP RST); with DROP. */
  REJECT_DESTINATION: 4,
} as const;

/**
 * The verdict bits a rule action contributes when its rule alerts.
 *
 * @param action the rule action (`alert`, `drop`, `reject`, `rejectsrc`, `rejectdst`, `rejectboth`...)
 * @returns the bits ({@link PacketVerdict.PASS} for alert and pass)
 */
export function verdictOfAction(action: string): number {
  switch (action) {
    case "drop":
      return PacketVerdict.DROP;
    case "reject":
    case "rejectsrc":
      return PacketVerdict.DROP | PacketVerdict.REJECT_SOURCE;
    case "rejectdst":
      return PacketVerdict.DROP | PacketVerdict.REJECT_DESTINATION;
    case "rejectboth":
      return PacketVerdict.DROP | PacketVerdict.REJECT_SOURCE | PacketVerdict.REJECT_DESTINATION;
    default:
      return PacketVerdict.PASS;
  }
}
