import { and, desc, eq, inArray, isNull, lte, or, lt, sql } from "drizzle-orm";
import type { PromptVersion, Schedule, ScheduleLastStatus } from "@deskfleet/protocol";
import { TERMINAL_STATUSES, TASK_STATUSES } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { promptVersions, schedules, tasks } from "./schema.ts";

export type ScheduleRow = typeof schedules.$inferSelect;
export type ScheduleInsert = typeof schedules.$inferInsert;
export type SchedulePatch = Partial<Omit<ScheduleInsert, "id" | "createdAt" | "prompt" | "promptVersion">>;
export type PromptVersionRow = typeof promptVersions.$inferSelect;

/** A prompt change: the new text, who made it and why. Written with the schedule change, atomically. */
export type PromptChange = { id: string; prompt: string; author: string; reason: string | null; at: number };

type ScheduleOptions = { model?: string; maxSteps?: number; budgetUsd?: number; replay?: "auto" | "off"; env?: Record<string, string> };

const ACTIVE_STATUSES = TASK_STATUSES.filter((s) => !TERMINAL_STATUSES.includes(s));

export function toSchedule(row: ScheduleRow): Schedule {
  const options = row.options as ScheduleOptions;
  return {
    id: row.id,
    name: row.name,
    prompt: row.prompt,
    promptVersion: row.promptVersion,
    target: { desktopId: row.targetDesktopId, labels: row.targetLabels },
    kind: row.kind,
    cron: row.cron,
    intervalMinutes: row.intervalMs === null ? null : Math.round(row.intervalMs / 60_000),
    runAt: row.runAt,
    timezone: row.timezone,
    enabled: row.enabled,
    notify: row.notify,
    selfHealing: row.selfHealing,
    selfLearning: row.selfLearning ? row.selfLearningMode : "off",
    maxLearningRuns: row.maxLearningRuns,
    learningRuns: row.learningRuns,
    maxRuns: row.maxRuns,
    runCount: row.runCount,
    skipIfRunning: row.skipIfRunning,
    startUrl: row.startUrl,
    model: options.model ?? null,
    maxSteps: options.maxSteps ?? null,
    budgetUsd: options.budgetUsd ?? null,
    replay: options.replay ?? "auto",
    env: options.env ?? {},
    agent: row.agent ?? null,
    nextRunAt: row.nextRunAt,
    lastRunAt: row.lastRunAt,
    lastTaskId: row.lastTaskId,
    lastStatus: row.lastStatus as ScheduleLastStatus | null,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toPromptVersion(row: PromptVersionRow, currentVersion: number): PromptVersion {
  return {
    version: row.version,
    prompt: row.prompt,
    author: row.author,
    reason: row.reason,
    current: row.version === currentVersion,
    createdAt: row.createdAt,
  };
}

export async function listSchedules(d1: D1Database): Promise<ScheduleRow[]> {
  return database(d1).select().from(schedules).orderBy(desc(schedules.createdAt), desc(schedules.id)).limit(1000);
}

export async function getSchedule(d1: D1Database, id: string): Promise<ScheduleRow | null> {
  const rows = await database(d1).select().from(schedules).where(eq(schedules.id, id)).limit(1);
  return rows[0] ?? null;
}

/** Inserts a schedule and its prompt version 1 in one transaction. */
export async function insertSchedule(d1: D1Database, row: ScheduleInsert & { promptVersion: 1 }, change: PromptChange): Promise<ScheduleRow> {
  const db = database(d1);
  const [inserted] = await db.batch([
    db.insert(schedules).values(row).returning(),
    db.insert(promptVersions).values({ id: change.id, scheduleId: row.id, version: 1, prompt: row.prompt, author: change.author, reason: change.reason, createdAt: change.at }),
  ]);
  return inserted[0]!;
}

/**
 * Applies a patch and, if given, a prompt change as version `expectedVersion + 1`.
 * Both are conditional on the prompt version still being `expectedVersion`, in one
 * transaction: a concurrent edit makes this return null instead of losing a version.
 */
export async function updateSchedule(
  d1: D1Database,
  id: string,
  expectedVersion: number,
  patch: SchedulePatch,
  change: PromptChange | null,
): Promise<ScheduleRow | null> {
  const db = database(d1);
  const same = and(eq(schedules.id, id), eq(schedules.promptVersion, expectedVersion));
  if (!change) {
    const rows = await db.update(schedules).set(patch).where(same).returning();
    return rows[0] ?? null;
  }
  const [, updated] = await db.batch([
    db.insert(promptVersions).select(
      db
        .select({
          id: sql<string>`${change.id}`.as("id"),
          scheduleId: schedules.id,
          version: sql<number>`${schedules.promptVersion} + 1`.as("version"),
          prompt: sql<string>`${change.prompt}`.as("prompt"),
          author: sql<string>`${change.author}`.as("author"),
          reason: sql<string | null>`${change.reason}`.as("reason"),
          createdAt: sql<number>`${change.at}`.as("created_at"),
        })
        .from(schedules)
        .where(same),
    ),
    db
      .update(schedules)
      .set({ ...patch, prompt: change.prompt, promptVersion: sql`${schedules.promptVersion} + 1` })
      .where(same)
      .returning(),
  ]);
  return updated[0] ?? null;
}

/** Deletes a schedule and its prompt history; its tasks stay (they keep `scheduleId`). */
export async function deleteSchedule(d1: D1Database, id: string): Promise<boolean> {
  const db = database(d1);
  const [, deleted] = await db.batch([
    db.delete(promptVersions).where(eq(promptVersions.scheduleId, id)),
    db.delete(schedules).where(eq(schedules.id, id)).returning({ id: schedules.id }),
  ]);
  return deleted.length > 0;
}

export async function listPromptVersions(d1: D1Database, scheduleId: string): Promise<PromptVersionRow[]> {
  return database(d1).select().from(promptVersions).where(eq(promptVersions.scheduleId, scheduleId)).orderBy(desc(promptVersions.version));
}

export async function getPromptVersion(d1: D1Database, scheduleId: string, version: number): Promise<PromptVersionRow | null> {
  const rows = await database(d1)
    .select()
    .from(promptVersions)
    .where(and(eq(promptVersions.scheduleId, scheduleId), eq(promptVersions.version, version)))
    .limit(1);
  return rows[0] ?? null;
}

// ---- the Cron Trigger

/** Enabled schedules whose slot has come, oldest slot first. */
export async function dueSchedules(d1: D1Database, now: number, limit: number): Promise<ScheduleRow[]> {
  return database(d1)
    .select()
    .from(schedules)
    .where(and(eq(schedules.enabled, true), lte(schedules.nextRunAt, now)))
    .orderBy(schedules.nextRunAt)
    .limit(limit);
}

/** The row as read, which a claim must still match: the slot, and the run count that decided `finished`. */
export type ReadSlot = { id: string; slot: number; runCount: number };

/**
 * Claims a slot with one conditional UPDATE: only the invocation that moves
 * `next_run_at` off `slot` gets the row back, so a slot makes at most one run
 * however many invocations race for it.
 */
export async function claimSlot(d1: D1Database, read: ReadSlot, next: number | null, finished: boolean, now: number): Promise<ScheduleRow | null> {
  const rows = await database(d1)
    .update(schedules)
    .set({ nextRunAt: finished ? null : next, enabled: !finished, runCount: sql`${schedules.runCount} + 1`, lastRunAt: now })
    .where(slotStillIs(read))
    .returning();
  return rows[0] ?? null;
}

/** Moves past a slot without running it (the previous run is still active). */
export async function skipSlot(d1: D1Database, read: ReadSlot, next: number | null): Promise<boolean> {
  const rows = await database(d1)
    .update(schedules)
    .set({ nextRunAt: next, enabled: next !== null })
    .where(slotStillIs(read))
    .returning({ id: schedules.id });
  return rows.length > 0;
}

const slotStillIs = (read: ReadSlot) =>
  and(eq(schedules.id, read.id), eq(schedules.enabled, true), eq(schedules.nextRunAt, read.slot), eq(schedules.runCount, read.runCount));

/** Whether an earlier run (scheduled or triggered) is still queued, running or waiting for a person. */
export async function hasActiveRun(d1: D1Database, scheduleId: string): Promise<boolean> {
  const rows = await database(d1)
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.scheduleId, scheduleId), inArray(tasks.status, ACTIVE_STATUSES)))
    .limit(1);
  return rows.length > 0;
}

/**
 * Records a run's task and status. Task ids sort by creation time, so the
 * newest run wins whichever write lands last: a run's start never overwrites
 * its own (or a later run's) finish.
 */
export async function recordRun(d1: D1Database, scheduleId: string, taskId: string, status: ScheduleLastStatus, finished: boolean): Promise<void> {
  const newer = finished
    ? or(isNull(schedules.lastTaskId), lte(schedules.lastTaskId, taskId))
    : or(isNull(schedules.lastTaskId), lt(schedules.lastTaskId, taskId));
  await database(d1)
    .update(schedules)
    .set({ lastTaskId: taskId, lastStatus: status })
    .where(and(eq(schedules.id, scheduleId), newer));
}

/** A claimed slot whose task could not be created (e.g. its desktop was deleted). */
export async function recordNotStarted(d1: D1Database, scheduleId: string): Promise<void> {
  await database(d1).update(schedules).set({ lastStatus: "not_started" }).where(eq(schedules.id, scheduleId));
}

/** Marks a manual trigger as the last run. */
export async function recordManualRunAt(d1: D1Database, scheduleId: string, at: number): Promise<void> {
  await database(d1).update(schedules).set({ lastRunAt: at }).where(eq(schedules.id, scheduleId));
}

/** Schedules whose runs an agent carries out. */
export async function schedulesOfAgent(d1: D1Database, agent: string): Promise<{ id: string; name: string }[]> {
  return database(d1).select({ id: schedules.id, name: schedules.name }).from(schedules).where(eq(schedules.agent, agent)).limit(20);
}
