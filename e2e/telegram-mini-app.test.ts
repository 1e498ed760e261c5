import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ensureDashboardBuilt, launchBrowser, saveScreenshot, type TestBrowser } from "./support/browser.ts";
import { API_KEY, SCREEN, e2ePrerequisitesMissing, startWorld, type World } from "./support/world.ts";

// The desktop in your pocket: the Telegram Mini App page against a live desktop (the real Worker,
// a real X desktop with the real host, headless Chromium as the phone). Telegram itself is not
// reachable here, so the page gets its initData the way Telegram passes it, in the URL fragment,
// signed with the bot token exactly as Telegram signs it.

const missing = e2ePrerequisitesMissing();
const BOT_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const OPERATOR = { id: 5_553_001, first_name: "Ada", last_name: "Lovelace", username: "ada" };
const VIEWER = { id: 5_553_002, first_name: "Vic", username: "vic" };

let world: World;
let b: TestBrowser;
let base: string;
const pageErrors: string[] = [];

/** initData as a Telegram client hands it to a Mini App: URL-encoded fields, signed with the bot's token. */
function initData(user: object, opts: { token?: string; ageSeconds?: number } = {}): string {
  const fields: Record<string, string> = {
    query_id: "AAHdF6IQAAAAAN0XohDhrOrc",
    user: JSON.stringify({ ...user, language_code: "en", allows_write_to_pm: true }),
    auth_date: String(Math.floor(Date.now() / 1000) - (opts.ageSeconds ?? 5)),
    chat_type: "private",
    chat_instance: "8134722200314281151",
    signature: "TYJxVcisqbWjtodPepiJ6ghziUL94-KNpG8Pau-X7oNNLNBM72APCpi_RKiUlBvcqo5L-LAxIc3dnTzcZX_PDg",
  };
  const check = Object.keys(fields).sort().map((k) => `${k}=${fields[k]}`).join("\n");
  const secret = createHmac("sha256", "WebAppData").update(opts.token ?? BOT_TOKEN).digest();
  return new URLSearchParams({ ...fields, hash: createHmac("sha256", secret).update(check).digest("hex") }).toString();
}

/** The Mini App's URL as Telegram opens it: launch parameters in the fragment. */
const miniUrl = (data: string) => `${base}/mini/desktops/${world.desktopId}#tgWebAppData=${encodeURIComponent(data)}&tgWebAppVersion=8.0&tgWebAppPlatform=android&tgWebAppThemeParams=%7B%7D`;

/** Opens the page and returns the session token the page got (read off the wire, for API checks). */
async function open(page: Page, data: string): Promise<string | null> {
  // A new fragment on the same page would not load it again: start from a blank page each time.
  await page.goto("about:blank");
  const session = page.waitForResponse((r) => r.url().endsWith("/api/telegram/webapp/session"), { timeout: 30_000 });
  await page.goto(miniUrl(data));
  const res = await session;
  return res.status() === 201 ? ((await res.json()) as { token: string }).token : null;
}

/** The live screen's pixel at a desktop coordinate (noVNC's canvas is at the framebuffer's size). */
const pixel = (page: Page, x: number, y: number) =>
  page.getByRole("img", { name: /live screen/ }).locator("canvas").evaluate((c: HTMLCanvasElement, [px, py]) => [...c.getContext("2d")!.getImageData(px!, py!, 1, 1).data.slice(0, 3)], [x, y]);

beforeAll(async () => {
  if (missing) return;
  ensureDashboardBuilt();
  world = await startWorld({
    conversations: [],
    vars: {
      ANTHROPIC_API_KEY: API_KEY,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_ALLOWED_CHAT_IDS: String(OPERATOR.id),
      TELEGRAM_ALLOWED_USER_IDS: `operator:${OPERATOR.id},viewer:${VIEWER.id}`,
      // Nothing here may reach the real Bot API.
      TELEGRAM_API_ROOT: "http://127.0.0.1:9",
    },
  });
  base = `http://localhost:${world.cp.port}`;
  b = await launchBrowser({ width: 412, height: 860 });
  b.page.on("pageerror", (e) => pageErrors.push(e.stack ?? e.message));
  b.page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) pageErrors.push(`CSP violation: ${m.text()}`);
  });
}, 240_000);

afterEach(async ({ task }) => {
  if (task.result?.state === "fail" && b) await saveScreenshot(b.page, `mini-app-FAILED-${task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, "-")}`).catch(() => undefined);
  expect(pageErrors.splice(0), "uncaught errors in the Mini App").toEqual([]);
});

afterAll(async () => {
  await b?.close();
  await world?.dispose();
});

describe.skipIf(missing !== null)("the desktop Mini App", () => {
  it("opens the live desktop from valid initData: an operator takes over, types into the screen and hands back", async () => {
    const { page } = b;
    const token = await open(page, initData(OPERATOR));
    expect(token).toMatch(/^dfw_/);
    // The real pixels of the desktop: the test app's blue swatch in its bottom-right corner.
    await expect.poll(() => pixel(page, SCREEN.width - 50, SCREEN.height - 50), { timeout: 30_000 }).toEqual([0x33, 0x66, 0xcc]);
    expect(page.url()).not.toContain("tgWebAppData");
    await saveScreenshot(page, "mini-app-operator");

    await page.getByRole("button", { name: "Take over" }).click();
    await page.getByText("You have control").waitFor();
    // Focus the form's name field through the live view (the relay passes the holder's pointer), then type from the phone's box.
    const canvas = page.getByRole("img", { name: /live screen/ }).locator("canvas");
    const box = (await canvas.boundingBox())!;
    await canvas.click({ position: { x: (290 / SCREEN.width) * box.width, y: (122 / SCREEN.height) * box.height } });
    await world.app.waitFor((e) => e.type === "click" && e.target === "name", 20_000);
    await page.getByLabel("Text to type on the desktop").fill("Ada Lovelace");
    await page.getByRole("button", { name: "Type" }).click();
    const typed = await world.app.waitFor((e) => e.type === "input" && e.value === "Ada Lovelace", 20_000).catch(() => null);
    expect(typed?.value, `what reached the field: ${JSON.stringify(world.app.events.filter((e) => e.type === "input").map((e) => e.value))}`).toBe("Ada Lovelace");
    await page.getByRole("button", { name: "Hand back" }).click();
    await page.getByRole("button", { name: "Take over" }).waitFor();

    // The session opens this desktop and nothing else.
    const as = (path: string, method = "GET") => fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    expect((await as(`/api/desktops/${world.desktopId}`)).status).toBe(200);
    const elsewhere = await as("/api/tasks");
    expect(elsewhere.status).toBe(403);
    expect(((await elsewhere.json()) as { error: { code: string } }).error.code).toBe("outside_desktop_scope");
    expect((await as("/api/desktops/another-desktop")).status).toBe(403);
  });

  it("gives a viewer's Telegram user a view-only screen: no take over, and the API refuses one", async () => {
    const { page } = b;
    const token = await open(page, initData(VIEWER));
    await expect.poll(() => pixel(page, SCREEN.width - 50, SCREEN.height - 50), { timeout: 30_000 }).toEqual([0x33, 0x66, 0xcc]);
    await page.getByText("View only").waitFor();
    expect(await page.getByRole("button", { name: "Take over" }).count()).toBe(0);
    const refused = await fetch(`${base}/api/desktops/${world.desktopId}/takeover`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(403);
    // A click on the view-only screen reaches nothing on the desktop.
    const before = world.app.events.filter((e) => e.type === "mousedown").length;
    await page.getByRole("img", { name: /live screen/ }).locator("canvas").click({ position: { x: 100, y: 40 } });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(world.app.events.filter((e) => e.type === "mousedown")).toHaveLength(before);
    await saveScreenshot(page, "mini-app-viewer");
  });

  it("refuses forged, stale and another bot's initData with a clear message and no session", async () => {
    const { page } = b;
    const forged = initData(OPERATOR).replace(/hash=[0-9a-f]{64}/, `hash=${"ab".repeat(32)}`);
    expect(await open(page, forged)).toBeNull();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not signed by this deployment's bot");
    await page.getByRole("heading", { name: "Cannot open the desktop" }).waitFor();

    expect(await open(page, initData(OPERATOR, { ageSeconds: 2 * 3600 }))).toBeNull();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/is 120 min old; the limit is 60 min/);

    expect(await open(page, initData(OPERATOR, { token: "7098765432:AAF-another-bot-entirely-0123456789" }))).toBeNull();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not signed by this deployment's bot");
    expect(await page.locator("canvas").count()).toBe(0);
    await saveScreenshot(page, "mini-app-refused");
  });
});
