import { ApiError } from "../api-error.ts";
import { planSlot } from "./due-slots.ts";
import { timingOf } from "@deskfleet/protocol/timing/schedule-spec";
import { startScheduledRun } from "./start-run.ts";
import { claimSlot, dueSchedules, hasActiveRun, recordNotStarted, skipSlot, type ScheduleRow } from "../../db/schedules.ts";
import { audit } from "../../db/audit.ts";
import { fleetObject } from "../addresses.ts";

/** Due schedules handled per invocation; the rest wait a minute (they are ordered oldest slot first). */
const BATCH = 100;
/** Runs started at once: each is a few D1 writes and a TaskDO/FleetDO round trip. */
const CONCURRENCY = 6;

export type DueOutcome = { id: string; outcome: "started"; taskId: string } | { id: string; outcome: "skipped" | "raced" | "not_started" | "error" };

/**
 * The Cron Trigger's work: start every due schedule's run, once per slot.
 * `now` is the trigger's scheduled time, so a test (or a late invocation) decides "now".
 */
export async function runDueSchedules(env: Env, now: number): Promise<DueOutcome[]> {
  // A paused fleet holds every due slot unclaimed: on resume each runs once if still due (planSlot), or is skipped by skipIfRunning.
  if (await fleetObject(env).isPaused()) return [];
  const due = await dueSchedules(env.DB, now, BATCH);
  const outcomes: DueOutcome[] = [];
  for (let i = 0; i < due.length; i += CONCURRENCY) {
    outcomes.push(...(await Promise.all(due.slice(i, i + CONCURRENCY).map((row) => runDueSchedule(env, row, now)))));
  }
  if (outcomes.length > 0) {
    const tally: Record<string, number> = {};
    for (const o of outcomes) tally[o.outcome] = (tally[o.outcome] ?? 0) + 1;
    console.log("scheduler", new Date(now).toISOString(), JSON.stringify(tally));
  }
  return outcomes;
}

async function runDueSchedule(env: Env, row: ScheduleRow, now: number): Promise<DueOutcome> {
  const id = row.id;
  const slot = row.nextRunAt!;
  try {
    const previousRunActive = row.skipIfRunning ? await hasActiveRun(env.DB, id) : false;
    const plan = planSlot({ timing: timingOf(row), slot, now, runCount: row.runCount, maxRuns: row.maxRuns, skipIfRunning: row.skipIfRunning, previousRunActive });
    const read = { id, slot, runCount: row.runCount };
    if (plan.action === "skip") {
      const skipped = await skipSlot(env.DB, read, plan.next);
      if (skipped) console.log("schedule slot skipped: previous run still active", id, new Date(slot).toISOString());
      return { id, outcome: skipped ? "skipped" : "raced" };
    }
    const claimed = await claimSlot(env.DB, read, plan.next, plan.finished, now);
    if (!claimed) return { id, outcome: "raced" };
    try {
      const task = await startScheduledRun(env, claimed, { slot, promptVersion: claimed.promptVersion, trigger: "cron" });
      return { id, outcome: "started", taskId: task.id };
    } catch (err) {
      // The slot is spent either way; say why it made no task where a person will look.
      const message = err instanceof Error ? err.message : String(err);
      await recordNotStarted(env.DB, id);
      await audit(env.DB, {
        actor: "scheduler",
        action: "schedule.run_not_started",
        targetType: "schedule",
        targetId: id,
        details: { slot, code: err instanceof ApiError ? err.code : "internal", message },
      });
      return { id, outcome: "not_started" };
    }
  } catch (err) {
    console.error("schedule run failed", id, err instanceof Error ? (err.stack ?? err.message) : String(err));
    return { id, outcome: "error" };
  }
}
