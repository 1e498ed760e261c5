import type { FleetDesktop, Holds, QueueEntry } from "./dispatch.ts";

/** FleetDO's SQLite: the queue and the desktops' availability. The only record of who runs what. */
export class FleetStore {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS queue (task_id TEXT PRIMARY KEY, priority INTEGER NOT NULL, created_at INTEGER NOT NULL, desktop_id TEXT, labels TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS desktops (id TEXT PRIMARY KEY, labels TEXT NOT NULL, connected INTEGER NOT NULL, busy_task_id TEXT, idle_since INTEGER NOT NULL)`);
    // Exclusive vault secrets: which a queued task needs and which task holds each.
    sql.exec(`CREATE TABLE IF NOT EXISTS queue_exclusive (task_id TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (task_id, name))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS holds (name TEXT PRIMARY KEY, task_id TEXT NOT NULL)`);
    // Added later: objects created before have the table without them.
    addColumn(sql, "desktops", "runs_tasks", "INTEGER NOT NULL DEFAULT 1");
    addColumn(sql, "desktops", "runs_tasks_reason", "TEXT");
    addColumn(sql, "desktops", "direct_vnc", "INTEGER NOT NULL DEFAULT 0");
    addColumn(sql, "queue", "waiting_reason", "TEXT");
    addColumn(sql, "queue", "owner", "TEXT");
    addColumn(sql, "queue", "owner_role", "TEXT");
    // Each start of an owned task, for quotas: running ones (ended = 0) and today's starts.
    sql.exec(`CREATE TABLE IF NOT EXISTS starts (task_id TEXT PRIMARY KEY, owner TEXT NOT NULL, at INTEGER NOT NULL, ended INTEGER NOT NULL DEFAULT 0)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS starts_owner ON starts (owner, at)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS task_owners (task_id TEXT PRIMARY KEY, owner TEXT NOT NULL, at INTEGER NOT NULL)`);
    addColumn(sql, "task_owners", "role", "TEXT");
  }

  /** What one owner runs now and started since `dayStart`. */
  ownerUse(owner: string, dayStart: number): { running: number; startedToday: number } {
    const r = this.sql.exec<{ running: number | null; today: number | null }>(
      `SELECT SUM(CASE WHEN ended = 0 THEN 1 ELSE 0 END) AS running, SUM(CASE WHEN at >= ? THEN 1 ELSE 0 END) AS today FROM starts WHERE owner = ?`, dayStart, owner,
    ).one();
    return { running: r.running ?? 0, startedToday: r.today ?? 0 };
  }

  /** Who created a task the fleet knows (own-only feeds); kept after it ends, pruned after 30 days. */
  ownerOf(taskId: string): string | null {
    return this.sql.exec<{ owner: string }>(`SELECT owner FROM task_owners WHERE task_id = ?`, taskId).toArray()[0]?.owner ?? null;
  }

  /** Who created a task and their role then (a running task's quota is its owner's identity rule, or their role's). */
  ownerWithRoleOf(taskId: string): { owner: string; role: string | null } | null {
    return this.sql.exec<{ owner: string; role: string | null }>(`SELECT owner, role FROM task_owners WHERE task_id = ?`, taskId).toArray()[0] ?? null;
  }

  noteOwner(taskId: string, owner: string, role: string | null): void {
    const now = Date.now();
    this.sql.exec(`INSERT OR REPLACE INTO task_owners (task_id, owner, at, role) VALUES (?, ?, ?, ?)`, taskId, owner, now, role);
    this.sql.exec(`DELETE FROM task_owners WHERE at < ?`, now - 30 * 86_400_000);
  }

  started(taskId: string, owner: string, at: number): void {
    this.sql.exec(`INSERT OR REPLACE INTO starts (task_id, owner, at, ended) VALUES (?, ?, ?, 0)`, taskId, owner, at);
    // Only today's starts and running tasks count: older ended ones go.
    this.sql.exec(`DELETE FROM starts WHERE ended = 1 AND at < ?`, at - 2 * 86_400_000);
  }

  /** The task ended or went back to the queue: it no longer runs for its owner (today's start still counts). */
  stopped(taskId: string): void {
    this.sql.exec(`UPDATE starts SET ended = 1 WHERE task_id = ?`, taskId);
  }

  /** The reason last told to a queued task (so it is told only when it changes). */
  waitingReasonOf(taskId: string): string | null {
    return this.sql.exec<{ r: string | null }>(`SELECT waiting_reason AS r FROM queue WHERE task_id = ?`, taskId).toArray()[0]?.r ?? null;
  }

  setWaitingReason(taskId: string, reason: string | null): void {
    this.sql.exec(`UPDATE queue SET waiting_reason = ? WHERE task_id = ?`, reason, taskId);
  }

  enqueue(e: QueueEntry): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO queue (task_id, priority, created_at, desktop_id, labels, owner, owner_role) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      e.taskId, e.priority, e.createdAt, e.desktopId, JSON.stringify(e.labels), e.owner ?? null, e.ownerRole ?? null,
    );
    this.sql.exec(`DELETE FROM queue_exclusive WHERE task_id = ?`, e.taskId);
    for (const name of e.exclusive ?? []) this.sql.exec(`INSERT OR IGNORE INTO queue_exclusive (task_id, name) VALUES (?, ?)`, e.taskId, name);
  }

  dequeue(taskId: string): boolean {
    this.sql.exec(`DELETE FROM queue_exclusive WHERE task_id = ?`, taskId);
    return this.sql.exec(`DELETE FROM queue WHERE task_id = ?`, taskId).rowsWritten > 0;
  }

  queue(): QueueEntry[] {
    const exclusive = new Map<string, string[]>();
    for (const r of this.sql.exec<{ task_id: string; name: string }>(`SELECT task_id, name FROM queue_exclusive ORDER BY name`).toArray()) {
      exclusive.set(r.task_id, [...(exclusive.get(r.task_id) ?? []), r.name]);
    }
    return this.sql
      .exec<{ task_id: string; priority: number; created_at: number; desktop_id: string | null; labels: string; owner: string | null; owner_role: string | null }>(`SELECT * FROM queue`)
      .toArray()
      .map((r) => ({
        taskId: r.task_id, priority: r.priority, createdAt: r.created_at, desktopId: r.desktop_id, labels: JSON.parse(r.labels) as string[], exclusive: exclusive.get(r.task_id) ?? [],
        owner: r.owner, ownerRole: r.owner_role,
      }));
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

  desktops(): FleetDesktop[] {
    return this.sql.exec<DesktopRow>(`SELECT * FROM desktops`).toArray().map(toDesktop);
  }

  desktop(id: string): FleetDesktop | null {
    const row = this.sql.exec<DesktopRow>(`SELECT * FROM desktops WHERE id = ?`, id).toArray()[0];
    return row ? toDesktop(row) : null;
  }

  upsertDesktop(d: FleetDesktop): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO desktops (id, labels, connected, busy_task_id, idle_since, runs_tasks, runs_tasks_reason, direct_vnc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      d.id, JSON.stringify(d.labels), d.connected ? 1 : 0, d.busyTaskId, d.idleSince, d.runsTasks ? 1 : 0, d.runsTasksReason, d.directVnc ? 1 : 0,
    );
  }

  removeDesktop(id: string): void {
    this.sql.exec(`DELETE FROM desktops WHERE id = ?`, id);
  }

  /** Claims an idle desktop for a task in one synchronous step: nothing can interleave. */
  claim(taskId: string, desktopId: string, exclusive: readonly string[] = []): boolean {
    const res = this.sql.exec(`UPDATE desktops SET busy_task_id = ? WHERE id = ? AND connected = 1 AND runs_tasks = 1 AND busy_task_id IS NULL`, taskId, desktopId);
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

type DesktopRow = {
  id: string; labels: string; connected: number; busy_task_id: string | null; idle_since: number;
  runs_tasks: number; runs_tasks_reason: string | null; direct_vnc: number;
};

function toDesktop(r: DesktopRow): FleetDesktop {
  return {
    id: r.id, labels: JSON.parse(r.labels) as string[], connected: r.connected === 1, busyTaskId: r.busy_task_id, idleSince: r.idle_since,
    runsTasks: r.runs_tasks === 1, runsTasksReason: r.runs_tasks_reason, directVnc: r.direct_vnc === 1,
  };
}

function addColumn(sql: SqlStorage, table: string, column: string, definition: string): void {
  const has = sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info(?)`, table).toArray().some((c) => c.name === column);
  if (!has) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
}
