import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../exit-codes.ts";
import { servicePlan, windowsCommands, type ServiceTarget } from "./service-plan.ts";

const has = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;

/** A real launcher on disk, in a folder whose name needs quoting: systemd-analyze checks that ExecStart is executable. */
function target(over: Partial<ServiceTarget> = {}): ServiceTarget {
  const home = mkdtempSync(join(tmpdir(), "dfh-svc-"));
  const bin = join(home, "my host's 100% $HOME", "bin");
  mkdirSync(bin, { recursive: true });
  const launcher = join(bin, "deskfleet-host");
  writeFileSync(launcher, "#!/bin/sh\nexit 0\n");
  chmodSync(launcher, 0o755);
  return { platform: "linux", desktopId: "vm-1", launcher, userHome: home, user: "ada", uid: 1000, system: false, ...over };
}

describe("the host as a service", () => {
  it("is a systemd user unit that restarts on failure but not after bad settings or a refusal", () => {
    const t = target();
    const plan = servicePlan(t);
    expect(plan.kind).toBe("systemd-user");
    expect(plan.file?.path).toBe(join(t.userHome, ".config/systemd/user/deskfleet-host-vm-1.service"));
    const unit = plan.file!.content;
    expect(unit).toContain("Restart=on-failure");
    expect(unit).toContain(`RestartPreventExitStatus=${ExitCode.badSettings} ${ExitCode.refused}`);
    expect(unit).toContain("WantedBy=default.target");
    // Quoted for systemd, as sh's argument (systemd refuses quotes in an executable's path); % and $ doubled, or systemd would expand them.
    expect(unit).toContain(`ExecStart=/bin/sh "${t.launcher.replace("%", "%%").replace("$", () => "$$")}" run`);
    expect(plan.install).toEqual([["systemctl", "--user", "daemon-reload"], ["systemctl", "--user", "enable", "--now", "deskfleet-host-vm-1.service"]]);
    expect(plan.logs).toBe("journalctl --user -u deskfleet-host-vm-1.service -f");
  });

  it.skipIf(!has("systemd-analyze"))("writes units that systemd-analyze verify accepts without a warning", () => {
    for (const system of [false, true]) {
      const plan = servicePlan(target({ system, user: "root" }));
      const dir = mkdtempSync(join(tmpdir(), "dfh-unit-"));
      const file = join(dir, plan.name);
      writeFileSync(file, plan.file!.content);
      const r = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr.split("\n").filter((l) => l.includes(plan.name))).toEqual([]);
    }
  });

  it("is a system unit running as the given user, after the network, with --system", () => {
    const plan = servicePlan(target({ system: true }));
    expect(plan.kind).toBe("systemd-system");
    expect(plan.file?.path).toBe("/etc/systemd/system/deskfleet-host-vm-1.service");
    expect(plan.file?.content).toMatch(/User=ada\n/);
    expect(plan.file?.content).toContain("After=network-online.target");
    expect(plan.file?.content).toContain("WantedBy=multi-user.target");
    expect(plan.status).toEqual(["systemctl", "status", "--no-pager", "--lines=20", "deskfleet-host-vm-1.service"]);
  });

  it("is a launchd agent kept alive after failures, logging to ~/Library/Logs", () => {
    const t = target({ platform: "darwin", uid: 501 });
    const plan = servicePlan(t);
    expect(plan.file?.path).toBe(join(t.userHome, "Library/LaunchAgents/dev.deskfleet.host.vm-1.plist"));
    expect(plan.install).toEqual([["launchctl", "bootstrap", "gui/501", plan.file!.path]]);
    expect(plan.restart).toEqual([["launchctl", "kickstart", "-k", "gui/501/dev.deskfleet.host.vm-1"]]);
    expect(plan.file?.content).toContain("<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>");
    expect(plan.file?.content).toContain("<string>run</string>");
  });

  it.skipIf(!has("python3"))("writes a property list that Python's plistlib reads as launchd would get it", () => {
    const t = target({ platform: "darwin", launcher: "/Users/ada/<odd> & \"quoted\"/bin/deskfleet-host" });
    const plan = servicePlan(t);
    const file = join(mkdtempSync(join(tmpdir(), "dfh-plist-")), "agent.plist");
    writeFileSync(file, plan.file!.content);
    const r = spawnSync("python3", ["-c", "import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],'rb'))))", file], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      Label: "dev.deskfleet.host.vm-1",
      ProgramArguments: [t.launcher, "run"],
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 10,
      StandardOutPath: join(t.userHome, "Library/Logs/deskfleet-host-vm-1.log"),
      StandardErrorPath: join(t.userHome, "Library/Logs/deskfleet-host-vm-1.log"),
    });
  });

  it("is, on Windows, a scheduled task at logon whose commands are printed for a person to run", () => {
    const t = { desktopId: "vm-1", launcher: "C:\\Users\\O'Brien\\.deskfleet\\bin\\deskfleet-host.cmd", userHome: "C:\\Users\\O'Brien" };
    const plan = servicePlan({ ...target(), ...t, platform: "win32" });
    expect(plan.kind).toBe("windows");
    expect(plan.file).toBeNull();
    const lines = windowsCommands(t);
    expect(lines[0]).toContain("O''Brien"); // a PowerShell single-quoted string doubles its quotes
    expect(lines.join("\n")).toContain("Register-ScheduledTask -TaskName 'deskfleet-host-vm-1'");
    expect(lines.join("\n")).toContain("-RestartCount 255");
    expect(plan.notes.join("\n")).toContain("Unregister-ScheduledTask");
  });

  it("names the init systems it knows when the OS has none of them", () => {
    expect(() => servicePlan(target({ platform: "freebsd" }))).toThrow(/systemd \(Linux\), launchd \(macOS\) and Windows, not freebsd/);
  });
});
