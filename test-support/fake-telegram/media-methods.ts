import type { Message, ReactionTypeEmoji } from "grammy/types";
import { readOggOpus, sniffAudio } from "../workers-bindings/audio.ts";
import { badRequest } from "./bot-api-error.ts";
import { formatText } from "./formatting.ts";
import type { Params } from "./params.ts";
import type { BotWorld, StoredFile } from "./state.ts";

/** Telegram's limit for a file a bot downloads (getFile answers "file is too big" above it). */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
/** The Bot API's limit for a file a bot uploads. */
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const MAX_CAPTION = 1024;

/** The emoji a bot may react with: ReactionTypeEmoji's list in the Bot API reference. */
export const REACTION_EMOJI = new Set([
  "👍", "👎", "❤", "🔥", "🥰", "👏", "😁", "🤔", "🤯", "😱", "🤬", "😢", "🎉", "🤩", "🤮", "💩", "🙏", "👌", "🕊", "🤡",
  "🥱", "🥴", "😍", "🐳", "❤‍🔥", "🌚", "🌭", "💯", "🤣", "⚡", "🍌", "🏆", "💔", "🤨", "😐", "🍓", "🍾", "💋", "🖕", "😈",
  "😴", "😭", "🤓", "👻", "👨‍💻", "👀", "🎃", "🙈", "😇", "😨", "🤝", "✍", "🤗", "🫡", "🎅", "🎄", "☃", "💅", "🤪", "🗿",
  "🆒", "💘", "🙉", "🦄", "😘", "💊", "🙊", "😎", "👾", "🤷‍♂", "🤷", "🤷‍♀", "😡",
]);

/** The folder Telegram puts a file in, by the kind of message it came with (as `file_path` shows). */
const FOLDER: Record<StoredFile["kind"], string> = { photo: "photos", document: "documents", voice: "voice", audio: "music", sticker: "stickers", video: "videos" };
const EXTENSION: Record<string, string> = {
  "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf", "audio/ogg": "oga", "audio/mpeg": "mp3",
  "text/plain": "txt", "text/csv": "csv", "application/json": "json", "text/markdown": "md",
};

type Method = (p: Params, w: BotWorld) => unknown;

export const MEDIA_METHODS: Record<string, Method> = {
  /** A file the bot may download: its `file_path` under `/file/bot<token>/`, valid (here: always) for an hour. */
  getFile(p, w) {
    const id = p.string("file_id");
    if (!id) throw badRequest("file_id not specified");
    const f = w.files.get(id);
    if (!f || !f.upload) throw badRequest("invalid file_id");
    if (f.upload.bytes.length > MAX_DOWNLOAD_BYTES) throw badRequest("file is too big");
    if (!f.path) {
      const ext = EXTENSION[f.upload.type] ?? f.upload.name.split(".").pop() ?? "bin";
      f.path = `${FOLDER[f.kind]}/file_${w.mintFileNumber()}.${ext}`;
      w.filesByPath.set(f.path, f);
    }
    return { file_id: id, file_unique_id: f.fileUniqueId, file_size: f.upload.bytes.length, file_path: f.path };
  },

  /** One emoji reaction (a bot without Premium may set one), from Telegram's allowed set; [] removes it. */
  setMessageReaction(p, w) {
    const chat = p.raw["chat_id"];
    const chatId = typeof chat === "number" ? chat : typeof chat === "string" && /^-?\d+$/.test(chat) ? Number(chat) : NaN;
    if (!w.chats.has(chatId)) throw badRequest("chat not found");
    const messageId = p.int("message_id");
    if (messageId === undefined) throw badRequest("message identifier is not specified");
    const message = w.message(chatId, messageId);
    if (!message) throw badRequest("message to react not found");
    const reaction = p.json("reaction", "reaction types") ?? [];
    if (!Array.isArray(reaction)) throw badRequest("can't parse reaction types JSON object");
    if (reaction.length > 1) throw badRequest("REACTIONS_TOO_MANY");
    for (const r of reaction as Partial<ReactionTypeEmoji>[]) {
      if (typeof r !== "object" || r === null || r.type !== "emoji") throw badRequest("REACTION_INVALID");
      if (typeof r.emoji !== "string" || !REACTION_EMOJI.has(r.emoji)) throw badRequest("REACTION_INVALID");
    }
    w.reactions.set(`${chatId}:${messageId}`, (reaction as ReactionTypeEmoji[]).map((r) => r.emoji));
    return true;
  },
};

/**
 * sendVoice's file: Ogg Opus (checked page by page as a player would), or MP3 or M4A, which
 * Telegram also accepts as voice; anything else is refused. Returns the message's `voice`.
 */
export function readVoice(p: Params, w: BotWorld): NonNullable<Message["voice"]> & { caption?: string } {
  const raw = p.raw["voice"];
  if (raw === undefined || raw === null || raw === "") throw badRequest("there is no voice in the request");
  const field = typeof raw === "object" && raw !== null && "file" in raw ? String((raw as { file: unknown }).file)
    : typeof raw === "string" && raw.startsWith("attach://") ? raw.slice("attach://".length)
    : null;
  if (field === null) throw badRequest("wrong file identifier/HTTP URL specified");
  const upload = p.files.get(field);
  if (!upload) throw badRequest("there is no voice in the request");
  if (upload.bytes.length === 0) throw badRequest("file must be non-empty");
  if (upload.bytes.length > MAX_UPLOAD_BYTES) throw badRequest("file is too big");
  const format = sniffAudio(upload.bytes);
  let duration = p.int("duration");
  if (format === "ogg") {
    try {
      const info = readOggOpus(upload.bytes);
      duration ??= Math.round(info.seconds);
    } catch (err) {
      throw badRequest(`VOICE_FILE_INVALID: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else if (format !== "mp3" && format !== "m4a") {
    throw badRequest("VOICE_FILE_INVALID: a voice note is OGG/Opus, MP3 or M4A");
  }
  const fileId = w.mintId("AwACAgIAAxkBAAI");
  const fileUniqueId = w.mintId("AgAD");
  w.files.set(fileId, { fileId, fileUniqueId, kind: "voice", upload, url: null, path: null });
  const mime = format === "ogg" ? "audio/ogg" : format === "mp3" ? "audio/mpeg" : "audio/mp4";
  return { file_id: fileId, file_unique_id: fileUniqueId, duration: duration ?? Math.max(1, Math.round(upload.bytes.length / 16_000)), mime_type: mime, file_size: upload.bytes.length };
}

/** A caption as sendPhoto/sendDocument take it. */
export function captionOf(p: Params): Partial<Message> {
  const f = formatText(p, "caption");
  if (f && f.text.length > MAX_CAPTION) throw badRequest("message caption is too long");
  return f && f.text !== "" ? { caption: f.text, ...(f.entities.length ? { caption_entities: f.entities } : {}) } : {};
}
