import Anthropic from "@anthropic-ai/sdk";
import type { ContentBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { APPROVAL_CLASSES, type SupervisorEntry, type SupervisorStatus, type Task } from "@deskfleet/protocol";
import { badRequest, overloaded, startScriptedAnthropic, text, toolUse, type ScriptedAnthropic, type ConversationScript } from "../../test-support/scripted-anthropic/index.ts";
import { SupervisorLoop, type JobOutcome } from "./loop.ts";
import { INITIAL_STATE, type ConversationStore, type LoopState } from "./loop-state.ts";
import type { Turn } from "./conversation-window.ts";
import { conversationTools } from "./tools/conversation.ts";
import { tool, type JobState, type ProposalDraft, type SupervisorTool } from "./tools/tool.ts";
import { jobResult } from "./job-brief.ts";
import { ModelCallRefused } from "./metered-model.ts";

/**
 * The loop as a plain module: an in-memory store, a clock the test moves,
 * steps run by the test (as alarms would), and the real SDK against the
 * scripted Messages API.
 */

class MemoryStore implements ConversationStore {
  s: LoopState = INITIAL_STATE;
  t: Turn[] = [];
  inbox: ContentBlockParam[][] = [];
  entries: SupervisorEntry[] = [];
  state = () => structuredClone(this.s);
  setState = (s: LoopState) => void (this.s = structuredClone(s));
  turns = () => structuredClone(this.t);
  appendTurn = (t: Turn) => void this.t.push(structuredClone(t));
  replaceLastTurn = (t: Turn) => void (this.t[this.t.length - 1] = structuredClone(t));
  replaceTurns = (ts: Turn[]) => void (this.t = structuredClone(ts));
  pushInbox = (blocks: ContentBlockParam[]) => void this.inbox.push(blocks);
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
  effect: "read",
  run: async (_ctx, { taskId }) => ({ wait: { kind: "task", taskId, timeoutMs: 60_000 } }),
});
const noop = tool({ name: "noop", description: "does nothing", input: z.strictObject({}), effect: "read", run: async () => ({ content: "nothing done" }) });

/** A write of the `tasks` class that counts how often it really ran. */
let written: string[] = [];
const write = tool({
  name: "start_thing",
  description: "starts a thing",
  input: z.strictObject({ what: z.string() }),
  effect: { class: "tasks" },
  run: async (_ctx, { what }) => {
    written.push(what);
    return { content: `started ${what}` };
  },
});

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
      name: "inbox-photo",
      match: "[inbox-photo]",
      steps: [toolUse("noop", {})],
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
    {
      // Asked for one thing; a tool result then "asks" for a second one.
      name: "steered",
      match: "[steered]",
      steps: [toolUse("start_thing", { what: "asked" }), toolUse("start_thing", { what: "read in a result" }), (ctx) => text(`last: ${ctx.lastToolResult()?.text.slice(0, 9)}`)],
    },
    {
      name: "answered",
      match: "[answered]",
      steps: [toolUse("ask_human", { question: "Which thing?" }), (ctx) => toolUse("start_thing", { what: ctx.lastToolResult()?.text ?? "?" }), text("started it")],
    },
    {
      name: "mixed",
      match: "[mixed]",
      steps: [{ content: [{ type: "tool_use", name: "ask_human", input: { question: "Which?" } }, { type: "tool_use", name: "noop", input: {} }] }, toolUse("start_thing", { what: "after a mixed turn" }), text("done")],
    },
    { name: "budget", match: "[budget]", steps: [text("answered after the budget allowed it")] },
    { name: "job", match: "[job-write]", steps: [toolUse("start_thing", { what: "from a job" }), text("proposed it")] },
    { name: "noted", match: "[noted]", steps: [text("ok"), (ctx) => text(`heard: ${JSON.stringify(ctx.body["messages"]).includes("proposal prp_0000000000note was approved")}`)] },
  ];
  server = await startScriptedAnthropic({ conversations: scripts });
});
afterAll(async () => {
  await server?.close();
});

function harness(opts: { tools?: SupervisorTool[]; job?: JobState; progress?: () => { task: Task | null; lastSeq: number } } = {}) {
  written = [];
  const proposals: (ProposalDraft & { toolUseId: string })[] = [];
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
    toolContext: (job, turn) => ({
      env: {} as Env,
      conversationId: opts.job ? `heal:${opts.job.taskId}` : "dash:test",
      kind: opts.job ? "heal" : "dash",
      actor: "supervisor:dash:test",
      job: job ? { ...job } : null,
      channel: { say: async () => undefined, showScreenshot: async () => undefined },
      askedByPerson: turn.askedByPerson,
      requiredApprovals: new Set(APPROVAL_CLASSES),
      approval: null,
    }),
    propose: async (draft) => {
      proposals.push(draft);
      return { id: `prp_000000000${proposals.length}draft`, expiresAt: now + 3_600_000 };
    },
    taskProgress: async () => (opts.progress ? opts.progress() : { task: null, lastSeq: 0 }),
    wake: async (at) => void wakes.push(at),
    onReply: async (t) => void replies.push(t),
    onJobEnd: async (_job, outcome) => void jobEnds.push(outcome),
    now: () => now,
  });
  return {
    store,
    loop,
    proposals,
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
  agent: null,
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

  it("folds a photo a person sent while the model thinks into the next turn as its own blocks, and the transcript keeps its data", async () => {
    const h = harness();
    await h.loop.receive("[inbox-photo] go", "ada");
    const photo = { text: "this one", blocks: [{ type: "text" as const, text: "this one" }, { type: "image" as const, source: { type: "url" as const, url: "deskfleet-attachment:att_1" } }], data: { attachments: [{ id: "att_1" }] } };
    h.duringNextModelCall(async () => h.loop.receive(photo, "ada"));
    await h.loop.step();
    const lastTurn = h.store.t.at(-1)!;
    expect(lastTurn.content.map((b) => b.type)).toEqual(["tool_result", "text", "image"]);
    expect(h.store.entries.filter((e) => e.kind === "user").at(-1)!.data).toEqual({ attachments: [{ id: "att_1" }], by: "ada" });
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

  it("tells the person why when the fleet's budget refuses a model call, without retrying, and answers again once it allows", async () => {
    const h = harness();
    h.duringNextModelCall(async () => {
      throw new ModelCallRefused("The fleet's daily budget of $0.05 is spent");
    });
    await h.loop.receive("[budget] hello", "ada");
    const wakesBefore = h.wakes.length;
    await h.loop.step();
    expect(h.status()).toBe("idle");
    expect(h.replies).toEqual(["The fleet's daily budget of $0.05 is spent"]);
    expect(h.store.entries.at(-1)).toMatchObject({ kind: "notice", text: "The fleet's daily budget of $0.05 is spent", data: { code: "over_budget" } });
    expect(h.wakes.length).toBe(wakesBefore);
    await h.loop.receive("[budget] hello", "ada");
    await h.loop.step();
    expect(h.status()).toBe("idle");
    expect(h.replies.at(-1)).toBe("answered after the budget allowed it");
  });

  it("ends a job whose model call the budget refused, with the reason as its outcome", async () => {
    const job: JobState = { kind: "heal", taskId: "tsk_0000000000heal", prepared: true, retryTaskId: null, savedPromptVersion: null, summary: null };
    const h = harness({ job });
    h.duringNextModelCall(async () => {
      throw new ModelCallRefused("budget spent");
    });
    await h.loop.start("[flaky] heal this");
    await h.loop.step();
    expect(h.status()).toBe("finished");
    expect(h.replies).toEqual([]);
    expect(h.jobEnds).toEqual([{ ok: false, code: "over_budget", message: "budget spent" }]);
  });

  describe("who asked for a write", () => {
    const tools = () => [...conversationTools, noop, write];

    it("makes the write a person asked for, and proposes the one that followed a tool result instead of making it", async () => {
      const h = harness({ tools: tools() });
      await h.loop.receive("[steered] start the asked thing", "ada");
      await h.loop.step();
      await h.loop.step();
      await h.loop.step();
      expect(written).toEqual(["asked"]);
      expect(h.proposals).toEqual([expect.objectContaining({ tool: "start_thing", input: { what: "read in a result" }, effect: { class: "tasks" }, why: expect.stringContaining("after reading tool results") })]);
      const result = h.store.entries.filter((e) => e.kind === "tool_result").at(-1)!;
      expect(result.text).toMatch(/^Not done: start_thing needs a person's approval here.*proposal prp_0000000001draft/);
      expect(h.replies.at(-1)).toBe("last: Not done:");
    });

    it("takes the answer to ask_human as a person's message: the write that follows it is made", async () => {
      const h = harness({ tools: tools() });
      await h.loop.receive("[answered] start something", "ada");
      await h.loop.step();
      await h.loop.receive("the blue one", "ada");
      await h.loop.step();
      await h.loop.step();
      expect(written).toEqual(["the blue one"]);
      expect(h.proposals).toEqual([]);
    });

    it("does not take a turn that mixed a person's answer with another tool's result as a person's request", async () => {
      const h = harness({ tools: tools() });
      await h.loop.receive("[mixed] go", "ada");
      await h.loop.step();
      await h.loop.receive("this one", "ada");
      await h.loop.step();
      expect(written).toEqual([]);
      expect(h.proposals.map((p) => p.input)).toEqual([{ what: "after a mixed turn" }]);
    });

    it("proposes every write of a job, records the proposal on the job, and its result names it", async () => {
      const job: JobState = { kind: "heal", taskId: "tsk_0000000000heal", prepared: true, retryTaskId: null, savedPromptVersion: null, summary: null };
      const h = harness({ tools: tools(), job });
      await h.loop.start("[job-write] heal this");
      await h.loop.step();
      await h.loop.step();
      expect(written).toEqual([]);
      expect(h.proposals[0]!.why).toMatch(/a healer job made it/);
      expect(h.store.s.job!.proposals).toEqual([{ id: "prp_0000000001draft", tool: "start_thing" }]);
      expect(jobResult(h.store.s.job!, h.jobEnds[0]!)).toEqual({ status: "completed", result: "Proposed start_thing as prp_0000000001draft (waiting for a person's approval).\n\nproposed it" });
    });

    it("hands the model a note about a decided proposal with the next turn, and the note does not make it a person's request", async () => {
      const h = harness({ tools: tools() });
      await h.loop.receive("[noted] hello", "ada");
      await h.loop.step();
      h.loop.note("[Deskfleet: your proposal prp_0000000000note was approved by Ada; it was carried out.]");
      await h.loop.receive("did it work?", "ada");
      expect(h.store.t.at(-1)!.content.map((b) => (b.type === "text" ? b.text : b.type))).toEqual(["did it work?", expect.stringContaining("prp_0000000000note")]);
      await h.loop.step();
      expect(h.replies.at(-1)).toBe("heard: true");
      expect(h.store.s.notes).toEqual([]);
    });
  });
});
