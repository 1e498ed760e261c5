import { and, desc, eq, type SQL } from "drizzle-orm";
import type { Proposal, ProposalStatus } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { proposals } from "./schema.ts";

export type ProposalRow = typeof proposals.$inferSelect;

export const toProposal = (r: ProposalRow): Proposal => ({
  id: r.id,
  status: r.status,
  actionClass: r.actionClass,
  tool: r.tool,
  input: r.input,
  summary: r.summary,
  why: r.why,
  reason: r.reason,
  diff: r.diff ?? null,
  conversationId: r.conversationId,
  taskId: r.taskId,
  requestedBy: r.requestedBy,
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
  decidedAt: r.decidedAt,
  decidedBy: r.decidedBy,
  decidedVia: r.decidedVia,
  result: r.result,
  error: r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? "" } : null,
});

export const toProposalRow = (p: Proposal): ProposalRow => ({
  id: p.id,
  status: p.status,
  actionClass: p.actionClass,
  tool: p.tool,
  input: p.input,
  summary: p.summary,
  why: p.why,
  reason: p.reason,
  diff: p.diff,
  conversationId: p.conversationId,
  taskId: p.taskId,
  requestedBy: p.requestedBy,
  createdAt: p.createdAt,
  expiresAt: p.expiresAt,
  decidedAt: p.decidedAt,
  decidedBy: p.decidedBy,
  decidedVia: p.decidedVia,
  result: p.result,
  errorCode: p.error?.code ?? null,
  errorMessage: p.error?.message ?? null,
});

/** Written by the proposal's SupervisorDO alone (the one decider); idempotent so a retried write never duplicates. */
export async function upsertProposal(d1: D1Database, p: Proposal): Promise<void> {
  const row = toProposalRow(p);
  const { id: _id, ...rest } = row;
  await database(d1).insert(proposals).values(row).onConflictDoUpdate({ target: proposals.id, set: rest });
}

export async function getProposal(d1: D1Database, id: string): Promise<ProposalRow | null> {
  const rows = await database(d1).select().from(proposals).where(eq(proposals.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function listProposals(d1: D1Database, f: { status?: ProposalStatus; conversationId?: string; taskId?: string; limit: number }): Promise<ProposalRow[]> {
  const where: SQL[] = [];
  if (f.status) where.push(eq(proposals.status, f.status));
  if (f.conversationId) where.push(eq(proposals.conversationId, f.conversationId));
  if (f.taskId) where.push(eq(proposals.taskId, f.taskId));
  return database(d1)
    .select()
    .from(proposals)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(proposals.createdAt), desc(proposals.id))
    .limit(f.limit);
}
