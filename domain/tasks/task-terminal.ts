import type { Task } from "@deskfleet/protocol";
import { onScheduledTaskFinished } from "../scheduling/on-task-finished.ts";
import { onTaskFinished } from "../supervisor/on-task-finished.ts";
import { notifyTaskFinished } from "../notifications/task-finished.ts";

/**
 * Everything that follows the end of a task, in one place: the schedule's last
 * status, the supervisor (healing, learning, a conversation waiting for it) and
 * notifications. Each step is idempotent and never throws, because TaskDO
 * re-runs this from an alarm if it was interrupted.
 */
export async function onTaskTerminal(env: Env, task: Task, background: (work: Promise<unknown>) => void): Promise<void> {
  await onScheduledTaskFinished(env, task);
  await onTaskFinished(env, task);
  // Telegram's response time must never hold up the task's own state change.
  background(notifyTaskFinished(env, task));
}
