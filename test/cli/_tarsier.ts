/**
 * `tarsier` as the CLI tests start it: the repository's `src/main.ts` under
 * this Deno, with the permissions the `tarsier` task grants.
 *
 * @module
 */

import { join } from "node:path";
import { REPO_ROOT } from "../corpus.ts";

/**
 * The command that runs `tarsier <args>` from the repository root.
 *
 * @param args tarsier's arguments
 * @returns the command, stdout and stderr piped
 */
export function tarsierCommand(...args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-write",
      "--allow-ffi",
      "--allow-env=LOG_TOKENS,LOG_STREAM,NO_COLOR,TERM,COLUMNS,HOME,XDG_CACHE_HOME",
      "--allow-sys",
      join(REPO_ROOT, "src", "main.ts"),
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    cwd: REPO_ROOT,
  });
}
