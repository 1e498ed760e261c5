import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../../test-support/control-plane.ts";
import { startFakeTelegram, type FakeTelegram } from "../../test-support/fake-telegram/index.ts";
import { startScriptedAnthropic, text, toolUse, type ScriptedAnthropic } from "../../test-support/scripted-anthropic/index.ts";
import { registerWebhook } from "../../scripts/lib/telegram-webhook.ts";

/**
 * How the bot behaves in a chat, through the real Worker under `wrangler dev`, the fake Bot API and
 * the scripted Messages API: /stop, /reset, /agents, groups, and long results as files. Assertions
 * are on what the supervisor stored and on what the model was really sent.
 */

const CHAT = 5_552_001;
const GROUP = -100_555_200_1;
const OTHER = 5_552_002;
/** Each scripted conversation is matched by its first message, so each test talks in a chat of its own. */
const RESET_CHAT = 5_552_003;
const LONG_CHAT = 5_552_004;
/** A Telegram user with the viewer role, for the desktop Mini App. */
const WATCHER = 5_552_005;
const SECRET = "telegram-chat-test-webhook-secret-0123456789";

/** Held open by the test: a model call that has not answered yet (the supervisor is "thinking"). */
let releaseSlowTurn: () => void = () => undefined;
const slowTurnReleased = () => new Promise<void>((ok) => (releaseSlowTurn = ok));
let slowTurnStarted = false;

// Over 4,096 × 3 characters, and within what the model may write in one reply (max_tokens 4,096).
const LONG_REPLY = Array.from({ length: 180 }, (_, i) => `Line ${i + 1}: the quarterly figures for region ${i % 7} are within the expected range.`).join("\n");

let scripted: ScriptedAnthropic;
let fake: FakeTelegram;
let cp: TestControlPlane;

beforeAll(async () => {
  const released = slowTurnReleased();
  scripted = await startScriptedAnthropic({
    conversations: [
      {
        // Waits for a task no desktop will run: the supervisor holds a wait until /stop ends it.
        name: "stop-wait",
        match: "[stop-wait]",
        steps: [
          toolUse("create_task", { prompt: "Read the title of https://example.com", desktopId: "nobody-home", wait: true, waitMinutes: 30 }),
          (ctx) => text(`After the stop the tool said: ${ctx.lastToolResult()?.text ?? "nothing"}`),
        ],
      },
      {
        name: "stop-thinking",
        match: "[stop-thinking]",
        steps: [
          async () => {
            slowTurnStarted = true;
            await released;
            return text("This reply was written after the person pressed /stop.");
          },
          (ctx) => text(`Fresh turn; I was told: ${ctx.lastUserText().includes("/stop") ? "stopped" : "nothing"}`),
        ],
      },
      { name: "before-reset", match: "[before-reset]", steps: [text("Noted: the code word is pineapple.")] },
      { name: "after-reset", match: "[after-reset]", steps: [text("I do not know any code word.")] },
      { name: "group", match: "[group]", steps: [text("Heard you in the group."), text("Heard your edit in the group.")] },
      { name: "long", match: "[long]", steps: [text(LONG_REPLY)] },
    ],
  });
  fake = await startFakeTelegram({
    chats: [{ id: CHAT, firstName: "Ada", username: "ada" }, { id: OTHER, firstName: "Bea" }, { id: RESET_CHAT, firstName: "Cem" }, { id: LONG_CHAT, firstName: "Dot" }],
    groups: [{ id: GROUP, title: "Ops", members: [{ id: CHAT, firstName: "Ada" }] }],
  });
  cp = await startTestControlPlane({
    ANTHROPIC_BASE_URL: scripted.url,
    ANTHROPIC_API_KEY: "test",
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_ALLOWED_CHAT_IDS: `${CHAT},${GROUP},${OTHER},${RESET_CHAT},${LONG_CHAT}`,
    TELEGRAM_ALLOWED_USER_IDS: `operator:${CHAT},operator:${OTHER},operator:${RESET_CHAT},operator:${LONG_CHAT},viewer:${WATCHER}`,
    TELEGRAM_BOT_INFO: JSON.stringify(fake.botInfo),
  });
  await registerWebhook({ token: fake.token, secret: SECRET, url: cp.url, apiRoot: fake.url });
}, 120_000);

afterAll(async () => {
  releaseSlowTurn();
  await cp?.dispose();
  await scripted?.close();
  await fake?.close();
});

const textOf = (m: { text?: string; caption?: string }) => m.text ?? m.caption ?? "";
const sentSince = (chat: number, from: number) => fake.sentTo(chat).slice(from);
const requestsOf = (name: string) => scripted.requests.filter((r) => r.conversation === name && r.status === 200);
const conversation = async (id: string) => (await cp.api("GET", `/api/supervisor/conversations/${id}`)).json as { status: string; entries: { kind: string; text: string }[] };

async function eventually<T>(check: () => Promise<T | false | undefined | null> | T | false | undefined | null, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe("Telegram commands for the supervisor", () => {
  it("registers /agents, /stop and /reset with setMyCommands and lists them in /help", async () => {
    const commands = (fake.callsOf("setMyCommands")[0]!.params["commands"] as { command: string }[]).map((c) => c.command);
    expect(commands).toEqual(expect.arrayContaining(["agents", "stop", "reset"]));
    const start = fake.sentTo(CHAT).length;
    await fake.sendText(CHAT, "/help");
    const help = textOf(sentSince(CHAT, start)[0]!);
    expect(help).toContain("/stop Stop the supervisor's current turn (not its tasks: /cancel)");
    expect(help).toContain("/reset Start a new supervisor conversation in this chat");
    expect(help).toContain("/agents");
  });

  it("/stop ends the supervisor's wait for a task, leaves the task running, and the model is not called again until the person writes", async () => {
    // A desktop with no host: the task it is given stays queued while the supervisor waits for it.
    expect((await cp.api("POST", "/api/desktops", { id: "nobody-home" })).status).toBe(201);
    const start = fake.sentTo(CHAT).length;
    await fake.sendText(CHAT, "[stop-wait] read example.com's title for me");
    const waiting = await eventually(async () => ((await conversation(`telegram:${CHAT}`)).status === "waiting_for_task" ? true : null), "the supervisor waiting for its task");
    expect(waiting).toBe(true);
    const taskId = (await cp.api("GET", "/api/tasks?source=supervisor")).json.items[0].id as string;

    await fake.sendText(CHAT, "/stop");
    const reply = textOf(sentSince(CHAT, start).at(-1)!);
    expect(reply).toContain("Stopped the supervisor's current turn.");
    expect(reply).toContain(`It was waiting for ${taskId}.`);
    expect(reply).toContain("Tasks it started keep running: /cancel <task id> stops one");
    expect((await conversation(`telegram:${CHAT}`)).status).toBe("idle");
    expect((await cp.api("GET", `/api/tasks/${taskId}`)).json.status).toBe("queued");

    // Nothing more reaches the model on its own: its poll for the task was disarmed.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(requestsOf("stop-wait")).toHaveLength(1);
    await fake.sendText(CHAT, "ok, what happened?");
    const after = await fake.waitFor(() => sentSince(CHAT, start).find((m) => textOf(m).startsWith("After the stop")), "the next turn's reply");
    expect(textOf(after)).toMatch(/^After the stop the tool said: stopped by a person \(\/stop\).*keeps running$/);
    expect(requestsOf("stop-wait")).toHaveLength(2);
    expect(scripted.rejections).toEqual([]);
  });

  it("/stop during a model call drops its reply: nothing is said in the chat, and the next turn is told it was stopped", async () => {
    const start = fake.sentTo(OTHER).length;
    await fake.sendText(OTHER, "[stop-thinking] write me a long essay");
    await eventually(() => slowTurnStarted, "the model call to start");
    await fake.sendText(OTHER, "/stop");
    expect(textOf(sentSince(OTHER, start).at(-1)!)).toContain("Stopped the supervisor's current turn.");
    releaseSlowTurn();
    await eventually(() => requestsOf("stop-thinking").length === 1, "the held model call to finish");
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sentSince(OTHER, start).map(textOf).some((t) => t.includes("written after the person pressed /stop"))).toBe(false);
    const stored = await conversation(`telegram:${OTHER}`);
    expect(stored.status).toBe("idle");
    expect(stored.entries.some((e) => e.kind === "assistant")).toBe(false);

    await fake.sendText(OTHER, "never mind, just say hi");
    const fresh = await fake.waitFor(() => sentSince(OTHER, start).find((m) => textOf(m).startsWith("Fresh turn")), "the fresh turn");
    expect(textOf(fresh)).toBe("Fresh turn; I was told: stopped");
  });

  it("/stop with nothing running says so and points at /cancel for tasks", async () => {
    const start = fake.sentTo(OTHER).length;
    await eventually(async () => ((await conversation(`telegram:${OTHER}`)).status === "idle" ? true : null), "an idle supervisor");
    await fake.sendText(OTHER, "/stop");
    expect(textOf(sentSince(OTHER, start)[0]!)).toMatch(/^The supervisor is not working on anything in this chat\. Tasks run on their own: \/cancel <task id> stops one/);
  });

  it("/reset starts a new conversation without the old words, keeps the old one readable, and a reply to a task's message still reaches the task", async () => {
    expect((await cp.api("POST", "/api/agents", { name: "clerk", description: "Files paperwork in the office apps" })).status).toBe(201);
    const start = fake.sentTo(RESET_CHAT).length;
    await fake.sendText(RESET_CHAT, "@clerk file the March invoices");
    const queued = await fake.waitFor(() => sentSince(RESET_CHAT, start).find((m) => textOf(m).includes("queued for clerk")), "the task's queued note");
    await fake.sendText(RESET_CHAT, "[before-reset] remember the code word pineapple");
    await fake.waitFor(() => sentSince(RESET_CHAT, start).find((m) => textOf(m) === "Noted: the code word is pineapple."), "the reply before the reset");

    await fake.sendText(RESET_CHAT, "/reset");
    const resetReply = textOf(sentSince(RESET_CHAT, start).at(-1)!);
    expect(resetReply).toContain(`The previous one stays readable as telegram:${RESET_CHAT} `);
    const next = /this one is (telegram:\S+)\./.exec(resetReply)![1]!;
    expect(next).toMatch(new RegExp(`^telegram:${RESET_CHAT}_[a-z0-9]+$`));

    await fake.sendText(RESET_CHAT, "[after-reset] what was the code word?");
    await fake.waitFor(() => sentSince(RESET_CHAT, start).find((m) => textOf(m) === "I do not know any code word."), "the reply after the reset");
    const sent = JSON.stringify(requestsOf("after-reset")[0]!.body["messages"]);
    expect(sent).not.toContain("pineapple");
    expect(sent).toContain("what was the code word?");
    // The old conversation stays as it was; the new one has only what came after the reset.
    expect((await conversation(`telegram:${RESET_CHAT}`)).entries.some((e) => e.text.includes("pineapple"))).toBe(true);
    expect((await conversation(next)).entries.map((e) => e.kind)).toEqual(["user", "assistant"]);

    await fake.sendText(RESET_CHAT, "also the April ones", { replyTo: queued.message_id });
    expect(textOf(sentSince(RESET_CHAT, start).at(-1)!)).toMatch(/^Sent to task tsk_\S+ \(clerk\): it is queued\.$/);
  });

  it("/agents lists each agent with its description and how to address it", async () => {
    expect((await cp.api("POST", "/api/agents", { name: "courier", description: "Checks parcel deliveries" })).status).toBe(201);
    const start = fake.sentTo(CHAT).length;
    await fake.sendText(CHAT, "/agents");
    const listing = textOf(sentSince(CHAT, start)[0]!);
    expect(listing.split("\n")).toEqual(["2 agents · write @name <prompt> to run a task with one", "@clerk Files paperwork in the office apps", "@courier Checks parcel deliveries"]);
  });
});

describe("Telegram groups", () => {
  it("ignores a group message without a mention: nothing is sent and nothing reaches the supervisor; a mention does", async () => {
    const start = fake.sentTo(GROUP).length;
    await fake.sendText(GROUP, "[group] anyone seen the build?", { from: CHAT });
    await fake.sendText(GROUP, `/stop@someone_elses_bot`, { from: CHAT });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(sentSince(GROUP, start)).toHaveLength(0);
    expect(requestsOf("group")).toHaveLength(0);
    expect((await conversation(`telegram:${GROUP}`)).entries).toEqual([]);

    await fake.sendText(GROUP, `@${fake.botInfo.username} [group] anyone seen the build?`, { from: CHAT });
    await fake.waitFor(() => sentSince(GROUP, start).find((m) => textOf(m) === "Heard you in the group."), "the supervisor's answer to the mention");
    expect(requestsOf("group")).toHaveLength(1);

    // An edit is judged like a message: adding the mention by editing addresses the bot.
    const plain = await fake.sendText(GROUP, "[group] who broke the build?", { from: CHAT });
    await new Promise((r) => setTimeout(r, 500));
    expect(requestsOf("group")).toHaveLength(1);
    await fake.editText(GROUP, (plain.update.message as { message_id: number }).message_id, `@${fake.botInfo.username} [group] who broke the build?`);
    await fake.waitFor(() => sentSince(GROUP, start).find((m) => textOf(m) === "Heard your edit in the group."), "the supervisor's answer to the edited mention");
    expect(requestsOf("group")).toHaveLength(2);
  });
});

describe("long results in Telegram", () => {
  it("sends a supervisor reply longer than 4,096 x 3 characters as reply.txt with a short lead, not as many messages", async () => {
    const start = fake.sentTo(LONG_CHAT).length;
    await fake.sendText(LONG_CHAT, "[long] give me the whole report");
    const doc = await fake.waitFor(() => sentSince(LONG_CHAT, start).find((m) => m.document), "the reply as a document");
    expect(doc.document!.file_name).toBe("reply.txt");
    expect(textOf(doc)).toMatch(/^Line 1: the quarterly figures/);
    expect(textOf(doc)).toContain(`(${LONG_REPLY.length.toLocaleString("en-US")} characters: the whole text is in reply.txt)`);
    const upload = fake.callsOf("sendDocument").at(-1)!.params["document"] as { bytes: Uint8Array };
    expect(new TextDecoder().decode(upload.bytes)).toBe(LONG_REPLY);
    await new Promise((r) => setTimeout(r, 500));
    expect(sentSince(LONG_CHAT, start).filter((m) => textOf(m).includes("quarterly figures"))).toHaveLength(1);
    expect(fake.rejections()).toEqual([]);
  });
});

/** initData as Telegram hands it to a Mini App, signed with a bot token as Telegram documents. */
function initData(userId: number, token = fake.token, ageSeconds = 5): string {
  const fields: Record<string, string> = {
    query_id: "AAHdF6IQAAAAAN0XohDhrOrc",
    user: JSON.stringify({ id: userId, first_name: "Ada", username: "ada", language_code: "en" }),
    auth_date: String(Math.floor(Date.now() / 1000) - ageSeconds),
    chat_type: "private",
  };
  const check = Object.keys(fields).sort().map((k) => `${k}=${fields[k]}`).join("\n");
  const secret = createHmac("sha256", "WebAppData").update(token).digest();
  return new URLSearchParams({ ...fields, hash: createHmac("sha256", secret).update(check).digest("hex") }).toString();
}

describe("the desktop Mini App's session", () => {
  const open = async (body: unknown) => {
    const res = await fetch(`${cp.url}/api/telegram/webapp/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as any };
  };

  it("opens a session for one desktop from valid initData, with the Telegram user's role, and refuses everything else with it", async () => {
    expect((await cp.api("POST", "/api/desktops", { id: "pocket" })).status).toBe(201);
    const operator = await open({ initData: initData(CHAT), desktopId: "pocket" });
    expect(operator.status).toBe(201);
    expect(operator.json).toMatchObject({ desktopId: "pocket", identity: { id: `telegram:${CHAT}`, role: "operator" }, mayAct: true });
    expect(operator.json.expiresAt - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    const as = (path: string, method = "GET") => fetch(`${cp.url}${path}`, { method, headers: { authorization: `Bearer ${operator.json.token}` } });
    expect((await as("/api/desktops/pocket")).status).toBe(200);
    expect((await as("/api/desktops/pocket/vnc-ticket", "POST")).status).toBe(201);
    for (const [path, method] of [["/api/tasks", "GET"], ["/api/desktops/nobody-home", "GET"], ["/api/desktops/nobody-home/vnc-ticket", "POST"], ["/api/supervisor/conversations/telegram:1", "GET"]] as const) {
      const res = await as(path, method);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(((await res.json()) as any).error.code).toBe("outside_desktop_scope");
    }
    const viewer = await open({ initData: initData(WATCHER), desktopId: "pocket" });
    expect(viewer.json).toMatchObject({ identity: { role: "viewer" }, mayAct: false });
    const takeover = await fetch(`${cp.url}/api/desktops/pocket/takeover`, { method: "POST", headers: { authorization: `Bearer ${viewer.json.token}` } });
    expect(takeover.status).toBe(403);
    // Admins see it among the sessions and can end it.
    const listed = ((await cp.api("GET", "/api/sessions")).json.items as any[]).find((x) => x.desktopId === "pocket" && x.identity.id === `telegram:${CHAT}`);
    expect(listed).toMatchObject({ via: "telegram_webapp" });
    expect((await cp.api("DELETE", `/api/sessions/${listed.id}`)).status).toBe(200);
    expect((await as("/api/desktops/pocket")).status).toBe(401);
  });

  it("refuses forged, stale and another bot's initData, unknown people and desktops, and bad bodies, with a JSON error that says what to do", async () => {
    const forged = await open({ initData: initData(CHAT).replace(/hash=[0-9a-f]{64}/, `hash=${"0".repeat(64)}`), desktopId: "pocket" });
    expect(forged).toMatchObject({ status: 401, json: { error: { code: "init_data_forged" } } });
    expect((await open({ initData: initData(CHAT, "123:another-bots-token"), desktopId: "pocket" })).json.error.code).toBe("init_data_forged");
    const stale = await open({ initData: initData(CHAT, fake.token, 7_200), desktopId: "pocket" });
    expect(stale).toMatchObject({ status: 401, json: { error: { code: "init_data_stale", message: expect.stringContaining("open it again from its button in Telegram") } } });
    const stranger = await open({ initData: initData(9_999_999), desktopId: "pocket" });
    expect(stranger).toMatchObject({ status: 403, json: { error: { code: "telegram_user_not_allowed", message: expect.stringContaining("viewer:9999999") } } });
    expect((await open({ initData: initData(CHAT), desktopId: "no-such-desktop" })).status).toBe(404);
    expect((await open({ initData: "", desktopId: "pocket" })).status).toBe(422);
    expect((await open({ initData: initData(CHAT), desktopId: "pocket", role: "admin" })).status).toBe(422);
    const sessions = ((await cp.api("GET", "/api/sessions")).json.items as any[]).filter((x) => x.via === "telegram_webapp" && x.identity.id !== `telegram:${CHAT}` && x.identity.id !== `telegram:${WATCHER}`);
    expect(sessions).toEqual([]);
  });
});
