import { and, desc, eq } from "drizzle-orm";
import { parseEventData } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { taskEvents } from "./schema.ts";

/**
 * The R2 key of a task's latest screenshot (from its `screenshot` events' `data.key`), or null.
 * Only keys under the task's own prefix count: the key comes from the host.
 */
export async function lastScreenshotKey(d1: D1Database, taskId: string): Promise<string | null> {
  const rows = await database(d1)
    .select({ payload: taskEvents.payload })
    .from(taskEvents)
    .where(and(eq(taskEvents.taskId, taskId), eq(taskEvents.type, "screenshot")))
    .orderBy(desc(taskEvents.seq))
    .limit(5);
  for (const { payload } of rows) {
    const shot = parseEventData("screenshot", payload);
    if (shot.ok && shot.data.key.startsWith(`tasks/${taskId}/`)) return shot.data.key;
  }
  return null;
}
