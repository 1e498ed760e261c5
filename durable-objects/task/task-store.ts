import type { EventBody, TaskEvent } from "@deskfleet/protocol";
import { storedTaskEvent } from "@deskfleet/protocol";
import type { StoredEvent } from "../../db/task-events.ts";
import type { TaskRecord } from "./task-record.ts";
import type { AssignmentSnapshot } from "../../domain/agents/assignment.ts";

/**
 * TaskDO's own SQLite storage: the task record and its event log. The log is
 * the source of truth; `flushed` marks what has reached D1.
 */
export class TaskStore {
  private readonly sql: SqlStorage;
  /** The log's last sequence number, read once: this object is the log's only writer. */
  private last: number;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS events (
      seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, source TEXT NOT NULL, host_seq INTEGER,
      data TEXT NOT NULL, text TEXT, at INTEGER NOT NULL, flushed INTEGER NOT NULL DEFAULT 0)`);
    sql.exec(`CREATE INDEX IF NOT EXISTS events_unflushed ON events (flushed, seq)`);
    this.last = sql.exec<{ s: number | null }>(`SELECT MAX(seq) AS s FROM events`).one().s ?? 0;
  }

  loadRecord(): TaskRecord | null {
    const row = this.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'task'`).toArray()[0];
    return row ? (JSON.parse(row.value) as TaskRecord) : null;
  }

  saveRecord(r: TaskRecord): void {
    this.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('task', ?)`, JSON.stringify(r));
  }

  /** The profile, tools and briefing resolved at the first assignment; kept apart from the record, which is rewritten on every event. */
  loadAssignment(): AssignmentSnapshot | null {
    const row = this.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'assignment'`).toArray()[0];
    return row ? (JSON.parse(row.value) as AssignmentSnapshot) : null;
  }

  saveAssignment(s: AssignmentSnapshot): void {
    this.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('assignment', ?)`, JSON.stringify(s));
  }

  lastSeq(): number {
    return this.last;
  }

  append(taskId: string, e: EventBody & { source: "host" | "server"; hostSeq: number | null; text: string | null; at: number }): TaskEvent {
    const seq = this.last + 1;
    this.sql.exec(
      `INSERT INTO events (seq, kind, source, host_seq, data, text, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      seq, e.kind, e.source, e.hostSeq, JSON.stringify(e.data), e.text, e.at,
    );
    this.last = seq;
    return storedTaskEvent({ taskId, seq, kind: e.kind, source: e.source, hostSeq: e.hostSeq, data: e.data, at: e.at });
  }

  eventsAfter(taskId: string, after: number, limit: number): TaskEvent[] {
    return this.sql
      .exec<EventRow>(`SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
      .toArray()
      .map((r) => rowToEvent(taskId, r));
  }

  unflushed(taskId: string, limit: number): StoredEvent[] {
    return this.sql
      .exec<EventRow>(`SELECT * FROM events WHERE flushed = 0 ORDER BY seq LIMIT ?`, limit)
      .toArray()
      .map((r) => ({ ...rowToEvent(taskId, r), text: r.text }));
  }

  markFlushed(upToSeq: number): void {
    this.sql.exec(`UPDATE events SET flushed = 1 WHERE flushed = 0 AND seq <= ?`, upToSeq);
  }

  hasUnflushed(): boolean {
    return this.sql.exec(`SELECT 1 FROM events WHERE flushed = 0 LIMIT 1`).toArray().length > 0;
  }
}

type EventRow = { seq: number; kind: string; source: string; host_seq: number | null; data: string; text: string | null; at: number };

function rowToEvent(taskId: string, r: EventRow): TaskEvent {
  return storedTaskEvent({ taskId, seq: r.seq, kind: r.kind, source: r.source, hostSeq: r.host_seq, data: JSON.parse(r.data), at: r.at });
}
