import type { HelpRequest, Proposal } from "@deskfleet/protocol";
import type { ChatChannel, ChatId, OutboundFile, TaskOrigin } from "./chat-channel.ts";
import { chatChannels } from "./registry.ts";
import { paragraph } from "./rich-text.ts";

/**
 * What the supervisor, TaskDO and the notifier call: each goes to every channel (or to the one that
 * owns the conversation or task), and one channel failing never keeps the others from being told.
 */

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function each(env: Env, what: string, fn: (c: ChatChannel) => Promise<void>): Promise<void> {
  await Promise.all(
    chatChannels(env).map((c) => fn(c).catch((err: unknown) => console.error(`${c.name}: ${what} failed:`, describe(err)))),
  );
}

/** The channel and chat a supervisor conversation talks in; null for dashboard chats and jobs. */
export function conversationChat(env: Env, conversationId: string): { channel: ChatChannel; chat: ChatId } | null {
  for (const channel of chatChannels(env)) {
    const chat = channel.chatOfConversation(conversationId);
    if (chat !== null) return { channel, chat };
  }
  return null;
}

/** The channel and chat that started a task; null for tasks from the API, the dashboard or a schedule. */
export function taskChat(env: Env, task: TaskOrigin): { channel: ChatChannel; chat: ChatId } | null {
  for (const channel of chatChannels(env)) {
    const chat = channel.chatOfTask(task);
    if (chat !== null) return { channel, chat };
  }
  return null;
}

/** A task's file (an artifact, a screenshot) to the chat that started the task. Never throws. */
export async function sendTaskFile(env: Env, task: TaskOrigin & { id: string }, file: OutboundFile): Promise<void> {
  const to = taskChat(env, task);
  if (!to) return;
  await to.channel.sendFile(to.chat, { ...file, taskId: task.id }).catch((err: unknown) => console.error(`${to.channel.name}: sending a file of task ${task.id} failed:`, describe(err)));
}

/** Never throws: a failed post must not affect the task. */
export const postHelpRequest = (env: Env, request: HelpRequest): Promise<void> => each(env, `posting help request ${request.id}`, (c) => c.postHelpRequest(request));

export const postProposal = (env: Env, p: Proposal): Promise<void> => each(env, `posting proposal ${p.id}`, (c) => c.postProposal(p));

export const showProposalDecision = (env: Env, p: Proposal): Promise<void> => each(env, `showing the decision of ${p.id}`, (c) => c.showDecision(p));

/** A fleet-wide alert (budget, kill switch) to every chat of every channel. */
export const sendFleetAlert = (env: Env, title: string, body: string): Promise<void> =>
  each(env, "a fleet alert", (c) => c.notify({ level: "warning", title, body, lines: paragraph(`${title}\n${body}`), taskId: null, photo: null }));
