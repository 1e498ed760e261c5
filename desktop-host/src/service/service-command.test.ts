import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serviceCommand, type ServiceContext } from "./service-command.ts";

// These run the real systemctl of this machine, so only where it cannot reach a
// user manager (containers, CI): there `install` must fail cleanly, and nothing here can start a real service.
const systemctl = spawnSync("sh", ["-c", "command -v systemctl"]).status === 0;
const userManager = systemctl && spawnSync("systemctl", ["--user", "show-environment"], { stdio: "ignore" }).status === 0;

describe.skipIf(process.platform !== "linux" || !systemctl || userManager)("deskfleet-host service on a Linux machine without a user systemd", () => {
  let home: string;
  let saved: string | undefined;
  let output = "";
  const ctx = (): ServiceContext => ({
    desktopId: "vm-1",
    launcher: "/opt/df/bin/deskfleet-host",
    platform: "linux",
    env: {},
    out: { write: (s: string) => ((output += s), true) } as unknown as NodeJS.WritableStream,
  });
  beforeEach(() => {
    saved = process.env["HOME"];
    home = mkdtempSync(join(tmpdir(), "dfh-svc-home-"));
    process.env["HOME"] = home;
    output = "";
  });
  afterEach(() => {
    process.env["HOME"] = saved;
  });

  it("fails install with what to do instead, and leaves no unit file behind", () => {
    expect(serviceCommand(["install"], ctx())).toBe(1);
    expect(output).toContain("`systemctl --user daemon-reload` failed");
    expect(output).toContain("`deskfleet-host service install --system` installs a system unit instead");
    expect(existsSync(join(home, ".config/systemd/user/deskfleet-host-vm-1.service"))).toBe(false);
  });

  it("reports a service that is not installed with exit code 3, as systemctl does for an inactive unit", () => {
    expect(serviceCommand(["status"], ctx())).toBe(3);
    expect(output).toContain("deskfleet-host-vm-1.service is not installed");
    expect(serviceCommand(["uninstall"], ctx())).toBe(0);
    expect(output).toContain("nothing to do");
  });

  it("asks for install, uninstall or status", () => {
    expect(serviceCommand(["start"], ctx())).toBe(2);
    expect(output).toContain("say install, uninstall or status");
  });
});
