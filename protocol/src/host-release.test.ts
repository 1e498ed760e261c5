import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compareReleases, HOST_RELEASE, hostBundlePath, hostInstallLines, hostReleaseVerdict, HostReleaseManifest, MIN_HOST_RELEASE } from "./host-release.ts";

describe("host releases", () => {
  it("are the version desktop-host/package.json declares, and no older than the oldest accepted", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../desktop-host/package.json", import.meta.url), "utf8")) as { version: string };
    expect(pkg.version).toBe(HOST_RELEASE);
    expect(compareReleases(HOST_RELEASE, MIN_HOST_RELEASE)).toBeGreaterThanOrEqual(0);
  });

  it("order by number, not by text, and refuse to order what is not a release", () => {
    expect(compareReleases("0.10.0", "0.9.9")).toBe(1);
    expect(compareReleases("1.2.3", "1.2.3")).toBe(0);
    expect(compareReleases("0.0.9", "0.1.0")).toBe(-1);
    expect(compareReleases("dev", "0.1.0")).toBeNull();
    expect(compareReleases("1.2", "1.2.0")).toBeNull();
    expect(compareReleases("01.2.3", "1.2.3")).toBeNull();
  });

  it("turn away a host older than the oldest accepted with a close reason that says to run deskfleet-host upgrade, within 123 bytes", () => {
    const verdict = hostReleaseVerdict("0.0.9");
    expect(verdict).toEqual({ ok: false, reason: `deskfleet-host 0.0.9 is older than ${MIN_HOST_RELEASE}, the oldest accepted: run \`deskfleet-host upgrade\`` });
    const longest = hostReleaseVerdict("0.0.999999");
    expect(longest.ok).toBe(false);
    if (!longest.ok) expect(new TextEncoder().encode(longest.reason).length).toBeLessThanOrEqual(123);
  });

  it("accept the current release, a newer one, and a host that is not a numbered release (its protocol version decides)", () => {
    expect(hostReleaseVerdict(HOST_RELEASE)).toEqual({ ok: true });
    expect(hostReleaseVerdict("99.0.0")).toEqual({ ok: true });
    expect(hostReleaseVerdict("system-test")).toEqual({ ok: true });
  });

  it("describe a bundle only at its versioned path, with a lowercase SHA-256", () => {
    const manifest = { version: "0.1.0", path: hostBundlePath("0.1.0"), sha256: "a".repeat(64), bytes: 10, nodeMajor: 22 };
    expect(manifest.path).toBe("/host/0.1.0/deskfleet-host-0.1.0.mjs");
    expect(HostReleaseManifest.safeParse(manifest).success).toBe(true);
    expect(HostReleaseManifest.safeParse({ ...manifest, path: "/host/latest/deskfleet-host.mjs" }).success).toBe(false);
    expect(HostReleaseManifest.safeParse({ ...manifest, sha256: "A".repeat(64) }).success).toBe(false);
    expect(HostReleaseManifest.safeParse({ ...manifest, version: "0.1.0'; rm -rf ~; '" }).success).toBe(false);
  });

  it("give one install line per OS that names the control plane and the desktop, and no npx", () => {
    expect(hostInstallLines("https://cp.example.com", "vm-1")).toEqual({
      unix: "curl -fsSL https://cp.example.com/install.sh | sh -s -- --desktop vm-1 --token-stdin",
      windows: "& ([scriptblock]::Create((irm https://cp.example.com/install.ps1))) -Desktop vm-1",
    });
  });
});
