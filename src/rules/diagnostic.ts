/**
 * Where things are in rule and configuration files, and the one-line
 * diagnostics that point there.
 *
 * @module
 */

/** A position in a source file: 1-based line and column (UTF-16 units). */
export interface SourceLocation {
  /** The file as given to the parser (a path or a label such as `<string>`). */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** 1-based column of the character. */
  readonly column: number;
}

/**
 * A problem found while reading rules or their configuration, pointing at
 * the exact offending character.
 */
export interface RuleDiagnostic {
  /** The file as given to the parser. */
  file: string;
  /** 1-based line of the offending character (0 for a problem with the whole file). */
  line: number;
  /** 1-based column of the offending character. */
  column: number;
  /** The rule option the problem is in, when there is one (as written). */
  keyword?: string;
  /** What is wrong, in one line, without the position. */
  message: string;
}

/**
 * Prints a diagnostic as `file:line:col: message`, the form users see
 * (`file: message` for a problem with a whole file, which has line 0).
 *
 * @example
 * ```ts
 * import { formatDiagnostic } from "./diagnostic.ts";
 * formatDiagnostic({ file: "web.rules", line: 12, column: 40, message: 'unknown keyword "http_urii"' });
 * // => 'web.rules:12:40: unknown keyword "http_urii"'
 * ```
 *
 * @param d the diagnostic
 * @returns one line of text
 */
export function formatDiagnostic(d: RuleDiagnostic): string {
  if (d.line <= 0) return `${d.file}: ${d.message}`;
  return `${d.file}:${d.line}:${d.column}: ${d.message}`;
}

/**
 * Makes a diagnostic at a location.
 *
 * @param at where the offending character is
 * @param message what is wrong
 * @param keyword the rule option concerned, if any
 * @returns the diagnostic
 */
export function diagnosticAt(
  at: SourceLocation,
  message: string,
  keyword?: string,
): RuleDiagnostic {
  const d: RuleDiagnostic = { file: at.file, line: at.line, column: at.column, message };
  if (keyword !== undefined) d.keyword = keyword;
  return d;
}

/** Maps an offset inside some text to a location in its file. */
export type Locator = (offset: number) => SourceLocation;
