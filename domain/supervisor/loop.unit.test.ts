import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { SupervisorEntry, SupervisorStatus, Task } from "@deskfleet/protocol";
import { badRequest, overloaded, startScriptedAnthropic, text, toolUse, type ScriptedAnthropic, type ConversationScript } from "../../test-support/scripted-anthropic/index.ts";
import { SupervisorLoop, type JobOutcome } from "./loop.ts";
import { INITIAL_STATE, type ConversationStore, type LoopState } from "./loop-state.ts";
import type { Turn } from "./conversation-window.ts";
import { conversationTools } from "./tools/conversation.ts";
import { tool, type JobState, type SupervisorTool } from "./tools/tool.ts";

/**
 * The loop as a plain module: an in-memory store, a clock the test moves,
 * steps run by the test (as alarms would), and the real SDK against the
 * scripted Messages API.
 */

class MemoryStore implements ConversationStore {
  s: LoopState = INITIAL_STATE;
  t: Turn[] = [];
  inbox: string[] = [];
  entries: SupervisorEntry[] = [];
  state = () => structuredClone(this.s);
  setState = (s: LoopState) => void (this.s = structuredClone(s));
  turns = () => structuredClone(this.t);
  appendTurn = (t: Turn) => void this.t.push(structuredClone(t));
  replaceLastTurn = (t: Turn) => void (this.t[this.t.length - 1] = structuredClone(t));
  replaceTurns = (ts: Turn[]) => void (this.t = structuredClone(ts));
  pushInbox = (text: string) => void this.inbox.push(text);
  takeInbox = () => this.inbox.splice(0);
  addEntry = (kind: SupervisorEntry["kind"], text: string, data: Record<string, unknown> | null) => {
    const e = { seq: this.entries.length + 1, kind, text, data, at: 0 };
    this.entries.push(e);
    return e;
  };
}

const waitForTask = tool({
  name: "start_work",
  description: "starts work and waits for it",
  input: z.strictObject({ taskId: z.string() }),
  run: async (_ctx, { taskId }) => ({ wait: { kind: "task", taskId, timeoutMs: 60_000 } }),
});
const noop = tool({ name: "noop", description: "does nothing", input: z.strictObject({}), run: async () => ({ content: "nothing done" }) });

let server: ScriptedAnthropic;

beforeAll(async () => {
  const scripts: ConversationScript[] = [
    {
      name: "ask",
      match: "[ask]",
      steps: [toolUse("ask_human", { question: "Which colour?" }), (ctx) => text(`You chose ${ctx.lastToolResult()?.text}.`)],
    },
    {
      name: "inbox",
      match: "[inbox]",
      steps: [toolUse("noop", {}), (ctx) => text(`saw: ${ctx.lastUserText()}; results: ${ctx.toolResults().length}`)],
    },
    {
      name: "wait",
      match: "[wait]",
      steps: [toolUse("start_work", { taskId: "tsk_0000000000wait" }), (ctx) => text(`result: ${ctx.lastToolResult()?.text}`)],
    },
    {
      name: "wait2",
      match: "[wait2]",
      steps: [toolUse("start_work", { taskId: "tsk_0000000000wait" }), (ctx) => text(`result: ${ctx.lastToolResult()?.text}`)],
    },
    { name: "flaky", match: "[flaky]", steps: [overloaded({ headers: { "x-should-retry": "false" } }), badRequest("scripted: refused")] },
  ];
  server = await startScriptedAnthropic({ conversations: scripts });
});
afterAll(async () => {
  await server?.close();
});

function harness(opts: { tools?: SupervisorTool[]; job?: JobState; progress?: () => { task: Task | null; lastSeq: number } } = {}) {
  const store = new MemoryStore();
  if (opts.job) store.s = { ...INITIAL_STATE, job: opts.job };
  let now = 1_000_000;
  const wakes: number[] = [];
  const replies: string[] = [];
  const jobEnds: JobOutcome[] = [];
  const statuses = (): SupervisorStatus => store.s.status;
  const client = new Anthropic({ baseURL: server.url, apiKey: "test", maxRetries: 0 });
  let beforeModel: (() => Promise<void>) | null = null;
  const loop = new SupervisorLoop({
    store,
    system: "You are a test supervisor.",
    tools: opts.tools ?? [...conversationTools, noop, waitForTask],
    limits: { model: "claude-sonnet-5-5", maxTokens: 1024, maxAutonomousTurns: 10, pollMs: 5_000, maxModelRetries: 2 },
    callModel: async (req) => {
      const hook = beforeModel;
      beforeModel = null;
      if (hook) await hook();
      return client.messages.create(req);
    },
    toolContext: (job) => ({ env: {} as Env, conversationId: "dash:test", kind: "dash", actor: "supervisor:dash:test", job, channel: { say: async () => undefined, showScreenshot: async () => undefined } }),
    taskProgress: async () => (opts.progress ? opts.progress() : { task: null, lastSeq: 0 }),
    wake: async (at) => void wakes.push(at),
    onReply: async (t) => void replies.push(t),
    onJobEnd: async (_job, outcome) => void jobEnds.push(outcome),
    now: () => now,
  });
  return {
    store,
    loop,
    wakes,
    replies,
    jobEnds,
    status: statuses,
    advance: (ms: number) => (now += ms),
    now: () => now,
    duringNextModelCall: (fn: () => Promise<void>) => (beforeModel = fn),
  };
}

const task = (status: Task["status"], result: string | null = null): Task => ({
  id: "tsk_0000000000wait",
  prompt: "work",
  status,
  desktopId: "d1",
  target: { desktopId: "d1", labels: [] },
  source: "supervisor",
  sourceMeta: { conversationId: "dash:test" },
  scheduleId: null,
  originalTaskId: null,
  retryNumber: 0,
  priority: 0,
  options: {},
  result,
  error: null,
  usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
  steps: 3,
  waitingReason: null,
  createdAt: 1_000_000,
  assignedAt: 1_000_000,
  startedAt: 1_000_000,
  finishedAt: status === "completed" ? 1_100_000 : null,
  updatedAt: 1_100_000,
});

describe("the supervisor loop", () => {
  it("asks the person with ask_human and gives their next message back as the tool's result", async () => {
    const h = harness();
    await h.loop.receive("[ask] paint it", "ada");
    expect(h.status()).toBe("thinking");
    await h.loop.step();
    expect(h.status()).toBe("waiting_for_human");
    expect(h.replies).toEqual(["Which colour?"]);
    await h.loop.receive("blue", "ada");
    expect(h.status()).toBe("thinking");
    await h.loop.step();
    expect(h.status()).toBe("idle");
    expect(h.replies.at(-1)).toBe("You chose blue.");
    expect(h.store.entries.map((e) => e.kind)).toEqual(["user", "tool_call", "question", "user", "assistant"]);
  });

  it("folds a message written while the model thinks into the next turn, after the tool results", async () => {
    const h = harness();
    await h.loop.receive("[inbox] go", "ada");
    h.duringNextModelCall(async () => h.loop.receive("and hurry", "ada"));
    await h.loop.step();
    expect(h.status()).toBe("thinking");
    const lastTurn = h.store.t.at(-1)!;
    expect(lastTurn.role).toBe("user");
    expect(lastTurn.content.map((b) => b.type)).toEqual(["tool_result", "text"]);
    await h.loop.step();
    expect(h.replies.at(-1)).toBe("saw: and hurry; results: 1");
  });

  it("waits for a task while it makes progress and gives up after its inactivity timeout, re-armed by each event", async () => {
    let p = { task: task("running"), lastSeq: 1 };
    const h = harness({ progress: () => p });
    await h.loop.receive("[wait] do it", "ada");
    await h.loop.step();
    expect(h.status()).toBe("waiting_for_task");
    expect(h.wakes.at(-1)).toBe(h.now() + 5_000);

    h.advance(40_000);
    await h.loop.step(); // progress (seq 0 → 1): the timeout counts from now
    h.advance(50_000);
    await h.loop.step(); // 50 s without progress: still waiting
    expect(h.status()).toBe("waiting_for_task");
    p = { task: task("running"), lastSeq: 2 };
    h.advance(55_000);
    await h.loop.step(); // new progress re-arms
    p = { task: task("running"), lastSeq: 2 };
    h.advance(59_000);
    await h.loop.step();
    expect(h.status()).toBe("waiting_for_task");
    h.advance(2_000);
    await h.loop.step();
    expect(h.status()).toBe("thinking");
    await h.loop.step();
    expect(h.replies.at(-1)).toMatch(/^result: task tsk_0000000000wait made no progress for 1 min and is still running; it was not cancelled/);
  });

  it("returns a finished task's result as soon as it is told the task finished", async () => {
    let p = { task: task("running"), lastSeq: 1 };
    const h = harness({ progress: () => p });
    await h.loop.receive("[wait2] again", "ada");
    await h.loop.step();
    p = { task: task("completed", "all green"), lastSeq: 5 };
    await h.loop.taskFinished("tsk_0000000000wait");
    expect(h.status()).toBe("thinking");
    await h.loop.step();
    expect(h.replies.at(-1)).toContain('"result":"all green"');
  });

  it("retries an overloaded model on a later step, then ends a job whose model call is refused", async () => {
    const job: JobState = { kind: "heal", taskId: "tsk_0000000000heal", prepared: true, retryTaskId: null, savedPromptVersion: null, summary: null };
    const h = harness({ job });
    await h.loop.start("[flaky] heal this");
    await h.loop.step();
    expect(h.status()).toBe("thinking");
    expect(h.wakes.at(-1)).toBe(h.now() + 5_000);
    expect(h.store.entries.at(-1)!.text).toMatch(/the model is unavailable .*trying again in 5 s/);
    await h.loop.step();
    expect(h.status()).toBe("finished");
    expect(h.jobEnds).toEqual([{ ok: false, code: "model_failed", message: expect.stringContaining("scripted: refused") }]);
  });
});
