/**
 * The seam between the Telegram channel and the supervisor agent (SupervisorDO).
 *
 * A message from an allowed chat becomes a channel-neutral `ChannelInbound`
 * (domain/supervisor/inbound.ts: text, files in R2, edits, albums) for the conversation of that
 * chat (`telegram:<chatId>`), handed to the chat's SupervisorDO; the supervisor answers later and
 * on its own, through `sendToTelegramChat` / `sendPhotoToTelegramChat` (domain/telegram/outbound.ts),
 * so a long turn never holds the webhook.
 */
import { supervisorObject } from "../../domain/addresses.ts";
import type { ChannelInbound } from "../../domain/supervisor/inbound.ts";

/** What the channel tells the person right away. `accepted`: the supervisor has it and will answer itself. */
export type SupervisorDelivery = { accepted: true } | { accepted: false; reply: string };

export const conversationIdOf = (chatId: number): string => `telegram:${chatId}`;

export const SUPERVISOR_NOT_CONFIGURED =
  "The supervisor is not configured: set ANTHROPIC_API_KEY (wrangler secret put ANTHROPIC_API_KEY) to talk to it here. Commands work without it: /help.";

/** Whether the supervisor can take messages at all; checked before any file is downloaded. */
export const supervisorConfigured = (env: Env): boolean => Boolean(env.ANTHROPIC_API_KEY?.trim());

export async function deliverToSupervisor(env: Env, message: ChannelInbound): Promise<SupervisorDelivery> {
  if (!supervisorConfigured(env)) return { accepted: false, reply: SUPERVISOR_NOT_CONFIGURED };
  const result = await supervisorObject(env, message.conversationId).receive(message);
  if ("error" in result) return { accepted: false, reply: result.error.message };
  return { accepted: true };
}
