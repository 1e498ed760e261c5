import type { QueueEntry } from "./dispatch.ts";

/**
 * Per-identity quotas (DESKFLEET_QUOTAS): how many tasks one identity may run
 * at once and start per UTC day, and how many dollars their tasks' model calls
 * may spend per UTC day (`usd`: at it their new tasks wait and running ones
 * pause, like the fleet's budget but for one person). A rule names a role (`operator`) or one
 * identity (`access:bob@x.com`, `token:tok_…`, `telegram:123`); the identity's
 * own rule wins over its role's. Tasks without an owner (schedules, healers)
 * are not counted.
 */
export type Quota = { concurrent: number | null; daily: number | null; usd: number | null };
export type Quotas = { byIdentity: Map<string, Quota>; byRole: Map<string, Quota> };

const ROLES = new Set(["viewer", "operator", "admin"]);

/** `operator:concurrent=2,daily=50,usd=5;access:bob@x.com:concurrent=1`; a malformed rule is a problem to report, never half-applied. */
export function parseQuotas(raw: string | undefined): { quotas: Quotas; problems: string[] } {
  const quotas: Quotas = { byIdentity: new Map(), byRole: new Map() };
  const problems: string[] = [];
  for (const rule of (raw ?? "").split(";").map((r) => r.trim()).filter(Boolean)) {
    const eq = rule.indexOf("=");
    const colon = eq < 0 ? -1 : rule.lastIndexOf(":", eq);
    if (colon <= 0) {
      problems.push(`\`${rule}\` is not \`<role or identity>:concurrent=N,daily=N,usd=D\``);
      continue;
    }
    const subject = rule.slice(0, colon).trim();
    const quota: Quota = { concurrent: null, daily: null, usd: null };
    let ok = true;
    for (const part of rule.slice(colon + 1).split(",")) {
      const m = /^\s*(?:(concurrent|daily)\s*=\s*(\d+)|(usd)\s*=\s*(\d+(?:\.\d+)?))\s*$/.exec(part);
      if (!m) {
        ok = false;
        break;
      }
      if (m[3]) quota.usd = Number(m[4]);
      else quota[m[1] as "concurrent" | "daily"] = Number(m[2]);
    }
    if (!ok) {
      problems.push(`\`${rule}\`: limits are \`concurrent=N\`, \`daily=N\` (tasks) and \`usd=D\` (dollars a day), comma-separated`);
      continue;
    }
    (ROLES.has(subject) ? quotas.byRole : quotas.byIdentity).set(subject, quota);
  }
  return { quotas, problems };
}

/** Whether any rule limits dollars (then each counted model call may hold someone's tasks). */
export function hasSpendQuotas(q: Quotas): boolean {
  return [...q.byIdentity.values(), ...q.byRole.values()].some((x) => x.usd !== null);
}

export function quotaOf(q: Quotas, owner: string, role: string | null): Quota | null {
  return q.byIdentity.get(owner) ?? (role ? q.byRole.get(role) : undefined) ?? null;
}

/** What one owner has now: tasks running, tasks started today and dollars their tasks spent today (UTC). */
export type OwnerUse = { running: number; startedToday: number; spentTodayUsd: number };

/** Cents summed as floats drift: compare within a billionth of a dollar (as the fleet's budget does). */
const EPSILON = 1e-9;

/** Why an owner's tasks may not call the model any more today (their `usd` quota is spent), or null. */
export function spendQuotaReason(quota: Quota | null, owner: string, spentTodayUsd: number): string | null {
  if (!quota || quota.usd === null || spentTodayUsd + EPSILON < quota.usd) return null;
  return `quota: ${owner} may spend $${quota.usd.toFixed(2)} a day on model calls (DESKFLEET_QUOTAS) and their tasks spent $${spentTodayUsd.toFixed(2)} today (UTC); their tasks go on after midnight UTC, when an admin raises the quota, or runs one anyway`;
}

/**
 * The queued tasks quotas let start in this pass, in queue order, and why the
 * others wait. An owner at their limit waits; one under it gets only as many
 * starts as it has room for.
 */
export function withinQuotas(queue: QueueEntry[], q: Quotas, use: (owner: string) => OwnerUse, runAnyway: ReadonlySet<string> = new Set()): { allowed: QueueEntry[]; waiting: Map<string, string> } {
  const room = new Map<string, { concurrent: number; daily: number; spentTodayUsd: number }>();
  const allowed: QueueEntry[] = [];
  const waiting = new Map<string, string>();
  for (const e of queue) {
    const quota = e.owner ? quotaOf(q, e.owner, e.ownerRole ?? null) : null;
    if (!e.owner || !quota) {
      allowed.push(e);
      continue;
    }
    let r = room.get(e.owner);
    if (!r) {
      const u = use(e.owner);
      r = { concurrent: quota.concurrent === null ? Infinity : quota.concurrent - u.running, daily: quota.daily === null ? Infinity : quota.daily - u.startedToday, spentTodayUsd: u.spentTodayUsd };
      room.set(e.owner, r);
    }
    // A task run anyway (an admin's call) is exempt from dollars, not from counts.
    const overSpend = runAnyway.has(e.taskId) ? null : spendQuotaReason(quota, e.owner, r.spentTodayUsd);
    if (overSpend) {
      waiting.set(e.taskId, overSpend);
    } else if (r.concurrent <= 0) {
      waiting.set(e.taskId, `quota: ${e.owner} may run ${quota.concurrent} task${quota.concurrent === 1 ? "" : "s"} at once (DESKFLEET_QUOTAS); the task starts when one of theirs ends`);
    } else if (r.daily <= 0) {
      waiting.set(e.taskId, `quota: ${e.owner} may start ${quota.daily} task${quota.daily === 1 ? "" : "s"} a day (DESKFLEET_QUOTAS); the task starts after midnight UTC or when an admin raises the quota`);
    } else {
      r.concurrent--;
      r.daily--;
      allowed.push(e);
    }
  }
  return { allowed, waiting };
}
