import type { ApprovalClass, ConversationKind } from "@deskfleet/protocol";
import type { WriteEffect } from "./draft.ts";

export type ApprovalInput = {
  kind: ConversationKind;
  /** The model turn answers a person's message; false when it followed tool results (or in a job). */
  askedByPerson: boolean;
  required: ReadonlySet<ApprovalClass>;
  effect: WriteEffect;
};

export type ApprovalDecision = { propose: false } | { propose: true; why: string };

const GO: ApprovalDecision = { propose: false };

/**
 * Whether a write goes ahead or waits for a person. The supervisor reads text
 * from pages, screens and task results, any of which can try to steer it; so a
 * write that no person asked for in this turn — in a healer or optimizer job,
 * or in a turn that followed tool results — is proposed, not made, for every
 * class in `required`. Two writes are the jobs' own: a healer retrying the
 * failed task on its own target (bounded by the maximum retries), and a prompt
 * rewrite on a schedule that opted in with `selfLearning: "auto"`.
 */
export function decideApproval({ kind, askedByPerson, required, effect }: ApprovalInput): ApprovalDecision {
  if (effect.class === "prompt_rewrites") {
    return effect.autoApply
      ? GO
      : { propose: true, why: 'the schedule\'s selfLearning is "propose", so a rewrite of its prompt waits for a person (set it to "auto" to apply rewrites at once)' };
  }
  if (kind === "heal" && effect.ownRetry) return GO;
  if (!required.has(effect.class)) return GO;
  if (kind === "heal") return { propose: true, why: "a healer job made it with no person involved; on its own a healer only retries the failed task, on that task's own target" };
  if (kind === "learn") return { propose: true, why: "an optimizer job made it with no person involved" };
  if (askedByPerson) return GO;
  return { propose: true, why: "the supervisor decided it after reading tool results (text from tasks, pages or screens), not in answer to a person's message" };
}
