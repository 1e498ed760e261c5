import { InputFile } from "grammy";
import type { InlineKeyboardMarkup, Message } from "grammy/types";
import { speechOf } from "../speech/workers-ai-speech.ts";
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

/**
 * With TELEGRAM_VOICE_REPLIES=true, the supervisor's answer also as a voice note (Workers AI
 * text-to-speech). A voice note is an extra: when it cannot be made, the text already went, so the
 * failure is logged, never thrown. Null when off or not sent.
 */
export async function sendVoiceReplyToTelegramChat(env: Env, chatId: number, text: string): Promise<Message | null> {
  if (env.TELEGRAM_VOICE_REPLIES?.trim().toLowerCase() !== "true") return null;
  const cfg = telegramConfig(env);
  if (!cfg || !cfg.allowedChats.has(chatId) || !text.trim()) return null;
  const speech = speechOf(env);
  if (!speech) {
    console.warn("telegram: TELEGRAM_VOICE_REPLIES is true but Workers AI is not bound ([ai] binding = \"AI\" in wrangler.toml); sending text only");
    return null;
  }
  try {
    const audio = await speech.speak(text);
    return await telegramApi(cfg).sendVoice(chatId, new InputFile(audio, "reply.mp3"));
  } catch (err) {
    console.warn("telegram: a voice reply could not be sent:", err instanceof Error ? err.message : String(err));
    return null;
  }
}

/** The chats notifications go to: every allowed chat. */
export function telegramChats(env: Env): number[] {
  return [...(telegramConfig(env)?.allowedChats ?? [])];
}
