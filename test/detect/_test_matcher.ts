/**
 * The prefilter matcher the detection tests build engines with:
 * `TARSIER_TEST_MPM=hs` runs them on Hyperscan (CI does, in a second pass),
 * anything else or nothing on the embedded Aho-Corasick. Without libhs the
 * `hs` pass says so once and runs on Aho-Corasick.
 *
 * @module
 */

import type { MatcherFactory } from "../../src/detect/engine.ts";
import { AhoCorasickBuilder } from "../../src/mpm/aho_corasick.ts";
import {
  hyperscanAvailable,
  HyperscanBuilder,
  hyperscanDescription,
} from "../../src/mpm/hyperscan.ts";

function requested(): string {
  const granted = Deno.permissions.querySync({ name: "env", variable: "TARSIER_TEST_MPM" });
  return granted.state === "granted" ? Deno.env.get("TARSIER_TEST_MPM") ?? "ac" : "ac";
}

/** `hs` or `ac`: the matcher the detection tests use. */
export const TEST_MPM: "hs" | "ac" = (() => {
  if (requested() !== "hs") return "ac";
  if (hyperscanAvailable()) return "hs";
  console.warn(`TARSIER_TEST_MPM=hs: ${hyperscanDescription()}; using ac`);
  return "ac";
})();

/**
 * The matcher factory for {@link DetectEngine.build} in tests.
 *
 * @returns builders of the {@link TEST_MPM} matcher
 */
export function testMatcherFactory(): MatcherFactory {
  return TEST_MPM === "hs" ? () => new HyperscanBuilder() : () => new AhoCorasickBuilder();
}
