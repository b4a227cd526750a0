/**
 * `tcp.flags` (alias `flags`): the TCP flag bits, as Suricata 7
 * (`detect-tcp-flags.c`): `F S R P A U C E` (also `1` for CWR, `2` for ECE,
 * `0` for no flag), one modifier (`+` these and any others, `*` any of
 * these, `!` not all of these) before or among the flags, and after a comma
 * flags to ignore (`flags:S,CE;`). Only the header's flag byte is compared
 * (not NS).
 *
 * The answer for each of the 256 flag bytes is precomputed, so matching is
 * one table load.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { ValueReader } from "./_numeric.ts";
import { hasTcp } from "./_header.ts";

const FLAG_BITS: Readonly<Record<string, number>> = {
  F: 0x01,
  S: 0x02,
  R: 0x04,
  P: 0x08,
  A: 0x10,
  U: 0x20,
  C: 0x80,
  "1": 0x80,
  E: 0x40,
  "2": 0x40,
};

/** The parsed value of `tcp.flags`. */
export interface TcpFlagsSpec {
  /** Flags tested. */
  flags: number;
  /** "", "+", "*" or "!". */
  modifier: string;
  /** Mask of flags considered (flags after the comma are cleared from 0xff). */
  mask: number;
}

/** Matches TCP packets by flag byte, through a 256-entry answer table. */
export class TcpFlagsCondition implements PacketCondition {
  /** 1 at index f when a packet with flag byte f matches. */
  readonly table: Uint8Array = new Uint8Array(256);

  /** @param spec the parsed value */
  constructor(readonly spec: TcpFlagsSpec) {
    for (let f = 0; f < 256; f++) {
      this.table[f] = flagsMatch(f, spec.modifier, spec.flags, spec.mask) ? 1 : 0;
    }
  }

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    return hasTcp(p) && this.table[p.tcpFlags & 0xff] === 1;
  }
}

/** Suricata's FlagsMatch. */
function flagsMatch(pflags: number, modifier: string, dflags: number, mask: number): boolean {
  if (dflags === 0 && pflags !== 0) return modifier === "!";
  const f = pflags & mask;
  switch (modifier) {
    case "*":
      return (f & dflags) !== 0;
    case "+":
      return (f & dflags) === dflags;
    case "!":
      return (f & dflags) !== dflags;
    default:
      return f === dflags;
  }
}

/**
 * Parse a `tcp.flags` value: `[modifier]flags[,ignored]`.
 *
 * @param keyword the name it was written with, for errors
 * @param value the raw value
 * @returns the spec
 * @throws {import("../signature.ts").KeywordError} when invalid
 */
export function parseTcpFlags(keyword: string, value: string): TcpFlagsSpec {
  const r = new ValueReader(keyword, value);
  r.skipBlanks();
  let modifier = "";
  const isModifier = (c: string) => c === "+" || c === "*" || c === "!";
  if (isModifier(value[r.pos])) {
    modifier = value[r.pos++];
    r.skipBlanks();
  }
  let flags = 0;
  let found = 0;
  for (; !r.done; r.pos++) {
    const c = value[r.pos];
    if (c === "0") {
      flags = 0;
      found++;
    } else if (FLAG_BITS[c] !== undefined) {
      flags |= FLAG_BITS[c];
      found++;
    } else if (isModifier(c)) {
      if (modifier !== "") throw r.error("only one modifier (+, * or !) is allowed");
      modifier = c;
    } else {
      break;
    }
  }
  if (found === 0) {
    throw r.error(
      r.done || value[r.pos] === ","
        ? "flags expected (FSRPAUCE12 or 0)"
        : `unknown flag '${value[r.pos]}'`,
    );
  }
  let mask = 0xff;
  r.skipBlanks();
  if (r.eat(",")) {
    r.skipBlanks();
    const ignoreStart = r.pos;
    for (; !r.done; r.pos++) {
      const bit = FLAG_BITS[value[r.pos]];
      if (bit === undefined) break;
      mask &= ~bit;
    }
    if (r.pos === ignoreStart) throw r.error("flags to ignore expected (FSRPAUCE12)");
  }
  r.end();
  return { flags, modifier, mask };
}

registerKeyword({
  name: "tcp.flags",
  aliases: ["flags"],
  description: "TCP flag bits",
  value: "required",
  setup(builder, value) {
    const name = builder.option?.name ?? "tcp.flags";
    builder.sig.conditions.push(new TcpFlagsCondition(parseTcpFlags(name, value!)));
  },
});
