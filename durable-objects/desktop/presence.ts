import { CloseCode, type DesktopResources, type HostCapabilities } from "@deskfleet/protocol";

/** What DesktopDO keeps in storage about its host. */
export type PresenceRecord = {
  desktopId: string;
  connected: boolean;
  lastHeartbeatAt: number;
  lastSeenWrittenAt: number;
  capabilities: HostCapabilities | null;
  /** The host's latest figures (with a heartbeat) and when they came; absent until the first. */
  resources?: { figures: DesktopResources; receivedAt: number };
};

/** When the host counts as lost: heartbeats stopped (or the socket closed) this long ago. */
export function lostAt(p: PresenceRecord, timeoutMs: number): number {
  return p.lastHeartbeatAt + timeoutMs;
}

/** D1's `lastSeenAt` follows heartbeats at most this often; the object's own record follows every one. */
const LAST_SEEN_WRITE_EVERY_MS = 60_000;

export type PresenceDeps = {
  sql: SqlStorage;
  /** How long without a heartbeat (or any message) before the host is lost. */
  timeoutMs: number;
  /** D1, for the API: whether a host is connected, and when it was last seen. */
  store: {
    setHostPresence(desktopId: string, p: { connected: boolean; capabilities?: HostCapabilities; lastSeenAt: number }): Promise<void>;
    touchLastSeen(desktopId: string, at: number): Promise<void>;
  };
  /** FleetDO, for dispatch. */
  fleet: {
    desktopOnline(d: { desktopId: string; labels: string[]; activeTasks: string[]; runsTasks: boolean; runsTasksReason: string | null; directVnc: boolean }): Promise<void>;
    desktopOffline(desktopId: string): Promise<void>;
    desktopLost(desktopId: string, message: string): Promise<void>;
  };
  armDeadline(at: number): Promise<void>;
  clearDeadline(): Promise<void>;
  /** Closes the host's sockets (the deadline passed). */
  closeHosts(code: number, reason: string): void;
};

/**
 * Whether this desktop's host is connected: DesktopDO alone knows it. Kept in
 * the object's SQLite, written to D1 for the API and told to FleetDO for
 * dispatch. A closed socket is not a lost host (a deploy or a network blip
 * drops sockets and the host reconnects): it is lost when the heartbeat
 * deadline passes without a sign of life.
 */
export class Presence {
  readonly #d: PresenceDeps;
  #p: PresenceRecord | null;

  constructor(deps: PresenceDeps) {
    this.#d = deps;
    deps.sql.exec(`CREATE TABLE IF NOT EXISTS presence (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL)`);
    const row = deps.sql.exec<{ value: string }>(`SELECT value FROM presence WHERE id = 1`).toArray()[0];
    this.#p = row ? (JSON.parse(row.value) as PresenceRecord) : null;
  }

  get desktopId(): string | null {
    return this.#p?.desktopId ?? null;
  }

  get lastHeartbeatAt(): number | null {
    return this.#p?.lastHeartbeatAt ?? null;
  }

  /** A host said hello: connected from now on, in this object's storage (`announce` tells the others). */
  connect(desktopId: string, capabilities: HostCapabilities, now: number): void {
    this.#save({ desktopId, connected: true, lastHeartbeatAt: now, lastSeenWrittenAt: now, capabilities });
  }

  /** After `connect`: tells D1 and FleetDO (which may assign a task at once), and arms the deadline. */
  async announce(desktop: { labels: string[]; directVnc: boolean }, activeTasks: string[], now: number): Promise<void> {
    const p = this.#p;
    if (!p) return;
    await this.#d.store.setHostPresence(p.desktopId, { connected: true, ...(p.capabilities ? { capabilities: p.capabilities } : {}), lastSeenAt: now });
    await this.#d.armDeadline(now + this.#d.timeoutMs);
    const runsTasks = p.capabilities?.runsTasks ?? true;
    await this.#d.fleet.desktopOnline({
      desktopId: p.desktopId, labels: desktop.labels, activeTasks, directVnc: desktop.directVnc,
      runsTasks, runsTasksReason: runsTasks ? null : (p.capabilities?.runsTasksReason ?? "the host says it runs no tasks"),
    });
  }

  /** The host's latest figures while it is connected; null before its first heartbeat with them, or without a host. */
  get resources(): { figures: DesktopResources; receivedAt: number } | null {
    return this.#p?.connected && this.#p.resources ? this.#p.resources : null;
  }

  /**
   * A heartbeat: the deadline moves on (the alarm re-reads it), and D1 hears
   * of it once a minute. Its figures stay in this object only: read live by
   * the API, they would cost a D1 write per desktop every few seconds.
   */
  async heartbeat(now: number, resources?: DesktopResources): Promise<void> {
    const p = this.#p;
    if (!p) return;
    const writeLastSeen = now - p.lastSeenWrittenAt >= LAST_SEEN_WRITE_EVERY_MS;
    this.#save({
      ...p,
      lastHeartbeatAt: now,
      lastSeenWrittenAt: writeLastSeen ? now : p.lastSeenWrittenAt,
      ...(resources ? { resources: { figures: resources, receivedAt: now } } : {}),
    });
    if (writeLastSeen) await this.#d.store.touchLastSeen(p.desktopId, now);
  }

  /** Any other message is a sign of life too. */
  touch(now: number): void {
    if (this.#p) this.#save({ ...this.#p, lastHeartbeatAt: now });
  }

  /** The greeted host's socket closed and no newer one replaced it: offline, not lost, until the deadline. */
  async socketClosed(): Promise<void> {
    const p = this.#p;
    if (!p?.connected) return;
    this.#save({ ...p, connected: false });
    await this.#d.store.setHostPresence(p.desktopId, { connected: false, lastSeenAt: p.lastHeartbeatAt });
    await this.#d.fleet.desktopOffline(p.desktopId);
  }

  /** The presence deadline: re-armed if the host was heard from since, otherwise the host is lost. */
  async check(now: number): Promise<void> {
    const p = this.#p;
    if (!p) return;
    const deadline = lostAt(p, this.#d.timeoutMs);
    if (now < deadline) return this.#d.armDeadline(deadline);
    const seconds = Math.round(this.#d.timeoutMs / 1000);
    this.#d.closeHosts(CloseCode.heartbeatTimeout, `no heartbeat for ${seconds} s`);
    this.#save({ ...p, connected: false });
    if (p.connected) await this.#d.store.setHostPresence(p.desktopId, { connected: false, lastSeenAt: p.lastHeartbeatAt });
    await this.#d.fleet.desktopLost(p.desktopId, `the desktop host stopped responding (no heartbeat for ${seconds} s)`);
    this.#clear();
  }

  /** The desktop was deleted: nothing to remember, nothing to time out. */
  async forget(): Promise<void> {
    this.#clear();
    await this.#d.clearDeadline();
  }

  #save(p: PresenceRecord): void {
    this.#p = p;
    this.#d.sql.exec(`INSERT OR REPLACE INTO presence (id, value) VALUES (1, ?)`, JSON.stringify(p));
  }

  #clear(): void {
    this.#p = null;
    this.#d.sql.exec(`DELETE FROM presence`);
  }
}
