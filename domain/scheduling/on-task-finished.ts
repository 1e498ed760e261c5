import type { Task } from "@deskfleet/protocol";
import { isTerminal } from "@deskfleet/protocol";
import { recordRun } from "../../db/schedules.ts";

/**
 * Called by TaskDO when a scheduled task reaches a terminal state, so the
 * schedule's `lastStatus` shows how its last run ended. Never throws: a
 * schedule's bookkeeping must not break the task's own state change.
 */
export async function onScheduledTaskFinished(env: Env, task: Task): Promise<void> {
  if (!task.scheduleId || !isTerminal(task.status)) return;
  try {
    await recordRun(env.DB, task.scheduleId, task.id, task.status, true);
  } catch (err) {
    console.error("schedule last-status update failed", task.scheduleId, task.id, err instanceof Error ? err.message : String(err));
  }
}
