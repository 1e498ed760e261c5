import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { ReplaySummary, StepOrigin, TrajectoryAction, TrajectoryRun, TrajectoryVersion } from "@deskfleet/protocol";
import { parseEventData } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { taskEvents, tasks, trajectories, trajectorySteps } from "./schema.ts";

export type TrajectoryRow = typeof trajectories.$inferSelect;
export type TrajectoryStepRow = typeof trajectorySteps.$inferSelect;

export type NewTrajectory = Omit<typeof trajectories.$inferInsert, "version" | "forgottenAt">;
export type NewStep = { action: TrajectoryAction; origin: StepOrigin; moved: { dx: number; dy: number } | null; cropRect: { x: number; y: number; width: number; height: number } | null };

/** The scope of a schedule's trajectories; one-off tasks use `prompt:<hash>` (domain/replay). */
export const scheduleScope = (scheduleId: string) => `schedule:${scheduleId}`;

/**
 * Stores a new version of a scope: the next version number is taken inside
 * the INSERT, so two saves cannot get the same one (the unique index would
 * refuse the second). Returns the version it got.
 */
export async function insertTrajectory(d1: D1Database, row: NewTrajectory, steps: readonly NewStep[]): Promise<number> {
  const db = database(d1);
  const next = sql<number>`(select coalesce(max(${trajectories.version}), 0) + 1 from ${trajectories} where ${trajectories.scope} = ${row.scope})`;
  const insert = db.insert(trajectories).values({ ...row, version: next }).returning({ version: trajectories.version });
  const stepInserts = steps.map((s, i) =>
    db.insert(trajectorySteps).values({ trajectoryId: row.id, idx: i + 1, action: s.action as Record<string, unknown>, origin: s.origin, moved: s.moved, cropRect: s.cropRect }),
  );
  const [inserted] = await db.batch([insert, ...stepInserts]);
  return inserted[0]!.version;
}

/** The trajectory a run replays: the newest version of its scope (for a schedule, of its current prompt version) not forgotten. */
export async function latestTrajectory(d1: D1Database, scope: string, promptVersion: number | null): Promise<TrajectoryRow | null> {
  const rows = await database(d1)
    .select()
    .from(trajectories)
    .where(and(eq(trajectories.scope, scope), isNull(trajectories.forgottenAt), promptVersion === null ? undefined : eq(trajectories.promptVersion, promptVersion)))
    .orderBy(desc(trajectories.version))
    .limit(1);
  return rows[0] ?? null;
}

export async function getTrajectory(d1: D1Database, id: string): Promise<TrajectoryRow | null> {
  const rows = await database(d1).select().from(trajectories).where(eq(trajectories.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function stepsOfTrajectory(d1: D1Database, trajectoryId: string): Promise<TrajectoryStepRow[]> {
  return database(d1).select().from(trajectorySteps).where(eq(trajectorySteps.trajectoryId, trajectoryId)).orderBy(trajectorySteps.idx);
}

export async function trajectoryVersions(d1: D1Database, scope: string, limit = 50): Promise<TrajectoryRow[]> {
  return database(d1).select().from(trajectories).where(eq(trajectories.scope, scope)).orderBy(desc(trajectories.version)).limit(limit);
}

/** "Forget this trajectory": every version of the scope stays in history but none is replayed again. Returns how many were forgotten. */
export async function forgetTrajectories(d1: D1Database, scope: string, at: number): Promise<number> {
  const rows = await database(d1)
    .update(trajectories)
    .set({ forgottenAt: at })
    .where(and(eq(trajectories.scope, scope), isNull(trajectories.forgottenAt)))
    .returning({ id: trajectories.id });
  return rows.length;
}

export function toTrajectoryVersion(row: TrajectoryRow): TrajectoryVersion {
  return {
    id: row.id,
    version: row.version,
    promptVersion: row.promptVersion,
    origin: row.origin,
    sourceTaskId: row.sourceTaskId,
    stepCount: row.stepCount,
    modelCalls: row.modelCalls,
    costUsd: row.costUsd,
    wallMs: row.wallMs,
    createdAt: row.createdAt,
    forgottenAt: row.forgottenAt,
  };
}

/** A schedule's recent runs with each one's replay summary (its `replay` event), newest first. */
export async function scheduleRuns(d1: D1Database, scheduleId: string, limit = 20): Promise<TrajectoryRun[]> {
  const db = database(d1);
  const runs = await db.select().from(tasks).where(eq(tasks.scheduleId, scheduleId)).orderBy(desc(tasks.createdAt)).limit(limit);
  if (runs.length === 0) return [];
  const events = await db
    .select({ taskId: taskEvents.taskId, payload: taskEvents.payload })
    .from(taskEvents)
    .where(and(inArray(taskEvents.taskId, runs.map((r) => r.id)), eq(taskEvents.type, "replay")));
  const summaries = new Map<string, ReplaySummary>();
  for (const e of events) {
    const parsed = parseEventData("replay", e.payload);
    if (parsed.ok) summaries.set(e.taskId, parsed.data);
  }
  return runs.map((r) => ({
    taskId: r.id,
    status: r.status,
    createdAt: r.createdAt,
    wallMs: r.startedAt !== null && r.finishedAt !== null ? Math.max(0, r.finishedAt - r.startedAt) : null,
    costUsd: r.costUsd,
    replay: summaries.get(r.id) ?? null,
  }));
}
