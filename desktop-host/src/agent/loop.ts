import type Anthropic from "@anthropic-ai/sdk";
import { describePlaceholders, MAX_MESSAGE_CHARS, truncate } from "@deskfleet/protocol";
import type { BetaContentBlockParam, BetaToolResultBlockParam, BetaToolUseBlock } from "@anthropic-ai/sdk/resources/beta";
import type { AgentTool } from "@deskfleet/protocol";
import type { HelpOutcome, TaskContext, TaskOutcome } from "../task-runner.ts";
import type { DesktopComputerToolset } from "./computer-toolset.ts";
import type { Conversation, Turn } from "./conversation-store.ts";
import type { Desktop, Screenshot } from "./desktop.ts";
import { countImages, lastPrunedBlock, pruneImages, type BlockRef, type PruneOptions } from "./image-pruning.ts";
import { actionSignature, LoopDetector, type LoopDetectorOptions } from "./loop-detector.ts";
import { assistantTurn, callModel, rejectsComputerToolset, toBetaToolHistory, type ComputerToolMode } from "./model-request.ts";
import { addUsage, costOfUsage, ZERO_USAGE, type ModelPrice, type StepUsage } from "./pricing.ts";
import type { ContextStrategy } from "./prompt-cache.ts";
import { buildSystemPrompt } from "./system-prompt.ts";
import { actionEvent, assistantTextEvent } from "./action-event.ts";
import { dispatchToolUse, ScreenshotPublisher, summarize, toolRefusal } from "./tool-dispatch.ts";
import { openStartPage } from "./start-page.ts";
import { ASK_HUMAN_TOOL } from "./ask-human.ts";
import { MEMORY_SAVE_TOOL, MEMORY_SEARCH_TOOL } from "./memory-tools.ts";
import { briefingBlocks } from "./briefing.ts";
import { attachedImageBlocks } from "./attached-images.ts";
import type { TaskTools } from "../tools/toolbox.ts";
import { typeSecretTool, type TypeSecretDeps } from "./type-secret.ts";

// The computer-use loop for one run of a task: ask the model, act, report,
// until it answers without a tool call or a limit stops it.
//
// A hand-written loop over messages.create, not the SDK's tool runner: the
// runner (1.12) threads conversations server-side by default, sending only new
// messages, and would take pruning, breakpoint placement, loop warnings and
// follow-ups out of our hands. Here the full history stays on the host (an LRU
// per task, for resumes) and no `thread` is ever sent.

export type LoopSettings = {
  client: Anthropic;
  model: string;
  maxTokens: number;
  maxSteps: number;
  budgetUsd: number | null;
  price: ModelPrice;
  priceKnown: boolean;
  desktop: Desktop;
  toolset: DesktopComputerToolset;
  mode: ComputerToolMode;
  /** Switch to the beta tool when the API rejects the GA toolset. */
  allowFallback: boolean;
  onFallback: () => void;
  strategy: ContextStrategy;
  /** Null keeps every image (the reference demo's strategy). */
  prune: PruneOptions | null;
  /**
   * Attach a screenshot to the result of every action, as the computer-use
   * demo's tool does. Off for deskfleet: actions answer in words ("no change
   * was seen…") and the model asks for a screenshot when it wants one.
   */
  screenshotAfterActions: boolean;
  /** Send "unchanged" instead of an image identical to the newest one the model has. */
  dedupeScreenshots: boolean;
  loop: LoopDetectorOptions;
  maxRetries: number;
  helpTimeoutMs: number;
  systemPromptExtra?: string;
  /** Tools beyond the screen for this run (shell, files, browser, web, MCP), or null for the screen alone. */
  tools?: TaskTools | null;
  now: () => number;
};

type Stop = { code: string; message: string };

/** Tools that do not act on the screen: no screenshot after them, and they do not count towards a loop. */
const NOT_SCREEN_TOOLS = new Set(["ask_human", "memory_search", "memory_save"]);

export async function runLoop(ctx: TaskContext, conv: Conversation, s: LoopSettings): Promise<TaskOutcome> {
  const { signal, task } = ctx;
  const publisher = new ScreenshotPublisher({ dedupe: s.dedupeScreenshots });
  const detector = new LoopDetector(s.loop);
  // Limits hold across resumes, and across a host that lost the conversation (a restart):
  // what the control plane recorded, or this conversation's count if that is higher.
  let spent: StepUsage = { ...ZERO_USAGE, costUsd: task.spent?.costUsd ?? 0 };
  conv.steps = Math.max(conv.steps, task.spent?.steps ?? 0);
  let steps = conv.steps;
  let mode = s.mode;
  let lastText = "";
  // The tools this task may use: its agent's allow-list (absent: every tool this host has); memory needs a control plane to ask.
  const allowed: ReadonlySet<AgentTool> | null = task.tools ? new Set(task.tools) : null;
  const may = (t: AgentTool) => !allowed || allowed.has(t);
  const memory = may("memory") ? ctx.memory?.bind(ctx) : undefined;
  const offered = [...(may("ask_human") ? [ASK_HUMAN_TOOL] : []), ...(memory ? [MEMORY_SEARCH_TOOL, MEMORY_SAVE_TOOL] : [])];
  const promptTools: AgentTool[] = ["computer", ...(may("ask_human") ? ["ask_human"] : []), ...(may("type_secret") ? ["type_secret"] : []), ...(memory ? ["memory"] : [])];
  const system = buildSystemPrompt({
    desktop: s.desktop.info(),
    now: s.now(),
    profile: task.profile ?? null,
    tools: promptTools,
    ...(s.systemPromptExtra ? { extra: s.systemPromptExtra } : {}),
  });
  const failed = (stop: Stop): TaskOutcome => ({ status: "failed", error: stop });
  const cancelled = (): TaskOutcome => failed({ code: "cancelled", message: "The task was cancelled; held keys and mouse buttons were released." });
  const log = (level: "info" | "warn", message: string) => ctx.emit("log", { level, message: truncate(message, MAX_MESSAGE_CHARS) });

  if (!s.priceKnown) log("warn", `No price on file for model ${s.model}; costs and the budget use the highest known rates.`);
  if (mode === "beta") conv.messages = toBetaToolHistory(conv.messages);
  // type_secret is offered when the task has secrets in scope, or from the first secret answer on.
  const secretTool = typeSecretTool(task.secrets ?? []);
  if ((task.secrets ?? []).length > 0) conv.typeSecret = true;
  const askHuman = async (question: string, options?: string[], opts?: { secret?: boolean }) => {
    const outcome = await askWithTimeout(ctx, question, options, opts, s.helpTimeoutMs);
    if (outcome.status === "answered_secretly") conv.typeSecret = true;
    return outcome;
  };
  const typeSecret: TypeSecretDeps = {
    secretValue: (name) => ctx.secretValue(name),
    type: (text) => s.desktop.type(text),
    typed: (e) => ctx.emit("secret_typed", { ...e, step: conv.steps }),
  };

  try {
    const opening = conv.messages.length === 0;
    const followUps = [...(opening || task.resume ? task.followUps : []), ...ctx.takeFollowUps()].map((f) => f.text);
    if (opening) {
      conv.messages.push({ role: "user", content: await openingTurn(ctx, s.desktop, publisher, s.tools?.notes() ?? []) });
    } else if (followUps.length === 0 && lastMessageIsFinal(conv.messages)) {
      // A reassignment of a task this host already finished: nothing new to do.
      return { status: "completed", result: finalText(conv.messages) };
    }
    appendUserText(conv.messages, followUps);

    for (;;) {
      if (signal.aborted) return cancelled();
      // A person may hold the desktop (takeover): wait, then show the model what they left.
      const control = await untilAborted(ctx.whenInControl(), signal, async () => undefined).catch(() => null);
      if (signal.aborted || control === null) return cancelled();
      if (control.handedBack !== null) appendBlocks(conv.messages, await handBackBlocks(ctx, s.desktop, publisher, conv.steps, control.handedBack));
      appendUserText(conv.messages, ctx.takeFollowUps().map((f) => f.text));
      if (steps >= s.maxSteps) return failed({ code: "max_steps", message: `Stopped after ${steps} steps, the limit for this task (maxSteps ${s.maxSteps}).` });
      if (s.budgetUsd !== null && spent.costUsd >= s.budgetUsd) return failed(budgetStop(spent, s.budgetUsd));

      let anchors: BlockRef[] = [];
      if (s.prune) {
        const before = lastPrunedBlock(conv.messages);
        conv.messages = pruneImages(conv.messages, s.prune).messages;
        if (countImages(conv.messages) === 0) publisher.forget();
        const after = lastPrunedBlock(conv.messages);
        if (s.prune.anchors !== false) anchors = [before, after].filter((a, i, all): a is BlockRef => a !== null && (i === 0 || !sameBlock(a, all[0] ?? null)));
      }

      let message: Anthropic.Beta.Messages.BetaMessage;
      try {
        ({ message } = await callModel({
          client: s.client, model: s.model, maxTokens: s.maxTokens, system, messages: conv.messages, mode, toolset: s.toolset,
          tools: [...offered, ...(conv.typeSecret && may("type_secret") ? [secretTool] : []), ...(s.tools?.definitions() ?? [])],
          desktop: s.desktop, strategy: s.strategy, anchors, signal, maxRetries: s.maxRetries,
        }));
      } catch (error) {
        if (signal.aborted) return cancelled();
        if (mode === "toolset" && s.allowFallback && rejectsComputerToolset(error)) {
          mode = "beta";
          s.onFallback();
          conv.messages = toBetaToolHistory(conv.messages);
          log("warn", `The API rejected the computer toolset for ${s.model}; using the beta computer_20251124 tool instead.`);
          continue;
        }
        return failed({ code: "model_error", message: `The model call failed: ${error instanceof Error ? error.message : String(error)}` });
      }

      steps++;
      conv.steps++;
      const usage = costOfUsage(message.usage, s.price);
      spent = addUsage(spent, usage);
      ctx.emit("usage", { ...usage, step: conv.steps, model: message.model });

      const turn = assistantTurn(message.content);
      if (turn) conv.messages.push(turn);
      for (const b of message.content) {
        if (b.type === "text" && b.text.trim() !== "") {
          lastText = b.text;
          ctx.emit("assistant_text", assistantTextEvent(b.text, conv.steps));
        }
      }
      const toolUses = message.content.filter((b): b is BetaToolUseBlock => b.type === "tool_use");

      if (toolUses.length === 0) {
        const more = ctx.takeFollowUps().map((f) => f.text);
        if (more.length > 0 && turn) {
          conv.messages.push({ role: "user", content: more.map((text) => ({ type: "text", text: describePlaceholders(text) })) });
          continue;
        }
        if (message.stop_reason === "refusal") return failed({ code: "refused", message: lastText || "The model declined to continue this task." });
        return { status: "completed", result: lastText };
      }

      if (s.budgetUsd !== null && spent.costUsd >= s.budgetUsd) {
        conv.messages.push({ role: "user", content: toolUses.map((t) => notExecuted(t, "the task's budget ran out")) });
        return failed(budgetStop(spent, s.budgetUsd));
      }

      const results: BetaToolResultBlockParam[] = [];
      const warnings: string[] = [];
      let stop: Stop | null = null;
      let handedBack: string | null = null;
      for (const toolUse of toolUses) {
        if (stop || signal.aborted || handedBack !== null) {
          results.push(notExecuted(toolUse, signal.aborted ? "the task was cancelled" : handedBack !== null ? "a person took over the desktop before it ran; see the fresh screenshot" : "the task stopped"));
          continue;
        }
        const control = await untilAborted(ctx.whenInControl(), signal, async () => undefined).catch(() => null);
        if (control === null) {
          results.push(notExecuted(toolUse, "the task was cancelled"));
          continue;
        }
        if (control.handedBack !== null) {
          // The screen changed under the model's plan: do not replay actions chosen for the old screen.
          handedBack = control.handedBack;
          results.push(notExecuted(toolUse, "a person took over the desktop before it ran; see the fresh screenshot"));
          continue;
        }
        const { name, input } = describe(toolUse);
        // A host tool's own event (command, file_write, …) carries its input; the action names it.
        const hostTool = s.tools?.owns(name) === true;
        ctx.emit("action", actionEvent(name, hostTool ? {} : input, conv.steps));
        const refusal = toolRefusal(toolUse, allowed);
        if (refusal) {
          log("warn", `Refused a call to ${name}: this task's agent does not allow it; the model was told.`);
          ctx.emit("action_result", { ...summarize(refusal), step: conv.steps });
          results.push(refusal);
          continue;
        }
        const signature = actionSignature(name, input, s.desktop.fingerprint());
        let result: BetaToolResultBlockParam;
        try {
          result = await untilAborted(dispatchToolUse(toolUse, { toolset: s.toolset, mode, signal, askHuman, memory, typeSecret, tools: s.tools ?? null, step: conv.steps }), signal, () => s.desktop.releaseAll());
        } catch (error) {
          if (!signal.aborted) throw error;
          results.push(notExecuted(toolUse, "the task was cancelled"));
          continue;
        }
        if (s.screenshotAfterActions && !NOT_SCREEN_TOOLS.has(name) && !hostTool && !result.is_error && !hasImage(result)) result = withImage(result, await s.desktop.screenshot());
        result = await publisher.publish(result, ctx, conv.steps);
        ctx.emit("action_result", { ...summarize(result), step: conv.steps });
        results.push(result);
        if (NOT_SCREEN_TOOLS.has(name)) continue;
        const verdict = detector.record(signature, `${name} ${JSON.stringify(input)}`);
        if (verdict.kind === "warn") {
          warnings.push(verdict.message);
          log("warn", verdict.message);
        } else if (verdict.kind === "stop") {
          stop = { code: "stuck_in_loop", message: verdict.message };
        }
      }
      const content: BetaContentBlockParam[] = [...results, ...warnings.map((text) => ({ type: "text" as const, text }))];
      if (handedBack !== null && !signal.aborted) content.push(...(await handBackBlocks(ctx, s.desktop, publisher, conv.steps, handedBack)));
      conv.messages.push({ role: "user", content });
      if (signal.aborted) return cancelled();
      if (stop) return failed(stop);
    }
  } finally {
    await s.desktop.releaseAll().catch(() => undefined);
  }
}

/**
 * The first user turn: the task, what it starts with (memories, the previous
 * task on this desktop, notes from its tools), the start page opened for it,
 * and a screenshot so step one needs no screenshot call.
 */
async function openingTurn(ctx: TaskContext, desktop: Desktop, publisher: ScreenshotPublisher, notes: readonly string[]): Promise<BetaContentBlockParam[]> {
  // `{{secret:name}}` placeholders are never expanded: the model reads a pointer to type_secret instead.
  const content: BetaContentBlockParam[] = [{ type: "text", text: describePlaceholders(ctx.task.prompt) }];
  if (notes.length > 0) content.push({ type: "text", text: notes.join("\n") });
  content.push(...(await attachedImageBlocks(ctx)));
  const briefing = ctx.task.briefing;
  // The previous task's last screen is worth sending only if the screen has changed since.
  const screenBefore = briefing?.previous?.screenshot ? (await desktop.screenshot()).png : null;
  if (briefing) content.push(...briefingBlocks(briefing, screenBefore));
  const url = ctx.task.options.startUrl;
  if (url) {
    await openStartPage(ctx, desktop, url);
    content.push({ type: "text", text: `The browser was asked to open ${url} before you started.` });
  }
  content.push(...(await screenNow(ctx, desktop, publisher, 0)));
  return content;
}

/** A fresh screenshot as the model sees it, published as a `screenshot` event. */
async function screenNow(ctx: TaskContext, desktop: Desktop, publisher: ScreenshotPublisher, step: number): Promise<BetaContentBlockParam[]> {
  const shot = await desktop.screenshot();
  const data = Buffer.from(shot.png).toString("base64");
  await publisher.publishImage(data, ctx, step);
  return [{ type: "text", text: "The screen now:" }, { type: "image", source: { type: "base64", media_type: "image/png", data } }];
}

/** What the model is told after a person took over the desktop and handed it back. */
async function handBackBlocks(ctx: TaskContext, desktop: Desktop, publisher: ScreenshotPublisher, step: number, note: string): Promise<BetaContentBlockParam[]> {
  ctx.emit("log", { level: "info", message: "resuming after a person handed the desktop back" });
  const text = `A person took over the desktop and has handed it back to you${note.trim() ? ` with this note: ${note.trim()}` : ""}. The screen may have changed; continue from what you see now.`;
  return [{ type: "text", text }, ...(await screenNow(ctx, desktop, publisher, step))];
}

function sameBlock(a: BlockRef, b: BlockRef | null): boolean {
  return b !== null && a.message === b.message && a.block === b.block;
}

function hasImage(result: BetaToolResultBlockParam): boolean {
  return Array.isArray(result.content) && result.content.some((b) => b.type === "image");
}

/** The result with a screenshot after its words, as the demo's tool answers every action. */
function withImage(result: BetaToolResultBlockParam, shot: Screenshot): BetaToolResultBlockParam {
  const words = typeof result.content === "string" ? [{ type: "text" as const, text: result.content }] : (result.content ?? []);
  const image = { type: "image" as const, source: { type: "base64" as const, media_type: "image/png" as const, data: Buffer.from(shot.png).toString("base64") } };
  return { ...result, content: [...words, image] };
}

/** Adds blocks to the pending user turn, or starts one after an assistant turn. */
function appendBlocks(messages: Turn[], blocks: BetaContentBlockParam[]): void {
  const last = messages[messages.length - 1];
  if (last?.role === "user" && Array.isArray(last.content)) last.content = [...last.content, ...blocks];
  else messages.push({ role: "user", content: blocks });
}

/** Adds text to the pending user turn, or starts one after an assistant turn (a follow-up's `{{secret:…}}` shown as a pointer too). */
function appendUserText(messages: Turn[], texts: readonly string[]): void {
  if (texts.length === 0) return;
  const blocks = texts.filter((t) => t.trim() !== "").map((text) => ({ type: "text" as const, text: describePlaceholders(text) }));
  if (blocks.length === 0) return;
  const last = messages[messages.length - 1];
  if (last?.role === "user" && Array.isArray(last.content)) last.content = [...last.content, ...blocks];
  else messages.push({ role: "user", content: blocks });
}

function lastMessageIsFinal(messages: readonly Turn[]): boolean {
  const last = messages[messages.length - 1];
  return last?.role === "assistant" && Array.isArray(last.content) && !last.content.some((b) => b.type === "tool_use");
}

function finalText(messages: readonly Turn[]): string {
  const last = messages[messages.length - 1];
  if (!last || !Array.isArray(last.content)) return "";
  return last.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n");
}

function describe(toolUse: BetaToolUseBlock): { name: string; input: Record<string, unknown> } {
  const input = (toolUse.input ?? {}) as Record<string, unknown>;
  const toolsetName = (toolUse as { toolset_name?: string | null }).toolset_name;
  if (!toolsetName && toolUse.name === "computer" && typeof input["action"] === "string") {
    const { action, ...rest } = input;
    return { name: action as string, input: rest };
  }
  return { name: toolUse.name, input };
}

function notExecuted(toolUse: BetaToolUseBlock, why: string): BetaToolResultBlockParam {
  const toolsetName = (toolUse as { toolset_name?: string | null }).toolset_name;
  return { type: "tool_result", tool_use_id: toolUse.id, is_error: true, content: `Not executed: ${why}.`, ...(toolsetName ? { toolset_name: toolsetName } : {}) };
}

function budgetStop(spent: StepUsage, budget: number): Stop {
  return { code: "budget_exceeded", message: `Stopped: the task spent $${spent.costUsd.toFixed(4)} of its $${budget.toFixed(2)} budget.` };
}

/**
 * Waits for `work` unless the signal aborts first. An aborted action may still be
 * settling; once it ends, `cleanup` runs again so nothing it pressed stays held.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal, cleanup: () => Promise<void>): Promise<T> {
  if (signal.aborted) {
    void work.catch(() => undefined).finally(() => cleanup().catch(() => undefined));
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      void work.catch(() => undefined).finally(() => cleanup().catch(() => undefined));
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => { signal.removeEventListener("abort", onAbort); resolve(v); },
      (e: unknown) => { signal.removeEventListener("abort", onAbort); reject(e); },
    );
  });
}

/** ctx.askHuman with our own backstop timeout, so a lost help request cannot hang the task. */
async function askWithTimeout(ctx: TaskContext, question: string, options: string[] | undefined, opts: { secret?: boolean } | undefined, timeoutMs: number): Promise<HelpOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<HelpOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ status: "timed_out", answer: null }), timeoutMs);
  });
  try {
    return await Promise.race([ctx.askHuman(question, options, opts), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
