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
};

/** Exclusive secret → the task holding it. */
export type Holds = ReadonlyMap<string, string>;

export type FleetDesktop = {
  id: string;
  labels: string[];
  connected: boolean;
  busyTaskId: string | null;
  /** When it last became idle (or connected); the longest-idle desktop goes first. */
  idleSince: number;
};

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
export function waitingReason(task: QueueEntry, holds: Holds): string | null {
  const held = heldFrom(task, holds);
  return held ? `waiting for secret \`${held.secret}\`: it is exclusive (one session at a time) and task ${held.heldBy} is using it` : null;
}

/**
 * Which queued task goes to which idle connected desktop. Each task takes the
 * longest-idle matching desktop; a task no desktop can take does not block the
 * ones behind it (a pinned task waiting for its desktop must not stall the fleet).
 * A task needing an exclusive secret another task holds waits, and one pass
 * never starts two tasks needing the same exclusive secret.
 */
export function planDispatch(queue: QueueEntry[], desktops: FleetDesktop[], holds: Holds = new Map()): { taskId: string; desktopId: string }[] {
  const idle = desktops.filter((d) => d.connected && d.busyTaskId === null).sort((a, b) => a.idleSince - b.idleSince || (a.id < b.id ? -1 : 1));
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
