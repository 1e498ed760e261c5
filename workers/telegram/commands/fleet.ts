import { Composer } from "grammy";
import { fleetObject } from "../../../domain/addresses.ts";
import { commandArgument, reply } from "../reply.ts";
import type { BotContext } from "../context.ts";

const who = (ctx: BotContext) => `telegram:${ctx.from?.id ?? ctx.chat?.id}`;

/** The kill switch is an admin's: everyone else is told who may use it. */
function adminRefusal(ctx: BotContext, what: string): string | null {
  if (ctx.role === "admin") return null;
  return `${what} needs the admin role (you are ${ctx.role}). An admin can list you as admin:${ctx.from?.id ?? "?"} in TELEGRAM_ALLOWED_USER_IDS, or pause the fleet from the dashboard.`;
}

/** `/pause` (running tasks pause after their step) or `/pause cancel` (they are cancelled): nothing is dispatched until `/resume`. */
async function pauseCommand(env: Env, ctx: BotContext): Promise<void> {
  const refused = adminRefusal(ctx, "/pause");
  if (refused) return void (await reply(ctx, refused));
  const arg = commandArgument(ctx).trim().toLowerCase();
  if (arg !== "" && arg !== "cancel" && arg !== "pause") return void (await reply(ctx, "Usage: /pause (running tasks pause after their current step) or /pause cancel (they are cancelled)."));
  const running = arg === "cancel" ? "cancel" : "pause";
  const state = await fleetObject(env).pauseFleet(running, who(ctx));
  await reply(ctx, `Fleet paused by ${state.paused?.by ?? who(ctx)}: nothing new starts, running tasks ${state.paused?.running === "cancel" ? "are cancelled" : "pause after their current step"}, schedules hold their slots. /resume to go on.`);
}

async function resumeCommand(env: Env, ctx: BotContext): Promise<void> {
  const refused = adminRefusal(ctx, "/resume");
  if (refused) return void (await reply(ctx, refused));
  const state = await fleetObject(env).resumeFleet(who(ctx));
  const budget = state.budget.over ? ` The ${state.budget.over} budget is still spent, so tasks keep waiting until an admin raises it.` : "";
  await reply(ctx, `Fleet running: queued tasks are dispatched and paused ones go on.${budget}`);
}

export function fleetCommands(env: Env): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command("pause", (ctx) => pauseCommand(env, ctx));
  c.command("resume", (ctx) => resumeCommand(env, ctx));
  return c;
}
