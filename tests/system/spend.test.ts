import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { HostCapabilitiesInput } from "@deskfleet/protocol";
import { HostRuntime, createLogger, type TaskContext, type TaskOutcome, type TaskRunner } from "deskfleet-host/runtime";
import { startTestControlPlane, type TestControlPlane } from "../../test-support/control-plane.ts";
import { startFakeTelegram, type FakeTelegram } from "../../test-support/fake-telegram/index.ts";
import { registerWebhook } from "../../scripts/lib/telegram-webhook.ts";
import { makePng } from "../../test-support/scripted-anthropic/test-images.ts";

/**
 * The fleet's budget and kill switch against the real Worker under `wrangler dev`,
 * with the real host runtime and the fake Telegram Bot API. The runner stands in
 * for the computer-use loop the way it calls the model: before each call it
 * waits until it is in control (a takeover, a budget or fleet pause), then
 * reports the call's usage exactly as the loop's `usage` event does.
 */

/** `steps N cost C`: N model calls of C dollars each, half a second apart; `hold` first waits for `release`. */
class MeteredTestRunner implements TaskRunner {
  calls = 0;
  readonly released = Promise.withResolvers<void>();
  release(): void {
    this.released.resolve();
  }
  async run(ctx: TaskContext): Promise<TaskOutcome> {
    if (ctx.task.prompt.includes("hold")) await this.released.promise;
    const m = /steps (\d+) cost ([\d.]+)/.exec(ctx.task.prompt);
    const steps = Number(m?.[1] ?? 1);
    const cost = Number(m?.[2] ?? 0);
    for (let step = 1; step <= steps; step++) {
      await ctx.whenInControl();
      ctx.signal.throwIfAborted();
      this.calls++;
      ctx.emit("usage", { step, model: "claude-sonnet-4-5", inputTokens: 1_000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: cost });
      await new Promise((r) => setTimeout(r, 500));
    }
    return { status: "completed", result: `made ${steps} calls` };
  }
}

/** Stores a screenshot (its name in `screenshots`), asks a person which account to use, then completes with the answer. */
class AskingRunner implements TaskRunner {
  readonly screenshots: string[] = [];
  async run(ctx: TaskContext): Promise<TaskOutcome> {
    this.screenshots.push((await ctx.uploadScreenshot(makePng(8, 8))).split("/").at(-1)!);
    const answer = await ctx.askHuman("Which account should I use?");
    return { status: "completed", result: `used ${answer.answer}` };
  }
}

const CAPABILITIES: HostCapabilitiesInput = { screen: { width: 1280, height: 800 }, os: "linux", hostVersion: "system-test", vnc: { reachable: true }, tools: [] };
const ADMIN = 5_561_001;
const GROUP = -100_556_000_1;
const VIEWER = 5_561_002;
const secret = randomBytes(24).toString("base64url");

let fake: FakeTelegram;
let cp: TestControlPlane;
const runtimes: HostRuntime[] = [];

beforeAll(async () => {
  fake = await startFakeTelegram({
    chats: [{ id: ADMIN, firstName: "Ada", username: "ada" }],
    groups: [{ id: GROUP, title: "Ops", members: [{ id: ADMIN, firstName: "Ada" }, { id: VIEWER, firstName: "Vic" }] }],
  });
  cp = await startTestControlPlane({
    DESKFLEET_BUDGET_DAILY_USD: "0.05",
    DESKFLEET_QUOTAS: "operator:concurrent=2,usd=0.03",
    DESKFLEET_OWN_ONLY: "true",
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_WEBHOOK_SECRET: secret,
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_ALLOWED_CHAT_IDS: `${ADMIN},${GROUP}`,
    TELEGRAM_ALLOWED_USER_IDS: `admin:${ADMIN},viewer:${VIEWER}`,
    TELEGRAM_BOT_INFO: JSON.stringify(fake.botInfo),
  });
  await registerWebhook({ token: fake.token, secret, url: cp.url, apiRoot: fake.url });
});
afterAll(async () => {
  for (const r of runtimes.splice(0)) await r.stop("test over", 500);
  await cp?.dispose();
  await fake?.close();
});
afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.stop("test over", 500);
});

async function startHost(desktopId: string, runner: TaskRunner): Promise<HostRuntime> {
  expect((await cp.api("POST", "/api/desktops", { id: desktopId })).status).toBe(201);
  const token = (await cp.api("POST", `/api/desktops/${desktopId}/host-token`)).json.token as string;
  const host = new HostRuntime({
    server: cp.url, desktopId, token, runner, logger: createLogger({ json: true, level: "warn", secrets: [token], write: () => undefined }),
    capabilities: async () => CAPABILITIES, backoff: { baseMs: 200, capMs: 1_000 },
  });
  runtimes.push(host);
  host.start();
  await eventually(async () => (await cp.api("GET", `/api/desktops/${desktopId}`)).json.presence === "online", `${desktopId} online`);
  return host;
}

async function eventually<T>(check: () => Promise<T | false | undefined>, what: string, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== false && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const task = async (id: string) => (await cp.api("GET", `/api/tasks/${id}`)).json;
const usageEvents = async (id: string) => ((await cp.api("GET", `/api/tasks/${id}/events?after=0&limit=1000`)).json.items as { kind: string }[]).filter((e) => e.kind === "usage").length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const texts = (chat: number, from = 0) => fake.sentTo(chat).slice(from).map((m) => m.text ?? "");

async function operatorToken(name: string): Promise<string> {
  const res = await cp.api("POST", "/api/tokens", { name, role: "operator" });
  expect(res.status).toBe(201);
  return res.json.token as string;
}

/** The fleet feed as one credential sees it. */
async function fleetFeed(token: string): Promise<{ messages: { type: string; taskId?: string }[]; close: () => void }> {
  const ws = new WebSocket(`${cp.url.replace("http", "ws")}/api/live`, { headers: { authorization: `Bearer ${token}` } });
  const messages: { type: string; taskId?: string }[] = [];
  ws.on("message", (d) => messages.push(JSON.parse(String(d))));
  await new Promise((ok, fail) => (ws.once("open", ok), ws.once("error", fail)));
  return { messages, close: () => ws.close() };
}

describe("spend under control, through the real Worker", () => {
  it("queues an operator's third task while two of theirs run (quota of 2 concurrent tasks)", async () => {
    const runners = [new MeteredTestRunner(), new MeteredTestRunner(), new MeteredTestRunner()];
    for (const [i, r] of runners.entries()) await startHost(`spend-quota-${i + 1}`, r);
    const op = await operatorToken("quota op");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await cp.api("POST", "/api/tasks", { prompt: `hold then steps 1 cost 0 (${i})`, labels: [] }, op);
      expect(res.status).toBe(201);
      ids.push(res.json.id);
    }
    await eventually(async () => (await Promise.all(ids.slice(0, 2).map(task))).every((t) => t.status === "running"), "the first two running");
    const third = await eventually(async () => {
      const t = await task(ids[2]!);
      return t.waitingReason ? t : undefined;
    }, "the third told why it waits");
    expect(third.status).toBe("queued");
    expect(third.waitingReason).toMatch(/^quota: token:\S+ may run 2 tasks at once/);
    // A desktop is free all along: only the quota holds the third.
    expect((await cp.api("GET", "/api/desktops")).json.items.filter((d: { presence: string }) => d.presence === "online")).toHaveLength(1);
    for (const r of runners) r.release();
    await eventually(async () => (await Promise.all(ids.map(task))).every((t) => t.status === "completed"), "all three completed");
  });

  it("hides another operator's tasks and schedules from the API and the fleet feed in own-only mode, and shows admins everything", async () => {
    const alice = await operatorToken("alice");
    const bob = await operatorToken("bob");
    const aliceFeed = await fleetFeed(alice);
    const bobFeed = await fleetFeed(bob);
    // Labels no desktop has: it stays queued, so cancelling it below is an act on a live task.
    const mine = await cp.api("POST", "/api/tasks", { prompt: "alice's task", labels: ["nobody-has-this"] }, alice);
    expect(mine.status).toBe(201);
    const created = mine.json;
    await eventually(async () => aliceFeed.messages.some((m) => m.type === "task" && m.taskId === created.id) || undefined, "alice's feed shows her task");
    await sleep(500);
    expect(bobFeed.messages.some((m) => m.taskId === created.id)).toBe(false);
    expect(bobFeed.messages.some((m) => m.type === "hello")).toBe(true);
    expect((await cp.api("GET", "/api/tasks", undefined, bob)).json.items.some((t: { id: string }) => t.id === created.id)).toBe(false);
    expect((await cp.api("GET", `/api/tasks/${created.id}`, undefined, bob)).status).toBe(404);
    expect((await cp.api("POST", `/api/tasks/${created.id}/cancel`, {}, bob)).status).toBe(404);
    expect((await cp.api("GET", "/api/tasks", undefined, alice)).json.items.map((t: { id: string }) => t.id)).toContain(created.id);
    expect((await cp.api("GET", "/api/tasks")).json.items.map((t: { id: string }) => t.id)).toContain(created.id);
    expect((await cp.api("POST", `/api/tasks/${created.id}/cancel`, {}, alice)).status).toBe(200);

    const schedule = await cp.api("POST", "/api/schedules", { name: "alice's report", prompt: "export the report", labels: ["nobody-has-this"], enabled: false, intervalMinutes: 60 }, alice);
    expect(schedule.status).toBe(201);
    expect((await cp.api("GET", "/api/schedules", undefined, bob)).json.items.some((x: { id: string }) => x.id === schedule.json.id)).toBe(false);
    expect((await cp.api("GET", `/api/schedules/${schedule.json.id}`, undefined, bob)).status).toBe(404);
    expect((await cp.api("POST", `/api/schedules/${schedule.json.id}/trigger`, {}, bob)).status).toBe(404);
    expect((await cp.api("GET", `/api/schedules/${schedule.json.id}`, undefined, alice)).status).toBe(200);
    aliceFeed.close();
    bobFeed.close();
  });

  it("keeps another operator out of a task's files, screenshots, events, chain and help requests in own-only mode (404 like a missing one), and lets its owner answer", async () => {
    const alice = await operatorToken("alice-help");
    const bob = await operatorToken("bob-help");
    const runner = new AskingRunner();
    await startHost("own-only-help", runner);
    const created = (await cp.api("POST", "/api/tasks", { prompt: "alice's question", desktopId: "own-only-help" }, alice)).json;
    const help = await eventually(async () => ((await cp.api("GET", "/api/help-requests?status=open", undefined, alice)).json.items as { id: string; taskId: string }[]).find((h) => h.taskId === created.id), "alice's task to ask");
    expect(((await cp.api("GET", "/api/help-requests", undefined, bob)).json.items as { id: string }[]).some((h) => h.id === help.id)).toBe(false);
    expect(((await cp.api("GET", "/api/help-requests")).json.items as { id: string }[]).some((h) => h.id === help.id)).toBe(true);
    const screenshot = `screenshots/${runner.screenshots[0]}`;
    expect((await cp.api("GET", `/api/tasks/${created.id}/${screenshot}`, undefined, alice)).status).toBe(200);
    for (const path of ["files", "chain", "events", screenshot]) {
      const res = await cp.api("GET", `/api/tasks/${created.id}/${path}`, undefined, bob);
      expect([path, res.status, res.json?.error?.code]).toEqual([path, 404, "not_found"]);
    }
    expect((await cp.api("POST", `/api/help-requests/${help.id}/respond`, { answer: "bob's account" }, bob)).status).toBe(404);
    expect((await cp.api("POST", `/api/help-requests/${help.id}/dismiss`, {}, bob)).status).toBe(404);
    expect((await cp.api("GET", `/api/tasks/${created.id}/files`, undefined, alice)).status).toBe(200);
    expect((await cp.api("GET", `/api/tasks/${created.id}/chain`, undefined, alice)).status).toBe(200);
    expect((await cp.api("POST", `/api/help-requests/${help.id}/respond`, { answer: "ops" }, alice)).status).toBe(200);
    expect((await eventually(async () => ((await task(created.id)).status === "completed" ? task(created.id) : undefined), "alice's task to finish")).result).toBe("used ops");
  });

  it("refuses a viewer's /pause, and an admin's /pause stops dispatch within a second until /resume", async () => {
    const runner = new MeteredTestRunner();
    await startHost("spend-switch-1", runner);
    const inGroup = fake.sentTo(GROUP).length;
    await fake.sendText(GROUP, "/pause", { from: VIEWER });
    expect(texts(GROUP, inGroup).join("\n")).toContain("/pause needs the admin role (you are viewer)");
    expect((await cp.api("GET", "/api/fleet")).json.paused).toBeNull();

    const before = fake.sentTo(ADMIN).length;
    const sent = Date.now();
    await fake.sendText(ADMIN, "/pause");
    await eventually(async () => (await cp.api("GET", "/api/fleet")).json.paused !== null, "the fleet paused", 1_000, 20);
    expect(Date.now() - sent).toBeLessThan(1_000);
    expect(texts(ADMIN, before)[0]).toContain("Fleet paused by telegram:5561001");
    const held = (await cp.api("POST", "/api/tasks", { prompt: "steps 1 cost 0", desktopId: "spend-switch-1" })).json;
    await sleep(1_500);
    expect((await task(held.id)).status).toBe("queued");
    expect((await task(held.id)).waitingReason).toContain("the fleet is paused (by telegram:5561001)");
    expect(runner.calls).toBe(0);

    const resumed = Date.now();
    await fake.sendText(ADMIN, "/resume");
    await eventually(async () => (await task(held.id)).status !== "queued", "the held task dispatched", 1_000, 20);
    expect(Date.now() - resumed).toBeLessThan(1_000);
    await eventually(async () => (await task(held.id)).status === "completed", "the held task completed");
    const audit = await cp.api("GET", "/api/fleet");
    expect(audit.json.paused).toBeNull();
  });

  it("stops the fleet at the step that crosses a $0.05 daily budget, holds new tasks, and resumes them when an admin raises it", async () => {
    const runner = new MeteredTestRunner();
    await startHost("spend-budget-1", runner);
    const before = fake.sentTo(ADMIN).length;
    // $0.02 per call: the third call crosses $0.05.
    const t1 = (await cp.api("POST", "/api/tasks", { prompt: "steps 6 cost 0.02", desktopId: "spend-budget-1" })).json;
    await eventually(async () => (await task(t1.id)).status === "waiting_for_human", "the task paused by the budget");
    await sleep(1_500);
    expect(runner.calls).toBe(3);
    expect(await usageEvents(t1.id)).toBe(3);
    const fleet = (await cp.api("GET", "/api/fleet")).json;
    expect(fleet.budget).toMatchObject({ dailyUsd: 0.05, over: "daily", source: "settings" });
    expect(fleet.budget.todayUsd).toBeCloseTo(0.06, 10);
    expect(fleet.held).toEqual([{ taskId: t1.id, reason: "budget" }]);
    const alerts = texts(ADMIN, before).join("\n");
    expect(alerts).toContain("Fleet daily budget at 80 %");
    expect(alerts).toContain("Fleet daily budget spent");

    const t2 = (await cp.api("POST", "/api/tasks", { prompt: "steps 1 cost 0.01", desktopId: "spend-budget-1" })).json;
    await eventually(async () => (await task(t2.id)).waitingReason?.startsWith("over budget") && true, "the new task held by the budget");

    // A viewer sees the spend; only an admin raises the limit.
    const spend = await cp.api("GET", "/api/spend?by=task&from=0");
    expect(spend.json.rows.find((r: { key: string }) => r.key === t1.id)).toMatchObject({ calls: 3 });
    const raised = await cp.api("PUT", "/api/spend/budget", { dailyUsd: 1 });
    expect(raised.status).toBe(200);
    expect(raised.json).toMatchObject({ dailyUsd: 1, source: "runtime", over: null });
    await eventually(async () => (await task(t1.id)).status === "completed", "the paused task completed after the raise");
    expect(await usageEvents(t1.id)).toBe(6);
    await eventually(async () => (await task(t2.id)).status === "completed", "the held task ran after the raise");
    expect((await cp.api("GET", "/api/spend?by=day&from=0")).json.totalUsd).toBeCloseTo(0.13, 10);
  });

  // After the budget test, which leaves the fleet's limit at $1: only the operator's own $0.03 a day holds here.
  it("pauses an operator's task when their tasks spent their dollars for the day (usd=0.03), holds their next one, and lets it go on when an admin runs it anyway", async () => {
    const carol = await operatorToken("carol");
    const runner = new MeteredTestRunner();
    await startHost("spend-dollars-1", runner);
    const t1 = (await cp.api("POST", "/api/tasks", { prompt: "steps 5 cost 0.01", desktopId: "spend-dollars-1" }, carol)).json;
    await eventually(async () => (await task(t1.id)).status === "waiting_for_human", "carol's task paused by her quota");
    await sleep(1_500);
    expect(runner.calls).toBe(3);
    const notes = ((await cp.api("GET", `/api/tasks/${t1.id}/events?after=0&limit=1000`)).json.items as { kind: string; data: { text?: string } }[]).filter((e) => e.kind === "note").map((e) => e.data.text);
    expect(notes).toContainEqual(expect.stringMatching(/^Paused: quota: token:\S+ may spend \$0\.03 a day on model calls \(DESKFLEET_QUOTAS\) and their tasks spent \$0\.03 today/));
    const fleet = (await cp.api("GET", "/api/fleet")).json;
    expect(fleet.budget.over).toBeNull();
    expect(fleet.held).toEqual([{ taskId: t1.id, reason: "budget" }]);

    const t2 = (await cp.api("POST", "/api/tasks", { prompt: "steps 1 cost 0.01", desktopId: "spend-dollars-1" }, carol)).json;
    await eventually(async () => (await task(t2.id)).waitingReason?.startsWith("quota: token:") && true, "carol's next task held by her quota");
    expect((await cp.api("POST", `/api/tasks/${t1.id}/run-anyway`)).status).toBe(200);
    await eventually(async () => (await task(t1.id)).status === "completed", "carol's task completed once run anyway");
    expect(runner.calls).toBe(5);
    await sleep(500);
    expect((await task(t2.id)).status).toBe("queued");
    expect((await cp.api("POST", `/api/tasks/${t2.id}/cancel`, {})).status).toBe(200);
  });
});
