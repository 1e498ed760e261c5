/**
 * Several named deadlines multiplexed onto a Durable Object's single alarm.
 * Stored in the object's SQLite so they survive eviction.
 */
export class Deadlines {
  private readonly storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.storage = storage;
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS deadlines (name TEXT PRIMARY KEY, at INTEGER NOT NULL)`);
  }

  async arm(name: string, at: number): Promise<void> {
    this.storage.sql.exec(`INSERT OR REPLACE INTO deadlines (name, at) VALUES (?, ?)`, name, at);
    await this.reschedule();
  }

  async clear(name: string): Promise<void> {
    this.storage.sql.exec(`DELETE FROM deadlines WHERE name = ?`, name);
    await this.reschedule();
  }

  get(name: string): number | null {
    const row = this.storage.sql.exec<{ at: number }>(`SELECT at FROM deadlines WHERE name = ?`, name).toArray()[0];
    return row?.at ?? null;
  }

  /** Removes and returns the deadlines that are due; call from `alarm()`, then `reschedule()`. */
  takeDue(now: number): string[] {
    const due = this.storage.sql
      .exec<{ name: string }>(`SELECT name FROM deadlines WHERE at <= ? ORDER BY at`, now)
      .toArray()
      .map((r) => r.name);
    if (due.length) this.storage.sql.exec(`DELETE FROM deadlines WHERE at <= ?`, now);
    return due;
  }

  async reschedule(): Promise<void> {
    const next = this.storage.sql.exec<{ at: number | null }>(`SELECT MIN(at) AS at FROM deadlines`).one().at;
    if (next === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(next);
  }
}
