import type { Proposal, SupervisorConversation, Task, SupervisorEntry, SupervisorFeedMessage, SupervisorStatus } from "@deskfleet/protocol";
import { conversationKind, isTerminal } from "@deskfleet/protocol";
import { HibernatingObject } from "../base/hibernating-object.ts";
import { Deadlines } from "../base/deadlines.ts";
import { taskObject } from "../../domain/addresses.ts";
import { isWebSocketUpgrade, upgradeRequired } from "../../domain/websocket/upgrade.ts";
import { rpcFail, type RpcResult } from "../../domain/api-error.ts";
import { SupervisorStore } from "./supervisor-store.ts";
import { SupervisorLoop, type JobOutcome } from "../../domain/supervisor/loop.ts";
import { toolsFor } from "../../domain/supervisor/tools/index.ts";
import { systemPrompt } from "../../domain/supervisor/prompts.ts";
import { modelCaller, supervisorModel } from "../../domain/supervisor/model-client.ts";
import { jobBrief, jobResult } from "../../domain/supervisor/job-brief.ts";
import { externalChannel } from "../../domain/supervisor/external-channel.ts";
import type { Channel, JobState, ProposalDraft, ToolContext } from "../../domain/supervisor/tools/tool.ts";
import { lastEventSeq } from "../../db/task-chains.ts";
import { upsertProposal } from "../../db/proposals.ts";
import { audit } from "../../db/audit.ts";
import { approvalClasses, approvalTimeoutMs } from "../../domain/supervisor/approvals/config.ts";
import { carryOut, taskIdsIn } from "../../domain/supervisor/approvals/carry-out.ts";
import { announceDecision, announceProposal } from "../../domain/supervisor/approvals/announce.ts";
import type { ProposalDecision } from "../../domain/supervisor/approvals/decide.ts";
import { decide, decisionText, entryData, expire, isProposalDeadline, openProposal, proposalDeadline, proposalIdOf, withOutcome } from "./proposal-ledger.ts";

/** The live state of a task from its TaskDO (RPC types lose `sourceMeta`'s unknown values, hence the cast at this boundary). */
const taskSnapshot = async (env: Env, taskId: string): Promise<Task | null> => (await taskObject(env, taskId).snapshot()) as Task | null;

type LiveAttachment = { connectedAt: number };

const STEP = "step";
/** How often a wait for a task looks for progress; a finish wakes the wait at once anyway. */
const WAIT_POLL_MS = 5_000;
/** A proposal whose D1 mirror could not be written is written again from the alarm. */
const MIRROR = "mirror:";
const MIRROR_RETRY_MS = 2_000;
/** Proposals of one conversation that may wait at once. */
const MAX_PENDING_PROPOSALS = 10;

/**
 * One supervisor conversation (`dash:…`, `telegram:…`, or the `heal:…` /
 * `learn:…` job of a healer or optimizer task). A thin shell: the loop, the
 * tools and the policies are plain modules; this object stores the
 * conversation, runs one loop step per alarm and serves the live feed.
 */
export class SupervisorDO extends HibernatingObject<LiveAttachment, { live: SupervisorFeedMessage }> {
  private readonly store: SupervisorStore;
  private readonly deadlines: Deadlines;
  /** Job progress for the healer/optimizer task's own event log, sent after each step. */
  private notes: string[] = [];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SupervisorStore(ctx.storage.sql, {
      onEntry: (e) => this.entryAdded(e),
      onStatus: (status) => this.broadcast("live", { type: "status", status, at: Date.now() }),
    });
    this.deadlines = new Deadlines(ctx.storage);
  }

  // ---- RPC

  /** A person's message (dashboard or Telegram). The reply comes later, on the live feed or the chat. */
  async postMessage(conversationId: string, text: string, by: string): Promise<RpcResult<{ status: SupervisorStatus }>> {
    const kind = conversationKind(conversationId);
    if (kind === "heal" || kind === "learn") {
      return rpcFail(409, "job_conversation", `${conversationId} is the conversation of a ${kind === "heal" ? "healer" : "optimizer"} task; people talk to the supervisor in a dash: or telegram: conversation`);
    }
    this.bind(conversationId);
    await this.loop().receive(text, by);
    await this.flushNotes();
    return { ok: { status: this.store.state().status } };
  }

  /** TaskDO hands over a healer or optimizer task; idempotent. */
  async startJob(conversationId: string, taskId: string): Promise<void> {
    this.bind(conversationId);
    const s = this.store.state();
    if (s.job) return;
    const kind = conversationKind(conversationId);
    const job: JobState = { kind: kind === "learn" ? "learn" : "heal", taskId, prepared: false, retryTaskId: null, savedPromptVersion: null, summary: null };
    this.store.setState({ ...s, job });
    await this.wake(Date.now());
  }

  /** A task this conversation created has finished. */
  async taskFinished(conversationId: string, taskId: string): Promise<void> {
    this.bind(conversationId);
    await this.loop().taskFinished(taskId);
    await this.flushNotes();
  }

  /**
   * Stores a write the approval policy held back as a proposal of this
   * conversation, arms its expiry and tells people (dashboard, Telegram).
   * The loop calls it for its own turns; `draft` is what the policy produced.
   */
  async propose(conversationId: string, draft: ProposalDraft & { toolUseId: string | null }): Promise<Proposal | { refused: string }> {
    this.bind(conversationId);
    // A conversation steered into proposing over and over must not flood people with requests.
    const waiting = this.store.pendingProposals();
    if (waiting >= MAX_PENDING_PROPOSALS) {
      return { refused: `${waiting} proposals of this conversation already wait for a person; wait until they are decided, and tell the person` };
    }
    const kind = conversationKind(conversationId);
    const p = openProposal(draft, { conversationId, kind, taskId: this.store.state().job?.taskId ?? null, requestedBy: actorOf(conversationId) }, Date.now(), approvalTimeoutMs(this.env));
    this.store.saveProposal(p);
    this.store.addEntry("proposal", `Needs approval: ${p.summary}`, entryData(p, draft.toolUseId));
    await this.deadlines.arm(proposalDeadline(p.id), p.expiresAt);
    await this.mirror(p);
    await audit(this.env.DB, { actor: p.requestedBy, action: "proposal.create", targetType: "proposal", targetId: p.id, details: { tool: p.tool, actionClass: p.actionClass, conversationId } });
    await announceProposal(this.env, p, (work) => this.ctx.waitUntil(work));
    return p;
  }

  /** Approves or rejects one of this conversation's proposals. First decision wins, whichever channel it came from. */
  async decideProposal(conversationId: string, proposalId: string, d: ProposalDecision): Promise<RpcResult<Proposal>> {
    this.bind(conversationId);
    const p = this.store.proposal(proposalId);
    if (!p) return rpcFail(404, "not_found", `proposal \`${proposalId}\` does not exist`);
    const res = decide(p, d, Date.now());
    if ("alreadyDecided" in res) {
      if (res.expired) await this.decided(res.expired, "system");
      return rpcFail(409, "already_decided", res.alreadyDecided);
    }
    // Stored before any await: a second decision meanwhile finds it decided.
    this.store.saveProposal(res.ok);
    const done = await this.decided(res.ok, d.actor);
    await this.flushNotes();
    return { ok: done };
  }

  async transcript(conversationId: string, after: number, limit: number): Promise<SupervisorConversation> {
    const entries = this.store.entries(after, limit);
    const s = this.store.state();
    return {
      id: conversationId,
      status: s.status,
      taskId: s.job?.taskId ?? null,
      entries,
      nextAfter: entries.length === limit ? entries.at(-1)!.seq : null,
    };
  }

  // ---- live feed

  override async fetch(request: Request): Promise<Response> {
    if (!isWebSocketUpgrade(request)) return upgradeRequired();
    const { response, socket } = this.acceptSocket(["live"], { connectedAt: Date.now() });
    this.send("live", socket, { type: "hello", status: this.store.state().status, lastSeq: this.store.lastEntrySeq(), at: Date.now() });
    return response;
  }

  // ---- alarms: one loop step each

  override async alarm(): Promise<void> {
    const due = this.deadlines.takeDue(Date.now());
    for (const name of due) {
      if (isProposalDeadline(name)) await this.proposalExpired(proposalIdOf(name));
      else if (name.startsWith(MIRROR)) await this.remirror(name.slice(MIRROR.length));
    }
    if (due.includes(STEP)) await this.step();
    await this.flushNotes();
    await this.deadlines.reschedule();
  }

  private async step(): Promise<void> {
    const job = this.store.state().job;
    if (job) {
      const task = await taskSnapshot(this.env, job.taskId);
      // Cancelled (or failed by its watchdog) while we worked: stop quietly.
      if (!task || isTerminal(task.status)) {
        this.store.setState({ ...this.store.state(), status: "finished" });
        return;
      }
      if (!job.prepared) {
        await this.prepareJob(job);
        return;
      }
    }
    await this.loop().step();
  }

  private async prepareJob(job: JobState): Promise<void> {
    await taskObject(this.env, job.taskId).executorStarted();
    const brief = await jobBrief(this.env, job);
    this.store.setState({ ...this.store.state(), job: { ...job, prepared: true } });
    if ("error" in brief) {
      this.store.addEntry("error", brief.error, null);
      this.store.setState({ ...this.store.state(), status: "finished" });
      await this.jobEnded({ ...job, prepared: true }, { ok: false, code: "job_unavailable", message: brief.error });
      return;
    }
    this.store.addEntry("user", brief.brief, { by: "system" });
    await this.loop().start(brief.brief);
  }

  // ---- proposals

  private async proposalExpired(id: string): Promise<void> {
    const p = this.store.proposal(id);
    const expired = p && expire(p, Date.now());
    if (!expired) return;
    this.store.saveProposal(expired);
    await this.decided(expired, "system");
  }

  /** After the transition: carry out an approved proposal, then record, mirror, audit and tell people. */
  private async decided(p: Proposal, actor: string): Promise<Proposal> {
    await this.deadlines.clear(proposalDeadline(p.id));
    let final = p;
    if (p.status === "approved") {
      final = withOutcome(p, await carryOut(toolsFor(conversationKind(p.conversationId)), this.toolContext(this.store.state().job, { approval: { proposalId: p.id, by: p.decidedBy ?? actor } }), p));
      this.store.saveProposal(final);
    }
    this.store.addEntry("proposal", decisionText(final), entryData(final, null));
    this.tellModel(final);
    await this.mirror(final);
    await audit(this.env.DB, {
      actor,
      action: `proposal.${final.status === "approved" ? "approve" : final.status === "rejected" ? "reject" : "expire"}`,
      targetType: "proposal",
      targetId: final.id,
      details: { tool: final.tool, actionClass: final.actionClass, conversationId: final.conversationId, ...(final.error ? { error: final.error.code } : {}) },
    });
    await announceDecision(this.env, final, (work) => this.ctx.waitUntil(work));
    return final;
  }

  /** A chat's model hears how its proposal went, by ids only: the result's text could carry what it read. */
  private tellModel(p: Proposal): void {
    const kind = conversationKind(p.conversationId);
    if (kind !== "dash" && kind !== "telegram") return;
    const how = p.status === "expired" ? "expired without a decision" : `was ${p.status} by ${p.decidedBy ?? "someone"}`;
    const outcome = p.status !== "approved" ? "" : p.error ? `; carrying it out failed (${p.error.code})` : `; it was carried out${taskIdsIn(p.result).length ? ` (${taskIdsIn(p.result).join(", ")})` : ""}`;
    this.loop().note(`[Deskfleet: your proposal ${p.id} (${p.tool}) ${how}${outcome}.]`);
  }

  private async mirror(p: Proposal): Promise<void> {
    try {
      await upsertProposal(this.env.DB, p);
    } catch (err) {
      console.error("proposal: writing", p.id, "to D1 failed; retrying", err instanceof Error ? err.message : String(err));
      await this.deadlines.arm(`${MIRROR}${p.id}`, Date.now() + MIRROR_RETRY_MS);
    }
  }

  private async remirror(id: string): Promise<void> {
    const p = this.store.proposal(id);
    if (p) await this.mirror(p);
  }

  // ---- wiring

  private toolContext(job: JobState | null, opts: { askedByPerson?: boolean; approval?: ToolContext["approval"] }): ToolContext {
    const id = this.conversationId();
    return {
      env: this.env,
      conversationId: id,
      kind: conversationKind(id),
      actor: actorOf(id),
      job: job ? { ...job } : null,
      channel: this.channel(),
      askedByPerson: opts.askedByPerson ?? false,
      requiredApprovals: approvalClasses(this.env),
      approval: opts.approval ?? null,
    };
  }

  private channel(): Channel {
    const external = externalChannel(this.env, this.conversationId());
    return {
      say: async (text) => {
        this.store.addEntry("message", text, null);
        await external?.say(text);
      },
      showScreenshot: async (s) => {
        this.store.addEntry("screenshot", s.caption ?? "", { taskId: s.taskId, name: s.name, url: `/api/tasks/${s.taskId}/screenshots/${s.name}` });
        await external?.showScreenshot(s);
      },
    };
  }

  private loop(): SupervisorLoop {
    const id = this.conversationId();
    const kind = conversationKind(id);
    const external = externalChannel(this.env, id);
    return new SupervisorLoop({
      store: this.store,
      system: systemPrompt(kind),
      tools: toolsFor(kind),
      limits: {
        model: supervisorModel(this.env),
        maxTokens: 4_096,
        maxAutonomousTurns: 40,
        pollMs: WAIT_POLL_MS,
        maxModelRetries: 4,
      },
      callModel: modelCaller(this.env),
      toolContext: (job, turn) => this.toolContext(job, { askedByPerson: turn.askedByPerson }),
      propose: (draft) => this.propose(id, draft),
      taskProgress: async (taskId) => ({ task: await taskSnapshot(this.env, taskId), lastSeq: await lastEventSeq(this.env.DB, taskId) }),
      wake: (at) => this.wake(at),
      onReply: async (text) => {
        await external?.say(text);
      },
      onJobEnd: (job, outcome) => this.jobEnded(job, outcome),
      now: () => Date.now(),
    });
  }

  private async jobEnded(job: JobState, outcome: JobOutcome): Promise<void> {
    await this.flushNotes();
    await taskObject(this.env, job.taskId).executorFinished(jobResult(job, outcome));
  }

  /** Runs a step at `at`, or earlier if one is already due sooner (an early step only re-checks). */
  private async wake(at: number): Promise<void> {
    const current = this.deadlines.get(STEP);
    if (current === null || at < current) await this.deadlines.arm(STEP, at);
  }

  private bind(conversationId: string): void {
    if (this.store.get<string>("id") === null) this.store.put("id", conversationId);
  }

  private conversationId(): string {
    const id = this.store.get<string>("id");
    if (!id) throw new Error("SupervisorDO used before it knew its conversation id");
    return id;
  }

  private entryAdded(e: SupervisorEntry): void {
    this.broadcast("live", { type: "entry", entry: e });
    const job = this.store.state().job;
    if (job && e.kind !== "user") this.notes.push(`${e.kind}: ${e.text}`);
  }

  private async flushNotes(): Promise<void> {
    const job = this.store.state().job;
    if (!job || this.notes.length === 0) return;
    const notes = this.notes.splice(0);
    await taskObject(this.env, job.taskId).executorNotes(notes);
  }
}

/** Who the supervisor acts as in a conversation (audit, prompt versions, help answers). */
const actorOf = (conversationId: string) => `supervisor:${conversationId}`;
