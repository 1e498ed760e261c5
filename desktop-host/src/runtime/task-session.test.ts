import { describe, expect, it } from "vitest";
import type { AssignedTask } from "@deskfleet/protocol";
import { Outbox } from "../control/outbox.ts";
import type { TaskContext, TaskOutcome, TaskRunner } from "../task-runner.ts";
import { createLogger } from "./logger.ts";
import { TaskSession, type TaskSessionOptions } from "./task-session.ts";
import { SecretRedactions } from "./secret-redactions.ts";

const TASK: AssignedTask = { id: "tsk_0123456789abcdef", prompt: "do it", options: {}, followUps: [], resume: false, nextSeq: 1, secrets: [] };

function session(runner: TaskRunner, opts: { maxEvents?: number; connected?: boolean; cancelGraceMs?: number; helpTimeoutMs?: number; requestSecret?: TaskSessionOptions["requestSecret"]; log?: string[] } = {}) {
  const events: { seq: number; kind: string; data: Record<string, unknown> }[] = [];
  const outbox = new Outbox(
    (json) => {
      if (opts.connected === false) return false;
      events.push(...(JSON.parse(json) as { events: typeof events }).events);
      return true;
    },
    { maxEvents: opts.maxEvents, defer: (fn) => queueMicrotask(fn) },
  );
  const redactions = new SecretRedactions();
  const s = new TaskSession({
    task: TASK,
    runner,
    outbox,
    logger: createLogger({ write: (line) => void opts.log?.push(line), redactions, json: true }),
    redactions,
    ...(opts.requestSecret ? { requestSecret: opts.requestSecret } : {}),
    upload: async () => "tasks/x/y.png",
    files: { list: async () => [], download: async () => new Uint8Array(), upload: async () => { throw new Error("no artifacts in this test"); } },
    cancelGraceMs: opts.cancelGraceMs,
    helpTimeoutMs: opts.helpTimeoutMs,
  });
  return { s, events, outbox };
}

const waitForAbort = (ctx: TaskContext) => new Promise<void>((r) => ctx.signal.addEventListener("abort", () => r(), { once: true }));

describe("TaskSession", () => {
  it("records started first, the runner's events, then its outcome as the final event", async () => {
    const { s, events } = session({
      async run(ctx) {
        ctx.emit("assistant_text", { text: "looking", step: 1 });
        ctx.emit("action", { name: "left_click", input: { coordinate: [3, 4] }, step: 1 });
        return { status: "completed", result: "done" };
      },
    });
    expect(await s.run()).toEqual({ status: "completed", result: "done" });
    await new Promise((r) => setTimeout(r, 0));
    expect(events.map((e) => [e.seq, e.kind])).toEqual([[1, "started"], [2, "assistant_text"], [3, "action"], [4, "completed"]]);
    expect(events[3]!.data).toEqual({ result: "done" });
  });

  it("reports a runner that throws as failed with runner_crashed and its message", async () => {
    const { s } = session({ run: async () => Promise.reject(new Error("model said no")) });
    expect(await s.run()).toEqual({ status: "failed", error: { code: "runner_crashed", message: "model said no" } });
  });

  it("aborts the runner's signal on cancel and moves on after the grace period if the runner ignores it", async () => {
    let abortedAt = 0;
    const { s, events } = session(
      {
        run: (ctx) => {
          ctx.signal.addEventListener("abort", () => (abortedAt = Date.now()));
          return new Promise<TaskOutcome>(() => undefined); // never stops
        },
      },
      { cancelGraceMs: 100 },
    );
    const done = s.run();
    const cancelAt = Date.now();
    s.cancel("stop please");
    const outcome = await done;
    expect(abortedAt - cancelAt).toBeLessThan(20);
    expect(Date.now() - cancelAt).toBeGreaterThanOrEqual(95);
    expect(outcome).toEqual({ status: "failed", error: { code: "cancelled", message: "stop please" } });
    await new Promise((r) => setTimeout(r, 0));
    expect(events.at(-1)!.kind).toBe("failed");
  });

  it("treats a runner that stops by throwing its abort reason as cancelled, not crashed", async () => {
    const { s } = session({
      async run(ctx) {
        await waitForAbort(ctx);
        throw ctx.signal.reason;
      },
    });
    const done = s.run();
    setTimeout(() => s.cancel("user changed their mind"), 10);
    expect(await done).toEqual({ status: "failed", error: { code: "cancelled", message: "user changed their mind" } });
  });

  it("fails the task with event_buffer_full when the control plane is away too long, and says so in the failed event", async () => {
    const { s, outbox } = session(
      {
        async run(ctx) {
          for (let i = 0; i < 100 && !ctx.signal.aborted; i++) ctx.emit("log", { level: "info", message: `line ${i}` });
          return { status: "completed", result: "should not count" };
        },
      },
      { maxEvents: 10, connected: false },
    );
    const outcome = await s.run();
    expect(outcome.status).toBe("failed");
    expect(outcome.status === "failed" && outcome.error.code).toBe("event_buffer_full");
    // 10 kept events (started + 9 logs) and the forced final one.
    expect(outbox.size.events).toBe(11);
  });

  it("asks a person, passes the matching answer back, and times out without one", async () => {
    const { s, events } = session(
      {
        async run(ctx) {
          const first = await ctx.askHuman("Which account?", ["work", "home"]);
          const second = await ctx.askHuman("Anything else?");
          return { status: "completed", result: JSON.stringify([first, second]) };
        },
      },
      { helpTimeoutMs: 50 },
    );
    const done = s.run();
    await new Promise((r) => setTimeout(r, 5));
    const req = events.find((e) => e.kind === "help_request")!;
    expect(req.data).toMatchObject({ question: "Which account?", options: ["work", "home"] });
    expect(s.answerHelp("not-the-id", "answered", "x")).toBe(false);
    expect(s.answerHelp(req.data["requestId"] as string, "answered", "work")).toBe(true);
    const outcome = await done;
    expect(outcome).toEqual({ status: "completed", result: JSON.stringify([{ status: "answered", answer: "work" }, { status: "timed_out", answer: null }]) });
  });

  it("passes on why a question was dismissed without anyone asked, and never a dismissal's text as an answer", async () => {
    const { s, events } = session({
      async run(ctx) {
        return { status: "completed", result: JSON.stringify(await ctx.askHuman("One more?")) };
      },
    });
    const done = s.run();
    await new Promise((r) => setTimeout(r, 5));
    const req = events.find((e) => e.kind === "help_request")!;
    s.answerHelp(req.data["requestId"] as string, "dismissed", "the task reached its limit of questions");
    const outcome = await done;
    expect(outcome.status === "completed" && JSON.parse(outcome.result)).toEqual({ status: "dismissed", answer: null, note: "the task reached its limit of questions" });
  });

  it("hands follow-ups to the runner once each, oldest first", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[][] = [];
    const { s } = session({
      async run(ctx) {
        await gate;
        seen.push(ctx.takeFollowUps().map((f) => f.text));
        seen.push(ctx.takeFollowUps().map((f) => f.text));
        return { status: "completed", result: "ok" };
      },
    });
    const done = s.run();
    s.addFollowUp({ id: "a", text: "first", at: 1 });
    s.addFollowUp({ id: "b", text: "second", at: 2 });
    s.addFollowUp({ id: "a", text: "first", at: 1 });
    release();
    await done;
    expect(seen).toEqual([["first", "second"], []]);
  });

  it("holds a secret answer for type_secret: the runner gets its name, and no event or log line holds the answer", async () => {
    const log: string[] = [];
    const { s, events } = session(
      {
        async run(ctx) {
          const outcome = await ctx.askHuman("The code sent to your phone?", [], { secret: true });
          const name = outcome.status === "answered_secretly" ? outcome.name : "?";
          const typed = await ctx.secretValue(name);
          // A careless runner writes the value where it must not go: the session redacts it.
          ctx.emit("assistant_text", { text: `I will type ${typed.ok ? typed.value : "?"} now`, step: 1 });
          return { status: "completed", result: `${JSON.stringify(outcome)} ${typed.ok ? typed.value : "none"}` };
        },
      },
      { log },
    );
    const done = s.run();
    await new Promise((r) => setTimeout(r, 5));
    const req = events.find((e) => e.kind === "help_request")!;
    expect(req.data["secret"]).toBe(true);
    const id = req.data["requestId"] as string;
    expect(s.answerHelp(id, "answered", "492039", true)).toBe(true);
    const outcome = await done;
    const name = `answer:${id.replace(/-/g, "").slice(0, 8)}`;
    expect(outcome.status === "completed" && outcome.result).toBe(`${JSON.stringify({ status: "answered_secretly", answer: null, name, characters: 6 })} 492039`);
    await new Promise((r) => setTimeout(r, 5));
    expect(events.find((e) => e.kind === "assistant_text")?.data["text"]).toBe("I will type [secret answer] now");
    expect(events.find((e) => e.kind === "completed")?.data["result"]).toContain("[secret answer]");
    expect(JSON.stringify(events)).not.toContain("492039");
    expect(log.join("\n")).not.toContain("492039");
  });

  it("asks the control plane for a vault secret and keeps its value out of events and log lines", async () => {
    const log: string[] = [];
    const asked: string[] = [];
    const { s, events } = session(
      {
        async run(ctx) {
          const v = await ctx.secretValue("github");
          const missing = await ctx.secretValue("gitlab");
          ctx.emit("log", { level: "info", message: `value ${v.ok ? v.value : ""}` });
          return { status: "completed", result: missing.ok ? "?" : missing.available.join(",") };
        },
      },
      {
        log,
        requestSecret: async (taskId, name) => {
          asked.push(`${taskId} ${name}`);
          return name === "github" ? { ok: true, kind: "password", value: "correct-horse-battery" } : { ok: false, error: { code: "not_in_scope", message: "no" }, available: ["github"] };
        },
      },
    );
    expect(await s.run()).toEqual({ status: "completed", result: "github" });
    await new Promise((r) => setTimeout(r, 5));
    expect(asked).toEqual([`${TASK.id} github`, `${TASK.id} gitlab`]);
    expect(events.find((e) => e.kind === "log" && String(e.data["message"]).startsWith("value"))?.data["message"]).toBe("value [secret:github]");
    expect(log.some((l) => l.includes('"name":"github"') && l.includes('"characters":21'))).toBe(true);
    expect(JSON.stringify(events) + log.join("\n")).not.toContain("correct-horse-battery");
  });
});
