import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostCapabilitiesInput } from "@deskfleet/protocol";
import { startTestControlPlane, type TestControlPlane } from "../../test-support/control-plane.ts";
import { firstUserText, systemText, text, toolsetCall, toolUse, type ScriptedAnthropic, type StepContext } from "../../test-support/scripted-anthropic/index.ts";
import { startScriptedAnthropic } from "../../test-support/scripted-anthropic/index.ts";
import { startFakeTelegram, type FakeTelegram } from "../../test-support/fake-telegram/index.ts";
import { registerWebhook } from "../../scripts/lib/telegram-webhook.ts";
import { HostRuntime, createLogger, type TaskContext, type TaskOutcome, type TaskRunner } from "deskfleet-host/runtime";
import { createComputerUseRunner } from "deskfleet-host/agent";
import { createInMemoryDesktop } from "deskfleet-host/testing";

/**
 * Agents, skills and memory against the real Worker under `wrangler dev`: a
 * real host runs the real computer-use loop on an in-memory screen, the
 * scripted Messages API plays both the desktop agent and the supervisor,
 * the fake Bot API plays Telegram. Assertions are on what reached the model.
 */

const CHAT = 5_551_017;
const TELEGRAM_SECRET = "agents-test-webhook-secret-0123456789";
const MEMORY = "shop.example: a cookie consent wall covers every page until you click “Accept all” (bottom right); click it before anything else.";

const isHost = (b: Record<string, unknown>) => systemText(b).includes("You are operating a computer");
const isHealer = (b: Record<string, unknown>) => systemText(b).includes("You are the healer");

let scripted: ScriptedAnthropic;
let telegram: FakeTelegram;
let cp: TestControlPlane;
const hosts: HostRuntime[] = [];

beforeAll(async () => {
  scripted = await startScriptedAnthropic({
    conversations: [
      {
        // The first task: the agent clicks at the page behind the cookie wall until its steps run out.
        name: "cookie-1",
        match: (b) => isHost(b) && firstUserText(b).includes("[cookie-1]"),
        steps: [toolsetCall("left_click", { coordinate: [300, 200] }, { text: "Clicking the mug; something covers the page." }), toolsetCall("left_click", { coordinate: [300, 200] })],
      },
      {
        // The healer: looks for what is known, saves the diagnosis as one `errors` memory, does not retry.
        name: "healer",
        match: (b) => isHealer(b) && firstUserText(b).includes("[cookie-1]"),
        steps: [
          toolUse("memory_search", { query: "shop.example cookie wall" }),
          (c: StepContext) =>
            c.lastToolResult()?.text === '{"memories":[]}'
              ? toolUse("memory_save", { collection: "errors", content: MEMORY, metadata: { site: "shop.example" } })
              : text(`unexpected search result: ${c.lastToolResult()?.text}`),
          (c: StepContext) => text(c.lastToolResult()?.isError ? `save failed: ${c.lastToolResult()!.text}` : "The agent was stuck behind shop.example's cookie wall. Saved how to get past it; the next task there starts knowing it."),
        ],
      },
      {
        // The next task for the same site: it works only if the memory is in its first message.
        name: "cookie-2",
        match: (b) => isHost(b) && firstUserText(b).includes("[cookie-2]"),
        steps: [
          (c: StepContext) =>
            firstUserText(c.body).includes("click “Accept all” (bottom right)")
              ? toolsetCall("left_click", { coordinate: [1200, 700] }, { text: "Accepting the cookie wall first, as the memory says." })
              : text("I do not know how to get past this wall."),
          toolsetCall("left_click", { coordinate: [300, 200] }),
          text("The red mug is in the basket."),
        ],
      },
      { name: "supervisor", match: (b) => JSON.stringify(b["messages"]).includes("@nobody"), steps: [text("There is no agent called nobody; I can help myself.")] },
      {
        // A person tells the supervisor to forget a memory and who they are.
        name: "forget",
        match: (b) => !isHealer(b) && firstUserText(b).includes("[forget]"),
        steps: [
          toolUse("memory_search", { query: "legacy.example retired" }),
          (c: StepContext) => {
            const found = JSON.parse(c.lastToolResult()!.text) as { memories: { id: string }[] };
            return toolUse("memory_delete", { ids: found.memories.map((m) => m.id) });
          },
          toolUse("update_user_profile", { text: "Ada runs the office. Time zone: Europe/Lisbon." }),
          text("Forgotten, and I noted your time zone."),
          // The next turn: the profile is in the system prompt now.
          (c: StepContext) => text(systemText(c.body).includes("<user_profile>\nAda runs the office. Time zone: Europe/Lisbon.\n</user_profile>") ? "You are in Lisbon." : "I do not know."),
        ],
      },
    ],
  });
  telegram = await startFakeTelegram({ chats: [{ id: CHAT, firstName: "Ada", username: "ada" }] });
  cp = await startTestControlPlane({
    ANTHROPIC_BASE_URL: scripted.url,
    ANTHROPIC_API_KEY: "test",
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
    TELEGRAM_API_ROOT: telegram.url,
    TELEGRAM_ALLOWED_CHAT_IDS: String(CHAT),
    // A private chat's id is its person's: they may act (operator).
    TELEGRAM_ALLOWED_USER_IDS: `operator:${CHAT}`,
    TELEGRAM_BOT_INFO: JSON.stringify(telegram.botInfo),
  });
  await registerWebhook({ token: telegram.token, secret: TELEGRAM_SECRET, url: cp.url, apiRoot: telegram.url });
}, 120_000);

afterAll(async () => {
  for (const h of hosts.splice(0)) await h.stop("test over", 500);
  await cp?.dispose();
  await scripted?.close();
  await telegram?.close();
});

async function eventually<T>(check: () => Promise<T | false | undefined | null>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== false && v !== undefined && v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function desktopWithHost(id: string, runner: TaskRunner, screen = { width: 1280, height: 800 }): Promise<void> {
  expect((await cp.api("POST", "/api/desktops", { id })).status).toBe(201);
  const token = (await cp.api("POST", `/api/desktops/${id}/host-token`)).json.token as string;
  const capabilities: HostCapabilitiesInput = { screen, os: "linux", hostVersion: "system-test", vnc: { reachable: true }, tools: [] };
  const host = new HostRuntime({
    server: cp.url,
    desktopId: id,
    token,
    runner,
    logger: createLogger({ json: true, level: "error", secrets: [token], write: () => undefined }),
    capabilities: async () => capabilities,
    backoff: { baseMs: 200, capMs: 1_000 },
  });
  hosts.push(host);
  host.start();
  await eventually(async () => (await cp.api("GET", `/api/desktops/${id}`)).json.presence !== "offline", `${id} connected`);
}

const finished = (id: string, timeoutMs = 45_000) =>
  eventually(async () => {
    const t = (await cp.api("GET", `/api/tasks/${id}`)).json;
    return ["completed", "failed", "cancelled"].includes(t.status) && t;
  }, `task ${id} to finish`, timeoutMs);

/** Completes every task at once, with its prompt in the result. */
class EchoRunner implements TaskRunner {
  readonly prompts: string[] = [];
  async run(ctx: TaskContext): Promise<TaskOutcome> {
    this.prompts.push(ctx.task.prompt);
    ctx.emit("assistant_text", { text: "on it", step: 1 });
    return { status: "completed", result: `done: ${ctx.task.prompt}` };
  }
}

describe("agents with a memory", () => {
  it("a task fails on a cookie wall, the healer saves the diagnosis as a memory, and the next task for the same site starts with it and succeeds", async () => {
    const { desktop } = createInMemoryDesktop();
    const runner = createComputerUseRunner({ client: new Anthropic({ baseURL: scripted.url, apiKey: "test" }), desktop, model: "claude-sonnet-4-6" });
    await desktopWithHost("shop-desk", runner, desktop.info().screen);
    expect((await cp.api("POST", "/api/skills", { name: "basket", description: "Putting things in a web shop's basket", body: "Open the product, pick the colour, press Add to basket, then check the basket count." })).status).toBe(201);
    const agent = await cp.api("POST", "/api/agents", {
      name: "shopper",
      description: "Buys office supplies in web shops",
      instructions: "You buy office supplies for ACME.",
      tools: ["computer", "memory"],
      skills: ["basket"],
      desktopId: "shop-desk",
    });
    expect(agent.status).toBe(201);

    const first = (await cp.api("POST", "/api/tasks", { prompt: "[cookie-1] Open shop.example and put the blue mug in the basket", agent: "shopper", maxSteps: 2 })).json;
    expect(first).toMatchObject({ agent: "shopper", target: { desktopId: "shop-desk" } });
    expect(await finished(first.id)).toMatchObject({ status: "failed", error: { code: "max_steps" } });

    // The healer's diagnosis, saved as a memory for every agent.
    const saved = await eventually(async () => {
      const items = (await cp.api("GET", "/api/memories?collection=errors")).json.items as { content: string; source: string; agent: string | null }[];
      return items.find((m) => m.content === MEMORY);
    }, "the healer's memory");
    expect(saved).toMatchObject({ agent: null, source: expect.stringMatching(/^conversation:heal:/) });
    const healer = (await cp.api("GET", `/api/tasks?source=healer`)).json.items[0];
    expect(await finished(healer.id)).toMatchObject({ status: "completed", result: expect.stringContaining("cookie wall") });

    const second = (await cp.api("POST", "/api/tasks", { prompt: "[cookie-2] Open shop.example and put the red mug in the basket", agent: "shopper" })).json;
    expect(await finished(second.id)).toMatchObject({ status: "completed", result: "The red mug is in the basket." });

    const request = scripted.requests.find((r) => r.conversation === "cookie-2")!;
    const opening = firstUserText(request.body);
    expect(opening).toMatch(/^\[cookie-2\] Open shop\.example and put the red mug in the basket\n<memories>\n/);
    expect(opening).toContain(`- [errors] ${MEMORY}`);
    // The agent's profile is the system prompt's cached prefix, and it gets only the tools its agent allows.
    const system = systemText(request.body);
    expect(system.indexOf("# Your role: shopper\nYou buy office supplies for ACME.")).toBe(0);
    expect(system).toContain("## basket: Putting things in a web shop's basket");
    expect((request.body["system"] as { cache_control?: unknown }[]).at(-1)?.cache_control).toEqual({ type: "ephemeral" });
    const tools = (request.body["tools"] as { name?: string }[]).map((t) => t.name).filter(Boolean);
    expect(tools).toEqual(["memory_search", "memory_save"]);
    scripted.assertNoRejections();
  });
});

describe("@name routing in Telegram", () => {
  it("starts a task with the named agent, and a reply to its result continues the same task with it", async () => {
    const runner = new EchoRunner();
    await desktopWithHost("tg-desk", runner);
    expect((await cp.api("POST", "/api/agents", { name: "courier", description: "Checks parcel deliveries", desktopId: "tg-desk" })).status).toBe(201);

    await telegram.sendText(CHAT, "@courier list today's parcels");
    const queued = await telegram.waitFor(() => telegram.sentTo(CHAT).find((m) => /queued for courier/.test(m.text ?? "")), "the queued note");
    const taskId = /tsk_[0-9a-z]+/.exec(queued.text!)![0];
    const task = await finished(taskId);
    expect(task).toMatchObject({ agent: "courier", source: "telegram", prompt: "list today's parcels", desktopId: "tg-desk", status: "completed" });

    const result = await telegram.waitFor(() => telegram.sentTo(CHAT).find((m) => (m.text ?? m.caption ?? "").includes("done: list today's parcels")), "the result");
    await telegram.sendText(CHAT, "and tomorrow's too", { replyTo: result.message_id });
    await telegram.waitFor(() => telegram.sentTo(CHAT).find((m) => (m.text ?? "").startsWith(`Sent to task ${taskId} (courier)`)), "the follow-up note");
    await eventually(async () => runner.prompts.length === 2 && (await cp.api("GET", `/api/tasks/${taskId}`)).json.status === "completed", "the task to run again");
    const events = (await cp.api("GET", `/api/tasks/${taskId}/events`)).json.items as { kind: string; data: Record<string, unknown> }[];
    expect(events.filter((e) => e.kind === "user_message").map((e) => e.data["text"])).toEqual(["and tomorrow's too"]);
    expect(telegram.rejections()).toEqual([]);
  });

  it("leaves text that starts with another @word to the supervisor", async () => {
    const before = (await cp.api("GET", "/api/tasks?source=telegram")).json.items.length;
    await telegram.sendText(CHAT, "@nobody what is up?");
    await telegram.waitFor(() => telegram.sentTo(CHAT).find((m) => m.text === "There is no agent called nobody; I can help myself."), "the supervisor's answer", 20_000);
    expect((await cp.api("GET", "/api/tasks?source=telegram")).json.items.length).toBe(before);
    expect(telegram.sentTo(CHAT).some((m) => /queued for nobody/.test(m.text ?? ""))).toBe(false);
  });
});

describe("the supervisor's memory and the user profile", () => {
  it("forgets what a person asks it to, and keeps what they say about themselves in every later prompt", async () => {
    const kept = (await cp.api("POST", "/api/memories", { collection: "sites", content: "legacy.example is retired; use the new portal" })).json.memory;
    await cp.api("POST", "/api/supervisor/conversations/dash:forget-1/messages", { text: "[forget] forget what you know about legacy.example; also, I am Ada and I moved to Lisbon" });
    const settle = () =>
      eventually(async () => {
        const c = (await cp.api("GET", "/api/supervisor/conversations/dash:forget-1")).json;
        return c.status === "idle" && c.entries.at(-1)?.kind === "assistant" && c;
      }, "the supervisor to reply");
    expect((await settle()).entries.at(-1).text).toBe("Forgotten, and I noted your time zone.");
    expect((await cp.api("GET", `/api/memories/${kept.id}`)).status).toBe(404);
    expect((await cp.api("GET", "/api/settings/user-profile")).json).toMatchObject({ text: "Ada runs the office. Time zone: Europe/Lisbon.", updatedBy: "supervisor:dash:forget-1" });
    await cp.api("POST", "/api/supervisor/conversations/dash:forget-1/messages", { text: "where am I?" });
    await eventually(async () => {
      const c = (await cp.api("GET", "/api/supervisor/conversations/dash:forget-1")).json;
      return c.entries.at(-1)?.text === "You are in Lisbon." && c;
    }, "the second reply");
  });
});
