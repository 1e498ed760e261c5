import type { InferResponseType } from "hono/client";
import type { api } from "../api/client.ts";

export type Task = InferResponseType<(typeof api.tasks)[":id"]["$get"], 200>;
export type TaskStatus = Task["status"];
export type Usage = Task["usage"];

export const TERMINAL: readonly TaskStatus[] = ["completed", "failed", "cancelled"];
export const isFinished = (s: TaskStatus): boolean => TERMINAL.includes(s);

/** The screenshot URL for a task (same origin, so the session cookie authorizes it). */
export const screenshotUrl = (taskId: string, name: string): string => `/api/tasks/${encodeURIComponent(taskId)}/screenshots/${encodeURIComponent(name)}`;

/** Where a task runs or was asked to run: `mac-studio`, `labels office, chrome`, or `any desktop`. */
export function targetText(task: Task): string {
  if (task.desktopId) return task.desktopId;
  if (task.target.desktopId) return task.target.desktopId;
  if (task.target.labels.length > 0) return `labels ${task.target.labels.join(", ")}`;
  return "any desktop";
}
