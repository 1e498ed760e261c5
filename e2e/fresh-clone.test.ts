import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardState } from "../scripts/lib/dashboard-build.ts";
import { hostBundleState } from "../scripts/lib/host-bundle.ts";
import { freePort, ROOT } from "../scripts/lib/local-control-plane.ts";
import { launchBrowser, saveScreenshot, type TestBrowser } from "./support/browser.ts";

// What a new user does: clone, `npm install`, `npm start`, open the printed link.
// The clone is of this repository's HEAD (commit first: uncommitted changes are not in it),
// and nothing is built beforehand: no web/dist, no .dev.vars, no local state.

/** The environment a person's shell has: none of npm's or vitest's own variables (NODE_ENV=test would change the build). */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(npm_|VITEST|NODE_ENV$|PORT$|INIT_CWD$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string): { status: number | null; output: string; seconds: number } {
  const started = performance.now();
  const res = spawnSync(cmd, args, { cwd, env: userEnv(), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { status: res.status, output: `${res.stdout}${res.stderr}${res.error ?? ""}`, seconds: (performance.now() - started) / 1000 };
}

describe("a fresh clone", () => {
  let clone: string;
  let start: ChildProcess | null = null;
  let startOutput = "";
  let port = 0;
  let browser: TestBrowser | null = null;

  beforeAll(() => {
    const dirty = spawnSync("git", ["status", "--porcelain"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
    if (dirty) console.warn(`fresh-clone test: the working tree has uncommitted changes; the clone has HEAD without them:\n${dirty}`);
    clone = mkdtempSync(join(tmpdir(), "deskfleet-fresh-clone-"));
    const cloned = run("git", ["clone", "--quiet", ROOT, clone], tmpdir());
    expect(cloned.status, cloned.output).toBe(0);
  });

  afterAll(async () => {
    await browser?.close();
    await stopStart();
    rmSync(clone, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  /** `npm start` leads its own process group (npm, node, wrangler, workerd), as in a terminal: signal all of it. */
  async function stopStart(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const c = start;
    start = null;
    if (!c?.pid || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once("exit", () => r()));
    process.kill(-c.pid, signal);
    const force = setTimeout(() => groupAlive(c.pid!) && process.kill(-c.pid!, "SIGKILL"), 15_000);
    await exited;
    clearTimeout(force);
  }

  it("installs with npm install and leaves the working tree clean, package-lock.json included", () => {
    const install = run("npm", ["install", "--no-audit", "--no-fund"], clone);
    console.log(`fresh clone: npm install took ${install.seconds.toFixed(1)} s`);
    expect(install.status, install.output).toBe(0);
    const status = run("git", ["status", "--porcelain"], clone);
    expect(status.output, `npm install changed tracked files:\n${run("git", ["diff", "--stat"], clone).output}`).toBe("");
    // The dashboard is not built by installing: npm start has to do it.
    expect(existsSync(join(clone, "web", "dist"))).toBe(false);
  }, 300_000);

  it("builds the dashboard on npm start and its printed sign-in link opens the real dashboard", async () => {
    port = await freePort();
    const started = performance.now();
    start = spawn("npm", ["start"], { cwd: clone, env: userEnv({ PORT: String(port) }), stdio: ["ignore", "pipe", "pipe"], detached: true });
    start.stdout?.on("data", (d: Buffer) => (startOutput += d.toString()));
    start.stderr?.on("data", (d: Buffer) => (startOutput += d.toString()));
    const link = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /Dashboard: +(http:\/\/localhost:\d+\/#signin=\S+)/.exec(startOutput);
        if (m?.[1]) done(() => resolve(m[1]!));
        else if (start?.exitCode !== null) done(() => reject(new Error(`npm start exited with ${start?.exitCode}:\n${startOutput}`)));
        else if (performance.now() - started > 180_000) done(() => reject(new Error(`npm start printed no sign-in link within 180 s:\n${startOutput}`)));
      }, 100);
      const done = (f: () => void) => {
        clearInterval(timer);
        f();
      };
    });
    console.log(`fresh clone: npm start printed its sign-in link after ${((performance.now() - started) / 1000).toFixed(1)} s (${/Dashboard built in .*/.exec(startOutput)?.[0] ?? "no build"})`);
    expect(startOutput).toContain("Building the dashboard (first run)…");
    expect(startOutput).toMatch(/Dashboard built in \d+\.\d s\./);
    expect(link.startsWith(`http://localhost:${port}/#signin=`)).toBe(true);

    browser = await launchBrowser();
    const { page } = browser;
    await page.goto(link);
    // Signed in by the link, on the real app: the fleet view with its live feed, not the placeholder page.
    await page.getByRole("heading", { name: "Fleet" }).waitFor({ timeout: 30_000 });
    await page.getByText("No desktops yet.").waitFor();
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
    expect(await page.content()).not.toContain("Dashboard not built");
    await saveScreenshot(page, "fresh-clone-dashboard");

    // The host bundle is built too, so the install line works against a fresh npm start.
    expect(startOutput).toMatch(/Host bundle \d+\.\d+\.\d+ built in \d+\.\d s/);
    const installer = await fetch(`http://127.0.0.1:${port}/install.sh`);
    expect(installer.status).toBe(200);
    expect(await installer.text()).toMatch(/DESKFLEET_BUNDLE_SHA256='[0-9a-f]{64}'/);

    // What it built is recorded with its sources, so the next npm start does not build again,
    // and the build, the secrets and the local state all stay out of git.
    expect(dashboardState(clone)).toEqual({ state: "fresh" });
    expect(hostBundleState(clone)).toEqual({ state: "fresh" });
    expect(run("git", ["status", "--porcelain"], clone).output).toBe("");
  }, 300_000);

  it("stops everything it started on Ctrl+C", async () => {
    const pid = start?.pid;
    expect(pid).toBeDefined();
    await stopStart("SIGINT");
    await expect.poll(() => groupAlive(pid!), { timeout: 15_000 }).toBe(false);
    expect(await fetch(`http://127.0.0.1:${port}/api/health`).then(() => "answering", () => "stopped")).toBe("stopped");
  }, 60_000);
});

/** True while any process of the group is left (wrangler's workerd included). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
