/**
 * `requires` (Suricata 7.0.3+): the rule needs a Suricata version or
 * feature, `requires: feature output::file-store, version >= 7.0.3;`.
 * Versions are compared with the Suricata version Tarsier implements
 * ({@link SURICATA_COMPAT_VERSION}); `version` takes one or more
 * comparisons (`>= 7.0.3 < 8`, all must hold) and alternatives separated by
 * `|`. A rule whose requirements are not met is skipped with the reason (an
 * "unsupported" skip, not an error), as Suricata skips it; a requirement of
 * an unknown kind also skips the rule; a malformed expression is an error.
 *
 * Parsed as Suricata's `rust/src/detect/requires.rs`.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError } from "../signature.ts";

/** A Suricata version. */
export interface SuricataVersion {
  /** Major. */
  major: number;
  /** Minor. */
  minor: number;
  /** Patch. */
  patch: number;
}

/** The Suricata version whose behaviour Tarsier reproduces. */
export const SURICATA_COMPAT_VERSION: Readonly<SuricataVersion> = Object.freeze({
  major: 7,
  minor: 0,
  patch: 10,
});

const features = new Set<string>();

/**
 * Declare a feature as present (Suricata's `ProvidesFeature`), e.g. `ja3`
 * once the TLS stage computes JA3. Rules requiring it then load.
 *
 * @param name the feature as written in rules
 */
export function provideFeature(name: string): void {
  features.add(name);
}

/**
 * @param name a feature
 * @returns whether something in this build declared it
 */
export function hasFeature(name: string): boolean {
  return features.has(name);
}

/** One version comparison. */
export interface VersionRequirement {
  /** ">=", ">", "<=" or "<". */
  op: string;
  /** The version compared with. */
  version: SuricataVersion;
}

/** A parsed `requires` value. */
export interface Requirements {
  /** Features required. */
  features: string[];
  /** Alternatives (any may hold) of comparisons (all must hold); empty: no version requirement. */
  versions: VersionRequirement[][];
  /** Requirements of kinds Suricata 7 does not know, as `key value`. */
  unknown: string[];
}

/**
 * Parse a `requires` value.
 *
 * @param value the raw value
 * @returns the requirements
 * @throws {KeywordError} when the expression is malformed
 */
export function parseRequires(value: string): Requirements {
  const req: Requirements = { features: [], versions: [], unknown: [] };
  let i = 0;
  const n = value.length;
  const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
  while (i < n) {
    while (isSpace(value[i])) i++;
    const keyStart = i;
    while (i < n && /[A-Za-z0-9_-]/.test(value[i])) i++;
    const key = value.slice(keyStart, i);
    while (isSpace(value[i])) i++;
    const valueStart = i;
    while (i < n && value[i] !== ",") i++;
    const val = value.slice(valueStart, i);
    if (key === "feature") {
      req.features.push(val.trim());
    } else if (key === "version") {
      if (req.versions.length > 0) {
        throw new KeywordError("requires", "version may only be given once", {
          valueOffset: keyStart,
        });
      }
      req.versions = parseVersionExpression(val, valueStart);
    } else {
      req.unknown.push(`${key} ${val}`);
    }
    while (i < n && (value[i] === "," || isSpace(value[i]))) i++;
  }
  return req;
}

/** `many1(op version)` separated by `|`; text after the last version is ignored, as Suricata. */
function parseVersionExpression(text: string, base: number): VersionRequirement[][] {
  const out: VersionRequirement[][] = [];
  let i = 0;
  const bad = (at: number) =>
    new KeywordError("requires", "version comparisons expected, e.g. >= 7.0.3 < 8", {
      valueOffset: base + Math.min(at, text.length),
    });
  for (;;) {
    const group: VersionRequirement[] = [];
    for (;;) {
      let j = i;
      while (/\s/.test(text[j] ?? "")) j++;
      const op = text.startsWith(">=", j)
        ? ">="
        : text.startsWith("<=", j)
        ? "<="
        : text[j] === ">" || text[j] === "<"
        ? text[j]
        : "";
      if (op === "") {
        if (group.length === 0) throw bad(j);
        break;
      }
      j += op.length;
      while (/\s/.test(text[j] ?? "")) j++;
      const parts: number[] = [];
      for (let k = 0; k < 3; k++) {
        if (k > 0) {
          if (j >= text.length || text[j] === " ") break;
          if (text[j] !== ".") throw bad(j);
          j++;
        }
        const start = j;
        while (j < text.length && text[j] !== "." && text[j] !== "-" && text[j] !== " ") j++;
        const part = text.slice(start, j);
        if (!/^\+?[0-9]+$/.test(part) || Number(part) > 255) throw bad(start);
        parts.push(Number(part));
      }
      group.push({ op, version: { major: parts[0], minor: parts[1] ?? 0, patch: parts[2] ?? 0 } });
      i = j;
    }
    out.push(group);
    let j = i;
    while (/\s/.test(text[j] ?? "")) j++;
    if (text[j] !== "|") return out;
    i = j + 1;
  }
}

function compareVersions(a: SuricataVersion, b: SuricataVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

function versionText(v: SuricataVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/**
 * Why requirements are not met, or null when they are.
 *
 * @param req the requirements
 * @param version the Suricata version to check against
 * @returns a short reason, or null
 */
export function unmetRequirement(
  req: Requirements,
  version: SuricataVersion = SURICATA_COMPAT_VERSION,
): string | null {
  if (req.unknown.length > 0) return `unknown requirement "${req.unknown.join(", ").trim()}"`;
  if (req.versions.length > 0) {
    let first: string | null = null;
    for (const group of req.versions) {
      let failed: string | null = null;
      for (const { op, version: want } of group) {
        const c = compareVersions(version, want);
        const ok = op === ">=" ? c >= 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : c < 0;
        if (!ok) {
          failed = `needs Suricata ${op} ${versionText(want)} (Tarsier implements ${
            versionText(version)
          })`;
          break;
        }
      }
      if (failed === null) {
        first = null;
        break;
      }
      first ??= failed;
    }
    if (first !== null) return first;
  }
  for (const f of req.features) {
    if (!features.has(f)) return `needs feature "${f}"`;
  }
  return null;
}

registerKeyword({
  name: "requires",
  description: "Suricata version or features the rule needs",
  value: "required",
  setup(_builder, value) {
    const reason = unmetRequirement(parseRequires(value!));
    if (reason !== null) throw new KeywordError("requires", reason, { unsupported: true });
  },
});
