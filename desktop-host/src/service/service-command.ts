import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { servicePlan, type ServicePlan } from "./service-plan.ts";

export type CommandResult = { status: number | null; error?: NodeJS.ErrnoException };
/** Runs one command with the terminal attached (its output is the person's to read). */
export type RunCommand = (argv: string[]) => CommandResult;

export type ServiceContext = {
  desktopId: string;
  launcher: string;
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  out: NodeJS.WritableStream;
  run?: RunCommand;
};

const runInherited: RunCommand = ([cmd, ...args]) => {
  const r = spawnSync(cmd!, args, { stdio: "inherit" });
  return { status: r.status, ...(r.error ? { error: r.error as NodeJS.ErrnoException } : {}) };
};

export const SERVICE_HELP = `deskfleet-host service install|uninstall|status [--system]

  install     run the host as a service: started now and at login (or boot), restarted after a failure
  uninstall   stop it and remove it
  status      show whether it runs (exit code 0 when it does)

  Linux: a systemd user unit (--system: a system unit, as root); macOS: a launch agent;
  Windows: prints the PowerShell commands that register a scheduled task.
`;

export function planFor(ctx: ServiceContext, system: boolean): ServicePlan {
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  return servicePlan({
    platform: ctx.platform,
    desktopId: ctx.desktopId,
    launcher: ctx.launcher,
    userHome: homedir(),
    // `sudo … service install --system`: the unit runs as the person who ran sudo, not as root.
    user: (system && root && ctx.env["SUDO_USER"]) || userInfo().username,
    uid: typeof process.getuid === "function" ? process.getuid() : 0,
    system,
  });
}

/** `deskfleet-host service <action>`; returns the exit code. */
export function serviceCommand(argv: readonly string[], ctx: ServiceContext): number {
  let action: string | undefined;
  let system = false;
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: { system: { type: "boolean" }, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    if (values.help) {
      ctx.out.write(SERVICE_HELP);
      return 0;
    }
    action = positionals[0];
    system = values.system === true;
  } catch (err) {
    ctx.out.write(`${err instanceof Error ? err.message : String(err)}\n${SERVICE_HELP}`);
    return 2;
  }
  if (action !== "install" && action !== "uninstall" && action !== "status") {
    ctx.out.write(`deskfleet-host service: say install, uninstall or status\n${SERVICE_HELP}`);
    return 2;
  }
  let plan: ServicePlan;
  try {
    plan = planFor(ctx, system);
  } catch (err) {
    ctx.out.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const run = ctx.run ?? runInherited;
  if (action === "install") return install(plan, run, ctx.out);
  if (action === "uninstall") return uninstall(plan, run, ctx.out);
  return status(plan, run, ctx.out);
}

function install(plan: ServicePlan, run: RunCommand, out: NodeJS.WritableStream): number {
  if (!plan.file) {
    out.write(plan.notes.join("\n") + `\nLogs: ${plan.logs}\n`);
    return 0;
  }
  mkdirSync(dirname(plan.file.path), { recursive: true });
  writeFileSync(plan.file.path, plan.file.content, { mode: 0o644 });
  for (const argv of plan.install) {
    const r = run(argv);
    if (r.status !== 0) {
      // Leave nothing half done: a unit that is written but not enabled would surprise the next install.
      rmSync(plan.file.path, { force: true });
      out.write(`\n✗ \`${argv.join(" ")}\` ${r.error ? `could not run: ${r.error.code ?? r.error.message}` : `failed (exit code ${r.status})`}; the service is not installed.\n${failureHint(plan, argv, r)}\n`);
      return 1;
    }
  }
  out.write(
    [`✓ ${plan.name} installed and started (${plan.file.path}); it restarts after a failure.`, `  status: deskfleet-host service status`, `  logs:   ${plan.logs}`, ...plan.notes.map((n) => `  ${n}`), ""].join("\n"),
  );
  return 0;
}

function failureHint(plan: ServicePlan, argv: string[], r: CommandResult): string {
  const tool = argv[0];
  if (r.error?.code === "ENOENT") {
    return `  ${tool} is not on this machine${plan.kind.startsWith("systemd") ? ": it does not run systemd" : ""}. Start \`deskfleet-host run\` from whatever starts programs here instead.`;
  }
  if (plan.kind === "systemd-user") {
    return "  systemctl --user could not reach your own systemd (no login session here, e.g. a container or su). As root, `deskfleet-host service install --system` installs a system unit instead.";
  }
  if (plan.kind === "systemd-system") return "  A system unit needs root: run it with sudo.";
  return "  See the message above.";
}

function uninstall(plan: ServicePlan, run: RunCommand, out: NodeJS.WritableStream): number {
  if (!plan.file) {
    out.write(`${plan.notes.at(-1) ?? ""}\n`);
    return 0;
  }
  if (!existsSync(plan.file.path)) {
    out.write(`${plan.name} is not installed (no ${plan.file.path}); nothing to do.\n`);
    return 0;
  }
  // Stopping a service that is not loaded fails harmlessly; the file goes either way.
  for (const argv of plan.uninstall.slice(0, 1)) run(argv);
  rmSync(plan.file.path, { force: true });
  for (const argv of plan.uninstall.slice(1)) run(argv);
  out.write(`✓ ${plan.name} stopped and removed.\n`);
  return 0;
}

function status(plan: ServicePlan, run: RunCommand, out: NodeJS.WritableStream): number {
  if (!plan.file || !plan.status) {
    out.write(`${plan.notes.at(-1) ?? ""}\n`);
    return 0;
  }
  if (!existsSync(plan.file.path)) {
    out.write(`${plan.name} is not installed (no ${plan.file.path}); \`deskfleet-host service install\` sets it up.\n`);
    return 3;
  }
  const r = run(plan.status);
  out.write(`Logs: ${plan.logs}\n`);
  return r.status ?? 1;
}

/** After the bundle changed: restart the service when one is installed for this desktop. */
export function restartIfInstalled(ctx: ServiceContext): "restarted" | "not-installed" | "failed" {
  let plan: ServicePlan;
  try {
    plan = planFor(ctx, false);
  } catch {
    return "not-installed";
  }
  const system = ctx.platform === "linux" ? planFor(ctx, true) : null;
  const installed = [plan, system].find((p) => p?.file && existsSync(p.file.path));
  if (!installed) return "not-installed";
  const run = ctx.run ?? runInherited;
  for (const argv of installed.restart) if (run(argv).status !== 0) return "failed";
  return "restarted";
}
