import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../test-support/control-plane.ts";
import { servePage } from "../test-support/page-server.ts";
import { ensureDashboardBuilt, launchBrowser, saveScreenshot, type TestBrowser } from "./support/browser.ts";

// The dashboard as a person uses it: the real Worker under `wrangler dev`
// serving the built web/dist, driven by headless Chromium.
describe("dashboard in a real browser", () => {
  let cp: TestControlPlane;
  let b: TestBrowser;
  let base: string;
  /** What Chromium refused under the dashboard's Content-Security-Policy: nothing the dashboard does may be. */
  const cspViolations: string[] = [];

  beforeAll(async () => {
    ensureDashboardBuilt();
    cp = await startTestControlPlane();
    // localhost (not 127.0.0.1), as `npm start` prints it: the cookie is Secure, and localhost counts as secure.
    base = `http://localhost:${cp.port}`;
    b = await launchBrowser();
    b.page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  });

  afterAll(async () => {
    await b?.close();
    await cp?.dispose();
  });

  it("serves the dashboard with a strict Content-Security-Policy, no framing, no referrer and nosniff (no HSTS over plain http)", async () => {
    const res = await b.page.goto(base);
    const headers = res!.headers();
    expect(headers["content-security-policy"]).toBe(
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self' ws://localhost:${cp.port}; worker-src 'self' blob:; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    );
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["referrer-policy"]).toBe("no-referrer");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["strict-transport-security"]).toBeUndefined();
    // The policy holds in the browser: an inline script on the page is refused.
    const ran = await b.page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__inlineRan = true";
      document.head.append(s);
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(ran).toBe(false);
    await expect.poll(() => cspViolations.splice(0).some((v) => /inline script/i.test(v))).toBe(true);
  });

  it("cannot be framed by another site's page", async () => {
    const evil = await servePage(`<!doctype html><title>evil</title><iframe id="f" src="${base}/" width="800" height="600"></iframe>`, () => undefined);
    const other = await launchBrowser();
    const refused: string[] = [];
    other.page.on("console", (m) => refused.push(m.text()));
    try {
      await other.page.goto(evil.url);
      await expect.poll(() => refused.some((t) => /frame-ancestors 'none'/.test(t)), { timeout: 10_000 }).toBe(true);
      const frame = other.page.frames().find((f) => f !== other.page.mainFrame());
      expect(await frame?.evaluate(() => document.querySelector("#root") !== null).catch(() => false)).toBe(false);
    } finally {
      await other.close();
      await evil.close();
    }
  });

  it("refuses a wrong token with a readable message, then signs in with the admin token", async () => {
    const { page } = b;
    await page.goto(base);
    await page.getByLabel("Token").fill("dft_definitely-wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent(), { timeout: 10_000 }).toMatch(/not valid/);

    await page.getByLabel("Token").fill(cp.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Fleet" }).waitFor();
    await page.getByText("No desktops yet.").waitFor();
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor();

    const cookie = (await b.context.cookies(base)).find((c) => c.name === "deskfleet_session");
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict" });
    expect(await page.evaluate(() => document.cookie)).not.toContain("deskfleet_session");
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain(cp.adminToken);
    await saveScreenshot(page, "dashboard-signed-in");
  });

  it("adds a desktop and shows a fresh host token and the install line for each OS", async () => {
    const { page } = b;
    await page.getByRole("link", { name: "Add desktop" }).first().click();
    await page.getByLabel("Id").fill("e2e-linux");
    await page.getByLabel("Name").fill("E2E Linux");
    await page.getByLabel("VNC URL").fill("vnc://127.0.0.1:5999");
    await page.getByLabel("VNC password").fill("s3cret-vnc");
    await page.getByLabel("Labels").fill("office, chrome");
    await page.getByRole("button", { name: "Add desktop" }).click();
    await page.getByRole("heading", { name: "Desktop E2E Linux added" }).waitFor();
    await page.getByRole("button", { name: "Show the install line" }).click();

    expect(await page.getByLabel("Host token").textContent()).toMatch(/^dfh_[A-Za-z0-9_-]{40,}$/);
    expect(await page.getByLabel("Install line for Linux and macOS").textContent()).toBe(`curl -fsSL http://localhost:${cp.port}/install.sh | sh -s -- --desktop e2e-linux --token-stdin`);
    expect(await page.getByLabel("Install line for Windows").textContent()).toBe(`& ([scriptblock]::Create((irm http://localhost:${cp.port}/install.ps1))) -Desktop e2e-linux`);
    expect(await page.content()).not.toContain("s3cret-vnc");
    await saveScreenshot(page, "dashboard-host-command");

    await page.getByRole("link", { name: "fleet", exact: true }).click();
    await saveScreenshot(page, "dashboard-fleet-after-add");
    const tile = page.getByRole("link", { name: /E2E Linux, view-only/ });
    await tile.waitFor();
    expect(await tile.textContent()).toContain("office, chrome");
  });

  it("runs a task and sees it queued in the console and in history", async () => {
    const { page } = b;
    await page.getByRole("link", { name: "Run", exact: true }).click();
    await page.getByLabel("What should the agent do?").fill("Open the calculator and add 2 and 2");
    await page.getByLabel("A desktop", { exact: true }).check();
    await page.getByRole("button", { name: "Run task" }).click();
    await page.getByRole("heading", { name: "Open the calculator and add 2 and 2" }).waitFor();
    await expect.poll(() => page.locator(".head-actions .pill").textContent(), { timeout: 10_000 }).toBe("queued");
    expect(page.url()).toMatch(/\/tasks\/tsk_[0-9a-z]+$/);
    await saveScreenshot(page, "dashboard-task-console");

    await page.getByRole("link", { name: "History" }).click();
    await page.getByRole("searchbox", { name: "Search tasks" }).fill("calculator");
    await page.getByRole("button", { name: "Search" }).click();
    const row = page.getByRole("list", { name: "Tasks" }).getByRole("link").first();
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/Open the calculator and add 2 and 2.*e2e-linux · dashboard/);
    expect(await row.locator(".pill").textContent()).toBe("queued");
    await saveScreenshot(page, "dashboard-history");
  });

  it("creates a schedule after previewing its meaning and next five runs in its time zone", async () => {
    const { page } = b;
    await page.getByRole("link", { name: "Schedules" }).click();
    await page.getByRole("button", { name: "New schedule" }).click();
    await page.getByLabel("Name").fill("Weekday report");
    await page.getByLabel("Prompt").fill("Open the sales dashboard and export the weekly report");
    await page.getByLabel("Cron expression").fill("30 9 * * 1-5");
    await page.getByLabel("Time zone").fill("America/New_York");
    const preview = page.getByLabel("Timing preview");
    await expect.poll(() => preview.textContent(), { timeout: 10_000 }).toMatch(/Runs at 09:30 on weekdays \(America\/New_York\)/);
    const runs = await preview.getByRole("listitem").allTextContents();
    expect(runs).toHaveLength(5);
    for (const r of runs) expect(r).toMatch(/(Mon|Tue|Wed|Thu|Fri).*09:30/);
    await page.getByLabel("Cron expression").fill("61 9 * * *");
    await expect.poll(() => preview.textContent(), { timeout: 10_000 }).toMatch(/minute field `61` is invalid/);
    await page.getByLabel("Cron expression").fill("30 9 * * 1-5");
    await page.getByRole("button", { name: "Create schedule" }).click();
    await page.getByRole("heading", { name: "Weekday report" }).waitFor();
    expect(await page.locator(".page-head").textContent()).toMatch(/next .*09:30 \(America\/New_York\)/);
    await saveScreenshot(page, "dashboard-schedule");
  });

  it("signs in from a one-time link once, and the link is then spent", async () => {
    const minted = await cp.api("POST", "/api/session/link");
    const fresh = await launchBrowser({ width: 390, height: 844 });
    try {
      await fresh.page.goto(`${base}/#signin=${minted.json.code}`);
      await fresh.page.getByRole("heading", { name: "Fleet" }).waitFor();
      expect(new URL(fresh.page.url()).hash).toBe("");
      await fresh.page.getByRole("link", { name: /E2E Linux/ }).waitFor();
      await saveScreenshot(fresh.page, "dashboard-phone-fleet");
    } finally {
      await fresh.close();
    }
    const again = await launchBrowser();
    try {
      await again.page.goto(`${base}/#signin=${minted.json.code}`);
      await again.page.getByRole("alert").filter({ hasText: "already used or has expired" }).waitFor();
      await saveScreenshot(again.page, "dashboard-link-spent");
    } finally {
      await again.close();
    }
  });

  it("did all of the above without one Content-Security-Policy violation", () => {
    expect(cspViolations).toEqual([]);
  });
});
