import type { FleetFeedMessage, TaskStatus } from "@deskfleet/protocol";
import { isTerminal } from "@deskfleet/protocol";
import { CloseCode } from "@deskfleet/protocol";
import { HibernatingObject } from "../base/hibernating-object.ts";
import { desktopObject, taskObject } from "../../domain/addresses.ts";
import { isWebSocketUpgrade, upgradeRequired } from "../../domain/websocket/upgrade.ts";
import { notGranted, readGrant } from "../../domain/websocket/socket-grant.ts";
import { planDispatch, presenceOfDesktop, waitingReason, type QueueEntry } from "./dispatch.ts";
import { FleetStore } from "./fleet-store.ts";
import { setCurrentTask } from "../../db/desktop-presence.ts";

/** A feed socket: when it opened, and the keys of the credentials it was opened with. */
type FeedAttachment = { connectedAt: number; keys: string[] };

/**
 * One per deployment. The only writer of assignments: it queues tasks by
 * priority then age, claims idle connected desktops, and serves the fleet feed.
 */
export class FleetDO extends HibernatingObject<FeedAttachment, { feed: FleetFeedMessage }> {
  private readonly store: FleetStore;
  private dispatching = false;
  private dispatchAgain = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new FleetStore(ctx.storage.sql);
  }

  // ---- RPC from TaskDO

  /**
   * A task's status changed (or a new task was stored: `previous` null). A
   * queued task comes with its queue entry and waits for a desktop.
   */
  async taskChanged(c: { taskId: string; status: TaskStatus; desktopId: string | null; previous: TaskStatus | null; queue?: QueueEntry }): Promise<void> {
    this.publish({ type: "task", taskId: c.taskId, status: c.status, desktopId: c.desktopId, at: Date.now() });
    if (c.status === "queued" && c.queue) {
      // Back in the queue (a follow-up, a host that could not take it): it holds nothing until it runs again.
      this.store.releaseHolds(c.taskId);
      this.store.enqueue(c.queue);
      await this.dispatch();
      return;
    }
    if (!isTerminal(c.status)) return;
    this.store.releaseHolds(c.taskId);
    this.store.dequeue(c.taskId);
    const desktopId = this.store.desktopRunning(c.taskId);
    if (desktopId) await this.release(desktopId, c.taskId);
    await this.dispatch();
  }

  // ---- RPC from TaskDO: exclusive vault secrets

  /**
   * A running task is about to type an exclusive secret: it holds it until it
   * ends, unless another task holds it already (then the caller is refused).
   */
  async holdExclusive(taskId: string, name: string): Promise<{ ok: true } | { ok: false; heldBy: string }> {
    const holder = this.store.hold(name, taskId);
    if (holder !== taskId) return { ok: false, heldBy: holder };
    await this.explainWaits();
    return { ok: true };
  }

  // ---- RPC from DesktopDO

  async desktopOnline(d: { desktopId: string; labels: string[]; activeTasks: string[]; runsTasks: boolean; runsTasksReason: string | null; directVnc: boolean }): Promise<void> {
    const now = Date.now();
    const prev = this.store.desktop(d.desktopId);
    this.store.upsertDesktop({
      id: d.desktopId, labels: d.labels, connected: true, runsTasks: d.runsTasks, runsTasksReason: d.runsTasksReason, directVnc: d.directVnc,
      busyTaskId: prev?.busyTaskId ?? null, idleSince: prev?.busyTaskId ? prev.idleSince : now,
    });
    const busy = prev?.busyTaskId ?? null;
    if (busy && !d.activeTasks.includes(busy)) {
      // The host came back without the task it was given: it restarted and lost it.
      await this.hostLostTask(d.desktopId, busy, "the desktop host restarted and lost the running task");
    }
    this.publishDesktop(d.desktopId);
    await this.dispatch();
  }

  async desktopOffline(desktopId: string): Promise<void> {
    const d = this.store.desktop(desktopId);
    if (!d) return;
    this.store.upsertDesktop({ ...d, connected: false });
    this.publishDesktop(desktopId);
    await this.explainWaits();
  }

  /** The host did not come back within the heartbeat timeout: its task fails with `host_lost`. */
  async desktopLost(desktopId: string, message: string): Promise<void> {
    const d = this.store.desktop(desktopId);
    if (!d) return;
    this.store.upsertDesktop({ ...d, connected: false });
    if (d.busyTaskId) await this.hostLostTask(desktopId, d.busyTaskId, message);
    this.publishDesktop(desktopId);
    await this.dispatch();
  }

  /** The API added or changed a desktop (labels, VNC URL). */
  async desktopUpdated(u: { desktopId: string; labels: string[]; directVnc: boolean }): Promise<void> {
    const d = this.store.desktop(u.desktopId) ?? {
      id: u.desktopId, labels: u.labels, connected: false, runsTasks: true, runsTasksReason: null, directVnc: u.directVnc, busyTaskId: null, idleSince: Date.now(),
    };
    this.store.upsertDesktop({ ...d, labels: u.labels, directVnc: u.directVnc });
    this.publishDesktop(u.desktopId);
    await this.dispatch();
  }

  async desktopRemoved(desktopId: string): Promise<void> {
    const d = this.store.desktop(desktopId);
    this.store.removeDesktop(desktopId);
    this.publish({ type: "desktop", desktopId, presence: "offline", taskId: null, deleted: true, at: Date.now() });
    if (d?.busyTaskId) await taskObject(this.env, d.busyTaskId).fail("desktop_deleted", `desktop ${desktopId} was deleted while running this task`);
    for (const q of this.store.queue().filter((e) => e.desktopId === desktopId)) {
      await taskObject(this.env, q.taskId).fail("desktop_deleted", `desktop ${desktopId} was deleted before it could run this task`);
    }
  }

  /** Feed of notifications from other parts (help requests, task results). */
  async notify(message: Extract<FleetFeedMessage, { type: "notification" }>): Promise<void> {
    this.publish(message);
  }

  /** A proposal was made or decided (SupervisorDO): the dashboards' approvals badge and list follow it. */
  async proposalChanged(message: Extract<FleetFeedMessage, { type: "proposal" }>): Promise<void> {
    this.publish(message);
  }

  async snapshot(): Promise<{ queue: QueueEntry[]; desktops: ReturnType<FleetStore["desktops"]> }> {
    return { queue: this.store.queue(), desktops: this.store.desktops() };
  }

  // ---- the fleet feed

  override async fetch(request: Request): Promise<Response> {
    if (!isWebSocketUpgrade(request)) return upgradeRequired();
    const grant = readGrant(request, "feed");
    if (!grant) return notGranted();
    const { response, socket } = this.acceptSocket(["feed"], { connectedAt: Date.now(), keys: grant.reader.keys });
    this.send("feed", socket, { type: "hello", at: Date.now() });
    return response;
  }

  /** A credential or session was revoked: its feed sockets close (4401, the dashboard signs out). */
  async endAccess(keys: string[], reason: string): Promise<number> {
    return this.closeRevoked("feed", keys, CloseCode.unauthorized, reason);
  }

  // ---- dispatch

  /** Single-flight: a call during a running pass makes the pass run again, so nothing waits forever. */
  private async dispatch(): Promise<void> {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        const queue = this.store.queue();
        const byId = new Map(queue.map((e) => [e.taskId, e]));
        for (const { taskId, desktopId } of planDispatch(queue, this.store.desktops(), this.store.holds())) {
          if (!this.store.claim(taskId, desktopId, byId.get(taskId)!.exclusive)) continue;
          await this.deliver(byId.get(taskId)!, desktopId);
        }
      } while (this.dispatchAgain);
      await this.explainWaits();
    } finally {
      this.dispatching = false;
    }
  }

  private async deliver(entry: QueueEntry, desktopId: string): Promise<void> {
    let delivered = false;
    try {
      const assigned = await taskObject(this.env, entry.taskId).markAssigned(desktopId);
      if (!assigned) {
        // Cancelled while queued: free the desktop and move on.
        await this.release(desktopId, entry.taskId);
        return;
      }
      delivered = await desktopObject(this.env, desktopId).pushAssign(assigned);
    } catch (err) {
      console.error("dispatch: delivering", entry.taskId, "to", desktopId, "failed:", err instanceof Error ? err.message : err);
    }
    if (delivered) {
      await setCurrentTask(this.env.DB, desktopId, entry.taskId);
      this.publish({ type: "task", taskId: entry.taskId, status: "assigned", desktopId, at: Date.now() });
      this.publishDesktop(desktopId);
      return;
    }
    // The host went away between the claim and the push: put everything back.
    const d = this.store.desktop(desktopId);
    if (d) this.store.upsertDesktop({ ...d, connected: false, busyTaskId: null });
    this.store.releaseHolds(entry.taskId);
    await taskObject(this.env, entry.taskId).unassign().catch(() => undefined);
    this.store.enqueue(entry);
  }

  /** Tells each queued task that cannot start why (no desktop for it, or an exclusive secret another task holds), once per change of reason, so it can show it. */
  private async explainWaits(): Promise<void> {
    const desktops = this.store.desktops();
    const holds = this.store.holds();
    for (const entry of this.store.queue()) {
      const reason = waitingReason(entry, desktops, holds);
      if (reason === this.store.waitingReasonOf(entry.taskId)) continue;
      this.store.setWaitingReason(entry.taskId, reason);
      await taskObject(this.env, entry.taskId).waiting(reason).catch((err: unknown) => console.error("telling", entry.taskId, "why it waits failed:", err));
    }
  }

  private async hostLostTask(desktopId: string, taskId: string, message: string): Promise<void> {
    await taskObject(this.env, taskId).fail("host_lost", message);
    await this.release(desktopId, taskId);
  }

  private async release(desktopId: string, taskId: string): Promise<void> {
    if (this.store.release(desktopId, taskId, Date.now())) {
      await setCurrentTask(this.env.DB, desktopId, null);
      this.publishDesktop(desktopId);
    }
  }

  private publishDesktop(desktopId: string): void {
    const d = this.store.desktop(desktopId);
    this.publish({ type: "desktop", desktopId, presence: d ? presenceOfDesktop(d) : "offline", taskId: d?.busyTaskId ?? null, at: Date.now() });
  }

  private publish(message: FleetFeedMessage): void {
    this.broadcast("feed", message);
  }
}
