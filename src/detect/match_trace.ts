/**
 * Why a signature did or did not match: a {@link PacketTracer} that, after
 * the engine inspected each packet, re-checks the traced signatures step by
 * step (protocol, addresses and ports, each condition, each buffer with its
 * content/pcre/byte_* steps) and keeps, per signature, the furthest it got:
 * which option failed, in which buffer, from which offset.
 *
 * Off by default: the engine calls a tracer only when one is set, and the
 * inspection probe is set only while this module re-checks a signature, so
 * the detection path itself pays one null check per packet and per step.
 * Signatures must be compiled with `traceOrigins` to name the options.
 *
 * @module
 */

import type { Packet } from "../decode/packet.ts";
import { formatOption } from "../rules/rule.ts";
import type { RuleOption } from "../rules/rule.ts";
import { bufferById, PKT_DATA } from "./buffers.ts";
import { type ContentInspector, setInspectionProbe, StepKind } from "./content_inspect.ts";
import type { DetectContext } from "./detect_context.ts";
import { headerMatches, type PacketTracer } from "./engine.ts";
import { type Signature, StreamMode } from "./signature.ts";

/** The furthest a signature got on the traffic, and where it stopped. */
export interface MatchProgress {
  /** Larger is further (header < conditions < buffers, in order). */
  score: number;
  /** Frame number of the packet (0: a flow-end pseudo packet). */
  packet: number;
  /** Why it stopped, in one line; "matched" when everything held. */
  reason: string;
  /** The option that failed, when one did. */
  option: RuleOption | null;
}

const MATCHED = 1e9;

/** Records, per traced signature, the furthest it got and where it matched. */
export class MatchTrace implements PacketTracer {
  /** Traced signatures -> their furthest progress. */
  readonly progress: Map<Signature, MatchProgress> = new Map();
  /** Traced signatures -> frame numbers of the packets where they matched. */
  readonly matchedOn: Map<Signature, number[]> = new Map();
  readonly #sigs: readonly Signature[];
  #best = { step: -1, offset: 0, length: 0 };
  #target: ContentInspector | null = null;

  /** @param sigs the signatures to explain (compiled with traceOrigins) */
  constructor(sigs: readonly Signature[]) {
    this.#sigs = sigs;
    for (const sig of sigs) this.matchedOn.set(sig, []);
  }

  /**
   * Re-checks the traced signatures on a packet the engine just inspected.
   *
   * @param p the packet
   * @param ctx its detection context
   */
  inspected(p: Packet, ctx: DetectContext): void {
    for (const sig of this.#sigs) {
      const r = this.#explain(sig, p, ctx);
      const at = ctx.pseudo ? 0 : ctx.pcapCnt;
      if (r.score === MATCHED) this.matchedOn.get(sig)!.push(at);
      const best = this.progress.get(sig);
      if (best === undefined || r.score > best.score) {
        this.progress.set(sig, { ...r, packet: at });
      }
    }
  }

  #explain(sig: Signature, p: Packet, ctx: DetectContext): Omit<MatchProgress, "packet"> {
    if (sig.ipProto !== -1 && sig.ipProto !== p.ipProto && sig.ipProtoAlt !== p.ipProto) {
      return { score: 0, reason: `protocol: the packet is IP protocol ${p.ipProto}`, option: null };
    }
    if (sig.ipVersion !== 0 && sig.ipVersion !== p.ipVersion) {
      return { score: 0, reason: `IP version: the packet is IPv${p.ipVersion}`, option: null };
    }
    if (!headerMatches(sig, p, false) && !(sig.bidirectional && headerMatches(sig, p, true))) {
      return {
        score: 1,
        reason: "header: the packet's addresses or ports are not the rule's",
        option: null,
      };
    }
    const origins = sig.origins;
    for (let i = 0; i < sig.conditions.length; i++) {
      if (!sig.conditions[i].match(p, ctx)) {
        const option = origins?.conditions[i] ?? null;
        return {
          score: 10 + i,
          reason: `${name(option, "a condition")} does not hold`,
          option,
        };
      }
    }
    for (let b = 0; b < sig.buffers.length; b++) {
      const inspection = sig.buffers[b];
      const miss = this.#checkBuffer(sig, b, p, ctx);
      if (miss === null) continue;
      const step = miss.step;
      const option = origins?.buffers[b]?.[step] ?? null;
      const matcher = inspection.matcher as ContentInspector;
      const kind = matcher.steps?.[step]?.kind;
      const verb = kind === StepKind.CONTENT
        ? "not found"
        : kind === StepKind.PCRE
        ? "did not match"
        : "failed";
      const buffer = bufferById(inspection.bufferId).name;
      return {
        score: 1000 * (b + 1) + step,
        reason: miss.length < 0
          ? `${name(option, "a check")}: ${buffer} is empty or absent here`
          : `${
            name(option, "a check")
          } ${verb} in ${buffer}${miss.where} at offset ${miss.offset} of ${miss.length} bytes`,
        option,
      };
    }
    return { score: MATCHED, reason: "matched", option: null };
  }

  /** Null when the buffer matched; else the furthest step reached and its offset. */
  #checkBuffer(
    sig: Signature,
    b: number,
    p: Packet,
    ctx: DetectContext,
  ): { step: number; offset: number; length: number; where: string } | null {
    const inspection = sig.buffers[b];
    const matcher = inspection.matcher as ContentInspector;
    const id = inspection.bufferId;
    let best: { step: number; offset: number; length: number; where: string } | null = null;
    const attempt = (data: Uint8Array, start: number, end: number, where: string): boolean => {
      this.#best = { step: -1, offset: 0, length: end - start };
      this.#target = matcher;
      setInspectionProbe(this);
      let hit: boolean;
      try {
        hit = matcher.match(data, start, end, ctx);
      } finally {
        setInspectionProbe(null);
        this.#target = null;
      }
      if (hit) return true;
      const step = Math.max(0, this.#best.step);
      if (best === null || step > best.step) {
        best = { step, offset: this.#best.offset, length: end - start, where };
      }
      return false;
    };
    if (id === PKT_DATA) {
      const mode = sig.streamMode;
      if (mode !== StreamMode.PACKET && ctx.streamBlockCount > 0 && ctx.stream !== null) {
        for (let k = 0; k < ctx.streamBlockCount; k++) {
          const st = ctx.stream;
          if (attempt(st.bytes, st.blockStart[k], st.blockEnd[k], " (stream)")) return null;
        }
      }
      const streamOnly = mode === StreamMode.STREAM ||
        (mode === StreamMode.BOTH && ctx.streamAdded);
      if (!streamOnly && p.payloadLen > 0) {
        const start = p.frameOffset + (p.payloadOffset < 0 ? 0 : p.payloadOffset);
        if (attempt(p.data, start, start + p.payloadLen, " (packet)")) return null;
      }
      return best ?? { step: 0, offset: 0, length: -1, where: "" };
    }
    const name = bufferById(id).name;
    const span = headerSpan(name, p);
    if (span === null) return { step: 0, offset: 0, length: -1, where: "" };
    const start = p.frameOffset + span[0];
    if (attempt(p.data, start, start + span[1], "")) return null;
    return best;
  }

  /** The inspection probe: keeps the furthest step of the inspector being explained. */
  reached(inspector: ContentInspector, step: number, offset: number, length: number): void {
    if (inspector !== this.#target) return;
    if (step > this.#best.step) this.#best = { step, offset, length };
  }
}

function headerSpan(name: string, p: Packet): [number, number] | null {
  const proto: Record<string, number> = {
    "tcp.hdr": 6,
    "udp.hdr": 17,
    "icmpv4.hdr": 1,
    "icmpv6.hdr": 58,
  };
  if (name in proto) {
    return p.ipProto === proto[name] && p.l4Offset >= 0 ? [p.l4Offset, p.l4HeaderLen] : null;
  }
  if (name === "ipv4.hdr" || name === "ipv6.hdr") {
    const v = name === "ipv4.hdr" ? 4 : 6;
    return p.l3Offset >= 0 && p.ipVersion === v ? [p.l3Offset, p.ipHeaderLen] : null;
  }
  return null;
}

function name(option: RuleOption | null, fallback: string): string {
  return option === null ? fallback : formatOption(option).replace(/;$/, "");
}
