import type { AssignedTask, DesktopInput, DesktopRequest, DesktopResourcesResponse, ServerMessage, TakeoverLease } from "@deskfleet/protocol";
import { CloseCode, encodeServerMessage } from "@deskfleet/protocol";
import { closeSafely, HibernatingObject, sendSafely } from "../base/hibernating-object.ts";
import { Deadlines } from "../base/deadlines.ts";
import { envNumber, fleetObject, taskObject } from "../../domain/addresses.ts";
import { isWebSocketUpgrade } from "../../domain/websocket/upgrade.ts";
import { refuseSocket } from "../../domain/websocket/refuse-socket.ts";
import type { RpcResult } from "../../domain/api-error.ts";
import { audit } from "../../db/audit.ts";
import { getDesktop } from "../../db/desktops.ts";
import { setHostPresence, touchLastSeen } from "../../db/desktop-presence.ts";
import { DesktopIdentity } from "./desktop-identity.ts";
import { requestWithoutHost } from "./direct-desktop.ts";
import { HostMessages } from "./host-messages.ts";
import type { HostAttachment } from "./host-session.ts";
import { PendingRequests, type DesktopResult } from "./pending-requests.ts";
import { Presence } from "./presence.ts";
import { Relay, type TunnelAttachment, type ViewerAttachment } from "./relay/relay.ts";
import { TicketStore, VIEWER_TICKET_TTL_MS } from "./relay/tickets.ts";
import { routeWithoutHost } from "./relay/vnc-route.ts";
import type { Person } from "./takeover/lease.ts";
import { Takeover } from "./takeover/takeover.ts";
import { SOCKET_KIND_HEADER, VERIFIED_DESKTOP_HEADER, VERIFIED_VIEWER_HEADER } from "./worker-headers.ts";

const HEARTBEAT_INTERVAL_MS = 10_000;
const PAIRING_MS = 15_000;
const MAX_VIEWERS = 16;
const REQUEST_TIMEOUT_MS = 20_000;

type Attachment = HostAttachment | ViewerAttachment | TunnelAttachment;

/**
 * One per desktop: owns the host's control socket, the desktop's presence,
 * its VNC relay and its takeover lease. A shell of hooks and RPC methods;
 * the host's messages, presence, relay and lease live in their own modules.
 * The Worker authenticates every socket before forwarding the upgrade here.
 */
export class DesktopDO extends HibernatingObject<Attachment, { host: ServerMessage }> {
  private readonly deadlines: Deadlines;
  private readonly identity: DesktopIdentity;
  private readonly presence: Presence;
  /** Screenshots and input the API asked the host for. */
  private readonly requests = new PendingRequests();
  private readonly host: HostMessages;
  private readonly tickets: TicketStore;
  private readonly relay: Relay;
  private readonly takeover: Takeover;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.deadlines = new Deadlines(ctx.storage);
    this.identity = new DesktopIdentity(ctx.storage.sql);
    this.tickets = new TicketStore(ctx.storage.sql);
    this.presence = new Presence({
      sql: ctx.storage.sql,
      timeoutMs: envNumber(env.HEARTBEAT_TIMEOUT_MS, 45_000),
      store: { setHostPresence: (id, p) => setHostPresence(env.DB, id, p), touchLastSeen: (id, at) => touchLastSeen(env.DB, id, at) },
      fleet: {
        desktopOnline: (d) => fleetObject(env).desktopOnline(d),
        desktopOffline: (id) => fleetObject(env).desktopOffline(id),
        desktopLost: (id, message) => fleetObject(env).desktopLost(id, message),
      },
      armDeadline: (at) => this.deadlines.arm("presence", at),
      clearDeadline: () => this.deadlines.clear("presence"),
      closeHosts: (code, reason) => this.closeHosts(code, reason),
    });
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
      route: async (desktopId) => (this.hostSocket() ? { kind: "host" } : routeWithoutHost(env, desktopId)),
      sendToHost: (m) => this.pushToHost(m),
      mayAct: (viewerId) => this.takeover.mayAct(viewerId),
      onInput: (viewerId) => this.takeover.touch(viewerId),
      armDeadline: (at) => this.deadlines.arm("relay", at),
    });
    this.host = new HostMessages({
      presence: this.presence,
      requests: this.requests,
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      desktopFacts: async (desktopId) => {
        const row = await getDesktop(env.DB, desktopId);
        return row ? { labels: row.labels, directVnc: row.vncUrl !== null } : null;
      },
      greeted: (ws, att) => this.setAttachment(ws, { ...att, helloed: true }),
      send: (ws, m) => void this.sendToHost(ws, m),
      hostConnected: () => this.hostSocket() !== null,
      hostReady: () => this.relay.hostReady(),
      task: (taskId) => taskObject(env, taskId),
    });
  }

  // ---- hooks

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
    this.closeHosts(CloseCode.replaced, "replaced by a newer connection from this desktop's host");
    return this.acceptSocket(["host"], { role: "host", desktopId, connectedAt: Date.now(), helloed: false }).response;
  }

  protected override async onMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const att = this.attachmentOf(ws);
    if (att.role === "viewer") return this.relay.onViewerMessage(ws, att, raw);
    if (att.role === "tunnel") return this.relay.onTunnelMessage(ws, att, raw);
    return this.host.onMessage(ws, att, raw);
  }

  protected override async onClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    const att = this.attachmentOf(ws);
    if (att.role !== "host") return this.relay.onClose(ws, att, code, reason);
    return this.host.onClose(att);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const name of this.deadlines.takeDue(now)) {
      if (name === "presence") await this.presence.check(now);
      if (name === "relay") {
        const next = this.relay.sweep(now);
        if (next !== null) await this.deadlines.arm("relay", next);
      }
      if (name === "lease") await this.takeover.checkExpiry(this.presence.desktopId ?? this.identity.recall(), now);
    }
    await this.deadlines.reschedule();
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
    this.identity.remember(desktopId);
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
    this.identity.remember(desktopId);
    return this.takeover.take(desktopId, who);
  }

  async handBack(desktopId: string, who: Person & { admin: boolean }, note?: string): Promise<RpcResult<{ desktopId: string; resumedTaskId: string | null }>> {
    return this.takeover.handBack(desktopId, who, note);
  }

  async hostStatus(): Promise<{ connected: boolean; lastHeartbeatAt: number | null }> {
    return { connected: this.hostSocket() !== null, lastHeartbeatAt: this.presence.lastHeartbeatAt };
  }

  /** What the desktop costs its machine, as its connected host last reported it. */
  async resources(desktopId: string): Promise<DesktopResourcesResponse> {
    const latest = this.hostSocket() ? this.presence.resources : null;
    return { desktopId, connected: this.hostSocket() !== null, resources: latest?.figures ?? null, receivedAt: latest?.receivedAt ?? null };
  }

  /** Closes the host's socket because the desktop was deleted. */
  async disconnect(reason: string): Promise<void> {
    this.closeHosts(CloseCode.desktopDeleted, reason);
    this.relay.closeViewers(CloseCode.desktopDeleted, reason);
    await this.presence.forget();
  }

  // ---- internals

  private async acceptViewer(desktopId: string, request: Request): Promise<Response> {
    this.identity.remember(desktopId);
    const verified = request.headers.get(VERIFIED_VIEWER_HEADER);
    const ticket = new URL(request.url).searchParams.get("ticket");
    const viewer = verified ? (JSON.parse(verified) as Person) : ticket ? await this.tickets.consume<Person>("viewer", ticket) : null;
    if (!viewer) {
      return refuseSocket(CloseCode.badTicket, `the VNC ticket is missing, used or expired; get a new one with POST /api/desktops/${desktopId}/vnc-ticket (valid 60 s, once)`);
    }
    return this.relay.acceptViewer(desktopId, viewer);
  }

  private async desktopRequest(desktopId: string, request: DesktopRequest): Promise<DesktopResult> {
    if (!this.hostSocket()) return requestWithoutHost(this.env, desktopId, request);
    return this.requests.ask((requestId) => this.pushToHost({ type: "desktop_request", requestId, request }), request, REQUEST_TIMEOUT_MS);
  }

  /** The host's greeted, open control socket, if any. */
  private hostSocket(): WebSocket | null {
    return this.sockets("host").find((ws) => {
      const att = this.attachmentOf(ws);
      return ws.readyState === WebSocket.OPEN && att.role === "host" && att.helloed;
    }) ?? null;
  }

  private pushToHost(message: ServerMessage): boolean {
    const ws = this.hostSocket();
    return ws !== null && this.sendToHost(ws, message);
  }

  private sendToHost(ws: WebSocket, message: ServerMessage): boolean {
    return sendSafely(ws, encodeServerMessage(message));
  }

  private closeHosts(code: number, reason: string): void {
    for (const ws of this.sockets("host")) closeSafely(ws, code, reason);
  }
}
