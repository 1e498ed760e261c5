import { Composer } from "grammy";
import { ApiError } from "../../domain/api-error.ts";
import { resolveHelpRequest } from "../../domain/tasks/help-requests.ts";
import { getHelpRequest } from "../../db/help-requests.ts";
import { findHelpMessage, getHelpMessage, type TelegramHelpMessageRow } from "../../db/telegram.ts";
import { line } from "../../domain/telegram/rich-text.ts";
import { HELP_CALLBACK } from "../../domain/telegram/help-requests.ts";
import { sendLines } from "../../domain/telegram/api.ts";
import { mayAct, viewerRefusal, type BotContext } from "./context.ts";

const personOf = (ctx: BotContext) => {
  const u = ctx.from;
  const name = u ? [u.first_name, u.last_name].filter(Boolean).join(" ") + (u.username ? ` (@${u.username})` : "") : "someone";
  return { by: `telegram:${u?.id ?? ctx.chat?.id}`, name };
};

/**
 * Resolves through the same path as `POST /api/help-requests/:id/respond` (TaskDO decides, first
 * answer wins). Returns what to tell the person: the outcome, or who answered first and when.
 */
async function answer(env: Env, ctx: BotContext, row: TelegramHelpMessageRow, text: string | null): Promise<string> {
  const { by, name } = personOf(ctx);
  try {
    const r = await resolveHelpRequest(env, row.requestId, { answer: text, dismiss: text === null, by, via: "telegram" });
    // A secret answer is never echoed: the reply says only that it was given.
    if (r.secret && r.status === "answered") return `Answered by ${name} (secret answer, sent to the agent only).`;
    return r.status === "dismissed" ? `Dismissed by ${name}.` : `Answered by ${name}: ${r.answer ?? ""}`;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 409 || err.status === 404)) return `Not applied: ${err.message}`;
    throw err;
  }
}

/**
 * A reply carrying a secret answer: resolved like any answer, then deleted
 * from the chat (a bot may delete any message in a private chat; in a group
 * it needs the right to, so the person is asked to). Our message says so and
 * never repeats the answer; it does not quote the deleted reply.
 */
async function secretReply(env: Env, ctx: BotContext, row: TelegramHelpMessageRow, reply: { chatId: number; messageId: number; text: string }): Promise<void> {
  const outcome = await answer(env, ctx, row, reply.text);
  let deleted = false;
  try {
    deleted = await ctx.api.deleteMessage(reply.chatId, reply.messageId);
  } catch (err) {
    console.error("telegram: deleting a secret answer failed:", err instanceof Error ? err.message : String(err));
  }
  const note = deleted
    ? "I deleted your reply so the answer does not stay in this chat."
    : "I could not delete your reply: delete it yourself so the answer does not stay in this chat.";
  await ctx.api.sendMessage(reply.chatId, `${outcome.startsWith("Not applied") ? "⚠️" : "🔒"} ${outcome} ${note}`, { reply_parameters: { message_id: row.messageId } });
}

const SECRET_QUESTION = "🔒 Secret question";

/**
 * The help message a reply answers. The bot records a question's message id only after Telegram has
 * accepted it, so a quick reply to one of its own messages may come first: look again briefly.
 */
async function helpMessageRepliedTo(env: Env, chatId: number, replied: { message_id: number; from?: { id: number } }, botId: number): Promise<TelegramHelpMessageRow | null> {
  for (let attempt = 0; ; attempt++) {
    const row = await findHelpMessage(env.DB, chatId, replied.message_id);
    if (row || replied.from?.id !== botId || attempt >= 10) return row;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function helpAnswers(env: Env): Composer<BotContext> {
  const c = new Composer<BotContext>();

  c.callbackQuery(HELP_CALLBACK, async (ctx) => {
    if (!mayAct(ctx)) return void (await ctx.answerCallbackQuery({ text: viewerRefusal(ctx, "answering a help request").slice(0, 200) }));
    const [, rowId, choice] = ctx.match as RegExpMatchArray;
    const row = await getHelpMessage(env.DB, Number(rowId));
    // Buttons only ever resolve the request they were posted for, from the chat they were posted to.
    if (!row || row.chatId !== ctx.chat?.id) return void (await ctx.answerCallbackQuery({ text: "This help request is not known here." }));
    const request = await getHelpRequest(env.DB, row.requestId);
    const option = choice === "d" ? null : request?.options?.[Number(choice)];
    if (option === undefined) return void (await ctx.answerCallbackQuery({ text: "That option is not offered any more." }));
    const outcome = await answer(env, ctx, row, option);
    await ctx.answerCallbackQuery({ text: outcome.slice(0, 200) });
    await sendLines(ctx.api, row.chatId, [line(outcome.startsWith("Not applied") ? "⚠️ " : "✅ ", outcome)]);
  });

  // A reply to a help message is a free-text answer.
  c.on("message:text", async (ctx, next) => {
    const replied = ctx.message.reply_to_message;
    const row = replied ? await helpMessageRepliedTo(env, ctx.chat.id, replied, ctx.me.id) : null;
    if (!row) {
      // A reply to a secret question we cannot match must never reach the supervisor (a model) as a message.
      if (replied?.from?.id === ctx.me.id && replied.text?.startsWith(SECRET_QUESTION)) {
        await ctx.api.deleteMessage(ctx.chat.id, ctx.message.message_id).catch(() => undefined);
        await ctx.api.sendMessage(ctx.chat.id, "🔒 That question is no longer open here, so your reply was not passed on; I deleted it so it does not stay in this chat.");
        return;
      }
      return next();
    }
    if (!mayAct(ctx)) {
      await ctx.api.sendMessage(ctx.chat.id, viewerRefusal(ctx, "answering a help request"), { reply_parameters: { message_id: ctx.message.message_id } });
      return;
    }
    const request = await getHelpRequest(env.DB, row.requestId);
    if (request?.secret) return secretReply(env, ctx, row, { chatId: ctx.chat.id, messageId: ctx.message.message_id, text: ctx.message.text.trim() });
    const outcome = await answer(env, ctx, row, ctx.message.text.trim());
    await ctx.api.sendMessage(ctx.chat.id, `${outcome.startsWith("Not applied") ? "⚠️" : "✅"} ${outcome}`, { reply_parameters: { message_id: ctx.message.message_id } });
  });
  return c;
}
