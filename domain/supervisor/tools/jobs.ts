import { z } from "zod";
import { DesktopId, Label, type HealerRetryMeta, type Task } from "@deskfleet/protocol";
import { createTask } from "../../tasks/create-task.ts";
import { savePromptVersion } from "../../scheduling/schedule-service.ts";
import { getSchedule } from "../../../db/schedules.ts";
import { ApiError, conflict } from "../../api-error.ts";
import { requireTask, taskView } from "./tasks.ts";
import { json, tool, type JobState, type ToolContext, type WriteEffect } from "./tool.ts";

function jobOf(ctx: ToolContext, kind: "heal" | "learn") {
  if (ctx.job?.kind !== kind) throw new ApiError(409, "wrong_conversation", "this tool only works in the conversation of its healer or optimizer task");
  return ctx.job;
}

const metaString = (meta: Record<string, unknown> | null, key: string): string => {
  const v = meta?.[key];
  if (typeof v !== "string") throw new ApiError(500, "bad_job", `the job's task has no ${key}`);
  return v;
};

/** A job proposes its one write at most once, like it makes it at most once. */
function alreadyProposed(job: JobState, tool: string): string | null {
  return job.proposals?.find((p) => p.tool === tool)?.id ?? null;
}

async function failedTaskOf(ctx: ToolContext, job: JobState): Promise<{ healer: Task; failed: Task }> {
  const healer = await requireTask(ctx.env, job.taskId);
  const failed = await requireTask(ctx.env, metaString(healer.sourceMeta, "failedTaskId"));
  return { healer, failed };
}

const RetryInput = z
  .strictObject({
    prompt: z.string().trim().min(1).max(50_000).describe("The full improved prompt for the computer-use agent"),
    reason: z.string().trim().min(1).max(1_000).describe("What went wrong and what the new prompt changes"),
    desktopId: DesktopId.optional().describe("Run the retry on this desktop instead of the failed task's target; a person must approve that"),
    labels: z.array(Label).max(32).optional().describe("Or on any desktop with these labels instead; a person must approve that"),
  })
  .refine((b) => !(b.desktopId && b.labels?.length), { message: "give either desktopId or labels, not both" });

/** Healer: start the failed task again with a better prompt, as the next link of its chain. */
export const retryTask = tool({
  name: "retry_task",
  description:
    "Run the failed task again on the same desktop or labels with an improved prompt (say exactly what to do differently, e.g. wait for the page, dismiss the dialog first). Call it at most once; then end with a short summary. A retry on another target (desktopId or labels) waits for a person's approval.",
  input: RetryInput,
  effect: async (ctx, { desktopId, labels }): Promise<WriteEffect> => {
    const job = jobOf(ctx, "heal");
    const proposed = alreadyProposed(job, "retry_task");
    if (job.retryTaskId || proposed) throw conflict("already_retried", `this failure was already ${job.retryTaskId ? `retried as task ${job.retryTaskId}` : `proposed for a retry (${proposed})`}; end with your summary`);
    const { failed } = await failedTaskOf(ctx, job);
    const sameTarget = (desktopId === undefined || desktopId === failed.target.desktopId) && (labels === undefined || sameLabels(labels, failed.target.labels));
    return { class: "tasks", ownRetry: sameTarget };
  },
  run: async (ctx, { prompt, reason, desktopId, labels }) => {
    const job = jobOf(ctx, "heal");
    if (job.retryTaskId) throw conflict("already_retried", `this failure was already retried as task ${job.retryTaskId}; end with your summary`);
    const { healer, failed } = await failedTaskOf(ctx, job);
    const meta: HealerRetryMeta = {
      retryOf: failed.id,
      healerTaskId: healer.id,
      reason,
      ...(ctx.approval ? { proposalId: ctx.approval.proposalId, approvedBy: ctx.approval.by } : {}),
    };
    const other = desktopId !== undefined || labels !== undefined;
    const retry = await createTask(ctx.env, {
      prompt,
      desktopId: other ? (desktopId ?? null) : failed.target.desktopId,
      labels: other ? (labels ?? []) : failed.target.labels,
      priority: failed.priority,
      options: failed.options,
      agent: failed.agent,
      // The retry is the same kind of work as the failure (a scheduled run stays one), so it can itself be healed.
      source: failed.source,
      sourceMeta: { ...(failed.sourceMeta ?? {}), ...meta },
      scheduleId: failed.scheduleId,
      originalTaskId: failed.originalTaskId ?? failed.id,
      retryNumber: failed.retryNumber + 1,
    });
    job.retryTaskId = retry.id;
    job.summary = reason;
    return json({ retry: taskView(retry) });
  },
});

const sameLabels = (a: string[], b: string[]) => a.length === b.length && a.every((l) => b.includes(l));

const SaveInput = z.strictObject({
  prompt: z.string().trim().min(1).max(50_000),
  reason: z.string().trim().min(1).max(500).describe("What changed and why, in a sentence"),
});

/** The schedule the optimizer improves, and the prompt version its run used. */
async function learningTarget(ctx: ToolContext, job: JobState) {
  const optimizer = await requireTask(ctx.env, job.taskId);
  const scheduleId = metaString(optimizer.sourceMeta, "scheduleId");
  const basedOn = optimizer.sourceMeta?.["promptVersion"];
  const current = await getSchedule(ctx.env.DB, scheduleId);
  if (!current) throw new ApiError(404, "not_found", `schedule ${scheduleId} was deleted; nothing to improve`);
  if (typeof basedOn !== "number") throw new ApiError(500, "bad_job", "the optimizer task does not say which prompt version it improves");
  return { scheduleId, basedOn, current };
}

/** Optimizer: keep a better prompt for the schedule's next runs. */
export const savePrompt = tool({
  name: "save_prompt_version",
  description:
    "Save an improved prompt for the schedule as a new prompt version (used from its next run on). Fold in what the run learned: answers people gave, where things are, steps that were missing. Keep the task's intent. Call at most once. Unless the schedule applies rewrites automatically, it waits for a person's approval.",
  input: SaveInput,
  effect: async (ctx, { prompt }): Promise<WriteEffect> => {
    const job = jobOf(ctx, "learn");
    const proposed = alreadyProposed(job, "save_prompt_version");
    if (job.savedPromptVersion !== null || proposed) {
      throw conflict("already_saved", `${job.savedPromptVersion !== null ? `prompt v${job.savedPromptVersion} was already saved` : `a new prompt was already proposed (${proposed})`}; end with your summary`);
    }
    const { current } = await learningTarget(ctx, job);
    if (prompt === current.prompt) throw new ApiError(422, "unchanged", "that is the current prompt; if it needs no change, end with why");
    return { class: "prompt_rewrites", autoApply: current.selfLearning && current.selfLearningMode === "auto", diff: { before: current.prompt, after: prompt } };
  },
  run: async (ctx, { prompt, reason }) => {
    const job = jobOf(ctx, "learn");
    if (job.savedPromptVersion !== null) throw conflict("already_saved", `prompt v${job.savedPromptVersion} was already saved; end with your summary`);
    const { scheduleId, basedOn, current } = await learningTarget(ctx, job);
    if (prompt === current.prompt) throw new ApiError(422, "unchanged", "that is the current prompt; if it needs no change, end with why");
    const author = ctx.approval ? `optimizer (approved by ${ctx.approval.by})` : "optimizer";
    const saved = await savePromptVersion(ctx.env, scheduleId, basedOn, prompt, author, reason);
    if (!saved) throw conflict("prompt_changed", `the schedule's prompt changed meanwhile (it is at v${current.promptVersion}, this run used v${basedOn}); nothing was saved — end and explain`);
    job.savedPromptVersion = saved.promptVersion;
    job.summary = reason;
    return json({ saved: { scheduleId, promptVersion: saved.promptVersion } });
  },
});
