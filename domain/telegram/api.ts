import { Api, GrammyError, InputFile } from "grammy";
import type { InlineKeyboardMarkup, Message, UserFromGetMe } from "grammy/types";
import type { TelegramConfig } from "./config.ts";
import type { RichLine } from "./rich-text.ts";
import { splitMessage, type Chunk } from "./split-message.ts";

export const TELEGRAM_CAPTION_LIMIT = 1024;

export const telegramApi = (cfg: TelegramConfig): Api => new Api(cfg.token, { apiRoot: cfg.apiRoot });

// One getMe per isolate and token (keyed by the bot id part, never the secret part).
const botInfoCache = new Map<string, Promise<UserFromGetMe>>();

export function botInfoFor(cfg: TelegramConfig): Promise<UserFromGetMe> {
  if (cfg.botInfo) return Promise.resolve(cfg.botInfo);
  const key = `${cfg.apiRoot}#${cfg.token.split(":")[0]}`;
  let info = botInfoCache.get(key);
  if (!info) {
    info = telegramApi(cfg).getMe();
    info.catch(() => botInfoCache.delete(key));
    botInfoCache.set(key, info);
  }
  return info;
}

const isEntityError = (err: unknown): boolean => err instanceof GrammyError && err.description.includes("can't parse entities");

/** Sends MarkdownV2, and the same text plain if Telegram rejects its entities. */
async function sendChunk(api: Api, chatId: number, chunk: Chunk, markup?: InlineKeyboardMarkup): Promise<Message> {
  const extra = markup ? { reply_markup: markup } : {};
  if (chunk.markdown !== null) {
    try {
      return await api.sendMessage(chatId, chunk.markdown, { parse_mode: "MarkdownV2", ...extra });
    } catch (err) {
      if (!isEntityError(err)) throw err;
      console.warn("telegram: MarkdownV2 rejected, sending plain text:", (err as GrammyError).description);
    }
  }
  return api.sendMessage(chatId, chunk.plain, extra);
}

/** Sends lines as one or more messages of at most 4,096 characters; buttons go on the last one. */
export async function sendLines(api: Api, chatId: number, lines: RichLine[], markup?: InlineKeyboardMarkup): Promise<Message[]> {
  const chunks = splitMessage(lines);
  const sent: Message[] = [];
  for (const [i, chunk] of chunks.entries()) sent.push(await sendChunk(api, chatId, chunk, i === chunks.length - 1 ? markup : undefined));
  return sent;
}

/**
 * Replaces a message's text with the lines (their first 4,096 characters) and its buttons with
 * `markup` (none when absent). An edit that changes nothing is not an error.
 */
export async function editLines(api: Api, chatId: number, messageId: number, lines: RichLine[], markup?: InlineKeyboardMarkup): Promise<void> {
  const [chunk] = splitMessage(lines);
  if (!chunk) return;
  const extra = markup ? { reply_markup: markup } : {};
  try {
    if (chunk.markdown !== null) {
      try {
        await api.editMessageText(chatId, messageId, chunk.markdown, { parse_mode: "MarkdownV2", ...extra });
        return;
      } catch (err) {
        if (!isEntityError(err)) throw err;
      }
    }
    await api.editMessageText(chatId, messageId, chunk.plain, extra);
  } catch (err) {
    if (!(err instanceof GrammyError && err.description.includes("message is not modified"))) throw err;
  }
}

/**
 * A photo with the lines as its caption when they fit in 1,024 characters; otherwise the photo
 * first and the text after it. Returns the message that carries the text (and the buttons).
 */
export async function sendPhotoWithLines(api: Api, chatId: number, png: Uint8Array, filename: string, lines: RichLine[], markup?: InlineKeyboardMarkup): Promise<Message> {
  const [only, ...more] = splitMessage(lines, TELEGRAM_CAPTION_LIMIT);
  const photo = () => new InputFile(png, filename);
  const extra = markup ? { reply_markup: markup } : {};
  if (!only) return api.sendPhoto(chatId, photo(), extra);
  if (more.length === 0) {
    if (only.markdown !== null) {
      try {
        return await api.sendPhoto(chatId, photo(), { caption: only.markdown, parse_mode: "MarkdownV2", ...extra });
      } catch (err) {
        if (!isEntityError(err)) throw err;
      }
    }
    return api.sendPhoto(chatId, photo(), { caption: only.plain, ...extra });
  }
  await api.sendPhoto(chatId, photo());
  const sent = await sendLines(api, chatId, lines, markup);
  return sent.at(-1)!;
}

/** A file as a Telegram document, with a plain caption cut to Telegram's limit. */
export async function sendDocumentWithCaption(api: Api, chatId: number, bytes: Uint8Array, filename: string, caption: string): Promise<Message> {
  const text = caption.length > TELEGRAM_CAPTION_LIMIT ? `${caption.slice(0, TELEGRAM_CAPTION_LIMIT - 1)}…` : caption;
  return api.sendDocument(chatId, new InputFile(bytes, filename), text.trim() ? { caption: text } : {});
}
