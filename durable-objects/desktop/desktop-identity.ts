/**
 * The object's own desktop id, kept in its SQLite: alarms run without a
 * request (the takeover lease expiring) and need to know whose desktop this is.
 */
export class DesktopIdentity {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  }

  remember(desktopId: string): void {
    this.#sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('desktop_id', ?)`, desktopId);
  }

  /** The id remembered, or "" if the object never learned it. */
  recall(): string {
    return this.#sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'desktop_id'`).toArray()[0]?.value ?? "";
  }
}
