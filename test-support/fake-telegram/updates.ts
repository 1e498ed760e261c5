import type { CallbackQuery, Chat, Message, Update } from "grammy/types";
import { makePng } from "../scripted-anthropic/test-images.ts";
import { autoEntities } from "./entities.ts";
import { photoSizes } from "./methods.ts";
import { now, type BotWorld } from "./state.ts";

/**
 * Update payloads as Telegram sends them to a webhook. Messages a person sends are stored like the
 * bot's own, so later replies and callback queries can point at them.
 */
export type UpdateBody = Omit<Update, "update_id">;

function replyTo(w: BotWorld, chat: Chat, messageId: number | undefined): Partial<Message> {
  if (messageId === undefined) return {};
  const target = w.message(chat.id, messageId);
  if (!target) throw new Error(`fake-telegram: chat ${chat.id} has no message ${messageId} to reply to`);
  const { reply_to_message: _nested, ...flat } = target;
  return { reply_to_message: flat } as unknown as Partial<Message>;
}

export function textMessage(w: BotWorld, chat: Chat, text: string, opts: { replyTo?: number; from?: number } = {}): UpdateBody {
  if (text.length === 0 || text.length > 4096) throw new Error("fake-telegram: a person's message is 1-4096 characters");
  const f = autoEntities({ text, entities: [] });
  const message = w.store({
    message_id: w.mintMessageId(chat.id),
    from: w.userOf(chat, opts.from),
    chat,
    date: now(),
    ...replyTo(w, chat, opts.replyTo),
    text: f.text,
    ...(f.entities.length ? { entities: f.entities } : {}),
  } as Message);
  return { message } as unknown as UpdateBody;
}

export function photoMessage(w: BotWorld, chat: Chat, opts: { caption?: string; width?: number; height?: number; replyTo?: number } = {}): UpdateBody {
  const width = opts.width ?? 1280;
  const height = opts.height ?? 720;
  const bytes = new Uint8Array(makePng(width, height));
  const fileId = w.mintId("AgACAgIAAxkBAAI");
  w.files.set(fileId, { fileId, fileUniqueId: w.mintId("AQAD"), upload: { name: "photo.png", type: "image/png", bytes }, url: null });
  const caption = opts.caption ? autoEntities({ text: opts.caption, entities: [] }) : null;
  const message = w.store({
    message_id: w.mintMessageId(chat.id),
    from: w.userOf(chat),
    chat,
    date: now(),
    ...replyTo(w, chat, opts.replyTo),
    photo: photoSizes(w, fileId, width, height, bytes.length),
    ...(caption ? { caption: caption.text, ...(caption.entities.length ? { caption_entities: caption.entities } : {}) } : {}),
  } as Message);
  return { message } as unknown as UpdateBody;
}

/** A press on an inline button: only data that is on a button of that bot message can be sent, as in Telegram. */
export function callbackQuery(w: BotWorld, chat: Chat, messageId: number, data: string, from?: number): UpdateBody {
  const message = w.message(chat.id, messageId);
  if (!message) throw new Error(`fake-telegram: chat ${chat.id} has no message ${messageId}`);
  if (message.from?.id !== w.me.id) throw new Error(`fake-telegram: message ${messageId} was not sent by the bot`);
  const offered = w.callbackDataOf(message.reply_markup);
  if (!offered.includes(data)) throw new Error(`fake-telegram: message ${messageId} has no button with callback_data ${JSON.stringify(data)} (it has ${JSON.stringify(offered)})`);
  const id = String(BigInt(chat.id < 0 ? -chat.id : chat.id) * 1_000_000n + BigInt(w.callbackQueries.size + 1));
  w.callbackQueries.set(id, { answered: false, chatId: chat.id });
  const query: CallbackQuery = { id, from: w.userOf(chat, from), message, chat_instance: `-${Math.abs(chat.id) * 7 + 3}`, data };
  return { callback_query: query };
}

export const updateType = (u: UpdateBody): string => Object.keys(u)[0] ?? "unknown";
