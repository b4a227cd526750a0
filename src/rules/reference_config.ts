/**
 * reference.config: the URL prefix of each `reference:` system
 * (`reference:cve,2021-44228;` -> `http://cve.mitre.org/...?name=2021-44228`).
 *
 * Lines are `config reference: system url`; `#` starts a comment line. As in
 * Suricata 7, system names are matched in lower case and the first definition
 * wins.
 *
 * @example
 * ```ts
 * import { parseReferenceConfig } from "./reference_config.ts";
 * const { systems } = parseReferenceConfig("config reference: url http://\n", "reference.config");
 * systems.get("url"); // "http://"
 * ```
 *
 * @module
 */

import type { RuleDiagnostic } from "./diagnostic.ts";

/** What parsing a reference file gives. */
export interface ReferenceConfig {
  /** Lower-cased system name to URL prefix. */
  systems: Map<string, string>;
  /** Malformed lines (they are skipped). */
  errors: RuleDiagnostic[];
}

const LINE = /^\s*config\s+reference\s*:\s*([a-zA-Z][a-zA-Z0-9_-]*)\s+(.+?)\s*$/;

/**
 * Parses the text of a reference.config file.
 *
 * @param text the file's content
 * @param file the name to put in diagnostics
 * @returns the systems, and a diagnostic per malformed line
 */
export function parseReferenceConfig(text: string, file: string): ReferenceConfig {
  const systems = new Map<string, string>();
  const errors: RuleDiagnostic[] = [];
  const lines = text.split("\n");
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k].replace(/\r$/, "");
    const trimmed = line.trimStart();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (m === null) {
      errors.push({
        file,
        line: k + 1,
        column: line.length - trimmed.length + 1,
        message: 'invalid reference line (expected "config reference: system url")',
      });
      continue;
    }
    const key = m[1].toLowerCase();
    if (!systems.has(key)) systems.set(key, m[2]);
  }
  return { systems, errors };
}

/**
 * Reads and parses a reference.config file.
 *
 * @param path the file
 * @returns the systems; an unreadable file gives one diagnostic and no systems
 */
export function loadReferenceFile(path: string): ReferenceConfig {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    const message = `cannot read: ${e instanceof Error ? e.message : String(e)}`;
    return { systems: new Map(), errors: [{ file: path, line: 0, column: 0, message }] };
  }
  return parseReferenceConfig(text, path);
}
