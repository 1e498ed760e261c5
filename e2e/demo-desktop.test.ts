import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePng } from "@deskfleet/rfb/image/png";
import { ROOT } from "../scripts/lib/local-control-plane.ts";
import { startTestControlPlane, type TestControlPlane } from "../test-support/control-plane.ts";
import { ensureDashboardBuilt, launchBrowser, saveScreenshot, type TestBrowser } from "./support/browser.ts";
import { e2ePrerequisitesMissing, waitUntil } from "./support/world.ts";

// `npm run desktop` as a new user runs it before they have an Anthropic key:
// the demo desktop comes up view-only and can be watched live, and a task
// aimed at it waits and says why, instead of the whole desktop exiting.

const missing = e2ePrerequisitesMissing();
const DESKTOP = "demo-e2e-1";
let cp: TestControlPlane;
let demo: ChildProcess;
let output = "";
let b: TestBrowser;
let home: string;

beforeAll(async () => {
  if (missing) return;
  ensureDashboardBuilt();
  cp = await startTestControlPlane();
  home = mkdtempSync(join(tmpdir(), "dfd-"));
  const env: Record<string, string> = { ...(process.env as Record<string, string>), DESKFLEET_SERVER: cp.url, DESKFLEET_POOL_NAME: "demo-e2e", DESKFLEET_ADMIN_TOKEN: cp.adminToken, DESKFLEET_HOME: home };
  delete env["ANTHROPIC_API_KEY"];
  delete env["ANTHROPIC_AUTH_TOKEN"];
  demo = spawn(process.execPath, [join(ROOT, "scripts", "desktop.ts")], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  demo.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  demo.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  b = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await b?.close();
  if (demo && demo.exitCode === null) {
    demo.kill("SIGINT");
    await new Promise((r) => demo.once("exit", r));
  }
  await cp?.dispose();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe.skipIf(missing !== null)("npm run desktop (a pool of one) without an API key", () => {
  it("comes online view-only, says so, serves its real screen, and is watched live in the dashboard", async () => {
    await waitUntil(async () => (await cp.api("GET", `/api/desktops/${DESKTOP}`)).json?.presence === "view_only", 90_000, () => `the demo desktop never came online view-only; its output:\n${output.slice(-3000)}`);
    const desktop = (await cp.api("GET", `/api/desktops/${DESKTOP}`)).json;
    expect(desktop).toMatchObject({ mode: "worker", capabilities: { runsTasks: false, runsTasksReason: expect.stringContaining("no ANTHROPIC_API_KEY") } });
    expect(output).toContain("the desktop is view-only");
    expect(demo.exitCode).toBeNull();

    // The screen, from the host, as the API serves it: Chromium's blank page, maximized.
    const shot = await fetch(`${cp.url}/api/desktops/${DESKTOP}/screenshot`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
    expect(shot.status).toBe(200);
    const png = decodePng(new Uint8Array(await shot.arrayBuffer()));
    expect([png.width, png.height]).toEqual([1280, 800]);
    const mid = ((400 * png.width + 640) * png.channels);
    expect([...png.data.subarray(mid, mid + 3)]).toEqual([255, 255, 255]);

    // Live in the dashboard: the tile's noVNC canvas draws the desktop at its own size.
    const { page } = b;
    await page.goto(`http://localhost:${cp.port}`);
    await page.getByLabel("Token").fill(cp.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    const canvas = page.getByRole("img", { name: /live screen/ }).locator("canvas");
    await canvas.waitFor({ timeout: 30_000 });
    const sample = () => canvas.evaluate((c: HTMLCanvasElement) => ({ size: [c.width, c.height], rgb: [...c.getContext("2d")!.getImageData(640, 400, 1, 1).data.subarray(0, 3)] }));
    await expect.poll(sample, { timeout: 30_000 }).toEqual({ size: [1280, 800], rgb: [255, 255, 255] });
    // The tile says what the desktop is: view-only, by the same presence rule as the API.
    await page.getByRole("link", { name: `${DESKTOP}, view-only. Open full view` }).waitFor({ timeout: 10_000 });
    await saveScreenshot(page, "demo-desktop-view-only");
  });

  it("keeps a task aimed at it queued with the reason, and stops everything on Ctrl+C", async () => {
    const created = await cp.api("POST", "/api/tasks", { prompt: "Open example.com", desktopId: DESKTOP });
    expect(created.status).toBe(201);
    await waitUntil(async () => typeof (await cp.api("GET", `/api/tasks/${created.json.id}`)).json.waitingReason === "string", 15_000, () => "the task never said why it waits");
    const task = (await cp.api("GET", `/api/tasks/${created.json.id}`)).json;
    expect(task).toMatchObject({ status: "queued", waitingReason: expect.stringMatching(new RegExp(`^desktop ${DESKTOP}.s host cannot run tasks \\(no ANTHROPIC_API_KEY`)) });

    demo.kill("SIGINT");
    const code = await new Promise<number | null>((r) => demo.once("exit", r));
    expect(code, output.slice(-2000)).toBe(0);
    await waitUntil(async () => (await cp.api("GET", `/api/desktops/${DESKTOP}`)).json?.presence === "offline", 15_000, () => "the desktop stayed online after Ctrl+C");
  });
});
