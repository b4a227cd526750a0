/**
 * Helpers for the flow tests: real Ethernet + IPv4/IPv6 + TCP/UDP/ICMP
 * frames between two endpoints, with TCP sequence numbers kept like a real
 * stack (a handshake then data each way), decoded into a {@link Packet} at a
 * given time; and a small pipeline (flow stage + detection engine) that runs
 * frames through compiled rules. Test code: it allocates freely.
 *
 * @module
 */

import { decodePacket } from "../../src/decode/decoder.ts";
import { Packet, TcpFlag } from "../../src/decode/packet.ts";
import { AlertQueue } from "../../src/detect/alert_queue.ts";
import { DetectContext } from "../../src/detect/detect_context.ts";
import { DetectEngine } from "../../src/detect/engine.ts";
import type { Signature } from "../../src/detect/signature.ts";
import { ThresholdGate } from "../../src/detect/threshold.ts";
import { flowbitCount, flowintCount } from "../../src/flow/flowbits.ts";
import type { FlowTableOptions } from "../../src/flow/flow_table.ts";
import { FlowStage } from "../../src/flow/flow_tracker.ts";
import { testMatcherFactory } from "../detect/_test_matcher.ts";
import {
  bytes,
  ethernet,
  icmp4,
  icmp6,
  ip4,
  ip6,
  ipv4,
  ipv6,
  tcp,
  udp,
  vlanTag,
} from "../decode/frames.ts";

export { TcpFlag };

/** TCP flag shorthands. */
export const S = TcpFlag.SYN;
/** ACK. */
export const A = TcpFlag.ACK;
/** FIN. */
export const F = TcpFlag.FIN;
/** RST. */
export const R = TcpFlag.RST;
/** PSH. */
export const P = TcpFlag.PSH;

/** One endpoint pair and how its frames are framed. */
export interface Endpoints {
  /** Client address (dotted IPv4 or IPv6 text). */
  client: string;
  /** Server address. */
  server: string;
  /** Client port. */
  cport: number;
  /** Server port. */
  sport: number;
  /** Outer VLAN id, if any. */
  vlan?: number;
}

const text = new TextEncoder();

/** Wrap an IP packet in Ethernet (and a VLAN tag). */
function frameOf(ipPacket: Uint8Array, v6: boolean, vlan?: number): Uint8Array {
  const type = v6 ? 0x86dd : 0x0800;
  if (vlan === undefined) return ethernet(type, ipPacket);
  return ethernet(0x8100, vlanTag(vlan, type, ipPacket));
}

/** An IP packet from `src` to `dst` carrying `proto` and `payload`. */
export function ipFrame(
  src: string,
  dst: string,
  proto: number,
  payload: Uint8Array,
  vlan?: number,
): Uint8Array {
  const v6 = src.includes(":");
  const packet = v6 ? ipv6({ src, dst, nh: proto }, payload) : ipv4({ src, dst, proto }, payload);
  return frameOf(packet, v6, vlan);
}

/** A TCP conversation that keeps sequence numbers as real stacks do. */
export class TcpConversation {
  /** Next client sequence number. */
  cseq: number;
  /** Next server sequence number. */
  sseq: number;
  readonly e: Endpoints;

  /**
   * @param e the endpoints
   * @param cisn client initial sequence number
   * @param sisn server initial sequence number
   */
  constructor(e: Endpoints, cisn = 1000, sisn = 5000) {
    this.e = e;
    this.cseq = cisn;
    this.sseq = sisn;
  }

  /**
   * A segment from the client (`toServer`) or the server.
   *
   * @param toServer direction
   * @param flags TCP flags
   * @param data payload text or bytes
   * @param options TCP option bytes
   * @returns the frame; sequence numbers advance as the segment consumes them
   */
  seg(
    toServer: boolean,
    flags: number,
    data: string | Uint8Array = "",
    options: number[] = [],
  ): Uint8Array {
    const payload = typeof data === "string" ? text.encode(data) : data;
    const e = this.e;
    const seq = toServer ? this.cseq : this.sseq;
    const ack = (flags & A) !== 0 ? (toServer ? this.sseq : this.cseq) : 0;
    const t = tcp({
      sp: toServer ? e.cport : e.sport,
      dp: toServer ? e.sport : e.cport,
      seq,
      ack,
      flags,
      options,
    }, payload);
    const used = payload.length + ((flags & (S | F)) !== 0 ? 1 : 0);
    if (toServer) this.cseq = (this.cseq + used) >>> 0;
    else this.sseq = (this.sseq + used) >>> 0;
    return ipFrame(toServer ? e.client : e.server, toServer ? e.server : e.client, 6, t, e.vlan);
  }

  /** @returns the three handshake frames: SYN, SYN/ACK, ACK */
  handshake(): Uint8Array[] {
    return [this.seg(true, S), this.seg(false, S | A), this.seg(true, A)];
  }
}

/** A UDP datagram between the endpoints. */
export function udpFrame(e: Endpoints, toServer: boolean, data = "x"): Uint8Array {
  const u = udp(toServer ? e.cport : e.sport, toServer ? e.sport : e.cport, text.encode(data));
  return ipFrame(toServer ? e.client : e.server, toServer ? e.server : e.client, 17, u, e.vlan);
}

/** An ICMPv4 message. */
export function icmp4Frame(
  src: string,
  dst: string,
  type: number,
  code: number,
  rest: number[],
  data: Uint8Array = new Uint8Array(8),
): Uint8Array {
  return ipFrame(src, dst, 1, icmp4(type, code, rest, data));
}

/** An ICMPv6 message. */
export function icmp6Frame(
  src: string,
  dst: string,
  type: number,
  code: number,
  rest: number[] = [0, 0, 0, 0],
): Uint8Array {
  return ipFrame(src, dst, 58, icmp6(type, code, rest, new Uint8Array(8)));
}

/** The first bytes of an IPv4 packet as an ICMP error quotes them. */
export function quotedIpv4(frame: Uint8Array, keep = 48): Uint8Array {
  return frame.slice(14, 14 + keep);
}

export { bytes, ip4, ip6 };

/**
 * Decode a frame into `p` (reused) with a timestamp.
 *
 * @param frame an Ethernet frame
 * @param t seconds (fractional)
 * @param p the packet to fill
 * @returns `p`
 */
export function decodeAt(frame: Uint8Array, t: number, p: Packet = new Packet()): Packet {
  p.data = frame;
  p.frameOffset = 0;
  p.capLen = frame.length;
  p.wireLen = frame.length;
  p.linkType = 1;
  decodePacket(p);
  p.tsSec = Math.floor(t);
  p.tsNsec = Math.round((t - Math.floor(t)) * 1e9);
  return p;
}

/** Flow stage + detection engine + threshold gate over decoded frames. */
export class Pipeline {
  /** The flow stage. */
  readonly flows: FlowStage;
  /** The engine. */
  readonly engine: DetectEngine;
  /** The alert gate. */
  readonly gate: ThresholdGate;
  readonly #alerts = new AlertQueue();
  readonly #packet = new Packet();
  readonly #ctx: DetectContext;

  /**
   * @param sigs compiled signatures
   * @param options flow table options
   */
  constructor(sigs: Signature[], options: FlowTableOptions = {}) {
    this.engine = DetectEngine.build(sigs, { matcher: testMatcherFactory() });
    this.gate = new ThresholdGate({ capacity: 1024 });
    this.engine.gate = this.gate;
    this.flows = new FlowStage(options, flowbitCount(), flowintCount());
    this.#ctx = new DetectContext(this.#packet);
  }

  /**
   * Run one frame at time `t`.
   *
   * @param frame the frame
   * @param t packet time in seconds
   * @returns the sids that alerted
   */
  run(frame: Uint8Array, t: number): number[] {
    const p = decodeAt(frame, t, this.#packet);
    const ctx = this.#ctx;
    ctx.now = p.tsSec + p.tsNsec / 1e9;
    this.flows.update(p, ctx);
    this.#alerts.reset();
    this.engine.inspect(p, ctx, this.#alerts);
    this.flows.finish(ctx);
    const out: number[] = [];
    for (let i = 0; i < this.#alerts.count; i++) {
      out.push(this.engine.sigs[this.#alerts.sigIndex[i]].sid);
    }
    return out.sort((a, b) => a - b);
  }

  /** The detection context (flow fields of the last packet). */
  get ctx(): DetectContext {
    return this.#ctx;
  }
}
