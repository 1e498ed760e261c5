import type { AssignedTask, DesktopInput, DesktopRequest, DesktopResourcesResponse, ServerMessage, TakeoverLease } from "@deskfleet/protocol";
import { CloseCode, encodeServerMessage } from "@deskfleet/protocol";
import { closeSafely, HibernatingObject, sendSafely } from "../base/hibernating-object.ts";
import { Deadlines } from "../base/deadlines.ts";
import { envNumber, fleetObject, taskObject } from "../../domain/addresses.ts";
import { isWebSocketUpgrade } from "../../domain/websocket/upgrade.ts";
import { refuseSocket } from "../../domain/websocket/refuse-socket.ts";
import { readGrant } from "../../domain/websocket/socket-grant.ts";
import { revokedBy, type Grant } from "../../domain/access/grant.ts";
import { rpcFail, type RpcResult } from "../../domain/api-error.ts";
import { releaseSecret } from "../../domain/vault/release.ts";
import { audit } from "../../db/audit.ts";
import { answerHostMemoryRequest } from "../../domain/memory/host-requests.ts";
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
import { DemonstrationRecorder } from "./takeover/demonstration.ts";
import { saveDemonstration } from "../../domain/replay/trajectory-store.ts";
import { getSchedule } from "../../db/schedules.ts";
import { getTaskRow } from "../../db/tasks.ts";
import type { HandbackResult } from "@deskfleet/protocol";

const HEARTBEAT_INTERVAL_MS = 10_000;
const PAIRING_MS = 15_000;
const MAX_VIEWERS = 16;
/** Live views one person may have open on one desktop (a stuck reconnect loop must not take all 16). */
const MAX_VIEWERS_PER_PERSON = 4;
const REQUEST_TIMEOUT_MS = 20_000;

type Attachment = HostAttachment | ViewerAttachment | TunnelAttachment;

const HOST_TOKEN_REPLACED = "this desktop's host token was replaced; start deskfleet-host with the new token from the dashboard";

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
  /** The lease holder's input, recorded for "save as demonstration" on hand-back. */
  private readonly demonstration: DemonstrationRecorder;

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
    this.demonstration = new DemonstrationRecorder({
      sql: ctx.storage.sql,
      screenshot: async () => {
        const id = this.presence.desktopId ?? this.identity.recall();
        if (!id) return null;
        const shot = await this.screenshot(id);
        return shot.ok && "png" in shot && shot.png ? Uint8Array.from(atob(shot.png), (c) => c.charCodeAt(0)) : null;
      },
    });
    this.relay = new Relay({
      ctx,
      tickets: this.tickets,
      pairingMs: PAIRING_MS,
      maxViewers: MAX_VIEWERS,
      maxViewersPerPerson: MAX_VIEWERS_PER_PERSON,
      route: async (desktopId) => (this.hostSocket() ? { kind: "host" } : routeWithoutHost(env, desktopId)),
      sendToHost: (m) => this.pushToHost(m),
      mayAct: (viewerId) => this.takeover.mayAct(viewerId),
      onInput: (viewerId, messages) => {
        this.takeover.touch(viewerId);
        if (this.takeover.mayAct(viewerId)) this.demonstration.onInput(messages);
      },
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
      memory: async (desktopId, taskId, request) => {
        const scope = await taskObject(env, taskId).memoryScope(desktopId);
        if ("error" in scope) return { ok: false, error: { code: scope.error.code, message: scope.error.message } };
        return answerHostMemoryRequest(env, { taskId, agent: scope.ok.agent }, request);
      },
    });
  }

  // ---- hooks

  /** Sockets the Worker authenticated and describes in its grant; nothing of the client's request reaches here. */
  override async fetch(request: Request): Promise<Response> {
    const grant = isWebSocketUpgrade(request) ? readGrant(request, "host", "tunnel", "viewer") : null;
    if (!grant) return new Response("expected an authenticated WebSocket upgrade from the Worker", { status: 400 });
    if (grant.socket === "viewer") return this.acceptViewer(grant.desktopId, grant.viewer, grant.ticket);
    // A host token replaced while this upgrade was on its way opens nothing.
    const current = this.identity.hostCredential();
    if (current !== null && current !== grant.credential) return refuseSocket(CloseCode.badToken, HOST_TOKEN_REPLACED);
    if (grant.socket === "tunnel") return this.relay.acceptTunnel(grant.desktopId, grant.tunnelId, grant.ticket, grant.credential);
    // Newest connection wins: a host that reconnects before its old socket timed out replaces it.
    this.closeHosts(CloseCode.replaced, "replaced by a newer connection from this desktop's host");
    return this.acceptSocket(["host"], { role: "host", desktopId: grant.desktopId, credential: grant.credential, connectedAt: Date.now(), helloed: false }).response;
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
      if (name === "lease") {
        const desktopId = this.presence.desktopId ?? this.identity.recall();
        await this.takeover.checkExpiry(desktopId, now);
        // A lease that lapsed was not handed back: nothing to save.
        if (desktopId && !this.takeover.status(desktopId, now) && this.demonstration.recording) this.demonstration.discard();
      }
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

  /** The fleet holds (budget, kill switch) or releases the running task: the host waits before its next model call or action. */
  async pushHold(message: Extract<ServerMessage, { type: "pause" } | { type: "resume" }>): Promise<boolean> {
    return this.pushToHost(message);
  }

  async pushMessage(taskId: string, message: { id: string; text: string; at: number }): Promise<boolean> {
    return this.pushToHost({ type: "task_message", taskId, message });
  }

  async pushHelpAnswer(message: Extract<ServerMessage, { type: "help_answer" }>): Promise<boolean> {
    return this.pushToHost(message);
  }

  // ---- RPC from the Worker: the live view, screenshots, input, takeover

  /** A one-time ticket for `GET /api/desktops/:id/vnc?ticket=` (60 s), stored hashed. */
  async issueViewerTicket(desktopId: string, viewer: Grant): Promise<{ ticket: string; expiresAt: number }> {
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

  /**
   * The supervisor's unlock_screen: types a vault credential (and a username)
   * into the desktop's lock screen or login prompt, through its host or this
   * object's own VNC session. The value goes from the vault to the desktop
   * and nowhere else; the release is audited.
   */
  async unlockScreen(desktopId: string, who: Person, secret: string, username?: string): Promise<RpcResult<{ secret: string; characters: number }>> {
    const lease = this.takeover.status(desktopId);
    if (lease && lease.holder.id !== who.id) {
      return rpcFail(409, "desktop_taken_over", `${lease.holder.name} has taken over this desktop; unlock it after they hand it back`);
    }
    const desktop = await getDesktop(this.env.DB, desktopId);
    if (!desktop) return rpcFail(404, "not_found", `desktop \`${desktopId}\` does not exist`);
    const released = await releaseSecret(this.env, secret, {
      desktopId, labels: desktop.labels, scheduleId: null, taskId: null, by: who.id, via: "unlock_screen", now: Date.now(),
    });
    if (!released.ok) return rpcFail(released.code === "unreadable" ? 409 : 422, released.code, released.message);
    const result = await this.desktopRequest(desktopId, { kind: "unlock", credential: released.value, ...(username ? { username } : {}) });
    if (!result.ok) return rpcFail(result.error.code === "host_timeout" ? 504 : 409, result.error.code, result.error.message);
    return { ok: { secret, characters: released.value.length } };
  }

  async takeoverStatus(desktopId: string): Promise<TakeoverLease | null> {
    return this.takeover.status(desktopId);
  }

  async takeOver(desktopId: string, who: Person & { keys?: string[] }): Promise<RpcResult<TakeoverLease>> {
    this.identity.remember(desktopId);
    const held = this.takeover.status(desktopId) !== null;
    const result = await this.takeover.take(desktopId, who);
    // A new lease starts a new recording; taking over again while holding it keeps the one running.
    if ("ok" in result && !held) this.demonstration.start();
    return result;
  }

  /**
   * Hand back; with `demonstration`, what the person did is saved to a schedule's trajectory
   * first (the screen they left is its end), so the schedule's next run replays it.
   */
  async handBack(desktopId: string, who: Person & { admin: boolean }, note?: string, demonstration?: { scheduleId?: string }): Promise<RpcResult<HandbackResult>> {
    if (!demonstration) {
      const result = await this.takeover.handBack(desktopId, who, note);
      if ("ok" in result) this.demonstration.discard();
      return result;
    }
    const lease = this.takeover.status(desktopId);
    if (!lease || (lease.holder.id !== who.id && !who.admin)) return this.takeover.handBack(desktopId, who, note);
    // Which schedule learns it is checked before anything changes.
    const task = lease.pausedTaskId ? await getTaskRow(this.env.DB, lease.pausedTaskId) : null;
    const scheduleId = demonstration.scheduleId ?? task?.scheduleId ?? null;
    if (!scheduleId) return rpcFail(422, "no_schedule", "this takeover paused no scheduled task; name the schedule to save the demonstration to (demonstration.scheduleId)");
    const schedule = await getSchedule(this.env.DB, scheduleId);
    if (!schedule) return rpcFail(404, "not_found", `schedule \`${scheduleId}\` does not exist; pick one from GET /api/schedules`);
    const body = await this.demonstration.finish(note?.trim() || `Done as ${who.name} showed during a takeover.`);
    const result = await this.takeover.handBack(desktopId, who, note);
    if (!("ok" in result)) return result;
    if (!body) return { ok: { ...result.ok, demonstration: { saved: false, scheduleId, trajectoryId: null, version: null, steps: 0, reason: "no pointer or key input was recorded during the takeover" } } };
    const saved = await saveDemonstration(this.env, schedule, lease.pausedTaskId, body);
    return { ok: { ...result.ok, demonstration: { saved: true, scheduleId, trajectoryId: saved.id, version: saved.version, steps: body.steps.length, reason: null } } };
  }

  async hostStatus(): Promise<{ connected: boolean; lastHeartbeatAt: number | null }> {
    return { connected: this.hostSocket() !== null, lastHeartbeatAt: this.presence.lastHeartbeatAt };
  }

  /** What the desktop costs its machine, as its connected host last reported it. */
  async resources(desktopId: string): Promise<DesktopResourcesResponse> {
    const latest = this.hostSocket() ? this.presence.resources : null;
    return { desktopId, connected: this.hostSocket() !== null, resources: latest?.figures ?? null, receivedAt: latest?.receivedAt ?? null };
  }

  /**
   * The desktop's host token was replaced: the host holding the old one is disconnected (4401, it
   * stops and says why) with its tunnels, and sockets still arriving with it are refused.
   */
  async hostTokenReplaced(desktopId: string, credential: string): Promise<void> {
    this.identity.remember(desktopId);
    this.identity.setHostCredential(credential);
    for (const ws of this.sockets("host")) {
      const att = this.attachmentOf(ws);
      if (att.role === "host" && att.credential !== credential) closeSafely(ws, CloseCode.badToken, HOST_TOKEN_REPLACED);
    }
    this.relay.closeTunnelsNotOf(credential, CloseCode.peerGone, "the desktop's host token was replaced; the host reconnects with the new one");
  }

  /**
   * A credential or session was revoked: the live views, unused viewer tickets and takeover lease
   * opened with it end now (the agent resumes). Returns how many things ended.
   */
  async endAccess(keys: string[], reason: string): Promise<number> {
    const desktopId = this.identity.recall();
    const viewers = this.relay.closeRevokedViewers(keys, CloseCode.unauthorized, reason);
    const tickets = this.tickets.revokeMatching<Partial<Grant>>("viewer", (subject) => revokedBy(subject.keys, keys));
    const lease = desktopId ? await this.takeover.endRevoked(desktopId, keys) : false;
    return viewers + tickets + (lease ? 1 : 0);
  }

  /** Closes the host's socket because the desktop was deleted. */
  async disconnect(reason: string): Promise<void> {
    this.closeHosts(CloseCode.desktopDeleted, reason);
    this.relay.closeViewers(CloseCode.desktopDeleted, reason);
    await this.presence.forget();
  }

  // ---- internals

  private async acceptViewer(desktopId: string, verified: Grant | null, ticket: string | null): Promise<Response> {
    this.identity.remember(desktopId);
    const viewer = verified ?? (ticket ? await this.tickets.consume<Grant>("viewer", ticket) : null);
    if (!viewer?.keys) {
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
