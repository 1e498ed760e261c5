import type { InferResponseType } from "hono/client";
import { api } from "../api/client.ts";
import { call } from "../api/request.ts";

export type Proposal = InferResponseType<typeof api.proposals.$get, 200>["items"][number];

/** Approves or rejects; the first decision from any channel wins (a late one throws the 409's message). */
export function decideProposal(id: string, approve: boolean): Promise<Proposal> {
  const route = api.proposals[":id"];
  return call(approve ? route.approve.$post({ param: { id } }) : route.reject.$post({ param: { id } }));
}

/** Where a proposal came from, as a person reads it. */
export function origin(conversationId: string): string {
  const [kind, rest] = [conversationId.slice(0, conversationId.indexOf(":")), conversationId.slice(conversationId.indexOf(":") + 1)];
  if (kind === "dash") return "a dashboard chat";
  if (kind === "telegram") return `Telegram chat ${rest}`;
  if (kind === "heal") return "the healer";
  if (kind === "learn") return "the optimizer";
  return conversationId;
}

export const CLASS_LABEL: Record<Proposal["actionClass"], string> = {
  tasks: "tasks",
  desktop_input: "desktop input",
  schedules: "schedules",
  help_answers: "help answers",
  prompt_rewrites: "prompt rewrite",
};

/** Task ids a result mentions (the task an approval started), to link to. */
export const taskIdsIn = (text: string | null): string[] => [...new Set(text?.match(/\btsk_[0-9a-z]{10,40}\b/g) ?? [])];
