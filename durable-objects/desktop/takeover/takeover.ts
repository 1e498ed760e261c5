import type { ServerMessage, TakeoverLease } from "@deskfleet/protocol";
import { rpcFail, type RpcResult } from "../../../domain/api-error.ts";
import { checkHandback, checkTakeover, DEFAULT_LEASE_IDLE_MS, expiresAt, handbackNote, isLive, type HandbackReason, type Lease, type Person } from "./lease.ts";
import { revokedBy } from "../../../domain/access/grant.ts";

export type TakeoverDeps = {
  sql: SqlStorage;
  idleMs: number;
  /** The task this desktop runs now (FleetDO's fact, read from D1). */
  currentTaskId(desktopId: string): Promise<string | null>;
  pauseTask(taskId: string, by: string): Promise<boolean>;
  resumeTask(taskId: string, by: string, note: string): Promise<boolean>;
  pushToHost(message: ServerMessage): boolean;
  armDeadline(at: number): Promise<void>;
  clearDeadline(): Promise<void>;
  audit(entry: { actor: string; action: string; targetId: string; details: Record<string, unknown> }): Promise<void>;
};

/** How often the holder's activity is written to storage; the alarm re-reads memory first. */
const PERSIST_INPUT_EVERY_MS = 5_000;

/** The desktop's control lease, persisted in the object's SQLite. */
export class Takeover {
  readonly #d: TakeoverDeps;
  #lease: Lease | null;
  #persistedInputAt = 0;

  constructor(deps: TakeoverDeps) {
    this.#d = deps;
    deps.sql.exec(`CREATE TABLE IF NOT EXISTS takeover (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL)`);
    const row = deps.sql.exec<{ value: string }>(`SELECT value FROM takeover WHERE id = 1`).toArray()[0];
    this.#lease = row ? (JSON.parse(row.value) as Lease) : null;
  }

  static idleMsFrom(value: string | undefined): number {
    const n = Number(value);
    return value && Number.isFinite(n) && n > 0 ? n : DEFAULT_LEASE_IDLE_MS;
  }

  status(desktopId: string, now = Date.now()): TakeoverLease | null {
    const l = this.#lease;
    if (!isLive(l, now, this.#d.idleMs)) return null;
    return { desktopId, holder: l.holder, since: l.since, expiresAt: expiresAt(l, this.#d.idleMs), pausedTaskId: l.pausedTaskId };
  }

  /** Whether this person's input may reach the desktop now. */
  mayAct(personId: string, now = Date.now()): boolean {
    return isLive(this.#lease, now, this.#d.idleMs) && this.#lease.holder.id === personId;
  }

  /** The holder acted: their lease lives on. */
  touch(personId: string, now = Date.now()): void {
    const l = this.#lease;
    if (!l || l.holder.id !== personId) return;
    l.lastInputAt = now;
    if (now - this.#persistedInputAt >= PERSIST_INPUT_EVERY_MS) this.#save(l);
  }

  async take(desktopId: string, who: Person & { keys?: string[] }, now = Date.now()): Promise<RpcResult<TakeoverLease>> {
    const refusal = checkTakeover(this.#lease, who, now, this.#d.idleMs);
    if (refusal) return rpcFail(refusal.status, refusal.code, refusal.message);
    const previous = isLive(this.#lease, now, this.#d.idleMs) ? this.#lease : null;
    let pausedTaskId = previous?.pausedTaskId ?? null;
    if (!previous) {
      if (this.#lease) await this.#release("system", undefined, "inactivity", now);
      const taskId = await this.#d.currentTaskId(desktopId);
      if (taskId && (await this.#d.pauseTask(taskId, who.name))) {
        pausedTaskId = taskId;
        this.#d.pushToHost({ type: "pause", taskId, reason: "takeover", by: who.name });
      }
    }
    const lease: Lease = { holder: { id: who.id, name: who.name }, ...(who.keys ? { keys: who.keys } : {}), since: previous?.since ?? now, lastInputAt: now, pausedTaskId };
    this.#save(lease);
    await this.#d.armDeadline(expiresAt(lease, this.#d.idleMs));
    return { ok: this.status(desktopId, now)! };
  }

  async handBack(desktopId: string, who: Person & { admin: boolean }, note: string | undefined, now = Date.now()): Promise<RpcResult<{ desktopId: string; resumedTaskId: string | null }>> {
    const refusal = checkHandback(this.#lease, who, now, this.#d.idleMs);
    if (refusal) return rpcFail(refusal.status, refusal.code, refusal.message);
    const resumedTaskId = await this.#release(who.name, note, "handback", now);
    return { ok: { desktopId, resumedTaskId } };
  }

  /**
   * The credential or session the lease was taken with was revoked: the lease ends now and the
   * agent resumes, as after inactivity. True if it ended.
   */
  async endRevoked(desktopId: string, revoked: readonly string[], now = Date.now()): Promise<boolean> {
    const l = this.#lease;
    if (!l || !revokedBy(l.keys, revoked)) return false;
    const resumedTaskId = await this.#release("system", undefined, "revoked", now);
    await this.#d.audit({ actor: "system", action: "desktop.handback", targetId: desktopId, details: { holder: l.holder.id, reason: "revoked", pausedTaskId: l.pausedTaskId, resumedTaskId } });
    return true;
  }

  /** From the alarm: ends a lease whose holder stopped acting; re-arms a live one. */
  async checkExpiry(desktopId: string, now = Date.now()): Promise<void> {
    const l = this.#lease;
    if (!l) return;
    const { holder, pausedTaskId } = l;
    if (isLive(l, now, this.#d.idleMs)) return this.#d.armDeadline(expiresAt(l, this.#d.idleMs));
    const resumedTaskId = await this.#release("system", undefined, "inactivity", now);
    await this.#d.audit({ actor: "system", action: "desktop.handback", targetId: desktopId, details: { holder: holder.id, reason: "inactivity", pausedTaskId, resumedTaskId } });
  }

  async #release(by: string, note: string | undefined, reason: HandbackReason, now: number): Promise<string | null> {
    const l = this.#lease;
    if (!l) return null;
    this.#lease = null;
    this.#d.sql.exec(`DELETE FROM takeover`);
    await this.#d.clearDeadline();
    if (!l.pausedTaskId) return null;
    const text = handbackNote(l, by, now, note, reason);
    if (!(await this.#d.resumeTask(l.pausedTaskId, by, text))) return null;
    this.#d.pushToHost({ type: "resume", taskId: l.pausedTaskId, note: text });
    return l.pausedTaskId;
  }

  #save(lease: Lease): void {
    this.#lease = lease;
    this.#persistedInputAt = lease.lastInputAt;
    this.#d.sql.exec(`INSERT OR REPLACE INTO takeover (id, value) VALUES (1, ?)`, JSON.stringify(lease));
  }
}
