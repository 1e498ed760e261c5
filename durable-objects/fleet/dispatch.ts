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

/**
 * Which queued task goes to which idle connected desktop. Each task takes the
 * longest-idle matching desktop; a task no desktop can take does not block the
 * ones behind it (a pinned task waiting for its desktop must not stall the fleet).
 */
export function planDispatch(queue: QueueEntry[], desktops: FleetDesktop[]): { taskId: string; desktopId: string }[] {
  const idle = desktops.filter((d) => d.connected && d.busyTaskId === null).sort((a, b) => a.idleSince - b.idleSince || (a.id < b.id ? -1 : 1));
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
