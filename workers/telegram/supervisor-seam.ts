/**
 * The seam between the Telegram channel and the supervisor agent (SupervisorDO, built separately).
 *
 * Free text and photos from an allowed chat become a `SupervisorInbound` for the conversation of that
 * chat (`telegram:<chatId>`). The SupervisorDO work replaces `deliverToSupervisor` with a call to the
 * chat's SupervisorDO; the supervisor answers later and on its own, through `sendToTelegramChat` /
 * `sendPhotoToTelegramChat` (workers/telegram/outbound.ts), so a long turn never holds the webhook.
 */
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

export const conversationIdOf = (chatId: number): string => `telegram:${chatId}`;

export async function deliverToSupervisor(env: Env, _message: SupervisorInbound): Promise<SupervisorDelivery> {
  if (!env.ANTHROPIC_API_KEY?.trim()) {
    return {
      accepted: false,
      reply: "The supervisor is not configured: set ANTHROPIC_API_KEY (wrangler secret put ANTHROPIC_API_KEY) to talk to it here. Commands work without it: /help.",
    };
  }
  // Honest until SupervisorDO exists: no made-up answers.
  return { accepted: false, reply: "The supervisor agent is not available in this deployment yet. Commands work: /help." };
}
