/**
 * Helpers of keywords that inspect a transaction's fields rather than a
 * buffer (`tls.version`, `dns.opcode`, `ssh.protoversion`...): they claim
 * the rule's protocol and make the rule a transaction rule.
 *
 * @module
 */

import { KeywordError, type SignatureBuilder } from "../signature.ts";

/**
 * Make the rule a transaction rule of a protocol.
 *
 * @param builder the signature builder
 * @param keyword the keyword, for errors
 * @param protocol the protocol the keyword belongs to
 * @param side the transaction parts it inspects (TxSide bits: 1 request, 2 response, 3 either)
 */
export function claimTransaction(
  builder: SignatureBuilder,
  keyword: string,
  protocol: string,
  side: number,
): void {
  const sig = builder.sig;
  if (sig.appProto !== null && sig.appProto !== protocol) {
    throw new KeywordError(keyword, `rule protocol ${sig.appProto} conflicts with ${keyword}`);
  }
  sig.appProto = protocol;
  sig.txKeywordSide |= side;
}

/**
 * The text of a quoted keyword value, with `!` negation.
 *
 * @param keyword the keyword, for errors
 * @param value the raw value
 * @returns the text and whether it is negated
 */
export function quotedValue(keyword: string, value: string): { text: string; negate: boolean } {
  let v = value.trim();
  let negate = false;
  if (v.startsWith("!")) {
    negate = true;
    v = v.slice(1).trim();
  }
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
  if (v.length === 0) throw new KeywordError(keyword, "a value is required");
  return { text: v.replace(/\\(.)/g, "$1"), negate };
}
