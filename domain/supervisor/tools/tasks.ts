import { z } from "zod";
import { AgentName, ContinueFrom, DesktopId, Label, TaskId, TaskOptions, TaskStatus, type Task } from "@deskfleet/protocol";
import { createTask } from "../../tasks/create-task.ts";
import { getTaskRow, listTasks, toTask } from "../../../db/tasks.ts";
import { lastEvents } from "../../../db/task-chains.ts";
import { taskObject } from "../../addresses.ts";
import { ApiError, notFound, unwrap } from "../../api-error.ts";
import { cut } from "../conversation-window.ts";
import { latestScreenshot, screenshotImage } from "./screenshots.ts";
import { iso, json, tool } from "./tool.ts";
import { attachToTask, conversationFiles } from "./task-attachments.ts";

export const DEFAULT_WAIT_MINUTES = 10;

/** A task as the model sees it, with times in ISO (easier for it to read than epoch ms). */
export function taskView(t: Task) {
  return {
    id: t.id,
    status: t.status,
    prompt: cut(t.prompt, 1_000),
    desktopId: t.desktopId,
    agent: t.agent,
    target: t.target,
    source: t.source,
    scheduleId: t.scheduleId,
    originalTaskId: t.originalTaskId,
    retryNumber: t.retryNumber,
    result: t.result === null ? null : cut(t.result, 4_000),
    error: t.error,
    steps: t.steps,
    costUsd: t.usage.costUsd,
    createdAt: iso(t.createdAt),
    finishedAt: iso(t.finishedAt),
  };
}

export async function requireTask(env: Env, id: string): Promise<Task> {
  const row = await getTaskRow(env.DB, id);
  if (!row) throw notFound("task", id);
  return toTask(row);
}

const CreateTaskInput = z
  .strictObject({
    prompt: z.string().trim().min(1).max(50_000).describe("What the computer-use agent should do, complete and unambiguous"),
    desktopId: DesktopId.optional().describe("Run on this desktop"),
    labels: z.array(Label).max(32).optional().describe("Or run on any desktop with all these labels"),
    agent: z
      .union([AgentName, z.literal("auto")])
      .optional()
      .describe("The agent to run it (see list_agents); `auto` picks the one whose description fits the prompt; leave out for no agent"),
    continueFrom: ContinueFrom.optional().describe("`last`: the task starts with a summary of the previous task on its desktop"),
    startUrl: TaskOptions.shape.startUrl,
    maxSteps: TaskOptions.shape.maxSteps,
    env: TaskOptions.shape.env.describe('Shell variables from the vault, e.g. {"GITHUB_TOKEN": "secret:github"} (names of secrets, never values; the task needs the shell)'),
    priority: z.number().int().min(-100).max(100).optional(),
    attachments: z
      .array(z.string().regex(/^att_[a-z0-9]{10,40}$/))
      .min(1)
      .max(20)
      .optional()
      .describe("Files people sent in this conversation (their att_… ids) to give the task: they land in its folder, and images are shown to its agent"),
    wait: z.boolean().optional().describe("Wait for the task to finish and get its result (default false)"),
    waitMinutes: z
      .number()
      .int()
      .min(1)
      .max(120)
      .optional()
      .describe(`Stop waiting after this many minutes without any progress from the task (default ${DEFAULT_WAIT_MINUTES}); a task that keeps working is waited for`),
  })
  .refine((b) => !(b.desktopId && b.labels?.length), { message: "give either desktopId or labels, not both" });

export const taskTools = [
  tool({
    name: "create_task",
    description:
      "Start a computer-use task on a desktop (desktopId), on any desktop with the given labels, or on any desktop. With wait=true you get the task's result when it finishes (or a note when it stops making progress).",
    input: CreateTaskInput,
    effect: { class: "tasks" },
    run: async (ctx, b) => {
      // Read first: an unknown id refuses the call before any task exists.
      const files = b.attachments ? await conversationFiles(ctx.env, ctx.conversationId, b.attachments) : [];
      const task = await createTask(ctx.env, {
        prompt: b.prompt,
        desktopId: b.desktopId ?? null,
        labels: b.labels ?? [],
        priority: b.priority ?? 0,
        options: {
          ...(b.startUrl ? { startUrl: b.startUrl } : {}),
          ...(b.maxSteps ? { maxSteps: b.maxSteps } : {}),
          ...(b.continueFrom ? { continueFrom: b.continueFrom } : {}),
          ...(b.env ? { env: b.env } : {}),
          ...(files.length ? { attachments: files.length } : {}),
        },
        agent: b.agent ?? null,
        source: "supervisor",
        sourceMeta: { conversationId: ctx.conversationId, ...(ctx.approval ? { proposalId: ctx.approval.proposalId, approvedBy: ctx.approval.by } : {}) },
      });
      if (files.length) await attachToTask(ctx.env, task.id, files, "supervisor");
      if (b.wait) return { wait: { kind: "task", taskId: task.id, timeoutMs: (b.waitMinutes ?? DEFAULT_WAIT_MINUTES) * 60_000 } };
      return json({ created: taskView(task), ...(files.length ? { attachments: files.map((f) => f.name) } : {}) });
    },
  }),
  tool({
    name: "get_task",
    description: "One task: status, result or error, and its latest events (what the agent said and did).",
    input: z.strictObject({ taskId: TaskId, events: z.number().int().min(0).max(50).optional().describe("How many of the latest events to include (default 10)") }),
    effect: "read",
    run: async (ctx, { taskId, events }) => {
      const task = await requireTask(ctx.env, taskId);
      const latest = await lastEvents(ctx.env.DB, taskId, events ?? 10);
      return json({ task: taskView(task), latestEvents: latest.map((e) => ({ seq: e.seq, kind: e.kind, at: iso(e.at), data: cut(JSON.stringify(e.data), 500) })) });
    },
  }),
  tool({
    name: "search_tasks",
    description: "Find tasks, newest first: full-text `query` over prompts, results, errors and questions, and/or filters.",
    input: z.strictObject({
      query: z.string().trim().min(1).max(200).optional(),
      status: TaskStatus.optional(),
      desktopId: DesktopId.optional(),
      scheduleId: z.string().max(64).optional(),
      limit: z.number().int().min(1).max(50).optional(),
    }),
    effect: "read",
    run: async (ctx, f) => {
      const page = await listTasks(ctx.env.DB, { q: f.query, status: f.status, desktopId: f.desktopId, scheduleId: f.scheduleId, limit: f.limit ?? 10 });
      return json({ tasks: page.items.map((r) => taskView(toTask(r))), more: page.nextCursor !== null });
    },
  }),
  tool({
    name: "cancel_task",
    description: "Cancel a queued or running task; its agent stops.",
    input: z.strictObject({ taskId: TaskId, reason: z.string().trim().max(500).optional() }),
    effect: { class: "tasks" },
    run: async (ctx, { taskId, reason }) => {
      await requireTask(ctx.env, taskId);
      unwrap(await taskObject(ctx.env, taskId).cancel(ctx.actor, reason));
      return json({ cancelled: taskView(await requireTask(ctx.env, taskId)) });
    },
  }),
  tool({
    name: "get_task_screenshot",
    description: "The latest screenshot a task's agent took (the image), to see where it is or why it failed.",
    input: z.strictObject({ taskId: TaskId }),
    effect: "read",
    run: async (ctx, { taskId }) => {
      await requireTask(ctx.env, taskId);
      const shot = await latestScreenshot(ctx.env, taskId);
      if (!shot) throw new ApiError(404, "no_screenshot", `task ${taskId} has no screenshot yet`);
      return { content: [{ type: "text", text: `latest screenshot of task ${taskId} (${shot.name})` }, await screenshotImage(ctx.env, shot.key)] };
    },
  }),
];
