import { Composer } from "grammy";
import { supervisorObject } from "../../../domain/addresses.ts";
import { chatConversation, moveChatConversation } from "../../../db/telegram-chats.ts";
import { code, line, type RichLine } from "../../../domain/telegram/rich-text.ts";
import { reply } from "../reply.ts";
import { mayAct, viewerRefusal, type BotContext } from "../context.ts";

const who = (ctx: BotContext) => `telegram:${ctx.from?.id ?? ctx.chat?.id}`;
const nameOf = (ctx: BotContext) => [ctx.from?.first_name, ctx.from?.last_name].filter(Boolean).join(" ") || "someone";

/** `/stop`: the supervisor's current turn and any wait it holds end; the tasks it started keep running. */
async function stopCommand(env: Env, ctx: BotContext): Promise<void> {
  if (!mayAct(ctx)) return void (await reply(ctx, viewerRefusal(ctx, "/stop")));
  const id = await chatConversation(env.DB, ctx.chat!.id);
  const outcome = await supervisorObject(env, id).stop(id, nameOf(ctx));
  const tasks = outcome.waitedFor.length ? [line("It was waiting for ", ...outcome.waitedFor.flatMap((t, i) => [i ? ", " : "", code(t)]), ".")] : [];
  const lines: RichLine[] =
    outcome.stopped === "nothing"
      ? [line("The supervisor is not working on anything in this chat. Tasks run on their own: ", code("/cancel <task id>"), " stops one (see /tasks).")]
      : [line("Stopped the supervisor's current turn. It does nothing more until you write again."), ...tasks, line("Tasks it started keep running: ", code("/cancel <task id>"), " stops one (see /tasks).")];
  await reply(ctx, lines);
}

/**
 * `/reset`: the chat moves on to a new supervisor conversation (the old one is stopped and stays
 * readable at its id). Task replies and help answers do not depend on it: they follow the message
 * replied to.
 */
async function resetCommand(env: Env, ctx: BotContext): Promise<void> {
  if (!mayAct(ctx)) return void (await reply(ctx, viewerRefusal(ctx, "/reset")));
  const chatId = ctx.chat!.id;
  const old = await chatConversation(env.DB, chatId);
  await supervisorObject(env, old).stop(old, nameOf(ctx));
  const next = await moveChatConversation(env.DB, chatId, who(ctx), Date.now());
  await reply(ctx, [
    line("New conversation: the supervisor starts afresh here, without what was said before."),
    line("The previous one stays readable as ", code(old), " (the dashboard's /supervisor?conversation=", old, ", or GET /api/supervisor/conversations/", old, "); this one is ", code(next), "."),
    line("Running tasks go on; replies to their messages and to questions still reach them."),
  ]);
}

export function supervisorCommands(env: Env): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command("stop", (ctx) => stopCommand(env, ctx));
  c.command("reset", (ctx) => resetCommand(env, ctx));
  return c;
}
