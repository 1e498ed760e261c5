import type { TaskEvent } from "@deskfleet/protocol";
import { SimulatedHost, type SimulatedRun, type SimulatedTaskPlan } from "./simulated-host.ts";
import { watchTask, type TaskWatcher } from "./task-watcher.ts";
import { watchFleet, type FleetWatcher } from "./fleet-watcher.ts";
import { historyProblems, storedEvents } from "./stored-events.ts";

/**
 * A fleet under load against a real control plane: simulated hosts (each its
 * own desktop and host token, made through the API), a steady number of
 * tasks in flight for a fixed time, and dashboard watchers on task feeds and
 * the fleet feed. Shared by the load test (correctness) and `npm run bench --
 * fleet` (latencies). Traffic goes only to the control plane given, bounded
 * by `durationMs` and the drain timeout.
 */
export type FleetLoadOptions = {
  /** Desktop id prefix and task label; unique per run on one control plane. */
  name: string;
  hosts: number;
  concurrentTasks: number;
  taskWatchers: number;
  fleetWatchers: number;
  durationMs: number;
  plan: SimulatedTaskPlan;
  /** How long tasks still in flight at the end may take to finish. Default 60 s. */
  drainMs?: number;
};

export type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: any }>;
export type ControlPlaneRef = { url: string; adminToken: string; api: Api };

export type FleetLoadReport = {
  tasks: number;
  events: number;
  /** Task created (before the POST) → assign received by its host, ms. */
  dispatchMs: number[];
  /** Host sent → watcher received, ms, first delivery of each host event to each task watcher. */
  eventMs: number[];
  /** Everything that is wrong: lost, duplicated or misordered events, unfinished tasks, refused hosts. */
  problems: string[];
  hostReconnects: number;
  watcherReconnects: number;
  watchedTasks: number;
};

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Creates the desktops and their host tokens through the API, and connects a simulated host to each. */
export async function startSimulatedHosts(cp: ControlPlaneRef, o: Pick<FleetLoadOptions, "name" | "hosts" | "plan">, onAssign: (run: SimulatedRun) => void): Promise<SimulatedHost[]> {
  const ids = Array.from({ length: o.hosts }, (_, i) => `${o.name}-${i}`);
  const hosts: SimulatedHost[] = [];
  await pool(ids, 8, async (id) => {
    const created = await cp.api("POST", "/api/desktops", { id, name: `Simulated ${id}`, labels: [o.name] });
    if (created.status !== 201) throw new Error(`creating desktop ${id}: ${created.status} ${JSON.stringify(created.json)}`);
    const token = (await cp.api("POST", `/api/desktops/${id}/host-token`)).json.token as string;
    const host = new SimulatedHost({ baseUrl: cp.url, desktopId: id, token, plan: o.plan, onAssign });
    hosts.push(host);
    host.start();
  });
  if (!(await until(() => hosts.every((h) => h.welcomed), 60_000))) {
    throw new Error(`only ${hosts.filter((h) => h.welcomed).length} of ${o.hosts} simulated hosts were welcomed within 60 s`);
  }
  return hosts;
}

export async function runFleetLoad(cp: ControlPlaneRef, o: FleetLoadOptions): Promise<FleetLoadReport> {
  const createdAt = new Map<string, number>();
  const runs = new Map<string, SimulatedRun>();
  const assigned = new Map<string, (run: SimulatedRun) => void>();
  const hosts = await startSimulatedHosts(cp, o, (run) => {
    runs.set(run.taskId, run);
    assigned.get(run.taskId)?.(run);
  });
  const feeds: FleetWatcher[] = Array.from({ length: o.fleetWatchers }, () => watchFleet(cp.url, cp.adminToken));
  const watchers: TaskWatcher[] = [];
  const eventMs: number[] = [];
  const problems: string[] = [];
  let watching = 0;
  const seenBy = new Map<TaskWatcher, Set<number>>();

  const watch = (taskId: string) => {
    watching++;
    const seen = new Set<number>();
    const w = watchTask(cp.url, cp.adminToken, taskId, (e: TaskEvent, receivedAt) => {
      if (e.hostSeq !== null && !seen.has(e.seq)) eventMs.push(receivedAt - e.at);
      seen.add(e.seq);
    });
    seenBy.set(w, seen);
    watchers.push(w);
    void w.finished.then(() => {
      w.stop();
      watching--;
    });
  };

  /** One task from creation until its host has had every event acked. */
  const oneTask = async (n: number): Promise<void> => {
    const t0 = Date.now();
    const res = await cp.api("POST", "/api/tasks", { prompt: `${o.name} simulated task ${n}`, labels: [o.name] });
    if (res.status !== 201) {
      problems.push(`creating task ${n}: ${res.status} ${JSON.stringify(res.json)}`);
      return;
    }
    const id = res.json.id as string;
    createdAt.set(id, t0);
    if (watching < o.taskWatchers) watch(id);
    const run = runs.get(id) ?? (await new Promise<SimulatedRun>((r) => assigned.set(id, r)));
    await run.done;
  };

  // Keep `concurrentTasks` in flight until the time is up.
  const endAt = Date.now() + o.durationMs;
  let started = 0;
  const lanes = Array.from({ length: o.concurrentTasks }, async (_, lane) => {
    // Spread the first wave over a second so creation is not one burst.
    await new Promise((r) => setTimeout(r, (lane * 1000) / o.concurrentTasks));
    while (Date.now() < endAt) await oneTask(started++);
  });
  const drained = await Promise.race([Promise.all(lanes).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), o.durationMs + (o.drainMs ?? 60_000)))]);
  if (!drained) problems.push(`tasks still running ${(o.drainMs ?? 60_000) / 1000} s after the load ended`);

  // Every task: completed, its history whole, exactly the events its host sent.
  const ids = [...createdAt.keys()];
  let events = 0;
  await pool(ids, 6, async (id) => {
    const run = runs.get(id);
    if (!run) return void problems.push(`${id}: never assigned`);
    let stored: TaskEvent[] = [];
    // D1 is written just after the ack: give the last flush a moment.
    for (let i = 0; i < 30; i++) {
      stored = await storedEvents(cp.api, id);
      if (stored.filter((e) => e.hostSeq !== null).length >= run.sent && stored.some((e) => e.kind === "status" && e.data.status === "completed")) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const task = (await cp.api("GET", `/api/tasks/${id}`)).json;
    if (task.status !== "completed") problems.push(`${id}: ${task.status} ${JSON.stringify(task.error)}`);
    for (const p of historyProblems(stored)) problems.push(`${id}: ${p}`);
    const hostEvents = stored.filter((e) => e.hostSeq !== null).length;
    if (hostEvents !== run.sent) problems.push(`${id}: the host sent ${run.sent} events, ${hostEvents} are stored`);
    events += hostEvents;
  });

  // Every watcher: every stored event of its task, once, in order.
  await until(() => watching === 0, 15_000);
  await pool(watchers, 6, async (w) => {
    w.stop();
    const stored = await storedEvents(cp.api, w.taskId);
    const got = w.events.map((e) => e.seq);
    const want = stored.map((e) => e.seq);
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`watcher of ${w.taskId} saw seqs ${got.join(",")}; stored ${want.join(",")}`);
  });

  // The fleet feed has no replay: each feed watcher must show the end of every task created while it was connected.
  for (const [i, f] of feeds.entries()) {
    await until(() => ids.every((id) => createdAt.get(id)! < f.connectedSince || f.status(id) === "completed"), 10_000);
    const missed = ids.filter((id) => createdAt.get(id)! >= f.connectedSince && f.status(id) !== "completed");
    if (missed.length > 0) problems.push(`fleet watcher ${i} did not see ${missed.length} tasks complete (e.g. ${missed[0]}: ${f.status(missed[0]!)})`);
    f.stop();
  }

  for (const h of hosts) {
    h.stop();
    problems.push(...h.problems);
  }
  const dispatchMs = ids.flatMap((id) => (runs.has(id) ? [runs.get(id)!.assignReceivedAt - createdAt.get(id)!] : []));
  return {
    tasks: ids.length,
    events,
    dispatchMs,
    eventMs,
    problems,
    hostReconnects: hosts.reduce((s, h) => s + h.reconnects, 0),
    watcherReconnects: watchers.reduce((s, w) => s + w.reconnects, 0) + feeds.reduce((s, f) => s + f.reconnects, 0),
    watchedTasks: watchers.length,
  };
}
