/**
 * Transformed buffers: a sticky buffer followed by transforms (`http.host;
 * dotprefix; content:".example.com";`) is inspected as a buffer of its own,
 * as in Suricata (one buffer type per base buffer and transform chain). This
 * module registers those derived buffers, records their chains for the stage
 * that will fill them, and implements the byte-wise transforms into caller
 * scratch memory (no allocation).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { bufferById, registerBuffer } from "./buffers.ts";
import { transformedBufferHook, type TransformSpec } from "./payload_setup.ts";

/** What a transformed buffer is made of. */
export interface TransformChain {
  /** The untransformed buffer. */
  readonly base: number;
  /** Transforms in application order. */
  readonly transforms: readonly TransformSpec[];
}

const chains = new Map<number, TransformChain>();

function chainName(base: number, transforms: readonly TransformSpec[]): string {
  let name = bufferById(base).name;
  for (const t of transforms) name += t.value === null ? `|${t.name}` : `|${t.name}:${t.value}`;
  return name;
}

/**
 * The buffer for a base buffer and a transform chain (registered on first use).
 *
 * @param base the untransformed buffer
 * @param transforms the chain
 * @returns the derived buffer's id
 */
export function transformedBuffer(base: number, transforms: readonly TransformSpec[]): number {
  const info = bufferById(base);
  const derived = registerBuffer(chainName(base, transforms), info.appProto, false);
  if (!chains.has(derived.id)) chains.set(derived.id, { base, transforms: [...transforms] });
  return derived.id;
}

transformedBufferHook.register = transformedBuffer;

/**
 * The chain of a transformed buffer.
 *
 * @param bufferId a buffer id
 * @returns its base and transforms, or undefined for an untransformed buffer
 */
export function transformChain(bufferId: number): TransformChain | undefined {
  return chains.get(bufferId);
}

const xorKeys = new WeakMap<TransformSpec, Uint8Array>();

function xorKey(t: TransformSpec): Uint8Array {
  let key = xorKeys.get(t);
  if (key === undefined) {
    const hex = t.value ?? "";
    key = new Uint8Array(hex.length >> 1);
    for (let k = 0; k < key.length; k++) key[k] = parseInt(hex.slice(2 * k, 2 * k + 2), 16);
    xorKeys.set(t, key);
  }
  return key;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * Apply one transform: read `src[start, end)`, write into `out`.
 *
 * @param t the transform
 * @param src input bytes
 * @param start input start
 * @param end input end
 * @param out output scratch (must hold the input length + 1)
 * @returns the output length, or -1 for a transform not implemented here
 *   (url_decode, to_md5, to_sha1, to_sha256, header_lowercase,
 *   strip_pseudo_headers, pcrexform: for the stage that fills the buffers)
 */
export function applyTransform(
  t: TransformSpec,
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
): number {
  let n = 0;
  switch (t.name) {
    case "to_lowercase":
      for (let i = start; i < end; i++) {
        const c = src[i];
        out[n++] = c >= 0x41 && c <= 0x5a ? c + 32 : c;
      }
      return n;
    case "to_uppercase":
      for (let i = start; i < end; i++) {
        const c = src[i];
        out[n++] = c >= 0x61 && c <= 0x7a ? c - 32 : c;
      }
      return n;
    case "dotprefix":
      if (end === start) return 0;
      out[n++] = 0x2e;
      for (let i = start; i < end; i++) out[n++] = src[i];
      return n;
    case "strip_whitespace":
      for (let i = start; i < end; i++) if (!isSpace(src[i])) out[n++] = src[i];
      return n;
    case "compress_whitespace":
      for (let i = start; i < end;) {
        const c = src[i++];
        out[n++] = c;
        if (isSpace(c)) { while (i < end && isSpace(src[i])) i++; }
      }
      return n;
    case "xor": {
      const key = xorKey(t);
      if (key.length === 0) return -1;
      for (let i = start; i < end; i++) out[n++] = src[i] ^ key[(i - start) % key.length];
      return n;
    }
    case "url_decode":
      // Suricata's url_decode: %XX with two hex digits decoded, '+' to space
      for (let i = start; i < end; i++) {
        const c = src[i];
        if (c === 0x25 && i + 2 < end) {
          const hi = hexValue(src[i + 1]);
          const lo = hexValue(src[i + 2]);
          if (hi >= 0 && lo >= 0) {
            out[n++] = (hi << 4) | lo;
            i += 2;
            continue;
          }
        }
        out[n++] = c === 0x2b ? 0x20 : c;
      }
      return n;
    case "header_lowercase": {
      // header names (up to each line's colon) lowercased
      let inName = true;
      for (let i = start; i < end; i++) {
        const c = src[i];
        if (c === 0x0a) inName = true;
        else if (c === 0x3a) inName = false;
        out[n++] = inName && c >= 0x41 && c <= 0x5a ? c + 32 : c;
      }
      return n;
    }
    case "to_md5":
    case "to_sha1":
    case "to_sha256": {
      const algorithm = t.name === "to_md5" ? "md5" : t.name === "to_sha1" ? "sha1" : "sha256";
      const digest = createHash(algorithm).update(src.subarray(start, end)).digest();
      out.set(digest, 0);
      return digest.length;
    }
    default:
      return -1;
  }
}

/** Transforms {@link applyTransform} implements. */
const APPLIED = new Set([
  "to_lowercase",
  "to_uppercase",
  "dotprefix",
  "strip_whitespace",
  "compress_whitespace",
  "xor",
  "url_decode",
  "header_lowercase",
  "to_md5",
  "to_sha1",
  "to_sha256",
]);

/**
 * Whether a buffer is filled in this build: a plain buffer that a stage
 * fills, or a transformed one whose base is filled and whose transforms are
 * all implemented.
 *
 * @param bufferId a buffer id
 */
export function bufferAvailable(bufferId: number): boolean {
  const chain = chains.get(bufferId);
  if (chain === undefined) return bufferById(bufferId).available;
  if (!bufferById(chain.base).available || bufferById(chain.base).appProto === null) return false;
  return chain.transforms.every((t) => APPLIED.has(t.name));
}

/** Room a transform's output may need beyond its input (dotprefix adds one byte; digests 32). */
export const TRANSFORM_SLACK = 64;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Whether a content may appear in a buffer with this transform (Suricata's
 * TransformValidate: a to_lowercase buffer has no upper-case letters, ...).
 *
 * @param name the transform
 * @param content the content bytes
 * @returns false when the content can never match
 */
export function contentFitsTransform(name: string, content: Uint8Array): boolean {
  switch (name) {
    case "to_lowercase":
      return !content.some((c) => c >= 0x41 && c <= 0x5a);
    case "to_uppercase":
      return !content.some((c) => c >= 0x61 && c <= 0x7a);
    case "strip_whitespace":
      return !content.some(isSpace);
    case "compress_whitespace":
      for (let i = 0; i + 1 < content.length; i++) {
        if (isSpace(content[i]) && isSpace(content[i + 1])) return false;
      }
      return true;
    default:
      return true;
  }
}
