import type { Proposal, SupervisorConversation, Task, SupervisorEntry, SupervisorFeedMessage, SupervisorStatus } from "@deskfleet/protocol";
import { CloseCode, conversationKind, isTerminal } from "@deskfleet/protocol";
import { HibernatingObject } from "../base/hibernating-object.ts";
import { Deadlines } from "../base/deadlines.ts";
import { fleetObject, taskObject } from "../../domain/addresses.ts";
import { isWebSocketUpgrade, upgradeRequired } from "../../domain/websocket/upgrade.ts";
import { notGranted, readGrant } from "../../domain/websocket/socket-grant.ts";
import { rpcFail, type RpcResult } from "../../domain/api-error.ts";
import { SupervisorStore } from "./supervisor-store.ts";
import { SupervisorLoop, type JobOutcome } from "../../domain/supervisor/loop.ts";
import { toolsFor } from "../../domain/supervisor/tools/index.ts";
import { systemPrompt } from "../../domain/supervisor/prompts.ts";
import { meteredModelCaller } from "../../domain/supervisor/metered-model.ts";
import { modelCaller, supervisorModel } from "../../domain/supervisor/model-client.ts";
import { jobBrief, jobResult } from "../../domain/supervisor/job-brief.ts";
import { externalChannel } from "../../domain/supervisor/external-channel.ts";
import type { Channel, JobState, ProposalDraft, ToolContext } from "../../domain/supervisor/tools/tool.ts";
import { lastEventSeq } from "../../db/task-chains.ts";
import { userProfileText } from "../../domain/agents/user-profile.ts";
import { approvalClasses } from "../../domain/supervisor/approvals/config.ts";
import type { ProposalDecision } from "../../domain/supervisor/approvals/decide.ts";
import { actorOf, ConversationProposals } from "./proposals.ts";
import { inboundContent, type ChannelInbound } from "../../domain/supervisor/inbound.ts";
import { withAttachmentBytes } from "../../domain/supervisor/attachment-sources.ts";
import type { MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages/messages";
import { conversationFileKey } from "../../domain/screenshot-keys.ts";
import { albumWindowMs, attachmentUrl } from "../../domain/supervisor/inbound-config.ts";

/** The live state of a task from its TaskDO (RPC types lose `sourceMeta`'s unknown values, hence the cast at this boundary). */
const taskSnapshot = async (env: Env, taskId: string): Promise<Task | null> => (await taskObject(env, taskId).snapshot()) as Task | null;

/** A live-feed socket: when it opened, and the keys of the credentials it was opened with. */
type LiveAttachment = { connectedAt: number; keys: string[] };

const STEP = "step";
/** The deadline that ends an album's window: `album:<media group id>`. */
const ALBUM = "album:";
/** The meta key of the identity that started a dashboard conversation. */
const OWNER = "owner";
/** How often a wait for a task looks for progress; a finish wakes the wait at once anyway. */
const WAIT_POLL_MS = 5_000;

/**
 * One supervisor conversation (`dash:…`, `telegram:…`, or the `heal:…` /
 * `learn:…` job of a healer or optimizer task). A thin shell: the loop, the
 * tools and the policies are plain modules; this object stores the
 * conversation, runs one loop step per alarm, serves the live feed, and holds
 * the conversation's proposals (`proposals.ts`).
 */
export class SupervisorDO extends HibernatingObject<LiveAttachment, { live: SupervisorFeedMessage }> {
  private readonly store: SupervisorStore;
  private readonly deadlines: Deadlines;
  private readonly proposals: ConversationProposals;
  /** Job progress for the healer/optimizer task's own event log, sent after each step. */
  private notes: string[] = [];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SupervisorStore(ctx.storage.sql, {
      onEntry: (e) => this.entryAdded(e),
      onStatus: (status) => this.broadcast("live", { type: "status", status, at: Date.now() }),
    });
    this.deadlines = new Deadlines(ctx.storage);
    this.proposals = new ConversationProposals({
      env,
      store: this.store,
      deadlines: this.deadlines,
      waitUntil: (work) => ctx.waitUntil(work),
      tools: toolsFor,
      approvedContext: (approval) => this.toolContext(this.store.state().job, { approval }),
      // A note only touches the stored conversation: no system prompt (no D1 read) needed.
      noteForModel: (text) => this.loopWith("").note(text),
    });
  }

  // ---- RPC

  /**
   * A person's message (dashboard or Telegram). The reply comes later, on the live feed or the chat.
   * `byId` (the dashboard person's identity id) makes the first writer the conversation's owner.
   */
  async postMessage(conversationId: string, text: string, by: string, byId?: string): Promise<RpcResult<{ status: SupervisorStatus }>> {
    const kind = conversationKind(conversationId);
    if (kind === "heal" || kind === "learn") {
      return rpcFail(409, "job_conversation", `${conversationId} is the conversation of a ${kind === "heal" ? "healer" : "optimizer"} task; people talk to the supervisor in a dash: or telegram: conversation`);
    }
    this.bind(conversationId);
    if (byId && this.store.get<string>(OWNER) === null) this.store.put(OWNER, byId);
    await (await this.loop()).receive(text, by);
    await this.flushNotes();
    return { ok: { status: this.store.state().status } };
  }

  /**
   * A person's message from a chat channel, with its files (already in R2). An album's part waits
   * in this object until no part has come for the album window, then the parts are one turn.
   */
  async receive(inbound: ChannelInbound): Promise<RpcResult<{ status: SupervisorStatus }>> {
    const kind = conversationKind(inbound.conversationId);
    if (kind === "heal" || kind === "learn") return rpcFail(409, "job_conversation", `${inbound.conversationId} is a job's conversation; people write in a dash: or telegram: conversation`);
    this.bind(inbound.conversationId);
    if (inbound.groupId) {
      this.store.addAlbumPart(inbound.groupId, inbound);
      await this.deadlines.arm(`${ALBUM}${inbound.groupId}`, Date.now() + albumWindowMs(this.env));
    } else {
      await this.deliver([inbound]);
    }
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
    await (await this.loop()).taskFinished(taskId);
    await this.flushNotes();
  }

  /**
   * Stores a write the approval policy held back as a proposal of this
   * conversation, arms its expiry and tells people (dashboard, Telegram).
   * The loop calls it for its own turns; `draft` is what the policy produced.
   */
  async propose(conversationId: string, draft: ProposalDraft & { toolUseId: string | null }): Promise<Proposal | { refused: string }> {
    this.bind(conversationId);
    return this.proposals.open(conversationId, draft);
  }

  /** Approves or rejects one of this conversation's proposals. First decision wins, whichever channel it came from. */
  async decideProposal(conversationId: string, proposalId: string, d: ProposalDecision): Promise<RpcResult<Proposal>> {
    this.bind(conversationId);
    const result = await this.proposals.decide(proposalId, d);
    await this.flushNotes();
    return result;
  }

  /** Who started this (dashboard) conversation, if a person did. */
  async ownerOf(): Promise<string | null> {
    return this.store.get<string>(OWNER);
  }

  /** A credential or session was revoked: the live feeds it opened close (4401). */
  async endAccess(keys: string[], reason: string): Promise<number> {
    return this.closeRevoked("live", keys, CloseCode.unauthorized, reason);
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
    const grant = readGrant(request, "live");
    if (!grant) return notGranted();
    const { response, socket } = this.acceptSocket(["live"], { connectedAt: Date.now(), keys: grant.reader.keys });
    this.send("live", socket, { type: "hello", status: this.store.state().status, lastSeq: this.store.lastEntrySeq(), at: Date.now() });
    return response;
  }

  // ---- alarms: one loop step each, and the proposals' deadlines

  override async alarm(): Promise<void> {
    const due = this.deadlines.takeDue(Date.now());
    for (const name of due) {
      if (name.startsWith(ALBUM)) await this.deliver(this.store.takeAlbum<ChannelInbound>(name.slice(ALBUM.length)));
      else if (name !== STEP) await this.proposals.deadline(name);
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
    await (await this.loop()).step();
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
    await (await this.loop()).start(brief.brief);
  }

  /** One message (or an album's parts) becomes one user turn; the transcript names its files with their authenticated URLs. */
  private async deliver(parts: ChannelInbound[]): Promise<void> {
    const first = parts[0];
    if (!first) return;
    const c = inboundContent(parts);
    const id = this.conversationId();
    const attachments = c.attachments.map((a) => ({ id: a.id, name: a.name, contentType: a.contentType, bytes: a.bytes, kind: a.kind, url: attachmentUrl(id, a.id) }));
    const data = { channel: first.channel, ...(parts.some((p) => p.edited) ? { edited: true } : {}), ...(attachments.length ? { attachments } : {}) };
    await (await this.loop()).receive({ text: c.text, blocks: c.blocks, data }, first.from.name);
  }

  private withAttachmentBytes<R>(call: (req: MessageCreateParamsNonStreaming) => Promise<R>): (req: MessageCreateParamsNonStreaming) => Promise<R> {
    return async (req) => call({ ...req, messages: await withAttachmentBytes(req.messages, (f) => this.loadAttachment(f)) });
  }

  private async loadAttachment(fileId: string): Promise<{ bytes: Uint8Array; contentType: string } | null> {
    const obj = await this.env.SCREENSHOTS.get(conversationFileKey(this.conversationId(), fileId));
    if (!obj) return null;
    return { bytes: new Uint8Array(await obj.arrayBuffer()), contentType: obj.httpMetadata?.contentType ?? "application/octet-stream" };
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

  /** The conversation's loop; its system prompt carries the user profile, read from D1 each time. */
  private async loop(): Promise<SupervisorLoop> {
    return this.loopWith(systemPrompt(conversationKind(this.conversationId()), await userProfileText(this.env)));
  }

  private loopWith(system: string): SupervisorLoop {
    const id = this.conversationId();
    const kind = conversationKind(id);
    const external = externalChannel(this.env, id);
    return new SupervisorLoop({
      store: this.store,
      system,
      tools: toolsFor(kind),
      limits: {
        model: supervisorModel(this.env),
        maxTokens: 4_096,
        maxAutonomousTurns: 40,
        pollMs: WAIT_POLL_MS,
        maxModelRetries: 4,
      },
      // People's photos and PDFs are stored as references; each request carries their bytes from R2.
      callModel: this.withAttachmentBytes(meteredModelCaller(modelCaller(this.env), id, (entry) => fleetObject(this.env).recordUsage([entry]), () => fleetObject(this.env).supervisorHold())),
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
