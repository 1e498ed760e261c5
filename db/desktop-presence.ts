import { eq } from "drizzle-orm";
import { database } from "./client.ts";
import { desktops } from "./schema.ts";

/** Written by FleetDO alone: which task a desktop is running. */
export async function setCurrentTask(d1: D1Database, desktopId: string, taskId: string | null): Promise<void> {
  await database(d1).update(desktops).set({ currentTaskId: taskId, updatedAt: Date.now() }).where(eq(desktops.id, desktopId));
}

/** Written by DesktopDO alone: whether a host is connected, and what it reported. */
export async function setHostPresence(
  d1: D1Database,
  desktopId: string,
  p: { connected: boolean; capabilities?: Record<string, unknown>; lastSeenAt: number },
): Promise<void> {
  await database(d1)
    .update(desktops)
    .set({
      mode: p.connected ? "worker" : "view_only",
      presence: p.connected ? "online" : "offline",
      lastSeenAt: p.lastSeenAt,
      ...(p.capabilities ? { capabilities: p.capabilities } : {}),
    })
    .where(eq(desktops.id, desktopId));
}

export async function touchLastSeen(d1: D1Database, desktopId: string, at: number): Promise<void> {
  await database(d1).update(desktops).set({ lastSeenAt: at }).where(eq(desktops.id, desktopId));
}
