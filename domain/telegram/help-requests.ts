import type { HelpRequest } from "@deskfleet/protocol";
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import { addHelpMessage, deleteHelpMessage, setHelpMessageId } from "../../db/telegram.ts";
import { sendLines, sendPhotoWithLines, telegramApi } from "./api.ts";
import { telegramConfig } from "./config.ts";
import { bold, code, line, paragraph, type RichLine } from "./rich-text.ts";
import { openDesktopButton } from "./open-desktop-button.ts";

/** Callback data of a help button: `h:<row id>:<option index>` or `h:<row id>:d` (dismiss), well within 64 bytes. */
export const helpCallbackData = (rowId: number, option: number | "d"): string => `h:${rowId}:${option}`;
export const HELP_CALLBACK = /^h:(\d{1,15}):(\d{1,2}|d)$/;

const BUTTON_TEXT_MAX = 60;

function keyboard(rowId: number, options: string[], open: InlineKeyboardButton | null): InlineKeyboardMarkup {
  const clip = (s: string) => (s.length > BUTTON_TEXT_MAX ? `${s.slice(0, BUTTON_TEXT_MAX - 1)}…` : s);
  return {
    inline_keyboard: [
      ...options.map((o, i) => [{ text: clip(o), callback_data: helpCallbackData(rowId, i) }]),
      // The answer may be easier to give on the screen itself: open the desktop, take over, type it.
      open ? [{ text: "Dismiss", callback_data: helpCallbackData(rowId, "d") }, open] : [{ text: "Dismiss", callback_data: helpCallbackData(rowId, "d") }],
    ],
  };
}

function helpLines(r: HelpRequest): RichLine[] {
  return [
    line(bold(r.secret ? "🔒 Secret question" : "🙋 Help needed"), " · task ", code(r.taskId), r.desktopId ? ` on ${r.desktopId}` : ""),
    ...paragraph(r.question),
    ...(r.options?.length ? r.options.map((o, i) => line(`${i + 1}. ${o}`)) : []),
    r.secret
      ? line("Reply to this message with the answer. It goes to the agent only; in a private chat I delete your reply at once (in a group, delete it yourself).")
      : line(r.options?.length ? "Pick an option, or reply to this message with your own answer." : "Reply to this message with your answer."),
  ];
}

/**
 * Posts a help request to every allowed chat: the question, the latest screenshot when there is one,
 * and a button per offered option. Each post is remembered so a button press or a reply finds the
 * request again. Never throws: a failed post must not affect the task.
 */
export async function sendHelpRequest(env: Env, request: HelpRequest): Promise<void> {
  const cfg = telegramConfig(env);
  if (!cfg || cfg.allowedChats.size === 0) return;
  const api = telegramApi(cfg);
  let png: Uint8Array | null = null;
  if (request.screenshotKey?.startsWith(`tasks/${request.taskId}/`)) {
    const obj = await env.SCREENSHOTS.get(request.screenshotKey).catch(() => null);
    png = obj ? new Uint8Array(await obj.arrayBuffer()) : null;
  }
  for (const chatId of cfg.allowedChats) {
    // The row id goes into the buttons, so the row exists first; a unique placeholder stands in for the message id.
    const row = await addHelpMessage(env.DB, { requestId: request.id, chatId, messageId: -Date.now() - Math.floor(Math.random() * 1e6), createdAt: Date.now() });
    try {
      const markup = keyboard(row.id, request.options ?? [], request.desktopId ? openDesktopButton(env, chatId, request.desktopId) : null);
      const sent = png
        ? await sendPhotoWithLines(api, chatId, png, "screenshot.png", helpLines(request), markup)
        : (await sendLines(api, chatId, helpLines(request), markup)).at(-1)!;
      await setHelpMessageId(env.DB, row.id, sent.message_id);
    } catch (err) {
      await deleteHelpMessage(env.DB, row.id);
      console.error("telegram: posting help request", request.id, "to a chat failed:", err instanceof Error ? err.message : String(err));
    }
  }
}
