import type { FleetFeedMessage, TaskStatus } from "@deskfleet/protocol";
import { isTerminal } from "@deskfleet/protocol";
import { HibernatingObject } from "../base/hibernating-object.ts";
import { desktopObject, taskObject } from "../../domain/addresses.ts";
import { isWebSocketUpgrade, upgradeRequired } from "../../domain/websocket/upgrade.ts";
import { planDispatch, waitingReason, type QueueEntry } from "./dispatch.ts";
import { FleetStore } from "./fleet-store.ts";
import { setCurrentTask } from "../../db/desktop-presence.ts";

type FeedAttachment = { connectedAt: number };

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
    await this.tellWaiting();
    return { ok: true };
  }

  // ---- RPC from DesktopDO

  async desktopOnline(d: { desktopId: string; labels: string[]; activeTasks: string[] }): Promise<void> {
    const now = Date.now();
    const prev = this.store.desktop(d.desktopId);
    this.store.upsertDesktop({ id: d.desktopId, labels: d.labels, connected: true, busyTaskId: prev?.busyTaskId ?? null, idleSince: prev?.busyTaskId ? prev.idleSince : now });
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

  async desktopLabels(desktopId: string, labels: string[]): Promise<void> {
    const d = this.store.desktop(desktopId);
    if (!d) return;
    this.store.upsertDesktop({ ...d, labels });
    await this.dispatch();
  }

  async desktopRemoved(desktopId: string): Promise<void> {
    const d = this.store.desktop(desktopId);
    this.store.removeDesktop(desktopId);
    if (d?.busyTaskId) await taskObject(this.env, d.busyTaskId).fail("desktop_deleted", `desktop ${desktopId} was deleted while running this task`);
    for (const q of this.store.queue().filter((e) => e.desktopId === desktopId)) {
      await taskObject(this.env, q.taskId).fail("desktop_deleted", `desktop ${desktopId} was deleted before it could run this task`);
    }
  }

  /** Feed of notifications from other parts (help requests, task results). */
  async notify(message: Extract<FleetFeedMessage, { type: "notification" }>): Promise<void> {
    this.publish(message);
  }

  async snapshot(): Promise<{ queue: QueueEntry[]; desktops: ReturnType<FleetStore["desktops"]> }> {
    return { queue: this.store.queue(), desktops: this.store.desktops() };
  }

  // ---- the fleet feed

  override async fetch(request: Request): Promise<Response> {
    if (!isWebSocketUpgrade(request)) return upgradeRequired();
    const { response, socket } = this.acceptSocket(["feed"], { connectedAt: Date.now() });
    this.send("feed", socket, { type: "hello", at: Date.now() });
    return response;
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
        await this.tellWaiting();
      } while (this.dispatchAgain);
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

  /** Queued tasks learn when an exclusive secret starts or stops holding them back (their status says why). */
  private async tellWaiting(): Promise<void> {
    const holds = this.store.holds();
    for (const entry of this.store.queue()) {
      const reason = waitingReason(entry, holds);
      if (!this.store.setWaiting(entry.taskId, reason)) continue;
      await taskObject(this.env, entry.taskId).waiting(reason).catch((err: unknown) => {
        console.error("dispatch: telling", entry.taskId, "why it waits failed:", err instanceof Error ? err.message : err);
      });
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
    const presence = !d || !d.connected ? "offline" : d.busyTaskId ? "busy" : "online";
    this.publish({ type: "desktop", desktopId, presence, taskId: d?.busyTaskId ?? null, at: Date.now() });
  }

  private publish(message: FleetFeedMessage): void {
    this.broadcast("feed", message);
  }
}
