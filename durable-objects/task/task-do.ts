import type { AssignedTask, HelpRequest, HostEvent, ServerMessage, Task, TaskEvent, TaskFeedMessage, TaskStatus } from "@deskfleet/protocol";
import { HelpRequestEventData, isTerminal, jobConversationId, runsOnSupervisor } from "@deskfleet/protocol";
import { HibernatingObject, sendSafely } from "../base/hibernating-object.ts";
import { Deadlines } from "../base/deadlines.ts";
import { desktopObject, envNumber, fleetObject, supervisorObject } from "../../domain/addresses.ts";
import { isWebSocketUpgrade, upgradeRequired } from "../../domain/websocket/upgrade.ts";
import { applyHostEvent, searchableText, transition, ZERO_USAGE } from "./lifecycle.ts";
import { toApiTask, toAssigned, toRow, type NewTask, type TaskRecord } from "./task-record.ts";
import { TaskStore } from "./task-store.ts";
import { rpcFail, type RpcResult } from "../../domain/api-error.ts";
import { upsertTaskRow } from "../../db/tasks.ts";
import { insertEvents } from "../../db/task-events.ts";
import { toHelpRequest, upsertHelpRequest, type HelpRow } from "../../db/help-requests.ts";
import { DEFAULT_HELP_TIMEOUT_MS, helpDeadline, helpIdOf, isHelpDeadline, openRequest, resolve, type Resolution } from "./help-ledger.ts";
import { onTaskTerminal } from "../../domain/tasks/task-terminal.ts";
import { sendHelpRequest } from "../../domain/telegram/help-requests.ts";

type WatcherAttachment = { after: number };

const FLUSH_BATCH = 200;
const FLUSH_RETRY_MS = 2_000;
const TERMINAL_HOOKS_RETRY_MS = 30_000;

/**
 * One task: its lifecycle, its event log (ordered by our own sequence, with
 * host duplicates dropped by host sequence), acks, D1 history and watchers.
 */
export class TaskDO extends HibernatingObject<WatcherAttachment, { watcher: TaskFeedMessage }> {
  private readonly store: TaskStore;
  private readonly deadlines: Deadlines;
  private record: TaskRecord | null;
  private flushing: Promise<void> | null = null;
  private flushAgain = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new TaskStore(ctx.storage.sql);
    this.deadlines = new Deadlines(ctx.storage);
    this.record = this.store.loadRecord();
  }

  // ---- RPC

  async create(input: NewTask): Promise<Task> {
    if (this.record) return toApiTask(this.record);
    const now = Date.now();
    this.record = {
      ...input,
      status: "queued",
      desktopId: null,
      result: null,
      error: null,
      usage: ZERO_USAGE,
      steps: 0,
      assignedAt: null,
      startedAt: null,
      finishedAt: null,
      createdAt: now,
      updatedAt: now,
      lastHostSeq: 0,
      lastActivityAt: now,
      pendingMessages: [],
      everAssigned: false,
      helpRequests: [],
      pendingDeliveries: [],
      lastScreenshotKey: null,
    };
    this.store.saveRecord(this.record);
    this.appendServer("status", { status: "queued" }, now);
    await this.flush();
    // Healer and optimizer tasks are executed by the supervisor, never by a desktop.
    if (runsOnSupervisor(input.source)) await supervisorObject(this.env, jobConversationId(input)).startJob(jobConversationId(input), input.id);
    else await fleetObject(this.env).enqueue(this.queueEntry());
    return toApiTask(this.record);
  }

  async snapshot(): Promise<Task | null> {
    return this.record ? toApiTask(this.record) : null;
  }

  /** FleetDO claimed a desktop for this task. Returns what the host needs, or null if the task is no longer queued. */
  async markAssigned(desktopId: string): Promise<AssignedTask | null> {
    const r = this.record;
    if (!r || r.status !== "queued") return null;
    const now = Date.now();
    // `resume` tells the host whether this conversation ran before, so read it before marking.
    const assigned = toAssigned({ ...r, desktopId });
    this.update({ ...transition(r, "assigned", now), desktopId, assignedAt: now, lastActivityAt: now, everAssigned: true });
    this.update({ ...this.record!, pendingMessages: [] });
    this.appendServer("status", { status: "assigned", desktopId }, now);
    await this.armInactivity(now);
    await this.flush();
    return assigned;
  }

  /** The host could not take the task after all (it went away): back to the queue. */
  async unassign(): Promise<void> {
    const r = this.record;
    if (!r || r.status !== "assigned") return;
    const now = Date.now();
    this.update({ ...transition(r, "queued", now), desktopId: null, assignedAt: null });
    this.appendServer("status", { status: "queued", reason: "host unavailable" }, now);
    await this.deadlines.clear("inactivity");
    await this.flush();
  }

  /**
   * Stores host events in order and returns the highest host seq stored.
   * Duplicates (already stored) are dropped; a gap stops the batch so the host resends.
   */
  async ingest(desktopId: string, events: HostEvent[]): Promise<{ ack: number; cancel: string | null }> {
    const r = this.record;
    if (!r) return { ack: 0, cancel: "this task does not exist on the control plane" };
    if (r.desktopId !== desktopId) {
      return { ack: r.lastHostSeq, cancel: `task ${r.id} is not assigned to desktop ${desktopId}` };
    }
    const before = r.status;
    let rec = r;
    const now = Date.now();
    const appended: TaskEvent[] = [];
    const asked: HelpRow[] = [];
    for (const raw of events) {
      if (raw.seq <= rec.lastHostSeq) continue;
      if (raw.seq !== rec.lastHostSeq + 1) break;
      let e = raw;
      if (e.kind === "help_request") {
        const help = HelpRequestEventData.safeParse(e.data);
        if (!help.success || rec.helpRequests.some((h) => h.id === help.data.requestId)) {
          // A malformed or repeated question must not leave the task waiting for an answer nobody can give.
          e = { ...e, kind: "log", data: { level: "warn", message: "ignored an invalid help request", original: e.data } };
        } else if (!isTerminal(rec.status)) {
          asked.push(openRequest(rec.id, rec.desktopId, help.data, rec.lastScreenshotKey, now, this.helpTimeoutMs()));
        }
      }
      if (e.kind === "screenshot" && typeof e.data["key"] === "string") rec = { ...rec, lastScreenshotKey: e.data["key"] };
      rec = { ...applyHostEvent(rec, e, now), lastHostSeq: e.seq, lastActivityAt: now };
      appended.push(
        this.store.append(rec.id, { kind: e.kind, source: "host", hostSeq: e.seq, data: e.data, text: searchableText(e.kind, e.data), at: e.at }),
      );
    }
    // Events already in flight when a person took over must not resume the agent behind their back.
    if (rec.pausedFor === "takeover" && rec.status === "running") rec = { ...rec, status: "waiting_for_human" };
    if (appended.length > 0) {
      // The host moved on, so it has everything we pushed before.
      rec = { ...rec, helpRequests: [...rec.helpRequests, ...asked], pendingDeliveries: [] };
      this.update(rec);
      for (const h of asked) await this.helpOpened(h);
      for (const ev of appended) this.broadcast("watcher", { type: "event", event: ev });
      if (rec.status !== before) {
        this.appendServer("status", { status: rec.status, previous: before, ...(rec.error ? { error: rec.error } : {}) }, now);
        await this.statusChanged(before);
      }
      else if (!isTerminal(rec.status) && rec.status !== "waiting_for_human") await this.armInactivity(now);
      this.flushSoon();
    }
    // A host still sending for a task that ended without it (cancelled, host_lost) is told to stop.
    const cancel = isTerminal(before) ? `the task is already ${before}` : null;
    return { ack: rec.lastHostSeq, cancel };
  }

  async cancel(actor: string, reason: string | undefined): Promise<RpcResult<Task>> {
    const r = this.record;
    if (!r) return rpcFail(404, "not_found", "task does not exist");
    if (isTerminal(r.status)) return rpcFail(409, "task_finished", `task ${r.id} is already ${r.status}; nothing to cancel`);
    const now = Date.now();
    const before = r.status;
    this.update({ ...transition(r, "cancelled", now), error: { code: "cancelled", message: reason ?? `cancelled by ${actor}` } });
    this.appendServer("cancel_requested", { by: actor, reason: reason ?? null }, now);
    this.appendServer("status", { status: "cancelled" }, now);
    if (r.desktopId && before !== "queued") await desktopObject(this.env, r.desktopId).pushCancel(r.id, reason ?? `cancelled by ${actor}`);
    await this.statusChanged(before);
    return { ok: toApiTask(this.record!) };
  }

  /** Fails the task for a reason outside the agent (host lost, inactivity). No-op once finished. */
  async fail(code: string, message: string): Promise<void> {
    const r = this.record;
    if (!r || isTerminal(r.status)) return;
    const now = Date.now();
    const before = r.status;
    this.update({ ...transition(r, "failed", now), error: { code, message } });
    this.appendServer("status", { status: "failed", error: { code, message } }, now);
    if (r.desktopId && before !== "queued" && code !== "host_lost") {
      await desktopObject(this.env, r.desktopId).pushCancel(r.id, message);
    }
    await this.statusChanged(before);
  }

  /** A follow-up from a person: delivered now to a running task, or re-queues a finished one on the same desktop. */
  async addMessage(actor: string, text: string): Promise<RpcResult<{ task: Task; event: TaskEvent }>> {
    const r = this.record;
    if (!r) return rpcFail(404, "not_found", "task does not exist");
    if (runsOnSupervisor(r.source)) return rpcFail(409, "supervisor_task", `task ${r.id} is a ${r.source} task run by the supervisor; it takes no follow-ups`);
    const now = Date.now();
    const message = { id: crypto.randomUUID(), text, at: now };
    const event = this.appendServer("user_message", { ...message, by: actor }, now);
    if (r.status === "assigned" || r.status === "running" || r.status === "waiting_for_human") {
      await this.deliver({ type: "task_message", taskId: r.id, message });
    } else if (r.status === "queued") {
      this.update({ ...r, pendingMessages: [...r.pendingMessages, message] });
    } else {
      const before = r.status;
      const pinned = r.desktopId ?? r.targetDesktopId;
      this.update({ ...transition(r, "queued", now), result: null, targetDesktopId: pinned, targetLabels: pinned ? [] : r.targetLabels, desktopId: null, pendingMessages: [message] });
      this.appendServer("status", { status: "queued", reason: "follow-up" }, now);
      await this.statusChanged(before);
      await fleetObject(this.env).enqueue(this.queueEntry());
    }
    await this.flush();
    return { ok: { task: toApiTask(this.record!), event } };
  }

  /** A person took over the task's desktop: the task waits for them (reason `takeover`). False if it was not running. */
  async pauseForTakeover(by: string): Promise<boolean> {
    const r = this.record;
    if (!r || (r.status !== "assigned" && r.status !== "running" && r.status !== "waiting_for_human") || r.pausedFor) return false;
    const now = Date.now();
    const before = r.status;
    this.update({ ...transition(r, "waiting_for_human", now), pausedFor: "takeover", pausedBy: by });
    this.appendServer("status", { status: "waiting_for_human", previous: before, reason: "takeover", by }, now);
    if (before !== "waiting_for_human") await this.statusChanged(before);
    else await this.flush();
    return true;
  }

  /** The person handed the desktop back: the agent continues (unless a help request still waits), told `note`. */
  async resumeAfterTakeover(by: string, note: string): Promise<boolean> {
    const r = this.record;
    if (!r || r.pausedFor !== "takeover") return false;
    const now = Date.now();
    const before = r.status;
    const waitingForHelp = r.helpRequests.some((h) => h.status === "open");
    let next: TaskRecord = { ...r, pausedFor: null, pausedBy: null, lastHandBackNote: note, lastActivityAt: now };
    if (before === "waiting_for_human" && !waitingForHelp) next = transition(next, "running", now);
    this.update(next);
    this.appendServer("note", { text: note, by, reason: "handback" }, now);
    if (next.status !== before) {
      this.appendServer("status", { status: next.status, previous: before, reason: "handback", by }, now);
      await this.armInactivity(now);
      await this.statusChanged(before);
    } else {
      await this.flush();
    }
    return !isTerminal(next.status);
  }

  // ---- RPC from the SupervisorDO executing a healer or optimizer task

  /** The supervisor started working on this task: queued → running, watched by the inactivity timeout like any task. */
  async executorStarted(): Promise<boolean> {
    const r = this.record;
    if (!r || r.status !== "queued" || !runsOnSupervisor(r.source)) return false;
    const now = Date.now();
    this.update({ ...transition(transition(r, "assigned", now), "running", now), assignedAt: now, lastActivityAt: now });
    this.appendServer("status", { status: "running", previous: "queued", executor: "supervisor" }, now);
    await this.armInactivity(now);
    await this.statusChanged("queued");
    return true;
  }

  /** What the supervisor said and did, as notes in this task's event log (progress for the inactivity timeout). */
  async executorNotes(texts: string[]): Promise<void> {
    const r = this.record;
    if (!r || isTerminal(r.status) || !runsOnSupervisor(r.source)) return;
    const now = Date.now();
    this.update({ ...r, lastActivityAt: now });
    for (const text of texts) this.appendServer("note", { text: text.slice(0, 4_000), by: "supervisor" }, now);
    this.flushSoon();
  }

  async executorFinished(outcome: { status: "completed"; result: string } | { status: "failed"; error: { code: string; message: string } }): Promise<void> {
    const r = this.record;
    if (!r || isTerminal(r.status) || !runsOnSupervisor(r.source)) return;
    const now = Date.now();
    const done = outcome.status === "completed" ? { result: outcome.result, error: null } : { error: outcome.error };
    this.update({ ...transition(r, outcome.status, now), ...done });
    this.appendServer("status", { status: outcome.status, ...(outcome.status === "failed" ? { error: outcome.error } : {}) }, now);
    await this.statusChanged(r.status);
  }

  /** Answers or dismisses a help request. First answer wins, whichever channel it came from. */
  async resolveHelp(requestId: string, resolution: Resolution): Promise<RpcResult<HelpRequest>> {
    const r = this.record;
    const req = r?.helpRequests.find((h) => h.id === requestId);
    if (!r || !req) return rpcFail(404, "not_found", `help request \`${requestId}\` does not exist`);
    const res = resolve(req, resolution, Date.now());
    if ("alreadyResolved" in res) return rpcFail(409, "already_resolved", res.alreadyResolved);
    await this.applyResolution(res.ok);
    return { ok: toHelpRequest(res.ok) };
  }

  /** A host reconnected while running this task: what it may have missed. */
  async hostReconnected(desktopId: string): Promise<ServerMessage[]> {
    const r = this.record;
    if (!r) return [];
    if (r.desktopId !== desktopId) return [{ type: "cancel", taskId: r.id, reason: "this task is not assigned to this desktop any more" }];
    if (isTerminal(r.status)) return [{ type: "cancel", taskId: r.id, reason: `the task is already ${r.status}` }];
    // A takeover or hand-back the host may have missed while it was away; resume is a no-op for a host that is not paused.
    const control: ServerMessage[] =
      r.pausedFor === "takeover" ? [{ type: "pause", taskId: r.id, reason: "takeover", by: r.pausedBy ?? "a person" }]
      : r.lastHandBackNote != null ? [{ type: "resume", taskId: r.id, note: r.lastHandBackNote }]
      : [];
    return [...r.pendingDeliveries, ...control];
  }

  // ---- watchers

  override async fetch(request: Request): Promise<Response> {
    if (!isWebSocketUpgrade(request)) return upgradeRequired();
    const after = Math.max(0, Number(new URL(request.url).searchParams.get("after") ?? 0) || 0);
    const { response, socket: ws } = this.acceptSocket(["watcher"], { after });
    if (this.record) {
      let cursor = after;
      for (;;) {
        const page = this.store.eventsAfter(this.record.id, cursor, 500);
        for (const event of page) sendSafely(ws, JSON.stringify({ type: "event", event }));
        if (page.length < 500) break;
        cursor = page.at(-1)!.seq;
      }
      sendSafely(ws, JSON.stringify({ type: "replayed", lastSeq: this.store.lastSeq() }));
    }
    return response;
  }

  // ---- alarms

  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const name of this.deadlines.takeDue(now)) {
      if (name === "inactivity") await this.onInactive(now);
      if (name === "flush") this.flushSoon();
      if (name === "terminal-hooks" && this.record && isTerminal(this.record.status)) await this.runTerminalHooks();
      if (isHelpDeadline(name)) await this.helpTimedOut(helpIdOf(name));
    }
    await this.deadlines.reschedule();
  }

  private async onInactive(now: number): Promise<void> {
    const r = this.record;
    if (!r || (r.status !== "assigned" && r.status !== "running")) return;
    const limit = this.inactivityMs();
    if (now - r.lastActivityAt < limit) {
      await this.deadlines.arm("inactivity", r.lastActivityAt + limit);
      return;
    }
    const minutes = Math.round(limit / 60_000);
    await this.fail("inactive", `no progress from the desktop for ${minutes >= 1 ? `${minutes} min` : `${limit} ms`}; the task was stopped`);
  }

  // ---- internals

  private update(r: TaskRecord): void {
    // A takeover pause ends with the run it paused.
    if (r.pausedFor && (isTerminal(r.status) || r.status === "queued")) r = { ...r, pausedFor: null };
    this.record = r;
    this.store.saveRecord(r);
  }

  private appendServer(kind: "status" | "user_message" | "help_answer" | "cancel_requested" | "note", data: Record<string, unknown>, at: number): TaskEvent {
    const ev = this.store.append(this.record!.id, { kind, source: "server", hostSeq: null, data, text: searchableText(kind, data), at });
    this.broadcast("watcher", { type: "event", event: ev });
    return ev;
  }

  private queueEntry() {
    const r = this.record!;
    return { taskId: r.id, priority: r.priority, createdAt: r.createdAt, desktopId: r.targetDesktopId, labels: r.targetLabels };
  }

  private inactivityMs(): number {
    return envNumber(this.env.DESKFLEET_TASK_INACTIVITY_MS, 600_000);
  }

  private async armInactivity(now: number): Promise<void> {
    // Re-arming on every event would write the alarm each time; the alarm re-checks lastActivityAt instead.
    const current = this.deadlines.get("inactivity");
    if (current === null || current < now) await this.deadlines.arm("inactivity", now + this.inactivityMs());
  }

  /** After any status change: stop the inactivity clock when it no longer applies, persist, tell the fleet. */
  private async statusChanged(before: TaskStatus): Promise<void> {
    const r = this.record!;
    if (isTerminal(r.status)) {
      for (const h of r.helpRequests.filter((x) => x.status === "open")) {
        const res = resolve(h, { status: "dismissed", answer: null, by: "system", via: "system" }, Date.now());
        if ("ok" in res) await this.applyResolution(res.ok, { quiet: true });
      }
    }
    if (isTerminal(r.status) || r.status === "waiting_for_human") await this.deadlines.clear("inactivity");
    await this.flush();
    await fleetObject(this.env).taskChanged({ taskId: r.id, status: r.status, desktopId: r.desktopId, previous: before });
    if (isTerminal(r.status)) await this.runTerminalHooks();
  }

  /** Armed before and cleared after, so an eviction in between re-runs the (idempotent) hooks from the alarm. */
  private async runTerminalHooks(): Promise<void> {
    await this.deadlines.arm("terminal-hooks", Date.now() + TERMINAL_HOOKS_RETRY_MS);
    await onTaskTerminal(this.env, toApiTask(this.record!), (work) => this.ctx.waitUntil(work));
    await this.deadlines.clear("terminal-hooks");
  }

  private async helpOpened(h: HelpRow): Promise<void> {
    await upsertHelpRequest(this.env.DB, h);
    await this.deadlines.arm(helpDeadline(h.id), h.expiresAt);
    await fleetObject(this.env).notify({ type: "notification", level: "warning", title: "Help needed", body: h.question, taskId: h.taskId, at: Date.now() });
    this.ctx.waitUntil(sendHelpRequest(this.env, toHelpRequest(h)));
  }

  private async helpTimedOut(id: string): Promise<void> {
    const req = this.record?.helpRequests.find((h) => h.id === id);
    if (!req) return;
    const res = resolve(req, { status: "timed_out", answer: null, by: "system", via: "system" }, Date.now());
    if ("ok" in res) await this.applyResolution(res.ok);
  }

  /** Records a resolution in one synchronous step, then tells the host and the world. */
  private async applyResolution(h: HelpRow, opts: { quiet?: boolean } = {}): Promise<void> {
    const r = this.record!;
    const now = Date.now();
    const helpRequests = r.helpRequests.map((x) => (x.id === h.id ? h : x));
    const stillOpen = helpRequests.some((x) => x.status === "open");
    const before = r.status;
    let next: TaskRecord = { ...r, helpRequests, lastActivityAt: now };
    if (before === "waiting_for_human" && !stillOpen && !r.pausedFor) next = transition(next, "running", now);
    this.update(next);
    this.appendServer("help_answer", { requestId: h.id, status: h.status, answer: h.answer, by: h.answeredBy, via: h.answeredVia }, now);
    await this.deadlines.clear(helpDeadline(h.id));
    await upsertHelpRequest(this.env.DB, h);
    if (opts.quiet) return;
    await this.deliver({ type: "help_answer", taskId: r.id, requestId: h.id, status: h.status === "open" ? "dismissed" : h.status, answer: h.answer });
    if (next.status !== before) {
      await this.armInactivity(now);
      await this.statusChanged(before);
    } else {
      await this.flush();
    }
  }

  /** Pushes to the host now and keeps the message until the host shows it moved on. */
  private async deliver(message: ServerMessage): Promise<void> {
    const r = this.record!;
    this.update({ ...r, pendingDeliveries: [...r.pendingDeliveries, message].slice(-50) });
    if (!r.desktopId) return;
    if (message.type === "help_answer") await desktopObject(this.env, r.desktopId).pushHelpAnswer(message);
    else if (message.type === "task_message") await desktopObject(this.env, r.desktopId).pushMessage(r.id, message.message);
  }

  private helpTimeoutMs(): number {
    return envNumber(this.env.DESKFLEET_HELP_TIMEOUT_MS, DEFAULT_HELP_TIMEOUT_MS);
  }

  private flushSoon(): void {
    this.ctx.waitUntil(this.flush().catch(() => undefined));
  }

  /** Writes the task row and every unflushed event to D1; single-flight, retried by alarm on failure. */
  private async flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        do {
          this.flushAgain = false;
          await upsertTaskRow(this.env.DB, toRow(this.record!));
          for (;;) {
            const batch = this.store.unflushed(this.record!.id, FLUSH_BATCH);
            if (batch.length === 0) break;
            await insertEvents(this.env.DB, batch);
            this.store.markFlushed(batch.at(-1)!.seq);
          }
        } while (this.flushAgain);
      } catch (err) {
        await this.deadlines.arm("flush", Date.now() + FLUSH_RETRY_MS);
        throw err;
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }
}
