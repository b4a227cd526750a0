/**
 * Which multi-pattern matcher a run uses: `--mpm auto|hs|ac` (Suricata's
 * `mpm-algo`). `auto` is Hyperscan when libhs is installed, else the embedded
 * Aho-Corasick; `hs` insists on Hyperscan. With Hyperscan, compiled databases
 * are cached on disk unless caching is off.
 *
 * @module
 */

import { AhoCorasickBuilder } from "./aho_corasick.ts";
import { hyperscanAvailable, HyperscanBuilder, hyperscanDescription } from "./hyperscan.ts";
import { defaultCacheDir } from "./cache_files.ts";
import { HyperscanCache } from "./hyperscan_cache.ts";
import type { MatcherBuilder } from "./matcher.ts";
import { ShortWindowBuilder } from "./short_window_matcher.ts";

/** A matcher request as written on the command line or in suricata.yaml. */
export type MpmChoice = "auto" | "hs" | "ac";

/**
 * Parse an `--mpm` / `mpm-algo` value. Suricata's Aho-Corasick variants
 * (`ac-ks`, `ac-bs`) mean the embedded Aho-Corasick.
 *
 * @param value the text
 * @returns the choice, or null when the value is not a matcher name
 */
export function parseMpmChoice(value: string): MpmChoice | null {
  switch (value.trim().toLowerCase()) {
    case "":
    case "auto":
      return "auto";
    case "hs":
      return "hs";
    case "ac":
    case "ac-ks":
    case "ac-bs":
      return "ac";
    default:
      return null;
  }
}

/** Options of {@link selectMatcher}. */
export interface MatcherSelectionOptions {
  /** The cache directory; undefined: the default; null: no caching. */
  cacheDir?: string | null;
  /** Where cache warnings go (default: stderr). */
  warn?: (message: string) => void;
  /**
   * Give Hyperscan matchers of small pattern sets a TypeScript twin for
   * short windows ({@link ShortWindowBuilder}): live capture, where a
   * packet after an idle gap finds Hyperscan out of the caches. Off for
   * files, where it only adds start-up time.
   */
  shortWindowTwins?: boolean;
}

/** The matcher a run uses. */
export interface MatcherSelection {
  /** `hs` or `ac`. */
  name: "hs" | "ac";
  /** Creates the builders (one per signature group and buffer). */
  factory: () => MatcherBuilder;
  /** The Hyperscan database cache, null with `ac` or when caching is off. */
  cache: HyperscanCache | null;
  /** One line for summaries, e.g. `hs (Hyperscan 5.4.0 2021-01-26)`. */
  description: string;
}

/** `--mpm hs` asked for Hyperscan and it is not available. */
export class MatcherUnavailableError extends Error {
  /** @param message why */
  constructor(message: string) {
    super(message);
    this.name = "MatcherUnavailableError";
  }
}

/**
 * Resolve a choice to a matcher factory.
 *
 * @param choice `auto`, `hs` or `ac`
 * @param options the cache directory, and whether Hyperscan sets get short-window twins
 * @returns the selection
 * @throws {MatcherUnavailableError} for `hs` without a usable libhs
 */
export function selectMatcher(
  choice: MpmChoice,
  options: MatcherSelectionOptions = {},
): MatcherSelection {
  const useHs = choice === "hs" || (choice === "auto" && hyperscanAvailable());
  if (!useHs) {
    const why = choice === "ac" ? "" : `; ${hyperscanDescription()}`;
    return {
      name: "ac",
      factory: () => new AhoCorasickBuilder(),
      cache: null,
      description: `ac (embedded Aho-Corasick${why})`,
    };
  }
  if (!hyperscanAvailable()) {
    throw new MatcherUnavailableError(`--mpm hs: Hyperscan ${hyperscanDescription()}`);
  }
  const dir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
  const cache = dir === null ? null : new HyperscanCache({ dir, warn: options.warn });
  return {
    name: "hs",
    factory: options.shortWindowTwins === true
      ? () => new ShortWindowBuilder(new HyperscanBuilder({ cache }))
      : () => new HyperscanBuilder({ cache }),
    cache,
    description: `hs (${hyperscanDescription()})` +
      (options.shortWindowTwins === true ? ", short-window twins" : ""),
  };
}

/**
 * What `tarsier --version` says about matchers: the default (`auto`) and why.
 *
 * @returns e.g. `mpm auto = hs (Hyperscan 5.4.0 2021-01-26)`
 */
export function matcherVersionLine(): string {
  return `mpm auto = ${selectMatcher("auto", { cacheDir: null }).description}`;
}
