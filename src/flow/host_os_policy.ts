/**
 * suricata.yaml's `host-os-policy`: which operating system each host runs,
 * so that TCP reassembly resolves overlapping segments the way the
 * receiving host would (target-based reassembly). Each policy name maps to
 * one of Tarsier's three {@link OverlapPolicy} behaviours; a host in no list
 * gets the default (BSD, as Suricata's).
 *
 * The longest matching prefix wins, as in Suricata's radix lookup. Lookups
 * happen once per stream (when its first data or SYN arrives), not per
 * packet.
 *
 * @module
 */

import type { Packet } from "../decode/packet.ts";
import { parseIpv4, parseIpv6 } from "../rules/address.ts";
import type { SuricataConfig } from "../rules/config.ts";
import { OverlapPolicy } from "./tcp_reassembly.ts";

/** Suricata's policy names and the overlap behaviour each gets here. */
export const POLICY_BEHAVIOUR: Readonly<Record<string, number>> = Object.freeze({
  first: OverlapPolicy.FIRST,
  windows: OverlapPolicy.FIRST,
  vista: OverlapPolicy.FIRST,
  windows2k3: OverlapPolicy.FIRST,
  bsd: OverlapPolicy.BSD,
  linux: OverlapPolicy.BSD,
  macos: OverlapPolicy.BSD,
  irix: OverlapPolicy.BSD,
  hpux10: OverlapPolicy.BSD,
  "bsd-right": OverlapPolicy.LAST,
  "old-linux": OverlapPolicy.LAST,
  "old-solaris": OverlapPolicy.LAST,
  solaris: OverlapPolicy.LAST,
  hpux11: OverlapPolicy.LAST,
  last: OverlapPolicy.LAST,
});

interface V4Entry {
  net: number;
  bits: number;
  policy: number;
}

interface V6Entry {
  net: bigint;
  mask: bigint;
  bits: number;
  policy: number;
}

/** Host addresses to overlap policies. */
export class HostOsPolicy {
  readonly #v4: V4Entry[] = [];
  readonly #v6: V6Entry[] = [];
  /** The policy of hosts in no list. */
  readonly fallback: number;

  /** @param fallback the policy of hosts in no list */
  constructor(fallback: number = OverlapPolicy.BSD) {
    this.fallback = fallback;
  }

  /** Number of address entries. */
  get size(): number {
    return this.#v4.length + this.#v6.length;
  }

  /**
   * Add an address or CIDR block for a policy.
   *
   * @param cidr `10.0.0.0/8`, `1.2.3.4`, `2001:db8::/32`
   * @param policy an {@link OverlapPolicy}
   * @returns false when the address does not parse
   */
  add(cidr: string, policy: number): boolean {
    const [addr, len] = cidr.trim().split("/");
    if (addr.includes(":")) {
      const v = parseIpv6(addr);
      const bits = len === undefined ? 128 : Number(len);
      if (v === null || !(bits >= 0 && bits <= 128)) return false;
      const mask = bits === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - bits)) - 1n);
      this.#v6.push({ net: v & mask, mask, bits, policy });
      return true;
    }
    const v = parseIpv4(addr);
    const bits = len === undefined ? 32 : Number(len);
    if (v < 0 || !(bits >= 0 && bits <= 32)) return false;
    this.#v4.push({ net: (v & maskOf(bits)) >>> 0, bits, policy });
    return true;
  }

  /**
   * The policy of the packet's destination host (the receiver of its data).
   *
   * @param p a decoded IPv4 or IPv6 packet
   * @returns an {@link OverlapPolicy}
   */
  forDestination(p: Packet): number {
    let best = -1;
    let policy = this.fallback;
    if (p.ipVersion === 4) {
      const a = p.dst4 >>> 0;
      for (const e of this.#v4) {
        if (e.bits > best && ((a & maskOf(e.bits)) >>> 0) === e.net) {
          best = e.bits;
          policy = e.policy;
        }
      }
    } else if (p.ipVersion === 6 && this.#v6.length > 0) {
      let a = 0n;
      const at = p.frameOffset + p.dst6Offset;
      for (let i = 0; i < 16; i++) a = (a << 8n) | BigInt(p.data[at + i]);
      for (const e of this.#v6) {
        if (e.bits > best && (a & e.mask) === e.net) {
          best = e.bits;
          policy = e.policy;
        }
      }
    }
    return policy;
  }
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/**
 * Read `host-os-policy` from the configuration.
 *
 * @param config the loaded configuration
 * @param warn receives a note for each unknown policy or bad address
 * @returns the table, or null when the configuration has none
 */
export function hostOsPolicyOf(
  config: SuricataConfig,
  warn: (message: string) => void = () => {},
): HostOsPolicy | null {
  const node = config.get("host-os-policy");
  if (!node || node.children.length === 0) return null;
  const table = new HostOsPolicy();
  for (const child of node.children) {
    const policy = POLICY_BEHAVIOUR[child.name.toLowerCase()];
    if (policy === undefined) {
      warn(`host-os-policy: unknown policy "${child.name}"`);
      continue;
    }
    const items = child.children.length > 0
      ? child.children.map((c) => c.value ?? "")
      : (child.value ?? "").replace(/^\[|\]$/g, "").split(",");
    for (const item of items) {
      const text = item.trim();
      if (text === "") continue;
      if (!table.add(text, policy)) warn(`host-os-policy: bad address "${text}" for ${child.name}`);
    }
  }
  return table.size > 0 ? table : null;
}
