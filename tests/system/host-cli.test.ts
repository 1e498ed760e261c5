import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../../test-support/control-plane.ts";
import { startScriptedAnthropic, type ScriptedAnthropic } from "../../test-support/scripted-anthropic/index.ts";
import { ROOT } from "../../scripts/lib/local-control-plane.ts";

/** The deskfleet-host command as a user runs it, against the real Worker and the scripted Messages API. */

const BIN = join(ROOT, "desktop-host", "bin", "deskfleet-host.ts");
const API_KEY = "sk-ant-test-key-for-doctor-0000";

let cp: TestControlPlane;
let anthropic: ScriptedAnthropic;
let token: string;
let closedPort: number;

beforeAll(async () => {
  [cp, anthropic] = await Promise.all([startTestControlPlane(), startScriptedAnthropic({ apiKeys: [API_KEY], models: ["claude-sonnet-5-5"] })]);
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
  await Promise.all([cp?.dispose(), anthropic?.close()]);
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

  it("doctor reports a missing API key as a warning that the host will be view-only, not as a failure", async () => {
    const r = await host(["doctor", "--server", cp.url, "--desktop", "cli-desk", "--vnc", `127.0.0.1:${closedPort}`], { DESKFLEET_HOST_TOKEN: token });
    expect(r.stdout).toContain("✓ host token: accepted for desktop cli-desk");
    expect(r.stdout).toContain("! Anthropic API: ANTHROPIC_API_KEY is not set: the host will be view-only (live view, screenshots, input and takeover work; it runs no tasks)");
    expect(r.stdout).toContain("fix: export ANTHROPIC_API_KEY=<your key>");
    // The one failure is the VNC server nobody listens on; the key is not counted as one.
    expect(r.stdout).toContain("1 check failed, 1 warning.");
  });
});
