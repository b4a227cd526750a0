/**
 * Transforms after a sticky buffer (`dotprefix`, `to_lowercase`, `xor`, ...):
 * recorded on the rule; the next match keyword then inspects the derived
 * buffer "base + transforms" (see buffer_transforms.ts). As in Suricata 7
 * (DetectSignatureAddTransform), a transform needs a sticky buffer set
 * before it.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import { payloadState, unquote } from "../payload_setup.ts";
import { KeywordError, type SignatureBuilder } from "../signature.ts";
import { translatePcre } from "../pcre_translate.ts";

/** Suricata 7.0 transforms without a value. */
export const PLAIN_TRANSFORMS: readonly string[] = [
  "dotprefix",
  "to_lowercase",
  "to_uppercase",
  "strip_whitespace",
  "compress_whitespace",
  "url_decode",
  "to_md5",
  "to_sha1",
  "to_sha256",
  "header_lowercase",
  "strip_pseudo_headers",
];

const MAX_TRANSFORMS = 16;

function addTransform(builder: SignatureBuilder, name: string, value: string | null): void {
  const st = payloadState(builder);
  if (builder.currentBuffer < 0) {
    throw new KeywordError(name, "transforms apply to sticky buffers only");
  }
  if (!st.listSet) throw new KeywordError(name, "transforms must directly follow stickybuffers");
  if (st.pendingTransforms.length >= MAX_TRANSFORMS) {
    throw new KeywordError(name, "too many transforms");
  }
  st.pendingTransforms.push({ name, value });
}

for (const name of PLAIN_TRANSFORMS) {
  registerKeyword({
    name,
    description: `transform the sticky buffer: ${name}`,
    value: "none",
    setup(builder) {
      addTransform(builder, name, null);
    },
  });
}

registerKeyword({
  name: "xor",
  description: "transform the sticky buffer: xor with a hex key",
  value: "required",
  setup(builder, value) {
    const { text, offset } = unquote("xor", value!, { quotes: "mandatory", negation: false });
    if (text.length % 2 === 1) {
      throw new KeywordError("xor", "key length must be even", { valueOffset: offset });
    }
    if (text.length / 2 > 255) {
      throw new KeywordError("xor", "key too long", { valueOffset: offset });
    }
    if (!/^[0-9a-fA-F]*$/.test(text)) {
      throw new KeywordError("xor", "key must be hexadecimal", { valueOffset: offset });
    }
    addTransform(builder, "xor", text.toLowerCase());
  },
});

registerKeyword({
  name: "pcrexform",
  description: "transform the sticky buffer: keep a pcre's capture",
  value: "required",
  setup(builder, value) {
    const { text, offset } = unquote("pcrexform", value!, { quotes: "mandatory", negation: false });
    let groups: number;
    try {
      groups = countCaptures(text);
      translatePcre(text, { noAutoCapture: false });
    } catch (error) {
      const e = error as Error & { unsupported?: boolean };
      throw new KeywordError("pcrexform", e.message, {
        valueOffset: offset,
        unsupported: e.unsupported === true,
      });
    }
    if (groups !== 1) {
      throw new KeywordError("pcrexform", `needs exactly one capture group, found ${groups}`, {
        valueOffset: offset,
      });
    }
    addTransform(builder, "pcrexform", text);
  },
});

/** Capture groups of a pattern (plain or named parentheses). */
function countCaptures(pattern: string): number {
  let n = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
      if (pattern[i + 1] === "]") i++;
      continue;
    }
    if (c !== "(") continue;
    if (pattern[i + 1] !== "?") {
      n++;
    } else if (/^\(\?(P?<[A-Za-z_]|')/.test(pattern.slice(i, i + 5))) {
      n++;
    }
  }
  return n;
}
