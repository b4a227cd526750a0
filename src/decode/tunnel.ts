/**
 * Tunnel bookkeeping. Tarsier decodes a tunnelled frame in one pass into one
 * {@link Packet}: the innermost IP header and its transport header win, the
 * outermost IP header stays reachable through `outerL3Offset`, and `tunnel`
 * names the innermost encapsulation. Each tunnel costs one extra decoded
 * layer, as Suricata's `PacketTunnelPktSetup` does.
 *
 * @module
 */

import { layerLimitReached } from "./_layers.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import type { Packet } from "./packet.ts";

/**
 * Called by the IP decoders when an IP header is about to be committed while
 * another one already was: the frame is a tunnel. Keeps the outermost IP
 * header offset and clears every network and transport field, so that a
 * failed inner transport decode leaves no stale outer ports behind.
 *
 * @param p the packet being decoded
 */
export function enterInnerIp(p: Packet): void {
  if (p.outerL3Offset < 0) p.outerL3Offset = p.l3Offset;
  p.ipVersion = 0;
  p.ipHeaderLen = 0;
  p.ipTotalLen = 0;
  p.ipProto = 0;
  p.ttl = 0;
  p.tos = 0;
  p.ipId = 0;
  p.fragOffset = 0;
  p.fragFlags = 0;
  p.ip4Options = 0;
  p.ip6Exthdrs = 0;
  p.ip6FlowLabel = 0;
  p.src4 = 0;
  p.dst4 = 0;
  p.src6Offset = -1;
  p.dst6Offset = -1;
  p.l4Offset = -1;
  p.l4HeaderLen = 0;
  p.srcPort = 0;
  p.dstPort = 0;
  p.tcpFlags = 0;
  p.tcpSeq = 0;
  p.tcpAck = 0;
  p.tcpWindow = 0;
  p.tcpUrgent = 0;
  p.tcpMss = 0;
  p.tcpWscale = -1;
  p.tcpSackPermitted = false;
  p.tcpSackBlocks = 0;
  p.tcpSackOffset = -1;
  p.tcpHasTimestamp = false;
  p.tcpTsVal = 0;
  p.tcpTsEcr = 0;
  p.udpLen = 0;
  p.icmpType = 0;
  p.icmpCode = 0;
  p.icmpId = 0;
  p.icmpSeq = 0;
  p.icmpEmbL3Offset = -1;
  p.icmpEmbIpProto = 0;
  p.icmpEmbL4Offset = -1;
  p.icmpEmbSrcPort = 0;
  p.icmpEmbDstPort = 0;
  p.payloadOffset = -1;
  p.payloadLen = 0;
}

/**
 * Decode an IP packet carried directly by a tunnel (IP-in-IP, GRE, Teredo).
 * `tunnel` is set to `kind` when the inner IP header is valid, else left as
 * it was.
 *
 * @param p the packet being decoded
 * @param kind the {@link Tunnel} kind
 * @param version 4 or 6: which IP decoder to run
 * @param off offset of the inner IP header
 * @param len bytes available for it
 * @param depth layers decoded so far
 */
export function decodeIpTunnel(
  p: Packet,
  kind: number,
  version: number,
  off: number,
  len: number,
  depth: number,
): void {
  if (layerLimitReached(p, depth)) return;
  const outerL3 = p.l3Offset;
  const outerKind = p.tunnel;
  const outerVlans = p.tunnelVlans;
  p.tunnel = kind;
  p.tunnelVlans = false;
  if (version === 4) decodeIpv4(p, off, len, depth + 1);
  else decodeIpv6(p, off, len, depth + 1);
  if (p.l3Offset === outerL3) {
    p.tunnel = outerKind;
    p.tunnelVlans = outerVlans;
  }
}

/**
 * Enter a tunnel that carries a link-layer frame (GRE transparent bridging,
 * ERSPAN, VXLAN): checks the depth limit, sets `tunnel` and starts a fresh
 * VLAN stack, as Suricata's tunnel packet has its own VLAN ids.
 *
 * @param p the packet being decoded
 * @param kind the {@link Tunnel} kind
 * @param depth layers decoded so far
 * @returns false when the depth limit stops decoding
 */
export function enterL2Tunnel(p: Packet, kind: number, depth: number): boolean {
  if (layerLimitReached(p, depth)) return false;
  p.tunnel = kind;
  p.tunnelVlans = true;
  p.vlanCount = 0;
  p.vlanId0 = 0;
  p.vlanId1 = 0;
  p.vlanId2 = 0;
  return true;
}
