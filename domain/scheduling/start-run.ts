import type { ScheduledRunMeta, Task, TaskOptions } from "@deskfleet/protocol";
import { isTerminal } from "@deskfleet/protocol";
import { createTask } from "../tasks/create-task.ts";
import { recordRun, type ScheduleRow } from "../../db/schedules.ts";

/** The options a schedule's runs carry to the host; unset ones fall back to the host's defaults. */
export function runOptions(row: ScheduleRow): TaskOptions {
  const o = row.options as { model?: string; maxSteps?: number; budgetUsd?: number; replay?: "auto" | "off"; env?: Record<string, string> };
  const options: TaskOptions = { notify: row.notify };
  if (row.startUrl) options.startUrl = row.startUrl;
  if (row.selfHealing !== null) options.selfHealing = row.selfHealing;
  if (o.model !== undefined) options.model = o.model;
  if (o.maxSteps !== undefined) options.maxSteps = o.maxSteps;
  if (o.budgetUsd !== undefined) options.budgetUsd = o.budgetUsd;
  if (o.env && Object.keys(o.env).length > 0) options.env = o.env;
  // Replay is on for schedules unless turned off: a run replays once an earlier one succeeded.
  options.replay = o.replay ?? "auto";
  return options;
}

/** Starts one run of a schedule as a `scheduler` task and records it as the schedule's last run. */
export async function startScheduledRun(env: Env, row: ScheduleRow, meta: ScheduledRunMeta): Promise<Task> {
  const task = await createTask(env, {
    prompt: row.prompt,
    desktopId: row.targetDesktopId,
    labels: row.targetLabels,
    options: runOptions(row),
    agent: row.agent ?? null,
    source: "scheduler",
    sourceMeta: meta,
    scheduleId: row.id,
  });
  await recordRun(env.DB, row.id, task.id, task.status, isTerminal(task.status));
  return task;
}
