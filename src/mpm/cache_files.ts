/**
 * Tarsier's cache directory and how files are written to it: compiled
 * Hyperscan databases (`hyperscan_cache.ts`) and pcre translations
 * (`src/detect/pcre_translation_cache.ts`) live there, each file written
 * whole under a temporary name and renamed, so that a reader (another
 * process, or another capture worker of this one) never sees half a file.
 *
 * @example
 * ```ts
 * import { defaultCacheDir, writeFileAtomically } from "./cache_files.ts";
 * const dir = defaultCacheDir(); // e.g. /root/.cache/tarsier
 * if (dir !== null) writeFileAtomically(`${dir}/note.txt`, "hello");
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";
import { dirname, join } from "node:path";

/**
 * The hex SHA-256 of a text (its UTF-8 bytes): cache keys and checksums.
 *
 * @param text the text
 * @returns 64 hex digits
 */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The default cache directory: `$XDG_CACHE_HOME/tarsier`, else
 * `$HOME/.cache/tarsier`; null when neither is set or readable (no
 * `--allow-env` for them), in which case nothing is cached.
 *
 * @returns the directory or null
 */
export function defaultCacheDir(): string | null {
  const xdg = readEnv("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "tarsier");
  const home = readEnv("HOME");
  return home ? join(home, ".cache", "tarsier") : null;
}

function readEnv(name: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
    return undefined;
  }
  return Deno.env.get(name);
}

/**
 * Write a file whole: to a temporary name unique to this process and call
 * (capture workers share a pid), then renamed over `path`. The directory is
 * created when missing; on failure the temporary file is removed and the
 * error thrown.
 *
 * @param path the file
 * @param data its bytes or text
 */
export function writeFileAtomically(path: string, data: Uint8Array | string): void {
  const temporary = `${path}.${Deno.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    Deno.mkdirSync(dirname(path), { recursive: true });
    if (typeof data === "string") Deno.writeTextFileSync(temporary, data);
    else Deno.writeFileSync(temporary, data);
    Deno.renameSync(temporary, path);
  } catch (error) {
    try {
      Deno.removeSync(temporary);
    } catch {
      // nothing was written
    }
    throw error;
  }
}

/**
 * Whether a read failed because the file is not there (a cache miss), as
 * opposed to a file that is there and cannot be read.
 *
 * @param error what the read threw
 * @returns true for a missing file or directory
 */
export function isMissingFile(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory;
}

/**
 * What went wrong, for a cache warning: an error's message, or the thrown
 * value as text.
 *
 * @param error what was thrown
 * @returns one line
 */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
