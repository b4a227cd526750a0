/**
 * `tcp.window` (alias `window`): the TCP window field as sent (unscaled),
 * `window:1024;` or `window:!0;`.
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import { registerKeyword } from "../keyword_registry.ts";
import type { PacketCondition } from "../signature.ts";
import { U16_MAX, ValueReader } from "./_numeric.ts";
import { hasTcp } from "./_header.ts";

/** Matches TCP packets whose window equals (or, negated, differs from) a value. */
export class TcpWindowCondition implements PacketCondition {
  /**
   * @param window the value
   * @param negate match when different
   */
  constructor(readonly window: number, readonly negate: boolean) {}

  /**
   * @param p the packet
   * @returns true on a match
   */
  match(p: Packet): boolean {
    return hasTcp(p) && (p.tcpWindow === this.window) !== this.negate;
  }
}

/**
 * Parse a `window` value: `[!]N`, N in 0-65535.
 *
 * @param keyword the name it was written with, for errors
 * @param value the raw value
 * @returns the condition
 * @throws {import("../signature.ts").KeywordError} when invalid
 */
export function parseTcpWindow(keyword: string, value: string): TcpWindowCondition {
  const r = new ValueReader(keyword, value);
  r.skipBlanks();
  const negate = r.eat("!");
  r.skipBlanks();
  const window = r.decimal(U16_MAX, "window");
  r.end();
  return new TcpWindowCondition(window, negate);
}

registerKeyword({
  name: "tcp.window",
  aliases: ["window"],
  description: "TCP window",
  value: "required",
  setup(builder, value) {
    builder.sig.conditions.push(parseTcpWindow(builder.option?.name ?? "tcp.window", value!));
  },
});
