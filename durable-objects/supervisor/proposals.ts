import type { Proposal } from "@deskfleet/protocol";
import { conversationKind } from "@deskfleet/protocol";
import type { Deadlines } from "../base/deadlines.ts";
import { rpcFail, type RpcResult } from "../../domain/api-error.ts";
import { upsertProposal } from "../../db/proposals.ts";
import { audit } from "../../db/audit.ts";
import { approvalTimeoutMs } from "../../domain/supervisor/approvals/config.ts";
import { carryOut, taskIdsIn } from "../../domain/supervisor/approvals/carry-out.ts";
import { announceDecision, announceProposal } from "../../domain/supervisor/approvals/announce.ts";
import type { ProposalDecision } from "../../domain/supervisor/approvals/decide.ts";
import type { ProposalDraft } from "../../domain/supervisor/approvals/draft.ts";
import type { SupervisorTool, ToolContext } from "../../domain/supervisor/tools/tool.ts";
import type { SupervisorStore } from "./supervisor-store.ts";
import { decide, decisionText, entryData, expire, isProposalDeadline, openProposal, proposalDeadline, proposalIdOf, withOutcome } from "./proposal-ledger.ts";

/** A proposal whose D1 mirror could not be written is written again from the alarm. */
const MIRROR = "mirror:";
const MIRROR_RETRY_MS = 2_000;
/** Proposals of one conversation that may wait at once: a conversation steered into proposing over and over must not flood people. */
export const MAX_PENDING_PROPOSALS = 10;

export type ProposalDeps = {
  env: Env;
  store: SupervisorStore;
  deadlines: Deadlines;
  waitUntil(work: Promise<unknown>): void;
  tools(kind: ReturnType<typeof conversationKind>): readonly SupervisorTool[];
  /** The context an approved proposal is carried out in: the conversation's, with who approved it. */
  approvedContext(approval: NonNullable<ToolContext["approval"]>): ToolContext;
  /** A short note for the conversation's model with its next turn. */
  noteForModel(text: string): void;
};

/**
 * A conversation's proposals, for its SupervisorDO: made from the policy's
 * drafts, decided by one transition each (the ledger), expired by a deadline,
 * carried out when approved, and recorded, mirrored to D1, audited and
 * announced. The object stays a shell that forwards to this.
 */
export class ConversationProposals {
  private readonly d: ProposalDeps;
  constructor(deps: ProposalDeps) {
    this.d = deps;
  }

  async open(conversationId: string, draft: ProposalDraft & { toolUseId: string | null }): Promise<Proposal | { refused: string }> {
    const { store, env } = this.d;
    const waiting = store.pendingProposals();
    if (waiting >= MAX_PENDING_PROPOSALS) {
      return { refused: `${waiting} proposals of this conversation already wait for a person; wait until they are decided, and tell the person` };
    }
    const where = { conversationId, kind: conversationKind(conversationId), taskId: store.state().job?.taskId ?? null, requestedBy: actorOf(conversationId) };
    const p = openProposal(draft, where, Date.now(), approvalTimeoutMs(env));
    store.saveProposal(p);
    store.addEntry("proposal", `Needs approval: ${p.summary}`, entryData(p, draft.toolUseId));
    await this.d.deadlines.arm(proposalDeadline(p.id), p.expiresAt);
    await this.mirror(p);
    await audit(env.DB, { actor: p.requestedBy, action: "proposal.create", targetType: "proposal", targetId: p.id, details: { tool: p.tool, actionClass: p.actionClass, conversationId } });
    await announceProposal(env, p, this.d.waitUntil);
    return p;
  }

  /** First decision wins, whichever channel it came from; a later one gets 409 with who decided and when. */
  async decide(proposalId: string, decision: ProposalDecision): Promise<RpcResult<Proposal>> {
    const p = this.d.store.proposal(proposalId);
    if (!p) return rpcFail(404, "not_found", `proposal \`${proposalId}\` does not exist`);
    const res = decide(p, decision, Date.now());
    if ("alreadyDecided" in res) {
      if (res.expired) await this.settle(res.expired, "system");
      return rpcFail(409, "already_decided", res.alreadyDecided);
    }
    return { ok: await this.settle(res.ok, decision.actor) };
  }

  /** Handles a due deadline of a proposal (expiry, a mirror to retry); false when the name is not one of ours. */
  async deadline(name: string): Promise<boolean> {
    if (isProposalDeadline(name)) {
      const p = this.d.store.proposal(proposalIdOf(name));
      const expired = p && expire(p, Date.now());
      if (expired) await this.settle(expired, "system");
      return true;
    }
    if (name.startsWith(MIRROR)) {
      const p = this.d.store.proposal(name.slice(MIRROR.length));
      if (p) await this.mirror(p);
      return true;
    }
    return false;
  }

  /** After the transition: stored first (a second decision meanwhile finds it decided), then carried out, recorded, mirrored, audited, announced. */
  private async settle(p: Proposal, actor: string): Promise<Proposal> {
    const { store, env } = this.d;
    store.saveProposal(p);
    await this.d.deadlines.clear(proposalDeadline(p.id));
    let final = p;
    if (p.status === "approved") {
      final = withOutcome(p, await carryOut(this.d.tools(conversationKind(p.conversationId)), this.d.approvedContext({ proposalId: p.id, by: p.decidedBy ?? actor }), p));
      store.saveProposal(final);
    }
    store.addEntry("proposal", decisionText(final), entryData(final, null));
    this.tellModel(final);
    await this.mirror(final);
    await audit(env.DB, {
      actor,
      action: `proposal.${final.status === "approved" ? "approve" : final.status === "rejected" ? "reject" : "expire"}`,
      targetType: "proposal",
      targetId: final.id,
      details: { tool: final.tool, actionClass: final.actionClass, conversationId: final.conversationId, ...(final.error ? { error: final.error.code } : {}) },
    });
    await announceDecision(env, final, this.d.waitUntil);
    return final;
  }

  /** A chat's model hears how its proposal went, by ids only: the result's text could carry what it read. */
  private tellModel(p: Proposal): void {
    const kind = conversationKind(p.conversationId);
    if (kind !== "dash" && kind !== "telegram") return;
    const how = p.status === "expired" ? "expired without a decision" : `was ${p.status} by ${p.decidedBy ?? "someone"}`;
    const ids = taskIdsIn(p.result);
    const outcome = p.status !== "approved" ? "" : p.error ? `; carrying it out failed (${p.error.code})` : `; it was carried out${ids.length ? ` (${ids.join(", ")})` : ""}`;
    this.d.noteForModel(`[Deskfleet: your proposal ${p.id} (${p.tool}) ${how}${outcome}.]`);
  }

  private async mirror(p: Proposal): Promise<void> {
    try {
      await upsertProposal(this.d.env.DB, p);
    } catch (err) {
      console.error("proposal: writing", p.id, "to D1 failed; retrying", err instanceof Error ? err.message : String(err));
      await this.d.deadlines.arm(`${MIRROR}${p.id}`, Date.now() + MIRROR_RETRY_MS);
    }
  }
}

/** Who the supervisor acts as in a conversation (audit, prompt versions, help answers). */
export const actorOf = (conversationId: string) => `supervisor:${conversationId}`;
