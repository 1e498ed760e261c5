import { Composer } from "grammy";
import { TELEGRAM_COMMANDS } from "../command-list.ts";
import { blank, bold, code, line, type RichLine } from "../../../domain/telegram/rich-text.ts";
import { reply } from "../reply.ts";
import type { BotContext } from "../context.ts";

function helpLines(chatId: number): RichLine[] {
  return [
    line(bold("Deskfleet"), " runs Claude computer-use agents on your desktops."),
    blank,
    ...TELEGRAM_COMMANDS.map((c) => line(code(`/${c.command}`), ` ${c.description}`)),
    blank,
    line(code("@<agent> <prompt>"), " runs a task with that agent; reply to a task's message to add to it."),
    line("Anything else you send goes to the supervisor agent of this chat: text, photos, documents (PDFs, text files; up to 20 MB), albums and voice notes."),
    line("This chat's id: ", code(String(chatId))),
  ];
}

export function helpCommands(): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command(["start", "help"], async (ctx) => void (await reply(ctx, helpLines(ctx.chat.id))));
  return c;
}
