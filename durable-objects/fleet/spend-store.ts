import type { SpendEntry, SpendGroup, SpendRow } from "@deskfleet/protocol";
import type { BudgetLimits, HoldReason } from "./budget.ts";

/** The fleet switch as stored: who paused it, when, and what running tasks do. */
export type FleetPause = { by: string; at: number; running: "cancel" | "pause" };

/**
 * FleetDO's SQLite for spend: one row per model call (keyed so a resent call
 * is counted once), the runtime budget, the kill switch, which tasks run
 * anyway, and which running tasks the fleet holds and why.
 */
export class SpendStore {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS spend (key TEXT PRIMARY KEY, at INTEGER NOT NULL, cost_usd REAL NOT NULL, model TEXT NOT NULL, source TEXT NOT NULL,
      task_id TEXT, desktop_id TEXT, agent TEXT, schedule_id TEXT, identity TEXT, conversation_id TEXT)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS spend_at ON spend (at)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS spend_identity ON spend (identity, at)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS fleet_settings (name TEXT PRIMARY KEY, value TEXT)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS run_anyway (task_id TEXT PRIMARY KEY, by TEXT NOT NULL, at INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS held (task_id TEXT PRIMARY KEY, reason TEXT NOT NULL)`);
  }

  /** Counts one model call; false when its key was counted before (a host resending after a reconnect). */
  record(e: SpendEntry): boolean {
    return this.sql.exec(
      `INSERT OR IGNORE INTO spend (key, at, cost_usd, model, source, task_id, desktop_id, agent, schedule_id, identity, conversation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      e.key, e.at, e.costUsd, e.model, e.source, e.taskId ?? null, e.desktopId ?? null, e.agent ?? null, e.scheduleId ?? null, e.identity ?? null, e.conversationId ?? null,
    ).rowsWritten > 0;
  }

  /** Dollars since `from`: the fleet's, or one identity's (the creator of the tasks that spent them). */
  spentSince(from: number, identity?: string): number {
    if (identity === undefined) return this.sql.exec<{ s: number | null }>(`SELECT SUM(cost_usd) AS s FROM spend WHERE at >= ?`, from).one().s ?? 0;
    return this.sql.exec<{ s: number | null }>(`SELECT SUM(cost_usd) AS s FROM spend WHERE identity = ? AND at >= ?`, identity, from).one().s ?? 0;
  }

  /** Dollars and calls in [from, to), grouped by one dimension (`day`: UTC dates). */
  grouped(from: number, to: number, by: SpendGroup): SpendRow[] {
    const column = GROUP_COLUMNS[by];
    return this.sql
      .exec<{ k: string | null; cost: number; calls: number }>(
        `SELECT ${column} AS k, SUM(cost_usd) AS cost, COUNT(*) AS calls FROM spend WHERE at >= ? AND at < ? GROUP BY k ORDER BY ${by === "day" ? "k" : "cost DESC"} LIMIT 500`,
        from, to,
      )
      .toArray()
      .map((r) => ({ key: r.k, costUsd: r.cost, calls: r.calls }));
  }

  /** Each run of a schedule (its tasks) with what it cost, oldest first. */
  scheduleRuns(scheduleId: string, from: number, to: number): { taskId: string; at: number; costUsd: number; calls: number }[] {
    return this.sql
      .exec<{ task_id: string; at: number; cost: number; calls: number }>(
        `SELECT task_id, MIN(at) AS at, SUM(cost_usd) AS cost, COUNT(*) AS calls FROM spend WHERE schedule_id = ? AND at >= ? AND at < ? AND task_id IS NOT NULL GROUP BY task_id ORDER BY at LIMIT 500`,
        scheduleId, from, to,
      )
      .toArray()
      .map((r) => ({ taskId: r.task_id, at: r.at, costUsd: r.cost, calls: r.calls }));
  }

  setting(name: string): string | null {
    return this.sql.exec<{ value: string | null }>(`SELECT value FROM fleet_settings WHERE name = ?`, name).toArray()[0]?.value ?? null;
  }

  setSetting(name: string, value: string | null): void {
    if (value === null) this.sql.exec(`DELETE FROM fleet_settings WHERE name = ?`, name);
    else this.sql.exec(`INSERT OR REPLACE INTO fleet_settings (name, value) VALUES (?, ?)`, name, value);
  }

  /** The limits an admin set at runtime (each null: the deployment's setting applies). */
  budgetOverride(): BudgetLimits | null {
    const raw = this.setting("budget");
    return raw ? (JSON.parse(raw) as BudgetLimits) : null;
  }

  setBudgetOverride(limits: BudgetLimits | null): void {
    this.setSetting("budget", limits ? JSON.stringify(limits) : null);
  }

  pause(): FleetPause | null {
    const raw = this.setting("pause");
    return raw ? (JSON.parse(raw) as FleetPause) : null;
  }

  setPause(p: FleetPause | null): void {
    this.setSetting("pause", p ? JSON.stringify(p) : null);
  }

  runAnyway(taskId: string, by: string, at: number): void {
    this.sql.exec(`INSERT OR IGNORE INTO run_anyway (task_id, by, at) VALUES (?, ?, ?)`, taskId, by, at);
  }

  exempt(): Set<string> {
    return new Set(this.sql.exec<{ task_id: string }>(`SELECT task_id FROM run_anyway`).toArray().map((r) => r.task_id));
  }

  held(): Map<string, HoldReason> {
    return new Map(this.sql.exec<{ task_id: string; reason: HoldReason }>(`SELECT task_id, reason FROM held`).toArray().map((r) => [r.task_id, r.reason]));
  }

  setHeld(taskId: string, reason: HoldReason | null): void {
    if (reason === null) this.sql.exec(`DELETE FROM held WHERE task_id = ?`, taskId);
    else this.sql.exec(`INSERT OR REPLACE INTO held (task_id, reason) VALUES (?, ?)`, taskId, reason);
  }

  /** The task ended: nothing about it is held or exempt any more (its spend rows stay). */
  forget(taskId: string): void {
    this.sql.exec(`DELETE FROM held WHERE task_id = ?`, taskId);
    this.sql.exec(`DELETE FROM run_anyway WHERE task_id = ?`, taskId);
  }
}

const GROUP_COLUMNS: Record<SpendGroup, string> = {
  desktop: "desktop_id", agent: "agent", schedule: "schedule_id", identity: "identity", model: "model", source: "source", task: "task_id",
  day: "strftime('%Y-%m-%d', at / 1000, 'unixepoch')",
};
