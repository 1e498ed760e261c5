import type { EventsMessage, HelloMessage, HostEvent, HostMemoryRequest, HostMemoryResult, MemoryRequestMessage, RefusedEvent, SecretRequestMessage, SecretUse, ServerMessage } from "@deskfleet/protocol";
import { CloseCode, decodeHostMessage, HOST_PROTOCOL_VERSION, HOST_RELEASE, hostReleaseVerdict } from "@deskfleet/protocol";
import { closeSafely } from "../base/safe-socket.ts";
import type { ReleaseResult } from "../../domain/vault/release.ts";
import type { HostAttachment } from "./host-session.ts";
import type { PendingRequests } from "./pending-requests.ts";
import { PerTaskOrder } from "./per-task-order.ts";
import type { Presence } from "./presence.ts";

export type HostMessagesDeps = {
  presence: Presence;
  requests: PendingRequests;
  heartbeatIntervalMs: number;
  /** The desktop's labels and whether the control plane can dial its VNC server itself; null when it no longer exists. */
  desktopFacts(desktopId: string): Promise<{ labels: string[]; directVnc: boolean } | null>;
  /** Marks the socket's attachment as greeted: from then on it is the host's socket. */
  greeted(ws: WebSocket, att: HostAttachment): void;
  send(ws: WebSocket, message: ServerMessage): void;
  /** Whether a greeted host socket is still open (a newer connection replaced a closing one). */
  hostConnected(): boolean;
  /** The host is back: viewers that waited for it get their tunnels. */
  hostReady(): Promise<void>;
  /** TaskDO's side of the host's events. */
  task(taskId: string): {
    ingest(desktopId: string, events: HostEvent[]): Promise<{ ack: number; cancel: string | null; refused: RefusedEvent[]; deliver?: ServerMessage[] }>;
    hostReconnected(desktopId: string): Promise<ServerMessage[]>;
    /** A vault secret's value for the task this desktop runs (TaskDO checks desktop, status and scope). */
    releaseSecret(desktopId: string, name: string, use: Exclude<SecretUse, "unlock_screen">): Promise<ReleaseResult>;
  };
  /** A running task's memory_search or memory_save, answered for the task on this desktop only. */
  memory(desktopId: string, taskId: string, request: HostMemoryRequest): Promise<HostMemoryResult>;
};

/**
 * The host's side of DesktopDO: every frame from the host's control socket
 * is decoded with the protocol's codec and handled here. Hello first (its
 * version and desktop checked), then heartbeats, answers to desktop
 * requests, and task events, which reach TaskDO in order and are
 * acknowledged only once stored.
 */
export class HostMessages {
  readonly #d: HostMessagesDeps;
  readonly #order = new PerTaskOrder();

  constructor(deps: HostMessagesDeps) {
    this.#d = deps;
  }

  async onMessage(ws: WebSocket, att: HostAttachment, raw: string | ArrayBuffer): Promise<void> {
    const decoded = decodeHostMessage(raw);
    if (!decoded.ok) return this.#d.send(ws, { type: "error", code: decoded.code, message: decoded.reason });
    const m = decoded.message;
    if (m.type === "hello") return this.#hello(ws, att, m);
    if (!att.helloed) return closeSafely(ws, CloseCode.policy, "send hello first");
    if (m.type === "heartbeat") return this.#d.presence.heartbeat(Date.now(), m.resources);
    if (m.type === "desktop_response") return this.#d.requests.settle(m.requestId, m.result);
    if (m.type === "memory_request") return this.#memory(ws, att, m);
    if (m.type === "secret_request") return this.#secret(ws, att, m);
    return this.#events(ws, att, m);
  }

  /** A value for the task this desktop runs: TaskDO decides (its desktop, its scope) and the vault audits; nothing here keeps it. */
  async #secret(ws: WebSocket, att: HostAttachment, m: SecretRequestMessage): Promise<void> {
    this.#d.presence.touch(Date.now());
    try {
      const r = await this.#d.task(m.taskId).releaseSecret(att.desktopId, m.name, m.use ?? "type_secret");
      const result = r.ok ? { ok: true as const, kind: r.kind, value: r.value } : { ok: false as const, error: { code: r.code, message: r.message }, available: r.available };
      this.#d.send(ws, { type: "secret_response", requestId: m.requestId, result });
    } catch (err) {
      console.error("secret request for", m.taskId, "failed:", err instanceof Error ? err.message : err);
      this.#d.send(ws, { type: "secret_response", requestId: m.requestId, result: { ok: false, error: { code: "internal", message: "the control plane could not release the secret; try again" }, available: [] } });
    }
  }

  /** The host's socket closed. Callers waiting on it learn now; the host is offline unless a newer socket took over. */
  async onClose(att: HostAttachment): Promise<void> {
    if (!att.helloed || this.#d.hostConnected()) return;
    this.#d.requests.failAll("host_unavailable", "the desktop's host disconnected before answering");
    await this.#d.presence.socketClosed();
  }

  async #hello(ws: WebSocket, att: HostAttachment, m: HelloMessage): Promise<void> {
    if (m.protocolVersion !== HOST_PROTOCOL_VERSION) {
      const advice = m.protocolVersion < HOST_PROTOCOL_VERSION ? "run `deskfleet-host upgrade`" : "deploy the newer control plane";
      return closeSafely(ws, CloseCode.badVersion, `host protocol ${m.protocolVersion} is not supported; the server speaks ${HOST_PROTOCOL_VERSION}: ${advice}`);
    }
    const release = hostReleaseVerdict(m.capabilities.hostVersion);
    if (!release.ok) return closeSafely(ws, CloseCode.badVersion, release.reason);
    if (m.desktopId !== att.desktopId) {
      return closeSafely(ws, CloseCode.wrongDesktop, `this host token belongs to desktop ${att.desktopId}, not ${m.desktopId}; run the host with --desktop ${att.desktopId}`);
    }
    const facts = await this.#d.desktopFacts(att.desktopId);
    if (!facts) return closeSafely(ws, CloseCode.desktopDeleted, `desktop ${att.desktopId} no longer exists; add it again in the dashboard`);
    const now = Date.now();
    this.#d.greeted(ws, att);
    this.#d.presence.connect(att.desktopId, m.capabilities, now);
    // Welcome goes first: announcing the host may make FleetDO push an assignment to it at once.
    this.#d.send(ws, { type: "welcome", desktopId: att.desktopId, heartbeatIntervalMs: this.#d.heartbeatIntervalMs, serverTime: now, hostRelease: HOST_RELEASE });
    await this.#d.presence.announce(facts, m.activeTasks, now);
    // Viewers that opened while the host was away (a deploy, a blip) get their tunnels now.
    await this.#d.hostReady();
    // Whatever the host may have missed while it was away (answers, follow-ups, a cancel).
    for (const taskId of m.activeTasks) {
      for (const missed of await this.#d.task(taskId).hostReconnected(att.desktopId)) this.#d.send(ws, missed);
    }
  }

  async #memory(ws: WebSocket, att: HostAttachment, m: MemoryRequestMessage): Promise<void> {
    let result: HostMemoryResult;
    try {
      result = await this.#d.memory(att.desktopId, m.taskId, m.request);
    } catch (err) {
      console.error("memory request for", m.taskId, "failed:", err instanceof Error ? err.message : err);
      result = { ok: false, error: { code: "internal", message: "the control plane could not answer; carry on without memory" } };
    }
    this.#d.send(ws, { type: "memory_response", requestId: m.requestId, result });
  }

  #events(ws: WebSocket, att: HostAttachment, m: EventsMessage): Promise<void> {
    this.#d.presence.touch(Date.now());
    return this.#order.run(m.taskId, async () => {
      try {
        const { ack, cancel, refused, deliver } = await this.#d.task(m.taskId).ingest(att.desktopId, m.events);
        this.#d.send(ws, { type: "ack", taskId: m.taskId, seq: ack, ...(refused.length ? { refused } : {}) });
        for (const message of deliver ?? []) this.#d.send(ws, message);
        if (cancel) this.#d.send(ws, { type: "cancel", taskId: m.taskId, reason: cancel });
      } catch (err) {
        // Not acked: the host keeps the events and resends them after its next reconnect.
        console.error("events for", m.taskId, "not stored:", err instanceof Error ? err.message : err);
      }
    });
  }
}
