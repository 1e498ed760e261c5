import type { ContentBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";
import type { Proposal, SupervisorEntry, SupervisorStatus } from "@deskfleet/protocol";
import type { Turn } from "../../domain/supervisor/conversation-window.ts";
import { INITIAL_STATE, type ConversationStore, type LoopState } from "../../domain/supervisor/loop-state.ts";

/** The inbox's marker for a row of content blocks (older rows are plain text). */
const BLOCKS = "blocks:";
/** People's view of a conversation is kept this long; the model's own context is bounded separately. */
const MAX_ENTRIES = 2_000;

export type StoreHooks = { onEntry(e: SupervisorEntry): void; onStatus(s: SupervisorStatus): void };

/** A conversation in the SupervisorDO's SQLite: the model's turns, the people's transcript, an inbox and the loop state. */
export class SupervisorStore implements ConversationStore {
  private readonly sql: SqlStorage;
  private readonly hooks: StoreHooks;

  constructor(sql: SqlStorage, hooks: StoreHooks) {
    this.sql = sql;
    this.hooks = hooks;
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS turns (seq INTEGER PRIMARY KEY AUTOINCREMENT, role TEXT NOT NULL, content TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, text TEXT NOT NULL, data TEXT, at INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS album_parts (seq INTEGER PRIMARY KEY AUTOINCREMENT, group_id TEXT NOT NULL, part TEXT NOT NULL)`);
    // This conversation's proposals, as decided here (D1 holds a mirror for queries).
    sql.exec(`CREATE TABLE IF NOT EXISTS proposals (id TEXT PRIMARY KEY, status TEXT NOT NULL, data TEXT NOT NULL)`);
  }

  proposal(id: string): Proposal | null {
    const row = this.sql.exec<{ data: string }>(`SELECT data FROM proposals WHERE id = ?`, id).toArray()[0];
    return row ? (JSON.parse(row.data) as Proposal) : null;
  }

  saveProposal(p: Proposal): void {
    this.sql.exec(`INSERT OR REPLACE INTO proposals (id, status, data) VALUES (?, ?, ?)`, p.id, p.status, JSON.stringify(p));
  }

  pendingProposals(): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM proposals WHERE status = 'pending'`).one().n;
  }

  get<T>(key: string): T | null {
    const row = this.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray()[0];
    return row ? (JSON.parse(row.value) as T) : null;
  }

  put(key: string, value: unknown): void {
    this.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, key, JSON.stringify(value));
  }

  state(): LoopState {
    return this.get<LoopState>("state") ?? INITIAL_STATE;
  }

  setState(s: LoopState): void {
    const before = this.state().status;
    this.put("state", s);
    if (s.status !== before) this.hooks.onStatus(s.status);
  }

  turns(): Turn[] {
    return this.sql
      .exec<{ role: string; content: string }>(`SELECT role, content FROM turns ORDER BY seq`)
      .toArray()
      .map((r) => ({ role: r.role as Turn["role"], content: JSON.parse(r.content) as Turn["content"] }));
  }

  appendTurn(t: Turn): void {
    this.sql.exec(`INSERT INTO turns (role, content) VALUES (?, ?)`, t.role, JSON.stringify(t.content));
  }

  replaceLastTurn(t: Turn): void {
    this.sql.exec(`UPDATE turns SET role = ?, content = ? WHERE seq = (SELECT MAX(seq) FROM turns)`, t.role, JSON.stringify(t.content));
  }

  replaceTurns(ts: Turn[]): void {
    this.sql.exec(`DELETE FROM turns`);
    for (const t of ts) this.appendTurn(t);
  }

  pushInbox(blocks: ContentBlockParam[]): void {
    this.sql.exec(`INSERT INTO inbox (text) VALUES (?)`, BLOCKS + JSON.stringify(blocks));
  }

  takeInbox(): ContentBlockParam[][] {
    const rows = this.sql.exec<{ text: string }>(`SELECT text FROM inbox ORDER BY seq`).toArray();
    if (rows.length) this.sql.exec(`DELETE FROM inbox`);
    // Rows stored before messages carried files hold plain text.
    return rows.map((r) => (r.text.startsWith(BLOCKS) ? (JSON.parse(r.text.slice(BLOCKS.length)) as ContentBlockParam[]) : [{ type: "text", text: r.text }]));
  }

  /** Parts of an album (media group) waiting for the rest of it. */
  addAlbumPart(groupId: string, part: unknown): void {
    this.sql.exec(`INSERT INTO album_parts (group_id, part) VALUES (?, ?)`, groupId, JSON.stringify(part));
  }

  takeAlbum<T>(groupId: string): T[] {
    const rows = this.sql.exec<{ part: string }>(`SELECT part FROM album_parts WHERE group_id = ? ORDER BY seq`, groupId).toArray();
    this.sql.exec(`DELETE FROM album_parts WHERE group_id = ?`, groupId);
    return rows.map((r) => JSON.parse(r.part) as T);
  }

  addEntry(kind: SupervisorEntry["kind"], text: string, data: Record<string, unknown> | null): SupervisorEntry {
    const at = Date.now();
    const { seq } = this.sql
      .exec<{ seq: number }>(`INSERT INTO entries (kind, text, data, at) VALUES (?, ?, ?, ?) RETURNING seq`, kind, text, data === null ? null : JSON.stringify(data), at)
      .one();
    if (seq % 100 === 0) this.sql.exec(`DELETE FROM entries WHERE seq <= ?`, seq - MAX_ENTRIES);
    const entry: SupervisorEntry = { seq, kind, text, data, at };
    this.hooks.onEntry(entry);
    return entry;
  }

  entries(after: number, limit: number): SupervisorEntry[] {
    return this.sql
      .exec<{ seq: number; kind: string; text: string; data: string | null; at: number }>(`SELECT * FROM entries WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
      .toArray()
      .map((r) => ({ seq: r.seq, kind: r.kind as SupervisorEntry["kind"], text: r.text, data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>), at: r.at }));
  }

  lastEntrySeq(): number {
    return this.sql.exec<{ seq: number | null }>(`SELECT MAX(seq) AS seq FROM entries`).one().seq ?? 0;
  }
}
