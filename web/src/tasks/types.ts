import type { Task } from "@deskfleet/protocol";

/** The protocol's task: what the API returns and what the live feed carries. */
export type { Task };
export type TaskStatus = Task["status"];
export type Usage = Task["usage"];

/** Of two copies of a task (a GET racing the live feed), the one TaskDO wrote last. */
export function newerTask(current: Task | null, next: Task): Task {
  return current && current.id === next.id && current.updatedAt > next.updatedAt ? current : next;
}

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
export const taskFileUrl = (taskId: string, fileId: string): string => `/api/tasks/${encodeURIComponent(taskId)}/files/${encodeURIComponent(fileId)}`;
