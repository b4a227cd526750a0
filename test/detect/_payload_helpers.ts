/**
 * Helpers for the payload keyword tests: compile one rule with a small
 * environment and run its buffer matchers on bytes.
 *
 * @module
 */

import "../../src/detect/keywords/mod_meta.ts";
import "../../src/detect/keywords/mod_payload.ts";
import type { Packet } from "../../src/decode/packet.ts";
import { bufferByName } from "../../src/detect/buffers.ts";
import { DetectContext } from "../../src/detect/detect_context.ts";
import type { BufferMatcher, Signature } from "../../src/detect/signature.ts";
import { type CompileResult, compileRule } from "../../src/detect/signature_compiler.ts";
import { AddressResolver } from "../../src/rules/address.ts";
import { PortResolver } from "../../src/rules/port.ts";
import { parseRules } from "../../src/rules/rule_parser.ts";

/** The test environment: every address variable is `any`. */
export const ENV = {
  addresses: new AddressResolver({ HOME_NET: "any", EXTERNAL_NET: "any" }),
  ports: new PortResolver({ HTTP_PORTS: "80" }),
  classifications: new Map<string, { description: string; priority: number }>(),
};

/**
 * Compile a rule given by its options.
 *
 * @param options the text inside the parentheses, without sid
 * @param header the rule header
 * @returns the compile result
 */
export function compileOptions(
  options: string,
  header = "alert tcp any any -> any any",
): CompileResult {
  const text = `${header} (${options} sid:1;)`;
  const { rules, errors } = parseRules(text, "test.rules");
  if (errors.length > 0 || rules.length !== 1) {
    throw new Error(`parse failed: ${errors.map((e) => e.message).join("; ")}`);
  }
  return compileRule(rules[0], ENV);
}

/**
 * Compile, expecting success.
 *
 * @param options rule options
 * @param header the rule header
 * @returns the signature
 */
export function sig(options: string, header?: string): Signature {
  const r = compileOptions(options, header);
  if (!r.ok) throw new Error(`compile failed: ${r.diagnostic.message} (${r.reason})`);
  return r.sig;
}

/**
 * Compile, expecting failure.
 *
 * @param options rule options
 * @param header the rule header
 * @returns the failure reason and message
 */
export function fails(options: string, header?: string): { reason: string; message: string } {
  const r = compileOptions(options, header);
  if (r.ok) throw new Error(`compiled but should not: ${options}`);
  return { reason: r.reason, message: r.diagnostic.message };
}

const ctx = new DetectContext(null as unknown as Packet);

/** Bytes of a latin1 string. */
export function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * The matcher of a buffer of a signature.
 *
 * @param s the signature
 * @param buffer buffer name
 * @returns the matcher
 */
export function matcherOf(s: Signature, buffer = "pkt_data"): BufferMatcher {
  const id = bufferByName(buffer)!.id;
  const b = s.buffers.find((x) => x.bufferId === id);
  if (!b) throw new Error(`no ${buffer} inspection`);
  return b.matcher;
}

/**
 * Run a matcher on a latin1 string, placed inside a larger array to check
 * that offsets are relative to `start`.
 *
 * @param m the matcher
 * @param payload the buffer content
 * @returns whether it matched
 */
export function run(m: BufferMatcher, payload: string | Uint8Array): boolean {
  const body = typeof payload === "string" ? bytes(payload) : payload;
  const data = new Uint8Array(body.length + 10);
  data.fill(0x41, 0, 5);
  data.set(body, 5);
  data.fill(0x42, 5 + body.length);
  return m.match(data, 5, 5 + body.length, ctx);
}

/**
 * Compile a rule and run its pkt_data (or other) matcher.
 *
 * @param options rule options
 * @param payload the buffer
 * @param buffer the buffer name
 * @returns whether it matched
 */
export function matches(
  options: string,
  payload: string | Uint8Array,
  buffer = "pkt_data",
): boolean {
  return run(matcherOf(sig(options), buffer), payload);
}
