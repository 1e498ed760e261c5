/**
 * The seam between the Telegram channel and the supervisor agent (SupervisorDO).
 *
 * Free text and photos from an allowed chat become a `SupervisorInbound` for the conversation of that
 * chat (`telegram:<chatId>`), handed to the chat's SupervisorDO; the supervisor answers later and on its own, through `sendToTelegramChat` /
 * `sendPhotoToTelegramChat` (domain/telegram/outbound.ts), so a long turn never holds the webhook.
 */
import { supervisorObject } from "../../domain/addresses.ts";
import { chatConversation } from "../../db/telegram-chats.ts";

export type SupervisorInbound = {
  conversationId: string;
  channel: "telegram";
  chatId: number;
  from: { id: number; name: string; username: string | null };
  text: string;
  /** Photos by Bot API file_id (largest size); the supervisor downloads them with getFile when it needs them. */
  photos: { fileId: string; width: number; height: number }[];
  /** The text of the message this one replies to, if any. */
  replyTo: string | null;
  at: number;
};

/** What the channel tells the person right away. `accepted`: the supervisor has it and will answer itself. */
export type SupervisorDelivery = { accepted: true } | { accepted: false; reply: string };

/** The chat's current conversation: `telegram:<chatId>` until a `/reset` moves it on (db/telegram-chats.ts). */
export const conversationIdOf = (env: Env, chatId: number): Promise<string> => chatConversation(env.DB, chatId);

export async function deliverToSupervisor(env: Env, message: SupervisorInbound): Promise<SupervisorDelivery> {
  if (!env.ANTHROPIC_API_KEY?.trim()) {
    return {
      accepted: false,
      reply: "The supervisor is not configured: set ANTHROPIC_API_KEY (wrangler secret put ANTHROPIC_API_KEY) to talk to it here. Commands work without it: /help.",
    };
  }
  const result = await supervisorObject(env, message.conversationId).postMessage(message.conversationId, supervisorText(message), message.from.name);
  if ("error" in result) return { accepted: false, reply: result.error.message };
  return { accepted: true };
}

/** What the supervisor reads: the text, what it replies to, and that photos came (it cannot see them yet). */
export function supervisorText(m: SupervisorInbound): string {
  const parts: string[] = [];
  if (m.replyTo) parts.push(`(replying to: ${m.replyTo.slice(0, 500)})`);
  if (m.text.trim()) parts.push(m.text);
  if (m.photos.length > 0) parts.push(`[sent ${m.photos.length === 1 ? "a photo" : `${m.photos.length} photos`}; photos are not shown to the supervisor yet]`);
  return parts.join("\n") || "(empty message)";
}
