import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { text, toolUse, toolsetCall, type StepContext } from "../test-support/scripted-anthropic/index.ts";
import { decodePng } from "@deskfleet/rfb/image/png";
import { ensureDashboardBuilt, launchBrowser, saveScreenshot, type TestBrowser } from "./support/browser.ts";
import { API_KEY, SCREEN, e2ePrerequisitesMissing, startWorld, waitUntil, type World } from "./support/world.ts";

// The dashboard against a live fleet: the real Worker, a real X desktop with
// the real host attached, the scripted model, and headless Chromium as the
// person at the dashboard.

const missing = e2ePrerequisitesMissing();
let world: World;
let b: TestBrowser;
let base: string;
/** Uncaught errors in the dashboard (a view that throws shows a blank page), and anything its CSP refused. */
const pageErrors: string[] = [];

/** What the agent got back from ask_human, as the next model request carried it. */
let askHumanResult: string | null = null;

/** Holds the console test's model until the person is watching, so its words can only arrive live. */
let releaseWords: () => void = () => undefined;
const wordsReleased = new Promise<void>((r) => (releaseWords = r));

const QUESTION = "Which invoice number should I enter in the form?";
const ANSWER = "INV-7734";
const WORDS = "I can see the registration form; reading its fields before I type anything.";

/** The task whose screenshot the supervisor shows in the chat test. */
let shownTaskId = "";
const CHAT_REPLY = "e2e-desk is online and idle; above is the last screen of its latest task.";

beforeAll(async () => {
  if (missing) return;
  ensureDashboardBuilt();
  world = await startWorld({
    conversations: [
      {
        name: "ask",
        match: "Enter the invoice number",
        steps: [
          toolUse("ask_human", { question: QUESTION }, { text: "The invoice number is not on the screen; I will ask." }),
          (ctx: StepContext) => {
            askHumanResult = ctx.lastToolResult()?.text ?? null;
            return text(askHumanResult?.includes(ANSWER) ? `Entered invoice ${ANSWER}.` : "I got no invoice number.");
          },
        ],
      },
      {
        name: "watched",
        match: "Describe the form",
        steps: [
          async () => {
            await wordsReleased;
            return toolsetCall("left_click", { coordinate: [200, 140] }, { text: WORDS });
          },
          toolsetCall("type", { text: "Ada" }),
          toolsetCall("key", { text: "Tab" }),
          toolsetCall("scroll", { coordinate: [400, 300], scroll_direction: "up", scroll_amount: 2 }),
          toolsetCall("screenshot"),
          text("The form has a name field and a submit button."),
        ],
      },
      {
        name: "screenshot for the chat",
        match: "Look at the screen once",
        steps: [toolsetCall("screenshot"), text("Looked.")],
      },
      {
        // The supervisor, in the dashboard's chat.
        name: "chat",
        match: "show me its last screen",
        steps: [
          toolUse("list_desktops", {}, { text: "Let me look at the fleet." }),
          () => toolUse("send_screenshot", { taskId: shownTaskId, caption: "The last screen of the latest task" }),
          (ctx: StepContext) => (ctx.lastToolResult()?.isError ? text(`send_screenshot failed: ${ctx.lastToolResult()!.text}`) : text(CHAT_REPLY)),
        ],
      },
    ],
    vars: { ANTHROPIC_API_KEY: API_KEY },
  });
  // localhost, not 127.0.0.1: the session cookie is Secure, and localhost counts as secure.
  base = `http://localhost:${world.cp.port}`;
  b = await launchBrowser();
  b.page.on("pageerror", (e) => pageErrors.push(e.stack ?? e.message));
  // The live view (noVNC, its WebSocket, its cursor image) must work under the dashboard's CSP.
  b.page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) pageErrors.push(`CSP violation: ${m.text()}`);
  });
}, 240_000);

// What the page looked like when a test failed, beside the screenshots of passing ones.
afterEach(async ({ task }) => {
  if (task.result?.state === "fail" && b) await saveScreenshot(b.page, `dashboard-live-FAILED-${task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, "-")}`).catch(() => undefined);
  expect(pageErrors.splice(0), "uncaught errors in the dashboard").toEqual([]);
});

afterAll(async () => {
  releaseWords();
  await b?.close();
  await world?.dispose();
});

/** The dashboard, signed in with the admin token (once per browser; later tests find the session cookie). */
async function openDashboard(): Promise<void> {
  const { page } = b;
  await page.goto(base);
  const token = page.getByLabel("Token");
  const fleet = page.getByRole("heading", { name: "Fleet" });
  await token.or(fleet).first().waitFor();
  if (await token.isVisible()) {
    await token.fill(world.cp.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
  }
  await fleet.waitFor();
}

const taskStatus = async (id: string): Promise<string> => (await world.cp.api("GET", `/api/tasks/${id}`)).json.status as string;

describe.skipIf(missing !== null)("dashboard against a live desktop", () => {
  it("shows the desktop's real pixels in its Fleet tile: the test app's blue swatch where the desktop has it", async () => {
    const { page } = b;
    await openDashboard();

    // noVNC draws into a canvas at the framebuffer's own size; CSS scales it into the tile.
    const screen = page.getByRole("img", { name: "E2E desktop: live screen" });
    await screen.waitFor({ timeout: 30_000 });
    const canvas = screen.locator("canvas");
    const sample = (x: number, y: number) =>
      canvas.evaluate(
        (c: HTMLCanvasElement, [px, py]) => {
          const d = c.getContext("2d")!.getImageData(px!, py!, 1, 1).data;
          return { size: [c.width, c.height], rgb: [d[0], d[1], d[2]] };
        },
        [x, y],
      );
    // The first full frame may still be arriving: wait for the swatch rather than sample once.
    await expect.poll(async () => (await sample(SCREEN.width - 50, SCREEN.height - 50)).rgb, { timeout: 20_000 }).toEqual([0x33, 0x66, 0xcc]);
    const swatch = await sample(SCREEN.width - 150, SCREEN.height - 100);
    expect(swatch.size).toEqual([SCREEN.width, SCREEN.height]);
    expect(swatch.rgb).toEqual([0x33, 0x66, 0xcc]);
    // Outside the swatch the desktop is not blue: the tile is not just painted one colour.
    expect((await sample(SCREEN.width - 350, SCREEN.height - 50)).rgb).not.toEqual([0x33, 0x66, 0xcc]);

    // What the person sees: the whole desktop scaled into the tile, so the swatch is in the tile's
    // bottom-right corner (a 1:1 canvas cropped by the tile would show the desktop's top-left instead).
    const tile = page.locator(".tile-screen").first();
    const box = (await tile.boundingBox())!;
    expect(box.width).toBeGreaterThan(250);
    const shot = decodePng(new Uint8Array(await tile.screenshot()));
    const seen = (fx: number, fy: number) => {
      const i = (Math.round(fy * (shot.height - 1)) * shot.width + Math.round(fx * (shot.width - 1))) * shot.channels;
      return [shot.data[i], shot.data[i + 1], shot.data[i + 2]];
    };
    const near = (rgb: (number | undefined)[], want: number[]) => rgb.every((v, k) => Math.abs(v! - want[k]!) <= 8);
    expect(seen((SCREEN.width - 50) / SCREEN.width, (SCREEN.height - 50) / SCREEN.height), "the swatch, seen in the tile").toSatisfy((rgb: number[]) => near(rgb, [0x33, 0x66, 0xcc]));
    expect(seen(0.5, 0.5), "the middle of the tile is not blue").not.toSatisfy((rgb: number[]) => near(rgb, [0x33, 0x66, 0xcc]));
    await saveScreenshot(page, "dashboard-live-fleet-tile");
  });

  it("answers an agent's question from the Help inbox; the agent gets the answer and the task completes", async () => {
    const { page } = b;
    await openDashboard();
    const created = await world.cp.api("POST", "/api/tasks", { prompt: "Enter the invoice number into the form.", desktopId: world.desktopId });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    await waitUntil(async () => (await taskStatus(id)) === "waiting_for_human", 60_000, () => `the task never asked; host logs:\n${world.host.logs().slice(-3000)}`);

    // The navigation's badge counts the open question.
    const help = page.getByRole("link", { name: /^Help/ });
    await expect.poll(() => help.textContent(), { timeout: 10_000 }).toMatch(/Help\s*1/);
    await help.click();
    const card = page.getByRole("article", { name: `Question from ${world.desktopId}` });
    await card.getByText(QUESTION).waitFor();
    await card.getByLabel("Your answer").fill(ANSWER);
    await card.getByRole("button", { name: "Answer" }).click();

    await page.getByRole("list", { name: "Resolved questions" }).getByText(ANSWER).waitFor({ timeout: 10_000 });
    expect(await page.getByRole("list", { name: "Open questions" }).getByRole("article").count()).toBe(0);
    await waitUntil(async () => (await taskStatus(id)) === "completed", 60_000, () => `the task did not complete; host logs:\n${world.host.logs().slice(-3000)}`);
    expect(askHumanResult).toBe(`The person answered: ${ANSWER}`);
    const task = (await world.cp.api("GET", `/api/tasks/${id}`)).json;
    expect(task.result).toBe(`Entered invoice ${ANSWER}.`);
    await expect.poll(() => help.textContent(), { timeout: 10_000 }).toBe("Help");
    // The "help needed" toast goes with the question (it would otherwise linger for seconds, asking for nothing).
    await expect.poll(() => page.getByText("Help needed").count(), { timeout: 5_000 }).toBe(0);
    await saveScreenshot(page, "dashboard-live-help-answered");

    // The task console tells the same story: the question, who answered, the result.
    await page.getByRole("link", { name: "History" }).click();
    await page.getByRole("list", { name: "Tasks" }).getByRole("link", { name: /Enter the invoice number/ }).first().click();
    const transcript = page.getByRole("list", { name: "Transcript" });
    await expect.poll(() => transcript.textContent(), { timeout: 10_000 }).toMatch(new RegExp(`${QUESTION}.*${ANSWER}`));
    await saveScreenshot(page, "dashboard-live-help-task");
  });

  it("shows the agent's words in the task console as it says them, without a reload", async () => {
    const { page } = b;
    await openDashboard();
    await page.getByRole("link", { name: "Run", exact: true }).click();
    await page.getByLabel("What should the agent do?").fill("Describe the form on the screen.");
    await page.getByLabel("A desktop", { exact: true }).check();
    await page.getByLabel("Desktop", { exact: true }).selectOption(world.desktopId);
    await page.getByRole("button", { name: "Run task" }).click();
    await page.getByRole("heading", { name: "Describe the form on the screen." }).waitFor();
    const id = page.url().split("/").pop()!;

    // Watching live before the agent has said anything.
    await page.locator(".head-actions").getByRole("status").filter({ hasText: "Live" }).waitFor({ timeout: 15_000 });
    await waitUntil(async () => (await taskStatus(id)) === "running", 60_000, () => "the task never started");
    const transcript = page.getByText(WORDS);
    expect(await transcript.count()).toBe(0);
    // A mark on this very document: a reload would wipe it.
    await page.evaluate(() => ((window as unknown as { watchedSince: number }).watchedSince = 1));

    releaseWords();
    await transcript.waitFor({ timeout: 30_000 });
    // Every action as the host really reported it: coordinates, text, keys, scroll direction.
    const steps = page.getByRole("list", { name: "Transcript" });
    await steps.getByText(/Step 5\s*screenshot/).waitFor({ timeout: 30_000 });
    const actionText = await steps.locator("p.t-action").allTextContents();
    expect(actionText.map((t) => t.replace(/\s+/g, " ").trim())).toEqual([
      expect.stringMatching(/^Step 1 left_click at \(200, 140\)/),
      expect.stringMatching(/^Step 2 type "Ada"/),
      expect.stringMatching(/^Step 3 key Tab/),
      expect.stringMatching(/^Step 4 scroll at \(400, 300\) up ×2/),
      expect.stringMatching(/^Step 5 screenshot/),
    ]);
    await page.getByText("Result: The form has a name field and a submit button.").waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator(".head-actions .pill").textContent(), { timeout: 10_000 }).toBe("completed");
    expect(await page.evaluate(() => (window as unknown as { watchedSince?: number }).watchedSince)).toBe(1);
    await saveScreenshot(page, "dashboard-live-task-console");
  });

  it("talks with the supervisor in the chat beside the fleet: its tool use, the screenshot it sends and its reply, and the chat survives a reload", async () => {
    const { page } = b;
    // A task with a screenshot for the supervisor to show.
    shownTaskId = (await world.cp.api("POST", "/api/tasks", { prompt: "Look at the screen once.", desktopId: world.desktopId })).json.id as string;
    await waitUntil(async () => (await taskStatus(shownTaskId)) === "completed", 60_000, () => "the screenshot task did not complete");
    await openDashboard();
    await page.getByRole("button", { name: "Ask the supervisor" }).click();
    const chat = page.getByRole("complementary", { name: "Supervisor chat" });
    const hasFocus = (el: Element) => el === document.activeElement;
    // Opening it puts the cursor in its message box.
    await expect.poll(() => chat.getByLabel("Message the supervisor").evaluate(hasFocus), { timeout: 15_000 }).toBe(true);
    await chat.getByRole("status").filter({ hasText: "Live" }).waitFor({ timeout: 15_000 });
    await chat.getByLabel("Message the supervisor").fill("Is the e2e desktop free? Then show me its last screen.");
    await chat.getByLabel("Message the supervisor").press("Enter");

    const log = chat.getByRole("list", { name: "Conversation" });
    await log.getByText(CHAT_REPLY).waitFor({ timeout: 30_000 });
    await log.getByText("Is the e2e desktop free? Then show me its last screen.").waitFor();
    await log.locator("summary[aria-label^='Tool list_desktops, done']").waitFor();
    await log.locator("summary[aria-label^='Tool send_screenshot, done']").waitFor();
    // The screenshot is a real picture of the desktop, loaded through the session cookie.
    const shot = log.getByRole("img", { name: "The last screen of the latest task" });
    await expect.poll(() => shot.evaluate((img: HTMLImageElement) => [img.complete, img.naturalWidth, img.naturalHeight]), { timeout: 10_000 }).toEqual([true, SCREEN.width, SCREEN.height]);
    expect(await chat.getByLabel("Message the supervisor").inputValue()).toBe("");
    // Every line fits the panel (a long one-line tool row once pushed the rest off its right edge).
    const panel = (await chat.boundingBox())!;
    for (const item of await log.getByRole("listitem").all()) {
      const box = (await item.boundingBox())!;
      expect(box.x + box.width, await item.textContent() ?? "").toBeLessThanOrEqual(panel.x + panel.width);
    }
    // The fleet stays in view beside the chat, not under it.
    const runTask = (await page.getByRole("link", { name: "Run a task" }).boundingBox())!;
    expect(runTask.x + runTask.width).toBeLessThanOrEqual(panel.x);
    await saveScreenshot(page, "dashboard-live-supervisor-chat");

    // The person, the supervisor's words, two tool rows, the screenshot, the reply.
    const before = await log.getByRole("listitem").allTextContents();
    expect(before).toHaveLength(6);

    // Same tab, after a reload: the chat is still open and is the same conversation, from the transcript.
    await page.reload();
    await log.getByText(CHAT_REPLY).waitFor({ timeout: 15_000 });
    expect(await log.getByRole("listitem").allTextContents()).toEqual(before);
    // Back open with the page, it leaves focus to the view; Escape closes it and gives focus back to its button.
    expect(await chat.getByLabel("Message the supervisor").evaluate(hasFocus)).toBe(false);
    await page.keyboard.press("Escape");
    await chat.waitFor({ state: "detached" });
    expect(await page.getByRole("button", { name: "Ask the supervisor" }).evaluate(hasFocus)).toBe(true);
    await page.getByRole("button", { name: "Ask the supervisor" }).click();
    await log.getByText(CHAT_REPLY).waitFor({ timeout: 15_000 });

    // The same conversation as a page of its own.
    await chat.getByRole("link", { name: "Open as a page" }).click();
    const pageLog = page.getByRole("main").getByRole("list", { name: "Conversation" });
    await pageLog.getByText(CHAT_REPLY).waitFor();
    expect(await pageLog.getByRole("listitem").allTextContents()).toEqual(before);
    expect(await chat.count()).toBe(0);
    await saveScreenshot(page, "dashboard-live-supervisor-page");
    world.anthropic.assertNoRejections();
  });
});
