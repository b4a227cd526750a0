/**
 * Builders of small frames for the output unit tests (checksums left zero:
 * the output does not look at them).
 *
 * @module
 */

import type { Packet } from "../../src/decode/packet.ts";
import { packetFromFrame } from "./_frame_decoder.ts";

/** Concatenate byte arrays. */
export function cat(...parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Bytes of an ASCII string. */
export function ascii(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Ethernet header (dst 02:00:00:00:00:02, src 02:00:00:00:00:01) with optional VLAN tags. */
export function eth(type: number, vlans: number[] = []): number[] {
  const h = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
  vlans.forEach((id, i) => {
    const tpid = i === 0 && vlans.length > 1 ? 0x88a8 : 0x8100; // QinQ: 802.1ad outside
    h.push(tpid >> 8, tpid & 255, id >> 8, id & 255);
  });
  h.push(type >> 8, type & 255);
  return h;
}

/** IPv4 header (no options) for `payloadLen` bytes of `proto`. */
export function ipv4(src: number[], dst: number[], proto: number, payloadLen: number): number[] {
  const total = 20 + payloadLen;
  return [0x45, 0, total >> 8, total & 255, 0, 1, 0, 0, 64, proto, 0, 0, ...src, ...dst];
}

/** IPv6 header for `payloadLen` bytes of `next`. */
export function ipv6(src: number[], dst: number[], next: number, payloadLen: number): number[] {
  return [0x60, 0, 0, 0, payloadLen >> 8, payloadLen & 255, next, 64, ...src, ...dst];
}

/** TCP header (20 bytes, PSH|ACK). */
export function tcp(sp: number, dp: number): number[] {
  return [
    sp >> 8,
    sp & 255,
    dp >> 8,
    dp & 255,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    1,
    0x50,
    0x18,
    0xff,
    0xff,
    0,
    0,
    0,
    0,
  ];
}

/** UDP header for `payloadLen` bytes. */
export function udp(sp: number, dp: number, payloadLen: number): number[] {
  const len = 8 + payloadLen;
  return [sp >> 8, sp & 255, dp >> 8, dp & 255, len >> 8, len & 255, 0, 0];
}

/** An IPv6 address from 8 groups. */
export function v6(...groups: number[]): number[] {
  return groups.flatMap((g) => [g >> 8, g & 255]);
}

/** Ethernet + IPv4 + TCP 10.0.0.1:1234 -> 10.0.0.2:80 carrying `payload`, decoded. */
export function tcpPacket(
  payload: Uint8Array,
  opts: { vlans?: number[]; tsSec?: number } = {},
): Packet {
  const f = cat(
    eth(0x0800, opts.vlans),
    ipv4([10, 0, 0, 1], [10, 0, 0, 2], 6, 20 + payload.length),
    tcp(1234, 80),
    payload,
  );
  return packetFromFrame(f, { linkType: 1, tsSec: opts.tsSec ?? 1562318017, tsNsec: 460702123 });
}
