import type { ProposalClass } from "@deskfleet/protocol";

/** What a write changes, for the approval policy. */
export type WriteEffect = {
  class: ProposalClass;
  /** The healer retrying its own failed task on that task's target: self-healing, never a proposal. */
  ownRetry?: boolean;
  /** A prompt rewrite the schedule applies at once (`selfLearning: "auto"`). */
  autoApply?: boolean;
  /** A prompt change, shown as a diff with the proposal. */
  diff?: { before: string; after: string };
};

/** A write the policy turned into a proposal: the validated input, what it changes and why it needs a person. */
export type ProposalDraft = { tool: string; input: Record<string, unknown>; effect: WriteEffect; why: string };
