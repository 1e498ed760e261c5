import type { Message } from "grammy/types";
import { sendLines } from "../../domain/telegram/api.ts";
import { paragraph, type RichLine } from "../../domain/telegram/rich-text.ts";
import type { BotContext } from "./context.ts";

/** Answers in the update's chat: split at 4,096 characters, MarkdownV2 with a plain-text fallback. */
export function reply(ctx: BotContext, body: RichLine[] | string): Promise<Message[]> {
  return sendLines(ctx.api, ctx.chat!.id, typeof body === "string" ? paragraph(body) : body);
}

export const when = (ms: number | null): string => (ms === null ? "—" : `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`);

export const clip = (s: string, max: number): string => {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
};

export const STATUS_ICON: Record<string, string> = {
  queued: "⏳", assigned: "📌", running: "▶️", waiting_for_human: "🙋", completed: "✅", failed: "❌", cancelled: "🚫",
  online: "🟢", busy: "🟠", view_only: "👁", offline: "⚫", not_started: "⚠️",
};

/** The text after a command, e.g. "open example.com" for "/run@bot open example.com". */
export const commandArgument = (ctx: BotContext): string => (typeof ctx.match === "string" ? ctx.match.trim() : "");
