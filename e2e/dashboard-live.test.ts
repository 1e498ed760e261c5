import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { text, toolUse, toolsetCall, type StepContext } from "../test-support/scripted-anthropic/index.ts";
import { decodePng } from "../desktop-host/src/screen/png.ts";
import { ensureDashboardBuilt, launchBrowser, saveScreenshot, type TestBrowser } from "./support/browser.ts";
import { SCREEN, e2ePrerequisitesMissing, startWorld, waitUntil, type World } from "./support/world.ts";

// The dashboard against a live fleet: the real Worker, a real X desktop with
// the real host attached, the scripted model, and headless Chromium as the
// person at the dashboard.

const missing = e2ePrerequisitesMissing();
let world: World;
let b: TestBrowser;
let base: string;

/** What the agent got back from ask_human, as the next model request carried it. */
let askHumanResult: string | null = null;

/** Holds the console test's model until the person is watching, so its words can only arrive live. */
let releaseWords: () => void = () => undefined;
const wordsReleased = new Promise<void>((r) => (releaseWords = r));

const QUESTION = "Which invoice number should I enter in the form?";
const ANSWER = "INV-7734";
const WORDS = "I can see the registration form; reading its fields before I type anything.";

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
            return toolsetCall("screenshot", {}, { text: WORDS });
          },
          text("The form has a name field and a submit button."),
        ],
      },
    ],
  });
  // localhost, not 127.0.0.1: the session cookie is Secure, and localhost counts as secure.
  base = `http://localhost:${world.cp.port}`;
  b = await launchBrowser();
}, 240_000);

afterAll(async () => {
  releaseWords();
  await b?.close();
  await world?.dispose();
});

const taskStatus = async (id: string): Promise<string> => (await world.cp.api("GET", `/api/tasks/${id}`)).json.status as string;

describe.skipIf(missing !== null)("dashboard against a live desktop", () => {
  it("shows the desktop's real pixels in its Fleet tile: the test app's blue swatch where the desktop has it", async () => {
    const { page } = b;
    await page.goto(base);
    await page.getByLabel("Token").fill(world.cp.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Fleet" }).waitFor();

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
    await page.getByRole("list", { name: "Transcript" }).getByText(/Step 1\s*screenshot/).waitFor({ timeout: 30_000 });
    await page.getByText("Result: The form has a name field and a submit button.").waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator(".head-actions .pill").textContent(), { timeout: 10_000 }).toBe("completed");
    expect(await page.evaluate(() => (window as unknown as { watchedSince?: number }).watchedSince)).toBe(1);
    await saveScreenshot(page, "dashboard-live-task-console");
    world.anthropic.assertNoRejections();
  });
});
