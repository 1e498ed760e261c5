import { base64url, sha256Hex } from "../../../db/token-secrets.ts";

/** A viewer's ticket lives 60 s; a tunnel's as long as its viewer waits to be paired. */
export const VIEWER_TICKET_TTL_MS = 60_000;

export type TicketKind = "viewer" | "tunnel";

/** 32 random bytes, base64url, with a readable prefix: `dfv_` for viewers, `dfn_` for tunnels. */
export function newTicket(kind: TicketKind): string {
  return `${kind === "viewer" ? "dfv" : "dfn"}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/**
 * Single-use tickets kept hashed in the Durable Object's SQLite: a leaked
 * storage snapshot cannot open a viewer, and consuming deletes the row in the
 * same statement that finds it, so a ticket works once.
 */
export class TicketStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS relay_tickets (hash TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
  }

  async issue(kind: TicketKind, subject: unknown, ttlMs: number, now = Date.now()): Promise<{ ticket: string; expiresAt: number }> {
    this.#sql.exec(`DELETE FROM relay_tickets WHERE expires_at <= ?`, now);
    const ticket = newTicket(kind);
    const expiresAt = now + ttlMs;
    this.#sql.exec(`INSERT INTO relay_tickets (hash, kind, subject, expires_at) VALUES (?, ?, ?, ?)`, await sha256Hex(ticket), kind, JSON.stringify(subject), expiresAt);
    return { ticket, expiresAt };
  }

  /** The ticket's subject if it is valid now; the ticket is spent either way. */
  async consume<T>(kind: TicketKind, ticket: string, now = Date.now()): Promise<T | null> {
    const row = this.#sql
      .exec<{ subject: string; expires_at: number }>(`DELETE FROM relay_tickets WHERE hash = ? AND kind = ? RETURNING subject, expires_at`, await sha256Hex(ticket), kind)
      .toArray()[0];
    if (!row || row.expires_at <= now) return null;
    return JSON.parse(row.subject) as T;
  }

  /** Drops every unused ticket of a kind whose subject matches (its holder's access was revoked); returns how many. */
  revokeMatching<T>(kind: TicketKind, matches: (subject: T) => boolean): number {
    let dropped = 0;
    for (const row of this.#sql.exec<{ hash: string; subject: string }>(`SELECT hash, subject FROM relay_tickets WHERE kind = ?`, kind).toArray()) {
      if (!matches(JSON.parse(row.subject) as T)) continue;
      this.#sql.exec(`DELETE FROM relay_tickets WHERE hash = ?`, row.hash);
      dropped += 1;
    }
    return dropped;
  }

  /** Drops every unused ticket of a kind for a subject (a viewer left before its tunnel came). */
  revoke(kind: TicketKind, subject: unknown): void {
    this.#sql.exec(`DELETE FROM relay_tickets WHERE kind = ? AND subject = ?`, kind, JSON.stringify(subject));
  }
}
