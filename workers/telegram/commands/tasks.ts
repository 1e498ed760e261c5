import { Composer } from "grammy";
import { TaskId } from "@deskfleet/protocol";
import { ApiError } from "../../../domain/api-error.ts";
import { createTask } from "../../../domain/tasks/create-task.ts";
import { getTaskRow, listTasks, toTask } from "../../../db/tasks.ts";
import { taskObject } from "../../../domain/addresses.ts";
import { bold, code, line, paragraph, type RichLine } from "../../../domain/telegram/rich-text.ts";
import { clip, commandArgument, reply, STATUS_ICON, when } from "../reply.ts";
import { mayAct, viewerRefusal, type BotContext } from "../context.ts";

const TASKS_SHOWN = 10;
const MAX_PROMPT = 50_000;

const who = (ctx: BotContext) => `telegram:${ctx.from?.id ?? ctx.chat?.id}`;

async function tasksCommand(env: Env, ctx: BotContext): Promise<void> {
  const { items } = await listTasks(env.DB, { limit: TASKS_SHOWN });
  if (items.length === 0) {
    await reply(ctx, "No tasks yet. Start one with /run <prompt>.");
    return;
  }
  const lines: RichLine[] = [line(bold(`Latest ${items.length} tasks`))];
  for (const row of items) {
    const t = toTask(row);
    lines.push(line(`${STATUS_ICON[t.status] ?? "•"} `, code(t.id), ` ${t.status}${t.desktopId ? ` on ${t.desktopId}` : ""} · ${when(t.createdAt)}`));
    lines.push(line("   ", clip(t.prompt, 120)));
  }
  await reply(ctx, lines);
}

/** `/run <prompt>` or `/run @<desktop> <prompt>`: a task from this chat, reported back here when it ends. */
async function runCommand(env: Env, ctx: BotContext): Promise<void> {
  if (!mayAct(ctx)) return void (await reply(ctx, viewerRefusal(ctx, "/run")));
  let prompt = commandArgument(ctx);
  let desktopId: string | null = null;
  const pinned = /^@([A-Za-z0-9][A-Za-z0-9_-]{0,62})\s+/.exec(prompt);
  if (pinned) {
    desktopId = pinned[1]!;
    prompt = prompt.slice(pinned[0].length).trim();
  }
  if (!prompt) {
    await reply(ctx, [line("Usage: ", code("/run <prompt>"), " or ", code("/run @<desktop> <prompt>"))]);
    return;
  }
  if (prompt.length > MAX_PROMPT) {
    await reply(ctx, `That prompt is ${prompt.length} characters; the limit is ${MAX_PROMPT}.`);
    return;
  }
  try {
    const task = await createTask(env, {
      prompt,
      desktopId,
      options: { notify: true },
      source: "telegram",
      sourceMeta: { chatId: ctx.chat!.id, userId: ctx.from?.id ?? null, username: ctx.from?.username ?? null, by: who(ctx), role: ctx.role },
    });
    await reply(ctx, [line("Task ", code(task.id), ` queued${desktopId ? ` for ${desktopId}` : ""}. I will tell you here when it finishes.`)]);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    await reply(ctx, [line("Could not start the task: "), ...paragraph(err.message)]);
  }
}

async function cancelCommand(env: Env, ctx: BotContext): Promise<void> {
  if (!mayAct(ctx)) return void (await reply(ctx, viewerRefusal(ctx, "/cancel")));
  const id = commandArgument(ctx);
  if (!TaskId.safeParse(id).success) {
    await reply(ctx, [line("Usage: ", code("/cancel <task id>"), " (a task id looks like ", code("tsk_…"), "; see /tasks)")]);
    return;
  }
  if (!(await getTaskRow(env.DB, id))) {
    await reply(ctx, [line("Task ", code(id), " does not exist; see /tasks.")]);
    return;
  }
  const res = await taskObject(env, id).cancel(who(ctx), "cancelled from Telegram");
  if ("error" in res) await reply(ctx, res.error.message);
  else await reply(ctx, [line("Task ", code(id), " cancelled.")]);
}

export function taskCommands(env: Env): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command("tasks", (ctx) => tasksCommand(env, ctx));
  c.command("run", (ctx) => runCommand(env, ctx));
  c.command("cancel", (ctx) => cancelCommand(env, ctx));
  return c;
}
