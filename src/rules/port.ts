/**
 * Port specs of a rule header (`any`, `80`, `1024:`, `:1023`, `[80,443]`,
 * `!$HTTP_PORTS`, ...): their syntax tree, their resolution against the port
 * variables of the configuration into sorted ranges, and an allocation-free
 * matcher.
 *
 * Semantics follow Suricata 7 (detect-engine-port.c): a spec is the union of
 * its plain elements minus the union of its negated ones; an element inside a
 * negated group stays negated (negation does not cancel out: `![80,!443]`
 * excludes both); a spec with only negations starts from 0:65535; negating
 * every port and a spec that leaves no port are errors; `!` inside a range
 * (`80:!90`) is an error.
 *
 * @example
 * ```ts
 * import { matchesPort, parsePortSpec, PortResolver } from "./port.ts";
 * const spec = parsePortSpec("[$HTTP_PORTS,8000:8100]", (o) => ({ file: "x", line: 1, column: o + 1 }));
 * if (spec.kind === "error") throw new Error(spec.message);
 * const r = new PortResolver({ HTTP_PORTS: "80" }).resolve(spec);
 * if ("set" in r) matchesPort(r.set, 8080); // true
 * ```
 *
 * @module
 */

import {
  diagnosticAt,
  type Locator,
  type RuleDiagnostic,
  type SourceLocation,
} from "./diagnostic.ts";
import {
  badVariableNameAt,
  type RawElement,
  scanSpecList,
  specError,
  type SpecSyntaxError,
} from "./_spec_list.ts";

/** What every port node has. */
export interface PortNodeBase {
  /** Whether the element is preceded by `!`. */
  readonly negated: boolean;
  /** Where the element starts (its `!` when negated). */
  readonly location: SourceLocation;
}

/** `any`: ports 0 to 65535. */
export interface AnyPortNode extends PortNodeBase {
  /** Node kind. */
  readonly kind: "any";
}

/** `$NAME`: a port variable of the configuration. */
export interface PortVariableNode extends PortNodeBase {
  /** Node kind. */
  readonly kind: "variable";
  /** The variable name without `$`. */
  readonly name: string;
}

/** `80`, `80:90`, `1024:`, `:1023` (or `:`, every port, as Suricata reads it). */
export interface PortRangeNode extends PortNodeBase {
  /** Node kind. */
  readonly kind: "range";
  /** As written, without the `!`. */
  readonly text: string;
  /** First port. */
  readonly first: number;
  /** Last port, inclusive. */
  readonly last: number;
}

/** `[a,b,...]`. */
export interface PortListNode extends PortNodeBase {
  /** Node kind. */
  readonly kind: "list";
  /** The elements, in order. */
  readonly items: readonly PortNode[];
}

/** An element of a port spec. */
export type PortNode = AnyPortNode | PortVariableNode | PortRangeNode | PortListNode;

/** A parsed port spec of a rule header (source or destination ports). */
export interface PortSpec {
  /** Always `"port"`, to tell it from a syntax error. */
  readonly kind: "port";
  /** The spec as written (the text printed back by formatRule). */
  readonly text: string;
  /** Where the spec starts. */
  readonly location: SourceLocation;
  /** Its syntax tree (variables not yet resolved). */
  readonly root: PortNode;
}

/** A resolved port set: sorted, disjoint, non-adjacent inclusive ranges. */
export interface PortSet {
  /** first0, last0, first1, last1, ... */
  readonly ranges: Uint16Array;
}

function parsePortNumber(s: string): number {
  if (s.length === 0 || s.length > 5 || !/^[0-9]+$/.test(s)) return -1;
  const n = parseInt(s, 10);
  return n <= 65535 ? n : -1;
}

class NodeError {
  constructor(readonly offset: number, readonly message: string) {}
}

function toPortNode(el: RawElement, locate: Locator): PortNode {
  const location = locate(el.offset);
  const negated = el.negated;
  if (el.kind === "list") {
    return {
      kind: "list",
      negated,
      location,
      items: el.items.map((item) => toPortNode(item, locate)),
    };
  }
  const t = el.text;
  const at = el.textOffset;
  if (t.charCodeAt(0) === 0x24 /* $ */) {
    const name = t.slice(1);
    const bad = badVariableNameAt(name);
    if (bad >= 0) throw new NodeError(at + 1 + bad, `invalid variable name "${t}"`);
    return { kind: "variable", negated, location, name };
  }
  if (t.length === 3 && t.toLowerCase() === "any") return { kind: "any", negated, location };
  const colon = t.indexOf(":");
  if (colon < 0) {
    const p = parsePortNumber(t);
    if (p < 0) throw new NodeError(at, `invalid port "${t}"`);
    return { kind: "range", negated, location, text: t, first: p, last: p };
  }
  const a = t.slice(0, colon);
  const b = t.slice(colon + 1);
  const bang = b.indexOf("!");
  if (bang >= 0) throw new NodeError(at + colon + 1 + bang, "negation inside a port range");
  const first = a === "" ? 0 : parsePortNumber(a);
  if (first < 0) throw new NodeError(at, `invalid port "${a}" in range "${t}"`);
  const last = b === "" ? 65535 : parsePortNumber(b);
  if (last < 0) throw new NodeError(at + colon + 1, `invalid port "${b}" in range "${t}"`);
  if (first > last) throw new NodeError(at + colon + 1, `port range "${t}" ends before it starts`);
  return { kind: "range", negated, location, text: t, first, last };
}

/**
 * Parses a port spec (syntax only; variables stay unresolved).
 *
 * @param text the spec as written, e.g. `[80,443,8000:]`
 * @param locate maps an offset in `text` to its place in the file
 * @returns the spec, or a syntax error with the offset of the offending character
 */
export function parsePortSpec(text: string, locate: Locator): PortSpec | SpecSyntaxError {
  const raw = scanSpecList(text, "port");
  if (raw.kind === "error") return raw;
  try {
    return { kind: "port", text, location: locate(0), root: toPortNode(raw, locate) };
  } catch (e) {
    if (e instanceof NodeError) return specError(e.offset, e.message);
    throw e;
  }
}

// ---------------------------------------------------------------- resolution

type Ranges = number[];

function normalize(r: Ranges): Ranges {
  const idx: number[] = [];
  for (let k = 0; k < r.length; k += 2) idx.push(k);
  idx.sort((a, b) => r[a] - r[b]);
  const out: Ranges = [];
  for (const k of idx) {
    const n = out.length;
    if (n > 0 && r[k] <= out[n - 1] + 1) {
      if (r[k + 1] > out[n - 1]) out[n - 1] = r[k + 1];
    } else {
      out.push(r[k], r[k + 1]);
    }
  }
  return out;
}

function subtract(a: Ranges, b: Ranges): Ranges {
  const out: Ranges = [];
  for (let k = 0; k < a.length; k += 2) {
    let s = a[k];
    const e = a[k + 1];
    for (let j = 0; j < b.length && s <= e; j += 2) {
      if (b[j + 1] < s) continue;
      if (b[j] > e) break;
      if (b[j] > s) out.push(s, b[j] - 1);
      s = b[j + 1] + 1;
    }
    if (s <= e) out.push(s, e);
  }
  return out;
}

class ResolveError {
  constructor(readonly at: SourceLocation, readonly message: string) {}
}

/**
 * Resolves port specs against a table of port variables
 * (`vars.port-groups`), caching the resulting sets by spec text.
 */
export class PortResolver {
  readonly #vars: Map<string, string>;
  readonly #trees = new Map<string, PortSpec | SpecSyntaxError>();
  readonly #cache = new Map<string, PortSet>();

  /**
   * Makes a resolver over a table of port variables.
   *
   * @param vars variable name (without `$`) to its value, e.g. `{ HTTP_PORTS: "80" }`
   */
  constructor(vars: ReadonlyMap<string, string> | Readonly<Record<string, string>>) {
    this.#vars = vars instanceof Map ? new Map(vars) : new Map(Object.entries(vars));
  }

  /**
   * Resolves a spec into a set of port ranges.
   *
   * @param spec a parsed port spec
   * @returns `{ set }`, or `{ error }` pointing into the rule (at the variable
   *   reference when the problem lies in a variable's value)
   */
  resolve(spec: PortSpec): { set: PortSet } | { error: RuleDiagnostic } {
    const cached = this.#cache.get(spec.text);
    if (cached !== undefined) return { set: cached };
    try {
      const pos: Ranges = [];
      const neg: Ranges = [];
      this.#evaluate(spec.root, false, pos, neg, [], null);
      const n = normalize(neg);
      if (n.length === 2 && n[0] === 0 && n[1] === 65535) {
        throw new ResolveError(spec.location, "every port is negated (e.g. !any)");
      }
      const p = normalize(pos);
      const base = p.length > 0 ? p : n.length > 0 ? [0, 65535] : [];
      const result = subtract(base, n);
      if (result.length === 0) {
        throw new ResolveError(spec.location, "no port left after applying the negations");
      }
      const set: PortSet = { ranges: Uint16Array.from(result) };
      this.#cache.set(spec.text, set);
      return { set };
    } catch (e) {
      if (e instanceof ResolveError) return { error: diagnosticAt(e.at, e.message) };
      throw e;
    }
  }

  #evaluate(
    node: PortNode,
    negatedContext: boolean,
    pos: Ranges,
    neg: Ranges,
    stack: string[],
    reportAt: SourceLocation | null,
  ): void {
    const negated = negatedContext || node.negated;
    const into = negated ? neg : pos;
    switch (node.kind) {
      case "any":
        into.push(0, 65535);
        return;
      case "range":
        into.push(node.first, node.last);
        return;
      case "list":
        for (const item of node.items) this.#evaluate(item, negated, pos, neg, stack, reportAt);
        return;
      case "variable": {
        const at = reportAt ?? node.location;
        const name = node.name;
        if (stack.includes(name)) {
          const chain = [...stack.slice(stack.indexOf(name)), name].map((v) => `$${v}`).join(
            " -> ",
          );
          throw new ResolveError(at, `port variable $${name} refers to itself (${chain})`);
        }
        const value = this.#vars.get(name);
        if (value === undefined) throw new ResolveError(at, `undefined port variable $${name}`);
        if (value.trim() === "") throw new ResolveError(at, `port variable $${name} is empty`);
        let tree = this.#trees.get(name);
        if (tree === undefined) {
          const loc: SourceLocation = { file: `vars.port-groups.${name}`, line: 1, column: 1 };
          tree = parsePortSpec(value, (o) => ({ ...loc, column: o + 1 }));
          this.#trees.set(name, tree);
        }
        if (tree.kind === "error") {
          throw new ResolveError(
            at,
            `port variable $${name} = "${value}": ${tree.message} (at character ${
              tree.offset + 1
            } of its value)`,
          );
        }
        this.#evaluate(tree.root, negated, pos, neg, [...stack, name], at);
        return;
      }
    }
  }
}

// ---------------------------------------------------------------- matching

/** The set of every port (what `any` resolves to). */
export const ANY_PORT_SET: PortSet = Object.freeze({ ranges: new Uint16Array([0, 65535]) });

/**
 * Whether a set is every port.
 *
 * @param set a resolved set
 * @returns true for `any`
 */
export function portSetIsAny(set: PortSet): boolean {
  const r = set.ranges;
  return r.length === 2 && r[0] === 0 && r[1] === 65535;
}

/**
 * Whether a port is in the set. Allocates nothing.
 *
 * @param set a resolved set
 * @param port 0-65535
 * @returns true when some range holds it
 */
export function matchesPort(set: PortSet, port: number): boolean {
  const r = set.ranges;
  let lo = 0;
  let hi = (r.length >>> 1) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (port < r[mid << 1]) hi = mid - 1;
    else if (port > r[(mid << 1) + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * Expands a set into a 65536-entry bitmap (1 = in the set), for building
 * port groups.
 *
 * @param set a resolved set
 * @returns a new Uint8Array(65536)
 */
export function portSetToBitmap(set: PortSet): Uint8Array {
  const map = new Uint8Array(65536);
  const r = set.ranges;
  for (let k = 0; k < r.length; k += 2) map.fill(1, r[k], r[k + 1] + 1);
  return map;
}

/**
 * Lists a set's ranges as text, for messages and tests.
 *
 * @param set a resolved set
 * @returns e.g. `["80", "1024:65535"]`
 */
export function portSetToStrings(set: PortSet): string[] {
  const out: string[] = [];
  const r = set.ranges;
  for (let k = 0; k < r.length; k += 2) {
    out.push(r[k] === r[k + 1] ? `${r[k]}` : `${r[k]}:${r[k + 1]}`);
  }
  return out;
}
