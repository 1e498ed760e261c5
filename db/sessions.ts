import { and, eq, gt } from "drizzle-orm";
import type { Role } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { sessions } from "./schema.ts";
import { sha256Hex } from "../workers/auth/secrets.ts";

export const SESSION_COOKIE = "deskfleet_session";

export async function findSession(
  d1: D1Database,
  cookieValue: string,
): Promise<{ identityId: string; name: string; role: Role } | null> {
  const rows = await database(d1)
    .select()
    .from(sessions)
    .where(and(eq(sessions.idHash, await sha256Hex(cookieValue)), gt(sessions.expiresAt, Date.now())))
    .limit(1);
  const row = rows[0];
  return row ? { identityId: row.identityId, name: row.name, role: row.role } : null;
}
