import { asc, eq } from "drizzle-orm";
import type { Desktop, DesktopPresence } from "@deskfleet/protocol";
import { desktopPresence, HostCapabilities, isUnencryptedVncAddress, shownVncAddress } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { desktops } from "./schema.ts";

export type DesktopRow = typeof desktops.$inferSelect;

export async function getDesktop(d1: D1Database, id: string): Promise<DesktopRow | null> {
  const rows = await database(d1).select().from(desktops).where(eq(desktops.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function listDesktops(d1: D1Database): Promise<DesktopRow[]> {
  return database(d1).select().from(desktops).orderBy(asc(desktops.id));
}

export async function findDesktopByHostTokenHash(d1: D1Database, hash: string): Promise<DesktopRow | null> {
  const rows = await database(d1).select().from(desktops).where(eq(desktops.hostTokenHash, hash)).limit(1);
  return rows[0] ?? null;
}

/** The presence people see, by the one rule the fleet feed uses too (`desktopPresence`). */
export function presenceOf(row: DesktopRow): DesktopPresence {
  return desktopPresence({
    exists: true,
    hostConnected: hostConnected(row),
    hostRunsTasks: capabilitiesOf(row)?.runsTasks ?? true,
    busyTaskId: row.currentTaskId,
    directVnc: row.vncUrl !== null,
  });
}

const hostConnected = (row: DesktopRow) => row.mode === "worker" && row.presence !== "offline";

/** What the host last reported, with the schema's defaults for fields an older host left out. */
function capabilitiesOf(row: DesktopRow): HostCapabilities | null {
  const parsed = HostCapabilities.safeParse(row.capabilities);
  return parsed.success ? parsed.data : null;
}

export function toDesktop(row: DesktopRow): Desktop {
  return {
    id: row.id,
    name: row.name,
    os: row.os,
    labels: row.labels,
    // A row stored before query strings were sealed may still carry one: never shown.
    vncUrl: row.vncUrl === null ? null : shownVncAddress(row.vncUrl),
    vncUnencrypted: row.vncUrl !== null && isUnencryptedVncAddress(row.vncUrl),
    hasVncPassword: row.vncCredentials !== null,
    hasHostToken: row.hostTokenHash !== null,
    mode: hostConnected(row) ? "worker" : "view_only",
    presence: presenceOf(row),
    currentTaskId: row.currentTaskId,
    capabilities: capabilitiesOf(row),
    lastSeenAt: row.lastSeenAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
