import type { InlineKeyboardMarkup, Message } from "grammy/types";
import { sendDocumentWithCaption, sendLines, sendPhotoWithLines, telegramApi } from "./api.ts";
import { telegramConfig } from "./config.ts";
import { paragraph, type RichLine } from "./rich-text.ts";

/**
 * Messages the control plane starts (notifications, help requests, supervisor replies), as opposed
 * to answers to an update. Only allowed chats are ever written to; null when Telegram is off.
 */
export async function sendToTelegramChat(env: Env, chatId: number, body: RichLine[] | string, markup?: InlineKeyboardMarkup): Promise<Message[] | null> {
  const cfg = telegramConfig(env);
  if (!cfg || !cfg.allowedChats.has(chatId)) return null;
  return sendLines(telegramApi(cfg), chatId, typeof body === "string" ? paragraph(body) : body, markup);
}

export async function sendPhotoToTelegramChat(env: Env, chatId: number, png: Uint8Array, caption: RichLine[] | string, markup?: InlineKeyboardMarkup): Promise<Message | null> {
  const cfg = telegramConfig(env);
  if (!cfg || !cfg.allowedChats.has(chatId)) return null;
  return sendPhotoWithLines(telegramApi(cfg), chatId, png, "screenshot.png", typeof caption === "string" ? paragraph(caption) : caption, markup);
}

/** A file as a document (an artifact a task sent back), to an allowed chat. */
export async function sendDocumentToTelegramChat(env: Env, chatId: number, bytes: Uint8Array, filename: string, caption: string): Promise<Message | null> {
  const cfg = telegramConfig(env);
  if (!cfg || !cfg.allowedChats.has(chatId)) return null;
  return sendDocumentWithCaption(telegramApi(cfg), chatId, bytes, filename, caption);
}

/** The chats notifications go to: every allowed chat. */
export function telegramChats(env: Env): number[] {
  return [...(telegramConfig(env)?.allowedChats ?? [])];
}
