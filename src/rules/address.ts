/**
 * Address specs of a rule header (`$HOME_NET`, `[10.0.0.0/8,!10.1.2.3]`,
 * `any`, `2001:db8::/32`, `1.2.3.4-1.2.3.9`, ...): their syntax tree, their
 * resolution against the address variables of the configuration into a
 * compact set of ranges, and allocation-free matchers over that set.
 *
 * Semantics follow Suricata 7 (detect-engine-address.c):
 * - a list is the union of its plain elements, minus the union of its negated
 *   elements; nested plain lists and variables are flattened into the
 *   enclosing list, a negated list or variable is resolved on its own first;
 * - per address family, a spec with only negations starts from the whole
 *   space of that family: `!1.2.3.4` matches every IPv4 address but
 *   1.2.3.4 and no IPv6 address (so with the default variables
 *   `$EXTERNAL_NET` matches no IPv6 address, as in Suricata);
 * - `x/len` keeps only the network part (`10.1.2.3/8` is `10.0.0.0/8`);
 *   `x/255.255.0.0` masks must be CIDR-compatible; `a-b` ranges need a <= b;
 * - negating the whole IPv4 space (`!any`) and a spec that leaves no address
 *   at all are errors.
 *
 * @example
 * ```ts
 * import { AddressResolver, matchesIpv4, parseAddressSpec } from "./address.ts";
 * const spec = parseAddressSpec("[$HOME_NET,!10.0.0.1]", (o) => ({ file: "x", line: 1, column: o + 1 }));
 * if (spec.kind === "error") throw new Error(spec.message);
 * const r = new AddressResolver({ HOME_NET: "10.0.0.0/8" }).resolve(spec);
 * if ("set" in r) matchesIpv4(r.set, 0x0a000002); // true
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

export type { SpecSyntaxError } from "./_spec_list.ts";

/** What every address node has. */
export interface AddressNodeBase {
  /** Whether the element is preceded by `!`. */
  readonly negated: boolean;
  /** Where the element starts (its `!` when negated). */
  readonly location: SourceLocation;
}

/** `any`: every IPv4 and every IPv6 address. */
export interface AnyAddressNode extends AddressNodeBase {
  /** Node kind. */
  readonly kind: "any";
}

/** `$NAME`: an address variable of the configuration. */
export interface AddressVariableNode extends AddressNodeBase {
  /** Node kind. */
  readonly kind: "variable";
  /** The variable name without `$`. */
  readonly name: string;
}

/** One IPv4 address, CIDR block, netmask block or `a-b` range. */
export interface Ipv4AddressNode extends AddressNodeBase {
  /** Node kind. */
  readonly kind: "ipv4";
  /** As written, without the `!`. */
  readonly text: string;
  /** First address of the range (u32). */
  readonly first: number;
  /** Last address of the range, inclusive (u32). */
  readonly last: number;
}

/** One IPv6 address, CIDR block or `a-b` range. */
export interface Ipv6AddressNode extends AddressNodeBase {
  /** Node kind. */
  readonly kind: "ipv6";
  /** As written, without the `!`. */
  readonly text: string;
  /** First address of the range (128-bit). */
  readonly first: bigint;
  /** Last address of the range, inclusive (128-bit). */
  readonly last: bigint;
}

/** `[a,b,...]`. */
export interface AddressListNode extends AddressNodeBase {
  /** Node kind. */
  readonly kind: "list";
  /** The elements, in order. */
  readonly items: readonly AddressNode[];
}

/** An element of an address spec. */
export type AddressNode =
  | AnyAddressNode
  | AddressVariableNode
  | Ipv4AddressNode
  | Ipv6AddressNode
  | AddressListNode;

/** A parsed address spec of a rule header (source or destination). */
export interface AddressSpec {
  /** Always `"address"`, to tell it from a syntax error. */
  readonly kind: "address";
  /** The spec as written (the text printed back by formatRule). */
  readonly text: string;
  /** Where the spec starts. */
  readonly location: SourceLocation;
  /** Its syntax tree (variables not yet resolved). */
  readonly root: AddressNode;
}

/**
 * A resolved address set: sorted, disjoint, non-adjacent inclusive ranges.
 * `v4` holds [first, last] u32 pairs; `v6` holds 8 u32 per range: the first
 * address as 4 big-endian words (most significant first), then the last.
 */
export interface IpSet {
  /** IPv4 ranges: first0, last0, first1, last1, ... */
  readonly v4: Uint32Array;
  /** IPv6 ranges: 4 words of first, 4 words of last, per range. */
  readonly v6: Uint32Array;
}

const MAX_V4 = 0xffffffffn;
const MAX_V6 = (1n << 128n) - 1n;

// ---------------------------------------------------------------- parsing

/**
 * Parses an IPv4 address in dotted-quad form as inet_pton does (four decimal
 * parts 0-255, no leading zeros).
 *
 * @param s the text
 * @returns the address as u32, or -1 when malformed
 */
export function parseIpv4(s: string): number {
  let value = 0;
  let parts = 0;
  let part = -1;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e;
    if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && part === 0) return -1; // leading zero
      part = (part < 0 ? 0 : part) * 10 + (c - 0x30);
      digits++;
      if (part > 255) return -1;
    } else if (c === 0x2e) {
      if (digits === 0) return -1;
      value = value * 256 + part;
      parts++;
      part = -1;
      digits = 0;
      if (parts > 4) return -1;
    } else {
      return -1;
    }
  }
  return parts === 4 ? value >>> 0 : -1;
}

/**
 * Parses an IPv6 address as inet_pton does (hex groups, one `::`, an
 * optional dotted IPv4 tail).
 *
 * @param s the text
 * @returns the address as a 128-bit bigint, or null when malformed
 */
export function parseIpv6(s: string): bigint | null {
  if (s.length === 0) return null;
  const dbl = s.indexOf("::");
  if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) return null;
  const parseGroups = (part: string, allowV4Tail: boolean): number[] | null => {
    if (part === "") return [];
    const groups = part.split(":");
    const out: number[] = [];
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k];
      if (allowV4Tail && k === groups.length - 1 && g.includes(".")) {
        const v4 = parseIpv4(g);
        if (v4 < 0) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let words: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl), false);
    const tail = parseGroups(s.slice(dbl + 2), true);
    if (head === null || tail === null) return null;
    if (head.length + tail.length > 7) return null;
    words = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(s, true);
    if (all === null || all.length !== 8) return null;
    words = all;
  }
  let v = 0n;
  for (const w of words) v = (v << 16n) | BigInt(w);
  return v;
}

/**
 * The 16 bytes of a 128-bit IPv6 address, in network order.
 *
 * @param v the address (as {@link parseIpv6} gives it)
 * @returns a new array
 */
export function ipv6Bytes(v: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let k = 0; k < 16; k++) out[k] = Number((v >> BigInt((15 - k) * 8)) & 0xffn);
  return out;
}

/**
 * Prints a 128-bit IPv6 address in RFC 5952 form.
 *
 * @param v the address
 * @returns e.g. `2001:db8::1`
 */
export function formatIpv6(v: bigint): string {
  const words: number[] = [];
  for (let k = 7; k >= 0; k--) words.push(Number((v >> BigInt(k * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let k = 0; k < 8;) {
    if (words[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && words[e] === 0) e++;
    if (e - k > bestLen) {
      bestStart = k;
      bestLen = e - k;
    }
    k = e;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(":");
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/**
 * Prints a u32 IPv4 address in dotted-quad form.
 *
 * @param v the address
 * @returns e.g. `10.0.0.1`
 */
export function formatIpv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

function parseMaskLength(s: string, max: number): number {
  if (!/^[0-9]{1,3}$/.test(s)) return -1;
  const n = parseInt(s, 10);
  return n <= max ? n : -1;
}

type AtomResult =
  | { kind: "ipv4"; first: number; last: number }
  | { kind: "ipv6"; first: bigint; last: bigint }
  | SpecSyntaxError;

/** Interprets one address literal; error offsets are relative to the literal. */
function parseAddressLiteral(s: string): AtomResult {
  if (!s.includes(":")) {
    const slash = s.indexOf("/");
    if (slash >= 0) {
      const ip = parseIpv4(s.slice(0, slash));
      if (ip < 0) return specError(0, `invalid IPv4 address "${s.slice(0, slash)}"`);
      const maskText = s.slice(slash + 1);
      let mask: number;
      if (maskText.includes(".")) {
        const m = parseIpv4(maskText);
        if (m < 0) return specError(slash + 1, `invalid netmask "${maskText}"`);
        // CIDR-compatible: ones then zeros.
        const inv = (~m) >>> 0;
        if ((inv & (inv + 1)) !== 0) {
          return specError(slash + 1, `netmask "${maskText}" is not CIDR-compatible`);
        }
        mask = m;
      } else {
        const len = parseMaskLength(maskText, 32);
        if (len < 0) return specError(slash + 1, `invalid IPv4 prefix length "${maskText}"`);
        mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
      }
      const first = (ip & mask) >>> 0;
      return { kind: "ipv4", first, last: (first | (~mask >>> 0)) >>> 0 };
    }
    const dash = s.indexOf("-");
    if (dash >= 0) {
      const a = parseIpv4(s.slice(0, dash));
      if (a < 0) return specError(0, `invalid IPv4 address "${s.slice(0, dash)}"`);
      const b = parseIpv4(s.slice(dash + 1));
      if (b < 0) return specError(dash + 1, `invalid IPv4 address "${s.slice(dash + 1)}"`);
      if (a > b) return specError(dash + 1, `IPv4 range "${s}" ends before it starts`);
      return { kind: "ipv4", first: a, last: b };
    }
    const ip = parseIpv4(s);
    if (ip < 0) return specError(0, `invalid address "${s}"`);
    return { kind: "ipv4", first: ip, last: ip };
  }
  const slash = s.indexOf("/");
  if (slash >= 0) {
    const ip = parseIpv6(s.slice(0, slash));
    if (ip === null) return specError(0, `invalid IPv6 address "${s.slice(0, slash)}"`);
    const len = parseMaskLength(s.slice(slash + 1), 128);
    if (len < 0) {
      return specError(slash + 1, `invalid IPv6 prefix length "${s.slice(slash + 1)}"`);
    }
    const host = len === 128 ? 0n : (1n << BigInt(128 - len)) - 1n;
    const first = ip & (MAX_V6 ^ host);
    return { kind: "ipv6", first, last: first | host };
  }
  const dash = s.indexOf("-");
  if (dash >= 0) {
    const a = parseIpv6(s.slice(0, dash));
    if (a === null) return specError(0, `invalid IPv6 address "${s.slice(0, dash)}"`);
    const b = parseIpv6(s.slice(dash + 1));
    if (b === null) return specError(dash + 1, `invalid IPv6 address "${s.slice(dash + 1)}"`);
    if (a > b) return specError(dash + 1, `IPv6 range "${s}" ends before it starts`);
    return { kind: "ipv6", first: a, last: b };
  }
  const ip = parseIpv6(s);
  if (ip === null) return specError(0, `invalid IPv6 address "${s}"`);
  return { kind: "ipv6", first: ip, last: ip };
}

class NodeError {
  constructor(readonly offset: number, readonly message: string) {}
}

function toAddressNode(el: RawElement, locate: Locator): AddressNode {
  const location = locate(el.offset);
  const negated = el.negated;
  if (el.kind === "list") {
    return {
      kind: "list",
      negated,
      location,
      items: el.items.map((item) => toAddressNode(item, locate)),
    };
  }
  const t = el.text;
  if (t.charCodeAt(0) === 0x24 /* $ */) {
    const name = t.slice(1);
    const bad = badVariableNameAt(name);
    if (bad >= 0) {
      throw new NodeError(el.textOffset + 1 + bad, `invalid variable name "${t}"`);
    }
    return { kind: "variable", negated, location, name };
  }
  if (t.length === 3 && t.toLowerCase() === "any") return { kind: "any", negated, location };
  const r = parseAddressLiteral(t);
  if (r.kind === "error") throw new NodeError(el.textOffset + r.offset, r.message);
  if (r.kind === "ipv4") {
    return { kind: "ipv4", negated, location, text: t, first: r.first, last: r.last };
  }
  return { kind: "ipv6", negated, location, text: t, first: r.first, last: r.last };
}

/**
 * Parses an address spec (syntax only; variables stay unresolved).
 *
 * @param text the spec as written, e.g. `[$HOME_NET,!192.168.1.1]`
 * @param locate maps an offset in `text` to its place in the file
 * @returns the spec, or a syntax error with the offset of the offending character
 */
export function parseAddressSpec(text: string, locate: Locator): AddressSpec | SpecSyntaxError {
  const raw = scanSpecList(text, "address");
  if (raw.kind === "error") return raw;
  try {
    return { kind: "address", text, location: locate(0), root: toAddressNode(raw, locate) };
  } catch (e) {
    if (e instanceof NodeError) return specError(e.offset, e.message);
    throw e;
  }
}

// ---------------------------------------------------------------- range sets

/** Flat [first, last] bigint pairs. */
type Ranges = bigint[];

function normalize(r: Ranges): Ranges {
  if (r.length <= 2) return r.slice();
  const idx: number[] = [];
  for (let k = 0; k < r.length; k += 2) idx.push(k);
  idx.sort((a, b) => (r[a] < r[b] ? -1 : r[a] > r[b] ? 1 : 0));
  const out: Ranges = [];
  for (const k of idx) {
    const s = r[k];
    const e = r[k + 1];
    const n = out.length;
    if (n > 0 && s <= out[n - 1] + 1n) {
      if (e > out[n - 1]) out[n - 1] = e;
    } else {
      out.push(s, e);
    }
  }
  return out;
}

/** a minus b, both normalized. */
function subtract(a: Ranges, b: Ranges): Ranges {
  const out: Ranges = [];
  let j = 0;
  for (let k = 0; k < a.length; k += 2) {
    let s = a[k];
    const e = a[k + 1];
    while (j < b.length && b[j + 1] < s) j += 2;
    let jj = j;
    while (s <= e && jj < b.length && b[jj] <= e) {
      if (b[jj] > s) out.push(s, b[jj] - 1n);
      s = b[jj + 1] + 1n;
      jj += 2;
    }
    if (s <= e) out.push(s, e);
  }
  return out;
}

function covers(r: Ranges, max: bigint): boolean {
  return r.length === 2 && r[0] === 0n && r[1] === max;
}

interface Accumulator {
  pos4: Ranges;
  neg4: Ranges;
  pos6: Ranges;
  neg6: Ranges;
}

class ResolveError {
  constructor(readonly at: SourceLocation, readonly message: string) {}
}

/**
 * Resolves address specs against a table of address variables
 * (`vars.address-groups`), caching the resulting sets by spec text so that
 * rules sharing a spec share one set.
 */
export class AddressResolver {
  readonly #vars: Map<string, string>;
  readonly #trees = new Map<string, AddressSpec | SpecSyntaxError>();
  readonly #cache = new Map<string, IpSet>();

  /**
   * Makes a resolver over a table of address variables.
   *
   * @param vars variable name (without `$`) to its value, e.g.
   *   `{ HOME_NET: "[10.0.0.0/8]", EXTERNAL_NET: "!$HOME_NET" }`
   */
  constructor(vars: ReadonlyMap<string, string> | Readonly<Record<string, string>>) {
    this.#vars = vars instanceof Map ? new Map(vars) : new Map(Object.entries(vars));
  }

  /**
   * Resolves a spec into a set of address ranges.
   *
   * @param spec a parsed address spec
   * @returns `{ set }`, or `{ error }` pointing into the rule (at the variable
   *   reference when the problem lies in a variable's value)
   */
  resolve(spec: AddressSpec): { set: IpSet } | { error: RuleDiagnostic } {
    const cached = this.#cache.get(spec.text);
    if (cached !== undefined) return { set: cached };
    try {
      const acc: Accumulator = { pos4: [], neg4: [], pos6: [], neg6: [] };
      this.#evaluate(spec.root, acc, [], null);
      const [v4, v6] = merge(acc, spec.location);
      const set = toIpSet(v4, v6);
      this.#cache.set(spec.text, set);
      return { set };
    } catch (e) {
      if (e instanceof ResolveError) return { error: diagnosticAt(e.at, e.message) };
      throw e;
    }
  }

  /**
   * Resolves a variable's value on its own (for checking the configuration).
   *
   * @param name the variable name without `$`
   * @param at where to report problems
   * @returns `{ set }` or `{ error }`
   */
  resolveVariable(name: string, at: SourceLocation): { set: IpSet } | { error: RuleDiagnostic } {
    const spec: AddressSpec = {
      kind: "address",
      text: `$${name}`,
      location: at,
      root: { kind: "variable", negated: false, location: at, name },
    };
    return this.resolve(spec);
  }

  #evaluate(
    node: AddressNode,
    acc: Accumulator,
    stack: string[],
    reportAt: SourceLocation | null,
  ): void {
    if (node.negated) {
      const inner: Accumulator = { pos4: [], neg4: [], pos6: [], neg6: [] };
      this.#evaluateContent(node, inner, stack, reportAt);
      const [v4, v6] = merge(inner, reportAt ?? node.location);
      acc.neg4.push(...v4);
      acc.neg6.push(...v6);
      return;
    }
    this.#evaluateContent(node, acc, stack, reportAt);
  }

  #evaluateContent(
    node: AddressNode,
    acc: Accumulator,
    stack: string[],
    reportAt: SourceLocation | null,
  ): void {
    switch (node.kind) {
      case "any":
        acc.pos4.push(0n, MAX_V4);
        acc.pos6.push(0n, MAX_V6);
        return;
      case "ipv4":
        acc.pos4.push(BigInt(node.first), BigInt(node.last));
        return;
      case "ipv6":
        acc.pos6.push(node.first, node.last);
        return;
      case "list":
        for (const item of node.items) this.#evaluate(item, acc, stack, reportAt);
        return;
      case "variable": {
        const at = reportAt ?? node.location;
        const tree = this.#variableTree(node.name, stack, at);
        this.#evaluate(tree.root, acc, [...stack, node.name], at);
        return;
      }
    }
  }

  #variableTree(name: string, stack: string[], at: SourceLocation): AddressSpec {
    if (stack.includes(name)) {
      const chain = [...stack.slice(stack.indexOf(name)), name].map((v) => `$${v}`).join(" -> ");
      throw new ResolveError(at, `address variable $${name} refers to itself (${chain})`);
    }
    const value = this.#vars.get(name);
    if (value === undefined) throw new ResolveError(at, `undefined address variable $${name}`);
    if (value.trim() === "") {
      throw new ResolveError(at, `address variable $${name} is empty`);
    }
    let tree = this.#trees.get(name);
    if (tree === undefined) {
      const loc: SourceLocation = { file: `vars.address-groups.${name}`, line: 1, column: 1 };
      tree = parseAddressSpec(value, (o) => ({ ...loc, column: o + 1 }));
      this.#trees.set(name, tree);
    }
    if (tree.kind === "error") {
      throw new ResolveError(
        at,
        `address variable $${name} = "${value}": ${tree.message} (at character ${
          tree.offset + 1
        } of its value)`,
      );
    }
    return tree;
  }
}

function merge(acc: Accumulator, at: SourceLocation): [Ranges, Ranges] {
  const neg4 = normalize(acc.neg4);
  const neg6 = normalize(acc.neg6);
  if (covers(neg4, MAX_V4)) {
    throw new ResolveError(at, "the whole IPv4 address space is negated (e.g. !any)");
  }
  const pos4 = normalize(acc.pos4);
  const pos6 = normalize(acc.pos6);
  const base4 = pos4.length > 0 ? pos4 : neg4.length > 0 ? [0n, MAX_V4] : [];
  const base6 = pos6.length > 0 ? pos6 : neg6.length > 0 ? [0n, MAX_V6] : [];
  const v4 = subtract(base4, neg4);
  const v6 = subtract(base6, neg6);
  if (v4.length === 0 && v6.length === 0) {
    throw new ResolveError(at, "no address left after applying the negations");
  }
  return [v4, v6];
}

function toIpSet(v4: Ranges, v6: Ranges): IpSet {
  const a = new Uint32Array(v4.length);
  for (let k = 0; k < v4.length; k++) a[k] = Number(v4[k]);
  const b = new Uint32Array(v6.length * 4);
  for (let k = 0; k < v6.length; k++) {
    const v = v6[k];
    for (let w = 0; w < 4; w++) b[k * 4 + w] = Number((v >> BigInt(96 - 32 * w)) & 0xffffffffn);
  }
  return { v4: a, v6: b };
}

// ---------------------------------------------------------------- matching

/** The set matching every IPv4 and IPv6 address (what `any` resolves to). */
export const ANY_IP_SET: IpSet = Object.freeze({
  v4: new Uint32Array([0, 0xffffffff]),
  v6: new Uint32Array([0, 0, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]),
});

/**
 * Whether a set is every address of both families.
 *
 * @param set a resolved set
 * @returns true for `any`
 */
export function ipSetIsAny(set: IpSet): boolean {
  const a = set.v4;
  const b = set.v6;
  if (a.length !== 2 || a[0] !== 0 || a[1] !== 0xffffffff || b.length !== 8) return false;
  for (let k = 0; k < 4; k++) if (b[k] !== 0 || b[k + 4] !== 0xffffffff) return false;
  return true;
}

/**
 * Whether an IPv4 address is in the set. Allocates nothing.
 *
 * @param set a resolved set
 * @param addr the address as a u32 (host order value, e.g. 0x0a000001 for 10.0.0.1)
 * @returns true when some range holds it
 */
export function matchesIpv4(set: IpSet, addr: number): boolean {
  const r = set.v4;
  const a = addr >>> 0;
  let lo = 0;
  let hi = (r.length >>> 1) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (a < r[mid << 1]) hi = mid - 1;
    else if (a > r[(mid << 1) + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Compares 4 words at r[at..] with w0..w3: -1, 0 or 1. */
function cmp128(r: Uint32Array, at: number, w0: number, w1: number, w2: number, w3: number) {
  let x = r[at];
  if (x !== w0) return x < w0 ? -1 : 1;
  x = r[at + 1];
  if (x !== w1) return x < w1 ? -1 : 1;
  x = r[at + 2];
  if (x !== w2) return x < w2 ? -1 : 1;
  x = r[at + 3];
  if (x !== w3) return x < w3 ? -1 : 1;
  return 0;
}

/**
 * Whether an IPv6 address, read in place as 16 bytes at `data[offset..]`
 * (network order), is in the set. Allocates nothing.
 *
 * @param set a resolved set
 * @param data bytes holding the address (e.g. a frame)
 * @param offset where the 16 address bytes start
 * @returns true when some range holds it
 */
export function matchesIpv6(set: IpSet, data: Uint8Array, offset: number): boolean {
  const r = set.v6;
  const w0 = ((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) |
    data[offset + 3]) >>> 0;
  const w1 = ((data[offset + 4] << 24) | (data[offset + 5] << 16) | (data[offset + 6] << 8) |
    data[offset + 7]) >>> 0;
  const w2 = ((data[offset + 8] << 24) | (data[offset + 9] << 16) | (data[offset + 10] << 8) |
    data[offset + 11]) >>> 0;
  const w3 = ((data[offset + 12] << 24) | (data[offset + 13] << 16) | (data[offset + 14] << 8) |
    data[offset + 15]) >>> 0;
  let lo = 0;
  let hi = (r.length >>> 3) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const base = mid << 3;
    if (cmp128(r, base, w0, w1, w2, w3) > 0) hi = mid - 1;
    else if (cmp128(r, base + 4, w0, w1, w2, w3) < 0) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * Lists a set's ranges as text, for messages and tests: a single address,
 * a CIDR block when the range is one, else `first-last`.
 *
 * @param set a resolved set
 * @returns e.g. `["10.0.0.0/8", "192.168.1.1", "2001:db8::/32"]`
 */
export function ipSetToStrings(set: IpSet): string[] {
  const out: string[] = [];
  const block = (first: bigint, last: bigint, bits: number, fmt: (v: bigint) => string) => {
    if (first === last) return fmt(first);
    const size = last - first + 1n;
    if ((size & (size - 1n)) === 0n && (first & (size - 1n)) === 0n) {
      let len = bits;
      for (let s = size; s > 1n; s >>= 1n) len--;
      return `${fmt(first)}/${len}`;
    }
    return `${fmt(first)}-${fmt(last)}`;
  };
  for (let k = 0; k < set.v4.length; k += 2) {
    out.push(block(BigInt(set.v4[k]), BigInt(set.v4[k + 1]), 32, (v) => formatIpv4(Number(v))));
  }
  const word128 = (at: number) => {
    let v = 0n;
    for (let w = 0; w < 4; w++) v = (v << 32n) | BigInt(set.v6[at + w]);
    return v;
  };
  for (let k = 0; k < set.v6.length; k += 8) {
    out.push(block(word128(k), word128(k + 4), 128, formatIpv6));
  }
  return out;
}
