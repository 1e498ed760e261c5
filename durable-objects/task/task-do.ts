import type { AssignedTask, EventBody, EventData, HelpRequest, HostEvent, RefusedEvent, SecretUse, ServerEventKind, ServerMessage, SpendEntry, Task, TaskEvent, TaskFeedMessage, TaskStatus } from "@deskfleet/protocol";
import { CloseCode, isTerminal, jobConversationId, runsOnSupervisor } from "@deskfleet/protocol";
import { HibernatingObject, sendSafely } from "../base/hibernating-object.ts";
import { Deadlines } from "../base/deadlines.ts";
import { desktopObject, envNumber, fleetObject, supervisorObject } from "../../domain/addresses.ts";
import { isWebSocketUpgrade, upgradeRequired } from "../../domain/websocket/upgrade.ts";
import { notGranted, readGrant } from "../../domain/websocket/socket-grant.ts";
import { feedMessageForViewer, readsAnswers } from "../../domain/tasks/redact.ts";
import { searchableText, ZERO_USAGE } from "./lifecycle.ts";
import { DEFAULT_MAX_HELP_REQUESTS, ingestHostEvents, type IngestedEvent } from "./ingest.ts";
import { toApiTask, toAssigned, toRow, type NewTask, type PendingDelivery, type TaskRecord } from "./task-record.ts";
import { TaskStore } from "./task-store.ts";
import { HistoryFlush } from "./history-flush.ts";
import * as moves from "./task-transitions.ts";
import { rpcFail, type RpcResult } from "../../domain/api-error.ts";
import { upsertTaskRow } from "../../db/tasks.ts";
import { insertEvents } from "../../db/task-events.ts";
import { toHelpRequest, upsertHelpRequest, type HelpRow } from "../../db/help-requests.ts";
import { DEFAULT_HELP_TIMEOUT_MS, helpDeadline, helpIdOf, isHelpDeadline, resolve, type Resolution } from "./help-ledger.ts";
import { onTaskTerminal } from "../../domain/tasks/task-terminal.ts";
import { postHelpRequest } from "../../domain/channels/deliver.ts";
import { assignedExtras, resolveAssignment, type AssignmentSnapshot } from "../../domain/agents/assignment.ts";
import { exclusiveSecrets } from "../../db/secrets.ts";
import { neededSecrets } from "../../domain/vault/task-secrets.ts";
import type { ReleaseResult } from "../../domain/vault/release.ts";
import { releaseRefusal, TaskSecrets } from "./task-secrets.ts";

/** A watcher: where its replay started, the keys it was opened with, and whether it may read help answers. */
type WatcherAttachment = { after: number; keys: string[]; answers: boolean };

const awaitingFilesReason = (taskId: string, n: number) => `waiting for ${n} more attachment${n === 1 ? "" : "s"} (POST /api/tasks/${taskId}/files)`;

const TERMINAL_HOOKS_RETRY_MS = 30_000;
const HANDOFF_RETRY_MS = 1_000;
/** After the profile could not be read (D1 unavailable), the task goes back to the fleet this much later. */
const ASSIGNMENT_RETRY_MS = 5_000;
/** A secret is typed only while the task is on its desktop (a person may have taken it over: the agent waits, but is still the task's). */
const ACTIVE_FOR_SECRETS = new Set<TaskStatus>(["assigned", "running", "waiting_for_human"]);

/**
 * One task: its lifecycle, its event log (ordered by our own sequence, with
 * host duplicates dropped by host sequence), acks, D1 history and watchers.
 * Every status change goes through `moveTo`: one status event (carrying the
 * task as stored), one flush, one word to the fleet.
 */
export class TaskDO extends HibernatingObject<WatcherAttachment, { watcher: TaskFeedMessage }> {
  private readonly store: TaskStore;
  private readonly deadlines: Deadlines;
  private readonly secrets: TaskSecrets;
  private record: TaskRecord | null;
  private readonly history: HistoryFlush;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new TaskStore(ctx.storage.sql);
    this.deadlines = new Deadlines(ctx.storage);
    this.secrets = new TaskSecrets({ env, holdExclusive: (taskId, name) => fleetObject(env).holdExclusive(taskId, name) });
    this.record = this.store.loadRecord();
    this.history = new HistoryFlush({
      writeTask: () => upsertTaskRow(env.DB, toRow(this.record!)),
      unflushed: (limit) => this.store.unflushed(this.record!.id, limit),
      insertEvents: (events) => insertEvents(env.DB, events),
      markFlushed: (seq) => this.store.markFlushed(seq),
      retryAt: (at) => this.deadlines.arm("flush", at),
    });
  }

  // ---- RPC

  /**
   * Stores a new task and returns it as stored (`queued`). It is handed to the
   * fleet (or to the supervisor, for a healer or optimizer task) from this
   * object's alarm right after, so dispatch never runs inside this call.
   */
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
    const awaited = input.options.attachments ?? 0;
    if (awaited > 0) this.record = { ...this.record, awaitingFiles: awaited, waitingReason: awaitingFilesReason(this.record.id, awaited) };
    this.store.saveRecord(this.record);
    this.appendServer("status", { status: "queued" }, now);
    // A task that waits for its attachments goes to the fleet when the last one arrives (fileAttached).
    if (awaited === 0) await this.deadlines.arm("handoff", now);
    await this.flush();
    return toApiTask(this.record);
  }

  /**
   * A file was attached (stored in R2 and D1 by the Worker): noted in the log,
   * and the task is handed to the fleet once every awaited attachment is in.
   * Only a queued task takes attachments: its host downloads them at start.
   */
  async fileAttached(file: { id: string; name: string; bytes: number }, by: string): Promise<RpcResult<Task>> {
    const r = this.record;
    if (!r) return rpcFail(404, "not_found", "task does not exist");
    if (r.status !== "queued") {
      return rpcFail(409, "task_started", `task ${r.id} is ${r.status}; attach files while it is queued (create it with \`attachments: <count>\` so it waits for them)`);
    }
    const now = Date.now();
    const left = Math.max(0, (r.awaitingFiles ?? 0) - 1);
    this.update({ ...r, awaitingFiles: left, waitingReason: left > 0 ? awaitingFilesReason(r.id, left) : null, updatedAt: now });
    this.appendServer("note", { text: `Attached ${file.name} (${file.bytes} bytes) as ${file.id}.`, by, reason: "attachment" }, now);
    if (left === 0 && (r.awaitingFiles ?? 0) > 0) await this.deadlines.arm("handoff", now);
    this.broadcast("watcher", { type: "task", task: toApiTask(this.record!) });
    await this.flush();
    return { ok: toApiTask(this.record!) };
  }

  async snapshot(): Promise<Task | null> {
    return this.record ? toApiTask(this.record) : null;
  }

  /** FleetDO claimed a desktop for this task. Returns what the host needs, or null if the task is no longer queued. */
  async markAssigned(desktopId: string): Promise<AssignedTask | null> {
    if (this.record?.status !== "queued") return null;
    const snapshot = this.store.loadAssignment() ?? (await this.resolveAssignment(desktopId));
    if (!snapshot) return null;
    const extras = await assignedExtras(this.env, snapshot);
    const secrets = this.record ? await this.secrets.forAssignment(this.record, desktopId) : [];
    // Re-read: the task may have been cancelled while the profile and the secrets were read.
    const r = this.record;
    const move = r && moves.assign(r, desktopId, Date.now());
    if (!r || !move) return null;
    // `resume` tells the host whether this conversation ran before, so read it before the move.
    const assigned: AssignedTask = { ...toAssigned({ ...r, desktopId }, secrets), ...extras };
    // FleetDO is the caller and publishes the assignment itself once the host has it.
    await this.moveTo(move, { tellFleet: false });
    return assigned;
  }

  /**
   * The first assignment resolves the agent's profile, tools and briefing and
   * keeps them. Null when the task cannot start now: its agent was deleted
   * (the task fails), or D1 did not answer (the task goes back to the fleet shortly).
   */
  private async resolveAssignment(desktopId: string): Promise<AssignmentSnapshot | null> {
    const r = this.record!;
    let resolved: Awaited<ReturnType<typeof resolveAssignment>>;
    try {
      resolved = await resolveAssignment(this.env, { id: r.id, prompt: r.prompt, agent: r.agent ?? null, options: r.options, desktopId });
    } catch (err) {
      console.error("resolving the profile of", r.id, "failed; back to the queue shortly:", err instanceof Error ? err.message : err);
      await this.deadlines.arm("handoff", Date.now() + ASSIGNMENT_RETRY_MS);
      return null;
    }
    if ("error" in resolved) {
      const move = this.record && moves.failFromOutside(this.record, resolved.error, Date.now());
      if (move) await this.moveTo(move);
      return null;
    }
    this.store.saveAssignment(resolved.ok);
    return resolved.ok;
  }

  /** FleetDO says why this queued task cannot start yet (null: it only waits its turn). */
  async waiting(reason: string | null): Promise<void> {
    const r = this.record;
    if (!r || r.status !== "queued" || (r.waitingReason ?? null) === reason) return;
    const now = Date.now();
    this.update({ ...r, waitingReason: reason, updatedAt: now });
    if (reason) this.appendServer("note", { text: `Waiting: ${reason}.`, by: "dispatch", reason: "waiting" }, now);
    this.broadcast("watcher", { type: "task", task: toApiTask(this.record!) });
    await this.flush();
  }

  /** The host could not take the task after all (it went away): back to the queue. */
  async unassign(): Promise<void> {
    const move = this.record && moves.unassign(this.record, Date.now());
    if (move) await this.moveTo(move);
  }

  /**
   * Stores host events in order and returns the highest host seq stored, and
   * the events refused for breaking their kind's schema (stored as warnings).
   */
  async ingest(desktopId: string, events: HostEvent[]): Promise<{ ack: number; cancel: string | null; refused: RefusedEvent[]; deliver: ServerMessage[] }> {
    if (!this.record) return { ack: 0, cancel: "this task does not exist on the control plane", refused: [], deliver: [] };
    // The last line of redaction: no secret value in scope is stored, indexed or broadcast.
    const redacted = this.record.desktopId === desktopId ? await this.secrets.redact(this.record, events) : [];
    // Read again after the await: a cancel or an answer may have moved the task meanwhile.
    const r = this.record;
    if (r.desktopId !== desktopId) return { ack: r.lastHostSeq, cancel: `task ${r.id} is not assigned to desktop ${desktopId}`, refused: [], deliver: [] };
    const now = Date.now();
    const out = ingestHostEvents(r, redacted, now, this.helpTimeoutMs(), envNumber(this.env.DESKFLEET_MAX_HELP_REQUESTS, DEFAULT_MAX_HELP_REQUESTS));
    // Acknowledged without being stored (the task is not running here): only the sequence moves on.
    if (out.events.length === 0 && out.record.lastHostSeq !== r.lastHostSeq) this.update(out.record);
    if (out.events.length > 0) {
      const before = r.status;
      this.update(out.record);
      for (const e of out.events) {
        const event = this.store.append(r.id, { ...e, source: "host", text: searchableText(e) });
        this.publish({ type: "event", event });
      }
      for (const h of out.asked) await this.helpOpened(h);
      const next = this.record!;
      if (next.status !== before) {
        await this.statusMoved(before, next.error ? { error: next.error } : {}, now, { tellFleet: true });
      } else {
        if (changedForWatchers(r, next)) this.publish({ type: "task", task: toApiTask(next) });
        if (!isTerminal(next.status) && next.status !== "waiting_for_human") await this.armInactivity(now);
        this.flushSoon();
      }
    }
    // A host still sending for a task it no longer runs (cancelled, host_lost, queued for a follow-up) is told to stop.
    const cancel = isTerminal(r.status) ? `the task is already ${r.status}` : r.status === "queued" ? "the task is not running on this desktop now" : null;
    // Questions over the task's limit are answered at once, kept until the host moves on like any answer.
    const deliver: ServerMessage[] = out.overLimit.map((requestId) => ({
      type: "help_answer", taskId: r.id, requestId, status: "dismissed",
      answer: `this task already asked people ${out.record.helpRequests.length} questions, its limit; nobody was asked this one`,
    }));
    if (deliver.length > 0) this.update({ ...this.record!, pendingDeliveries: [...this.record!.pendingDeliveries, ...deliver].slice(-50) });
    // Each model call is counted by FleetDO once (keyed by task and host sequence), before the host hears it is stored.
    const spend = out.events.flatMap((e) => (e.kind === "usage" ? [this.spendOf(e)] : []));
    if (spend.length > 0) await this.reportSpend(spend);
    return { ack: this.record!.lastHostSeq, cancel, refused: out.refused, deliver };
  }

  private spendOf(e: IngestedEvent & { kind: "usage" }): SpendEntry {
    const r = this.record!;
    const by = r.sourceMeta && typeof r.sourceMeta.by === "string" ? r.sourceMeta.by : null;
    return {
      key: `task:${r.id}:${e.hostSeq}`, at: e.at, costUsd: e.data.costUsd, model: e.data.model, source: "desktop",
      taskId: r.id, desktopId: r.desktopId, agent: r.agent ?? null, scheduleId: r.scheduleId, identity: by,
    };
  }

  /** Tells FleetDO about new model calls; kept and retried by alarm when it cannot be reached (it counts each key once). */
  private async reportSpend(entries: SpendEntry[]): Promise<void> {
    const all = [...(this.record!.unreportedSpend ?? []), ...entries];
    try {
      await fleetObject(this.env).recordUsage(all);
      if (this.record!.unreportedSpend?.length) this.update({ ...this.record!, unreportedSpend: [] });
    } catch (err) {
      console.error("reporting spend of", this.record!.id, "failed; retrying:", err instanceof Error ? err.message : err);
      this.update({ ...this.record!, unreportedSpend: all.slice(-1_000) });
      await this.deadlines.arm("spend", Date.now() + HANDOFF_RETRY_MS * 5);
    }
  }

  async cancel(actor: string, reason: string | undefined): Promise<RpcResult<Task>> {
    const r = this.record;
    if (!r) return rpcFail(404, "not_found", "task does not exist");
    if (isTerminal(r.status)) return rpcFail(409, "task_finished", `task ${r.id} is already ${r.status}; nothing to cancel`);
    const now = Date.now();
    const message = reason ?? `cancelled by ${actor}`;
    this.appendServer("cancel_requested", { by: actor, reason: reason ?? null }, now);
    await this.moveTo(moves.cancel(r, { code: "cancelled", message }, now), {
      // The host stops before anyone hears the task ended.
      beforeFleet: async () => {
        if (r.desktopId && r.status !== "queued") await desktopObject(this.env, r.desktopId).pushCancel(r.id, message);
      },
    });
    return { ok: toApiTask(this.record!) };
  }

  /** Fails the task for a reason outside the agent (host lost, inactivity). No-op once finished. */
  async fail(code: string, message: string): Promise<void> {
    const r = this.record;
    const move = r && moves.failFromOutside(r, { code, message }, Date.now());
    if (!r || !move) return;
    await this.moveTo(move, {
      beforeFleet: async () => {
        if (r.desktopId && r.status !== "queued" && code !== "host_lost") await desktopObject(this.env, r.desktopId).pushCancel(r.id, message);
      },
    });
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
      await this.flush();
    } else if (r.status === "queued") {
      this.update({ ...r, pendingMessages: [...r.pendingMessages, message] });
      await this.flush();
    } else {
      await this.moveTo(moves.requeueForFollowUp(r, message, now));
    }
    return { ok: { task: toApiTask(this.record!), event } };
  }

  /** A person took over the task's desktop: the task waits for them (reason `takeover`). False if it was not running. */
  async pauseForTakeover(by: string): Promise<boolean> {
    const move = this.record && moves.pauseForTakeover(this.record, by, Date.now());
    if (!move) return false;
    await this.moveTo(move);
    return true;
  }

  /** The person handed the desktop back: the agent continues (unless a help request still waits), told `note`. */
  async resumeAfterTakeover(by: string, note: string): Promise<boolean> {
    const move = this.record && moves.resumeAfterTakeover(this.record, by, note, Date.now());
    if (!move) return false;
    this.appendServer("note", { text: note, by, reason: "handback" }, Date.now());
    await this.moveTo(move);
    return !isTerminal(this.record!.status);
  }

  /**
   * FleetDO holds the running task (`budget`, `fleet`) or lets it go on (null). The host is told
   * to wait before its next model call or action; a task a person holds stays theirs.
   */
  /** `note`: what the task's events say instead of the fleet's reason (an owner's dollar quota pauses as `budget`). */
  async hold(reason: "budget" | "fleet" | null, by: string, note?: string): Promise<boolean> {
    const r = this.record;
    if (!r) return false;
    const now = Date.now();
    const move = reason ? moves.holdByFleet(r, reason, by, now) : moves.releaseByFleet(r, by, now);
    if (!move) return false;
    const text = note ?? (reason === "budget" ? "Paused: the fleet's budget is spent; the task goes on when an admin raises the limit or runs it anyway."
      : reason === "fleet" ? `Paused: ${by} paused the fleet; the task goes on when the fleet resumes.`
      : `Resumed by ${by}.`);
    this.appendServer("note", { text, by, reason: reason ? `hold:${reason}` : "release" }, now);
    await this.moveTo(move);
    if (r.desktopId) {
      const message = reason ? { type: "pause" as const, taskId: r.id, reason, by } : { type: "resume" as const, taskId: r.id, note: "The fleet let this task go on; continue where you left off." };
      await desktopObject(this.env, r.desktopId).pushHold(message).catch(() => false);
    }
    return true;
  }

  // ---- RPC from the SupervisorDO executing a healer or optimizer task

  /** The supervisor started working on this task: queued → running, watched by the inactivity timeout like any task. */
  async executorStarted(): Promise<boolean> {
    const move = this.record && moves.executorStarted(this.record, Date.now());
    if (!move) return false;
    await this.moveTo(move);
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

  async executorFinished(outcome: moves.ExecutorOutcome): Promise<void> {
    const move = this.record && moves.executorFinished(this.record, outcome, Date.now());
    if (move) await this.moveTo(move);
  }

  /** Answers or dismisses a help request. First answer wins, whichever channel it came from. */
  async resolveHelp(requestId: string, resolution: Resolution): Promise<RpcResult<HelpRequest>> {
    const asked = this.record?.helpRequests.find((h) => h.id === requestId);
    if (!this.record || !asked) return rpcFail(404, "not_found", `help request \`${requestId}\` does not exist`);
    // A secret answer is sealed first, so deciding who wins below stays one step with no await in it.
    const answer = resolution.status === "answered" ? resolution.answer : null;
    const secret = asked.secret && answer !== null ? { answer, ...(await this.secrets.sealAnswer(this.record, requestId, answer)) } : null;
    const req = this.record.helpRequests.find((h) => h.id === requestId)!;
    const res = resolve(req, resolution, Date.now());
    if ("alreadyResolved" in res) return rpcFail(409, "already_resolved", res.alreadyResolved);
    await this.applyResolution(res.ok, secret ? { secret } : {});
    return { ok: toHelpRequest(res.ok) };
  }

  /**
   * Whose memories this task's agent reads and writes, when its host asks
   * (memory_search, memory_save): only the host of the desktop running it,
   * only while it runs, only if its tools include memory.
   */
  async memoryScope(desktopId: string): Promise<RpcResult<{ agent: string | null }>> {
    const r = this.record;
    if (!r) return rpcFail(404, "not_found", "this task does not exist on the control plane");
    if (r.desktopId !== desktopId || isTerminal(r.status) || r.status === "queued") return rpcFail(409, "not_running_here", `task ${r.id} is not running on desktop ${desktopId}`);
    const tools = this.store.loadAssignment()?.tools;
    if (tools && !tools.includes("memory")) return rpcFail(403, "tool_not_allowed", `task ${r.id} may not use memory: its agent does not allow it`);
    return { ok: { agent: r.agent ?? null } };
  }

  /**
   * The host running this task asks for a vault secret's value to type it now.
   * Only for the desktop the task runs on, while it runs; the vault checks the
   * scope, holds an exclusive secret for this task, and audits the release.
   */
  async releaseSecret(desktopId: string, name: string, use: Exclude<SecretUse, "unlock_screen"> = "type_secret"): Promise<ReleaseResult> {
    const r = this.record;
    if (!r || r.desktopId !== desktopId || !ACTIVE_FOR_SECRETS.has(r.status)) {
      return { ok: false, code: "not_in_scope", message: `this desktop is not running task ${r?.id ?? "?"} now; secrets are released only to the task's own desktop while it runs`, available: [] };
    }
    // A value goes only to a use the task has: type_secret in its tools, the shell with `env` naming it, an MCP server of its agent naming it.
    const assignment = this.store.loadAssignment();
    const refusal = releaseRefusal(r, assignment?.tools, assignment?.mcpServers, name, use);
    if (refusal) return { ok: false, code: "not_in_scope", message: refusal, available: [] };
    return this.secrets.release(r, desktopId, name, use);
  }

  /** A host reconnected while running this task: what it may have missed. */
  async hostReconnected(desktopId: string): Promise<ServerMessage[]> {
    const r = this.record;
    if (!r) return [];
    if (r.desktopId !== desktopId) return [{ type: "cancel", taskId: r.id, reason: "this task is not assigned to this desktop any more" }];
    if (isTerminal(r.status)) return [{ type: "cancel", taskId: r.id, reason: `the task is already ${r.status}` }];
    // A takeover or hand-back the host may have missed while it was away; resume is a no-op for a host that is not paused.
    const control: ServerMessage[] =
      r.pausedFor ? [{ type: "pause", taskId: r.id, reason: r.pausedFor, by: r.pausedBy ?? "a person" }]
      : r.lastHandBackNote != null ? [{ type: "resume", taskId: r.id, note: r.lastHandBackNote }]
      : [];
    return [...(await this.secrets.openDeliveries(r, r.pendingDeliveries)), ...control];
  }

  // ---- watchers

  /** The task as stored first, then every event after `after`, then `replayed`; live events follow. */
  override async fetch(request: Request): Promise<Response> {
    if (!isWebSocketUpgrade(request)) return upgradeRequired();
    const grant = readGrant(request, "watcher");
    if (!grant) return notGranted();
    const { after } = grant;
    const answers = readsAnswers(grant.reader.role);
    const { response, socket: ws } = this.acceptSocket(["watcher"], { after, keys: grant.reader.keys, answers });
    const send = (m: TaskFeedMessage) => this.send("watcher", ws, answers ? m : feedMessageForViewer(m));
    if (this.record) {
      send({ type: "task", task: toApiTask(this.record) });
      let cursor = after;
      for (;;) {
        const page = this.store.eventsAfter(this.record.id, cursor, 500);
        for (const event of page) send({ type: "event", event });
        if (page.length < 500) break;
        cursor = page.at(-1)!.seq;
      }
      send({ type: "replayed", lastSeq: this.store.lastSeq() });
    }
    return response;
  }

  /** A credential or session was revoked: the watchers it opened close (4401). */
  async endAccess(keys: string[], reason: string): Promise<number> {
    return this.closeRevoked("watcher", keys, CloseCode.unauthorized, reason);
  }

  /** Sends to every watcher, without help answers to those who may not read them. */
  private publish(message: TaskFeedMessage): void {
    const full = JSON.stringify(message);
    let redacted: string | null = null;
    for (const ws of this.sockets("watcher")) {
      if (this.attachmentOf(ws).answers === true) sendSafely(ws, full);
      else sendSafely(ws, (redacted ??= JSON.stringify(feedMessageForViewer(message))));
    }
  }

  // ---- alarms

  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const name of this.deadlines.takeDue(now)) {
      if (name === "handoff") await this.handOff().catch((err: unknown) => this.retryHandOff(err));
      if (name === "inactivity") await this.onInactive(now);
      if (name === "flush") this.flushSoon();
      if (name === "spend" && this.record?.unreportedSpend?.length) await this.reportSpend([]);
      if (name === "terminal-hooks" && this.record && isTerminal(this.record.status)) await this.runTerminalHooks();
      if (isHelpDeadline(name)) await this.helpTimedOut(helpIdOf(name));
    }
    await this.deadlines.reschedule();
  }

  /** A new task goes to the fleet's queue, or to the supervisor for a healer or optimizer task. */
  private async handOff(): Promise<void> {
    const r = this.record;
    if (!r || r.status !== "queued") return;
    if (runsOnSupervisor(r.source)) await supervisorObject(this.env, jobConversationId(r)).startJob(jobConversationId(r), r.id);
    else await fleetObject(this.env).taskChanged({ taskId: r.id, status: "queued", desktopId: null, previous: null, queue: await this.queueEntry() });
  }

  private async retryHandOff(err: unknown): Promise<void> {
    console.error("task handoff failed; retrying", this.record?.id, err instanceof Error ? err.message : err);
    await this.deadlines.arm("handoff", Date.now() + HANDOFF_RETRY_MS);
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

  /**
   * Applies a transition: the record, one `status` event carrying the task as
   * stored (when the status changed), the inactivity clock, D1, and the fleet.
   */
  private async moveTo(move: moves.Move, opts: { tellFleet?: boolean; beforeFleet?: () => Promise<void> } = {}): Promise<void> {
    const before = this.record!.status;
    const now = Date.now();
    this.update(move.next);
    if (this.record!.status === before) {
      await this.flush();
      return;
    }
    await this.statusMoved(before, move.note, now, { tellFleet: opts.tellFleet ?? true, ...(opts.beforeFleet ? { beforeFleet: opts.beforeFleet } : {}) });
  }

  /** After the record's status changed from `before`: the status event, clocks, D1, the fleet, terminal hooks. */
  private async statusMoved(before: TaskStatus, note: moves.StatusNote, now: number, opts: { tellFleet: boolean; beforeFleet?: () => Promise<void> }): Promise<void> {
    const r = this.record!;
    this.appendServer("status", { ...note, status: r.status, previous: before }, now);
    if (isTerminal(r.status)) {
      for (const h of r.helpRequests.filter((x) => x.status === "open")) {
        const res = resolve(h, { status: "dismissed", answer: null, by: "system", via: "system" }, now);
        if ("ok" in res) await this.applyResolution(res.ok, { quiet: true });
      }
    }
    if (isTerminal(r.status) || r.status === "waiting_for_human" || r.status === "queued") await this.deadlines.clear("inactivity");
    else await this.armInactivity(now);
    await this.flush();
    await opts.beforeFleet?.();
    if (opts.tellFleet) {
      await fleetObject(this.env).taskChanged({
        taskId: r.id, status: r.status, desktopId: r.desktopId, previous: before, ...(r.status === "queued" ? { queue: await this.queueEntry() } : {}),
      });
    }
    if (isTerminal(r.status)) await this.runTerminalHooks();
  }

  private update(r: TaskRecord): void {
    // A takeover pause ends with the run it paused.
    if (r.pausedFor && (isTerminal(r.status) || r.status === "queued")) r = { ...r, pausedFor: null };
    // A reason to wait belongs to one stay in the queue.
    if (r.status !== "queued" && r.waitingReason) r = { ...r, waitingReason: null };
    this.record = r;
    this.store.saveRecord(r);
  }

  /** A server event; a status event goes to watchers with the task as it now stands. */
  private appendServer<K extends ServerEventKind>(kind: K, data: EventData<K>, at: number): TaskEvent {
    const body = { kind, data } as EventBody;
    const event = this.store.append(this.record!.id, { ...body, source: "server", hostSeq: null, text: searchableText(body), at });
    this.publish({ type: "event", event, ...(kind === "status" ? { task: toApiTask(this.record!) } : {}) });
    return event;
  }

  /** The task as FleetDO queues it, with the exclusive secrets it needs (one task at a time each). */
  private async queueEntry() {
    const r = this.record!;
    const exclusive = await exclusiveSecrets(this.env.DB, neededSecrets(r.prompt, r.options));
    const meta = r.sourceMeta ?? {};
    const owner = typeof meta.by === "string" ? meta.by : null;
    const ownerRole = typeof meta.role === "string" ? meta.role : null;
    return { taskId: r.id, priority: r.priority, createdAt: r.createdAt, desktopId: r.targetDesktopId, labels: r.targetLabels, exclusive, owner, ownerRole };
  }

  private inactivityMs(): number {
    return envNumber(this.env.DESKFLEET_TASK_INACTIVITY_MS, 600_000);
  }

  private async armInactivity(now: number): Promise<void> {
    // Re-arming on every event would write the alarm each time; the alarm re-checks lastActivityAt instead.
    const current = this.deadlines.get("inactivity");
    if (current === null || current < now) await this.deadlines.arm("inactivity", now + this.inactivityMs());
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
    this.ctx.waitUntil(postHelpRequest(this.env, toHelpRequest(h)));
  }

  private async helpTimedOut(id: string): Promise<void> {
    const req = this.record?.helpRequests.find((h) => h.id === id);
    if (!req) return;
    const res = resolve(req, { status: "timed_out", answer: null, by: "system", via: "system" }, Date.now());
    if ("ok" in res) await this.applyResolution(res.ok);
  }

  /**
   * Records a resolution (before any await: a second answer meanwhile finds it resolved), then tells the world and the host.
   * A secret answer is recorded as `[secret answer]` in `h`; the answer itself goes to the host only, kept sealed until it has it.
   */
  private async applyResolution(h: HelpRow, opts: { quiet?: boolean; secret?: { answer: string; sealed: string; delivery: PendingDelivery } } = {}): Promise<void> {
    const now = Date.now();
    const sealedAnswers = opts.secret ? [...(this.record!.sealedAnswers ?? []), { requestId: h.id, sealed: opts.secret.sealed }] : this.record!.sealedAnswers;
    this.update({ ...this.record!, helpRequests: this.record!.helpRequests.map((x) => (x.id === h.id ? h : x)), ...(sealedAnswers ? { sealedAnswers } : {}) });
    this.appendServer("help_answer", { requestId: h.id, status: h.status, answer: h.answer, by: h.answeredBy, via: h.answeredVia }, now);
    await this.deadlines.clear(helpDeadline(h.id));
    await upsertHelpRequest(this.env.DB, h);
    // `quiet`: the task just ended and closes its open questions; nothing goes on.
    if (opts.quiet) return;
    await this.moveTo(moves.helpResolved(this.record!, h, now));
    if (opts.secret) {
      await this.deliver({ type: "help_answer", taskId: h.taskId, requestId: h.id, status: "answered", answer: opts.secret.answer, secret: true }, opts.secret.delivery);
    } else {
      await this.deliver({ type: "help_answer", taskId: h.taskId, requestId: h.id, status: h.status === "open" ? "dismissed" : h.status, answer: h.answer });
    }
    await this.flush();
  }

  /** Pushes to the host now and keeps the message (or its sealed form, `kept`) until the host shows it moved on. */
  private async deliver(message: ServerMessage, kept: PendingDelivery = message): Promise<void> {
    const r = this.record!;
    this.update({ ...r, pendingDeliveries: [...r.pendingDeliveries, kept].slice(-50) });
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

  /** Writes the task row and every unflushed event to D1 (single-flight, retried by alarm on failure). */
  private flush(): Promise<void> {
    return this.history.flush();
  }
}

/** Whether watchers need the task again after host events that did not change its status. */
function changedForWatchers(a: TaskRecord, b: TaskRecord): boolean {
  return a.steps !== b.steps || a.usage.costUsd !== b.usage.costUsd || a.usage.inputTokens !== b.usage.inputTokens || a.result !== b.result;
}
