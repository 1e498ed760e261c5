import type { BotCommand, Chat, Document, InlineKeyboardMarkup, Message, PhotoSize } from "grammy/types";
import { readImageInfo } from "@deskfleet/protocol/image-info";
import { badRequest, BotApiError } from "./bot-api-error.ts";
import { formatText } from "./formatting.ts";
import type { Params } from "./params.ts";
import { now, type BotWorld } from "./state.ts";
import { captionOf, MEDIA_METHODS, readVoice } from "./media-methods.ts";

export const MAX_TEXT = 4096;
export const MAX_CAPTION = 1024;
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** The Bot API's limit for a file a bot uploads. */
const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;
const UPDATE_TYPES = new Set([
  "message", "edited_message", "channel_post", "edited_channel_post", "business_connection", "business_message",
  "edited_business_message", "deleted_business_messages", "message_reaction", "message_reaction_count", "inline_query",
  "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll",
  "poll_answer", "my_chat_member", "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
]);
const CHAT_ACTIONS = new Set([
  "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document",
  "choose_sticker", "find_location", "record_video_note", "upload_video_note",
]);

export type Options = { insecureWebhooks: boolean };
type Method = (p: Params, w: BotWorld, o: Options) => unknown;

export const METHODS: Record<string, Method> = {
  getMe: (_p, w) => w.me,

  sendMessage(p, w) {
    const chat = targetChat(p, w);
    const f = formatText(p, "text");
    if (!f || f.text === "") throw badRequest("message text is empty");
    if (f.text.length > MAX_TEXT) throw badRequest("message is too long");
    return send(w, chat, p, { text: f.text, ...(f.entities.length ? { entities: f.entities } : {}) });
  },

  sendPhoto(p, w) {
    const chat = targetChat(p, w);
    const photo = readPhoto(p, w);
    const f = formatText(p, "caption");
    if (f && f.text.length > MAX_CAPTION) throw badRequest("message caption is too long");
    const caption = f && f.text !== "" ? { caption: f.text, ...(f.entities.length ? { caption_entities: f.entities } : {}) } : {};
    return send(w, chat, p, { photo, ...caption });
  },

  sendDocument(p, w) {
    const chat = targetChat(p, w);
    const document = readDocument(p, w);
    const f = formatText(p, "caption");
    if (f && f.text.length > MAX_CAPTION) throw badRequest("message caption is too long");
    const caption = f && f.text !== "" ? { caption: f.text, ...(f.entities.length ? { caption_entities: f.entities } : {}) } : {};
    return send(w, chat, p, { document, ...caption });
  },

  sendVoice(p, w) {
    const chat = targetChat(p, w);
    const voice = readVoice(p, w);
    return send(w, chat, p, { voice, ...captionOf(p) });
  },

  ...MEDIA_METHODS,

  editMessageText(p, w) {
    if (p.has("inline_message_id")) throw badRequest("inline messages are not supported by this fake");
    const chat = targetChat(p, w);
    const messageId = p.int("message_id");
    if (messageId === undefined) throw badRequest("message identifier is not specified");
    const old = w.message(chat.id, messageId);
    if (!old) throw badRequest("message to edit not found");
    if (old.from?.id !== w.me.id) throw badRequest("message can't be edited");
    if (old.text === undefined) throw badRequest("there is no text in the message to edit");
    const f = formatText(p, "text");
    if (!f || f.text === "") throw badRequest("message text is empty");
    if (f.text.length > MAX_TEXT) throw badRequest("MESSAGE_TOO_LONG");
    const markup = inlineMarkup(p, chat);
    const same = f.text === old.text && JSON.stringify(f.entities) === JSON.stringify(old.entities ?? []) &&
      JSON.stringify(markup ?? null) === JSON.stringify(old.reply_markup ?? null);
    if (same) {
      throw badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
    }
    const { entities: _e, reply_markup: _r, ...rest } = old;
    return w.store({ ...rest, text: f.text, ...(f.entities.length ? { entities: f.entities } : {}), ...(markup ? { reply_markup: markup } : {}), edit_date: now() } as Message);
  },

  /**
   * Telegram's rules for bots: a message younger than 48 hours; the bot's own
   * messages anywhere, other people's only in private chats (in groups that
   * needs admin rights, which this fake does not model: refused).
   */
  deleteMessage(p, w) {
    const chat = targetChat(p, w);
    const messageId = p.int("message_id");
    if (messageId === undefined) throw badRequest("message identifier is not specified");
    const m = w.message(chat.id, messageId);
    if (!m) throw badRequest("message to delete not found");
    if (now() - m.date > 48 * 3600) throw badRequest("message can't be deleted for everyone");
    if (m.from?.id !== w.me.id && chat.type !== "private") throw badRequest("message can't be deleted");
    w.remove(m);
    return true;
  },

  answerCallbackQuery(p, w) {
    const id = p.string("callback_query_id");
    if (!id) throw badRequest("QUERY_ID_INVALID");
    const q = w.callbackQueries.get(id);
    if (!q || q.answered) throw badRequest("query is too old and response timeout expired or query ID is invalid");
    const text = p.string("text");
    if (text !== undefined && text.length > 200) throw badRequest("MESSAGE_TOO_LONG");
    q.answered = true;
    return true;
  },

  setMyCommands(p, w) {
    const commands = p.json("commands", "commands");
    if (commands === undefined) throw badRequest("parameter \"commands\" is required");
    if (!Array.isArray(commands)) throw badRequest("field \"commands\" must be an Array");
    if (commands.length > 100) throw badRequest("too many commands specified");
    const clean: BotCommand[] = commands.map((c) => {
      if (typeof c !== "object" || c === null || typeof c.command !== "string" || typeof c.description !== "string") throw badRequest("can't parse BotCommand");
      if (!/^[a-z0-9_]{1,32}$/.test(c.command)) throw badRequest("BOT_COMMAND_INVALID");
      if (c.description.trim().length < 1 || c.description.length > 256) throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
      return { command: c.command, description: c.description };
    });
    if (new Set(clean.map((c) => c.command)).size !== clean.length) throw badRequest("BOT_COMMAND_INVALID");
    w.commands.set(scopeKey(p), clean);
    return true;
  },

  getMyCommands: (p, w) => w.commands.get(scopeKey(p)) ?? [],

  setWebhook(p, w, o) {
    const url = p.string("url") ?? "";
    if (url === "") {
      w.webhook = null;
      return true;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest("bad webhook: invalid URL");
    }
    if (parsed.protocol !== "https:" && !(o.insecureWebhooks && parsed.protocol === "http:")) {
      throw badRequest("bad webhook: An HTTPS URL must be provided for webhook");
    }
    const secret = p.string("secret_token");
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw badRequest("secret token contains unallowed characters");
    const allowed = p.json("allowed_updates", "allowed updates");
    if (allowed !== undefined && (!Array.isArray(allowed) || allowed.some((u) => typeof u !== "string" || !UPDATE_TYPES.has(u)))) {
      throw badRequest("can't parse allowed updates JSON object");
    }
    const max = p.int("max_connections") ?? 40;
    if (max < 1 || max > 100) throw badRequest("bad webhook: max_connections must be between 1 and 100");
    p.bool("drop_pending_updates");
    w.webhook = {
      url,
      secretToken: secret ?? null,
      allowedUpdates: (allowed as string[] | undefined) ?? w.webhook?.allowedUpdates ?? null,
      maxConnections: max,
      setAt: now(),
    };
    return true;
  },

  deleteWebhook(p, w) {
    p.bool("drop_pending_updates");
    w.webhook = null;
    return true;
  },

  getWebhookInfo: (_p, w) => ({
    url: w.webhook?.url ?? "",
    has_custom_certificate: false,
    pending_update_count: 0,
    ...(w.webhook ? { max_connections: w.webhook.maxConnections, ip_address: "127.0.0.1" } : {}),
    ...(w.webhook?.allowedUpdates ? { allowed_updates: w.webhook.allowedUpdates } : {}),
  }),

  sendChatAction(p, w) {
    targetChat(p, w);
    const action = p.string("action");
    if (!action || !CHAT_ACTIONS.has(action)) throw badRequest("wrong parameter action in request");
    return true;
  },
};

function scopeKey(p: Params): string {
  const scope = p.json("scope", "bot command scope") as { type?: unknown } | undefined;
  return `${typeof scope?.type === "string" ? scope.type : "default"}:${p.string("language_code") ?? ""}`;
}

/** The chat a method targets: it must exist (someone wrote to the bot) and not have blocked the bot. */
export function targetChat(p: Params, w: BotWorld): Chat {
  const raw = p.raw["chat_id"];
  if (raw === undefined || raw === null || raw === "") throw badRequest("chat_id is empty");
  let chat: Chat | undefined;
  if (typeof raw === "string" && raw.startsWith("@")) {
    chat = [...w.chats.values()].find((c) => "username" in c && `@${c.username}` === raw);
  } else {
    const id = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(id)) throw badRequest("chat not found");
    chat = w.chats.get(id);
  }
  if (!chat) throw badRequest("chat not found");
  if (w.blocked.has(chat.id)) throw new BotApiError(403, "Forbidden: bot was blocked by the user");
  return chat;
}

function inlineMarkup(p: Params, chat?: Chat): InlineKeyboardMarkup | undefined {
  const m = p.json("reply_markup", "reply keyboard markup") as Record<string, unknown> | undefined;
  if (m === undefined) return undefined;
  if (typeof m !== "object" || m === null) throw badRequest("can't parse reply keyboard markup JSON object");
  if (!("inline_keyboard" in m)) {
    if ("keyboard" in m || "remove_keyboard" in m || "force_reply" in m) return m as never;
    throw badRequest("can't parse reply keyboard markup JSON object");
  }
  const rows = m["inline_keyboard"];
  if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) throw badRequest("field \"inline_keyboard\" must be an Array of Arrays");
  for (const button of rows.flat() as Record<string, unknown>[]) {
    if (typeof button !== "object" || button === null || typeof button["text"] !== "string" || button["text"] === "") {
      throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
    }
    const kinds = ["callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat", "web_app", "login_url", "copy_text", "pay"]
      .filter((k) => k in button);
    if (kinds.length !== 1) throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
    if ("callback_data" in button) {
      const data = button["callback_data"];
      const bytes = typeof data === "string" ? new TextEncoder().encode(data).length : 0;
      if (bytes < 1 || bytes > 64) throw badRequest("BUTTON_DATA_INVALID");
    }
    if ("url" in button) {
      const url = button["url"];
      if (typeof url !== "string" || !/^(https?|tg):\/\/\S+$/.test(url)) throw badRequest("BUTTON_URL_INVALID");
    }
    if ("web_app" in button) {
      // A Web App opens over HTTPS only, and an inline web_app button exists only in a private chat with the bot.
      const app = button["web_app"] as { url?: unknown } | null;
      if (typeof app !== "object" || app === null || typeof app.url !== "string") throw badRequest("can't parse inline keyboard button: Field \"url\" must be of type String");
      if (!/^https:\/\/[^\s/]+\S*$/.test(app.url)) throw badRequest(`inline keyboard button Web App URL '${app.url}' is invalid: Only HTTPS links are allowed`);
      if (chat && chat.type !== "private") throw badRequest("BUTTON_TYPE_INVALID");
    }
  }
  return m as unknown as InlineKeyboardMarkup;
}

/** Builds, stores and returns a message the bot sends, with a reply and markup if asked. */
function send(w: BotWorld, chat: Chat, p: Params, content: Partial<Message>): Message {
  const markup = inlineMarkup(p, chat);
  const reply = replyTarget(p, w, chat);
  const message = {
    message_id: w.mintMessageId(chat.id),
    from: { id: w.me.id, is_bot: true, first_name: w.me.first_name, username: w.me.username },
    chat,
    date: now(),
    ...(reply ? { reply_to_message: reply } : {}),
    ...content,
    ...(markup && "inline_keyboard" in markup ? { reply_markup: markup } : {}),
  } as Message;
  return w.store(message);
}

function replyTarget(p: Params, w: BotWorld, chat: Chat): Message | undefined {
  const params = p.json("reply_parameters", "reply parameters") as { message_id?: unknown; allow_sending_without_reply?: unknown } | undefined;
  const id = params ? params.message_id : p.int("reply_to_message_id");
  if (id === undefined) return undefined;
  if (typeof id !== "number" || !Number.isSafeInteger(id)) throw badRequest("can't parse reply parameters JSON object");
  const target = w.message(chat.id, id);
  if (!target) {
    if (params?.allow_sending_without_reply === true || p.bool("allow_sending_without_reply")) return undefined;
    throw badRequest("message to be replied not found");
  }
  // Telegram does not nest replies: the replied-to message comes without its own reply_to_message.
  const { reply_to_message: _nested, ...flat } = target;
  return flat as Message;
}

/** A photo as a multipart upload (`attach://name` or the field itself), a URL, or a known file_id. */
function readPhoto(p: Params, w: BotWorld): PhotoSize[] {
  const raw = p.raw["photo"];
  if (raw === undefined || raw === null || raw === "") throw badRequest("there is no photo in the request");
  const fieldName = typeof raw === "object" && raw !== null && "file" in raw ? String((raw as { file: unknown }).file)
    : typeof raw === "string" && raw.startsWith("attach://") ? raw.slice("attach://".length)
    : null;
  if (fieldName !== null) {
    const upload = p.files.get(fieldName);
    if (!upload) throw badRequest("there is no photo in the request");
    if (upload.bytes.length > MAX_PHOTO_BYTES) throw badRequest("file is too big");
    const info = readImageInfo(upload.bytes);
    if (!info) throw badRequest("IMAGE_PROCESS_FAILED");
    const fileId = w.mintId("AgACAgIAAxkBAAI");
    w.files.set(fileId, { fileId, fileUniqueId: w.mintId("AQAD"), kind: "photo", upload, url: null, path: null });
    return photoSizes(w, fileId, info.width, info.height, upload.bytes.length);
  }
  if (typeof raw !== "string") throw badRequest("wrong file identifier/HTTP URL specified");
  if (/^https?:\/\/\S+$/.test(raw)) {
    const fileId = w.mintId("AgACAgIAAxkBAAI");
    w.files.set(fileId, { fileId, fileUniqueId: w.mintId("AQAD"), kind: "photo", upload: null, url: raw, path: null });
    return photoSizes(w, fileId, 1280, 800, 0);
  }
  const known = w.files.get(raw);
  if (!known) throw badRequest("wrong file identifier/HTTP URL specified");
  const info = known.upload ? readImageInfo(known.upload.bytes) : null;
  return photoSizes(w, raw, info?.width ?? 1280, info?.height ?? 800, known.upload?.bytes.length ?? 0);
}

/** A document as a multipart upload (`attach://name` or the field itself), an http(s) URL, or a file_id it handed out. */
function readDocument(p: Params, w: BotWorld): Document {
  const raw = p.raw["document"];
  if (raw === undefined || raw === null || raw === "") throw badRequest("there is no document in the request");
  const fieldName = typeof raw === "object" && raw !== null && "file" in raw ? String((raw as { file: unknown }).file)
    : typeof raw === "string" && raw.startsWith("attach://") ? raw.slice("attach://".length)
    : null;
  if (fieldName !== null) {
    const upload = p.files.get(fieldName);
    if (!upload) throw badRequest("there is no document in the request");
    if (upload.bytes.length === 0) throw badRequest("file must be non-empty");
    if (upload.bytes.length > MAX_DOCUMENT_BYTES) throw badRequest("file is too big");
    const fileId = w.mintId("BQACAgIAAxkBAAI");
    const fileUniqueId = w.mintId("AgAD");
    w.files.set(fileId, { fileId, fileUniqueId, kind: "document", upload, url: null, path: null });
    return { file_id: fileId, file_unique_id: fileUniqueId, file_name: upload.name, mime_type: upload.type, file_size: upload.bytes.length };
  }
  if (typeof raw !== "string") throw badRequest("wrong file identifier/HTTP URL specified");
  const known = w.files.get(raw);
  if (known?.upload) return { file_id: raw, file_unique_id: known.fileUniqueId, file_name: known.upload.name, mime_type: known.upload.type, file_size: known.upload.bytes.length };
  if (/^https?:\/\/\S+$/.test(raw)) {
    const fileId = w.mintId("BQACAgIAAxkBAAI");
    w.files.set(fileId, { fileId, fileUniqueId: w.mintId("AgAD"), kind: "document", upload: null, url: raw, path: null });
    return { file_id: fileId, file_unique_id: w.files.get(fileId)!.fileUniqueId };
  }
  throw badRequest("wrong file identifier/HTTP URL specified");
}

/** Telegram answers a photo with several sizes: thumbnails up to 90, 320, 800 and 1280 px and the original (≤ 2560). */
export function photoSizes(w: BotWorld, fileId: string, width: number, height: number, bytes: number): PhotoSize[] {
  const longest = Math.max(width, height);
  const sides = [90, 320, 800, 1280].filter((s) => s < longest);
  sides.push(Math.min(longest, 2560));
  return sides.map((side, i) => {
    const scale = side / longest;
    const last = i === sides.length - 1;
    return {
      file_id: last ? fileId : `${fileId}_${side}`,
      file_unique_id: `${w.files.get(fileId)?.fileUniqueId ?? "AQAD"}${side}`,
      width: Math.max(1, Math.round(width * scale)),
      height: Math.max(1, Math.round(height * scale)),
      ...(bytes ? { file_size: Math.round(bytes * scale * scale) || 1 } : {}),
    };
  });
}
