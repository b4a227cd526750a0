/**
 * Where the shared corpus lies, for tests that read it. The corpus sits
 * beside the repository (`../shared/corpus`); tests that need it skip, saying
 * so, when it is missing.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the repository root. */
export const REPO_ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/** Absolute path of the shared corpus (may not exist). */
export const CORPUS_DIR: string = join(REPO_ROOT, "..", "shared", "corpus");

/** Whether the shared corpus is present. */
export const HAVE_CORPUS: boolean = (() => {
  try {
    return Deno.statSync(join(CORPUS_DIR, "suricata-verify")).isDirectory;
  } catch {
    return false;
  }
})();

if (!HAVE_CORPUS) {
  console.warn(`skipping corpus tests: ${CORPUS_DIR} not found`);
}

/**
 * A path inside the corpus.
 *
 * @param rel path relative to the corpus root
 * @returns the absolute path
 */
export function corpusPath(rel: string): string {
  return join(CORPUS_DIR, rel);
}
