import { and, eq, sql } from "drizzle-orm";
import { database } from "./client.ts";
import { schedules } from "./schema.ts";

/**
 * Takes one of a schedule's learning runs with one conditional UPDATE, so
 * concurrent finishes never exceed `max_learning_runs`. False when none is left.
 */
export async function claimLearningRun(d1: D1Database, scheduleId: string): Promise<boolean> {
  const rows = await database(d1)
    .update(schedules)
    .set({ learningRuns: sql`${schedules.learningRuns} + 1` })
    .where(and(eq(schedules.id, scheduleId), eq(schedules.selfLearning, true), sql`${schedules.learningRuns} < ${schedules.maxLearningRuns}`))
    .returning({ id: schedules.id });
  return rows.length > 0;
}
