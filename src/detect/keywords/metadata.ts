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
  // index scanning, no split or regular expressions: ET Open has ~10 entries
  // a rule, and an entry written with one space is a slice of the value
  const out: string[] = [];
  for (let start = 0; start <= value.length;) {
    let end = value.indexOf(",", start);
    if (end < 0) end = value.length;
    let key = start;
    while (key < end && isBlank(value.charCodeAt(key))) key++;
    const space = value.indexOf(" ", key);
    if (space > key && space < end) {
      let val = space + 1;
      while (val < end && isBlank(value.charCodeAt(val))) val++;
      if (val < end) {
        out.push(
          val === space + 1
            ? value.slice(key, end)
            : value.slice(key, space + 1) + value.slice(val, end),
        );
      }
    }
    start = end + 1;
  }
  return out;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

registerKeyword({
  name: "metadata",
  description: "key value pairs describing the rule",
  value: "required",
  setup(builder, value) {
    builder.sig.metadata.push(...parseMetadata(value!));
  },
});
