import { canTakeTask, desktopPresence, type DesktopPresence } from "@deskfleet/protocol";

/** Pure dispatch rules, unit-tested without a Durable Object. */

export type QueueEntry = {
  taskId: string;
  priority: number;
  createdAt: number;
  /** Pinned desktop, or null for any desktop matching `labels`. */
  desktopId: string | null;
  labels: string[];
  /** Exclusive vault secrets the task needs: it starts only while no other task holds any of them. */
  exclusive?: string[];
  /** Who created it (`sourceMeta.by`) and their role then: quotas count per owner. Absent for schedules and healers. */
  owner?: string | null;
  ownerRole?: string | null;
};

/** Exclusive secret → the task holding it. */
export type Holds = ReadonlyMap<string, string>;

export type FleetDesktop = {
  id: string;
  labels: string[];
  connected: boolean;
  /** The connected host can run tasks (it has an API key); why not, when it cannot. */
  runsTasks: boolean;
  runsTasksReason: string | null;
  /** The control plane can dial the desktop's VNC server itself (it has a VNC URL). */
  directVnc: boolean;
  busyTaskId: string | null;
  /** When it last became idle (or connected); the longest-idle desktop goes first. */
  idleSince: number;
};

const facts = (d: FleetDesktop) => ({ exists: true, hostConnected: d.connected, hostRunsTasks: d.runsTasks, busyTaskId: d.busyTaskId, directVnc: d.directVnc });

/** The presence people see, by the one rule REST uses too. */
export const presenceOfDesktop = (d: FleetDesktop): DesktopPresence => desktopPresence(facts(d));

export function matches(task: QueueEntry, d: FleetDesktop): boolean {
  if (task.desktopId !== null) return d.id === task.desktopId;
  return task.labels.every((l) => d.labels.includes(l));
}

/** Queue order: higher priority first, then older first, then id for a total order. */
export function byQueueOrder(a: QueueEntry, b: QueueEntry): number {
  return b.priority - a.priority || a.createdAt - b.createdAt || (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0);
}

/** The first exclusive secret the task needs that another task holds, and who holds it. */
export function heldFrom(task: QueueEntry, holds: Holds): { secret: string; heldBy: string } | null {
  for (const secret of task.exclusive ?? []) {
    const holder = holds.get(secret);
    if (holder !== undefined && holder !== task.taskId) return { secret, heldBy: holder };
  }
  return null;
}

/** What a queued task's status says while an exclusive secret holds it back, or null. */
function secretWaitingReason(task: QueueEntry, holds: Holds): string | null {
  const held = heldFrom(task, holds);
  return held ? `secret \`${held.secret}\` is exclusive (one session at a time) and task ${held.heldBy} is using it; the task starts when it is free` : null;
}

/**
 * Which queued task goes to which idle connected desktop. Each task takes the
 * longest-idle matching desktop; a task no desktop can take does not block the
 * ones behind it (a pinned task waiting for its desktop must not stall the fleet).
 * A task needing an exclusive secret another task holds waits, and one pass
 * never starts two tasks needing the same exclusive secret.
 */
export function planDispatch(queue: QueueEntry[], desktops: FleetDesktop[], holds: Holds = new Map()): { taskId: string; desktopId: string }[] {
  const idle = desktops.filter((d) => canTakeTask(facts(d))).sort((a, b) => a.idleSince - b.idleSince || (a.id < b.id ? -1 : 1));
  const taken = new Set<string>();
  const held = new Map(holds);
  const plan: { taskId: string; desktopId: string }[] = [];
  for (const task of [...queue].sort(byQueueOrder)) {
    if (taken.size === idle.length) break;
    if (heldFrom(task, held)) continue;
    const d = idle.find((x) => !taken.has(x.id) && matches(task, x));
    if (!d) continue;
    taken.add(d.id);
    for (const secret of task.exclusive ?? []) held.set(secret, task.taskId);
    plan.push({ taskId: task.taskId, desktopId: d.id });
  }
  return plan;
}

/**
 * Why a queued task cannot start even when desktops free up, in words a person
 * can act on: no desktop for it, or an exclusive secret another task holds;
 * null when it only waits its turn (every desktop that could take it is busy).
 * Shown on the task while it waits.
 */
export function waitingReason(task: QueueEntry, desktops: FleetDesktop[], holds: Holds = new Map()): string | null {
  return desktopWaitingReason(task, desktops) ?? secretWaitingReason(task, holds);
}

function desktopWaitingReason(task: QueueEntry, desktops: FleetDesktop[]): string | null {
  if (task.desktopId !== null) {
    const d = desktops.find((x) => x.id === task.desktopId);
    if (!d || !d.connected) return `desktop ${task.desktopId} has no host connected; the task starts when its host comes online`;
    if (!d.runsTasks) return `desktop ${task.desktopId}'s host cannot run tasks (${d.runsTasksReason ?? "it says it runs none"}); the task starts when it can`;
    return null;
  }
  if (desktops.some((d) => d.connected && d.runsTasks && matches(task, d))) return null;
  const kind = task.labels.length ? `desktop with labels ${task.labels.join(", ")}` : "desktop";
  const viewOnly = desktops.filter((d) => d.connected && !d.runsTasks && matches(task, d));
  if (viewOnly.length === 0) return `no ${kind} is online; the task starts when one comes online`;
  const names = viewOnly.map((d) => d.id).join(", ");
  return `no ${kind} that runs tasks is online (${names}: view-only, ${viewOnly[0]!.runsTasksReason ?? "its host runs no tasks"}); the task starts when one can`;
}
