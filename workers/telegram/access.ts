import type { Context, MiddlewareFn } from "grammy";
import { recordRefusal, forgetRefusal } from "../../db/telegram.ts";
import type { TelegramConfig } from "../../domain/telegram/config.ts";

export function refusalText(chatId: number): string {
  return [
    `This chat is not allowed to use this Deskfleet bot. Its chat id is ${chatId}.`,
    `To allow it, add ${chatId} to TELEGRAM_ALLOWED_CHAT_IDS (comma-separated): in wrangler.toml [vars], or with \`wrangler secret put TELEGRAM_ALLOWED_CHAT_IDS\`, then deploy.`,
    "This is the only reply this chat gets until then.",
  ].join("\n");
}

/**
 * Serves allowed chats only. Any other chat is told its id and how to allow it, once ever
 * (remembered in D1), and nothing else happens for it.
 */
export function allowedChatsOnly(env: Env, cfg: TelegramConfig): MiddlewareFn<Context> {
  return async (ctx, next) => {
    const chatId = ctx.chat?.id;
    if (chatId === undefined) return;
    if (cfg.allowedChats.has(chatId)) return next();
    if (!(await recordRefusal(env.DB, chatId, Date.now()))) return;
    try {
      await ctx.api.sendMessage(chatId, refusalText(chatId));
    } catch (err) {
      // Not told after all: let a later message try again.
      await forgetRefusal(env.DB, chatId);
      throw err;
    }
  };
}
