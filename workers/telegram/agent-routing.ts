import { Composer } from "grammy";
import { parseAgentMention, type Task } from "@deskfleet/protocol";
import { ApiError, unwrap } from "../../domain/api-error.ts";
import { createTask } from "../../domain/tasks/create-task.ts";
import { taskObject } from "../../domain/addresses.ts";
import { getAgent } from "../../db/agents.ts";
import { addTaskMessage, findTaskMessage } from "../../db/telegram.ts";
import { code, line, paragraph } from "../../domain/telegram/rich-text.ts";
import { reply } from "./reply.ts";
import { mayAct, viewerRefusal, type BotContext } from "./context.ts";

const MAX_PROMPT = 50_000;

/**
 * Agents in Telegram. `@name prompt` starts a task with the agent `name`
 * (text starting with any other @word goes on to the supervisor), and a
 * reply to a message the bot posted about a task — its queued note, its
 * result — continues that task: the same conversation, desktop and agent.
 */
export function agentRouting(env: Env): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.on("message:text", async (ctx, next) => {
    const replied = ctx.message.reply_to_message;
    const taskId = replied ? await findTaskMessage(env.DB, ctx.chat.id, replied.message_id) : null;
    if (taskId) {
      // Adding to a task is acting on it: operators and admins only, as with /run.
      if (!mayAct(ctx)) return void (await reply(ctx, viewerRefusal(ctx, "adding to a task")));
      return continueTask(ctx, env, taskId);
    }
    const mention = parseAgentMention(ctx.message.text);
    // The bot's own @username (a mention in a group) is not an agent.
    if (!mention || mention.agent === ctx.me.username?.toLowerCase() || !(await getAgent(env.DB, mention.agent))) return next();
    if (!mayAct(ctx)) return void (await reply(ctx, viewerRefusal(ctx, `running a task with @${mention.agent}`)));
    await startTask(ctx, env, mention.agent, mention.prompt);
  });
  return c;
}

const who = (ctx: BotContext) => `telegram:${ctx.from?.id ?? ctx.chat?.id}`;

async function startTask(ctx: BotContext, env: Env, agent: string, prompt: string): Promise<void> {
  if (!prompt) return void (await reply(ctx, [line("Tell ", code(`@${agent}`), " what to do: ", code(`@${agent} <prompt>`))]));
  if (prompt.length > MAX_PROMPT) return void (await reply(ctx, `That prompt is ${prompt.length} characters; the limit is ${MAX_PROMPT}.`));
  try {
    const task = await createTask(env, {
      prompt,
      agent,
      options: { notify: true },
      source: "telegram",
      sourceMeta: { chatId: ctx.chat!.id, userId: ctx.from?.id ?? null, username: ctx.from?.username ?? null, by: who(ctx) },
    });
    const sent = await reply(ctx, [line("Task ", code(task.id), ` queued for ${agent}. I will tell you here when it finishes; reply to this message to add to it.`)]);
    await remember(env, ctx.chat!.id, sent.map((m) => m.message_id), task.id);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    await reply(ctx, [line("Could not start the task: "), ...paragraph(err.message)]);
  }
}

async function continueTask(ctx: BotContext & { message: { text: string } }, env: Env, taskId: string): Promise<void> {
  const text = ctx.message.text.trim();
  try {
    // RPC types lose Task's `sourceMeta` values (unknown), so the result is typed here, at the boundary.
    const { task } = unwrap(await taskObject(env, taskId).addMessage(who(ctx), text)) as { task: Task };
    const sent = await reply(ctx, [line("Sent to task ", code(taskId), task.agent ? ` (${task.agent})` : "", `: it is ${task.status.replace(/_/g, " ")}.`)]);
    await remember(env, ctx.chat!.id, sent.map((m) => m.message_id), taskId);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    await reply(ctx, [line("Not sent: "), ...paragraph(err.message)]);
  }
}

export async function remember(env: Env, chatId: number, messageIds: number[], taskId: string): Promise<void> {
  const now = Date.now();
  for (const messageId of messageIds) await addTaskMessage(env.DB, { chatId, messageId, taskId, createdAt: now });
}
