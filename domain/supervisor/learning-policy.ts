import type { Task } from "@deskfleet/protocol";
import { runsOnSupervisor } from "@deskfleet/protocol";

export type LearningSchedule = { selfLearning: boolean; learningRuns: number; maxLearningRuns: number; promptVersion: number };

export type LearningDecision =
  | { learn: true; promptVersion: number }
  | { learn: false; reason: "not_completed" | "not_scheduled" | "supervisor_task" | "off" | "max_learning_runs" | "prompt_changed"; detail: string };

/**
 * Whether a finished run gets an optimizer: a completed run of a schedule with
 * self-learning on, while it has learning runs left, and only when the run
 * used the schedule's current prompt (a newer prompt would be overwritten by
 * an improvement of an older one).
 */
export function decideLearning(task: Pick<Task, "status" | "source" | "scheduleId" | "sourceMeta">, schedule: LearningSchedule | null): LearningDecision {
  if (task.status !== "completed") return { learn: false, reason: "not_completed", detail: `the task is ${task.status}` };
  if (runsOnSupervisor(task.source)) return { learn: false, reason: "supervisor_task", detail: `a ${task.source} task is never learned from` };
  if (!task.scheduleId || !schedule) return { learn: false, reason: "not_scheduled", detail: "only scheduled runs are learned from" };
  if (!schedule.selfLearning) return { learn: false, reason: "off", detail: "self-learning is off for this schedule" };
  if (schedule.learningRuns >= schedule.maxLearningRuns) {
    return { learn: false, reason: "max_learning_runs", detail: `the schedule has used its ${schedule.maxLearningRuns} learning runs` };
  }
  const used = task.sourceMeta?.["promptVersion"];
  if (typeof used === "number" && used !== schedule.promptVersion) {
    return { learn: false, reason: "prompt_changed", detail: `the run used prompt v${used}; the schedule is at v${schedule.promptVersion} now` };
  }
  return { learn: true, promptVersion: schedule.promptVersion };
}
