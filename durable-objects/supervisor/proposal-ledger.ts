import type { ConversationKind, Proposal, ProposalChannel, ProposalEntryData } from "@deskfleet/protocol";
import type { ProposalDraft } from "../../domain/supervisor/approvals/draft.ts";
import { describeAction } from "../../domain/supervisor/approvals/describe.ts";
import { newId } from "../../domain/ids.ts";

export type Decision = { approve: boolean; by: string; via: Exclude<ProposalChannel, "system"> };

/** A new pending proposal from the policy's draft. */
export function openProposal(
  draft: ProposalDraft,
  where: { conversationId: string; kind: ConversationKind; taskId: string | null; requestedBy: string },
  now: number,
  timeoutMs: number,
): Proposal {
  const reason = typeof draft.input["reason"] === "string" ? draft.input["reason"] : null;
  return {
    id: newId("prp", now),
    status: "pending",
    actionClass: draft.effect.class,
    tool: draft.tool,
    input: draft.input,
    summary: describeAction(draft.tool, draft.input),
    why: draft.why,
    reason,
    diff: draft.effect.diff ?? null,
    conversationId: where.conversationId,
    taskId: where.kind === "heal" || where.kind === "learn" ? where.taskId : null,
    requestedBy: where.requestedBy,
    createdAt: now,
    expiresAt: now + timeoutMs,
    decidedAt: null,
    decidedBy: null,
    decidedVia: null,
    result: null,
    error: null,
  };
}

/**
 * The one transition that decides a proposal: the first decision wins,
 * whichever channel it came from; a later one is refused with who decided and
 * when, so the late channel can say so. A proposal past its expiry is expired
 * even if its alarm has not run yet.
 */
export function decide(p: Proposal, d: Decision, now: number): { ok: Proposal } | { alreadyDecided: string; expired?: Proposal } {
  if (p.status !== "pending") return { alreadyDecided: alreadyDecidedText(p) };
  if (now >= p.expiresAt) {
    const expired = expire(p, now)!;
    return { alreadyDecided: alreadyDecidedText(expired), expired };
  }
  return { ok: { ...p, status: d.approve ? "approved" : "rejected", decidedAt: now, decidedBy: d.by, decidedVia: d.via } };
}

/** Expiry: only a pending proposal expires. */
export function expire(p: Proposal, now: number): Proposal | null {
  if (p.status !== "pending") return null;
  return { ...p, status: "expired", decidedAt: now, decidedBy: "system", decidedVia: "system" };
}

export function alreadyDecidedText(p: Proposal): string {
  const when = p.decidedAt ? new Date(p.decidedAt).toISOString() : "earlier";
  const who = p.status === "expired" ? "it expired, nobody decided in time" : `${p.status} by ${p.decidedBy ?? "someone"} via ${p.decidedVia ?? "?"}`;
  return `proposal ${p.id} was already decided (${who}, at ${when})`;
}

/** What carrying out an approved proposal gave. */
export function withOutcome(p: Proposal, outcome: { result: string } | { error: { code: string; message: string } }): Proposal {
  return "result" in outcome ? { ...p, result: outcome.result, error: null } : { ...p, result: null, error: outcome.error };
}

/** The `data` of a conversation's `proposal` entry: one when it is made (with its tool call), one when it is decided. */
export function entryData(p: Proposal, toolUseId: string | null): ProposalEntryData {
  return { proposalId: p.id, status: p.status, tool: p.tool, summary: p.summary, toolUseId, expiresAt: p.expiresAt, decidedBy: p.decidedBy, result: p.result, error: p.error };
}

/** A decided proposal as its conversation's entry reads. */
export function decisionText(p: Proposal): string {
  if (p.status === "expired") return `Expired without a decision: ${p.summary}`;
  const head = `${p.status === "approved" ? "Approved" : "Rejected"} by ${p.decidedBy ?? "someone"}: ${p.summary}`;
  return p.error ? `${head} — carrying it out failed: ${p.error.message}` : head;
}

export const proposalDeadline = (id: string) => `proposal:${id}`;
export const isProposalDeadline = (name: string) => name.startsWith("proposal:");
export const proposalIdOf = (name: string) => name.slice("proposal:".length);
