import { Composer } from "grammy";
import { conversationIdOf, deliverToSupervisor, type SupervisorInbound } from "./supervisor-seam.ts";
import { code, line } from "../../domain/telegram/rich-text.ts";
import { reply } from "./reply.ts";
import { mayAct, viewerRefusal, type BotContext } from "./context.ts";

/** What reaches the supervisor from a message: its text or caption, its largest photo, what it replies to. */
function inbound(ctx: BotContext, conversationId: string): SupervisorInbound | null {
  const m = ctx.message;
  if (!m || !ctx.chat) return null;
  const largest = m.photo?.at(-1);
  const replied = m.reply_to_message;
  return {
    conversationId,
    channel: "telegram",
    chatId: ctx.chat.id,
    from: { id: ctx.from?.id ?? ctx.chat.id, name: [ctx.from?.first_name, ctx.from?.last_name].filter(Boolean).join(" ") || "someone", username: ctx.from?.username ?? null },
    text: withoutMention(m.text ?? m.caption ?? "", ctx.me.username),
    photos: largest ? [{ fileId: largest.file_id, width: largest.width, height: largest.height }] : [],
    replyTo: replied ? (replied.text ?? replied.caption ?? null) : null,
    at: m.date * 1000,
  };
}

/** The text without the bot's own @mention (how people address it in a group). */
function withoutMention(text: string, username: string): string {
  return text.replace(new RegExp(`(^|\\s)@${username}(?![A-Za-z0-9_])`, "gi"), "$1").trim();
}

/** Unknown commands get pointed at /help; other text and photos go to the chat's supervisor conversation. */
export function conversation(env: Env): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.on("message:text", async (ctx, next) => {
    const first = ctx.message.entities?.[0];
    if (first?.type !== "bot_command" || first.offset !== 0) return next();
    const command = ctx.message.text.slice(0, first.length);
    await reply(ctx, [line("Unknown command ", code(command), "; see /help.")]);
  });
  c.on(["message:text", "message:photo"], async (ctx) => {
    const message = ctx.chat ? inbound(ctx, await conversationIdOf(env, ctx.chat.id)) : null;
    if (!message) return;
    // Talking to the supervisor is acting: it creates tasks and drives desktops.
    if (!mayAct(ctx)) return void (await reply(ctx, viewerRefusal(ctx, "talking to the supervisor")));
    const delivery = await deliverToSupervisor(env, message);
    if (!delivery.accepted) await reply(ctx, delivery.reply);
    else await ctx.replyWithChatAction("typing");
  });
  return c;
}
