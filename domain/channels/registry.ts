import { telegramConfig } from "../telegram/config.ts";
import { telegramChannel } from "../telegram/telegram-channel.ts";
import type { ChatChannel } from "./chat-channel.ts";

/**
 * The chat channels this deployment has: Telegram when its bot token is set. A second platform is
 * its implementation of `ChatChannel` and one line here.
 */
export function chatChannels(env: Env): ChatChannel[] {
  const channels: ChatChannel[] = [];
  if (telegramConfig(env)) channels.push(telegramChannel(env));
  return channels;
}
