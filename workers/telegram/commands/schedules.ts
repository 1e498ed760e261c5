import { Composer } from "grammy";
import { listSchedules, toSchedule } from "../../../db/schedules.ts";
import { bold, code, line, type RichLine } from "../../../domain/telegram/rich-text.ts";
import { clip, reply, STATUS_ICON, when } from "../reply.ts";
import type { BotContext } from "../context.ts";

async function schedulesCommand(env: Env, ctx: BotContext): Promise<void> {
  const rows = await listSchedules(env.DB);
  if (rows.length === 0) {
    await reply(ctx, "No schedules yet. Create them in the dashboard or with POST /api/schedules.");
    return;
  }
  const lines: RichLine[] = [line(bold(`${rows.length} schedule${rows.length === 1 ? "" : "s"}`))];
  for (const s of rows.map(toSchedule)) {
    const timing = s.cron ? `cron ${s.cron} (${s.timezone})` : s.intervalMinutes ? `every ${s.intervalMinutes} min` : `once at ${when(s.runAt)}`;
    const last = s.lastStatus ? ` · last ${STATUS_ICON[s.lastStatus] ?? ""}${s.lastStatus}` : "";
    lines.push(line(s.enabled ? "🗓 " : "⏸ ", bold(clip(s.name, 60)), " ", code(s.id)));
    lines.push(line(`   ${timing} · next ${s.enabled ? when(s.nextRunAt) : "paused"}${last}`));
  }
  await reply(ctx, lines);
}

export function scheduleCommands(env: Env): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command("schedules", (ctx) => schedulesCommand(env, ctx));
  return c;
}
