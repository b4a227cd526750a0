/**
 * The JIT warm-up as `tarsier ids` and `tarsier ips` run it (on the main
 * thread, or in each capture worker): once the rules are loaded, before the
 * rings open. See `src/engine/jit_warm_up.ts`.
 *
 * @module
 */

import { warmUpDecoding, warmUpDetection } from "../engine/jit_warm_up.ts";
import type { LiveCommandOptions } from "./live_command.ts";
import { flowStageOptionsOf, type LoadedDetection } from "./scan_command.ts";

/**
 * Run the warm-up when asked for: detection over the rules, or the decoders
 * alone when there are none.
 *
 * @param options the live command's options (`warmUp`, `mode`)
 * @param loaded the loaded rules and configuration
 * @returns what the start line says of it ("" when none ran)
 */
export async function warmUp(
  options: LiveCommandOptions,
  loaded: LoadedDetection,
): Promise<string> {
  if (!options.warmUp) return "";
  const ips = options.mode === "ips";
  const report = loaded.ruleset
    ? await warmUpDetection(loaded.ruleset.engine, loaded.config, {
      ips,
      flowOptions: flowStageOptionsOf(loaded.config, loaded.ruleset, {
        inlineStream: ips,
        quiet: true,
      }),
    })
    : await warmUpDecoding();
  return `, warm-up ${report.packets} packets in ${Math.round(report.elapsedMs)} ms`;
}
