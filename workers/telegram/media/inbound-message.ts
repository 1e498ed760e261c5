import type { Message } from "grammy/types";
import type { BotContext } from "../context.ts";
import type { ChannelInbound, InboundAttachment } from "../../../domain/supervisor/inbound.ts";
import { humanSize } from "../../../domain/supervisor/inbound.ts";
import { sniffImageFormat } from "@deskfleet/protocol/image-info";
import { describeFile, storeInboundFile } from "../../../domain/supervisor/inbound-files.ts";
import { speechOf } from "../../../domain/speech/workers-ai-speech.ts";
import { escapeMarkdownV2 } from "../../../domain/telegram/rich-text.ts";
import { telegramConfig } from "../../../domain/telegram/config.ts";
import { downloadTelegramFile, TELEGRAM_DOWNLOAD_LIMIT } from "./telegram-files.ts";

/** Content Telegram can carry that the supervisor does not take; each gets one short reply. */
const UNSUPPORTED: Record<string, string> = {
  sticker: "stickers", poll: "polls", location: "locations", venue: "places", contact: "contacts", dice: "dice",
  video: "videos", video_note: "video messages", animation: "GIFs", game: "games", story: "stories", paid_media: "paid media",
};

export const UNDERSTOOD = "I understand text, photos, documents (PDFs, text files and other files up to 20 MB) and voice notes.";

export const VOICE_NOT_CONFIGURED =
  "Voice notes are not configured here: they are transcribed by Workers AI. Add an [ai] section with binding = \"AI\" to wrangler.toml and deploy (npm run deploy); until then, type the message.";

/** What a message is, for the supervisor: something it takes, something unsupported (named), or nothing to answer (service messages). */
export function messageKind(m: Message): "content" | { unsupported: string } | "ignore" {
  if (m.text !== undefined || m.photo || m.document || m.voice || m.audio) return "content";
  const key = Object.keys(UNSUPPORTED).find((k) => k in m);
  return key ? { unsupported: UNSUPPORTED[key]! } : "ignore";
}

/** The text without the bot's own @mention (how people address it in a group). */
export function withoutMention(text: string, username: string): string {
  return text.replace(new RegExp(`(^|\\s)@${username}(?![A-Za-z0-9_])`, "gi"), "$1").trim();
}

type Built = { inbound: ChannelInbound } | { reply: string };

/**
 * A message (or an edit of one) as the supervisor's `ChannelInbound`: its text or caption, its
 * photo (largest size) or document fetched from Telegram and stored in R2, a voice note
 * transcribed (👀, then the transcript echoed). Returns what to tell the person instead when the
 * file cannot be taken (too big, voice not configured); nothing is downloaded then.
 */
export async function buildInbound(env: Env, ctx: BotContext, conversationId: string): Promise<Built> {
  const m = (ctx.message ?? ctx.editedMessage)!;
  const edited = ctx.editedMessage !== undefined;
  const cfg = telegramConfig(env)!;
  let text = withoutMention(m.text ?? m.caption ?? "", ctx.me.username);
  const attachments: InboundAttachment[] = [];

  // An edit changes the text or caption; its media were taken with the original message.
  if (!edited) {
    const file = m.photo?.at(-1) ?? m.document;
    if (file) {
      if ((file.file_size ?? 0) > TELEGRAM_DOWNLOAD_LIMIT) {
        const name = m.document?.file_name ?? "That photo";
        return { reply: `${name} is ${humanSize(file.file_size!)}; Telegram lets bots download files up to 20 MB. Send a smaller file (split it, or compress it), or put it somewhere a task can fetch it and send the link.` };
      }
      const bytes = await downloadTelegramFile(ctx.api, cfg, file.file_id);
      const photo = m.photo?.at(-1);
      const name = m.document?.file_name ?? `photo-${m.message_id}.${(sniffImageFormat(bytes) ?? "image/jpeg").slice("image/".length).replace("jpeg", "jpg")}`;
      const description = describeFile(name, m.document?.mime_type ?? null, bytes, photo ? { width: photo.width, height: photo.height } : undefined);
      attachments.push(await storeInboundFile(env, conversationId, description, bytes));
    }
    const voice = m.voice ?? m.audio;
    if (voice) {
      const speech = speechOf(env);
      if (!speech) return { reply: VOICE_NOT_CONFIGURED };
      if ((voice.file_size ?? 0) > TELEGRAM_DOWNLOAD_LIMIT) return { reply: `That recording is ${humanSize(voice.file_size!)}; Telegram lets bots download files up to 20 MB. Send a shorter one.` };
      await ctx.api.setMessageReaction(m.chat.id, m.message_id, [{ type: "emoji", emoji: "👀" }]);
      let said: string;
      try {
        said = await speech.transcribe(await downloadTelegramFile(ctx.api, cfg, voice.file_id));
      } catch (err) {
        console.warn("telegram: transcribing a voice note failed:", err instanceof Error ? err.message : String(err));
        return { reply: "I could not transcribe that voice note (the speech model failed); try again in a moment, or type it." };
      }
      if (!said) return { reply: "I could not make out any words in that voice note; try again closer to the microphone, or type it." };
      await ctx.reply(`_${escapeMarkdownV2(said.slice(0, 4000))}_`, { parse_mode: "MarkdownV2", reply_parameters: { message_id: m.message_id } });
      text = [said, text].filter(Boolean).join("\n");
    }
  }
  const replied = m.reply_to_message;
  return {
    inbound: {
      conversationId,
      channel: "telegram",
      from: { id: String(ctx.from?.id ?? m.chat.id), name: [ctx.from?.first_name, ctx.from?.last_name].filter(Boolean).join(" ") || "someone" },
      text,
      attachments,
      replyTo: replied ? (replied.text ?? replied.caption ?? null) : null,
      edited,
      groupId: edited ? null : (m.media_group_id ?? null),
      at: (m.edit_date ?? m.date) * 1000,
    },
  };
}
