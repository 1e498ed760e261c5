import { canTakeTask, desktopPresence, type DesktopPresence } from "@deskfleet/protocol";

/** Pure dispatch rules, unit-tested without a Durable Object. */

export type QueueEntry = {
  taskId: string;
  priority: number;
  createdAt: number;
  /** Pinned desktop, or null for any desktop matching `labels`. */
  desktopId: string | null;
  labels: string[];
};

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

/**
 * Which queued task goes to which idle connected desktop. Each task takes the
 * longest-idle matching desktop; a task no desktop can take does not block the
 * ones behind it (a pinned task waiting for its desktop must not stall the fleet).
 */
export function planDispatch(queue: QueueEntry[], desktops: FleetDesktop[]): { taskId: string; desktopId: string }[] {
  const idle = desktops.filter((d) => canTakeTask(facts(d))).sort((a, b) => a.idleSince - b.idleSince || (a.id < b.id ? -1 : 1));
  const taken = new Set<string>();
  const plan: { taskId: string; desktopId: string }[] = [];
  for (const task of [...queue].sort(byQueueOrder)) {
    if (taken.size === idle.length) break;
    const d = idle.find((x) => !taken.has(x.id) && matches(task, x));
    if (!d) continue;
    taken.add(d.id);
    plan.push({ taskId: task.taskId, desktopId: d.id });
  }
  return plan;
}

/**
 * Why a queued task cannot start even when desktops free up, in words a person
 * can act on; null when it only waits its turn (every desktop that could take
 * it is busy). Shown on the task while it waits.
 */
export function waitingReason(task: QueueEntry, desktops: FleetDesktop[]): string | null {
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
