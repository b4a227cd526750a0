/**
 * `metadata`: comma-separated `key value` pairs
 * (`metadata:created_at 2010_07_30, signature_severity Major;`). Parsed as
 * Suricata does, which never rejects the keyword: each part has its leading
 * blanks removed and is split at its first space into key and value (the
 * value's leading blanks removed too); parts without a space or with an
 * empty value are dropped. Kept in `sig.metadata` as `key value`, in rule
 * order.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";

/**
 * Split a metadata value into `key value` entries as Suricata does.
 *
 * @example
 * ```ts
 * import { parseMetadata } from "./metadata.ts";
 * parseMetadata("created_at 2010_07_30, former_category INFO, bare");
 * // ["created_at 2010_07_30", "former_category INFO"]
 * ```
 *
 * @param value the raw value
 * @returns the entries
 */
export function parseMetadata(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(",")) {
    const p = part.replace(/^[ \t]+/, "");
    const space = p.indexOf(" ");
    if (space <= 0) continue;
    const val = p.slice(space + 1).replace(/^[ \t]+/, "");
    if (val.length === 0) continue;
    out.push(`${p.slice(0, space)} ${val}`);
  }
  return out;
}

registerKeyword({
  name: "metadata",
  description: "key value pairs describing the rule",
  value: "required",
  setup(builder, value) {
    builder.sig.metadata.push(...parseMetadata(value!));
  },
});
