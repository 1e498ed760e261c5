import { Bot } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { TelegramConfig } from "../../domain/telegram/config.ts";
import { addressedOnly, allowedChatsOnly, allowedUsersOnly } from "./access.ts";
import type { BotContext } from "./context.ts";
import { helpCommands } from "./commands/help.ts";
import { taskCommands } from "./commands/tasks.ts";
import { desktopCommands } from "./commands/desktops.ts";
import { scheduleCommands } from "./commands/schedules.ts";
import { fleetCommands } from "./commands/fleet.ts";
import { supervisorCommands } from "./commands/supervisor.ts";
import { agentCommands } from "./commands/agents.ts";
import { helpAnswers } from "./help-answers.ts";
import { proposalAnswers } from "./proposal-answers.ts";
import { conversation } from "./conversation.ts";
import { agentRouting } from "./agent-routing.ts";

/**
 * The bot for one update: only what is addressed to it (in groups), from an allowed chat and an
 * allowed person (with their role), then commands, help answers, proposal decisions, and the
 * supervisor conversation.
 */
export function createBot(env: Env, cfg: TelegramConfig, botInfo: UserFromGetMe): Bot<BotContext> {
  const bot = new Bot<BotContext>(cfg.token, { botInfo, client: { apiRoot: cfg.apiRoot } });
  bot.use(addressedOnly(), allowedChatsOnly(env, cfg), allowedUsersOnly(env, cfg));
  bot.use(helpCommands(), taskCommands(env), desktopCommands(env), scheduleCommands(env), fleetCommands(env), supervisorCommands(env), agentCommands(env));
  bot.use(helpAnswers(env), proposalAnswers(env));
  bot.use(agentRouting(env));
  bot.use(conversation(env));
  // A handler's failure is logged and the update acknowledged: Telegram would otherwise redeliver it forever.
  bot.catch((err) => {
    const e = err.error;
    console.error("telegram: handling update", err.ctx.update.update_id, "failed:", e instanceof Error ? e.message : String(e));
  });
  return bot;
}
