import { join } from "node:path";
import { ExitCode } from "../exit-codes.ts";

/**
 * How the host runs as a service on each OS, as data: the file to write, the
 * commands that enable, start, stop, restart and show it, and where its logs
 * go. `service-command.ts` carries a plan out; the plans are tested as text
 * (and, where this machine has the tool, by it: systemd-analyze, plistlib).
 */
export type ServiceTarget = {
  platform: NodeJS.Platform;
  desktopId: string;
  /** The installed launcher (bin/deskfleet-host). */
  launcher: string;
  /** The account's home folder (for the unit, agent and log paths). */
  userHome: string;
  /** The account the service runs as. */
  user: string;
  uid: number;
  /** Linux only: a system unit (needs root) instead of the user's own. */
  system: boolean;
};

export type ServicePlan = {
  /** systemd-user, systemd-system, launchd, windows. */
  kind: "systemd-user" | "systemd-system" | "launchd" | "windows";
  name: string;
  /** The unit or agent file; null on Windows, where the plan is commands for a person to run. */
  file: { path: string; content: string } | null;
  install: string[][];
  uninstall: string[][];
  restart: string[][];
  status: string[] | null;
  /** Where the logs are and how to follow them. */
  logs: string;
  /** What a person should know or do next (printed after install). */
  notes: string[];
};

/** Exit codes of `deskfleet-host run` that need a person, not a restart. */
export const NO_RESTART_EXIT_CODES = [ExitCode.badSettings, ExitCode.refused] as const;

export function servicePlan(t: ServiceTarget): ServicePlan {
  if (t.platform === "linux") return t.system ? systemdSystem(t) : systemdUser(t);
  if (t.platform === "darwin") return launchd(t);
  if (t.platform === "win32") return windows(t);
  throw new Error(`deskfleet-host service knows systemd (Linux), launchd (macOS) and Windows, not ${t.platform}; start \`${t.launcher} run\` with your init system`);
}

/**
 * An ExecStart= argument: systemd unquotes "…" (with \\ and \"), expands %
 * specifiers and $VARIABLES, so % and $ are doubled.
 */
function systemdArg(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%").replace(/\$/g, "$$$$")}"`;
}

function unitText(t: ServiceTarget, system: boolean): string {
  return [
    "# Written by `deskfleet-host service install`; `deskfleet-host service uninstall` removes it.",
    "[Unit]",
    `Description=Deskfleet host for desktop ${t.desktopId}`,
    ...(system ? ["Wants=network-online.target", "After=network-online.target"] : []),
    // Keep restarting however often it fails: a control plane that is down for an hour must not leave the host stopped.
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "Type=simple",
    ...(system ? [`User=${t.user}`] : []),
    // The launcher as sh's argument, not as the executable: systemd refuses an executable path with quotes in it.
    `ExecStart=/bin/sh ${systemdArg(t.launcher)} run`,
    "Restart=on-failure",
    "RestartSec=5",
    "# 2: bad settings, 3: refused by the control plane (token, version, deleted desktop); restarting cannot fix either.",
    `RestartPreventExitStatus=${NO_RESTART_EXIT_CODES.join(" ")}`,
    "",
    "[Install]",
    `WantedBy=${system ? "multi-user.target" : "default.target"}`,
    "",
  ].join("\n");
}

function systemdUser(t: ServiceTarget): ServicePlan {
  const name = `deskfleet-host-${t.desktopId}.service`;
  const ctl = (...args: string[]) => ["systemctl", "--user", ...args];
  return {
    kind: "systemd-user",
    name,
    file: { path: join(t.userHome, ".config", "systemd", "user", name), content: unitText(t, false) },
    install: [ctl("daemon-reload"), ctl("enable", "--now", name)],
    uninstall: [ctl("disable", "--now", name), ctl("daemon-reload")],
    restart: [ctl("restart", name)],
    status: ctl("status", "--no-pager", "--lines=20", name),
    logs: `journalctl --user -u ${name} -f`,
    notes: [`A user service runs while ${t.user} is logged in; to start it at boot without a login: sudo loginctl enable-linger ${t.user}`],
  };
}

function systemdSystem(t: ServiceTarget): ServicePlan {
  const name = `deskfleet-host-${t.desktopId}.service`;
  return {
    kind: "systemd-system",
    name,
    file: { path: join("/etc", "systemd", "system", name), content: unitText(t, true) },
    install: [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", name]],
    uninstall: [["systemctl", "disable", "--now", name], ["systemctl", "daemon-reload"]],
    restart: [["systemctl", "restart", name]],
    status: ["systemctl", "status", "--no-pager", "--lines=20", name],
    logs: `journalctl -u ${name} -f`,
    notes: [`It runs as ${t.user} from boot.`],
  };
}

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function launchd(t: ServiceTarget): ServicePlan {
  const label = `dev.deskfleet.host.${t.desktopId}`;
  const log = join(t.userHome, "Library", "Logs", `deskfleet-host-${t.desktopId}.log`);
  const domain = `gui/${t.uid}`;
  const content = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    "<!-- Written by `deskfleet-host service install`; `deskfleet-host service uninstall` removes it. -->",
    '<plist version="1.0">',
    "<dict>",
    `  <key>Label</key><string>${xml(label)}</string>`,
    `  <key>ProgramArguments</key><array><string>${xml(t.launcher)}</string><string>run</string></array>`,
    "  <key>RunAtLoad</key><true/>",
    "  <!-- Restarted after a failure (any non-zero exit), at most every 10 s; a stop that exits 0 stays stopped. -->",
    "  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>",
    "  <key>ThrottleInterval</key><integer>10</integer>",
    `  <key>StandardOutPath</key><string>${xml(log)}</string>`,
    `  <key>StandardErrorPath</key><string>${xml(log)}</string>`,
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
  const path = join(t.userHome, "Library", "LaunchAgents", `${label}.plist`);
  return {
    kind: "launchd",
    name: label,
    file: { path, content },
    install: [["launchctl", "bootstrap", domain, path]],
    uninstall: [["launchctl", "bootout", `${domain}/${label}`]],
    restart: [["launchctl", "kickstart", "-k", `${domain}/${label}`]],
    status: ["launchctl", "print", `${domain}/${label}`],
    logs: `tail -f ${log}  (also in Console.app under Log Reports)`,
    notes: ["A launch agent runs while you are logged in, in your session (where Screen Sharing runs too)."],
  };
}

/** A PowerShell single-quoted string. */
function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * Windows: a scheduled task at logon, restarted after a failure. (The Service
 * Control Manager only runs programs written as services; Node is not one,
 * and a task in the user's session is where a VNC server like TightVNC's
 * user mode runs anyway.) Printed for a person to run, not run for them, and
 * not tried here: the build machine has no Windows. Task Scheduler allows at
 * most 255 restarts.
 */
export function windowsCommands(t: Pick<ServiceTarget, "desktopId" | "launcher" | "userHome">): string[] {
  const task = `deskfleet-host-${t.desktopId}`;
  const log = join(t.userHome, ".deskfleet", `${task}.log`);
  return [
    `$action = New-ScheduledTaskAction -Execute 'cmd.exe' -Argument ${psQuote(`/c ""${t.launcher}" run >> "${log}" 2>&1"`)}`,
    "$trigger = New-ScheduledTaskTrigger -AtLogOn -User $env:USERNAME",
    "$settings = New-ScheduledTaskSettingsSet -RestartCount 255 -RestartInterval (New-TimeSpan -Minutes 1) -ExecutionTimeLimit ([TimeSpan]::Zero) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries",
    `Register-ScheduledTask -TaskName ${psQuote(task)} -Action $action -Trigger $trigger -Settings $settings -Force`,
    `Start-ScheduledTask -TaskName ${psQuote(task)}`,
  ];
}

function windows(t: ServiceTarget): ServicePlan {
  const task = `deskfleet-host-${t.desktopId}`;
  return {
    kind: "windows",
    name: task,
    file: null,
    install: [],
    uninstall: [],
    restart: [],
    status: null,
    logs: `Get-Content -Wait ${join(t.userHome, ".deskfleet", `${task}.log`)}`,
    notes: [
      "Run these in PowerShell to start the host at every logon, restarted after a failure:",
      ...windowsCommands(t).map((l) => `  ${l}`),
      `Status: Get-ScheduledTask -TaskName ${psQuote(task)} | Get-ScheduledTaskInfo    Remove: Unregister-ScheduledTask -TaskName ${psQuote(task)} -Confirm:$false`,
    ],
  };
}
