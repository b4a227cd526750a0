/**
 * A progress bar on stderr for long scans, shown only when stderr is a
 * terminal (never in pipes, logs or CI).
 *
 * @module
 */

/** Files at least this large get a progress bar by default. */
export const PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

/** A started progress bar; call `update` with bytes done and `stop` at the end. */
export interface ProgressBar {
  /** Report bytes consumed out of the total. */
  update(position: number, size: number): void;
  /** Remove the bar. */
  stop(): void;
}

/**
 * Start a progress bar when it makes sense.
 *
 * @param label shown before the bar (the file name)
 * @param size total bytes
 * @param mode "auto" (terminal and large file), "always" or "never"
 * @returns the bar, or null when none is shown (loading the bar package when one is)
 */
export async function startProgress(
  label: string,
  size: number,
  mode: "auto" | "always" | "never",
): Promise<ProgressBar | null> {
  if (mode === "never") return null;
  if (mode === "auto" && (!Deno.stderr.isTerminal() || size < PROGRESS_MIN_BYTES)) return null;
  // Loaded only when a bar is shown: the package costs start-up time.
  const { default: cliProgress } = await import("cli-progress");
  const { default: process } = await import("node:process");
  const bar = new cliProgress.SingleBar({
    format: `${label} [{bar}] {percentage}% | {mbDone}/{mbTotal} MB | ETA {eta}s`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
    noTTYOutput: mode === "always",
  }, cliProgress.Presets.shades_classic);
  const mb = (n: number) => (n / 1e6).toFixed(0);
  bar.start(size, 0, { mbDone: "0", mbTotal: mb(size) });
  return {
    update(position: number) {
      bar.update(position, { mbDone: mb(position) });
    },
    stop() {
      bar.stop();
    },
  };
}
