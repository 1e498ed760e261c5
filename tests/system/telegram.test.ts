import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../../test-support/control-plane.ts";
import { startFakeTelegram, type FakeTelegram } from "../../test-support/fake-telegram/index.ts";
import { makePng } from "../../test-support/scripted-anthropic/test-images.ts";
import { registerWebhook } from "../../scripts/lib/telegram-webhook.ts";

const ALLOWED = 5_551_001;
const STRANGER = 5_559_999;
/** A group the bot serves, with an operator (Ada, also ALLOWED's person), a viewer and someone not listed. */
const GROUP = -100_555_000_1;
const VIEWER = 5_551_002;
const OUTSIDER = 5_551_003;
/** A chat of its own for the rate limit, which counts per chat. */
const BUSY = 5_551_004;

let fake: FakeTelegram;
let cp: TestControlPlane;
const secret = randomBytes(24).toString("base64url");

beforeAll(async () => {
  fake = await startFakeTelegram({
    chats: [{ id: ALLOWED, firstName: "Ada", username: "ada" }, { id: BUSY, firstName: "Bea" }],
    groups: [{ id: GROUP, title: "Ops", members: [{ id: ALLOWED, firstName: "Ada" }, { id: VIEWER, firstName: "Vic" }, { id: OUTSIDER, firstName: "Olly" }] }],
  });
  cp = await startTestControlPlane({
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_WEBHOOK_SECRET: secret,
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_ALLOWED_CHAT_IDS: `${ALLOWED},${GROUP},${BUSY}`,
    TELEGRAM_ALLOWED_USER_IDS: `operator:${ALLOWED},viewer:${VIEWER},operator:${BUSY}`,
    TELEGRAM_BOT_INFO: JSON.stringify(fake.botInfo),
  });
  // What `npm run telegram:webhook` does, against the fake.
  await registerWebhook({ token: fake.token, secret, url: cp.url, apiRoot: fake.url });
});
afterAll(async () => {
  await cp?.dispose();
  await fake?.close();
});

/** Messages the bot sent to a chat after `from` (an index into fake.sentTo). */
const sentSince = (chat: number, from: number) => fake.sentTo(chat).slice(from);
const textOf = (m: { text?: string; caption?: string }) => m.text ?? m.caption ?? "";

/** A desktop host speaking the real host protocol over a real WebSocket. */
async function connectHost(desktopId: string) {
  expect((await cp.api("POST", "/api/desktops", { id: desktopId })).status).toBe(201);
  const token = (await cp.api("POST", `/api/desktops/${desktopId}/host-token`)).json.token as string;
  const ws = new WebSocket(`${cp.url.replace("http", "ws")}/api/hosts/connect`, { headers: { authorization: `Bearer ${token}`, "x-deskfleet-desktop": desktopId } });
  const inbox: any[] = [];
  ws.on("message", (d) => {
    const m = JSON.parse(String(d));
    // The screenshot API asks the host for the screen now.
    if (m.type === "desktop_request" && m.request.kind === "screenshot") {
      ws.send(JSON.stringify({ type: "desktop_response", requestId: m.requestId, result: { ok: true, png: makePng(1024, 640).toString("base64") } }));
    } else inbox.push(m);
  });
  await new Promise((ok, fail) => (ws.once("open", ok), ws.once("error", fail)));
  const send = (m: unknown) => ws.send(JSON.stringify(m));
  send({ type: "hello", protocolVersion: 1, desktopId, capabilities: { screen: { width: 1280, height: 800 }, os: "linux", hostVersion: "test", vnc: { reachable: true }, tools: [] }, activeTasks: [] });
  const next = (type: string) => fake.waitFor(() => {
    const i = inbox.findIndex((m) => m.type === type);
    return i >= 0 ? inbox.splice(i, 1)[0] : undefined;
  }, `host message ${type}`);
  await next("welcome");
  const screenshot = async (taskId: string) => {
    const res = await fetch(`${cp.url}/api/hosts/tasks/${taskId}/screenshots`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "image/png" }, body: new Uint8Array(makePng(1280, 800)) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { key: string }).key;
  };
  return { ws, send, next, screenshot, close: () => ws.close() };
}

describe("Telegram, through the real Worker and the fake Bot API", () => {
  it("registers the webhook with its secret, message, edited_message and callback_query updates, and the commands", async () => {
    expect(fake.webhook()).toMatchObject({ url: `${cp.url}/telegram/webhook`, secretToken: secret, allowedUpdates: ["message", "edited_message", "callback_query"] });
    const commands = fake.callsOf("setMyCommands")[0]!.params["commands"] as { command: string }[];
    expect(commands.map((c) => c.command)).toEqual(["start", "help", "tasks", "desktops", "schedules", "run", "cancel", "screenshot", "pause", "resume"]);
  });

  it("refuses updates without the right secret header with 401 JSON and does nothing", async () => {
    const before = fake.calls.length;
    const wrong = await fake.deliver({ message: { message_id: 1, date: 1, chat: { id: ALLOWED, type: "private", first_name: "Ada" }, text: "/tasks" } } as never, { secretToken: "wrong" });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toMatchObject({ error: { code: "unauthorized" } });
    const none = await fake.deliver({ message: { message_id: 2, date: 1, chat: { id: ALLOWED, type: "private", first_name: "Ada" }, text: "/tasks" } } as never, { secretToken: null });
    expect(none.status).toBe(401);
    const bad = await fetch(`${cp.url}/telegram/webhook`, { method: "POST", headers: { "x-telegram-bot-api-secret-token": secret, "content-type": "application/json" }, body: "{not json" });
    expect(bad.status).toBe(400);
    expect(fake.calls.length).toBe(before);
  });

  it("tells a chat that is not allowed its id once, and never answers it again", async () => {
    expect((await fake.sendText(STRANGER, "hello?")).status).toBe(200);
    await fake.sendText(STRANGER, "/run delete everything");
    await fake.sendText(STRANGER, "anyone?");
    const sent = fake.sentTo(STRANGER);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain(`Its chat id is ${STRANGER}`);
    expect(sent[0]!.text).toContain("TELEGRAM_ALLOWED_CHAT_IDS");
    expect((await cp.api("GET", "/api/tasks?source=telegram")).json.items).toHaveLength(0);
  });

  it("creates a task with source telegram from /run, lists it with /tasks and cancels it with /cancel", async () => {
    const start = fake.sentTo(ALLOWED).length;
    await fake.sendText(ALLOWED, "/run open example.com and read the title. Then stop!");
    const tasks = (await cp.api("GET", "/api/tasks?source=telegram")).json.items;
    expect(tasks).toHaveLength(1);
    const task = tasks[0];
    expect(task).toMatchObject({ prompt: "open example.com and read the title. Then stop!", source: "telegram", options: { notify: true }, sourceMeta: { chatId: ALLOWED, userId: ALLOWED, username: "ada" } });
    expect(textOf(sentSince(ALLOWED, start)[0]!)).toBe(`Task ${task.id} queued. I will tell you here when it finishes.`);
    // The task id went out as a code entity: MarkdownV2 was accepted, not the plain fallback.
    expect(sentSince(ALLOWED, start)[0]!.entities?.[0]).toMatchObject({ type: "code", offset: 5 });

    await fake.sendText(ALLOWED, "/tasks");
    const listing = textOf(sentSince(ALLOWED, start)[1]!);
    expect(listing).toContain(task.id);
    expect(listing).toContain("open example.com and read the title. Then stop!");

    await fake.sendText(ALLOWED, `/cancel ${task.id}`);
    expect(textOf(sentSince(ALLOWED, start)[2]!)).toBe(`Task ${task.id} cancelled.`);
    expect((await cp.api("GET", `/api/tasks/${task.id}`)).json.status).toBe("cancelled");
    await fake.sendText(ALLOWED, "/run");
    expect(textOf(sentSince(ALLOWED, start)[3]!)).toContain("Usage: /run <prompt>");
    expect(fake.rejections()).toEqual([]);
  });

  it("splits a long reply at 4,096 characters on line boundaries", async () => {
    for (let i = 0; i < 40; i++) {
      const id = `long-${String(i).padStart(2, "0")}`;
      const name = `Desk (lab) #${i} - v2.0! ${"x".repeat(70)}`;
      expect((await cp.api("POST", "/api/desktops", { id, name })).status).toBe(201);
    }
    const start = fake.sentTo(ALLOWED).length;
    await fake.sendText(ALLOWED, "/desktops");
    const parts = sentSince(ALLOWED, start).map(textOf);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
    // Every line is whole: each desktop appears on exactly one line of one message.
    const lines = parts.flatMap((p) => p.split("\n"));
    for (let i = 0; i < 40; i++) expect(lines.filter((l) => l.includes(`long-${String(i).padStart(2, "0")} Desk (lab) #${i} - v2.0!`))).toHaveLength(1);
    expect(fake.rejections()).toEqual([]);
  });

  it("sends free text and photos to the supervisor seam, which answers honestly that it is not configured", async () => {
    const start = fake.sentTo(ALLOWED).length;
    await fake.sendText(ALLOWED, "what is running right now?");
    await fake.sendPhoto(ALLOWED, { caption: "what is this?" });
    await fake.sendText(ALLOWED, "/frobnicate");
    const replies = sentSince(ALLOWED, start).map(textOf);
    expect(replies[0]).toMatch(/^The supervisor is not configured: set ANTHROPIC_API_KEY/);
    expect(replies[1]).toMatch(/^The supervisor is not configured/);
    expect(replies[2]).toBe("Unknown command /frobnicate; see /help.");
  });

  it("reports a finished task with notify to its chat with the result and the last screenshot", async () => {
    const host = await connectHost("tg-notify");
    try {
      const start = fake.sentTo(ALLOWED).length;
      await fake.sendText(ALLOWED, "/run @tg-notify find the price of the blue mug");
      const assign = await host.next("assign");
      const taskId = assign.task.id as string;
      const key = await host.screenshot(taskId);
      host.send({ type: "events", taskId, events: [
        { seq: 1, kind: "started", at: Date.now(), data: { resume: false } },
        { seq: 2, kind: "screenshot", at: Date.now(), data: { key, width: 1280, height: 800, step: 0 } },
        { seq: 3, kind: "completed", at: Date.now(), data: { result: "The blue mug costs $12.50 (in stock)." } },
      ] });
      const photo = await fake.waitFor(() => sentSince(ALLOWED, start).find((m) => m.photo), "the result with its photo");
      expect(photo.caption).toContain("Task completed");
      expect(photo.caption).toContain(taskId);
      expect(photo.caption).toContain("The blue mug costs $12.50 (in stock).");
      expect(photo.photo!.at(-1)).toMatchObject({ width: 1280, height: 800 });
      const upload = fake.callsOf("sendPhoto").at(-1)!.params["photo"] as { bytes: Uint8Array };
      expect(upload.bytes.length).toBe(makePng(1280, 800).length);
    } finally {
      host.close();
    }
  });

  it("answers /screenshot with the desktop's screen now, and says why when there is none", async () => {
    const host = await connectHost("tg-shot");
    try {
      const start = fake.sentTo(ALLOWED).length;
      await fake.sendText(ALLOWED, "/screenshot tg-shot");
      const shot = await fake.waitFor(() => sentSince(ALLOWED, start).find((m) => m.photo), "the screenshot");
      expect(shot.photo!.at(-1)).toMatchObject({ width: 1024, height: 640 });
      expect(shot.caption).toMatch(/^tg-shot at /);
      await fake.sendText(ALLOWED, "/screenshot no-such-desktop");
      expect(textOf(fake.sentTo(ALLOWED).at(-1)!)).toBe("Desktop no-such-desktop does not exist; see /desktops.");
      expect(fake.callsOf("sendChatAction").at(-1)?.params).toMatchObject({ action: "upload_photo" });
    } finally {
      host.close();
    }
  });

  it("posts a help request with buttons, resolves it from a button press (first answer wins) and from a reply", async () => {
    const host = await connectHost("tg-help");
    try {
      const task = (await cp.api("POST", "/api/tasks", { prompt: "book a table", desktopId: "tg-help" })).json;
      await host.next("assign");
      const key = await host.screenshot(task.id);
      const start = fake.sentTo(ALLOWED).length;
      host.send({ type: "events", taskId: task.id, events: [
        { seq: 1, kind: "started", at: Date.now(), data: { resume: false } },
        { seq: 2, kind: "screenshot", at: Date.now(), data: { key, width: 1280, height: 800, step: 0 } },
        { seq: 3, kind: "help_request", at: Date.now(), data: { requestId: "help-req-0001", question: "Which time: 7 pm or 8 pm?", options: ["7 pm", "8 pm"] } },
      ] });
      const asked = await fake.waitFor(() => sentSince(ALLOWED, start).find((m) => m.reply_markup), "the help request with buttons");
      expect(asked.photo).toBeDefined();
      expect(asked.caption).toContain("Which time: 7 pm or 8 pm?");
      const buttons = asked.reply_markup!.inline_keyboard.flat() as { text: string; callback_data: string }[];
      expect(buttons.map((b) => b.text)).toEqual(["7 pm", "8 pm", "Dismiss"]);
      for (const b of buttons) expect(new TextEncoder().encode(b.callback_data).length).toBeLessThanOrEqual(64);

      await fake.pressButton(ALLOWED, asked.message_id, buttons[1]!.callback_data);
      const answer = await host.next("help_answer");
      expect(answer).toMatchObject({ requestId: "help-req-0001", status: "answered", answer: "8 pm" });
      const stored = (await cp.api("GET", "/api/help-requests?status=answered")).json.items.find((h: any) => h.id === "help-req-0001");
      expect(stored).toMatchObject({ answer: "8 pm", answeredVia: "telegram", answeredBy: `telegram:${ALLOWED}` });

      // A late press (or the dashboard after Telegram) does not change the answer and is told why.
      await fake.pressButton(ALLOWED, asked.message_id, buttons[0]!.callback_data);
      const late = await fake.waitFor(() => sentSince(ALLOWED, start).map(textOf).find((t) => t.startsWith("⚠️")), "the late answer's notice");
      expect(late).toMatch(/already resolved/);
      expect((await cp.api("POST", "/api/help-requests/help-req-0001/respond", { answer: "7 pm" })).status).toBe(409);

      // A second question answered in free text by replying to it.
      const again = fake.sentTo(ALLOWED).length;
      host.send({ type: "events", taskId: task.id, events: [{ seq: 4, kind: "help_request", at: Date.now(), data: { requestId: "help-req-0002", question: "Name for the booking?" } }] });
      const second = await fake.waitFor(() => sentSince(ALLOWED, again).find((m) => m.reply_markup), "the second help request").catch((e: unknown) => {
        // The Worker's log says why a post did not happen (it never contains the token).
        throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- worker log ---\n${cp.logs().slice(-4000)}`);
      });
      await fake.sendText(ALLOWED, "Ada Lovelace", { replyTo: second.message_id });
      expect(await host.next("help_answer")).toMatchObject({ requestId: "help-req-0002", status: "answered", answer: "Ada Lovelace" });
      expect(fake.rejections()).toEqual([]);
    } finally {
      host.close();
    }
  });

  it("takes a secret answer from a reply, deletes the reply, says so, and never echoes the answer", async () => {
    const host = await connectHost("tg-secret");
    try {
      const task = (await cp.api("POST", "/api/tasks", { prompt: "log in", desktopId: "tg-secret" })).json;
      await host.next("assign");
      const start = fake.sentTo(ALLOWED).length;
      host.send({ type: "events", taskId: task.id, events: [
        { seq: 1, kind: "started", at: Date.now(), data: { resume: false } },
        { seq: 2, kind: "help_request", at: Date.now(), data: { requestId: "help-secret-01", question: "The code sent to your phone?", secret: true } },
      ] });
      const asked = await fake.waitFor(() => sentSince(ALLOWED, start).find((m) => textOf(m).includes("The code sent to your phone?")), "the secret question");
      expect(textOf(asked)).toMatch(/Secret question/);
      expect(textOf(asked)).toMatch(/I delete your reply/);

      const reply = (await fake.sendText(ALLOWED, "492039", { replyTo: asked.message_id })).update.message!;
      expect(await host.next("help_answer")).toMatchObject({ requestId: "help-secret-01", status: "answered", answer: "492039", secret: true });
      const notice = await fake.waitFor(() => sentSince(ALLOWED, start).map(textOf).find((t) => t.includes("secret answer")), "the notice");
      expect(notice).toBe("🔒 Answered by Ada (@ada) (secret answer, sent to the agent only). I deleted your reply so the answer does not stay in this chat.");
      expect(fake.deleted().map((m) => m.message_id)).toContain(reply.message_id);
      expect(fake.messagesIn(ALLOWED).some((m) => textOf(m).includes("492039"))).toBe(false);
      const stored = (await cp.api("GET", `/api/help-requests?taskId=${task.id}`)).json.items[0];
      expect(stored).toMatchObject({ secret: true, answer: "[secret answer]", answeredVia: "telegram" });
      expect(fake.rejections()).toEqual([]);
    } finally {
      host.close();
    }
  });
  it("matches a reply that comes before the bot has learnt its question's message id, and never hands a secret answer to the supervisor", async () => {
    const host = await connectHost("tg-secret-race");
    // Telegram carries out sendMessage at once but answers the bot 800 ms later: the person replies in between.
    fake.slowResponses("sendMessage", 800);
    try {
      const task = (await cp.api("POST", "/api/tasks", { prompt: "log in", desktopId: "tg-secret-race" })).json;
      await host.next("assign");
      const start = fake.sentTo(ALLOWED).length;
      host.send({ type: "events", taskId: task.id, events: [
        { seq: 1, kind: "started", at: Date.now(), data: { resume: false } },
        { seq: 2, kind: "help_request", at: Date.now(), data: { requestId: "help-race-01", question: "The code from the letter?", secret: true } },
      ] });
      const asked = await fake.waitFor(() => sentSince(ALLOWED, start).find((m) => textOf(m).includes("The code from the letter?")), "the secret question");
      await fake.sendText(ALLOWED, "771204", { replyTo: asked.message_id });
      expect(await host.next("help_answer")).toMatchObject({ requestId: "help-race-01", status: "answered", answer: "771204", secret: true });
      // Passed on, the reply would have reached the supervisor seam (here: "The supervisor is not configured…").
      await new Promise((r) => setTimeout(r, 1_000));
      expect(sentSince(ALLOWED, start).map(textOf).filter((t) => t.startsWith("The supervisor is not configured"))).toEqual([]);
      expect(fake.messagesIn(ALLOWED).some((m) => textOf(m).includes("771204"))).toBe(false);
    } finally {
      fake.slowResponses("sendMessage", 0);
      host.close();
    }
  });
});

describe("Telegram people and groups", () => {
  const bot = () => `@${fake.botInfo.username}`;

  it("in a group, answers only what is addressed to it: a command, an @mention or a reply to it", async () => {
    const start = fake.sentTo(GROUP).length;
    await fake.sendText(GROUP, "morning all, coffee?", { from: ALLOWED });
    await fake.sendText(GROUP, "the deploy went fine", { from: VIEWER });
    expect(sentSince(GROUP, start)).toHaveLength(0);

    await fake.sendText(GROUP, `${bot()} what is running?`, { from: ALLOWED });
    const answered = await fake.waitFor(() => sentSince(GROUP, start)[0], "an answer to the mention");
    expect(textOf(answered)).toMatch(/supervisor is not configured/);
    await fake.sendText(GROUP, "and now?", { from: ALLOWED, replyTo: answered.message_id });
    await fake.sendText(GROUP, "/tasks", { from: ALLOWED });
    await fake.sendText(GROUP, "/tasks@someone_elses_bot", { from: ALLOWED });
    const replies = sentSince(GROUP, start).map(textOf);
    expect(replies).toHaveLength(3);
    expect(replies[1]).toMatch(/supervisor is not configured/);
    expect(replies[2]).toMatch(/tasks|No tasks yet/i);
  });

  it("refuses a person of an allowed chat who is not in TELEGRAM_ALLOWED_USER_IDS, telling them their id once", async () => {
    const start = fake.sentTo(GROUP).length;
    await fake.sendText(GROUP, `/run@${fake.botInfo.username} wipe the desktop`, { from: OUTSIDER });
    await fake.sendText(GROUP, `${bot()} please?`, { from: OUTSIDER });
    const sent = sentSince(GROUP, start).map(textOf);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain(`Your user id is ${OUTSIDER}`);
    expect(sent[0]).toContain("TELEGRAM_ALLOWED_USER_IDS");
    expect((await cp.api("GET", "/api/tasks?source=telegram&q=wipe")).json.items).toHaveLength(0);
  });

  it("lets a viewer read but not act: no task, no cancel, no supervisor, no help answer", async () => {
    const host = await connectHost("tg-viewer");
    try {
      const start = fake.sentTo(GROUP).length;
      await fake.sendText(GROUP, "/tasks", { from: VIEWER });
      expect(textOf(await fake.waitFor(() => sentSince(GROUP, start)[0], "the listing"))).toMatch(/^Latest \d+ tasks/);
      await fake.sendText(GROUP, "/run open the admin panel", { from: VIEWER });
      await fake.sendText(GROUP, `${bot()} create a task to open the admin panel`, { from: VIEWER });
      const refusals = sentSince(GROUP, start).slice(1).map(textOf);
      expect(refusals).toHaveLength(2);
      for (const r of refusals) expect(r).toMatch(new RegExp(`^You can read here but not act: .* needs the operator role\\. An admin can list you as operator:${VIEWER}`));
      expect((await cp.api("GET", "/api/tasks?q=admin panel")).json.items).toHaveLength(0);

      const task = (await cp.api("POST", "/api/tasks", { prompt: "book a desk", desktopId: "tg-viewer" })).json;
      await host.next("assign");
      host.send({ type: "events", taskId: task.id, events: [
        { seq: 1, kind: "started", at: Date.now(), data: { resume: false } },
        { seq: 2, kind: "help_request", at: Date.now(), data: { requestId: "help-viewer-01", question: "Which floor?", options: ["1", "2"] } },
      ] });
      const asked = await fake.waitFor(() => fake.sentTo(GROUP).find((m) => m.reply_markup && textOf(m).includes("Which floor?")), "the help request in the group");
      const buttons = asked.reply_markup!.inline_keyboard.flat() as { callback_data: string }[];
      await fake.pressButton(GROUP, asked.message_id, buttons[0]!.callback_data, { from: VIEWER });
      await fake.sendText(GROUP, "floor 2", { from: VIEWER, replyTo: asked.message_id });
      const answerCall = fake.callsOf("answerCallbackQuery").at(-1)!;
      expect(String(answerCall.params["text"])).toMatch(/^You can read here but not act/);
      expect((await cp.api("GET", "/api/help-requests?status=open")).json.items.map((h: { id: string }) => h.id)).toContain("help-viewer-01");

      // An operator in the same group answers it.
      await fake.pressButton(GROUP, asked.message_id, buttons[1]!.callback_data, { from: ALLOWED });
      expect(await host.next("help_answer")).toMatchObject({ requestId: "help-viewer-01", answer: "2" });
      expect(fake.rejections()).toEqual([]);
    } finally {
      host.close();
    }
  });

  it("drops a chat's updates beyond 30 a minute, answering Telegram 200 so other chats are not held back", { timeout: 120_000 }, async () => {
    // The local emulation counts in windows aligned to the minute: start well inside one.
    if (Date.now() % 60_000 > 40_000) await new Promise((r) => setTimeout(r, 60_000 - (Date.now() % 60_000) + 100));
    const before = fake.sentTo(BUSY).length;
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await fake.sendText(BUSY, "/help")).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(sentSince(BUSY, before).filter((m) => textOf(m).startsWith("Deskfleet runs"))).toHaveLength(30);
    // Another chat is served meanwhile.
    const start = fake.sentTo(ALLOWED).length;
    await fake.sendText(ALLOWED, "/help");
    expect(sentSince(ALLOWED, start)).toHaveLength(1);
  });
});
