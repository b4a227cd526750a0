/**
 * The matcher engines the contract tests run on: the embedded Aho-Corasick
 * always, Hyperscan when libhs is installed (otherwise its tests are ignored
 * and say why).
 *
 * @module
 */

import { AhoCorasickBuilder } from "../../src/mpm/aho_corasick.ts";
import { hyperscanAvailable, HyperscanBuilder } from "../../src/mpm/hyperscan.ts";
import { hyperscanLoadError } from "../../ffi/hyperscan.ts";
import type { MatcherBuilder } from "../../src/mpm/matcher.ts";

/** One engine under test. */
export interface Engine {
  /** `ac` or `hs`. */
  name: string;
  /** Whether it can run here. */
  available: boolean;
  /** A fresh builder. */
  builder: () => MatcherBuilder;
}

/** Whether libhs could be loaded. */
export const HAVE_HYPERSCAN: boolean = hyperscanAvailable();

/** Both engines; `hs` is unavailable without libhs. */
export const ENGINES: Engine[] = [
  { name: "ac", available: true, builder: () => new AhoCorasickBuilder() },
  { name: "hs", available: HAVE_HYPERSCAN, builder: () => new HyperscanBuilder() },
];

let warned = false;

/**
 * Say once, on stderr, that the Hyperscan tests are skipped and why.
 *
 * @param engine the engine about to be tested
 * @returns whether its tests must be ignored
 */
export function skipUnavailable(engine: Engine): boolean {
  if (engine.available) return false;
  if (!warned) {
    warned = true;
    console.warn(`hs matcher tests skipped: libhs is not available (${hyperscanLoadError()})`);
  }
  return true;
}
