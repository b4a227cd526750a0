/**
 * The modifiers of the last content: `nocase`, `offset`, `depth`,
 * `startswith`, `endswith`, `distance`, `within`, `rawbytes` (Suricata's
 * detect-nocase.c, detect-offset.c, detect-depth.c, detect-distance.c,
 * detect-within.c, detect-isdataat.c, detect-rawbytes.c). Values may name a
 * byte_extract/byte_math variable.
 *
 * @module
 */

import { PKT_DATA } from "../buffers.ts";
import { ContentFlag } from "../content_inspect.ts";
import { registerKeyword } from "../keyword_registry.ts";
import {
  type ContentRecord,
  isVariableName,
  lastContent,
  markRelativeNext,
  parseI32,
  parseU16,
  previousMatch,
  RELATIVE_NEXT,
  variableSlot,
} from "../payload_setup.ts";
import { KeywordError, type SignatureBuilder } from "../signature.ts";

/** Suricata's DETECT_CONTENT_VALUE_MAX for distance and within. */
const RELATIVE_MAX = 1024 * 1024;

function absoluteChecks(keyword: string, cd: ContentRecord): void {
  if ((cd.flags & (ContentFlag.WITHIN | ContentFlag.DISTANCE)) !== 0) {
    throw new KeywordError(
      keyword,
      "can't mix a relative keyword (distance/within) with depth/offset",
    );
  }
  if ((cd.flags & ContentFlag.NEGATED) !== 0 && cd.fastPattern) {
    throw new KeywordError(keyword, "can't use it on a negated content with fast_pattern");
  }
  if (cd.fastPatternOnly) {
    throw new KeywordError(keyword, "can't use it on a fast_pattern:only content");
  }
}

function relativeChecks(keyword: string, cd: ContentRecord): void {
  if ((cd.flags & (ContentFlag.DEPTH | ContentFlag.OFFSET)) !== 0) {
    throw new KeywordError(
      keyword,
      "can't mix a relative keyword (distance/within) with depth/offset",
    );
  }
  if ((cd.flags & ContentFlag.NEGATED) !== 0 && cd.fastPattern) {
    throw new KeywordError(keyword, "can't use it on a negated content with fast_pattern");
  }
  if (cd.fastPatternOnly) {
    throw new KeywordError(keyword, "can't use it on a fast_pattern:only content");
  }
}

function checkPreviousNotOnly(
  keyword: string,
  prev: ReturnType<typeof previousMatch>,
): void {
  if (prev !== null && prev.type === "content" && prev.fastPatternOnly) {
    throw new KeywordError(keyword, "the previous content has fast_pattern:only");
  }
}

registerKeyword({
  name: "nocase",
  description: "the previous content matches ASCII letters in any case",
  value: "none",
  setup(builder) {
    const { record } = lastContent(builder, "nocase");
    if ((record.flags & ContentFlag.NOCASE) !== 0) {
      throw new KeywordError("nocase", "can't use multiple nocase modifiers with the same content");
    }
    record.flags |= ContentFlag.NOCASE;
  },
});

registerKeyword({
  name: "rawbytes",
  description: "accepted for Snort compatibility; no effect",
  value: "none",
  setup(builder) {
    if (builder.currentBuffer >= 0) {
      throw new KeywordError("rawbytes", "cannot be combined with a sticky buffer");
    }
    let record: ContentRecord | null = null;
    for (const r of (builder.steps.get(PKT_DATA) ?? []) as ContentRecord[]) {
      if (r.type === "content" && (record === null || r.seq > record.seq)) record = r;
    }
    if (record === null) throw new KeywordError("rawbytes", "needs a preceding content");
    if (record.rawbytes) throw new KeywordError("rawbytes", "used twice on the same content");
    record.rawbytes = true;
  },
});

registerKeyword({
  name: "offset",
  description: "the previous content starts at or after this position",
  value: "required",
  setup(builder, value) {
    const { record: cd } = lastContent(builder, "offset");
    if ((cd.flags & ContentFlag.STARTS_WITH) !== 0) {
      throw new KeywordError("offset", "can't use offset with startswith");
    }
    if ((cd.flags & ContentFlag.OFFSET) !== 0) {
      throw new KeywordError("offset", "can't use multiple offsets for the same content");
    }
    absoluteChecks("offset", cd);
    const v = value!;
    if (isVariableName(v)) {
      cd.offset = variableSlot(builder, "offset", v, 0);
      cd.flags |= ContentFlag.OFFSET_VAR;
    } else {
      cd.offset = parseU16("offset", v);
      if (cd.depth !== 0) {
        if (cd.depth < cd.bytes.length) cd.depth = cd.bytes.length;
        cd.depth += cd.offset;
      }
    }
    cd.flags |= ContentFlag.OFFSET;
  },
});

registerKeyword({
  name: "depth",
  description: "the previous content ends within this many bytes of its offset",
  value: "required",
  setup(builder, value) {
    const { record: cd } = lastContent(builder, "depth");
    if ((cd.flags & ContentFlag.DEPTH) !== 0) {
      throw new KeywordError("depth", "can't use multiple depths for the same content");
    }
    absoluteChecks("depth", cd);
    const v = value!;
    if (isVariableName(v)) {
      cd.depth = variableSlot(builder, "depth", v, 0);
      cd.flags |= ContentFlag.DEPTH_VAR;
    } else {
      const depth = parseU16("depth", v);
      if (depth < cd.bytes.length) {
        throw new KeywordError("depth", `depth:${depth} smaller than the content length`);
      }
      cd.depth = depth + cd.offset;
    }
    cd.flags |= ContentFlag.DEPTH;
  },
});

registerKeyword({
  name: "startswith",
  description: "the previous content is at the start of the buffer",
  value: "none",
  setup(builder) {
    const { record: cd } = lastContent(builder, "startswith");
    if ((cd.flags & ContentFlag.DEPTH) !== 0) {
      throw new KeywordError("startswith", "can't use multiple depth/startswith settings");
    }
    absoluteChecks("startswith", cd);
    if ((cd.flags & ContentFlag.OFFSET) !== 0) {
      throw new KeywordError("startswith", "can't mix offset with startswith");
    }
    cd.depth = cd.bytes.length;
    cd.flags |= ContentFlag.DEPTH | ContentFlag.STARTS_WITH;
  },
});

registerKeyword({
  name: "endswith",
  description: "the previous content is at the end of the buffer",
  value: "none",
  setup(builder) {
    lastContent(builder, "endswith").record.flags |= ContentFlag.ENDS_WITH;
  },
});

function relativeValue(builder: SignatureBuilder, keyword: string, v: string): [number, boolean] {
  if (v[0] !== "-" && isVariableName(v)) return [variableSlot(builder, keyword, v, 0), true];
  return [parseI32(keyword, v, -RELATIVE_MAX, RELATIVE_MAX), false];
}

registerKeyword({
  name: "distance",
  description: "the previous content starts this far after the match before it",
  value: "required",
  setup(builder, value) {
    const { record: cd, buffer } = lastContent(builder, "distance");
    if ((cd.flags & ContentFlag.DISTANCE) !== 0) {
      throw new KeywordError("distance", "can't use multiple distances for the same content");
    }
    relativeChecks("distance", cd);
    const [v, isVar] = relativeValue(builder, "distance", value!);
    cd.distance = v;
    if (isVar) cd.flags |= ContentFlag.DISTANCE_VAR;
    cd.flags |= ContentFlag.DISTANCE;
    const prev = previousMatch(builder, buffer, cd);
    checkPreviousNotOnly("distance", prev);
    if (prev !== null) {
      markRelativeNext(
        prev,
        (cd.flags & ContentFlag.NEGATED) === 0 ? ContentFlag.DISTANCE_NEXT : RELATIVE_NEXT,
      );
    }
  },
});

registerKeyword({
  name: "within",
  description: "the previous content ends within this many bytes of the match before it",
  value: "required",
  setup(builder, value) {
    const { record: cd, buffer } = lastContent(builder, "within");
    if ((cd.flags & ContentFlag.WITHIN) !== 0) {
      throw new KeywordError("within", "can't use multiple withins for the same content");
    }
    relativeChecks("within", cd);
    const [v, isVar] = relativeValue(builder, "within", value!);
    if (!isVar && v < cd.bytes.length) {
      throw new KeywordError("within", `within:${v} is less than the content length`);
    }
    cd.within = v;
    if (isVar) cd.flags |= ContentFlag.WITHIN_VAR;
    cd.flags |= ContentFlag.WITHIN;
    const prev = previousMatch(builder, buffer, cd);
    checkPreviousNotOnly("within", prev);
    if (prev !== null) markRelativeNext(prev, ContentFlag.WITHIN_NEXT);
  },
});
