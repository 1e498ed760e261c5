/**
 * The control lease of one desktop: while a person holds it, their viewers
 * are interactive and the agent's task is paused. It ends on hand-back or
 * after `idleMs` without input from the holder (an inactivity timeout, never
 * wall-clock: someone working for an hour keeps it).
 */
export type Person = { id: string; name: string };

export type Lease = {
  holder: Person;
  /** The keys of the credentials the lease was taken with: revoking one ends it. */
  keys?: string[];
  since: number;
  lastInputAt: number;
  pausedTaskId: string | null;
};

export const DEFAULT_LEASE_IDLE_MS = 5 * 60_000;

export const expiresAt = (lease: Lease, idleMs: number): number => lease.lastInputAt + idleMs;

export const isLive = (lease: Lease | null, now: number, idleMs: number): lease is Lease => lease !== null && expiresAt(lease, idleMs) > now;

export type Refusal = { status: 403 | 409; code: string; message: string };

/** Whether `who` may take the desktop now: free, expired, or already theirs. */
export function checkTakeover(current: Lease | null, who: Person, now: number, idleMs: number): Refusal | null {
  if (!isLive(current, now, idleMs) || current.holder.id === who.id) return null;
  const minutes = Math.max(1, Math.ceil((expiresAt(current, idleMs) - now) / 60_000));
  return {
    status: 409,
    code: "desktop_taken_over",
    message: `${current.holder.name} has taken over this desktop; ask them to hand it back (it returns to the agent after ${minutes} min without input)`,
  };
}

/** The holder hands back; an admin may end someone else's lease. */
export function checkHandback(current: Lease | null, who: Person & { admin: boolean }, now: number, idleMs: number): Refusal | null {
  if (!isLive(current, now, idleMs)) return { status: 409, code: "not_taken_over", message: "nobody has taken over this desktop; there is nothing to hand back" };
  if (current.holder.id !== who.id && !who.admin) {
    return { status: 403, code: "not_lease_holder", message: `${current.holder.name} holds this desktop; only they (or an admin) can hand it back` };
  }
  return null;
}

/** What the agent is told when it gets the desktop back. */
export type HandbackReason = "handback" | "inactivity" | "revoked";

export function handbackNote(lease: Lease, by: string, now: number, note: string | undefined, reason: HandbackReason): string {
  const seconds = Math.max(1, Math.round((now - lease.since) / 1000));
  const how =
    reason === "inactivity" ? `the control returned to you after ${seconds} s (they stopped acting)`
    : reason === "revoked" ? `the control returned to you after ${seconds} s (their access was revoked)`
    : `${by} handed it back after ${seconds} s`;
  const said = note ? ` They said: "${note}".` : "";
  return `A person (${lease.holder.name}) took over the desktop and may have changed it; ${how}.${said} Look at the fresh screenshot before you continue.`;
}
