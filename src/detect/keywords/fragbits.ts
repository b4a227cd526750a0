/**
 * `fragbits`: the IPv4 flag bits M (more fragments), D (don't fragment) and
 * R (reserved), with an optional modifier: none (exactly these bits),
 * `+` (these and at least one other), `*` (any of these), `!` (not all of
 * these). `fragbits:M;`, `fragbits:!D;`. IPv4 only.
 *
 * As Suricata, text after the bits is ignored.
 *
 * @module
 */

import { FragFlag, type Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { ValueReader } from "./_numeric.ts";

/** Matches IPv4 packets by flag bits; the answer for each of the 8 bit combinations is precomputed. */
export class FragBitsCondition implements PacketCondition {
  /** Bit k set: packets whose {@link FragFlag} bits equal k match. */
  readonly table: number;

  /**
   * @param bits the {@link FragFlag} bits named
   * @param modifier "", "+", "*" or "!"
   */
  constructor(readonly bits: number, readonly modifier: string) {
    let table = 0;
    for (let k = 0; k < 8; k++) {
      if (fragBitsMatch(k, modifier, bits)) table |= 1 << k;
    }
    this.table = table;
  }

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    return p.ipVersion === 4 && ((this.table >>> (p.fragFlags & 7)) & 1) !== 0;
  }
}

function fragBitsMatch(pbits: number, modifier: string, dbits: number): boolean {
  switch (modifier) {
    case "*":
      return (pbits & dbits) !== 0;
    case "+":
      return (pbits & dbits) === dbits && pbits !== dbits;
    case "!":
      return (pbits & dbits) !== dbits;
    default:
      return pbits === dbits;
  }
}

/**
 * Parse a `fragbits` value.
 *
 * @param value the raw value
 * @returns the condition
 * @throws {import("../signature.ts").KeywordError} when no bit is named
 */
export function parseFragBits(value: string): FragBitsCondition {
  const r = new ValueReader("fragbits", value);
  const c = value[0];
  const modifier = c === "+" || c === "*" || c === "!" ? c : "";
  if (modifier !== "") r.pos++;
  r.skipBlanks();
  let bits = 0;
  const start = r.pos;
  for (;;) {
    const ch = value[r.pos];
    if (ch === "M") bits |= FragFlag.MF;
    else if (ch === "D") bits |= FragFlag.DF;
    else if (ch === "R") bits |= FragFlag.RB;
    else break;
    r.pos++;
  }
  if (r.pos === start) {
    throw r.error(
      r.done ? "fragment bits M, D or R expected" : `unknown fragment bit '${value[r.pos]}'`,
    );
  }
  return new FragBitsCondition(bits, modifier);
}

registerKeyword({
  name: "fragbits",
  description: "IPv4 fragmentation flag bits (M, D, R)",
  value: "required",
  setup(builder, value) {
    builder.sig.conditions.push(parseFragBits(value!));
  },
});
