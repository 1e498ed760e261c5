import type { Message, MessageCreateParamsNonStreaming, ContentBlockParam, ToolResultBlockParam, ToolUseBlock } from "@anthropic-ai/sdk/resources/messages/messages";
import type { Task } from "@deskfleet/protocol";
import { isTerminal } from "@deskfleet/protocol";
import { cut, fitWindow, withCacheBreakpoints, type Turn } from "./conversation-window.ts";
import type { ConversationStore, LoopState, PendingWait } from "./loop-state.ts";
import { definition, runTool, type ProposalDraft, type SupervisorTool, type ToolContext, type JobState } from "./tools/tool.ts";
import { taskView } from "./tools/tasks.ts";
import { ModelCallRefused } from "./metered-model.ts";

export type LoopLimits = {
  model: string;
  maxTokens: number;
  /** Model turns without a person's message before the loop stops and asks. */
  maxAutonomousTurns: number;
  /** How often a wait for a task checks its progress. */
  pollMs: number;
  /** Retries of a model call that failed for a passing reason (overload, rate limit, network). */
  maxModelRetries: number;
};

/** A person's message: what the transcript shows, the blocks the model is given, and the transcript entry's data. */
export type PersonMessage = { text: string; blocks: ContentBlockParam[]; data?: Record<string, unknown> };

export type JobOutcome = { ok: true; text: string } | { ok: false; code: string; message: string };

export type LoopDeps = {
  store: ConversationStore;
  system: string;
  tools: readonly SupervisorTool[];
  limits: LoopLimits;
  callModel(req: MessageCreateParamsNonStreaming): Promise<Message>;
  toolContext(job: JobState | null, turn: { askedByPerson: boolean }): ToolContext;
  /** Stores a write the approval policy held back as a proposal for people to decide. */
  propose(draft: ProposalDraft & { toolUseId: string }): Promise<{ id: string; expiresAt: number } | { refused: string }>;
  /** The task's state and its newest event sequence (progress). */
  taskProgress(taskId: string): Promise<{ task: Task | null; lastSeq: number }>;
  /** Run `step()` again at this time. */
  wake(at: number): Promise<void>;
  /** The final reply of a turn, for channels that deliver it (Telegram). */
  onReply(text: string): Promise<void>;
  /** A healer or optimizer conversation ended. */
  onJobEnd(job: JobState, outcome: JobOutcome): Promise<void>;
  now(): number;
};

const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

/**
 * The supervisor's tool-use loop, one model turn per `step()`: each step is
 * short enough for one alarm, and everything between steps is in the store,
 * so the conversation survives eviction and deploys. Tool calls that take
 * long (a task to finish, a person to answer) park as waits and complete on a
 * later step.
 */
export class SupervisorLoop {
  private readonly d: LoopDeps;
  constructor(deps: LoopDeps) {
    this.d = deps;
  }

  private get s(): LoopState {
    return this.d.store.state();
  }

  private set(patch: Partial<LoopState>): LoopState {
    const next = { ...this.d.store.state(), ...patch };
    this.d.store.setState(next);
    return next;
  }

  /** A person wrote (text, or blocks with images and files). Starts a turn, answers ask_human, or interrupts a wait for a task. */
  async receive(message: string | PersonMessage, by: string): Promise<void> {
    const m: PersonMessage = typeof message === "string" ? { text: message, blocks: [{ type: "text", text: message }] } : message;
    const text = m.text;
    this.d.store.addEntry("user", text, { ...m.data, by });
    const s = this.s;
    if (s.status === "finished") return;
    this.set({ autonomousTurns: 0 });
    if (s.status === "thinking") {
      // Picked up when the current turn appends its next user message.
      this.d.store.pushInbox(m.blocks);
      return;
    }
    if (s.status === "idle") {
      this.appendUser(m.blocks);
      this.set({ status: "thinking", askedByPerson: true });
      await this.d.wake(this.d.now());
      return;
    }
    const pending = s.pending!;
    const results = { ...pending.results };
    // Results resolved here hold the person's words or our own, never text read from the fleet.
    const personResults = [...(pending.personResults ?? []), ...pending.waits.map((w) => w.toolUseId)];
    // Files with the answer follow the tool results as the person's own blocks.
    const onlyText = m.blocks.every((b) => b.type === "text") && m.blocks.length === 1;
    let inboxBlocks: ContentBlockParam[] | null = m.blocks;
    for (const w of pending.waits) {
      if (w.kind === "human") {
        results[w.toolUseId] = { type: "tool_result", tool_use_id: w.toolUseId, content: text || "(the person answered with files; they follow)" };
        if (onlyText) inboxBlocks = null;
      } else {
        results[w.toolUseId] = {
          type: "tool_result",
          tool_use_id: w.toolUseId,
          content: `stopped waiting for task ${w.taskId} because the person wrote; it keeps running — check it with get_task later`,
        };
      }
    }
    if (inboxBlocks !== null) this.d.store.pushInbox(inboxBlocks);
    this.set({ pending: { ...pending, results, waits: [], personResults } });
    await this.flushPending();
  }

  /** Starts a job conversation (healer, optimizer) with its brief. */
  async start(brief: string): Promise<void> {
    this.appendUser([{ type: "text", text: brief }]);
    // A job's brief is built from a task's transcript: nobody asked for anything in it.
    this.set({ status: "thinking", askedByPerson: false });
    await this.d.wake(this.d.now());
  }

  /** One alarm step. */
  async step(): Promise<void> {
    const s = this.s;
    if (s.status === "thinking") await this.modelTurn();
    else if (s.status === "waiting_for_task") await this.checkWaits();
  }

  /** A task this conversation may wait for has finished: check now instead of at the next poll. */
  async taskFinished(taskId: string): Promise<void> {
    const s = this.s;
    if (s.status === "waiting_for_task" && s.pending?.waits.some((w) => w.kind === "task" && w.taskId === taskId)) await this.checkWaits();
  }

  // ---- the model turn

  private async modelTurn(): Promise<void> {
    const { limits } = this.d;
    if (this.s.autonomousTurns >= limits.maxAutonomousTurns) {
      this.d.store.addEntry("notice", `stopped after ${limits.maxAutonomousTurns} steps without a message from a person; write to continue`, null);
      await this.endTurn(null, { ok: false, code: "too_many_steps", message: `the supervisor stopped after ${limits.maxAutonomousTurns} steps` });
      return;
    }
    const window = fitWindow(this.d.store.turns());
    if (window.dropped > 0) this.d.store.replaceTurns(window.turns);
    let res: Message;
    try {
      res = await this.d.callModel({
        model: limits.model,
        max_tokens: limits.maxTokens,
        system: [{ type: "text", text: this.d.system, cache_control: { type: "ephemeral" } }],
        tools: this.d.tools.map(definition),
        messages: withCacheBreakpoints(window.turns),
      });
    } catch (err) {
      await this.modelFailed(err);
      return;
    }
    this.set({ modelFailures: 0, autonomousTurns: this.s.autonomousTurns + 1 });
    const content = assistantContent(res);
    this.d.store.appendTurn({ role: "assistant", content });
    for (const b of res.content) if (b.type === "text" && b.text.trim()) this.d.store.addEntry("assistant", b.text, null);

    const calls = res.content.filter((b): b is ToolUseBlock => b.type === "tool_use");
    if (calls.length > 0) {
      await this.runTools(calls);
      return;
    }
    if (res.stop_reason === "pause_turn") {
      await this.d.wake(this.d.now());
      return;
    }
    const text = res.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n").trim();
    await this.endTurn(text, { ok: true, text });
  }

  private async runTools(calls: ToolUseBlock[]): Promise<void> {
    const results: Record<string, ToolResultBlockParam> = {};
    const waits: PendingWait[] = [];
    const job = this.s.job;
    const ctx = this.d.toolContext(job, { askedByPerson: this.s.askedByPerson === true });
    for (const call of calls) {
      this.d.store.addEntry("tool_call", `${call.name} ${cut(JSON.stringify(call.input), 1_000)}`, { name: call.name, input: call.input, toolUseId: call.id });
      let out = await runTool(this.d.tools, ctx, call.name, call.input);
      if ("propose" in out) out = await this.proposed(ctx, out.propose, call.id);
      if ("wait" in out) {
        const now = this.d.now();
        if (out.wait.kind === "task") {
          waits.push({ toolUseId: call.id, kind: "task", taskId: out.wait.taskId, timeoutMs: out.wait.timeoutMs, lastSeq: 0, lastProgressAt: now });
          this.d.store.addEntry("notice", `waiting for task ${out.wait.taskId}`, { taskId: out.wait.taskId });
        } else {
          waits.push({ toolUseId: call.id, kind: "human", question: out.wait.question });
          this.d.store.addEntry("question", out.wait.question, null);
          await this.d.onReply(out.wait.question);
        }
        continue;
      }
      results[call.id] = { type: "tool_result", tool_use_id: call.id, content: out.content, ...(out.isError ? { is_error: true } : {}) };
      this.d.store.addEntry("tool_result", resultText(out.content), { name: call.name, isError: out.isError ?? false, toolUseId: call.id });
    }
    // Tools may have changed the job (a retry started, a prompt saved).
    this.set({ job: ctx.job, pending: { order: calls.map((c) => c.id), results, waits } });
    if (waits.length === 0) {
      await this.flushPending();
      return;
    }
    this.set({ status: waits.some((w) => w.kind === "human") ? "waiting_for_human" : "waiting_for_task" });
    if (waits.some((w) => w.kind === "task")) await this.d.wake(this.d.now() + this.d.limits.pollMs);
  }

  /** The policy held a write back: store it as a proposal and tell the model it was not done. */
  private async proposed(ctx: ToolContext, draft: ProposalDraft, toolUseId: string): Promise<{ content: string; isError?: boolean }> {
    const p = await this.d.propose({ ...draft, toolUseId });
    if ("refused" in p) return { content: `${draft.tool} was not done and not proposed: ${p.refused}`, isError: true };
    if (ctx.job) ctx.job.proposals = [...(ctx.job.proposals ?? []), { id: p.id, tool: draft.tool }];
    return {
      content:
        `Not done: ${draft.tool} needs a person's approval here, because ${draft.why}. ` +
        `It waits as proposal ${p.id} (until ${new Date(p.expiresAt).toISOString()}); people see it in the dashboard and in Telegram, and it runs only if one of them approves it. ` +
        "Do not call it again or try another way around this; say what you proposed and why.",
    };
  }

  /** Once every tool call has its result: one user turn with all of them (and anything people wrote meanwhile). */
  private async flushPending(): Promise<void> {
    const p = this.s.pending;
    if (!p || p.waits.length > 0) return;
    const blocks: ContentBlockParam[] = p.order.map((id) => p.results[id] ?? { type: "tool_result", tool_use_id: id, content: "no result", is_error: true });
    for (const message of this.d.store.takeInbox()) blocks.push(...message);
    this.appendUser(blocks);
    // A person's message in the same turn does not make tool results a person's request.
    const fromPerson = new Set(p.personResults ?? []);
    this.set({ pending: null, status: "thinking", askedByPerson: p.order.every((id) => fromPerson.has(id)) });
    await this.d.wake(this.d.now());
  }

  private async endTurn(text: string | null, outcome: JobOutcome): Promise<void> {
    const job = this.s.job;
    if (job) {
      this.set({ status: "finished" });
      await this.d.onJobEnd(job, outcome);
      return;
    }
    if (text) await this.d.onReply(text);
    const inbox = this.d.store.takeInbox();
    if (inbox.length > 0 && outcome.ok) {
      this.appendUser(inbox.flat());
      this.set({ status: "thinking", askedByPerson: true });
      await this.d.wake(this.d.now());
      return;
    }
    for (const blocks of inbox) this.appendUser(blocks);
    this.set({ status: "idle" });
  }

  private async modelFailed(err: unknown): Promise<void> {
    if (err instanceof ModelCallRefused) {
      // Not a failure of the model: waiting and retrying would only ask again; the person is told why.
      this.d.store.addEntry("notice", err.message, { code: err.code });
      this.set({ modelFailures: 0 });
      if (!this.s.job) await this.d.onReply(err.message);
      await this.endTurn(null, { ok: false, code: err.code, message: err.message });
      return;
    }
    const status = typeof (err as { status?: unknown })?.status === "number" ? (err as { status: number }).status : null;
    const message = err instanceof Error ? err.message : String(err);
    const failures = this.s.modelFailures + 1;
    this.set({ modelFailures: failures });
    if ((status === null || RETRYABLE.has(status)) && failures <= this.d.limits.maxModelRetries) {
      const delay = Math.min(300_000, 5_000 * 2 ** (failures - 1));
      this.d.store.addEntry("notice", `the model is unavailable (${cut(message, 300)}); trying again in ${Math.round(delay / 1000)} s`, null);
      await this.d.wake(this.d.now() + delay);
      return;
    }
    this.d.store.addEntry("error", `the model call failed: ${cut(message, 1_000)}`, { status });
    this.set({ modelFailures: 0 });
    await this.endTurn(null, { ok: false, code: "model_failed", message: `the supervisor's model call failed: ${cut(message, 500)}` });
  }

  // ---- waits for tasks

  private async checkWaits(): Promise<void> {
    const p = this.s.pending;
    if (!p) return;
    const now = this.d.now();
    const results = { ...p.results };
    const still: PendingWait[] = [];
    for (const w of p.waits) {
      if (w.kind !== "task") {
        still.push(w);
        continue;
      }
      const { task, lastSeq } = await this.d.taskProgress(w.taskId);
      if (!task) {
        results[w.toolUseId] = { type: "tool_result", tool_use_id: w.toolUseId, content: `task ${w.taskId} no longer exists`, is_error: true };
      } else if (isTerminal(task.status)) {
        results[w.toolUseId] = { type: "tool_result", tool_use_id: w.toolUseId, content: JSON.stringify({ finished: taskView(task) }) };
        this.d.store.addEntry("tool_result", `task ${task.id} ${task.status}${task.result ? `: ${cut(task.result, 500)}` : ""}`, { name: "create_task", taskId: task.id });
      } else if (lastSeq > w.lastSeq) {
        still.push({ ...w, lastSeq, lastProgressAt: now });
      } else if (now - w.lastProgressAt >= w.timeoutMs) {
        const minutes = Math.round(w.timeoutMs / 60_000);
        results[w.toolUseId] = {
          type: "tool_result",
          tool_use_id: w.toolUseId,
          content: `task ${task.id} made no progress for ${minutes} min and is still ${task.status}; it was not cancelled — check it with get_task, answer its help requests, or cancel it`,
        };
      } else {
        still.push(w);
      }
    }
    // Anything may have changed while we awaited: merge into the current pending set.
    const current = this.s.pending;
    if (!current) return;
    const resolved = new Set(Object.keys(results));
    this.set({ pending: { ...current, results: { ...current.results, ...results }, waits: current.waits.flatMap((w) => (resolved.has(w.toolUseId) ? [] : [still.find((x) => x.toolUseId === w.toolUseId) ?? w])) } });
    if (this.s.pending!.waits.length === 0) {
      await this.flushPending();
      return;
    }
    const next = Math.min(...still.flatMap((w) => (w.kind === "task" ? [w.lastProgressAt + w.timeoutMs] : [])), now + this.d.limits.pollMs);
    await this.d.wake(next);
  }

  // ---- the stored conversation

  /** A note for the model with the next user turn (after its tool results, which must come first). */
  note(text: string): void {
    this.set({ notes: [...(this.s.notes ?? []), text].slice(-20) });
  }

  /** Appends to the trailing user turn if there is one (role alternation), else adds a user turn. */
  private appendUser(given: ContentBlockParam[]): void {
    const notes = this.s.notes ?? [];
    const blocks: ContentBlockParam[] = [...given, ...notes.map((text) => ({ type: "text" as const, text }))];
    if (notes.length > 0) this.set({ notes: [] });
    const turns = this.d.store.turns();
    const last = turns.at(-1);
    if (last?.role === "user") this.d.store.replaceLastTurn({ role: "user", content: [...last.content, ...blocks] });
    else this.d.store.appendTurn({ role: "user", content: blocks });
  }
}

/** The reply as it goes back into the conversation; never empty (the API refuses an empty assistant turn). */
function assistantContent(res: Message): ContentBlockParam[] {
  const out: ContentBlockParam[] = [];
  for (const b of res.content) {
    if (b.type === "text") {
      if (b.text.trim()) out.push({ type: "text", text: b.text });
    } else if (b.type === "tool_use") {
      out.push({ type: "tool_use", id: b.id, name: b.name, input: b.input });
    }
  }
  return out.length > 0 ? out : [{ type: "text", text: "(no reply)" }];
}

function resultText(content: string | Exclude<ToolResultBlockParam["content"], string | undefined>): string {
  if (typeof content === "string") return cut(content, 2_000);
  return cut(content.map((c) => (c.type === "text" ? c.text : `[${c.type}]`)).join("\n"), 2_000);
}

export type { Turn };
