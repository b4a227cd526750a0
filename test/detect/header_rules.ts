/**
 * Helpers for the keyword tests: compile one rule as the engine would, run a
 * signature's packet conditions on a decoded frame, and read the diagnostic
 * of a rule that does not compile. Test code: it allocates freely.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Packet } from "../../src/decode/packet.ts";
import { AlertQueue } from "../../src/detect/alert_queue.ts";
import { DetectContext } from "../../src/detect/detect_context.ts";
import { DetectEngine } from "../../src/detect/engine.ts";
import "../../src/detect/keywords/mod.ts";
import type { Signature } from "../../src/detect/signature.ts";
import { type CompileResult, compileRule } from "../../src/detect/signature_compiler.ts";
import { AddressResolver } from "../../src/rules/address.ts";
import { formatDiagnostic } from "../../src/rules/diagnostic.ts";
import { PortResolver } from "../../src/rules/port.ts";
import { parseRules } from "../../src/rules/rule_parser.ts";
import { testMatcherFactory } from "./_test_matcher.ts";
import { decodeBytes } from "../decode/frames.ts";

/** The compile environment of the keyword tests. */
export const ENV = {
  addresses: new AddressResolver({ HOME_NET: "any", EXTERNAL_NET: "any" }),
  ports: new PortResolver({}),
  classifications: new Map([
    ["trojan-activity", { description: "A Network Trojan was detected", priority: 1 }],
    ["misc-activity", { description: "Misc activity", priority: 3 }],
  ]),
};

/**
 * Compile the single rule in `text`.
 *
 * @param text one rule
 * @param file the file name for diagnostics
 * @returns the compile result
 */
export function compileText(text: string, file = "test.rules"): CompileResult {
  const { rules, errors } = parseRules(text, file);
  assert.deepEqual(errors, [], `rule parses: ${text}`);
  assert.equal(rules.length, 1);
  return compileRule(rules[0], ENV);
}

/**
 * Compile a rule that must compile.
 *
 * @param text one rule
 * @returns its signature
 */
export function sig(text: string): Signature {
  const r = compileText(text);
  if (!r.ok) assert.fail(`does not compile: ${formatDiagnostic(r.diagnostic)}\n  ${text}`);
  return r.sig;
}

/**
 * Compile a rule with header `alert ip any any -> any any` and these options.
 *
 * @param options the options, e.g. `ttl:10;`
 * @param proto the header's protocol
 * @returns its signature
 */
export function sigWith(options: string, proto = "ip"): Signature {
  return sig(`alert ${proto} any any -> any any (msg:"t"; ${options} sid:1;)`);
}

/**
 * The diagnostic of a rule that must not compile, as users see it.
 *
 * @param text one rule
 * @param file the file name
 * @returns `file:line:col: message` and the short reason
 */
export function compileError(text: string, file = "test.rules"): { line: string; reason: string } {
  const r = compileText(text, file);
  if (r.ok) return assert.fail(`compiles but should not: ${text}`);
  return { line: formatDiagnostic(r.diagnostic), reason: r.reason };
}

/**
 * Whether every packet condition of a signature holds on a decoded frame.
 *
 * @param s the signature
 * @param frame an Ethernet frame
 * @returns true when all conditions match
 */
export function conditionsMatch(s: Signature, frame: Uint8Array | Packet): boolean {
  const p = frame instanceof Uint8Array ? decodeBytes(frame) : frame;
  const ctx = new DetectContext(p);
  return s.conditions.every((c) => c.match(p, ctx));
}

/**
 * Run a whole engine with these signatures over one frame.
 *
 * @param sigs the signatures
 * @param frame an Ethernet frame
 * @returns the sids that alerted
 */
export function engineAlerts(sigs: Signature[], frame: Uint8Array): number[] {
  const engine = DetectEngine.build(sigs, { matcher: testMatcherFactory() });
  const p = decodeBytes(frame);
  const alerts = new AlertQueue();
  engine.inspect(p, new DetectContext(p), alerts);
  const out: number[] = [];
  for (let i = 0; i < alerts.count; i++) out.push(engine.sigs[alerts.sigIndex[i]].sid);
  return out;
}
