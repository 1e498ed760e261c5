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

export function photoMessage(w: BotWorld, chat: Chat, opts: { caption?: string; width?: number; height?: number; replyTo?: number; mediaGroupId?: string } = {}): UpdateBody {
  const width = opts.width ?? 1280;
  const height = opts.height ?? 720;
  const bytes = new Uint8Array(makePng(width, height));
  const fileId = w.mintId("AgACAgIAAxkBAAI");
  w.files.set(fileId, { fileId, fileUniqueId: w.mintId("AQAD"), kind: "photo", upload: { name: "photo.png", type: "image/png", bytes }, url: null, path: null });
  return personMessage(w, chat, { photo: photoSizes(w, fileId, width, height, bytes.length) }, opts);
}

/** What a person's message carries besides the common fields; stored like the bot's own messages. */
function personMessage(w: BotWorld, chat: Chat, content: Partial<Message>, opts: { caption?: string; replyTo?: number; from?: number; mediaGroupId?: string } = {}): UpdateBody {
  const caption = opts.caption ? autoEntities({ text: opts.caption, entities: [] }) : null;
  const message = w.store({
    message_id: w.mintMessageId(chat.id),
    from: w.userOf(chat, opts.from),
    chat,
    date: now(),
    ...replyTo(w, chat, opts.replyTo),
    ...(opts.mediaGroupId ? { media_group_id: opts.mediaGroupId } : {}),
    ...content,
    ...(caption ? { caption: caption.text, ...(caption.entities.length ? { caption_entities: caption.entities } : {}) } : {}),
  } as Message);
  return { message } as unknown as UpdateBody;
}

export type DocumentSpec = { name: string; mimeType: string; bytes: Uint8Array; caption?: string; mediaGroupId?: string; replyTo?: number };

/** A file sent as a document: its name and MIME type as the person's app reported them, its real size. */
export function documentMessage(w: BotWorld, chat: Chat, d: DocumentSpec): UpdateBody {
  const fileId = w.mintId("BQACAgIAAxkBAAI");
  const fileUniqueId = w.mintId("AgAD");
  w.files.set(fileId, { fileId, fileUniqueId, kind: "document", upload: { name: d.name, type: d.mimeType, bytes: d.bytes }, url: null, path: null });
  return personMessage(w, chat, { document: { file_id: fileId, file_unique_id: fileUniqueId, file_name: d.name, mime_type: d.mimeType, file_size: d.bytes.length } }, d);
}

/** A voice note as Telegram's apps record it: Ogg Opus, `audio/ogg`, its duration in whole seconds. */
export function voiceMessage(w: BotWorld, chat: Chat, v: { bytes: Uint8Array; seconds: number; replyTo?: number }): UpdateBody {
  const fileId = w.mintId("AwACAgIAAxkBAAI");
  const fileUniqueId = w.mintId("AgAD");
  w.files.set(fileId, { fileId, fileUniqueId, kind: "voice", upload: { name: "voice.oga", type: "audio/ogg", bytes: v.bytes }, url: null, path: null });
  return personMessage(w, chat, { voice: { file_id: fileId, file_unique_id: fileUniqueId, duration: Math.max(1, Math.round(v.seconds)), mime_type: "audio/ogg", file_size: v.bytes.length } }, v);
}

/** A sticker from a set, as Telegram sends it (a 512 px WebP with its thumbnail). */
export function stickerMessage(w: BotWorld, chat: Chat): UpdateBody {
  const fileId = w.mintId("CAACAgIAAxkBAAI");
  const fileUniqueId = w.mintId("AgAD");
  w.files.set(fileId, { fileId, fileUniqueId, kind: "sticker", upload: null, url: null, path: null });
  return personMessage(w, chat, {
    sticker: {
      file_id: fileId, file_unique_id: fileUniqueId, type: "regular", width: 512, height: 512, is_animated: false, is_video: false, emoji: "👍", set_name: "HotCherry",
      thumbnail: { file_id: `${fileId}_thumb`, file_unique_id: `${fileUniqueId}T`, width: 128, height: 128, file_size: 5_412 }, file_size: 21_436,
    },
  });
}

/** A shared location, as a person sends it from the attachment menu. */
export function locationMessage(w: BotWorld, chat: Chat, latitude: number, longitude: number): UpdateBody {
  return personMessage(w, chat, { location: { latitude, longitude } });
}

/** A person edits a message they sent earlier: an `edited_message` update with the new text and `edit_date`. */
export function editedText(w: BotWorld, chat: Chat, messageId: number, text: string): UpdateBody {
  const old = w.message(chat.id, messageId);
  if (!old || old.from?.id === w.me.id) throw new Error(`fake-telegram: chat ${chat.id} has no message ${messageId} of a person to edit`);
  const f = autoEntities({ text, entities: [] });
  const { entities: _e, ...rest } = old;
  const edited = w.store({ ...rest, text: f.text, ...(f.entities.length ? { entities: f.entities } : {}), edit_date: now() } as Message);
  return { edited_message: edited } as unknown as UpdateBody;
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
