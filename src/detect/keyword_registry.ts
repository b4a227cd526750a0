/**
 * The keyword registry: every rule keyword is one small module that registers
 * here how it is set up on a signature (as Suricata's `sigmatch_table`).
 * Adding a keyword is one new file in `keywords/` and one import line in
 * `keywords/mod.ts`.
 *
 * @module
 */

import type { SignatureBuilder } from "./signature.ts";

/** How a keyword applies itself to a signature under construction. */
export interface KeywordDefinition {
  /** The keyword as written in rules, e.g. "content", "http.uri". */
  name: string;
  /** Other spellings (e.g. "http_uri" for a legacy modifier form). */
  aliases?: string[];
  /** One-line description, for `rules lint` and docs. */
  description: string;
  /** Whether the keyword takes a value: "required", "none" or "optional". */
  value: "required" | "none" | "optional";
  /**
   * Apply the option to the signature.
   *
   * @param builder the signature under construction (`builder.option` is the option)
   * @param value the raw value (null when the keyword has none)
   * @throws {import("./signature.ts").KeywordError} when the value is invalid
   */
  setup(builder: SignatureBuilder, value: string | null): void;
}

/** A step run after all options of a rule were applied (e.g. build content matchers). */
export type SignatureFinalizer = (builder: SignatureBuilder) => void;

const keywords = new Map<string, KeywordDefinition>();
const finalizers: { order: number; run: SignatureFinalizer }[] = [];
/** The `run` of each finalizer, in run order (asked for once per rule compiled). */
let finalizerRuns: readonly SignatureFinalizer[] = [];

/**
 * Register a keyword (and its aliases).
 *
 * @param definition the keyword
 * @throws {Error} when the name is already taken (a programming error)
 */
export function registerKeyword(definition: KeywordDefinition): void {
  for (const name of [definition.name, ...(definition.aliases ?? [])]) {
    if (keywords.has(name)) throw new Error(`keyword ${name} registered twice`);
    keywords.set(name, definition);
  }
}

/**
 * Register a finalizer; lower `order` runs first.
 *
 * @param order run order
 * @param run the finalizer
 */
export function registerFinalizer(order: number, run: SignatureFinalizer): void {
  finalizers.push({ order, run });
  finalizers.sort((a, b) => a.order - b.order);
  finalizerRuns = finalizers.map((f) => f.run);
}

/**
 * The keyword registered under a name.
 *
 * @param name the keyword as written
 * @returns its definition, or undefined
 */
export function lookupKeyword(name: string): KeywordDefinition | undefined {
  return keywords.get(name);
}

/**
 * Every registered keyword name (aliases included), sorted.
 *
 * @returns the names
 */
export function keywordNames(): string[] {
  return [...keywords.keys()].sort();
}

/**
 * The finalizers in run order.
 *
 * @returns the finalizers
 */
export function signatureFinalizers(): readonly SignatureFinalizer[] {
  return finalizerRuns;
}
