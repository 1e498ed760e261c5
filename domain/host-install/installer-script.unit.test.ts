import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hostBundlePath, type HostReleaseManifest } from "@deskfleet/protocol";
import { renderInstaller } from "./installer-script.ts";

// The real templates, as `npm run build` copies them into the assets.
const template = (name: string) => readFileSync(new URL(`../../desktop-host/install/${name}`, import.meta.url), "utf8");
const RELEASE: HostReleaseManifest = { version: "0.1.0", path: hostBundlePath("0.1.0"), sha256: "ab".repeat(32), bytes: 123, nodeMajor: 22 };

describe("the installers the control plane serves", () => {
  it("fill in the origin, the release, its path and checksum, leaving no placeholder", () => {
    for (const name of ["install.sh", "install.ps1"]) {
      const script = renderInstaller(template(name), "https://cp.example.com", RELEASE);
      expect(script, name).not.toMatch(/__DESKFLEET_/);
      expect(script).toContain("'https://cp.example.com'");
      expect(script).toContain(`'${RELEASE.sha256}'`);
      expect(script).toContain(`'${RELEASE.path}'`);
    }
  });

  it("refuse an origin that could end the script's quotes", () => {
    for (const origin of ["https://cp.example.com'; rm -rf ~; '", "https://cp.example.com/path", "javascript:alert(1)"]) {
      expect(() => renderInstaller(template("install.sh"), origin, RELEASE), origin).toThrow(/not an origin/);
    }
    expect(renderInstaller(template("install.sh"), "http://[::1]:8787", RELEASE)).toContain("'http://[::1]:8787'");
    expect(() => renderInstaller("x='__DESKFLEET_TYPO__'", "https://a.example", RELEASE)).toThrow(/unknown placeholder __DESKFLEET_TYPO__/);
  });

  it("give a shell script that parses, and says Node is needed on a machine without it", () => {
    const file = join(mkdtempSync(join(tmpdir(), "dfh-installer-")), "install.sh");
    writeFileSync(file, renderInstaller(template("install.sh"), "https://cp.example.com", RELEASE));
    expect(spawnSync("/bin/sh", ["-n", file]).status).toBe(0);
    const r = spawnSync("/bin/sh", [file, "--desktop", "vm-1", "--token-stdin"], { env: { PATH: "/nonexistent" } as unknown as NodeJS.ProcessEnv, encoding: "utf8" }); // the Worker types widen ProcessEnv
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("deskfleet install: node is not on PATH. deskfleet-host needs Node.js 22 or newer: install it (https://nodejs.org or your package manager) and run this line again.\n");
  });
});
