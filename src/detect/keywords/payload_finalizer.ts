/**
 * The payload finalizer: once every option of a rule is applied, validate
 * the buffers as Suricata's SigValidate and buffer callbacks do, compile
 * each buffer's records into a {@link ContentInspector} (`sig.buffers`), and
 * pick the prefilter pattern (`sig.fastPattern`) as Suricata's
 * RetrieveFPForSig does: an explicit `fast_pattern` wins; otherwise, among
 * non-negated contents (negated ones only when there is no other), the
 * buffer with the best MPM priority, then the longest pattern, then the
 * highest pattern strength. A negated fast pattern leaves the rule without a
 * prefilter pattern (checked on every packet).
 *
 * @module
 */

import { transformChain } from "../buffer_transforms.ts";
import { bufferById, PKT_DATA } from "../buffers.ts";
import {
  type Base64DecodeStep,
  base64Scratch,
  ContentFlag,
  ContentInspector,
  type InspectionStep,
  LOWER,
  StepKind,
  UintMode,
} from "../content_inspect.ts";
import { registerFinalizer } from "../keyword_registry.ts";
import { packedBytes, packedFolded } from "../pattern_bytes.ts";
import {
  type ContentRecord,
  type PayloadRecord,
  payloadState,
  recordsOf,
} from "../payload_setup.ts";
import { KeywordError, type SignatureBuilder, StreamMode } from "../signature.ts";
import { BASE64_DATA } from "./base64.ts";
import { stickyBufferOf } from "./sticky_buffers.ts";

/** Flags that make a negated fast pattern inconclusive for Suricata's prefilter. */
const INCONCLUSIVE = ContentFlag.DISTANCE | ContentFlag.WITHIN | ContentFlag.DEPTH |
  ContentFlag.OFFSET;

/** Finalizer order: after keyword families that only set conditions. */
export const PAYLOAD_FINALIZER_ORDER = 100;

/** MPM priority of a buffer (lower is preferred); 0 when it has no prefilter. */
function mpmPriority(bufferId: number): number {
  if (bufferId === PKT_DATA) return 3;
  if (bufferId === BASE64_DATA) return 0;
  const chain = transformChain(bufferId);
  return stickyBufferOf(chain === undefined ? bufferId : chain.base)?.priority ?? 0;
}

function contents(list: readonly PayloadRecord[]): ContentRecord[] {
  return list.filter((r): r is ContentRecord => r.type === "content");
}

function fail(keyword: string, message: string): never {
  throw new KeywordError(keyword, message);
}

/** Suricata's buffer setup and validate callbacks for untransformed buffers. */
function validateBuffer(builder: SignatureBuilder, bufferId: number): void {
  const list = recordsOf(builder, bufferId);
  // the content records are filtered out only for the buffers that check them
  if (transformChain(bufferId) === undefined) {
    const name = bufferById(bufferId).name;
    let cds: ContentRecord[];
    switch (name) {
      case "http.host":
        cds = contents(list);
        for (const cd of cds) {
          if ((cd.flags & ContentFlag.NOCASE) !== 0) {
            fail("http.host", "nocase is not allowed: the host buffer is lower-cased");
          }
          if (cd.bytes.some((c) => c >= 0x41 && c <= 0x5a)) {
            fail("http.host", "pattern with upper-case characters on the lower-cased host buffer");
          }
        }
        break;
      case "http.method":
        cds = contents(list);
        for (const cd of cds) {
          const b = cd.bytes;
          const first = b[0];
          const last = b[b.length - 1];
          if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) {
            fail("http.method", "method pattern with a leading or trailing blank");
          }
        }
        break;
      case "ja3.hash":
      case "ja3s.hash":
        cds = contents(list);
        for (const cd of cds) cd.bytes = cd.bytes.map((c) => LOWER[c]);
        for (const cd of cds) {
          if (cd.bytes.length === 32) break;
          fail(name, "a JA3 hash is 32 characters long");
        }
        break;
      case "ssh.hassh":
      case "ssh.hassh.server":
        cds = contents(list);
        for (const cd of cds) {
          cd.bytes = cd.bytes.map((c) => LOWER[c]);
          if (cd.bytes.length !== 32 || !cd.bytes.every(isHexDigit)) {
            fail(name, "a HASSH is 32 hexadecimal characters");
          }
        }
        break;
      case "tls.cert_fingerprint":
        cds = contents(list);
        for (const cd of cds) {
          cd.bytes = cd.bytes.map((c) => LOWER[c]);
          if (cd.bytes.length !== 59 || !cd.bytes.includes(0x3a)) {
            fail(name, "a certificate fingerprint is 59 characters with colons");
          }
        }
        break;
      case "tls.cert_serial":
        cds = contents(list);
        for (const cd of cds) cd.bytes = cd.bytes.map((c) => (c >= 0x61 && c <= 0x7a ? c - 32 : c));
        for (const cd of cds) {
          if (cd.bytes.length <= 2 || cd.bytes.includes(0x3a)) break;
          fail(name, "a certificate serial longer than 2 characters has colons");
        }
        break;
      case "http.uri":
      case "http.uri.raw":
        cds = contents(list);
        validateUrilen(list, cds);
        break;
    }
  }
  validateBsize(list);
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** DetectUrilenApplyToContent + DetectUrilenValidateContent. */
function validateUrilen(list: readonly PayloadRecord[], cds: readonly ContentRecord[]): void {
  let high = 0xffff;
  let found = false;
  for (const r of list) {
    if (r.type !== "urilen") continue;
    found = true;
    switch (r.mode) {
      case UintMode.LT:
        if (r.arg1 < 0xffff) high = r.arg1 + 1;
        break;
      case UintMode.LE:
      case UintMode.EQ:
        high = r.arg1;
        break;
      case UintMode.RANGE:
        if (r.arg2 < 0xffff) high = r.arg2 + 1;
        break;
      default:
        high = 0xffff;
    }
  }
  if (!found || high === 0xffff) return;
  for (const cd of cds) {
    const depth = cd.depth === 0 || cd.depth > high ? high : cd.depth;
    if (depth !== 0 && depth < cd.bytes.length) {
      fail("urilen", "depth or urilen smaller than the content length");
    }
  }
}

/** DetectBsizeValidateContentCallback. */
function validateBsize(list: readonly PayloadRecord[]): void {
  let bsize: PayloadRecord | undefined;
  for (const r of list) {
    if (r.type === "bsize") {
      bsize = r;
      break;
    }
  }
  if (bsize === undefined || bsize.type !== "bsize") return;
  const cds = contents(list);
  let max: number;
  if (bsize.mode === UintMode.LT || bsize.mode === UintMode.EQ) max = bsize.arg1;
  else if (bsize.mode === UintMode.RANGE) max = bsize.arg2;
  else return;
  let total = 0;
  let maxOffset = 0;
  let first = true;
  for (const cd of cds) {
    const relative = (cd.flags & (ContentFlag.DISTANCE | ContentFlag.WITHIN)) !== 0;
    const distance = (cd.flags & ContentFlag.DISTANCE_VAR) !== 0 ? 0 : cd.distance;
    const within = (cd.flags & ContentFlag.WITHIN_VAR) !== 0 ? 0 : cd.within;
    if (!first) {
      if (!relative) continue;
      if ((cd.flags & ContentFlag.NEGATED) !== 0) {
        if (max < total + distance + within) {
          fail("bsize", "the required content length exceeds the bsize value");
        }
        continue;
      }
    }
    total += cd.bytes.length + distance;
    maxOffset = Math.max(maxOffset, (cd.flags & ContentFlag.OFFSET_VAR) !== 0 ? 0 : cd.offset);
    first = false;
  }
  if (total > max || total + maxOffset > max) {
    fail("bsize", "the required content length exceeds the bsize value");
  }
}

const POSITION = ContentFlag.DEPTH | ContentFlag.OFFSET | ContentFlag.WITHIN |
  ContentFlag.DISTANCE;

/**
 * Suricata's PropagateLimits (detect-content.c, 7.0.x), applied to each
 * buffer before inspection: it turns a leading relative content into an
 * absolute one and derives absolute offset/depth bounds for later relative
 * contents, which the inspection then uses as lower/upper bounds. Ported
 * as is, quirks included (a negated content still counts its length; slot
 * numbers of variables are used as values), because the bounds change which
 * rules match.
 */
export function propagateLimits(list: readonly PayloadRecord[]): void {
  const u16 = (v: number) => v & 0xffff;
  let offset = 0;
  let offsetPlusPat = 0;
  let depth = 0;
  let activeDepthChain = false;
  let hasDepth = false;
  let hasEndsWith = false;
  let endsWithDepth = 0;
  const noteEndsWith = (cd: ContentRecord) => {
    if ((cd.flags & ContentFlag.ENDS_WITH) !== 0) {
      hasEndsWith = true;
      if (endsWithDepth === 0) endsWithDepth = depth;
      endsWithDepth = Math.min(endsWithDepth, depth);
    }
  };
  const run = (): void => {
    for (let k = 0; k < list.length; k++) {
      const r = list[k];
      if (r.type === "pcre") {
        if (r.relative) depth = 0;
        else offsetPlusPat = offset = depth = 0;
        activeDepthChain = false;
        continue;
      }
      if (r.type !== "content") {
        offsetPlusPat = offset = depth = 0;
        activeDepthChain = false;
        continue;
      }
      const cd = r;
      const len = cd.bytes.length;
      if ((cd.flags & POSITION) === 0) {
        offset = depth = 0;
        offsetPlusPat = u16(len);
        activeDepthChain = false;
        continue;
      }
      if (k === 0) {
        if (cd.distance >= 0 && cd.distance <= 0xffff && cd.within >= 0 && cd.within <= 0xffff) {
          if ((cd.flags & ContentFlag.DISTANCE) !== 0) {
            if (cd.distance > 0) cd.flags |= ContentFlag.OFFSET;
            cd.flags &= ~ContentFlag.DISTANCE;
            cd.offset = u16(cd.distance);
            cd.distance = 0;
          }
          if ((cd.flags & ContentFlag.WITHIN) !== 0) {
            cd.flags |= ContentFlag.DEPTH;
            cd.flags &= ~ContentFlag.WITHIN;
            cd.depth = u16(u16(cd.within) + cd.offset);
            cd.within = 0;
          }
        }
      }
      if ((cd.flags & ContentFlag.NEGATED) !== 0) {
        offset = depth = 0;
        offsetPlusPat = 0;
        activeDepthChain = false;
        continue;
      }
      if (cd.depth !== 0) {
        hasDepth = true;
        activeDepthChain = true;
      }
      // Suricata tests `flags & (DETECT_DEPTH | WITHIN)` with the keyword id
      // DETECT_DEPTH (31), never zero here: that branch cannot run.
      if ((cd.flags & ContentFlag.DISTANCE) === 0) offsetPlusPat = offset = 0;
      if ((cd.flags & ContentFlag.DISTANCE) !== 0) {
        if (cd.distance >= 0) {
          if (offsetPlusPat + cd.distance > 0xffff) return;
          offset = cd.offset = u16(offsetPlusPat + cd.distance);
        } else {
          if (Math.abs(cd.distance) > offsetPlusPat) offset = cd.offset = 0;
          else offset = cd.offset = u16(offsetPlusPat + cd.distance);
          offsetPlusPat = u16(offset + len);
        }
      }
      if (activeDepthChain) {
        if (offsetPlusPat !== 0 && (cd.flags & ContentFlag.WITHIN) !== 0 && cd.within >= 0) {
          if (depth !== 0 && depth > offsetPlusPat) {
            const dist = (cd.flags & ContentFlag.DISTANCE) !== 0 && cd.distance > 0
              ? cd.distance
              : 0;
            const v = depth + cd.within + dist;
            if (v < 0 || v > 0xffff) return;
            depth = cd.depth = u16(v);
          } else if ((cd.flags & ContentFlag.DISTANCE_VAR) === 0) {
            const v = depth + cd.within;
            if (v < 0 || v > 0xffff) return;
            depth = cd.depth = u16(offset + cd.within);
          }
        } else if (cd.depth === 0 && depth !== 0 && cd.within > 0) {
          if ((cd.flags & ContentFlag.DISTANCE) !== 0 && cd.distance >= 0) {
            const v = offsetPlusPat + cd.distance;
            if (v < 0 || v > 0xffff) return;
            cd.offset = u16(v);
          }
          const v = depth + cd.within;
          if (v < 0 || v > 0xffff) return;
          depth = cd.depth = u16(cd.within + depth);
          noteEndsWith(cd);
        }
      }
      if (cd.offset === 0 && (cd.flags & ContentFlag.DISTANCE) !== 0 && cd.distance >= 0) {
        cd.offset = offsetPlusPat;
      }
      const pos = cd.flags & POSITION;
      if (
        pos === (ContentFlag.DISTANCE | ContentFlag.WITHIN) || pos === ContentFlag.DISTANCE
      ) {
        if (cd.distance >= 0) {
          if (offsetPlusPat + cd.distance > 0xffff) return;
          offset = cd.offset = u16(offsetPlusPat + cd.distance);
          offsetPlusPat = u16(offset + len);
        }
      }
      if ((cd.flags & ContentFlag.OFFSET) !== 0) {
        offset = cd.offset;
        offsetPlusPat = u16(offset + len);
      }
      if (cd.depth !== 0) {
        depth = cd.depth;
        offsetPlusPat = u16(offset + len);
        noteEndsWith(cd);
      }
      if ((cd.flags & (ContentFlag.WITHIN | ContentFlag.DEPTH)) === 0) {
        activeDepthChain = false;
        depth = 0;
      }
    }
  };
  run();
  if (hasDepth && hasEndsWith) {
    for (const r of list) {
      if (r.type !== "content") continue;
      if (r.depth === 0) r.depth = endsWithDepth;
      r.depth = Math.min(endsWithDepth, r.depth);
      if (r.depth !== 0) r.flags |= ContentFlag.DEPTH;
    }
  }
}

function compileRecord(r: PayloadRecord, base64: ContentInspector | null): InspectionStep {
  switch (r.type) {
    case "content":
      return {
        kind: StepKind.CONTENT,
        pattern: (r.flags & ContentFlag.NOCASE) !== 0
          ? packedFolded(r.bytes, LOWER)
          : packedBytes(r.bytes),
        flags: r.flags,
        offset: r.offset,
        depth: r.depth,
        distance: r.distance,
        within: r.within,
        skip: null,
      };
    case "pcre":
      return {
        kind: StepKind.PCRE,
        regex: new RegExp(r.source, r.sticky ? "y" : "g"),
        relative: r.relative,
        negated: r.negated,
        relativeNext: r.relativeNext,
      };
    case "isdataat":
      return {
        kind: StepKind.ISDATAAT,
        dataat: r.dataat,
        relative: r.relative,
        negated: r.negated,
        variable: r.variable,
      };
    case "bsize":
    case "urilen":
      return {
        kind: r.type === "bsize" ? StepKind.BSIZE : StepKind.URILEN,
        mode: r.mode,
        arg1: r.arg1,
        arg2: r.arg2,
      };
    case "base64_decode": {
      const step: Base64DecodeStep = {
        kind: StepKind.BASE64_DECODE,
        bytes: r.bytes,
        offset: r.offset,
        relative: r.relative,
        data: base64,
        scratch: base64Scratch(r.bytes),
      };
      return step;
    }
    case "buffer_test":
      return { kind: StepKind.BUFFER_TEST, test: r.test };
    default:
      return { ...r.step } as unknown as InspectionStep;
  }
}

/** patternStrength's byte values seen: the call's stamp marks them (no array per call). */
const strengthSeen = new Uint32Array(256);
let strengthStamp = 0;

/** Suricata's PatternStrength. */
export function patternStrength(bytes: Uint8Array): number {
  if (++strengthStamp > 0xffff_fffe) {
    strengthSeen.fill(0);
    strengthStamp = 1;
  }
  const stamp = strengthStamp;
  let s = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (strengthSeen[c] !== stamp) {
      const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
      if (alpha) s += 3;
      else if ((c >= 0x20 && c <= 0x7e) || c === 0x00 || c === 0x01 || c === 0xff) s += 4;
      else s += 6;
      strengthSeen[c] = stamp;
    } else {
      s++;
    }
  }
  return s;
}

/**
 * Whether a payload record is a content that can be the fast pattern: any
 * content, or only a positive one when the rule has a positive content.
 */
function isCandidate(r: PayloadRecord, positive: boolean): r is ContentRecord {
  return r.type === "content" && (!positive || (r.flags & ContentFlag.NEGATED) === 0);
}

/**
 * The chosen fast pattern content and its buffer, as RetrieveFPForSig: a
 * content marked fast_pattern, else the longest candidate in the buffers of
 * the best MPM priority (lowest buffer id first), the strongest on a tie.
 * Walks the records in place (no filtered arrays: it runs for every rule).
 */
function chooseFastPattern(
  builder: SignatureBuilder,
  order: readonly number[],
): { cd: ContentRecord; buffer: number } | null {
  let positive = false;
  for (const b of order) {
    if (mpmPriority(b) <= 0) continue;
    for (const r of recordsOf(builder, b)) {
      if (r.type !== "content") continue;
      if (r.fastPattern) return { cd: r, buffer: b };
      if ((r.flags & ContentFlag.NEGATED) === 0) positive = true;
    }
  }
  let best = Infinity;
  for (const b of order) {
    const priority = mpmPriority(b);
    if (priority <= 0 || priority >= best) continue;
    if (recordsOf(builder, b).some((r) => isCandidate(r, positive))) best = priority;
  }
  if (best === Infinity) return null;
  const finalLists: number[] = [];
  for (const b of order) if (mpmPriority(b) === best) finalLists.push(b);
  if (finalLists.length > 1) finalLists.sort((a, b) => a - b);
  let maxLen = 0;
  for (const b of finalLists) {
    for (const r of recordsOf(builder, b)) {
      if (isCandidate(r, positive) && r.bytes.length > maxLen) maxLen = r.bytes.length;
    }
  }
  let chosen: { cd: ContentRecord; buffer: number } | null = null;
  let chosenStrength = -1;
  for (const b of finalLists) {
    for (const r of recordsOf(builder, b)) {
      if (!isCandidate(r, positive) || r.bytes.length !== maxLen) continue;
      const strength = patternStrength(r.bytes);
      if (chosen === null || strength > chosenStrength) {
        chosen = { cd: r, buffer: b };
        chosenStrength = strength;
      }
    }
  }
  return chosen;
}

function finalize(builder: SignatureBuilder): void {
  const st = payloadState(builder);
  const sig = builder.sig;
  if (st.stickyName !== null && !st.stickyHasMatch) {
    fail(st.stickyName, `sticky buffer ${st.stickyName} set but no match keyword follows it`);
  }
  const order: number[] = [];
  if (recordsOf(builder, PKT_DATA).length > 0) order.push(PKT_DATA);
  for (const b of builder.bufferOrder) {
    if (b !== PKT_DATA && b !== BASE64_DATA && recordsOf(builder, b).length > 0) order.push(b);
  }
  const hasBase64Data = recordsOf(builder, BASE64_DATA).length > 0;
  if (order.length === 0 && !hasBase64Data) return;
  for (const b of order) validateBuffer(builder, b);
  if (hasBase64Data) validateBuffer(builder, BASE64_DATA);

  const base64 = hasBase64Data
    ? new ContentInspector(recordsOf(builder, BASE64_DATA).map((r) => compileRecord(r, null)))
    : null;
  const fp = chooseFastPattern(builder, order);
  for (const b of order) propagateLimits(recordsOf(builder, b));
  const negatedFp = fp !== null && (fp.cd.flags & ContentFlag.NEGATED) !== 0;
  for (const b of order) {
    const steps = recordsOf(builder, b).map((r) => compileRecord(r, base64));
    let absent: { pattern: Uint8Array; nocase: boolean } | null = null;
    if (
      negatedFp && fp!.buffer === b && b === PKT_DATA && (fp!.cd.flags & INCONCLUSIVE) === 0 &&
      fp!.cd.chopLength === 0
    ) {
      const nocase = (fp!.cd.flags & ContentFlag.NOCASE) !== 0;
      absent = {
        pattern: nocase ? packedFolded(fp!.cd.bytes, LOWER) : packedBytes(fp!.cd.bytes),
        nocase,
      };
    }
    sig.buffers.push({ bufferId: b, matcher: new ContentInspector(steps, absent) });
  }
  sig.needsPayload = order[0] === PKT_DATA;
  // Suricata's SigValidate: a content anchored in the payload makes a tcp
  // rule inspect packets too, not only the stream
  const anchored = ContentFlag.DEPTH | ContentFlag.OFFSET | ContentFlag.STARTS_WITH |
    ContentFlag.DEPTH_VAR | ContentFlag.OFFSET_VAR;
  if (
    sig.streamMode === StreamMode.BOTH &&
    recordsOf(builder, PKT_DATA).some((r) => r.type === "content" && (r.flags & anchored) !== 0)
  ) {
    sig.streamMode = StreamMode.EITHER;
  }

  if (fp === null || negatedFp) {
    sig.fastPattern = null;
    return;
  }
  const cd = fp.cd;
  const nocase = (cd.flags & ContentFlag.NOCASE) !== 0;
  const chop = cd.chopLength > 0;
  const bytes = chop ? cd.bytes.subarray(cd.chopOffset, cd.chopOffset + cd.chopLength) : cd.bytes;
  // Suricata's PopulateMpmHelperAddPattern uses the (propagated) values.
  let offset = cd.offset;
  let depth = cd.depth;
  if (chop && (depth !== 0 || offset !== 0)) {
    offset += cd.chopOffset;
    if (depth !== 0) depth = depth - cd.bytes.length + cd.chopOffset + cd.chopLength;
  }
  if ((cd.flags & (ContentFlag.OFFSET_VAR | ContentFlag.DEPTH_VAR)) !== 0) {
    offset = 0;
    depth = 0;
  }
  sig.fastPattern = {
    bufferId: fp.buffer,
    bytes: nocase ? packedFolded(bytes, LOWER) : packedBytes(bytes),
    nocase,
    ...(offset !== 0 ? { offset } : {}),
    ...(depth !== 0 ? { depth } : {}),
  };
}

registerFinalizer(PAYLOAD_FINALIZER_ORDER, finalize);
