import type { Proposal } from "@deskfleet/protocol";
import { fleetObject } from "../../addresses.ts";
import { postProposal, showProposalDecision } from "../../channels/deliver.ts";

type WaitUntil = (work: Promise<unknown>) => void;

/** A new proposal: the dashboards' badge and a toast, and a message with Approve / Reject in every chat channel (Telegram: every allowed chat). */
export async function announceProposal(env: Env, p: Proposal, waitUntil: WaitUntil): Promise<void> {
  const fleet = fleetObject(env);
  await fleet.proposalChanged({ type: "proposal", proposalId: p.id, status: p.status, at: Date.now() });
  await fleet.notify({ type: "notification", level: "warning", title: "Approval needed", body: p.summary, taskId: p.taskId, path: "/approvals", at: Date.now() });
  waitUntil(postProposal(env, p));
}

/** A decided proposal: the badge follows, and its chat messages lose their buttons and say how it was decided. */
export async function announceDecision(env: Env, p: Proposal, waitUntil: WaitUntil): Promise<void> {
  await fleetObject(env).proposalChanged({ type: "proposal", proposalId: p.id, status: p.status, at: Date.now() });
  waitUntil(showProposalDecision(env, p));
}
