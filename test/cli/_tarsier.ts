/**
 * `tarsier` as the CLI tests start it: the repository's `src/main.ts` under
 * this Deno, with the `tarsier` task's own flags (read from deno.json).
 *
 * @module
 */

import { join } from "node:path";
import { REPO_ROOT } from "../corpus.ts";

/**
 * The `tarsier` task's `deno run` flags (permissions, V8 flags), read from
 * deno.json, so that the tests grant exactly what the task grants.
 */
export const TARSIER_TASK_FLAGS: readonly string[] = (() => {
  const config = JSON.parse(Deno.readTextFileSync(join(REPO_ROOT, "deno.json")));
  const task: string = config.tasks.tarsier;
  const words = task.split(/\s+/);
  const main = words.indexOf("src/main.ts");
  if (words[0] !== "deno" || words[1] !== "run" || main !== words.length - 1) {
    throw new Error(`deno.json: the tarsier task is not "deno run FLAGS src/main.ts": ${task}`);
  }
  return words.slice(2, main);
})();

/**
 * The command that runs `tarsier <args>` from the repository root.
 *
 * @param args tarsier's arguments
 * @returns the command, stdout and stderr piped
 */
export function tarsierCommand(...args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...TARSIER_TASK_FLAGS, join(REPO_ROOT, "src", "main.ts"), ...args],
    stdout: "piped",
    stderr: "piped",
    cwd: REPO_ROOT,
  });
}
