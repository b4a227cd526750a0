/**
 * `ipopts`: an IPv4 option is present (`ipopts:lsrr;`). Names as Suricata:
 * rr, eol, nop, ts, sec, esec, lsrr, ssrr, satid, any; plus qs and rtralt
 * (Suricata 8). Case-insensitive.
 *
 * `any` matches a packet with at least one option, as Suricata's
 * documentation says. (Suricata 7's code requires every option bit for
 * `any`, so there it never matches.)
 *
 * @module
 */

import { Ip4Opt } from "../../decode/ipv4.ts";
import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition } from "../signature.ts";

/** Option names -> {@link Ip4Opt} bits (0 for `any`). */
export const IP_OPTION_NAMES: ReadonlyMap<string, number> = new Map([
  ["rr", Ip4Opt.RR],
  ["eol", Ip4Opt.EOL],
  ["nop", Ip4Opt.NOP],
  ["ts", Ip4Opt.TS],
  ["sec", Ip4Opt.SEC],
  ["esec", Ip4Opt.ESEC],
  ["lsrr", Ip4Opt.LSRR],
  ["ssrr", Ip4Opt.SSRR],
  ["satid", Ip4Opt.SID],
  ["qs", Ip4Opt.QS],
  ["rtralt", Ip4Opt.RTRALT],
  ["any", 0],
]);

/** Matches IPv4 packets carrying an option (any option when the bit is 0). */
export class IpOptsCondition implements PacketCondition {
  /** @param bit the {@link Ip4Opt} bit, 0 for any option */
  constructor(readonly bit: number) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    if (p.ipVersion !== 4) return false;
    return this.bit === 0 ? p.ip4Options !== 0 : (p.ip4Options & this.bit) !== 0;
  }
}

registerKeyword({
  name: "ipopts",
  description: "IPv4 option present",
  value: "required",
  setup(builder, value) {
    const bit = IP_OPTION_NAMES.get(value!.toLowerCase());
    if (bit === undefined) {
      throw new KeywordError(
        "ipopts",
        `unknown IP option "${value}" (expected ${[...IP_OPTION_NAMES.keys()].join(", ")})`,
        { valueOffset: 0 },
      );
    }
    builder.sig.conditions.push(new IpOptsCondition(bit));
  },
});
