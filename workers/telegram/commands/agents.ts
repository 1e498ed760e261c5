import { Composer } from "grammy";
import { listAgents } from "../../../db/agents.ts";
import { bold, code, line, type RichLine } from "../../../domain/telegram/rich-text.ts";
import { clip, reply } from "../reply.ts";
import type { BotContext } from "../context.ts";

/** `/agents`: the agent profiles, each with how to address it (`@name <prompt>` starts a task with it). */
async function agentsCommand(env: Env, ctx: BotContext): Promise<void> {
  const rows = await listAgents(env.DB);
  if (rows.length === 0) {
    await reply(ctx, "No agents yet. An admin creates them in the dashboard (Agents) or with POST /api/agents; then @name <prompt> runs a task with one.");
    return;
  }
  const lines: RichLine[] = [line(bold(`${rows.length} agent${rows.length === 1 ? "" : "s"}`), " · write ", code("@name <prompt>"), " to run a task with one")];
  for (const a of rows) lines.push(line(code(`@${a.name}`), " ", clip(a.description || "(no description)", 200)));
  await reply(ctx, lines);
}

export function agentCommands(env: Env): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command("agents", (ctx) => agentsCommand(env, ctx));
  return c;
}
