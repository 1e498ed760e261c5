import { ExitCode } from "../exit-codes.ts";
import { runningBundle } from "../install/bundle-file.ts";
import { withEnvFile } from "../install/env-file.ts";
import { readHostConfigFile } from "../install/host-config-file.ts";
import { installedHome, installLayout } from "../install/layout.ts";
import { setupCommand } from "../install/setup-command.ts";
import { controllingTerminal } from "../install/token-input.ts";
import { upgradeCommand } from "../install/upgrade-command.ts";
import { serviceCommand } from "../service/service-command.ts";
import { HELP, isComplete, parseHostArgs } from "./config.ts";
import { doctor, formatChecks } from "./doctor.ts";
import { HOST_VERSION } from "./host-info.ts";
import { runCommand } from "./run-command.ts";
import { poolCommand } from "../pool/pool-command.ts";
import { gatewayCommand } from "../gateway/gateway-command.ts";

/** Commands with flags of their own, each in its own module. */
const SUBCOMMANDS: Record<string, (argv: readonly string[], env: Record<string, string | undefined>) => Promise<number>> = {
  pool: poolCommand,
  gateway: gatewayCommand,
};

/** The deskfleet-host command line; returns the process exit code. */
export async function main(argv: readonly string[], processEnv: Record<string, string | undefined>): Promise<number> {
  const [command, ...rest] = argv;
  const home = installedHome(processEnv);
  const platform = process.platform;
  if (command === "version") {
    process.stdout.write(`${HOST_VERSION}\n`);
    return ExitCode.ok;
  }
  if (command === "setup") {
    return setupCommand(rest, {
      env: processEnv,
      bundle: runningBundle(),
      stdin: process.stdin,
      stderr: process.stderr,
      openTerminal: controllingTerminal,
      out: process.stdout,
      platform,
      nodePath: process.execPath,
    });
  }
  if (command === "upgrade") return upgradeCommand(rest, { env: processEnv, out: process.stdout, platform, nodePath: process.execPath });
  if (command === "service") return service(rest, processEnv, home);
  // pool and gateway serve several desktops: their settings are their own flags, not one installed host's.
  const subcommand = command === undefined ? undefined : SUBCOMMANDS[command];
  if (subcommand) return subcommand(rest, processEnv);

  // An installed host's secrets (API key, VNC password) wait in its env file.
  const env = withEnvFile(processEnv, home ? installLayout(home).envFile : null);
  const parsed = parseHostArgs(argv, env);
  if (parsed.version) {
    process.stdout.write(`${HOST_VERSION}\n`);
    return ExitCode.ok;
  }
  if (parsed.help || parsed.command === undefined || parsed.command === "help") {
    process.stdout.write(HELP);
    return parsed.command === undefined && !parsed.help ? ExitCode.badSettings : ExitCode.ok;
  }
  for (const w of parsed.warnings) process.stderr.write(`warning: ${w}\n`);
  if (parsed.command === "doctor") {
    const checks = await doctor(parsed.config, parsed.problems, env, { tokenFile: parsed.tokenFile });
    process.stdout.write(formatChecks(checks, [parsed.config.token, parsed.config.vncPassword, env["ANTHROPIC_API_KEY"]]) + "\n");
    return checks.every((c) => c.ok) ? ExitCode.ok : ExitCode.failed;
  }
  if (parsed.command !== "run") {
    process.stderr.write(`unknown command "${parsed.command}"; use \`deskfleet-host run\`, \`doctor\`, \`pool\`, \`gateway\`, \`upgrade\`, \`service\` or \`version\` (see --help)\n`);
    return ExitCode.badSettings;
  }
  if (!isComplete(parsed.config, parsed.problems)) {
    process.stderr.write(`deskfleet-host cannot start:\n${parsed.problems.map((p) => `  - ${p.message}`).join("\n")}\nSee deskfleet-host --help.\n`);
    return ExitCode.badSettings;
  }
  return runCommand(parsed.config, env);
}

/** `deskfleet-host service …` manages the installed host: its launcher and desktop come from the install. */
function service(argv: readonly string[], env: Record<string, string | undefined>, home: string | null): number {
  const wantsHelp = argv.includes("--help") || argv.includes("-h");
  const layout = home ? installLayout(home) : null;
  const file = layout ? readHostConfigFile(layout.configFile) : null;
  if (!wantsHelp && (!layout || !file?.ok || !file.config)) {
    const why = !layout ? "this host was not started by an installed launcher" : file?.ok ? `${layout.configFile} is missing` : file?.problem;
    process.stderr.write(`deskfleet-host service runs an installed host (~/.deskfleet/bin/deskfleet-host), and ${why}. Install it with the line the dashboard shows (Add desktop).\n`);
    return ExitCode.badSettings;
  }
  return serviceCommand(argv, { desktopId: file?.ok && file.config ? file.config.desktopId : "", launcher: layout?.launcher ?? "", platform: process.platform, env, out: process.stdout });
}
