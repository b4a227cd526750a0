/**
 * The `tarsier` command.
 *
 * ```sh
 * tarsier scan capture.pcap [--summary json] [--no-progress]
 * tarsier ids --iface eth0 --rules R --log-dir out/
 * tarsier ips --bridge eth0:eth1 --rules R --log-dir out/ [--fail open|closed]
 * tarsier rules lint FILE... [--format json] [--strict]
 * tarsier rules convert A.rules -o A.yaml
 * tarsier rules test FILE.yaml...
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
import { HyperscanError } from "../ffi/hyperscan.ts";
import { matcherVersionLine } from "./mpm/matcher_choice.ts";
import { parseScanOptions, type RawScanOptions, runScan } from "./cli/scan_command.ts";
import { runConvert, runLint, runRulesTest } from "./cli/rules_command.ts";
import { parseLiveOptions, type RawLiveOptions, runLiveCommand } from "./cli/live_command.ts";
import { LiveCaptureError } from "./capture/afpacket.ts";
import { ConfigError } from "./rules/config.ts";
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
    .version(versionText(args), "-V, --version")
    .option("--verbose", "print stack traces on errors")
    .exitOverride()
    .configureOutput({
      writeErr: (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)),
    });

  const collect = (value: string, previous: string[] = []) => [...previous, value];
  program.command("scan")
    .description(
      "read a pcap or pcapng file; with rules, inspect it and write eve.json and fast.log",
    )
    .argument("[file]", "the capture file")
    .argument("[bpf...]", "a BPF filter (Suricata accepts one; not supported, ignored)")
    .option("-r <file>", "the capture file (Suricata's flag)")
    .option("--rules <path>", "a rule file or folder (repeatable)", collect)
    .option("-S <file>", "rule file to use exclusively (Suricata's flag, repeatable)", collect)
    .option("-s <file>", "rule file to add (Suricata's flag, repeatable)", collect)
    .option("-l, --log-dir <dir>", "where eve.json and fast.log are written (default .)")
    .option("-c <file>", "a suricata.yaml (address/port groups, classification file, ...)")
    .option("--set <key=value>", "override a configuration setting (repeatable)", collect)
    .option("-k <mode>", "checksum checks: all, none or auto (default; Suricata's flag)")
    .option("--runmode <mode>", "single, autofp or workers (accepted; Tarsier runs one worker)")
    .option("--data-dir <dir>", "Suricata's data directory (dataset save and state files)")
    .option("--simulate-ips", "act as an inline IPS: drop rules block")
    .option("--init-errors-fatal", "fail when any rule cannot be loaded")
    .option("--mpm <algo>", "prefilter matcher: auto (hs when libhs is installed), hs or ac")
    .option(
      "--mpm-cache-dir <dir>",
      "where compiled Hyperscan databases and pcre translations are cached",
    )
    .option("--no-mpm-cache", "compile Hyperscan databases and translate pcre every time")
    .option("--summary <format>", "summary format: text (on stderr) or json (on stdout)", "text")
    .option("--progress", "always show a progress bar")
    .option("--no-progress", "never show a progress bar")
    .action(async (file: string | undefined, bpf: string[], raw: RawScanOptions) => {
      exitCode = await runScan(parseScanOptions(file, { ...raw, verbose }, bpf));
    });

  for (const mode of ["ids", "ips"] as const) {
    const command = program.command(mode);
    if (mode === "ids") {
      command
        .description("capture live from an interface (AF_PACKET ring) and inspect; never blocks")
        .option("-i, --iface <name>", "the interface to capture on");
    } else {
      command
        .description("bridge two interfaces inline: forward, or drop/reject what rules block")
        .option("--bridge <a:b>", "the two interfaces to join, e.g. eth0:eth1")
        .option("--send-thread", "forward from a thread per direction (the default)")
        .option("--no-send-thread", "forward from the capture thread");
    }
    command
      .option("--rules <path>", "a rule file or folder (repeatable)", collect)
      .option("-S <file>", "rule file to use exclusively (Suricata's flag, repeatable)", collect)
      .option("-s <file>", "rule file to add (Suricata's flag, repeatable)", collect)
      .option("-l, --log-dir <dir>", "where eve.json and fast.log are written (default .)")
      .option("-c <file>", "a suricata.yaml")
      .option("--set <key=value>", "override a configuration setting (repeatable)", collect)
      .option("--fail <mode>", "on overload or internal error: open (forward) or closed (drop)")
      .option("--ring-frames <n>", "ring slots per interface (default 4096)")
      .option("--frame-size <bytes>", "bytes per ring slot, a power of two (default from MTU)")
      .option("--qdisc-bypass", "send without the qdisc layer (skips tc; taps do not see sends)")
      .option("--stats-interval <s>", "seconds between EVE stats records (default 8)")
      .option("--workers <n>", "capture workers, each with its own rings (fanout by flow hash)")
      .option("--no-warm-up", "skip the synthesised warm-up traffic before capture starts")
      .option(
        "--busy-poll <ms>",
        "after a frame, look at the rings this long before sleeping: lower latency, " +
          "one core per worker while frames come (ips default 20 when a CPU is spare, ids 0)",
      )
      .option("--init-errors-fatal", "fail when any rule cannot be loaded")
      .option("--mpm <algo>", "prefilter matcher: auto, hs or ac")
      .option(
        "--mpm-cache-dir <dir>",
        "where compiled Hyperscan databases and pcre translations are cached",
      )
      .option("--no-mpm-cache", "compile Hyperscan databases and translate pcre every time")
      .option("--summary <format>", "summary at the end: text (stderr) or json (stdout)")
      .action(async (raw: RawLiveOptions) => {
        exitCode = await runLiveCommand(parseLiveOptions(mode, { ...raw, verbose }));
      });
  }

  const rules = program.command("rules")
    .description("lint, convert and test rule files (Suricata .rules and YAML)");
  rules.command("lint")
    .description("check rule files like a compiler: file:line:col for each problem")
    .argument("<files...>", "rule files or folders (.rules, .yaml)")
    .option("--format <format>", "text or json", "text")
    .option("--strict", "warnings fail too")
    .option("-c <file>", "a suricata.yaml (address/port groups, classifications)")
    .action((files: string[], raw: { format?: string; strict?: boolean; c?: string }) => {
      exitCode = runLint(files, raw);
    });
  rules.command("convert")
    .description("convert Suricata rules to YAML (or YAML to Suricata rules), losslessly")
    .argument("<file>", "a .rules or .yaml file")
    .option("-o, --output <file>", "where to write (default stdout)")
    .action((file: string, raw: { output?: string }) => {
      exitCode = runConvert(file, raw);
    });
  rules.command("test")
    .description("run each YAML rule's test cases and explain failures")
    .argument("<files...>", "YAML rule files")
    .option("--format <format>", "text or json", "text")
    .option("-c <file>", "a suricata.yaml (address/port groups, classifications)")
    .action(async (files: string[], raw: { format?: string; c?: string }) => {
      exitCode = await runRulesTest(files, raw);
    });

  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    return reportError(error, verbose);
  }
  return exitCode;
}

/** The `--version` text; it names the matcher only when asked (loading libhs costs a few ms). */
function versionText(args: string[]): string {
  const base = `tarsier ${VERSION} (deno ${Deno.version.deno})`;
  if (!args.includes("--version") && !args.includes("-V")) return base;
  return `${base}\n${matcherVersionLine()}`;
}

function reportError(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) {
    // commander already printed its message (or the help/version text)
    return error.exitCode === 0 ? 0 : 2;
  }
  if (
    error instanceof UsageError || error instanceof CaptureFormatError ||
    error instanceof ConfigError || error instanceof LiveCaptureError
  ) {
    console.error(`tarsier: ${error.message}`);
    return 2;
  }
  if (error instanceof LibcError || error instanceof HyperscanError) {
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
