import { database } from "./client.ts";
import { auditLog } from "./schema.ts";

export type AuditEntry = {
  actor: string;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
};

/** Appends to the audit log. Never put secrets in `details`. */
export async function audit(d1: D1Database, entry: AuditEntry): Promise<void> {
  await database(d1).insert(auditLog).values({
    at: Date.now(),
    actor: entry.actor,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    details: entry.details ?? null,
  });
}
