import type { FleetDesktop, Holds, QueueEntry } from "./dispatch.ts";

/** FleetDO's SQLite: the queue and the desktops' availability. The only record of who runs what. */
export class FleetStore {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS queue (task_id TEXT PRIMARY KEY, priority INTEGER NOT NULL, created_at INTEGER NOT NULL, desktop_id TEXT, labels TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS desktops (id TEXT PRIMARY KEY, labels TEXT NOT NULL, connected INTEGER NOT NULL, busy_task_id TEXT, idle_since INTEGER NOT NULL)`);
    // Exclusive vault secrets: which a queued task needs, which task holds each, and what each waiting task was told.
    sql.exec(`CREATE TABLE IF NOT EXISTS queue_exclusive (task_id TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (task_id, name))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS holds (name TEXT PRIMARY KEY, task_id TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS waiting (task_id TEXT PRIMARY KEY, reason TEXT NOT NULL)`);
  }

  enqueue(e: QueueEntry): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO queue (task_id, priority, created_at, desktop_id, labels) VALUES (?, ?, ?, ?, ?)`,
      e.taskId, e.priority, e.createdAt, e.desktopId, JSON.stringify(e.labels),
    );
    this.sql.exec(`DELETE FROM queue_exclusive WHERE task_id = ?`, e.taskId);
    for (const name of e.exclusive ?? []) this.sql.exec(`INSERT OR IGNORE INTO queue_exclusive (task_id, name) VALUES (?, ?)`, e.taskId, name);
  }

  dequeue(taskId: string): boolean {
    this.sql.exec(`DELETE FROM waiting WHERE task_id = ?`, taskId);
    this.sql.exec(`DELETE FROM queue_exclusive WHERE task_id = ?`, taskId);
    return this.sql.exec(`DELETE FROM queue WHERE task_id = ?`, taskId).rowsWritten > 0;
  }

  queue(): QueueEntry[] {
    const exclusive = new Map<string, string[]>();
    for (const r of this.sql.exec<{ task_id: string; name: string }>(`SELECT task_id, name FROM queue_exclusive ORDER BY name`).toArray()) {
      exclusive.set(r.task_id, [...(exclusive.get(r.task_id) ?? []), r.name]);
    }
    return this.sql
      .exec<{ task_id: string; priority: number; created_at: number; desktop_id: string | null; labels: string }>(`SELECT * FROM queue`)
      .toArray()
      .map((r) => ({ taskId: r.task_id, priority: r.priority, createdAt: r.created_at, desktopId: r.desktop_id, labels: JSON.parse(r.labels) as string[], exclusive: exclusive.get(r.task_id) ?? [] }));
  }

  /** Exclusive secret → the task holding it. */
  holds(): Holds {
    return new Map(this.sql.exec<{ name: string; task_id: string }>(`SELECT name, task_id FROM holds`).toArray().map((r) => [r.name, r.task_id]));
  }

  /** Holds `name` for the task unless another task holds it; returns the holder. */
  hold(name: string, taskId: string): string {
    this.sql.exec(`INSERT OR IGNORE INTO holds (name, task_id) VALUES (?, ?)`, name, taskId);
    return this.sql.exec<{ task_id: string }>(`SELECT task_id FROM holds WHERE name = ?`, name).one().task_id;
  }

  /** The task no longer runs: every exclusive secret it held is free. */
  releaseHolds(taskId: string): boolean {
    return this.sql.exec(`DELETE FROM holds WHERE task_id = ?`, taskId).rowsWritten > 0;
  }

  /** What a waiting task was last told (null: nothing), and remember the new word. Returns true when it changed. */
  setWaiting(taskId: string, reason: string | null): boolean {
    const before = this.sql.exec<{ reason: string }>(`SELECT reason FROM waiting WHERE task_id = ?`, taskId).toArray()[0]?.reason ?? null;
    if (before === reason) return false;
    if (reason === null) this.sql.exec(`DELETE FROM waiting WHERE task_id = ?`, taskId);
    else this.sql.exec(`INSERT OR REPLACE INTO waiting (task_id, reason) VALUES (?, ?)`, taskId, reason);
    return true;
  }

  desktops(): FleetDesktop[] {
    return this.sql.exec<DesktopRow>(`SELECT * FROM desktops`).toArray().map(toDesktop);
  }

  desktop(id: string): FleetDesktop | null {
    const row = this.sql.exec<DesktopRow>(`SELECT * FROM desktops WHERE id = ?`, id).toArray()[0];
    return row ? toDesktop(row) : null;
  }

  upsertDesktop(d: FleetDesktop): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO desktops (id, labels, connected, busy_task_id, idle_since) VALUES (?, ?, ?, ?, ?)`,
      d.id, JSON.stringify(d.labels), d.connected ? 1 : 0, d.busyTaskId, d.idleSince,
    );
  }

  removeDesktop(id: string): void {
    this.sql.exec(`DELETE FROM desktops WHERE id = ?`, id);
  }

  /** Claims an idle desktop for a task in one synchronous step: nothing can interleave. */
  claim(taskId: string, desktopId: string, exclusive: readonly string[] = []): boolean {
    const res = this.sql.exec(`UPDATE desktops SET busy_task_id = ? WHERE id = ? AND connected = 1 AND busy_task_id IS NULL`, taskId, desktopId);
    if (res.rowsWritten === 0) return false;
    this.dequeue(taskId);
    for (const name of exclusive) this.hold(name, taskId);
    return true;
  }

  release(desktopId: string, taskId: string, now: number): boolean {
    return this.sql.exec(`UPDATE desktops SET busy_task_id = NULL, idle_since = ? WHERE id = ? AND busy_task_id = ?`, now, desktopId, taskId).rowsWritten > 0;
  }

  desktopRunning(taskId: string): string | null {
    const row = this.sql.exec<{ id: string }>(`SELECT id FROM desktops WHERE busy_task_id = ?`, taskId).toArray()[0];
    return row?.id ?? null;
  }
}

type DesktopRow = { id: string; labels: string; connected: number; busy_task_id: string | null; idle_since: number };

function toDesktop(r: DesktopRow): FleetDesktop {
  return { id: r.id, labels: JSON.parse(r.labels) as string[], connected: r.connected === 1, busyTaskId: r.busy_task_id, idleSince: r.idle_since };
}
