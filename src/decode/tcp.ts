/**
 * TCP: header checks and options (MSS, window scale, SACK-permitted, SACK,
 * timestamps; TFO, MD5 and AO lengths checked) as Suricata's `DecodeTCP`.
 *
 * @module
 */

import { u16, u32, u8 } from "./_read.ts";
import { Ev } from "./events.ts";
import { Layer, type Packet } from "./packet.ts";

/** Minimum TCP header length. */
export const TCP_HEADER_LEN = 20;
/** Maximum TCP options length. */
export const TCP_OPTLEN_MAX = 40;
/** Largest window scale shift honoured (RFC 7323); larger values are capped. */
export const TCP_WSCALE_MAX = 14;

const OPT_EOL = 0x00;
const OPT_NOP = 0x01;
const OPT_MSS = 0x02;
const OPT_WS = 0x03;
const OPT_SACKOK = 0x04;
const OPT_SACK = 0x05;
const OPT_TS = 0x08;
const OPT_MD5 = 0x13;
const OPT_AO = 0x1d;
const OPT_TFO = 0x22;
const OPT_EXP1 = 0xfd;
const OPT_EXP2 = 0xfe;

/** Walk the options: valid ones fill the packet, bad lengths raise events. */
function decodeOptions(p: Packet, off: number, len: number): void {
  let o = off;
  let plen = len;
  let hasMss = false;
  let hasWs = false;
  let hasSack = false;
  let hasTfo = false;
  while (plen > 0) {
    const type = u8(p, o);
    if (type === OPT_EOL) break;
    if (type === OPT_NOP) {
      o++;
      plen--;
      continue;
    }
    if (plen < 2) break;
    const olen = u8(p, o + 1);
    if (olen > plen || olen < 2) {
      p.setEvent(Ev.TCP_OPT_INVALID_LEN);
      return;
    }
    switch (type) {
      case OPT_WS:
        if (olen !== 3) p.setEvent(Ev.TCP_OPT_INVALID_LEN);
        else if (hasWs) p.setEvent(Ev.TCP_OPT_DUPLICATE);
        else {
          hasWs = true;
          const ws = u8(p, o + 2);
          p.tcpWscale = ws > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : ws;
        }
        break;
      case OPT_MSS:
        if (olen !== 4) p.setEvent(Ev.TCP_OPT_INVALID_LEN);
        else if (hasMss) p.setEvent(Ev.TCP_OPT_DUPLICATE);
        else {
          hasMss = true;
          p.tcpMss = u16(p, o + 2);
        }
        break;
      case OPT_SACKOK:
        if (olen !== 2) p.setEvent(Ev.TCP_OPT_INVALID_LEN);
        else if (p.tcpSackPermitted) p.setEvent(Ev.TCP_OPT_DUPLICATE);
        else p.tcpSackPermitted = true;
        break;
      case OPT_TS:
        if (olen !== 10) p.setEvent(Ev.TCP_OPT_INVALID_LEN);
        else if (p.tcpHasTimestamp) p.setEvent(Ev.TCP_OPT_DUPLICATE);
        else {
          p.tcpHasTimestamp = true;
          p.tcpTsVal = u32(p, o + 2);
          p.tcpTsEcr = u32(p, o + 6);
        }
        break;
      case OPT_SACK:
        if (olen !== 2 && (olen < 10 || olen > 34 || (olen - 2) % 8 !== 0)) {
          p.setEvent(Ev.TCP_OPT_INVALID_LEN);
        } else if (hasSack) p.setEvent(Ev.TCP_OPT_DUPLICATE);
        else {
          hasSack = true;
          p.tcpSackOffset = o + 2;
          p.tcpSackBlocks = (olen - 2) >>> 3;
        }
        break;
      case OPT_TFO:
        if (olen !== 2 && (olen < 4 || olen > 18 || ((olen - 2) & 1) !== 0)) {
          p.setEvent(Ev.TCP_OPT_INVALID_LEN);
        } else if (hasTfo) p.setEvent(Ev.TCP_OPT_DUPLICATE);
        else hasTfo = true;
        break;
      case OPT_EXP1:
      case OPT_EXP2:
        // Experimental option: TCP Fast Open when it carries magic 0xf989.
        if (olen === 4 || olen === 12) {
          if (u16(p, o + 2) === 0xf989) {
            if (hasTfo) p.setEvent(Ev.TCP_OPT_DUPLICATE);
            else hasTfo = true;
          }
        } else {
          p.setEvent(Ev.TCP_OPT_INVALID_LEN);
        }
        break;
      case OPT_MD5:
        if (olen !== 18) p.setEvent(Ev.TCP_OPT_INVALID_LEN);
        break;
      case OPT_AO:
        if (olen < 4) p.setEvent(Ev.TCP_OPT_INVALID_LEN);
        break;
    }
    o += olen;
    plen -= olen;
  }
}

/**
 * Decode a TCP header and its options; the payload is what follows the
 * header within `len`. Raises `tcp.pkt_too_small`, `tcp.hlen_too_small`,
 * `tcp.invalid_optlen` (data offset below 5 or options over 40 bytes),
 * `tcp.opt_invalid_len` and `tcp.opt_duplicate`. An invalid header leaves
 * the transport fields unset.
 *
 * @param p the packet being decoded
 * @param off offset of the TCP header
 * @param len bytes of the IP payload available from `off`
 */
export function decodeTcp(p: Packet, off: number, len: number): void {
  p.layers |= Layer.TCP;
  if (len < TCP_HEADER_LEN) {
    p.setEvent(Ev.TCP_PKT_TOO_SMALL);
    return;
  }
  const b12 = u8(p, off + 12);
  const hlen = (b12 >>> 4) << 2;
  if (len < hlen) {
    p.setEvent(Ev.TCP_HLEN_TOO_SMALL);
    return;
  }
  const optLen = hlen - TCP_HEADER_LEN;
  if (optLen < 0 || optLen > TCP_OPTLEN_MAX) {
    p.setEvent(Ev.TCP_INVALID_OPTLEN);
    return;
  }
  if (optLen > 0) decodeOptions(p, off + TCP_HEADER_LEN, optLen);
  p.l4Offset = off;
  p.l4HeaderLen = hlen;
  p.srcPort = u16(p, off);
  p.dstPort = u16(p, off + 2);
  p.tcpSeq = u32(p, off + 4);
  p.tcpAck = u32(p, off + 8);
  p.tcpFlags = u8(p, off + 13) | ((b12 & 0x01) << 8);
  p.tcpWindow = u16(p, off + 14);
  p.tcpUrgent = u16(p, off + 18);
  p.payloadOffset = off + hlen;
  p.payloadLen = len - hlen;
}
