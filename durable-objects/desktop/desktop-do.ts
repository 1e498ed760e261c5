import type { AssignedTask, EventsMessage, HelloMessage, ServerMessage } from "@deskfleet/protocol";
import { CloseCode, HOST_PROTOCOL_VERSION, HostMessage } from "@deskfleet/protocol";
import { closeSafely, HibernatingObject, sendSafely } from "../base/hibernating-object.ts";
import { Deadlines } from "../base/deadlines.ts";
import { envNumber, fleetStub, taskStub } from "../stubs.ts";
import { PendingRequests } from "./pending-requests.ts";
import { lostAt, type HostAttachment, type PresenceRecord } from "./host-session.ts";
import { getDesktop } from "../../db/desktops.ts";
import { setHostPresence, touchLastSeen } from "../../db/desktop-presence.ts";

const HEARTBEAT_INTERVAL_MS = 10_000;
const LAST_SEEN_WRITE_EVERY_MS = 60_000;
export const VERIFIED_DESKTOP_HEADER = "x-deskfleet-verified-desktop";

/**
 * One per desktop: owns the host's control socket and the desktop's presence.
 * The Worker authenticates the host token before forwarding the upgrade here.
 */
export class DesktopDO extends HibernatingObject<HostAttachment> {
  private readonly deadlines: Deadlines;
  private presence: PresenceRecord | null;
  /** Events of one task are forwarded to TaskDO strictly in order. */
  private readonly forwarding = new Map<string, Promise<void>>();
  /** Screenshots and input the API asked the host for. */
  private readonly requests = new PendingRequests();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.deadlines = new Deadlines(ctx.storage);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS presence (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL)`);
    const row = ctx.storage.sql.exec<{ value: string }>(`SELECT value FROM presence WHERE id = 1`).toArray()[0];
    this.presence = row ? (JSON.parse(row.value) as PresenceRecord) : null;
  }

  override async fetch(request: Request): Promise<Response> {
    const desktopId = request.headers.get(VERIFIED_DESKTOP_HEADER);
    if (!desktopId || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authenticated WebSocket upgrade from the Worker", { status: 400 });
    }
    // Newest connection wins: a host that reconnects before its old socket timed out replaces it.
    for (const old of this.sockets("host")) closeSafely(old, CloseCode.replaced, "replaced by a newer connection from this desktop's host");
    const { response } = this.acceptSocket(["host"], { role: "host", desktopId, connectedAt: Date.now(), helloed: false });
    return response;
  }

  // ---- host messages

  protected override async onMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const att = this.attachmentOf(ws);
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
    } catch {
      return this.reply(ws, { type: "error", code: "bad_json", message: "messages must be JSON text" });
    }
    const msg = HostMessage.safeParse(parsed);
    if (!msg.success) {
      const issue = msg.error.issues[0];
      return this.reply(ws, { type: "error", code: "bad_message", message: `invalid message: ${issue?.path.join(".") || "(root)"}: ${issue?.message}` });
    }
    const m = msg.data;
    if (m.type === "hello") return this.onHello(ws, att, m);
    if (!att.helloed) return closeSafely(ws, CloseCode.policy, "send hello first");
    if (m.type === "heartbeat") return this.onHeartbeat();
    if (m.type === "desktop_response") return this.requests.settle(m.requestId, m.result);
    return this.onEvents(ws, att, m);
  }

  private async onHello(ws: WebSocket, att: HostAttachment, m: HelloMessage): Promise<void> {
    if (m.protocolVersion !== HOST_PROTOCOL_VERSION) {
      const advice = m.protocolVersion < HOST_PROTOCOL_VERSION ? "upgrade deskfleet-host" : "deploy the newer control plane";
      return closeSafely(ws, CloseCode.badVersion, `host protocol ${m.protocolVersion} is not supported; the server speaks ${HOST_PROTOCOL_VERSION}: ${advice}`);
    }
    if (m.desktopId !== att.desktopId) {
      return closeSafely(ws, CloseCode.wrongDesktop, `this host token belongs to desktop ${att.desktopId}, not ${m.desktopId}; run the host with --desktop ${att.desktopId}`);
    }
    const row = await getDesktop(this.env.DB, att.desktopId);
    if (!row) return closeSafely(ws, CloseCode.desktopDeleted, `desktop ${att.desktopId} no longer exists; add it again in the dashboard`);
    const now = Date.now();
    this.setAttachment(ws, { ...att, helloed: true });
    this.savePresence({ desktopId: att.desktopId, connected: true, lastHeartbeatAt: now, lastSeenWrittenAt: now, capabilities: m.capabilities });
    this.reply(ws, { type: "welcome", desktopId: att.desktopId, heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS, serverTime: now });
    await setHostPresence(this.env.DB, att.desktopId, { connected: true, capabilities: m.capabilities, lastSeenAt: now });
    await this.deadlines.arm("presence", now + this.timeoutMs());
    await fleetStub(this.env).desktopOnline({ desktopId: att.desktopId, labels: row.labels, activeTasks: m.activeTasks });
    // Whatever the host may have missed while it was away (answers, follow-ups, a cancel).
    for (const taskId of m.activeTasks) {
      for (const missed of await taskStub(this.env, taskId).hostReconnected(att.desktopId)) this.reply(ws, missed);
    }
  }

  private async onHeartbeat(): Promise<void> {
    const p = this.presence;
    if (!p) return;
    const now = Date.now();
    const writeLastSeen = now - p.lastSeenWrittenAt >= LAST_SEEN_WRITE_EVERY_MS;
    this.savePresence({ ...p, lastHeartbeatAt: now, lastSeenWrittenAt: writeLastSeen ? now : p.lastSeenWrittenAt });
    if (writeLastSeen) await touchLastSeen(this.env.DB, p.desktopId, now);
  }

  private onEvents(ws: WebSocket, att: HostAttachment, m: EventsMessage): Promise<void> {
    if (this.presence) this.savePresence({ ...this.presence, lastHeartbeatAt: Date.now() });
    const prev = this.forwarding.get(m.taskId) ?? Promise.resolve();
    const next = prev.then(async () => {
      try {
        const { ack, cancel } = await taskStub(this.env, m.taskId).ingest(att.desktopId, m.events);
        this.reply(ws, { type: "ack", taskId: m.taskId, seq: ack });
        if (cancel) this.reply(ws, { type: "cancel", taskId: m.taskId, reason: cancel });
      } catch (err) {
        // Not acked: the host keeps the events and resends them after its next reconnect.
        console.error("events for", m.taskId, "not stored:", err instanceof Error ? err.message : err);
      }
    });
    this.forwarding.set(m.taskId, next);
    void next.finally(() => {
      if (this.forwarding.get(m.taskId) === next) this.forwarding.delete(m.taskId);
    });
    return next;
  }

  protected override async onClose(ws: WebSocket): Promise<void> {
    const att = this.attachmentOf(ws);
    if (!att.helloed || this.hostSocket()) return;
    const p = this.presence;
    if (!p?.connected) return;
    // Not lost yet: a deploy or a network blip drops sockets and the host reconnects.
    // It is lost when the heartbeat deadline passes without a new connection.
    this.savePresence({ ...p, connected: false });
    await setHostPresence(this.env.DB, p.desktopId, { connected: false, lastSeenAt: p.lastHeartbeatAt });
    await fleetStub(this.env).desktopOffline(p.desktopId);
  }

  // ---- presence timeout

  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const name of this.deadlines.takeDue(now)) {
      if (name === "presence") await this.checkPresence(now);
    }
    await this.deadlines.reschedule();
  }

  private async checkPresence(now: number): Promise<void> {
    const p = this.presence;
    if (!p) return;
    const deadline = lostAt(p, this.timeoutMs());
    if (now < deadline) return this.deadlines.arm("presence", deadline);
    const seconds = Math.round(this.timeoutMs() / 1000);
    for (const ws of this.sockets("host")) closeSafely(ws, CloseCode.heartbeatTimeout, `no heartbeat for ${seconds} s`);
    const wasConnected = p.connected;
    this.savePresence({ ...p, connected: false });
    if (wasConnected) await setHostPresence(this.env.DB, p.desktopId, { connected: false, lastSeenAt: p.lastHeartbeatAt });
    await fleetStub(this.env).desktopLost(p.desktopId, `the desktop host stopped responding (no heartbeat for ${seconds} s)`);
    this.presence = null;
    this.ctx.storage.sql.exec(`DELETE FROM presence`);
  }

  // ---- RPC from FleetDO and TaskDO

  async pushAssign(task: AssignedTask): Promise<boolean> {
    return this.pushToHost({ type: "assign", task });
  }

  async pushCancel(taskId: string, reason: string): Promise<boolean> {
    return this.pushToHost({ type: "cancel", taskId, reason });
  }

  async pushMessage(taskId: string, message: { id: string; text: string; at: number }): Promise<boolean> {
    return this.pushToHost({ type: "task_message", taskId, message });
  }

  async pushHelpAnswer(message: Extract<ServerMessage, { type: "help_answer" }>): Promise<boolean> {
    return this.pushToHost(message);
  }

  async hostStatus(): Promise<{ connected: boolean; lastHeartbeatAt: number | null }> {
    return { connected: this.hostSocket() !== null, lastHeartbeatAt: this.presence?.lastHeartbeatAt ?? null };
  }

  /** Closes the host's socket because the desktop was deleted. */
  async disconnect(reason: string): Promise<void> {
    for (const ws of this.sockets("host")) closeSafely(ws, CloseCode.desktopDeleted, reason);
    this.presence = null;
    this.ctx.storage.sql.exec(`DELETE FROM presence`);
    await this.deadlines.clear("presence");
  }

  // ---- internals

  private hostSocket(): WebSocket | null {
    return this.sockets("host").find((ws) => ws.readyState === WebSocket.OPEN && this.attachmentOf(ws).helloed) ?? null;
  }

  private pushToHost(message: ServerMessage): boolean {
    const ws = this.hostSocket();
    return ws !== null && sendSafely(ws, JSON.stringify(message));
  }

  private reply(ws: WebSocket, message: ServerMessage): void {
    sendSafely(ws, JSON.stringify(message));
  }

  private savePresence(p: PresenceRecord): void {
    this.presence = p;
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO presence (id, value) VALUES (1, ?)`, JSON.stringify(p));
  }

  private timeoutMs(): number {
    return envNumber(this.env.HEARTBEAT_TIMEOUT_MS, 45_000);
  }
}
