/**
 * The object's own desktop id, kept in its SQLite: alarms run without a
 * request (the takeover lease expiring) and need to know whose desktop this is.
 * Also the desktop's current host token (its credential reference), once it
 * was replaced: sockets dialed with an older one are refused.
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

  setHostCredential(credential: string): void {
    this.#sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('host_credential', ?)`, credential);
  }

  /** The current host token's credential, or null until a token was replaced. */
  hostCredential(): string | null {
    return this.#sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'host_credential'`).toArray()[0]?.value ?? null;
  }

  /** The id remembered, or "" if the object never learned it. */
  recall(): string {
    return this.#sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'desktop_id'`).toArray()[0]?.value ?? "";
  }
}
