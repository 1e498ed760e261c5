import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { text, toolUse, type StepContext } from "../test-support/scripted-anthropic/index.ts";
import { startFakeTelegram, type FakeTelegram } from "../test-support/fake-telegram/index.ts";
import { registerWebhook } from "../scripts/lib/telegram-webhook.ts";
import { API_KEY, e2ePrerequisitesMissing, startWorld, waitUntil, type World } from "./support/world.ts";

/**
 * Tools beyond the screen on a real desktop: the real host with
 * --allow shell,files,browser,web and --cdp pointed at the desktop's
 * Chromium, a task started from Telegram, a file attached through the API.
 */
const missing = e2ePrerequisitesMissing();
const CHAT = 7_700_018;
const SECRET = "e2e-tools-webhook-secret-0123456789";
let world: World;
let telegram: FakeTelegram;
let toolsDir: string;
let cdpPort: number;

/** The task's folder, as the host told the model in its first turn. */
const folderOf = (ctx: StepContext) => /task's folder on this computer is (\/[^\s"\\]+?)\./.exec(JSON.stringify(ctx.body["messages"]))?.[1] ?? "/nowhere";

const PAGE = `(echo '<html><head><title>Guests</title></head><body><h1>Guests</h1><ol>'; sort names.txt | sed 's|.*|<li>&</li>|'; echo '</ol></body></html>') > guests.html && wc -l < names.txt`;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  if (missing) return;
  telegram = await startFakeTelegram({ chats: [{ id: CHAT, firstName: "Ada", username: "ada" }] });
  toolsDir = mkdtempSync(join(tmpdir(), "deskfleet-e2e-tools-"));
  cdpPort = await freePort();
  world = await startWorld({
    desktopId: "e2e-tools",
    cdpPort,
    deferHost: true,
    hostArgs: ["--allow", "shell,files,browser,web", "--cdp", String(cdpPort), "--tools-dir", toolsDir],
    vars: {
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
      // A private chat's id is its person's: they may act (operator).
      TELEGRAM_ALLOWED_USER_IDS: `operator:${CHAT}`,
      TELEGRAM_BOT_INFO: JSON.stringify(telegram.botInfo),
    },
    conversations: [
      {
        name: "guests",
        match: "[tools] Make a web page of the guests",
        steps: [
          (ctx) => (JSON.stringify(ctx.body["messages"]).includes("names.txt (20 bytes)") ? toolUse("bash", { command: PAGE }, { text: "The list is attached; I'll build the page with the shell." }) : text("I was not told about names.txt.")),
          (ctx) => toolUse("browser", { action: "navigate", url: `file://${folderOf(ctx)}/guests.html` }),
          toolUse("browser", { action: "read_text" }),
          (ctx) => (ctx.lastToolResult()?.text.includes("Ada\nGrace\nKatherine") ? toolUse("send_file", { path: "guests.html" }) : text(`The page reads wrong: ${ctx.lastToolResult()?.text}`)),
          (ctx) => text(ctx.lastToolResult()?.isError ? `Sending failed: ${ctx.lastToolResult()?.text}` : "Made guests.html with 3 guests and sent it."),
        ],
      },
    ],
  });
  await registerWebhook({ token: telegram.token, secret: SECRET, url: world.cp.url, apiRoot: telegram.url });
}, 240_000);

afterAll(async () => {
  await world?.dispose();
  await telegram?.close();
  if (toolsDir) rmSync(toolsDir, { recursive: true, force: true });
});

async function finished(id: string) {
  await waitUntil(async () => ["completed", "failed", "cancelled"].includes((await world.cp.api("GET", `/api/tasks/${id}`)).json.status), 90_000, () => `task ${id} did not finish; host logs:\n${world.host.logs().slice(-3000)}`);
  return (await world.cp.api("GET", `/api/tasks/${id}`)).json;
}

const events = async (id: string) => (await world.cp.api("GET", `/api/tasks/${id}/events?limit=1000`)).json.items as { kind: string; data: Record<string, any> }[];

describe.skipIf(missing !== null)("tools beyond the screen, end to end on a real desktop", () => {
  it("downloads an attachment, transforms it in the shell, reads the result in Chromium over CDP, and sends a file back to the API and Telegram", async () => {
    const { cp } = world;
    // From Telegram, for a desktop whose host is not up yet: the task waits, and takes an attachment meanwhile.
    await telegram.sendText(CHAT, "/run @e2e-tools [tools] Make a web page of the guests in the attached names.txt, sorted, and send it to me.");
    const queued = await telegram.waitFor(() => telegram.sentTo(CHAT).find((m: { text?: string }) => /Task tsk_\w+ queued/.test(m.text ?? "")), "the bot's task reply");
    const id = /(tsk_\w+)/.exec(queued.text!)![1]!;
    const form = new FormData();
    form.append("file", new File(["Katherine\nAda\nGrace\n"], "names.txt", { type: "text/plain" }));
    const attached = await fetch(`${cp.url}/api/tasks/${id}/files`, { method: "POST", headers: { authorization: `Bearer ${cp.adminToken}` }, body: form });
    expect(attached.status).toBe(201);

    await world.startHost();
    const task = await finished(id);
    expect(task.error, JSON.stringify(task.error)).toBeNull();
    expect(task.result).toBe("Made guests.html with 3 guests and sent it.");

    // The model was offered exactly what the host allows beside the screen, after asking people and the fleet's memory (a task without an agent may use both).
    const request = world.anthropic.requests.find((r) => r.conversation === "guests")!;
    expect((request.body["tools"] as { name?: string }[]).map((t) => t.name).filter(Boolean)).toEqual(["ask_human", "memory_search", "memory_save", "bash", "str_replace_based_edit_tool", "send_file", "browser", "web_fetch"]);
    world.anthropic.assertNoRejections();

    // Every use is in the task's history.
    const log = await events(id);
    expect(log.filter((e) => e.kind === "file_transfer").map((e) => [e.data.direction, e.data.name])).toEqual([["in", "names.txt"], ["out", "guests.html"]]);
    expect(log.find((e) => e.kind === "command")?.data).toMatchObject({ command: PAGE, exitCode: 0, output: "3\n", ending: "exited" });
    const browsing = log.filter((e) => e.kind === "browser");
    expect(browsing.map((e) => e.data.op)).toEqual(["navigate", "read_text"]);
    expect(browsing[1]!.data.tab).toMatchObject({ title: "Guests", url: `file://${join(toolsDir, id)}/guests.html` });

    // The artifact: listed on the task, downloadable from the API, and a document in the chat that started the task.
    const files = (await cp.api("GET", `/api/tasks/${id}/files`)).json.items as { id: string; kind: string; name: string }[];
    const artifact = files.find((f) => f.kind === "artifact")!;
    expect(artifact.name).toBe("guests.html");
    const download = await fetch(`${cp.url}/api/tasks/${id}/files/${artifact.id}`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
    expect(await download.text()).toBe("<html><head><title>Guests</title></head><body><h1>Guests</h1><ol>\n<li>Ada</li>\n<li>Grace</li>\n<li>Katherine</li>\n</ol></body></html>\n");
    const doc = await telegram.waitFor(() => telegram.sentTo(CHAT).find((m: { document?: { file_name?: string } }) => m.document?.file_name === "guests.html"), "the document in Telegram");
    expect(doc.caption).toBe(`guests.html from task ${id}`);
    expect(telegram.rejections()).toEqual([]);

    // The desktop's own Chromium is still there for the screen: the browser tool only disconnected.
    expect((await fetch(`http://127.0.0.1:${cdpPort}/json/version`)).status).toBe(200);
  });

  it("kills a command's process group within 2 s of a cancel from the API", async () => {
    const { cp } = world;
    const created = await cp.api("POST", "/api/tasks", { prompt: "(wait)", command: "sleep 600.4242; echo never", desktopId: world.desktopId });
    expect(created.status).toBe(201);
    const running = () => spawnSync("pgrep", ["-f", "sleep 600.4242"]).stdout.toString().trim();
    await waitUntil(async () => running() !== "", 30_000, () => "the sleep never started");
    const at = Date.now();
    expect((await cp.api("POST", `/api/tasks/${created.json.id}/cancel`, { reason: "too slow" })).status).toBe(200);
    await waitUntil(async () => running() === "", 2_000, () => `sleep 600 still runs ${Date.now() - at} ms after the cancel`);
    console.log(`cancel → sleep gone: ${Date.now() - at} ms`);
    expect((await finished(created.json.id)).status).toBe("cancelled");
  });

  it("keeps 50 MB of output to its head and tail, counting every byte", async () => {
    const { cp } = world;
    const created = await cp.api("POST", "/api/tasks", { prompt: "(flood)", command: "head -c 52428800 /dev/zero | tr '\\0' x; echo; echo END", desktopId: world.desktopId });
    const task = await finished(created.json.id);
    expect(task.status).toBe("completed");
    expect(task.result.length).toBeLessThan(20_000);
    expect(task.result).toMatch(/^x+\n\[… \d+ bytes of output elided …\]\nx+\nEND$/);
    const command = (await events(created.json.id)).find((e) => e.kind === "command")!;
    expect(command.data.outputBytes).toBe(52_428_800 + 5);
    expect(command.data.output.length).toBeLessThanOrEqual(16_000);
  });
});
