import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../../test-support/control-plane.ts";
import { startFakeVncServer, type FakeVncServer } from "../../test-support/fake-vnc-server.ts";
import { startScriptedAnthropic, type ScriptedAnthropic } from "../../test-support/scripted-anthropic/index.ts";
import { ROOT } from "../../scripts/lib/local-control-plane.ts";

/** The deskfleet-host command as a user runs it, against the real Worker and the scripted Messages API. */

const BIN = join(ROOT, "desktop-host", "bin", "deskfleet-host.ts");
const API_KEY = "sk-ant-test-key-for-doctor-0000";

let cp: TestControlPlane;
let anthropic: ScriptedAnthropic;
let token: string;
let closedPort: number;
let vnc: FakeVncServer;

beforeAll(async () => {
  [cp, anthropic, vnc] = await Promise.all([startTestControlPlane(), startScriptedAnthropic({ apiKeys: [API_KEY], models: ["claude-sonnet-5-5"] }), startFakeVncServer({ width: 64, height: 48 })]);
  expect((await cp.api("POST", "/api/desktops", { id: "cli-desk" })).status).toBe(201);
  token = (await cp.api("POST", "/api/desktops/cli-desk/host-token")).json.token;
  // A port nothing listens on: the VNC check must fail with a fix.
  closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
});
afterAll(async () => {
  await Promise.all([cp?.dispose(), anthropic?.close(), vnc?.close()]);
});

function host(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("exit", (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the deskfleet-host command", () => {
  it("exits non-zero with the server's reason and what to do when the host token is refused", async () => {
    const bad = "dfh_never-issued-token-0123456789";
    const r = await host(["run", "--server", cp.url, "--desktop", "cli-desk", "--vnc", `127.0.0.1:${closedPort}`], {
      DESKFLEET_HOST_TOKEN: bad,
      ANTHROPIC_API_KEY: API_KEY,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("the control plane refused the host token (close code 4401)");
    expect(r.stderr).toContain("Issue a new host token for this desktop");
    expect(r.stderr + r.stdout).not.toContain(bad);
    expect(r.stderr + r.stdout).not.toContain(API_KEY);
  });

  it("doctor passes the control plane, token and API key checks and fails the missing VNC server with a fix", async () => {
    const r = await host(["doctor", "--server", cp.url, "--desktop", "cli-desk", "--vnc", `127.0.0.1:${closedPort}`], {
      DESKFLEET_HOST_TOKEN: token,
      ANTHROPIC_API_KEY: API_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✓ control plane: ${cp.url}/api/health answers`);
    expect(r.stdout).toContain("✓ host token: accepted for desktop cli-desk");
    expect(r.stdout).toMatch(/✓ Anthropic API: the key works through .* \(count_tokens for claude-sonnet-5-5: \d+ tokens\)/);
    expect(r.stdout).toContain(`✗ VNC server: 127.0.0.1:${closedPort}`);
    expect(r.stdout).toContain("fix: start the VNC server");
    expect(r.stdout).toContain("1 check failed.");
    expect(r.stdout).not.toContain(token);
  });

  it("doctor names the refused token, the wrong desktop and the refused API key", async () => {
    expect((await cp.api("POST", "/api/desktops", { id: "cli-other" })).status).toBe(201);
    const wrongDesk = await host(["doctor", "--server", cp.url, "--desktop", "cli-other", "--vnc", `127.0.0.1:${closedPort}`], {
      DESKFLEET_HOST_TOKEN: token,
      ANTHROPIC_API_KEY: "sk-ant-wrong-key-000000000",
      ANTHROPIC_BASE_URL: anthropic.url,
    });
    expect(wrongDesk.code).toBe(1);
    expect(wrongDesk.stdout).toContain("✗ host token: the host token belongs to another desktop");
    expect(wrongDesk.stdout).toContain("--desktop cli-desk");
    expect(wrongDesk.stdout).toContain("✗ Anthropic API: the API key was refused (401)");

    const badToken = await host(["doctor", "--server", cp.url, "--desktop", "cli-desk"], { DESKFLEET_HOST_TOKEN: "dfh_not-a-real-token-000000", ANTHROPIC_BASE_URL: anthropic.url });
    expect(badToken.stdout).toContain("✗ host token: the control plane refused the host token");
    expect(badToken.stdout).toContain("! Anthropic API: ANTHROPIC_API_KEY is not set: the host will be view-only");
  });

  it("doctor passes with a warning when only the API key is missing: the host will be view-only", async () => {
    const r = await host(["doctor", "--server", cp.url, "--desktop", "cli-desk", "--vnc", `127.0.0.1:${vnc.port}`], { DESKFLEET_HOST_TOKEN: token });
    expect(r.stdout).toContain("✓ VNC server: 127.0.0.1:");
    expect(r.stdout).toContain("✓ host token: accepted for desktop cli-desk");
    expect(r.stdout).toContain("! Anthropic API: ANTHROPIC_API_KEY is not set: the host will be view-only (live view, screenshots, input and takeover work; it runs no tasks)");
    expect(r.stdout).toContain("fix: export ANTHROPIC_API_KEY=<your key>");
    expect(r.stdout).toContain("No check failed (1 warning above)");
    expect(r.code).toBe(0);
  });

  it("runs without an API key: the desktop comes online with runsTasks false and serves screenshots and input", async () => {
    expect((await cp.api("POST", "/api/desktops", { id: "cli-view" })).status).toBe(201);
    const viewToken = (await cp.api("POST", "/api/desktops/cli-view/host-token")).json.token as string;
    const running = startHost(["run", "--server", cp.url, "--desktop", "cli-view", "--vnc", `127.0.0.1:${vnc.port}`], { DESKFLEET_HOST_TOKEN: viewToken });
    try {
      await expect
        .poll(async () => (await cp.api("GET", "/api/desktops/cli-view")).json?.presence, { timeout: 20_000, interval: 200 })
        .toBe("online");
      const desktop = (await cp.api("GET", "/api/desktops/cli-view")).json;
      expect(desktop.capabilities).toMatchObject({
        runsTasks: false,
        runsTasksReason: "no ANTHROPIC_API_KEY on this host; set it and restart deskfleet-host to run tasks",
        vnc: { reachable: true, server: "fake-vnc" },
        screen: { width: 64, height: 48 },
      });
      expect(running.output()).toContain("ANTHROPIC_API_KEY is not set: this desktop is view-only");

      const shot = await fetch(`${cp.url}/api/desktops/cli-view/screenshot`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
      expect(shot.status).toBe(200);
      const png = Buffer.from(await shot.arrayBuffer());
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([64, 48]); // IHDR width, height

      const click = await cp.api("POST", "/api/desktops/cli-view/input", { action: "click", x: 10, y: 20 });
      expect(click.status).toBe(200);
      expect(vnc.pointer).toContainEqual([10, 20, 1]);

      expect(running.exitCode()).toBeNull();
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });
});

/** `deskfleet-host run` left running until stop(), which sends SIGTERM and resolves with the exit code. */
function startHost(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    output: () => output,
    exitCode: () => child.exitCode,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(kill);
      return code;
    },
  };
}
