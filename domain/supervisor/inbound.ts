/**
 * A person's message to the supervisor from any chat channel (Telegram today), already made
 * channel-neutral: its text, and its files stored in R2 under the conversation
 * (`conversationFileKey`), each with an id the supervisor sees and can hand to `create_task`.
 * A channel produces it; SupervisorDO turns it into one user turn (`inboundContent`).
 */
import type { ContentBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";

/**
 * How the supervisor is shown a file: an image block, a PDF document block, the text itself
 * (capped), or only a line naming it (it can still pass it to a task).
 */
export type AttachmentKind = "image" | "pdf" | "text" | "file";

export type InboundAttachment = {
  /** `att_…`, unique in the conversation; the supervisor names it in create_task's `attachments`. */
  id: string;
  name: string;
  contentType: string;
  bytes: number;
  kind: AttachmentKind;
  /** For `text`: the file's text, at most MAX_TEXT_CHARS; `truncated` when it was longer. */
  text?: string;
  truncated?: boolean;
  /** Why a file that could have been shown is only attached (too big for the model, a format it does not read). */
  note?: string;
  /** Pixel size of an image, when known. */
  width?: number;
  height?: number;
};

export type ChannelInbound = {
  conversationId: string;
  /** The channel's name, for the transcript ("telegram"). */
  channel: string;
  from: { id: string; name: string };
  text: string;
  attachments: InboundAttachment[];
  /** The text of the message this one replies to, if any. */
  replyTo: string | null;
  /** A correction of an earlier message: the supervisor is told "(edited) …". */
  edited: boolean;
  /** Parts of one album share it; SupervisorDO collects them into one turn. */
  groupId: string | null;
  at: number;
};

/** Text files are given to the model up to this many characters. */
export const MAX_TEXT_CHARS = 50_000;
/** The Messages API refuses an image over 5 MB; base64 grows by a third. */
export const MAX_IMAGE_BYTES = Math.floor((5 * 1024 * 1024 * 3) / 4);
/** PDFs beyond this stay attachments: a 32 MB request holds the conversation as well. */
export const MAX_PDF_BYTES = 10 * 1024 * 1024;
/** Image formats the Messages API reads. */
export const MODEL_IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/** The reference an image or PDF block carries in the stored conversation; resolved from R2 before each model call. */
export const ATTACHMENT_URL_PREFIX = "deskfleet-attachment:";

export const humanSize = (n: number): string =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} kB` : `${n} bytes`;

function label(a: InboundAttachment): string {
  const size = a.width && a.height ? `${a.width}×${a.height}, ${humanSize(a.bytes)}` : humanSize(a.bytes);
  return `[${a.kind === "image" ? "image" : "file"} ${a.id}: ${a.name} (${a.contentType}, ${size})${a.note ? `; ${a.note}` : ""}]`;
}

function attachmentBlocks(a: InboundAttachment): ContentBlockParam[] {
  const ref = `${ATTACHMENT_URL_PREFIX}${a.id}`;
  switch (a.kind) {
    case "image":
      return [{ type: "text", text: label(a) }, { type: "image", source: { type: "url", url: ref } }];
    case "pdf":
      return [{ type: "text", text: label(a) }, { type: "document", source: { type: "url", url: ref }, title: a.name.slice(0, 500) }];
    case "text":
      return [{ type: "text", text: `${label(a)}\n${a.text ?? ""}${a.truncated ? `\n[the file is longer; only its first ${MAX_TEXT_CHARS} characters are shown]` : ""}` }];
    case "file":
      return [{ type: "text", text: label(a) }];
  }
}

/**
 * One user turn from one message or an album's parts, in order: what it replies to, the text
 * (marked when edited), then each file; and the line that tells the supervisor how to delegate them.
 */
export function inboundContent(parts: ChannelInbound[]): { blocks: ContentBlockParam[]; text: string; attachments: InboundAttachment[] } {
  const first = parts[0];
  const blocks: ContentBlockParam[] = [];
  if (first?.replyTo) blocks.push({ type: "text", text: `(replying to: ${first.replyTo.slice(0, 500)})` });
  const texts = parts.map((p) => p.text.trim()).filter(Boolean);
  const edited = parts.some((p) => p.edited);
  const text = texts.join("\n");
  if (text) blocks.push({ type: "text", text: edited ? `(edited) ${text}` : text });
  const attachments = parts.flatMap((p) => p.attachments);
  for (const a of attachments) blocks.push(...attachmentBlocks(a));
  if (attachments.length > 0) {
    blocks.push({ type: "text", text: `[to give these files to a desktop agent, pass their ids (${attachments.map((a) => a.id).join(", ")}) in create_task's attachments]` });
  }
  if (blocks.length === 0) blocks.push({ type: "text", text: "(empty message)" });
  return { blocks, text: edited && text ? `(edited) ${text}` : text, attachments };
}
