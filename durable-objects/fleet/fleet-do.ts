import type { BudgetStatus, BudgetUpdate, FleetFeedMessage, FleetState, SpendEntry, SpendGroup, SpendReport, TaskStatus } from "@deskfleet/protocol";
import { isTerminal } from "@deskfleet/protocol";
import { CloseCode } from "@deskfleet/protocol";
import { HibernatingObject } from "../base/hibernating-object.ts";
import { desktopObject, taskObject } from "../../domain/addresses.ts";
import { isWebSocketUpgrade, upgradeRequired } from "../../domain/websocket/upgrade.ts";
import { notGranted, readGrant } from "../../domain/websocket/socket-grant.ts";
import { byQueueOrder, planDispatch, presenceOfDesktop, waitingReason, type QueueEntry } from "./dispatch.ts";
import { hasSpendQuotas, parseQuotas, quotaOf, spendQuotaReason, withinQuotas } from "./quota.ts";
import { FleetStore } from "./fleet-store.ts";
import { SpendStore } from "./spend-store.ts";
import { budgetState, holdFor, overBudgetReason, parseLimit, supervisorOverBudgetReason, usd, windowsAt, type BudgetLimits, type BudgetState } from "./budget.ts";
import { audit } from "../../db/audit.ts";
import { sendFleetAlert } from "../../domain/channels/deliver.ts";
import { ownOnlyOwner } from "../../domain/access/own-only.ts";
import { setCurrentTask } from "../../db/desktop-presence.ts";

/** A feed socket: when it opened, and the keys of the credentials it was opened with. */
type FeedAttachment = { connectedAt: number; keys: string[]; owner?: string | null };

/**
 * One per deployment. The only writer of assignments: it queues tasks by
 * priority then age, claims idle connected desktops, and serves the fleet feed.
 */
export class FleetDO extends HibernatingObject<FeedAttachment, { feed: FleetFeedMessage }> {
  private readonly store: FleetStore;
  private readonly spend: SpendStore;
  private dispatching = false;
  private dispatchAgain = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new FleetStore(ctx.storage.sql);
    this.spend = new SpendStore(ctx.storage.sql);
  }

  // ---- RPC from TaskDO

  /**
   * A task's status changed (or a new task was stored: `previous` null). A
   * queued task comes with its queue entry and waits for a desktop.
   */
  async taskChanged(c: { taskId: string; status: TaskStatus; desktopId: string | null; previous: TaskStatus | null; queue?: QueueEntry }): Promise<void> {
    if (c.queue?.owner) this.store.noteOwner(c.taskId, c.queue.owner, c.queue.ownerRole ?? null);
    this.publish({ type: "task", taskId: c.taskId, status: c.status, desktopId: c.desktopId, at: Date.now() });
    if (c.status === "queued" || isTerminal(c.status)) this.store.stopped(c.taskId);
    if (c.status === "queued" && c.queue) {
      // Back in the queue (a follow-up, a host that could not take it): it holds nothing until it runs again.
      this.store.releaseHolds(c.taskId);
      this.store.enqueue(c.queue);
      await this.dispatch();
      return;
    }
    if (!isTerminal(c.status)) return;
    this.spend.forget(c.taskId);
    this.store.releaseHolds(c.taskId);
    this.store.dequeue(c.taskId);
    const desktopId = this.store.desktopRunning(c.taskId);
    if (desktopId) await this.release(desktopId, c.taskId);
    await this.dispatch();
  }

  // ---- spend: counted here (one writer), from TaskDO (hosts' model calls) and SupervisorDO (its own)

  /** Counts model calls, each key once; a new call may cross 80 % (a notification) or 100 % (the fleet holds). */
  async recordUsage(entries: SpendEntry[]): Promise<void> {
    let counted = false;
    for (const e of entries) if (this.spend.record(e)) counted = true;
    if (counted) await this.budgetChanged();
    if (counted && hasSpendQuotas(parseQuotas(this.env.DESKFLEET_QUOTAS).quotas)) await this.spendQuotasChanged();
  }

  /** An owner's dollars a day (DESKFLEET_QUOTAS `usd`) may be spent now: hold their running tasks, explain their queued ones, look again at midnight UTC. */
  private async spendQuotasChanged(): Promise<void> {
    await this.reconcileHolds("quota");
    await this.explainWaits();
    await this.armAlarm(windowsAt(Date.now()).nextDayStart);
  }

  /** One alarm serves every window: the earliest one wanted wins (a past one is replaced). */
  private async armAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current <= Date.now() || at < current) await this.ctx.storage.setAlarm(at);
  }

  /** `PUT /api/spend/budget`: runtime limits over the deployment's settings, audited; raising one lets held tasks go on. */
  async setBudget(update: BudgetUpdate, by: string): Promise<BudgetStatus> {
    const current = this.limits();
    const next: BudgetLimits | null = update.reset ? null : {
      dailyUsd: update.dailyUsd !== undefined ? update.dailyUsd : current.dailyUsd,
      monthlyUsd: update.monthlyUsd !== undefined ? update.monthlyUsd : current.monthlyUsd,
    };
    this.spend.setBudgetOverride(next);
    await audit(this.env.DB, { actor: by, action: "fleet.budget_set", targetType: "fleet", targetId: "budget", details: { ...(next ?? { reset: true }) } });
    await this.budgetChanged(by);
    return this.budgetStatus();
  }

  /** Why the supervisor may not call the model now (the budget is spent), or null; asked before each of its calls. */
  async supervisorHold(): Promise<string | null> {
    const over = this.currentBudget().over;
    return over ? supervisorOverBudgetReason(over) : null;
  }

  /** `POST /api/tasks/:id/run-anyway`: this task runs (and goes on) whatever the budget says; the kill switch still holds it. */
  async runAnyway(taskId: string, by: string): Promise<void> {
    this.spend.runAnyway(taskId, by, Date.now());
    await audit(this.env.DB, { actor: by, action: "task.run_anyway", targetType: "task", targetId: taskId });
    await this.reconcileHolds(by);
    await this.dispatch();
  }

  /** The kill switch: dispatch stops; running tasks pause or are cancelled; one atomic change, audited. */
  async pauseFleet(running: "cancel" | "pause", by: string): Promise<FleetState> {
    if (!this.spend.pause()) {
      this.spend.setPause({ by, at: Date.now(), running });
      await audit(this.env.DB, { actor: by, action: "fleet.paused", targetType: "fleet", targetId: "fleet", details: { running } });
      this.publishFleet();
      if (running === "cancel") {
        for (const d of this.store.desktops()) {
          if (d.busyTaskId) await taskObject(this.env, d.busyTaskId).cancel(by, `${by} paused the fleet and cancelled running tasks`).catch(() => undefined);
        }
      }
      await this.reconcileHolds(by);
      await this.explainWaits();
    }
    return this.state();
  }

  async resumeFleet(by: string): Promise<FleetState> {
    if (this.spend.pause()) {
      this.spend.setPause(null);
      await audit(this.env.DB, { actor: by, action: "fleet.resumed", targetType: "fleet", targetId: "fleet" });
      this.publishFleet();
      await this.reconcileHolds(by);
      await this.dispatch();
    }
    return this.state();
  }

  async isPaused(): Promise<boolean> {
    return this.spend.pause() !== null;
  }

  async state(): Promise<FleetState> {
    return {
      paused: this.spend.pause(),
      budget: this.budgetStatus(),
      held: [...this.spend.held()].map(([taskId, reason]) => ({ taskId, reason })),
      runAnyway: [...this.spend.exempt()],
    };
  }

  /** `GET /api/spend`: dollars in [from, to) by one dimension, with the budget as it stands. */
  async spendReport(from: number, to: number, by: SpendGroup): Promise<SpendReport> {
    const rows = this.spend.grouped(from, to, by);
    return { from, to, by, totalUsd: rows.reduce((a, r) => a + r.costUsd, 0), rows, budget: this.budgetStatus() };
  }

  async scheduleRunCosts(scheduleId: string, from: number, to: number): Promise<{ taskId: string; at: number; costUsd: number; calls: number }[]> {
    return this.spend.scheduleRuns(scheduleId, from, to);
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
    // An own-only operator's feed carries their own tasks only (desktops and fleet state stay visible).
    const { response, socket } = this.acceptSocket(["feed"], { connectedAt: Date.now(), keys: grant.reader.keys, owner: ownOnlyOwner(this.env, grant.reader) });
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
        for (const { taskId, desktopId } of planDispatch(this.dispatchable(queue), this.store.desktops(), this.store.holds())) {
          if (!this.store.claim(taskId, desktopId, byId.get(taskId)!.exclusive)) continue;
          const owner = byId.get(taskId)!.owner;
          if (owner) this.store.started(taskId, owner, Date.now());
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
    const queue = this.store.queue();
    const quota = this.quotaCheck(queue).waiting;
    for (const entry of queue) {
      const reason = this.fleetWaitingReason(entry.taskId) ?? quota.get(entry.taskId) ?? waitingReason(entry, desktops, holds);
      if (reason === this.store.waitingReasonOf(entry.taskId)) continue;
      this.store.setWaitingReason(entry.taskId, reason);
      await taskObject(this.env, entry.taskId).waiting(reason).catch((err: unknown) => console.error("telling", entry.taskId, "why it waits failed:", err));
    }
  }

  // ---- budget and kill switch

  /** The queue dispatch may start now: nothing while the fleet is paused, only tasks run anyway while the budget is spent. */
  private dispatchable(queue: QueueEntry[]): QueueEntry[] {
    if (this.spend.pause()) return [];
    const exempt = this.spend.exempt();
    const funded = this.currentBudget().over ? queue.filter((e) => exempt.has(e.taskId)) : queue;
    return this.quotaCheck(funded).allowed;
  }

  /** Quotas in queue order (the order dispatch serves), so the owner's oldest tasks go first. */
  private quotaCheck(queue: QueueEntry[]) {
    const { quotas } = parseQuotas(this.env.DESKFLEET_QUOTAS);
    const dayStart = windowsAt(Date.now()).dayStart;
    return withinQuotas([...queue].sort(byQueueOrder), quotas, (owner) => ({ ...this.store.ownerUse(owner, dayStart), spentTodayUsd: this.spend.spentSince(dayStart, owner) }), this.spend.exempt());
  }

  private fleetWaitingReason(taskId: string): string | null {
    const paused = this.spend.pause();
    if (paused) return `the fleet is paused (by ${paused.by}); the task starts when an admin resumes it (POST /api/fleet/resume, the dashboard's switch, or /resume in Telegram)`;
    const over = this.currentBudget().over;
    return over && !this.spend.exempt().has(taskId) ? overBudgetReason(over, taskId) : null;
  }

  private limits(): BudgetLimits {
    return this.spend.budgetOverride() ?? { dailyUsd: parseLimit(this.env.DESKFLEET_BUDGET_DAILY_USD), monthlyUsd: parseLimit(this.env.DESKFLEET_BUDGET_MONTHLY_USD) };
  }

  private currentBudget(now = Date.now()): BudgetState {
    const w = windowsAt(now);
    return budgetState(this.limits(), { todayUsd: this.spend.spentSince(w.dayStart), monthUsd: this.spend.spentSince(w.monthStart) });
  }

  private budgetStatus(): BudgetStatus {
    const b = this.currentBudget();
    return {
      dailyUsd: b.limits.dailyUsd, monthlyUsd: b.limits.monthlyUsd, source: this.spend.budgetOverride() ? "runtime" : "settings",
      todayUsd: b.spent.todayUsd, monthUsd: b.spent.monthUsd, over: b.over?.window ?? null, warn: b.warn,
    };
  }

  /**
   * Spend or limits changed: warn once per window at 80 %, and when the budget's verdict changed
   * (spent, or not any more) hold or release running tasks, re-explain the queue and dispatch.
   */
  private async budgetChanged(by = "budget"): Promise<void> {
    const now = Date.now();
    const b = this.currentBudget(now);
    const w = windowsAt(now);
    for (const window of b.warn) {
      const limit = window === "daily" ? b.limits.dailyUsd! : b.limits.monthlyUsd!;
      const spent = window === "daily" ? b.spent.todayUsd : b.spent.monthUsd;
      const full = spent >= limit;
      // Once per window and level: 80 % warns, 100 % says the fleet holds.
      const name = `warned:${full ? 100 : 80}:${window}:${window === "daily" ? w.day : w.month}`;
      if (this.spend.setting(name)) continue;
      this.spend.setSetting(name, String(now));
      await this.notifyEverywhere(full ? "error" : "warning", full ? `Fleet ${window} budget spent` : `Fleet ${window} budget at ${Math.round((spent / limit) * 100)} %`,
        `${usd(spent)} of ${usd(limit)} ${window === "daily" ? "today" : "this month"} (UTC).${full ? " New tasks wait and running ones pause until an admin raises the limit." : ""}`);
    }
    const over = b.over?.window ?? null;
    const was = this.spend.setting("over");
    if ((was ?? null) !== over) {
      this.spend.setSetting("over", over);
      this.publishFleet();
      await this.reconcileHolds(by);
      if (!over) await this.dispatch();
      else await this.explainWaits();
    }
    // A spent window ends at the next UTC midnight (or month): look again then.
    if (over) await this.armAlarm(over === "daily" ? w.nextDayStart : w.nextMonthStart);
  }

  /** The budget window rolled over (UTC midnight): the budget and owners' dollar quotas may let tasks go on. */
  override async alarm(): Promise<void> {
    await this.budgetChanged("the new budget window");
    if (hasSpendQuotas(parseQuotas(this.env.DESKFLEET_QUOTAS).quotas)) {
      await this.reconcileHolds("the new budget window");
      await this.dispatch();
    }
  }

  /** Holds or lets go each running task by the switch and the budget (a task run anyway is not held for the budget). */
  private async reconcileHolds(by: string): Promise<void> {
    const paused = this.spend.pause() !== null;
    const over = this.currentBudget().over !== null;
    const exempt = this.spend.exempt();
    const held = this.spend.held();
    const { quotas } = parseQuotas(this.env.DESKFLEET_QUOTAS);
    const dayStart = windowsAt(Date.now()).dayStart;
    for (const d of this.store.desktops()) {
      const taskId = d.busyTaskId;
      if (!taskId) continue;
      // An owner over their dollars a day pauses like the fleet over its budget (the host's reason is `budget`), with its own note.
      const o = this.store.ownerWithRoleOf(taskId);
      const quota = o ? quotaOf(quotas, o.owner, o.role) : null;
      const quotaNote = o && quota?.usd != null ? spendQuotaReason(quota, o.owner, this.spend.spentSince(dayStart, o.owner)) : null;
      const want = holdFor(taskId, { paused, over: over || quotaNote !== null, exempt });
      if ((held.get(taskId) ?? null) === want) continue;
      this.spend.setHeld(taskId, want);
      const note = want === "budget" && !over && quotaNote ? `Paused: ${quotaNote}.` : undefined;
      await taskObject(this.env, taskId).hold(want, by, note).catch((err: unknown) => console.error("holding", taskId, "failed:", err));
    }
  }

  private async notifyEverywhere(level: "warning" | "error", title: string, body: string): Promise<void> {
    this.publish({ type: "notification", level, title, body, taskId: null, path: "/spend", at: Date.now() });
    this.ctx.waitUntil(sendFleetAlert(this.env, title, body).catch((err: unknown) => console.error("fleet alert to the chat channels failed:", err)));
  }

  private publishFleet(): void {
    this.publish({ type: "fleet", paused: this.spend.pause(), over: this.currentBudget().over?.window ?? null, at: Date.now() });
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
    const taskId = message.type === "task" || message.type === "notification" ? message.taskId : null;
    const restricted = taskId ? this.sockets("feed").filter((ws) => this.attachmentOf(ws).owner) : [];
    if (restricted.length === 0) return this.broadcast("feed", message);
    const owner = this.store.ownerOf(taskId!);
    for (const ws of this.sockets("feed")) {
      const only = this.attachmentOf(ws).owner;
      if (!only || only === owner) this.send("feed", ws, message);
    }
  }
}
