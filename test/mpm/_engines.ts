/**
 * The matcher engines the contract tests run on: the embedded Aho-Corasick
 * always, Hyperscan when libhs is installed (otherwise its tests are ignored
 * and say why), alone and with its short-window twin (`hs-short`, as live
 * capture builds it).
 *
 * @module
 */

import { AhoCorasickBuilder } from "../../src/mpm/aho_corasick.ts";
import { hyperscanAvailable, HyperscanBuilder } from "../../src/mpm/hyperscan.ts";
import { hyperscanLoadError } from "../../ffi/hyperscan.ts";
import type { MatcherBuilder } from "../../src/mpm/matcher.ts";
import { selectMatcher } from "../../src/mpm/matcher_choice.ts";

/** One engine under test. */
export interface Engine {
  /** `ac`, `hs` or `hs-short`. */
  name: string;
  /** What its matchers call themselves (`Matcher.name`). */
  matcherName: string;
  /** Whether it can run here. */
  available: boolean;
  /** A fresh builder. */
  builder: () => MatcherBuilder;
}

/** Whether libhs could be loaded. */
export const HAVE_HYPERSCAN: boolean = hyperscanAvailable();

/**
 * A builder by engine name.
 *
 * @param name `ac`, `hs` or `hs-short`
 * @returns a fresh builder
 */
export function builderOf(name: string): MatcherBuilder {
  if (name === "hs") return new HyperscanBuilder();
  // as live capture selects it
  if (name === "hs-short") {
    return selectMatcher("hs", { cacheDir: null, shortWindowTwins: true }).factory();
  }
  return new AhoCorasickBuilder();
}

/** The engines; `hs` and `hs-short` are unavailable without libhs. */
export const ENGINES: Engine[] = [
  { name: "ac", matcherName: "ac", available: true, builder: () => builderOf("ac") },
  { name: "hs", matcherName: "hs", available: HAVE_HYPERSCAN, builder: () => builderOf("hs") },
  {
    name: "hs-short",
    matcherName: "hs",
    available: HAVE_HYPERSCAN,
    builder: () => builderOf("hs-short"),
  },
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
