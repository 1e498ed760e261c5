import type { TaskEvent } from "@deskfleet/protocol";

type Api = (method: string, path: string) => Promise<{ status: number; json: any }>;

/** Every stored event of a task, from D1 through the API, paging by `after`. */
export async function storedEvents(api: Api, taskId: string): Promise<TaskEvent[]> {
  const out: TaskEvent[] = [];
  for (let after = 0; ; ) {
    const res = await api("GET", `/api/tasks/${taskId}/events?after=${after}&limit=1000`);
    if (res.status !== 200) throw new Error(`GET events of ${taskId}: ${res.status} ${JSON.stringify(res.json)}`);
    const items = res.json.items as TaskEvent[];
    out.push(...items);
    if (items.length < 1000) return out;
    after = items.at(-1)!.seq;
  }
}

/**
 * What is wrong with a task's history, if anything: our seqs must rise by one
 * from 1, and the host's seqs must be exactly 1..N in order (each event
 * stored once, none missing). Empty when the history is whole.
 */
export function historyProblems(events: readonly TaskEvent[]): string[] {
  const problems: string[] = [];
  events.forEach((e, i) => {
    if (e.seq !== i + 1) problems.push(`event #${i + 1} has seq ${e.seq}`);
  });
  const host = events.filter((e) => e.hostSeq !== null).map((e) => e.hostSeq!);
  host.forEach((s, i) => {
    if (s !== i + 1) problems.push(`host event #${i + 1} has host seq ${s} (${host.slice(Math.max(0, i - 2), i + 3).join(",")})`);
  });
  return problems.slice(0, 10);
}
