import { Composer } from "grammy";
import { conversationIdOf, deliverToSupervisor, SUPERVISOR_NOT_CONFIGURED, supervisorConfigured } from "./supervisor-seam.ts";
import { code, line } from "../../domain/telegram/rich-text.ts";
import { reply } from "./reply.ts";
import { mayAct, viewerRefusal, type BotContext } from "./context.ts";
import { buildInbound, messageKind, UNDERSTOOD } from "./media/inbound-message.ts";

/**
 * Unknown commands get pointed at /help; text, photos, documents, voice notes and edits go to the
 * chat's supervisor conversation; anything else (stickers, polls, locations…) gets one short reply.
 */
export function conversation(env: Env): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.on("message:text", async (ctx, next) => {
    const first = ctx.message.entities?.[0];
    if (first?.type !== "bot_command" || first.offset !== 0) return next();
    const command = ctx.message.text.slice(0, first.length);
    await reply(ctx, [line("Unknown command ", code(command), "; see /help.")]);
  });
  c.on(["message", "edited_message"], async (ctx) => {
    const m = ctx.msg;
    if (!m || !ctx.chat) return;
    const kind = messageKind(m);
    if (kind === "ignore") return;
    if (typeof kind === "object") return void (await reply(ctx, `I can't read ${kind.unsupported} here. ${UNDERSTOOD}`));
    // Talking to the supervisor is acting: it creates tasks and drives desktops.
    if (!mayAct(ctx)) return void (await reply(ctx, viewerRefusal(ctx, "talking to the supervisor")));
    if (!supervisorConfigured(env)) return void (await reply(ctx, SUPERVISOR_NOT_CONFIGURED));
    const built = await buildInbound(env, ctx, conversationIdOf(ctx.chat.id));
    if ("reply" in built) return void (await reply(ctx, built.reply));
    const delivery = await deliverToSupervisor(env, built.inbound);
    if (!delivery.accepted) await reply(ctx, delivery.reply);
    else await ctx.replyWithChatAction("typing");
  });
  return c;
}
