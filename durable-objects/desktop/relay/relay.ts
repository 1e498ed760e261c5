import { CloseCode, type TunnelOpenMessage } from "@deskfleet/protocol";
import { closeSafely, sendSafely } from "../../base/safe-socket.ts";
import { refuseSocket } from "../../../domain/websocket/refuse-socket.ts";
import { revokedBy } from "../../../domain/access/grant.ts";
import { ClientMessageFilter, ClientStreamError } from "./client-message-filter.ts";
import { DirectSession } from "./direct-session.ts";
import type { VncTarget } from "./vnc-target.ts";
import { PendingBytes } from "./pending-bytes.ts";
import type { TicketStore } from "./tickets.ts";

/** A viewer's socket; survives hibernation as its attachment. */
export type ViewerAttachment = {
  role: "viewer";
  desktopId: string;
  tunnelId: string;
  viewer: { id: string; name: string };
  /** The keys of the credentials the viewer was opened with: revoking one closes it. */
  keys: string[];
  /** Through the host's tunnel, or served by this object (VNC-only desktop). */
  route: "host" | "direct";
  /** Unpaired until then (epoch ms); null once paired. */
  pairBy: number | null;
  /** Whether the host was asked for this viewer's tunnel. */
  requested: boolean;
  /** Past ClientInit: the message filter resumes there after a hibernation. */
  handshakeDone: boolean;
};

/** A host's tunnel for one viewer, with the host token's credential it was dialed with. */
export type TunnelAttachment = { role: "tunnel"; desktopId: string; tunnelId: string; credential: string };

export type Route = { kind: "host" } | { kind: "direct"; target: VncTarget } | { kind: "wait" } | { kind: "none"; reason: string };

export type RelayDeps = {
  ctx: DurableObjectState;
  tickets: TicketStore;
  pairingMs: number;
  maxViewers: number;
  /** Viewers one person may have open on this desktop at once. */
  maxViewersPerPerson: number;
  /** Where this desktop's VNC comes from right now. */
  route(desktopId: string): Promise<Route>;
  sendToHost(message: TunnelOpenMessage): boolean;
  /** Whether this person's input may reach the desktop (they hold the control lease). */
  mayAct(viewerId: string): boolean;
  /** The lease holder acted: re-arms the lease's inactivity timeout. */
  onInput(viewerId: string): void;
  /** Arms the alarm backstop for the pairing deadline (timers die with an evicted object). */
  armDeadline(at: number): Promise<void>;
};

/** Bytes a viewer may send before its tunnel exists; an RFB client waits for the server's greeting, so little ever queues. */
const MAX_PENDING_BYTES = 64 * 1024;

/**
 * The VNC relay of one desktop: pairs each viewer with its own tunnel (or a
 * direct session), forwards bytes both ways, keeps view-only viewers from
 * acting, and closes a side whose peer never came with an explicit code.
 * Socket state lives in attachments; memory holds only what a live
 * connection needs (filters, early bytes, direct sessions).
 */
export class Relay {
  readonly #d: RelayDeps;
  readonly #filters = new WeakMap<WebSocket, ClientMessageFilter>();
  readonly #pending = new Map<string, PendingBytes>();
  readonly #direct = new Map<string, DirectSession>();
  #sweepTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(deps: RelayDeps) {
    this.#d = deps;
  }

  // ---- viewers

  async acceptViewer(desktopId: string, viewer: { id: string; name: string; keys: string[] }): Promise<Response> {
    const open = this.viewers();
    if (open.length >= this.#d.maxViewers) {
      return refuseSocket(CloseCode.tooManyViewers, `desktop ${desktopId} already has ${this.#d.maxViewers} viewers; close one and retry`);
    }
    if (open.filter((ws) => attachment<ViewerAttachment>(ws).viewer.id === viewer.id).length >= this.#d.maxViewersPerPerson) {
      return refuseSocket(CloseCode.tooManyViewers, `${viewer.name} already has ${this.#d.maxViewersPerPerson} live views of desktop ${desktopId}; close one and retry`);
    }
    const route = await this.#d.route(desktopId);
    if (route.kind === "none") return refuseSocket(CloseCode.noVncRoute, route.reason);
    const tunnelId = `tun_${crypto.randomUUID().replaceAll("-", "")}`;
    const now = Date.now();
    const att: ViewerAttachment = {
      role: "viewer",
      desktopId,
      tunnelId,
      viewer: { id: viewer.id, name: viewer.name },
      keys: viewer.keys,
      route: route.kind === "direct" ? "direct" : "host",
      pairBy: now + this.#d.pairingMs,
      requested: false,
      handshakeDone: false,
    };
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.#d.ctx.acceptWebSocket(server, ["viewer", `t:${tunnelId}`]);
    server.serializeAttachment(att);
    this.#pending.set(tunnelId, new PendingBytes(MAX_PENDING_BYTES));
    if (route.kind === "host") await this.#requestTunnel(server, att);
    if (route.kind === "direct") this.#startDirect(server, att, route.target);
    await this.#scheduleSweep(att.pairBy!);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The host (re)connected: ask it for the tunnels of viewers that were waiting for it. */
  async hostReady(): Promise<void> {
    for (const ws of this.viewers()) {
      const att = attachment<ViewerAttachment>(ws);
      if (att.route === "host" && att.pairBy !== null && !att.requested) await this.#requestTunnel(ws, att);
    }
  }

  onViewerMessage(ws: WebSocket, att: ViewerAttachment, data: string | ArrayBuffer): void {
    if (typeof data === "string") return closeSafely(ws, CloseCode.badMessage, "RFB travels in binary frames; set binaryType = \"arraybuffer\"");
    let filter = this.#filters.get(ws);
    if (!filter) {
      filter = new ClientMessageFilter({ handshakeDone: att.handshakeDone });
      this.#filters.set(ws, filter);
    }
    let result;
    try {
      result = filter.push(new Uint8Array(data), this.#d.mayAct(att.viewer.id));
    } catch (error) {
      const reason = error instanceof ClientStreamError ? error.message : "the viewer's RFB stream could not be read";
      return this.#closePair(ws, att.tunnelId, CloseCode.badMessage, reason);
    }
    if (filter.handshakeDone && !att.handshakeDone) ws.serializeAttachment({ ...att, handshakeDone: true });
    if (result.inputPassed > 0) this.#d.onInput(att.viewer.id);
    if (result.forward.length === 0) return;
    if (att.route === "direct") {
      const session = this.#direct.get(att.tunnelId);
      if (!session) return closeSafely(ws, CloseCode.peerGone, "the relay restarted; reconnect");
      return session.write(result.forward);
    }
    const tunnel = this.#tunnelOf(att.tunnelId);
    if (tunnel) return void sendSafely(tunnel, copy(result.forward));
    if (att.pairBy === null) return closeSafely(ws, CloseCode.peerGone, "the desktop's tunnel is gone; reconnect");
    const pending = this.#pending.get(att.tunnelId) ?? new PendingBytes(MAX_PENDING_BYTES);
    this.#pending.set(att.tunnelId, pending);
    if (!pending.push(result.forward)) {
      this.#closePair(ws, att.tunnelId, CloseCode.relayOverflow, `the viewer sent more than ${MAX_PENDING_BYTES / 1024} KiB before the desktop answered`);
    }
  }

  // ---- tunnels

  /** A host dials in with a tunnel ticket: pair it with its viewer and flush what the viewer already sent. */
  async acceptTunnel(desktopId: string, tunnelId: string, ticket: string, credential: string): Promise<Response> {
    const subject = await this.#d.tickets.consume<string>("tunnel", ticket);
    if (subject !== tunnelId) return refuseSocket(CloseCode.badTicket, "the tunnel ticket is missing, used or expired; tunnels are opened only when the control plane asks");
    const viewer = this.#viewerOf(tunnelId);
    if (!viewer) return refuseSocket(CloseCode.peerGone, "the viewer left before the tunnel opened");
    if (this.#tunnelOf(tunnelId)) return refuseSocket(CloseCode.replaced, "this viewer already has a tunnel");
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.#d.ctx.acceptWebSocket(server, ["tunnel", `t:${tunnelId}`]);
    server.serializeAttachment({ role: "tunnel", desktopId, tunnelId, credential } satisfies TunnelAttachment);
    viewer.serializeAttachment({ ...attachment<ViewerAttachment>(viewer), pairBy: null });
    for (const bytes of this.#pending.get(tunnelId)?.drain() ?? []) sendSafely(server, copy(bytes));
    this.#pending.delete(tunnelId);
    return new Response(null, { status: 101, webSocket: client });
  }

  onTunnelMessage(ws: WebSocket, att: TunnelAttachment, data: string | ArrayBuffer): void {
    if (typeof data === "string") return this.#closePair(ws, att.tunnelId, CloseCode.badMessage, "tunnel frames must be binary");
    const viewer = this.#viewerOf(att.tunnelId);
    if (!viewer) return closeSafely(ws, CloseCode.peerGone, "the viewer left");
    sendSafely(viewer, data);
  }

  // ---- either side closing

  onClose(ws: WebSocket, att: ViewerAttachment | TunnelAttachment, code: number, reason: string): void {
    if (att.role === "viewer") {
      this.#pending.delete(att.tunnelId);
      this.#d.tickets.revoke("tunnel", att.tunnelId);
      this.#direct.get(att.tunnelId)?.close();
      this.#direct.delete(att.tunnelId);
      const tunnel = this.#tunnelOf(att.tunnelId);
      if (tunnel) closeSafely(tunnel, CloseCode.normal, "the viewer left");
      return;
    }
    const viewer = this.#viewerOf(att.tunnelId);
    // The host's own 4xxx (the VNC server refused it, say) reaches the viewer as it is.
    if (viewer) closeSafely(viewer, code >= 4000 && code < 5000 ? code : CloseCode.peerGone, code >= 4000 && reason ? reason : "the desktop's tunnel closed; reconnect");
  }

  /** Closes every side whose peer did not come in time; called by its timer and by the alarm backstop. */
  sweep(now = Date.now()): number | null {
    let next: number | null = null;
    for (const ws of this.viewers()) {
      const att = attachment<ViewerAttachment>(ws);
      if (att.pairBy === null) continue;
      if (att.pairBy > now) {
        next = next === null ? att.pairBy : Math.min(next, att.pairBy);
        continue;
      }
      const seconds = Math.round(this.#d.pairingMs / 1000);
      const why =
        att.route === "direct"
          ? `the VNC server of desktop ${att.desktopId} did not answer within ${seconds} s`
          : att.requested
            ? `the host of desktop ${att.desktopId} did not open a tunnel within ${seconds} s; check deskfleet-host's log`
            : `desktop ${att.desktopId} has no host connected (waited ${seconds} s); start deskfleet-host on it`;
      this.#closePair(ws, att.tunnelId, CloseCode.pairingTimeout, why);
    }
    return next;
  }

  viewers(): WebSocket[] {
    return this.#d.ctx.getWebSockets("viewer");
  }

  /** Closes every viewer (the desktop was deleted). */
  closeViewers(code: number, reason: string): void {
    for (const ws of this.viewers()) this.#closePair(ws, attachment<ViewerAttachment>(ws).tunnelId, code, reason);
  }

  /** Closes the viewers opened with a revoked credential or session, and their tunnels; returns how many. */
  closeRevokedViewers(revoked: readonly string[], code: number, reason: string): number {
    let closed = 0;
    for (const ws of this.viewers()) {
      const att = attachment<ViewerAttachment>(ws);
      if (!revokedBy(att.keys, revoked)) continue;
      this.#closePair(ws, att.tunnelId, code, reason);
      closed += 1;
    }
    return closed;
  }

  /** Closes the tunnels a host dialed with a host token that is no longer the desktop's (their viewers see the reason). */
  closeTunnelsNotOf(credential: string, code: number, reason: string): void {
    for (const ws of this.#d.ctx.getWebSockets("tunnel")) {
      const att = attachment<TunnelAttachment>(ws);
      if (att.credential !== credential) this.#closePair(ws, att.tunnelId, code, reason);
    }
  }

  // ---- internals

  async #requestTunnel(ws: WebSocket, att: ViewerAttachment): Promise<void> {
    const { ticket } = await this.#d.tickets.issue("tunnel", att.tunnelId, Math.max(1_000, (att.pairBy ?? Date.now()) - Date.now()));
    if (this.#d.sendToHost({ type: "tunnel_open", tunnelId: att.tunnelId, ticket })) ws.serializeAttachment({ ...att, requested: true });
    else this.#d.tickets.revoke("tunnel", att.tunnelId);
  }

  #startDirect(ws: WebSocket, att: ViewerAttachment, target: VncTarget): void {
    const session = new DirectSession();
    this.#direct.set(att.tunnelId, session);
    for (const bytes of this.#pending.get(att.tunnelId)?.drain() ?? []) session.write(bytes);
    this.#pending.delete(att.tunnelId);
    const markPaired = () => {
      const current = this.#viewerOf(att.tunnelId);
      if (current) current.serializeAttachment({ ...attachment<ViewerAttachment>(current), pairBy: null });
    };
    const send = (bytes: Uint8Array) => void sendSafely(ws, copy(bytes));
    void session.run(target, send, markPaired).then((end) => {
      if (this.#direct.get(att.tunnelId) !== session) return;
      this.#direct.delete(att.tunnelId);
      closeSafely(ws, end.code === "failed" ? CloseCode.vncFailed : CloseCode.peerGone, end.reason);
    });
  }

  #closePair(ws: WebSocket, tunnelId: string, code: number, reason: string): void {
    closeSafely(ws, code, reason);
    const other = this.#d.ctx.getWebSockets(`t:${tunnelId}`).filter((s) => s !== ws);
    for (const s of other) closeSafely(s, code, reason);
    this.#pending.delete(tunnelId);
    this.#direct.get(tunnelId)?.close();
    this.#direct.delete(tunnelId);
    this.#d.tickets.revoke("tunnel", tunnelId);
  }

  #viewerOf(tunnelId: string): WebSocket | null {
    return this.#d.ctx.getWebSockets(`t:${tunnelId}`).find((s) => attachment<{ role: string }>(s).role === "viewer" && s.readyState === WebSocket.OPEN) ?? null;
  }

  #tunnelOf(tunnelId: string): WebSocket | null {
    return this.#d.ctx.getWebSockets(`t:${tunnelId}`).find((s) => attachment<{ role: string }>(s).role === "tunnel" && s.readyState === WebSocket.OPEN) ?? null;
  }

  async #scheduleSweep(at: number): Promise<void> {
    // A timer for promptness (it also keeps the object in memory while early bytes wait), the alarm as the durable backstop.
    if (this.#sweepTimer === null) {
      this.#sweepTimer = setTimeout(() => {
        this.#sweepTimer = null;
        const next = this.sweep();
        if (next !== null) void this.#scheduleSweep(next);
      }, Math.max(0, at - Date.now()) + 10);
    }
    await this.#d.armDeadline(at);
  }
}

function attachment<T>(ws: WebSocket): T {
  return ws.deserializeAttachment() as T;
}

/** A socket send may keep a reference; views into buffers we reuse must be copied out. */
function copy(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}
