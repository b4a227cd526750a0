/**
 * Addresses and protocol numbers as Suricata 7 prints them in EVE JSON and
 * fast.log. Called only when an event is written out, never per packet.
 *
 * - IPv4: dotted quad (`inet_ntop`).
 * - IPv6: ALWAYS the full, uncompressed form: eight groups of four lowercase
 *   hex digits with leading zeros (`fd00:0077:0000:0000:0000:0000:0000:0002`),
 *   as Suricata's `PrintInetIPv6` writes it; never `::` compression.
 * - IP protocol: Suricata's `known_proto` table (IANA keywords such as `TCP`,
 *   `UDP`, `ICMP`, `IPv6-ICMP`, `SCTP`, `GRE`); numbers 144..255 have no name.
 *
 * @module
 */

import type { Packet } from "../decode/packet.ts";

const HEX = "0123456789abcdef";

/**
 * An IPv4 address held as a u32 (first octet in the top byte) as a dotted quad.
 *
 * @example
 * ```ts
 * formatIpv4(0x0a0a0002); // "10.10.0.2"
 * ```
 * @param addr the address; signed or unsigned 32-bit values both work
 * @returns e.g. `"10.10.0.2"`
 */
export function formatIpv4(addr: number): string {
  const a = addr >>> 0;
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/**
 * The 16 bytes of an IPv6 address at `offset` in `bytes`, as Suricata prints
 * it: eight 4-digit lowercase hex groups, uncompressed.
 *
 * @example
 * ```ts
 * const a = new Uint8Array(16);
 * a[0] = 0xfd; a[15] = 2;
 * formatIpv6(a, 0); // "fd00:0000:0000:0000:0000:0000:0000:0002"
 * ```
 * @param bytes the buffer holding the address
 * @param offset index of the first address byte
 * @returns the 39-character address
 */
export function formatIpv6(bytes: Uint8Array, offset: number): string {
  let s = "";
  for (let i = 0; i < 16; i++) {
    const b = bytes[offset + i];
    if (i > 0 && (i & 1) === 0) s += ":";
    s += HEX[b >>> 4] + HEX[b & 15];
  }
  return s;
}

/**
 * A 6-byte MAC address at `offset` in `bytes`, lowercase and colon-separated
 * as EVE's `ether.src_mac` / `ether.dest_mac`.
 *
 * @example
 * ```ts
 * formatMac(new Uint8Array([2, 0, 10, 10, 0, 2]), 0); // "02:00:0a:0a:00:02"
 * ```
 * @param bytes the buffer holding the address
 * @param offset index of the first byte
 * @returns e.g. `"02:00:0a:0a:00:02"`
 */
export function formatMac(bytes: Uint8Array, offset: number): string {
  let s = "";
  for (let i = 0; i < 6; i++) {
    const b = bytes[offset + i];
    if (i > 0) s += ":";
    s += HEX[b >>> 4] + HEX[b & 15];
  }
  return s;
}

/**
 * The source address of the packet's (innermost) IP header as EVE and
 * fast.log print it, or `undefined` when the packet has no IP header
 * (`packet.ipVersion` is neither 4 nor 6).
 *
 * @param packet the decoded packet
 * @returns the address text, or undefined
 */
export function packetSrcIp(packet: Packet): string | undefined {
  if (packet.ipVersion === 4) return formatIpv4(packet.src4);
  if (packet.ipVersion === 6) {
    return formatIpv6(packet.data, packet.frameOffset + packet.src6Offset);
  }
  return undefined;
}

/**
 * The destination address of the packet's (innermost) IP header, or
 * `undefined` when the packet has no IP header.
 *
 * @param packet the decoded packet
 * @returns the address text, or undefined
 */
export function packetDstIp(packet: Packet): string | undefined {
  if (packet.ipVersion === 4) return formatIpv4(packet.dst4);
  if (packet.ipVersion === 6) {
    return formatIpv6(packet.data, packet.frameOffset + packet.dst6Offset);
  }
  return undefined;
}

/**
 * Suricata 7's `known_proto` table (`util-proto-name.c`): the name printed
 * for each IP protocol number 0..143. Later numbers have no name.
 */
export const IP_PROTO_NAMES: readonly string[] = [
  "HOPOPT",
  "ICMP",
  "IGMP",
  "GGP",
  "IP-in-IP",
  "ST",
  "TCP",
  "CBT",
  "EGP",
  "IGP",
  "BBN-RCC-MON",
  "NVP-II",
  "PUP",
  "ARGUS",
  "EMCON",
  "XNET",
  "CHAOS",
  "UDP",
  "MUX",
  "DCN-MEAS",
  "HMP",
  "PRM",
  "XNS-IDP",
  "TRUNK-1",
  "TRUNK-2",
  "LEAF-1",
  "LEAF-2",
  "RDP",
  "IRTP",
  "ISO-TP4",
  "NETBLT",
  "MFE-NSP",
  "MERIT-INP",
  "DCCP",
  "3PC",
  "IDPR",
  "XTP",
  "DDP",
  "IDPR-CMTP",
  "TP++",
  "IL",
  "IPv6",
  "SDRP",
  "IPv6-Route",
  "IPv6-Frag",
  "IDRP",
  "RSVP",
  "GRE",
  "DSR",
  "BNA",
  "ESP",
  "AH",
  "I-NLSP",
  "SwIPe",
  "NARP",
  "MOBILE",
  "TLSP",
  "SKIP",
  "IPv6-ICMP",
  "IPv6-NoNxt",
  "IPv6-Opts",
  "Any",
  "CFTP",
  "Any",
  "SAT-EXPAK",
  "KRYPTOLAN",
  "RVD",
  "IPPC",
  "Any",
  "SAT-MON",
  "VISA",
  "IPCU",
  "CPNX",
  "CPHB",
  "WSN",
  "PVP",
  "BR-SAT-MON",
  "SUN-ND",
  "WB-MON",
  "WB-EXPAK",
  "ISO-IP",
  "VMTP",
  "SECURE-VMTP",
  "VINES",
  "TTP",
  "NSFNET-IGP",
  "DGP",
  "TCF",
  "EIGRP",
  "OSPF",
  "Sprite-RPC",
  "LARP",
  "MTP",
  "AX.25",
  "OS",
  "MICP",
  "SCC-SP",
  "ETHERIP",
  "ENCAP",
  "Any",
  "GMTP",
  "IFMP",
  "PNNI",
  "PIM",
  "ARIS",
  "SCPS",
  "QNX",
  "A/N",
  "IPComp",
  "SNP",
  "Compaq-Peer",
  "IPX-in-IP",
  "VRRP",
  "PGM",
  "Any",
  "L2TP",
  "DDX",
  "IATP",
  "STP",
  "SRP",
  "UTI",
  "SMP",
  "SM",
  "PTP",
  "IS-IS",
  "FIRE",
  "CRTP",
  "CRUDP",
  "SSCOPMCE",
  "IPLT",
  "SPS",
  "PIPE",
  "SCTP",
  "FC",
  "RSVP-E2E-IGNORE",
  "Mobility",
  "UDPLite",
  "MPLS-in-IP",
  "manet",
  "HIP",
  "Shim6",
  "WESP",
  "ROHC",
  "Ethernet",
];

/**
 * The name Suricata gives an IP protocol number, or `undefined` for the
 * numbers it has no name for (144..255).
 *
 * @example
 * ```ts
 * ipProtoName(58); // "IPv6-ICMP"
 * ```
 * @param proto the protocol number
 * @returns the name, or undefined
 */
export function ipProtoName(proto: number): string | undefined {
  return IP_PROTO_NAMES[proto];
}

/**
 * The EVE `proto` value: the protocol's name, or its decimal number as a
 * string when Suricata has no name for it (e.g. `"200"`).
 *
 * @param proto the protocol number
 * @returns e.g. `"TCP"` or `"200"`
 */
export function eveProtoName(proto: number): string {
  return IP_PROTO_NAMES[proto] ?? String(proto);
}

/**
 * The fast.log `{proto}` value: the protocol's name, or `PROTO:` and its
 * number padded to three digits when Suricata has no name for it.
 *
 * @param proto the protocol number
 * @returns e.g. `"TCP"` or `"PROTO:200"`
 */
export function fastLogProtoName(proto: number): string {
  return IP_PROTO_NAMES[proto] ?? `PROTO:${String(proto).padStart(3, "0")}`;
}
