/**
 * classification.config: the `classtype` names rules use, with their
 * description and default priority.
 *
 * Lines are `config classification: shortname,description,priority`; `#`
 * starts a comment line. As in Suricata 7, names are matched in lower case
 * and the first definition of a name wins.
 *
 * @example
 * ```ts
 * import { parseClassificationConfig } from "./classification.ts";
 * const { classes } = parseClassificationConfig(
 *   "config classification: trojan-activity,A Network Trojan was detected,1\n",
 *   "classification.config",
 * );
 * classes.get("trojan-activity")?.priority; // 1
 * ```
 *
 * @module
 */

import type { RuleDiagnostic } from "./diagnostic.ts";

/** One classtype. */
export interface Classification {
  /** The short name as written (matched in lower case). */
  readonly name: string;
  /** The description printed in alerts. */
  readonly description: string;
  /** The default priority of rules of this class (1 = highest). */
  readonly priority: number;
}

/** What parsing a classification file gives. */
export interface ClassificationConfig {
  /** Lower-cased short name to classtype. */
  classes: Map<string, Classification>;
  /** Malformed lines (they are skipped). */
  errors: RuleDiagnostic[];
}

const LINE =
  /^\s*config\s*classification\s*:\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*,\s*(.+)\s*,\s*(\d+)\s*$/;

/**
 * Parses the text of a classification.config file.
 *
 * @param text the file's content
 * @param file the name to put in diagnostics
 * @returns the classtypes, and a diagnostic per malformed line
 */
export function parseClassificationConfig(text: string, file: string): ClassificationConfig {
  const classes = new Map<string, Classification>();
  const errors: RuleDiagnostic[] = [];
  const lines = text.split("\n");
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k].replace(/\r$/, "");
    const trimmed = line.trimStart();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const m = LINE.exec(line);
    const column = line.length - trimmed.length + 1;
    if (m === null) {
      errors.push({
        file,
        line: k + 1,
        column,
        message:
          'invalid classification line (expected "config classification: name,description,priority")',
      });
      continue;
    }
    const priority = Number(m[3]);
    if (priority > 0xffffffff) {
      errors.push({
        file,
        line: k + 1,
        column: line.lastIndexOf(m[3]) + 1,
        message: `priority ${m[3]} is too large`,
      });
      continue;
    }
    const key = m[1].toLowerCase();
    if (!classes.has(key)) {
      classes.set(key, { name: m[1], description: m[2].trim(), priority });
    }
  }
  return { classes, errors };
}

/**
 * Reads and parses a classification.config file.
 *
 * @param path the file
 * @returns the classtypes; an unreadable file gives one diagnostic and no classes
 */
export function loadClassificationFile(path: string): ClassificationConfig {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    return {
      classes: new Map(),
      errors: [{ file: path, line: 0, column: 0, message: `cannot read: ${errorText(e)}` }],
    };
  }
  return parseClassificationConfig(text, path);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
