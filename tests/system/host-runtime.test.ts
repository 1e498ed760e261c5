import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { HostCapabilitiesInput } from "@deskfleet/protocol";
import { startTestControlPlane, type TestControlPlane } from "../../test-support/control-plane.ts";
import { HostRuntime, createLogger, type TaskContext, type TaskOutcome, type TaskRunner } from "deskfleet-host/runtime";
import { encodePng } from "@deskfleet/rfb/image/png";

/**
 * The real host runtime against the real Worker under `wrangler dev`.
 * The runners here are test runners (no model, no desktop): they stand in for
 * the computer-use loop so delivery, reconnects and cancel can be measured.
 */

/** Emits `count` log events `delayMs` apart, then completes. */
class StepsTestRunner implements TaskRunner {
  readonly count: number;
  readonly delayMs: number;
  emitted = 0;
  constructor(count: number, delayMs: number) {
    this.count = count;
    this.delayMs = delayMs;
  }
  async run(ctx: TaskContext): Promise<TaskOutcome> {
    for (let i = 1; i <= this.count; i++) {
      ctx.signal.throwIfAborted();
      ctx.emit("log", { level: "info", message: `step ${i}` });
      this.emitted = i;
      await new Promise((r) => setTimeout(r, this.delayMs));
    }
    return { status: "completed", result: `did ${this.count} steps` };
  }
}

/** Works until cancelled, then records when its signal fired and stops. */
class UntilCancelledTestRunner implements TaskRunner {
  abortedAt: number | null = null;
  started = Promise.withResolvers<void>();
  async run(ctx: TaskContext): Promise<TaskOutcome> {
    ctx.emit("log", { level: "info", message: "working" });
    this.started.resolve();
    await new Promise<void>((resolve) =>
      ctx.signal.addEventListener("abort", () => {
        this.abortedAt = Date.now();
        resolve();
      }),
    );
    return { status: "failed", error: { code: "cancelled", message: String(ctx.signal.reason) } };
  }
}

const CAPABILITIES: HostCapabilitiesInput = { screen: { width: 1280, height: 800 }, os: "linux", hostVersion: "system-test", vnc: { reachable: true }, tools: [] };

let cp: TestControlPlane;
const runtimes: HostRuntime[] = [];
const logs: string[] = [];

beforeAll(async () => {
  cp = await startTestControlPlane();
});
afterAll(async () => {
  await cp?.dispose();
});
afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.stop("test over", 500);
});

async function newDesktop(id: string): Promise<string> {
  expect((await cp.api("POST", "/api/desktops", { id })).status).toBe(201);
  const t = await cp.api("POST", `/api/desktops/${id}/host-token`);
  expect(t.status).toBe(201);
  return t.json.token as string;
}

function startHost(desktopId: string, token: string, runner: TaskRunner): HostRuntime {
  const logger = createLogger({ json: true, level: "debug", secrets: [token], write: (l) => logs.push(l) });
  const host = new HostRuntime({
    server: cp.url,
    desktopId,
    token,
    runner,
    logger,
    capabilities: async () => CAPABILITIES,
    backoff: { baseMs: 200, capMs: 1_000 },
  });
  runtimes.push(host);
  host.start();
  return host;
}

async function eventually<T>(check: () => Promise<T | false | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== false && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function taskStatus(id: string): Promise<string> {
  return (await cp.api("GET", `/api/tasks/${id}`)).json.status as string;
}

async function hostEvents(id: string): Promise<{ hostSeq: number; kind: string; data: Record<string, unknown> }[]> {
  const all: { source: string; hostSeq: number; kind: string; data: Record<string, unknown>; seq: number }[] = [];
  let after = 0;
  for (;;) {
    const page = await cp.api("GET", `/api/tasks/${id}/events?after=${after}&limit=1000`);
    expect(page.status).toBe(200);
    all.push(...page.json.items);
    if (page.json.items.length < 1000) break;
    after = page.json.lastSeq;
  }
  return all.filter((e) => e.source === "host");
}

async function connected(desktopId: string): Promise<boolean> {
  const d = await cp.api("GET", `/api/desktops/${desktopId}`);
  return d.json.presence !== "offline";
}

describe("deskfleet host runtime against the real control plane", () => {
  it("runs a submitted task to completion and the history holds every event once, in order", async () => {
    const token = await newDesktop("host-basic");
    startHost("host-basic", token, new StepsTestRunner(30, 5));
    await eventually(() => connected("host-basic"), "host connected");
    const task = await cp.api("POST", "/api/tasks", { prompt: "count to thirty", desktopId: "host-basic" });
    expect(task.status).toBe(201);
    await eventually(async () => (await taskStatus(task.json.id)) === "completed", "task completed");
    const events = await eventually(async () => {
      const e = await hostEvents(task.json.id);
      return e.length >= 32 && e;
    }, "32 host events in D1");
    expect(events.map((e) => e.hostSeq)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(events[0]!.kind).toBe("started");
    expect(events.slice(1, 31).map((e) => e.data["message"])).toEqual(Array.from({ length: 30 }, (_, i) => `step ${i + 1}`));
    expect(events[31]).toMatchObject({ kind: "completed", data: { result: "did 30 steps" } });
    expect((await cp.api("GET", `/api/tasks/${task.json.id}`)).json.result).toBe("did 30 steps");
    expect(logs.join("\n")).not.toContain(token);
  });

  it("survives a control-plane restart mid-task: reconnects, resends, and loses or duplicates nothing", async () => {
    const token = await newDesktop("host-restart");
    const runner = new StepsTestRunner(80, 40);
    const host = startHost("host-restart", token, runner);
    await eventually(() => connected("host-restart"), "host connected");
    const task = await cp.api("POST", "/api/tasks", { prompt: "keep going through a deploy", desktopId: "host-restart" });
    await eventually(async () => runner.emitted >= 15 || undefined, "15 steps before the restart");
    const restartAt = Date.now();
    const emittedAtRestart = runner.emitted;
    await cp.restart();
    const emittedDuringOutage = runner.emitted;
    const backAt = await eventually(async () => ((await connected("host-restart")) ? Date.now() : false), "host reconnected");
    await eventually(async () => (await taskStatus(task.json.id)) === "completed", "task completed after the restart", 30_000);
    const events = await eventually(async () => {
      const e = await hostEvents(task.json.id);
      return e.length >= 82 && e;
    }, "82 host events in D1");
    expect(events.map((e) => e.hostSeq)).toEqual(Array.from({ length: 82 }, (_, i) => i + 1));
    expect(events.slice(1, 81).map((e) => e.data["message"])).toEqual(Array.from({ length: 80 }, (_, i) => `step ${i + 1}`));
    expect(host.currentTaskId).toBeNull();
    // The task kept running while the control plane was down.
    expect(emittedDuringOutage).toBeGreaterThan(emittedAtRestart);
    console.log(`restart: host back ${backAt - restartAt} ms after the restart began; the runner emitted ${emittedDuringOutage - emittedAtRestart} events while the Worker was down`);
  });

  it("stops with the server's reason and a non-zero exit code when the host token is refused", async () => {
    await newDesktop("host-badtoken");
    const logger = createLogger({ write: (l) => logs.push(l) });
    const host = new HostRuntime({
      server: cp.url,
      desktopId: "host-badtoken",
      token: "dfh_this-token-was-never-issued-0000",
      runner: new StepsTestRunner(1, 1),
      logger,
      capabilities: async () => CAPABILITIES,
    });
    host.start();
    const started = Date.now();
    const exit = await host.exited;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(exit.code).not.toBe(0);
    expect(exit.message).toContain("4401");
    expect(exit.message).toContain("the host token is missing or not valid");
    expect(exit.message).toContain("Issue a new host token for this desktop");
  });

  it("aborts the runner's signal within 2 s when the task is cancelled through the API", async () => {
    const token = await newDesktop("host-cancel");
    const runner = new UntilCancelledTestRunner();
    startHost("host-cancel", token, runner);
    await eventually(() => connected("host-cancel"), "host connected");
    const task = await cp.api("POST", "/api/tasks", { prompt: "wait to be cancelled", desktopId: "host-cancel" });
    await runner.started.promise;
    const cancelAt = Date.now();
    expect((await cp.api("POST", `/api/tasks/${task.json.id}/cancel`, { reason: "changed my mind" })).status).toBe(200);
    await eventually(async () => runner.abortedAt !== null || undefined, "runner aborted", 5_000);
    const ms = runner.abortedAt! - cancelAt;
    console.log(`cancel: API call to runner signal ${ms} ms`);
    expect(ms).toBeLessThan(2_000);
    expect(await taskStatus(task.json.id)).toBe("cancelled");
  });

  it("stores a screenshot through the host upload and delivers follow-ups to the running task", async () => {
    const token = await newDesktop("host-shots");
    const seen = Promise.withResolvers<string>();
    const runner: TaskRunner = {
      async run(ctx) {
        const png = encodePng({ width: 4, height: 2, channels: 3, data: new Uint8Array(24).fill(200) });
        const key = await ctx.uploadScreenshot(png);
        ctx.emit("screenshot", { key, width: 4, height: 2, step: 0 });
        for (let i = 0; i < 100; i++) {
          const f = ctx.takeFollowUps();
          if (f.length > 0) {
            seen.resolve(f[0]!.text);
            return { status: "completed", result: `got ${f[0]!.text}` };
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        return { status: "failed", error: { code: "no_follow_up", message: "no follow-up in 5 s" } };
      },
    };
    startHost("host-shots", token, runner);
    await eventually(() => connected("host-shots"), "host connected");
    const task = await cp.api("POST", "/api/tasks", { prompt: "look and listen", desktopId: "host-shots" });
    const shot = await eventually(async () => (await hostEvents(task.json.id)).find((e) => e.kind === "screenshot"), "screenshot event");
    const key = shot.data["key"] as string;
    expect(key).toMatch(new RegExp(`^tasks/${task.json.id}/.+\\.png$`));
    const res = await fetch(`${cp.url}/api/tasks/${task.json.id}/screenshots/${key.split("/").at(-1)}`, { headers: { authorization: `Bearer ${cp.adminToken}` } });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer()).slice(1, 4)).toEqual(new TextEncoder().encode("PNG"));
    expect((await cp.api("POST", `/api/tasks/${task.json.id}/messages`, { text: "also check the spam folder" })).status).toBe(202);
    expect(await seen.promise).toBe("also check the spam folder");
    await eventually(async () => (await taskStatus(task.json.id)) === "completed", "task completed");
  });
  it("asks a person through a help request and hands the answer given through the API back to the runner", async () => {
    const token = await newDesktop("host-help");
    const answered = Promise.withResolvers<unknown>();
    const runner: TaskRunner = {
      async run(ctx) {
        const outcome = await ctx.askHuman("Which account should I use?", ["work", "home"]);
        answered.resolve(outcome);
        return { status: "completed", result: `used ${outcome.answer}` };
      },
    };
    startHost("host-help", token, runner);
    await eventually(() => connected("host-help"), "host connected");
    const task = await cp.api("POST", "/api/tasks", { prompt: "ask me", desktopId: "host-help" });
    await eventually(async () => (await taskStatus(task.json.id)) === "waiting_for_human", "task waiting for a person");
    const asked = (await hostEvents(task.json.id)).find((e) => e.kind === "help_request")!;
    expect(asked.data).toMatchObject({ question: "Which account should I use?", options: ["work", "home"] });
    const respond = await cp.api("POST", `/api/help-requests/${asked.data["requestId"]}/respond`, { answer: "work" });
    expect(respond.status).toBe(200);
    expect(await answered.promise).toEqual({ status: "answered", answer: "work" });
    await eventually(async () => (await taskStatus(task.json.id)) === "completed", "task completed");
    expect((await cp.api("GET", `/api/tasks/${task.json.id}`)).json.result).toBe("used work");
  });
});
