import type { MiddlewareFn } from "grammy";
import type { Message } from "grammy/types";
import { forgetRefusal, recordRefusal, recordUserRefusal } from "../../db/telegram.ts";
import { userRole, type TelegramConfig } from "../../domain/telegram/config.ts";
import type { BotContext } from "./context.ts";

export function refusalText(chatId: number): string {
  return [
    `This chat is not allowed to use this Deskfleet bot. Its chat id is ${chatId}.`,
    `To allow it, add ${chatId} to TELEGRAM_ALLOWED_CHAT_IDS (comma-separated): in wrangler.toml [vars], or with \`wrangler secret put TELEGRAM_ALLOWED_CHAT_IDS\`, then deploy.`,
    "This is the only reply this chat gets until then.",
  ].join("\n");
}

export function userRefusalText(userId: number, name: string): string {
  return [
    `${name}, you are not allowed to use this Deskfleet bot. Your user id is ${userId}.`,
    `An admin can allow you by adding viewer:${userId} (read) or operator:${userId} (act) to TELEGRAM_ALLOWED_USER_IDS, then deploying.`,
    "This is the only reply you get until then.",
  ].join("\n");
}

/** Whether a group message is for this bot: a command (bare or to this bot), a reply to it, or an @mention of it. */
export function isAddressedToBot(m: Message, me: { id: number; username: string }): boolean {
  if (m.reply_to_message?.from?.id === me.id) return true;
  const text = m.text ?? m.caption ?? "";
  const handle = `@${me.username}`.toLowerCase();
  for (const e of m.entities ?? m.caption_entities ?? []) {
    const word = text.slice(e.offset, e.offset + e.length).toLowerCase();
    if (e.type === "mention" && word === handle) return true;
    if (e.type === "bot_command" && e.offset === 0 && (!word.includes("@") || word.endsWith(handle))) return true;
  }
  return false;
}

/**
 * In groups the bot answers only what is addressed to it (a command, an @mention, a reply to one of
 * its messages, its buttons); everything else people say there is none of its business.
 */
export function addressedOnly(): MiddlewareFn<BotContext> {
  return (ctx, next) => {
    if (ctx.callbackQuery || ctx.chat?.type === "private") return next();
    // An edit is judged like the message it edits: a mention added by editing counts.
    const m = ctx.message ?? ctx.editedMessage;
    if (m && isAddressedToBot(m, ctx.me)) return next();
  };
}

/**
 * Serves allowed chats only. Any other chat is told its id and how to allow it, once ever
 * (remembered in D1), and nothing else happens for it.
 */
export function allowedChatsOnly(env: Env, cfg: TelegramConfig): MiddlewareFn<BotContext> {
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

/**
 * Serves the people of TELEGRAM_ALLOWED_USER_IDS only, with their role (ctx.role): an allowed chat
 * is not enough, since anyone can be in a group. Anyone else is told their id once.
 */
export function allowedUsersOnly(env: Env, cfg: TelegramConfig): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const from = ctx.from;
    if (!from || from.is_bot) return;
    const role = userRole(cfg.users, from.id);
    if (role) {
      ctx.role = role;
      return next();
    }
    const text = userRefusalText(from.id, [from.first_name, from.last_name].filter(Boolean).join(" ") || "You");
    if (ctx.callbackQuery) return void (await ctx.answerCallbackQuery({ text: text.slice(0, 200) }));
    if (!(await recordUserRefusal(env.DB, from.id, Date.now()))) return;
    await ctx.api.sendMessage(ctx.chat!.id, text, ctx.message ? { reply_parameters: { message_id: ctx.message.message_id } } : {});
  };
}
