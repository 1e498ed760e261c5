import type { Task } from "../tasks/types.ts";

export type Chain = { head: Task; retries: Task[] };

/**
 * Groups self-healing retries with the task they retry (by originalTaskId), so
 * a retried task reads as one attempt chain. A retry whose original is on
 * another page stands alone, still labelled as a retry.
 */
export function chainTasks(tasks: readonly Task[]): Chain[] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const retries = new Map<string, Task[]>();
  for (const t of tasks) {
    if (t.originalTaskId && byId.has(t.originalTaskId)) {
      retries.set(t.originalTaskId, [...(retries.get(t.originalTaskId) ?? []), t]);
    }
  }
  return tasks
    .filter((t) => !(t.originalTaskId && byId.has(t.originalTaskId)))
    .map((head) => ({ head, retries: (retries.get(head.id) ?? []).sort((a, b) => a.retryNumber - b.retryNumber) }));
}
