import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOST_RELEASE, hostBundlePath, HostReleaseManifest, MIN_HOST_RELEASE } from "@deskfleet/protocol";
import { startTestControlPlane, type TestControlPlane } from "../test-support/control-plane.ts";
import { startXDesktop, type XDesktop } from "@deskfleet/rfb/testing/x-desktop";
import { freshMachine, type FreshMachine } from "../test-support/fresh-machine.ts";
import { startTamperingProxy } from "../test-support/tampering-proxy.ts";
import { ensureHostBundle } from "../scripts/lib/host-bundle.ts";
import { ROOT } from "../scripts/lib/local-control-plane.ts";
import { e2ePrerequisitesMissing } from "./support/world.ts";

/**
 * The host installed from the control plane, as a new machine does it: the real Worker under
 * wrangler dev, the real installer and bundle, and a real VNC server (TigerVNC's Xvnc, without a
 * password so the installed host needs none) for its doctor to reach.
 */

const missing = e2ePrerequisitesMissing() ?? (spawnSync("sh", ["-c", "command -v Xvnc"]).status === 0 ? null : "Xvnc (apt-get install -y tigervnc-standalone-server)");
let cp: TestControlPlane;
let desktop: XDesktop;
let built: HostReleaseManifest;
const vnc = { get port() { return desktop.port; } };

beforeAll(async () => {
  if (missing) return;
  built = await ensureHostBundle(ROOT);
  [cp, desktop] = await Promise.all([startTestControlPlane(), startXDesktop({ width: 640, height: 480, password: "unused-1", server: "Xvnc", xvncSecurity: { types: ["None"] } })]);
});
afterAll(async () => {
  await Promise.all([cp?.dispose(), desktop?.stop()]);
});

async function desktopWithToken(id: string): Promise<string> {
  expect((await cp.api("POST", "/api/desktops", { id })).status).toBe(201);
  return (await cp.api("POST", `/api/desktops/${id}/host-token`)).json.token as string;
}

async function download(machine: FreshMachine, path: string): Promise<string> {
  const file = join(machine.home, path.split("/").pop()!);
  writeFileSync(file, Buffer.from(await (await fetch(cp.url + path)).arrayBuffer()));
  return file;
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(missing !== null)("the host served by the control plane", () => {
  it("is the bundle npm run build made, with its checksum beside it, for the current release only", async () => {
    const latest = await fetch(`${cp.url}/host/latest.json`);
    expect(latest.headers.get("cache-control")).toBe("no-store");
    expect(HostReleaseManifest.parse(await latest.json())).toEqual(built);
    expect(built.path).toBe(hostBundlePath(HOST_RELEASE));

    const bundle = Buffer.from(await (await fetch(cp.url + built.path)).arrayBuffer());
    expect(createHash("sha256").update(bundle).digest("hex")).toBe(built.sha256);
    expect(bundle.length).toBe(built.bytes);
    expect(await (await fetch(`${cp.url}${built.path}.sha256`)).text()).toBe(`${built.sha256}  deskfleet-host-${HOST_RELEASE}.mjs\n`);

    const other = await fetch(`${cp.url}/host/9.9.9/deskfleet-host-9.9.9.mjs`);
    expect(other.status).toBe(404);
    expect((await other.json()).error.message).toContain(`this control plane serves deskfleet-host ${HOST_RELEASE} only`);
  });

  it("is installed by GET /install.sh, which names this control plane and the bundle's SHA-256 and is never cached", async () => {
    const res = await fetch(`${cp.url}/install.sh`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const script = await res.text();
    expect(script).toContain(`DESKFLEET_SERVER='${cp.url}'`);
    expect(script).toContain(`DESKFLEET_BUNDLE_SHA256='${built.sha256}'`);
    const ps1 = await (await fetch(`${cp.url}/install.ps1`)).text();
    expect(ps1).toContain(`$DeskfleetBundleSha256 = '${built.sha256}'`);
  });
});

describe.skipIf(missing !== null)("installing on a machine with only Node", () => {
  let machine: FreshMachine;
  let token: string;
  beforeAll(async () => {
    machine = freshMachine();
    token = await desktopWithToken("fresh-1");
  });
  afterAll(() => machine?.dispose());

  it("installs from the saved installer with the token on standard input, into a file only its owner reads", async () => {
    const installer = await download(machine, "/install.sh");
    const r = await machine.run(["/bin/sh", installer, "--desktop", "fresh-1", "--token-stdin", "--vnc", `127.0.0.1:${vnc.port}`], { stdin: `${token}\n` });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain(`Checksum verified (SHA-256 ${built.sha256})`);
    expect(r.stdout).toContain(`✓ deskfleet-host ${HOST_RELEASE} installed in ${join(machine.home, ".deskfleet")} for desktop fresh-1 of ${cp.url}`);
    expect(r.stdout + r.stderr).not.toContain(token);
    const tokenFile = join(machine.home, ".deskfleet", "host-token");
    expect(readFileSync(tokenFile, "utf8")).toBe(`${token}\n`);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(createHash("sha256").update(readFileSync(join(machine.home, ".deskfleet", "lib", "deskfleet-host.mjs"))).digest("hex")).toBe(built.sha256);
  });

  it("gives a host that doctor finds ready: VNC, control plane, token, token file and release", async () => {
    const r = await machine.run([machine.launcher, "doctor"]);
    expect(r.stdout).toContain(`✓ token file: ${join(machine.home, ".deskfleet", "host-token")} (readable by its owner only)`);
    expect(r.stdout).toContain(`✓ VNC server: 127.0.0.1:${vnc.port} answers`);
    expect(r.stdout).toContain(`✓ control plane: ${cp.url}/api/health answers`);
    expect(r.stdout).toContain("✓ host token: accepted for desktop fresh-1");
    expect(r.stdout).toContain(`✓ host release: ${HOST_RELEASE}, the release the control plane serves`);
    expect(r.stdout).not.toContain(token);
  });

  it("refuses a host older than the oldest accepted release with how to upgrade, and deskfleet-host upgrade brings it online", async () => {
    const installed = join(machine.home, ".deskfleet", "lib", "deskfleet-host.mjs");
    const current = readFileSync(installed, "utf8");
    const marker = `var HOST_RELEASE="${HOST_RELEASE}"`;
    expect(current.split(marker)).toHaveLength(2);
    // An old release, as an earlier install left it: the same bundle saying it is 0.0.1.
    writeFileSync(installed, current.replace(marker, 'var HOST_RELEASE="0.0.1"'));
    expect((await machine.run([machine.launcher, "version"])).stdout).toBe("0.0.1\n");

    const refused = await machine.run([machine.launcher, "run"], { timeoutMs: 30_000 });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`the control plane does not accept this host's version (close code 4400): deskfleet-host 0.0.1 is older than ${MIN_HOST_RELEASE}, the oldest accepted: run \`deskfleet-host upgrade\``);

    const upgraded = await machine.run([machine.launcher, "upgrade"]);
    expect(upgraded.code, upgraded.stdout + upgraded.stderr).toBe(0);
    expect(upgraded.stdout).toContain(`✓ deskfleet-host 0.0.1 → ${HOST_RELEASE}`);
    expect(createHash("sha256").update(readFileSync(installed)).digest("hex")).toBe(built.sha256);
    expect(readFileSync(join(machine.home, ".deskfleet", "lib", "deskfleet-host.previous.mjs"), "utf8")).toContain('var HOST_RELEASE="0.0.1"');
    expect((await machine.run([machine.launcher, "upgrade"])).stdout).toContain(`deskfleet-host ${HOST_RELEASE} is the release ${cp.url} serves; nothing to do`);

    const host = machine.start([machine.launcher, "run"]);
    try {
      // Without an API key on this machine the host is view-only: connected, running no tasks.
      const connected = async () => ["online", "view_only"].includes((await cp.api("GET", "/api/desktops/fresh-1")).json.presence as string);
      await until(connected, 15_000, "the upgraded host did not come online").catch((err: unknown) => {
        throw new Error(`${err instanceof Error ? err.message : String(err)}:\n${host.output()}`);
      });
      expect((await cp.api("GET", "/api/desktops/fresh-1")).json.capabilities.hostVersion).toBe(HOST_RELEASE);
    } finally {
      expect((await host.stop()).code).toBe(0);
    }
  }, 90_000);

  it("keeps the installed host when an upgrade's download fails its checksum", async () => {
    const proxy = await startTamperingProxy(cp.url);
    try {
      const installed = join(machine.home, ".deskfleet", "lib", "deskfleet-host.mjs");
      const before = readFileSync(installed);
      const r = await machine.run([machine.launcher, "upgrade", "--force", "--server", proxy.url]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout, r.stderr).toContain("✗ the downloaded host bundle failed its checksum; the installed host was left as it was.");
      expect(r.stdout).toContain(`expected: ${built.sha256} (published by the control plane)`);
      expect(proxy.tampered()).toBe(1);
      expect(readFileSync(installed).equals(before)).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
