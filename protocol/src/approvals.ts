import { z } from "zod";
import { EpochMs, TaskId } from "./ids.ts";

/**
 * What the supervisor can change in the fleet, by class. A write of a class in
 * `DESKFLEET_APPROVALS` that no person asked for in the turn (a healer or
 * optimizer job, or a model turn that followed tool results) becomes a proposal.
 */
export const APPROVAL_CLASSES = ["tasks", "desktop_input", "schedules", "help_answers"] as const;
export const ApprovalClass = z.enum(APPROVAL_CLASSES);
export type ApprovalClass = z.infer<typeof ApprovalClass>;

/** A proposal's class: one of the configurable ones, or an optimizer's prompt rewrite (decided per schedule by `selfLearning`). */
export const ProposalClass = z.enum([...APPROVAL_CLASSES, "prompt_rewrites"]);
export type ProposalClass = z.infer<typeof ProposalClass>;

export const ProposalId = z.string().regex(/^prp_[0-9a-z]{10,40}$/, { message: "a proposal id looks like `prp_…`" });
export type ProposalId = z.infer<typeof ProposalId>;

export const ProposalStatus = z.enum(["pending", "approved", "rejected", "expired"]);
export type ProposalStatus = z.infer<typeof ProposalStatus>;

export const ProposalChannel = z.enum(["dashboard", "api", "telegram", "system"]);
export type ProposalChannel = z.infer<typeof ProposalChannel>;

/**
 * A write the supervisor wanted to make on its own, waiting for a person.
 * One atomic transition decides it (approved, rejected or expired), whichever
 * channel answers first; only an approved proposal is carried out.
 */
export const Proposal = z.object({
  id: ProposalId,
  status: ProposalStatus,
  actionClass: ProposalClass,
  /** The supervisor tool it would run, with the input the model gave (checked against the tool's schema). */
  tool: z.string(),
  input: z.record(z.string(), z.unknown()),
  /** What it would do, in a sentence. */
  summary: z.string(),
  /** Why it needs a person: what the supervisor had read instead of a person's request. */
  why: z.string(),
  /** The reason the model gave, when the tool takes one (a retry, a prompt rewrite). */
  reason: z.string().nullable(),
  /** A prompt change: the prompt now and the one proposed. */
  diff: z.object({ before: z.string(), after: z.string() }).nullable(),
  conversationId: z.string(),
  /** The healer or optimizer task whose job proposed it. */
  taskId: TaskId.nullable(),
  requestedBy: z.string(),
  createdAt: EpochMs,
  expiresAt: EpochMs,
  decidedAt: EpochMs.nullable(),
  decidedBy: z.string().nullable(),
  decidedVia: ProposalChannel.nullable(),
  /** What carrying it out gave (approved proposals only): a result, or an error. */
  result: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type Proposal = z.infer<typeof Proposal>;

export const ListProposalsQuery = z.strictObject({
  status: ProposalStatus.optional(),
  conversationId: z.string().max(120).optional(),
  taskId: TaskId.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** What a healer's retry carries in `sourceMeta`: the task it retries, the healer that made it, and why. */
export const HealerRetryMeta = z.object({
  retryOf: TaskId,
  healerTaskId: TaskId,
  reason: z.string(),
  /** Set when a person approved a retry the healer could not make on its own (another target). */
  proposalId: ProposalId.optional(),
  approvedBy: z.string().optional(),
});
export type HealerRetryMeta = z.infer<typeof HealerRetryMeta>;
