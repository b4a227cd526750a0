/**
 * The `tarsier` command.
 *
 * ```sh
 * tarsier scan capture.pcap [--summary json] [--no-progress]
 * ```
 *
 * Every error a user can cause is one line on stderr (`tarsier: ...`) and a
 * non-zero exit code, never a stack trace (`--verbose` adds one).
 *
 * @module
 */

import { Command, CommanderError } from "commander";
import { CaptureFormatError } from "./capture/capture_file.ts";
import { LibcError } from "../ffi/libc.ts";
import { parseScanOptions, runScan } from "./cli/scan_command.ts";
import { UsageError } from "./cli/usage_error.ts";
import { VERSION } from "./version.ts";

/**
 * Run the command line and return the exit code.
 *
 * @param args the arguments after the program name
 * @returns the process exit code
 */
export async function main(args: string[]): Promise<number> {
  let exitCode = 0;
  const verbose = args.includes("--verbose");
  const program = new Command("tarsier")
    .description("Suricata-compatible network IDS/IPS")
    .version(`tarsier ${VERSION} (deno ${Deno.version.deno})`, "-V, --version")
    .option("--verbose", "print stack traces on errors")
    .exitOverride()
    .configureOutput({
      writeErr: (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)),
    });

  program.command("scan")
    .description("read a pcap or pcapng file and report packets, protocols and anomalies")
    .argument("[file]", "the capture file")
    .option("-r <file>", "the capture file (Suricata's flag)")
    .option("--summary <format>", "summary format: text (on stderr) or json (on stdout)", "text")
    .option("--progress", "always show a progress bar")
    .option("--no-progress", "never show a progress bar")
    .action(async (file: string | undefined, raw: Record<string, unknown>) => {
      exitCode = await runScan(parseScanOptions(file, raw));
    });

  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    return reportError(error, verbose);
  }
  return exitCode;
}

function reportError(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) {
    // commander already printed its message (or the help/version text)
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof UsageError || error instanceof CaptureFormatError) {
    console.error(`tarsier: ${error.message}`);
    return 2;
  }
  if (error instanceof LibcError) {
    console.error(`tarsier: ${error.message}`);
    return 2;
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    console.error(`tarsier: ${error.message}`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`tarsier: internal error: ${message}`);
  if (verbose && error instanceof Error && error.stack) console.error(error.stack);
  return 70;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
