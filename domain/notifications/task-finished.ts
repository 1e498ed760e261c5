import type { Task } from "@deskfleet/protocol";
import { getSchedule } from "../../db/schedules.ts";
import { lastScreenshotKey } from "../../db/task-screenshots.ts";
import { blank, bold, code, line, paragraph, type RichLine } from "../channels/rich-text.ts";
import { notifierFor } from "./default-notifier.ts";
import type { Notification } from "./notifier.ts";

import { longTextAsFile } from "../channels/long-text.ts";

/** Telegram's message limit: the strictest chat channel's, so a result too long for three messages goes as a file everywhere. */
const MESSAGE_LIMIT = 4_096;

async function screenshotOf(env: Env, taskId: string): Promise<Uint8Array | null> {
  const key = await lastScreenshotKey(env.DB, taskId);
  const obj = key ? await env.SCREENSHOTS.get(key) : null;
  return obj ? new Uint8Array(await obj.arrayBuffer()) : null;
}

export async function taskFinishedNotification(env: Env, task: Task): Promise<Notification> {
  const ok = task.status === "completed";
  const schedule = task.scheduleId ? await getSchedule(env.DB, task.scheduleId) : null;
  const what = schedule ? `Scheduled run of “${schedule.name}”` : "Task";
  const title = `${ok ? "✅" : "❌"} ${what} ${ok ? "completed" : "failed"}`;
  const outcome = ok ? (task.result ?? "(no final message)") : `${task.error?.message ?? "unknown error"}${task.error ? ` (${task.error.code})` : ""}`;
  const long = longTextAsFile(outcome, MESSAGE_LIMIT, `${task.id}-${ok ? "result" : "error"}.txt`);
  const lines: RichLine[] = [
    line(bold(title)),
    line(code(task.id), task.desktopId ? ` on ${task.desktopId}` : "", ` · ${task.steps} steps`),
    line("Prompt: ", task.prompt.length > 300 ? `${task.prompt.slice(0, 299)}…` : task.prompt),
    blank,
    ...paragraph(long ? long.lead : outcome),
  ];
  return {
    level: ok ? "success" : "error",
    title,
    body: outcome.length > 500 ? `${outcome.slice(0, 499)}…` : outcome,
    lines,
    taskId: task.id,
    photo: await screenshotOf(env, task.id),
    ...(long ? { file: long.file } : {}),
    origin: { source: task.source, sourceMeta: task.sourceMeta },
  };
}

/**
 * TaskDO calls this when a task reaches a terminal status. Completed and failed tasks with
 * `options.notify` (scheduled runs carry their schedule's flag) are announced on every channel,
 * with the final message and the last screenshot. Never throws: telling people must not break
 * the task's own state change.
 */
export async function notifyTaskFinished(env: Env, task: Task): Promise<void> {
  if (!task.options.notify || (task.status !== "completed" && task.status !== "failed")) return;
  try {
    await notifierFor(env).notify(await taskFinishedNotification(env, task));
  } catch (err) {
    console.error("task-finished notification failed", task.id, err instanceof Error ? err.message : String(err));
  }
}
