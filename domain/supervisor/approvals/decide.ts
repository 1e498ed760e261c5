import type { Proposal, ProposalChannel } from "@deskfleet/protocol";
import { notFound, unwrap } from "../../api-error.ts";
import { getProposal } from "../../../db/proposals.ts";
import { supervisorObject } from "../../addresses.ts";

export type ProposalDecision = {
  approve: boolean;
  /** Who decided, as people read it. */
  by: string;
  /** Who decided, as the audit log keys it (`admin`, `token:<id>`, `telegram:<user id>`). */
  actor: string;
  via: Exclude<ProposalChannel, "system">;
};

/**
 * Approves or rejects a proposal from any channel (dashboard, API, Telegram).
 * The SupervisorDO of its conversation decides atomically: the first decision
 * wins and a later one gets a 409 saying who decided and when.
 */
export async function decideProposal(env: Env, id: string, d: ProposalDecision): Promise<Proposal> {
  const row = await getProposal(env.DB, id);
  if (!row) throw notFound("proposal", id);
  return unwrap(await supervisorObject(env, row.conversationId).decideProposal(row.conversationId, id, d));
}
