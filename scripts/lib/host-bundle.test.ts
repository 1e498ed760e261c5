import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HOST_RELEASE, hostBundlePath } from "@deskfleet/protocol";
import { hostBundleState } from "./host-bundle.ts";

let root: string;
const at = (seconds: number) => new Date(1_800_000_000_000 + seconds * 1000);

function write(path: string, text: string, time: Date): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  utimesSync(full, time, time);
}

/** Sources from t=10, a build of them at t=100 (what buildHostBundle leaves in web/dist/host). */
function builtAt100(version = HOST_RELEASE): void {
  write("desktop-host/src/cli/main.ts", "main", at(10));
  write("rfb/src/rfb-client.ts", "rfb", at(10));
  write("package-lock.json", "{}", at(10));
  write(`web/dist${hostBundlePath(version)}`, "bundle", at(100));
  write("web/dist/host/latest.json", JSON.stringify({ version, path: hostBundlePath(version), sha256: "0".repeat(64), bytes: 6, nodeMajor: 22 }), at(100));
  write("web/dist/host/installer/install.sh", "sh", at(100));
  write("web/dist/host/installer/install.ps1", "ps1", at(100));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "deskfleet-host-bundle-state-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("hostBundleState", () => {
  it("calls a build fresh when no source changed after it", () => {
    builtAt100();
    expect(hostBundleState(root)).toEqual({ state: "fresh" });
  });

  it("calls it missing without a manifest, a bundle or an installer (a dashboard build empties web/dist)", () => {
    builtAt100();
    rmSync(join(root, "web/dist/host/installer/install.ps1"));
    expect(hostBundleState(root)).toEqual({ state: "missing" });
    rmSync(join(root, "web/dist/host"), { recursive: true });
    expect(hostBundleState(root)).toEqual({ state: "missing" });
  });

  it("names the source that changed since the build, in the host or in a package it bundles", () => {
    builtAt100();
    write("rfb/src/rfb-client.ts", "rfb v2", at(200));
    expect(hostBundleState(root)).toEqual({ state: "stale", reason: "rfb/src/rfb-client.ts changed since the last build" });
  });

  it("calls a build of another release stale", () => {
    builtAt100("0.0.1");
    expect(hostBundleState(root)).toEqual({ state: "stale", reason: `the last build is release 0.0.1, the sources are ${HOST_RELEASE}` });
  });
});
