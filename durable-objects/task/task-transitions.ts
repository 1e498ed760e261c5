import type { EventData, TaskError } from "@deskfleet/protocol";
import { isTerminal, runsOnSupervisor } from "@deskfleet/protocol";
import { transition } from "./lifecycle.ts";
import type { TaskRecord } from "./task-record.ts";
import type { HelpRow } from "../../db/help-requests.ts";

// The task's transitions that do not come from host events: takeover and
// hand-back, the supervisor executing a healer or optimizer task, follow-ups,
// cancel and outside failures. Each returns the next record and what the
// status event should say, or a refusal; TaskDO only applies them (`moveTo`).

/** Why a status changed, as the `status` event records it (the status fields themselves are added by TaskDO). */
export type StatusNote = Omit<EventData<"status">, "status" | "previous">;

export type Move = { next: TaskRecord; note: StatusNote };

const ACTIVE = new Set(["assigned", "running", "waiting_for_human"]);

/** FleetDO gave the task to a desktop. Null once it is no longer queued (cancelled meanwhile). */
export function assign(r: TaskRecord, desktopId: string, now: number): Move | null {
  if (r.status !== "queued") return null;
  const next = { ...transition(r, "assigned", now), desktopId, assignedAt: now, lastActivityAt: now, everAssigned: true, pendingMessages: [], waitingReason: null };
  return { next, note: { desktopId } };
}

/** The host could not take the task after all: back to the queue. */
export function unassign(r: TaskRecord, now: number): Move | null {
  if (r.status !== "assigned") return null;
  return { next: { ...transition(r, "queued", now), desktopId: null, assignedAt: null }, note: { reason: "host unavailable" } };
}

export function cancel(r: TaskRecord, error: TaskError, now: number): Move {
  return { next: { ...transition(r, "cancelled", now), error }, note: {} };
}

/** A failure from outside the agent (host lost, inactivity, desktop deleted). Null once finished. */
export function failFromOutside(r: TaskRecord, error: TaskError, now: number): Move | null {
  if (isTerminal(r.status)) return null;
  return { next: { ...transition(r, "failed", now), error }, note: { error } };
}

/** A follow-up on a finished task: the conversation continues on the same desktop. */
export function requeueForFollowUp(r: TaskRecord, message: { id: string; text: string; at: number }, now: number): Move {
  const pinned = r.desktopId ?? r.targetDesktopId;
  const next = {
    ...transition(r, "queued", now), result: null, targetDesktopId: pinned, targetLabels: pinned ? [] : r.targetLabels, desktopId: null, pendingMessages: [message],
  };
  return { next, note: { reason: "follow-up" } };
}

/** A person took over the desktop: the task waits for them (even while the fleet holds it). Null when it was not running. */
export function pauseForTakeover(r: TaskRecord, by: string, now: number): Move | null {
  if (!ACTIVE.has(r.status) || r.pausedFor === "takeover") return null;
  return { next: { ...transition(r, "waiting_for_human", now), pausedFor: "takeover", pausedBy: by }, note: { reason: "takeover", by } };
}

/** The person handed the desktop back: the agent continues, unless a help request still waits. Null when not paused. */
export function resumeAfterTakeover(r: TaskRecord, by: string, note: string, now: number): Move | null {
  if (r.pausedFor !== "takeover") return null;
  const waitingForHelp = r.helpRequests.some((h) => h.status === "open");
  let next: TaskRecord = { ...r, pausedFor: null, pausedBy: null, lastHandBackNote: note, lastActivityAt: now };
  if (r.status === "waiting_for_human" && !waitingForHelp) next = transition(next, "running", now);
  return { next, note: { reason: "handback", by } };
}

/**
 * The fleet holds the running task (its budget is spent, or an admin paused it): it waits after its
 * current step. Null when it is not on a desktop, already held for that reason, or a person holds it.
 */
export function holdByFleet(r: TaskRecord, reason: "budget" | "fleet", by: string, now: number): Move | null {
  if (!ACTIVE.has(r.status) || r.pausedFor === reason || r.pausedFor === "takeover") return null;
  const next = r.status === "waiting_for_human" ? r : transition(r, "waiting_for_human", now);
  return { next: { ...next, pausedFor: reason, pausedBy: by }, note: { reason, by } };
}

/** The fleet lets the task go on (the budget was raised, run anyway, the fleet resumed). Null when the fleet did not hold it. */
export function releaseByFleet(r: TaskRecord, by: string, now: number): Move | null {
  if (r.pausedFor !== "budget" && r.pausedFor !== "fleet") return null;
  const waitingForHelp = r.helpRequests.some((h) => h.status === "open");
  let next: TaskRecord = { ...r, pausedFor: null, pausedBy: null, lastActivityAt: now };
  if (r.status === "waiting_for_human" && !waitingForHelp) next = transition(next, "running", now);
  return { next, note: { reason: "released", by } };
}

/** A help request was resolved: the agent goes on once no question is open and no person holds the desktop. */
export function helpResolved(r: TaskRecord, h: HelpRow, now: number): Move {
  const helpRequests = r.helpRequests.map((x) => (x.id === h.id ? h : x));
  let next: TaskRecord = { ...r, helpRequests, lastActivityAt: now };
  if (r.status === "waiting_for_human" && !helpRequests.some((x) => x.status === "open") && !r.pausedFor) next = transition(next, "running", now);
  return { next, note: {} };
}

/** The supervisor started executing a healer or optimizer task. */
export function executorStarted(r: TaskRecord, now: number): Move | null {
  if (r.status !== "queued" || !runsOnSupervisor(r.source)) return null;
  const next = { ...transition(transition(r, "assigned", now), "running", now), assignedAt: now, lastActivityAt: now };
  return { next, note: { executor: "supervisor" } };
}

export type ExecutorOutcome = { status: "completed"; result: string } | { status: "failed"; error: TaskError };

export function executorFinished(r: TaskRecord, outcome: ExecutorOutcome, now: number): Move | null {
  if (isTerminal(r.status) || !runsOnSupervisor(r.source)) return null;
  const done = outcome.status === "completed" ? { result: outcome.result, error: null } : { error: outcome.error };
  return { next: { ...transition(r, outcome.status, now), ...done }, note: outcome.status === "failed" ? { error: outcome.error } : {} };
}
