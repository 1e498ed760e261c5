import type { AssignedTask, DesktopInput, DesktopRequest, EventsMessage, HelloMessage, ServerMessage, TakeoverLease } from "@deskfleet/protocol";
import { CloseCode, decodeHostMessage, HOST_PROTOCOL_VERSION } from "@deskfleet/protocol";
import { closeSafely, HibernatingObject } from "../base/hibernating-object.ts";
import { Deadlines } from "../base/deadlines.ts";
import { envNumber, fleetObject, taskObject } from "../../domain/addresses.ts";
import { isWebSocketUpgrade } from "../../domain/websocket/upgrade.ts";
import { refuseSocket } from "../../domain/websocket/refuse-socket.ts";
import { PendingRequests, type DesktopResult } from "./pending-requests.ts";
import { Relay, type Route, type TunnelAttachment, type ViewerAttachment } from "./relay/relay.ts";
import { TicketStore, VIEWER_TICKET_TTL_MS } from "./relay/tickets.ts";
import { vncTarget } from "./relay/dial-vnc.ts";
import { directRequest } from "./direct-desktop.ts";
import { Takeover } from "./takeover/takeover.ts";
import type { Person } from "./takeover/lease.ts";
import type { RpcResult } from "../../domain/api-error.ts";
import { audit } from "../../db/audit.ts";
import { lostAt, type HostAttachment, type PresenceRecord } from "./host-session.ts";
import { getDesktop } from "../../db/desktops.ts";
import { setHostPresence, touchLastSeen } from "../../db/desktop-presence.ts";

const HEARTBEAT_INTERVAL_MS = 10_000;
const LAST_SEEN_WRITE_EVERY_MS = 60_000;
export const VERIFIED_DESKTOP_HEADER = "x-deskfleet-verified-desktop";
/** Which socket the Worker forwards: the host's control socket (default), a viewer or a tunnel. */
export const SOCKET_KIND_HEADER = "x-deskfleet-socket";
/** A viewer the Worker authenticated by bearer token (JSON `{id, name}`); otherwise the ticket decides. */
export const VERIFIED_VIEWER_HEADER = "x-deskfleet-verified-viewer";
const PAIRING_MS = 15_000;
const MAX_VIEWERS = 16;
const REQUEST_TIMEOUT_MS = 20_000;

type Attachment = HostAttachment | ViewerAttachment | TunnelAttachment;

/**
 * One per desktop: owns the host's control socket and the desktop's presence.
 * The Worker authenticates the host token before forwarding the upgrade here.
 */
export class DesktopDO extends HibernatingObject<Attachment, { host: ServerMessage }> {
  private readonly deadlines: Deadlines;
  private presence: PresenceRecord | null;
  /** Events of one task are forwarded to TaskDO strictly in order. */
  private readonly forwarding = new Map<string, Promise<void>>();
  /** Screenshots and input the API asked the host for. */
  private readonly requests = new PendingRequests();
  private readonly tickets: TicketStore;
  private readonly relay: Relay;
  private readonly takeover: Takeover;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.deadlines = new Deadlines(ctx.storage);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS presence (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL)`);
    const row = ctx.storage.sql.exec<{ value: string }>(`SELECT value FROM presence WHERE id = 1`).toArray()[0];
    this.presence = row ? (JSON.parse(row.value) as PresenceRecord) : null;
    this.tickets = new TicketStore(ctx.storage.sql);
    this.takeover = new Takeover({
      sql: ctx.storage.sql,
      idleMs: Takeover.idleMsFrom(env.DESKFLEET_TAKEOVER_IDLE_MS),
      currentTaskId: async (desktopId) => (await getDesktop(env.DB, desktopId))?.currentTaskId ?? null,
      pauseTask: (taskId, by) => taskObject(env, taskId).pauseForTakeover(by),
      resumeTask: (taskId, by, note) => taskObject(env, taskId).resumeAfterTakeover(by, note),
      pushToHost: (m) => this.pushToHost(m),
      armDeadline: (at) => this.deadlines.arm("lease", at),
      clearDeadline: () => this.deadlines.clear("lease"),
      audit: (e) => audit(env.DB, { ...e, targetType: "desktop" }),
    });
    this.relay = new Relay({
      ctx,
      tickets: this.tickets,
      pairingMs: PAIRING_MS,
      maxViewers: MAX_VIEWERS,
      route: (desktopId) => this.vncRoute(desktopId),
      sendToHost: (m) => this.pushToHost(m),
      mayAct: (viewerId) => this.takeover.mayAct(viewerId),
      onInput: (viewerId) => this.takeover.touch(viewerId),
      armDeadline: (at) => this.deadlines.arm("relay", at),
    });
  }

  override async fetch(request: Request): Promise<Response> {
    const desktopId = request.headers.get(VERIFIED_DESKTOP_HEADER);
    if (!desktopId || !isWebSocketUpgrade(request)) {
      return new Response("expected an authenticated WebSocket upgrade from the Worker", { status: 400 });
    }
    const kind = request.headers.get(SOCKET_KIND_HEADER);
    if (kind === "viewer") return this.acceptViewer(desktopId, request);
    if (kind === "tunnel") {
      const q = new URL(request.url).searchParams;
      return this.relay.acceptTunnel(desktopId, q.get("tunnel") ?? "", q.get("ticket") ?? "");
    }
    // Newest connection wins: a host that reconnects before its old socket timed out replaces it.
    for (const old of this.sockets("host")) closeSafely(old, CloseCode.replaced, "replaced by a newer connection from this desktop's host");
    const { response } = this.acceptSocket(["host"], { role: "host", desktopId, connectedAt: Date.now(), helloed: false });
    return response;
  }

  // ---- host messages

  protected override async onMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const any = this.attachmentOf(ws);
    if (any.role === "viewer") return this.relay.onViewerMessage(ws, any, raw);
    if (any.role === "tunnel") return this.relay.onTunnelMessage(ws, any, raw);
    const att = any;
    const decoded = decodeHostMessage(raw);
    if (!decoded.ok) return this.reply(ws, { type: "error", code: decoded.code, message: decoded.reason });
    const m = decoded.message;
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
    await fleetObject(this.env).desktopOnline({ desktopId: att.desktopId, labels: row.labels, activeTasks: m.activeTasks });
    // Viewers that opened while the host was away (a deploy, a blip) get their tunnels now.
    await this.relay.hostReady();
    // Whatever the host may have missed while it was away (answers, follow-ups, a cancel).
    for (const taskId of m.activeTasks) {
      for (const missed of await taskObject(this.env, taskId).hostReconnected(att.desktopId)) this.reply(ws, missed);
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
        const { ack, cancel } = await taskObject(this.env, m.taskId).ingest(att.desktopId, m.events);
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

  protected override async onClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    const any = this.attachmentOf(ws);
    if (any.role !== "host") return this.relay.onClose(ws, any, code, reason);
    const att = any;
    if (!att.helloed || this.hostSocket()) return;
    this.requests.failAll("host_unavailable", "the desktop's host disconnected before answering");
    const p = this.presence;
    if (!p?.connected) return;
    // Not lost yet: a deploy or a network blip drops sockets and the host reconnects.
    // It is lost when the heartbeat deadline passes without a new connection.
    this.savePresence({ ...p, connected: false });
    await setHostPresence(this.env.DB, p.desktopId, { connected: false, lastSeenAt: p.lastHeartbeatAt });
    await fleetObject(this.env).desktopOffline(p.desktopId);
  }

  // ---- presence timeout

  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const name of this.deadlines.takeDue(now)) {
      if (name === "presence") await this.checkPresence(now);
      if (name === "relay") {
        const next = this.relay.sweep(now);
        if (next !== null) await this.deadlines.arm("relay", next);
      }
      if (name === "lease") await this.takeover.checkExpiry(this.presence?.desktopId ?? (await this.desktopIdFromStorage()), now);
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
    await fleetObject(this.env).desktopLost(p.desktopId, `the desktop host stopped responding (no heartbeat for ${seconds} s)`);
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

  // ---- RPC from the Worker: the live view, screenshots, input, takeover

  /** A one-time ticket for `GET /api/desktops/:id/vnc?ticket=` (60 s), stored hashed. */
  async issueViewerTicket(desktopId: string, viewer: Person): Promise<{ ticket: string; expiresAt: number }> {
    this.rememberDesktopId(desktopId);
    return this.tickets.issue("viewer", viewer, VIEWER_TICKET_TTL_MS);
  }

  async screenshot(desktopId: string, width?: number): Promise<DesktopResult> {
    return this.desktopRequest(desktopId, width === undefined ? { kind: "screenshot" } : { kind: "screenshot", width });
  }

  async input(desktopId: string, who: Person, input: DesktopInput): Promise<DesktopResult> {
    const lease = this.takeover.status(desktopId);
    if (lease && lease.holder.id !== who.id) {
      return { ok: false, error: { code: "desktop_taken_over", message: `${lease.holder.name} has taken over this desktop; input from others waits until they hand it back` } };
    }
    this.takeover.touch(who.id);
    return this.desktopRequest(desktopId, { kind: "input", input });
  }

  async takeoverStatus(desktopId: string): Promise<TakeoverLease | null> {
    return this.takeover.status(desktopId);
  }

  async takeOver(desktopId: string, who: Person): Promise<RpcResult<TakeoverLease>> {
    this.rememberDesktopId(desktopId);
    return this.takeover.take(desktopId, who);
  }

  async handBack(desktopId: string, who: Person & { admin: boolean }, note?: string): Promise<RpcResult<{ desktopId: string; resumedTaskId: string | null }>> {
    return this.takeover.handBack(desktopId, who, note);
  }

  async hostStatus(): Promise<{ connected: boolean; lastHeartbeatAt: number | null }> {
    return { connected: this.hostSocket() !== null, lastHeartbeatAt: this.presence?.lastHeartbeatAt ?? null };
  }

  /** Closes the host's socket because the desktop was deleted. */
  async disconnect(reason: string): Promise<void> {
    for (const ws of this.sockets("host")) closeSafely(ws, CloseCode.desktopDeleted, reason);
    this.relay.closeViewers(CloseCode.desktopDeleted, reason);
    this.presence = null;
    this.ctx.storage.sql.exec(`DELETE FROM presence`);
    await this.deadlines.clear("presence");
  }

  // ---- internals

  private async acceptViewer(desktopId: string, request: Request): Promise<Response> {
    this.rememberDesktopId(desktopId);
    const verified = request.headers.get(VERIFIED_VIEWER_HEADER);
    const ticket = new URL(request.url).searchParams.get("ticket");
    const viewer = verified ? (JSON.parse(verified) as Person) : ticket ? await this.tickets.consume<Person>("viewer", ticket) : null;
    if (!viewer) {
      return refuseSocket(CloseCode.badTicket, `the VNC ticket is missing, used or expired; get a new one with POST /api/desktops/${desktopId}/vnc-ticket (valid 60 s, once)`);
    }
    return this.relay.acceptViewer(desktopId, viewer);
  }

  /** Where the live screen comes from: the host when one is connected, else the desktop's own VNC URL. */
  private async vncRoute(desktopId: string): Promise<Route> {
    if (this.hostSocket()) return { kind: "host" };
    const row = await getDesktop(this.env.DB, desktopId);
    if (!row) return { kind: "none", reason: `desktop ${desktopId} does not exist` };
    if (row.vncUrl) return { kind: "direct", target: await vncTarget(this.env.DESKFLEET_SECRET_KEY, row.vncUrl, row.vncCredentials) };
    // A desktop with a host token expects its host back (after a deploy, say): wait for it.
    if (row.hostTokenHash) return { kind: "wait" };
    return { kind: "none", reason: `desktop ${desktopId} has no host connected and no VNC URL; start deskfleet-host on it or set its vncUrl` };
  }

  private async desktopRequest(desktopId: string, request: DesktopRequest): Promise<DesktopResult> {
    if (this.hostSocket()) {
      return this.requests.ask((requestId) => this.pushToHost({ type: "desktop_request", requestId, request }), request, REQUEST_TIMEOUT_MS);
    }
    const row = await getDesktop(this.env.DB, desktopId);
    if (!row?.vncUrl) {
      return { ok: false, error: { code: "desktop_unreachable", message: `desktop ${desktopId} has no host connected and no VNC URL; start deskfleet-host on it or set its vncUrl` } };
    }
    return directRequest(await vncTarget(this.env.DESKFLEET_SECRET_KEY, row.vncUrl, row.vncCredentials), request);
  }

  /** The object's own name, for alarms that run without a request (the lease expiring). */
  private rememberDesktopId(desktopId: string): void {
    this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('desktop_id', ?)`, desktopId);
  }

  private async desktopIdFromStorage(): Promise<string> {
    this.ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    return this.ctx.storage.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'desktop_id'`).toArray()[0]?.value ?? "";
  }

  private hostSocket(): WebSocket | null {
    return this.sockets("host").find((ws) => {
      const att = this.attachmentOf(ws);
      return ws.readyState === WebSocket.OPEN && att.role === "host" && att.helloed;
    }) ?? null;
  }

  private pushToHost(message: ServerMessage): boolean {
    const ws = this.hostSocket();
    return ws !== null && this.send("host", ws, message);
  }

  private reply(ws: WebSocket, message: ServerMessage): void {
    this.send("host", ws, message);
  }

  private savePresence(p: PresenceRecord): void {
    this.presence = p;
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO presence (id, value) VALUES (1, ?)`, JSON.stringify(p));
  }

  private timeoutMs(): number {
    return envNumber(this.env.HEARTBEAT_TIMEOUT_MS, 45_000);
  }
}
