import { HELP, isComplete, parseHostArgs } from "./config.ts";
import { doctor, formatChecks } from "./doctor.ts";
import { runCommand } from "./run-command.ts";
import { poolCommand } from "../pool/pool-command.ts";
import { gatewayCommand } from "../gateway/gateway-command.ts";

/** Commands with flags of their own, each in its own module. */
const SUBCOMMANDS: Record<string, (argv: readonly string[], env: Record<string, string | undefined>) => Promise<number>> = {
  pool: poolCommand,
  gateway: gatewayCommand,
};

/** The deskfleet-host command line; returns the process exit code. */
export async function main(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const subcommand = argv[0] === undefined ? undefined : SUBCOMMANDS[argv[0]];
  if (subcommand) return subcommand(argv.slice(1), env);
  const parsed = parseHostArgs(argv, env);
  if (parsed.help || parsed.command === undefined || parsed.command === "help") {
    process.stdout.write(HELP);
    return parsed.command === undefined && !parsed.help ? 2 : 0;
  }
  if (parsed.command === "doctor") {
    const checks = await doctor(parsed.config, parsed.problems, env);
    process.stdout.write(formatChecks(checks, [parsed.config.token, parsed.config.vncPassword, env["ANTHROPIC_API_KEY"]]) + "\n");
    return checks.every((c) => c.ok) ? 0 : 1;
  }
  if (parsed.command !== "run") {
    process.stderr.write(`unknown command "${parsed.command}"; use \`deskfleet-host run\` or \`deskfleet-host doctor\` (see --help)\n`);
    return 2;
  }
  if (!isComplete(parsed.config, parsed.problems)) {
    process.stderr.write(`deskfleet-host cannot start:\n${parsed.problems.map((p) => `  - ${p.message}`).join("\n")}\nSee deskfleet-host --help.\n`);
    return 2;
  }
  return runCommand(parsed.config, env);
}
