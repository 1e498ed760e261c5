import type { Task } from "@deskfleet/protocol";
import { runsOnSupervisor } from "@deskfleet/protocol";

export const DEFAULT_MAX_HEALING_RETRIES = 2;

export type HealingDecision =
  | { heal: true; rootTaskId: string; nextRetryNumber: number }
  | { heal: false; reason: "not_failed" | "supervisor_task" | "disabled_by_task" | "disabled_by_schedule" | "disabled_by_default" | "max_retries"; detail: string };

export type HealingInput = {
  task: Pick<Task, "id" | "status" | "source" | "options" | "retryNumber" | "originalTaskId" | "error">;
  /** The schedule's `selfHealing` when the task came from a schedule (null: the schedule leaves it to the default). */
  scheduleSelfHealing: boolean | null;
  env: { DESKFLEET_SELF_HEALING?: string; DESKFLEET_SELF_HEALING_MAX_RETRIES?: string };
};

/** `DESKFLEET_SELF_HEALING`: on unless it says otherwise. */
export function selfHealingDefault(value: string | undefined): boolean {
  return !/^(false|0|off|no)$/i.test((value ?? "").trim());
}

/** `DESKFLEET_SELF_HEALING_MAX_RETRIES`: a whole number ≥ 0 (0 turns retries off); anything else is the default. */
export function maxHealingRetries(value: string | undefined): number {
  const n = Number((value ?? "").trim());
  return value !== undefined && value.trim() !== "" && Number.isInteger(n) && n >= 0 ? n : DEFAULT_MAX_HEALING_RETRIES;
}

/**
 * Whether a finished task gets a healer: only a failure (a cancel is a
 * person's decision), never of a task the supervisor itself executes (a
 * healer healing healers would loop), decided by the task's flag, then its
 * schedule's, then the deployment's default, while the chain has retries left.
 */
export function decideHealing({ task, scheduleSelfHealing, env }: HealingInput): HealingDecision {
  if (task.status !== "failed") return { heal: false, reason: "not_failed", detail: `the task is ${task.status}` };
  if (runsOnSupervisor(task.source)) return { heal: false, reason: "supervisor_task", detail: `a ${task.source} task is never healed` };
  const flag = task.options.selfHealing ?? scheduleSelfHealing ?? selfHealingDefault(env.DESKFLEET_SELF_HEALING);
  if (!flag) {
    const reason = task.options.selfHealing === false ? "disabled_by_task" : scheduleSelfHealing === false ? "disabled_by_schedule" : "disabled_by_default";
    return { heal: false, reason, detail: "self-healing is off for this task" };
  }
  const max = maxHealingRetries(env.DESKFLEET_SELF_HEALING_MAX_RETRIES);
  if (task.retryNumber >= max) {
    return { heal: false, reason: "max_retries", detail: `the chain has used its ${max} ${max === 1 ? "retry" : "retries"}` };
  }
  return { heal: true, rootTaskId: task.originalTaskId ?? task.id, nextRetryNumber: task.retryNumber + 1 };
}
