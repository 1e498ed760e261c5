import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { text, toolUse, toolsetCall, type StepContext } from "../test-support/scripted-anthropic/index.ts";
import { startFakeTelegram, type FakeTelegram } from "../test-support/fake-telegram/index.ts";
import { registerWebhook } from "../scripts/lib/telegram-webhook.ts";
import { API_KEY, e2ePrerequisitesMissing, startWorld, waitUntil, type World } from "./support/world.ts";

/**
 * The other ways work reaches a desktop, end to end on the real desktop:
 * the Cron Trigger, a person answering from Telegram, and the supervisor
 * delegating from a Telegram chat.
 */
const missing = e2ePrerequisitesMissing();
const CHAT = 7_700_001;
const SECRET = "e2e-telegram-webhook-secret-0123456789";
const NAME_FIELD = [290, 122];
const SUBMIT = [140, 210];
let world: World;
let telegram: FakeTelegram;

/** The desktop agent's part for a prompt: fill the name and submit. */
const fillAndSubmit = (name: string) => [
  toolsetCall("left_click", { coordinate: NAME_FIELD }),
  toolsetCall("key", { text: "ctrl+a" }),
  toolsetCall("type", { text: name }),
  toolsetCall("left_click", { coordinate: SUBMIT }),
  text(`Submitted ${name}.`),
];

beforeAll(async () => {
  if (missing) return;
  telegram = await startFakeTelegram({ chats: [{ id: CHAT, firstName: "Grace", username: "grace" }] });
  world = await startWorld({
    vars: {
      ANTHROPIC_API_KEY: API_KEY,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
      // A private chat's id is its person's: they may act (operator).
      TELEGRAM_ALLOWED_USER_IDS: `operator:${CHAT}`,
      TELEGRAM_BOT_INFO: JSON.stringify(telegram.botInfo),
    },
    conversations: [
      { name: "scheduled run", match: "[scheduled] Register Alan Turing", steps: fillAndSubmit("Alan Turing") },
      {
        name: "asks on Telegram",
        match: "[ask] Register the person the operator names",
        steps: [
          toolUse("ask_human", { question: "Whose name should I register?" }),
          (ctx: StepContext) => {
            const answer = /answered: (.+)$/.exec(ctx.lastToolResult()?.text ?? "")?.[1]?.trim() ?? "nobody";
            return toolsetCall("left_click", { coordinate: NAME_FIELD }, { text: `Registering ${answer}.` });
          },
          toolsetCall("key", { text: "ctrl+a" }),
          (ctx: StepContext) => toolsetCall("type", { text: /Registering ([^."\\]{1,60})\./.exec(JSON.stringify(ctx.body["messages"]))?.[1] ?? "nobody" }),
          toolsetCall("left_click", { coordinate: SUBMIT }),
          text("Registered the person you named."),
        ],
      },
      { name: "delegated", match: "[delegated] Register Katherine Johnson", steps: fillAndSubmit("Katherine Johnson") },
      {
        name: "supervisor",
        match: (body) => JSON.stringify(body["messages"] ?? "").includes("please register Katherine Johnson"),
        steps: [
          toolUse("create_task", { prompt: "[delegated] Register Katherine Johnson in the form and submit it.", desktopId: "e2e-desk", wait: true }),
          (ctx: StepContext) => text(`Done: ${/Submitted [^."\\]+/.exec(ctx.lastToolResult()?.text ?? "")?.[0] ?? "no result"}.`),
        ],
      },
    ],
  });
  await registerWebhook({ token: telegram.token, secret: SECRET, url: world.cp.url, apiRoot: telegram.url });
}, 240_000);

afterAll(async () => {
  await world?.dispose();
  await telegram?.close();
});

async function finished(id: string) {
  await waitUntil(async () => ["completed", "failed", "cancelled"].includes((await world.cp.api("GET", `/api/tasks/${id}`)).json.status), 90_000, () => `task ${id} did not finish; host logs:\n${world.host.logs().slice(-3000)}`);
  return (await world.cp.api("GET", `/api/tasks/${id}`)).json;
}

describe.skipIf(missing !== null)("channels, end to end on a real desktop", () => {
  it("fires a due schedule through the local scheduled-event endpoint and runs it on the desktop", async () => {
    const { cp, app } = world;
    const runAt = Date.now() + 3000;
    const created = await cp.api("POST", "/api/schedules", { name: "register", prompt: "[scheduled] Register Alan Turing in the form and submit it.", desktopId: world.desktopId, runAt });
    expect(created.status).toBe(201);
    expect(created.json.nextRunAt).toBe(runAt);
    await new Promise((r) => setTimeout(r, runAt - Date.now() + 200));
    // Cloudflare's local endpoint for Cron Triggers (wrangler dev --test-scheduled), now that the run is due.
    const fire = () => fetch(`${cp.url}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
    expect((await fire()).status).toBe(200);
    const runs = await waitUntil(async () => (await cp.api("GET", `/api/tasks?scheduleId=${created.json.id}`)).json.items.length === 1, 20_000, () => "no scheduled run").then(
      async () => (await cp.api("GET", `/api/tasks?scheduleId=${created.json.id}`)).json.items,
    );
    expect(runs[0].source).toBe("scheduler");
    const task = await finished(runs[0].id);
    expect(task.status).toBe("completed");
    expect((await app.waitFor((e) => e.type === "submitted" && e.value === "Alan Turing")).value).toBe("Alan Turing");
    // Firing again makes no second task: the one-shot slot was claimed once.
    expect((await fire()).status).toBe(200);
    expect((await cp.api("GET", `/api/tasks?scheduleId=${created.json.id}`)).json.items).toHaveLength(1);
    expect((await cp.api("GET", `/api/schedules/${created.json.id}`)).json.lastStatus).toBe("completed");
    await cp.api("DELETE", `/api/schedules/${created.json.id}`);
  });

  it("takes the answer to the agent's question from Telegram, and the agent acts on it", async () => {
    const { cp, app } = world;
    const before = telegram.sentTo(CHAT).length;
    const created = await cp.api("POST", "/api/tasks", { prompt: "[ask] Register the person the operator names, in the form, and submit it.", desktopId: world.desktopId });
    const asked = await telegram.waitFor(() => telegram.sentTo(CHAT).slice(before).find((m: { text?: string; caption?: string }) => `${m.text ?? ""}${m.caption ?? ""}`.includes("Whose name should I register?")), "the question in Telegram");
    expect((await cp.api("GET", `/api/tasks/${created.json.id}`)).json.status).toBe("waiting_for_human");
    await telegram.sendText(CHAT, "Grace Hopper", { replyTo: asked.message_id });
    const task = await finished(created.json.id);
    expect(task.status).toBe("completed");
    expect((await app.waitFor((e) => e.type === "submitted" && e.value === "Grace Hopper")).value).toBe("Grace Hopper");
    const help = (await cp.api("GET", `/api/help-requests?taskId=${created.json.id}`)).json.items[0];
    expect(help).toMatchObject({ status: "answered", answer: "Grace Hopper", answeredVia: "telegram" });
    expect(telegram.rejections()).toEqual([]);
  });

  it("lets the supervisor, asked in Telegram, delegate a task to the desktop and report its result", async () => {
    const { app } = world;
    const before = telegram.sentTo(CHAT).length;
    await telegram.sendText(CHAT, "Hi! please register Katherine Johnson on the test desktop.");
    const reply = await telegram.waitFor(
      () => telegram.sentTo(CHAT).slice(before).find((m: { text?: string }) => m.text?.startsWith("Done:")),
      "the supervisor's report in the chat",
      120_000,
    );
    expect(reply.text).toBe("Done: Submitted Katherine Johnson.");
    expect((await app.waitFor((e) => e.type === "submitted" && e.value === "Katherine Johnson")).value).toBe("Katherine Johnson");
    const delegated = (await world.cp.api("GET", "/api/tasks?source=supervisor")).json.items[0];
    expect(delegated).toMatchObject({ status: "completed", desktopId: world.desktopId, result: "Submitted Katherine Johnson." });
    world.anthropic.assertNoRejections();
  });
});
