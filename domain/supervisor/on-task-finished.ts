import type { Task } from "@deskfleet/protocol";

import { createTask } from "../tasks/create-task.ts";
import { getSchedule } from "../../db/schedules.ts";
import { hasHealer } from "../../db/task-chains.ts";
import { claimLearningRun } from "../../db/learning-runs.ts";
import { supervisorObject } from "../addresses.ts";
import { decideHealing } from "./healing-policy.ts";
import { decideLearning } from "./learning-policy.ts";
import { supervisorConfigured } from "./model-client.ts";

/**
 * TaskDO calls this when any task reaches a terminal state: start a healer
 * for a failure, an optimizer for a completed scheduled run, and wake a
 * supervisor conversation waiting for the task. Healing and learning need
 * the supervisor configured (ANTHROPIC_API_KEY). Never throws: follow-up work
 * must not break the task's own state change.
 */
export async function onTaskFinished(env: Env, task: Task): Promise<void> {
  if (supervisorConfigured(env)) {
    await guarded("healing", task, () => maybeHeal(env, task));
    await guarded("learning", task, () => maybeLearn(env, task));
  }
  await guarded("waking the supervisor", task, () => wakeWaiter(env, task));
}

async function guarded(what: string, task: Task, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    console.error(`supervisor hook: ${what} for ${task.id} failed`, err instanceof Error ? (err.stack ?? err.message) : String(err));
  }
}

async function maybeHeal(env: Env, task: Task): Promise<void> {
  if (task.status !== "failed") return;
  const schedule = task.scheduleId ? await getSchedule(env.DB, task.scheduleId) : null;
  const decision = decideHealing({ task, scheduleSelfHealing: schedule?.selfHealing ?? null, env });
  if (!decision.heal || (await hasHealer(env.DB, task.id))) return;
  // The healer is part of the chain (originalTaskId) but not a run of the schedule: its own finish must not become the schedule's last status.
  await createTask(env, {
    prompt: `Self-healing: find out why task ${task.id} failed, then retry it with a better prompt or explain why it cannot be recovered.`,
    options: {},
    source: "healer",
    sourceMeta: { failedTaskId: task.id, rootTaskId: decision.rootTaskId, scheduleId: task.scheduleId },
    originalTaskId: decision.rootTaskId,
    retryNumber: task.retryNumber,
  });
}

async function maybeLearn(env: Env, task: Task): Promise<void> {
  if (task.status !== "completed" || !task.scheduleId) return;
  const schedule = await getSchedule(env.DB, task.scheduleId);
  const decision = decideLearning(task, schedule);
  if (!decision.learn || !schedule || !(await claimLearningRun(env.DB, schedule.id))) return;
  await createTask(env, {
    prompt: `Self-learning: improve the prompt of schedule "${schedule.name}" from its completed run ${task.id}.`,
    options: {},
    source: "optimizer",
    sourceMeta: { scheduleId: schedule.id, runTaskId: task.id, promptVersion: decision.promptVersion },
  });
}

async function wakeWaiter(env: Env, task: Task): Promise<void> {
  const conversationId = task.sourceMeta?.["conversationId"];
  if (task.source === "supervisor" && typeof conversationId === "string") await supervisorObject(env, conversationId).taskFinished(conversationId, task.id);
}

