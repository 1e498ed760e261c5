import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { ROOT } from "../../scripts/lib/local-control-plane.ts";
import { buildDashboard, dashboardState } from "../../scripts/lib/dashboard-build.ts";

export const ARTIFACTS = join(ROOT, "e2e", "artifacts");

/** Builds web/dist the way `npm start` does when it is missing or older than its sources (the Worker serves whatever is there). */
export function ensureDashboardBuilt(): void {
  if (dashboardState(ROOT).state === "fresh") return;
  const built = buildDashboard(ROOT);
  if (!built.ok) throw new Error(`the dashboard build failed:\n${built.output}`);
}

export type TestBrowser = { context: BrowserContext; page: Page; close(): Promise<void> };

/** Debian's Chromium, headless, with a fresh profile (user data dir) per launch. */
export async function launchBrowser(viewport = { width: 1280, height: 860 }): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "deskfleet-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport,
    colorScheme: "dark",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      // Chromium's helper processes may still write to the profile for a moment after the browser exits.
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/** Saves what the test checked, for a person to look at (e2e/artifacts is gitignored). */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
