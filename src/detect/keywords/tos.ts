/**
 * `tos`: the IPv4 type-of-service byte, decimal or hex with a leading `x`
 * (`tos:8;`, `tos:x88;`, `tos:!8;`). IPv4 only, as in Suricata.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { ValueReader } from "./_numeric.ts";

/** Matches IPv4 packets whose TOS equals (or, negated, differs from) a value. */
export class TosCondition implements PacketCondition {
  /**
   * @param tos the value
   * @param negate match when different
   */
  constructor(readonly tos: number, readonly negate: boolean) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    return p.ipVersion === 4 && (p.tos === this.tos) !== this.negate;
  }
}

/**
 * Parse a `tos` value: `[!]N` (up to 3 decimal digits) or `[!]xH` (1-2 hex digits), 0-255.
 *
 * @param value the raw value
 * @returns the condition
 * @throws {import("../signature.ts").KeywordError} when invalid
 */
export function parseTos(value: string): TosCondition {
  const r = new ValueReader("tos", value);
  r.skipBlanks();
  const negate = r.eat("!");
  r.skipBlanks();
  const start = r.pos;
  let tos: number;
  if (r.eat("x") || r.eat("X")) {
    const hexStart = r.pos;
    while (/[0-9a-fA-F]/.test(value[r.pos] ?? "")) r.pos++;
    const n = r.pos - hexStart;
    if (n === 0 || n > 2) throw r.error("1 or 2 hex digits expected after 'x'", hexStart);
    tos = parseInt(value.slice(hexStart, r.pos), 16);
  } else {
    tos = r.decimal(999, "tos value");
    if (r.pos - start > 3 || tos > 255) throw r.error("tos value must be 0-255", start);
  }
  r.end();
  return new TosCondition(tos, negate);
}

registerKeyword({
  name: "tos",
  description: "IPv4 type of service",
  value: "required",
  setup(builder, value) {
    builder.sig.conditions.push(parseTos(value!));
  },
});
