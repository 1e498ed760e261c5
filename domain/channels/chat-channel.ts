import type { HelpRequest, Proposal, TaskSource } from "@deskfleet/protocol";
import type { RichLine } from "./rich-text.ts";

/**
 * A chat platform the control plane talks to people through (Telegram first). Everything the
 * supervisor, TaskDO and the notifier send to people goes through this interface, so a second
 * platform is one new implementation registered in `registry.ts`, and nothing else changes.
 * People's messages coming in are the platform's own webhook's business (`workers/`).
 */
export interface ChatChannel {
  /** Its conversation kind and prefix (`telegram`), and how logs name it. */
  readonly name: string;
  /** The chat a supervisor conversation of this channel talks in, or null when it is not one of ours. */
  chatOfConversation(conversationId: string): ChatId | null;
  /** The chat that started a task (a command in it, or a conversation of it), or null. */
  chatOfTask(task: TaskOrigin): ChatId | null;
  /** Text to a chat. One too long for a few messages goes as a text file with a short lead (`long-text.ts`). */
  sendText(chat: ChatId, body: RichLine[] | string): Promise<void>;
  /** The supervisor's reply in its conversation's chat: the text, and whatever else the platform adds (Telegram: a voice note with TELEGRAM_VOICE_REPLIES). */
  sendReply(chat: ChatId, text: string): Promise<void>;
  /** A file to a chat: an image as a picture, anything else as a document. */
  sendFile(chat: ChatId, file: OutboundFile): Promise<void>;
  /** A task's question, to every chat of the channel that may answer it, with a way to open the desktop. */
  postHelpRequest(request: HelpRequest): Promise<void>;
  /** A proposal, with Approve / Reject, to every chat of the channel. */
  postProposal(proposal: Proposal): Promise<void>;
  /** A decided proposal: its posts say how it was decided instead of offering a choice. */
  showDecision(proposal: Proposal): Promise<void>;
  /** Something worth telling people (a task finished, a fleet alert). */
  notify(n: Notification): Promise<void>;
}

/** A chat's id on its platform, as text (Telegram's are integers, others' are not). */
export type ChatId = string;

/** Where a task came from: enough to find the chat that started it. */
export type TaskOrigin = { source: TaskSource; sourceMeta: Record<string, unknown> | null };

export type OutboundFile = {
  name: string;
  /** The MIME type; `image/png` and `image/jpeg` are shown as pictures. */
  type: string;
  bytes: Uint8Array;
  /** Plain text shown with the file (cut to the platform's limit). */
  caption: string;
  /** The task it belongs to, so a reply to it continues the task. */
  taskId?: string;
};

/** Something worth telling people about, independent of where it is shown. */
export type Notification = {
  level: "info" | "success" | "warning" | "error";
  title: string;
  /** Plain summary for channels without formatting (the fleet feed). */
  body: string;
  /** The full message for chat channels, formatted. */
  lines: RichLine[];
  taskId: string | null;
  /** A PNG to show with it (a task's last screenshot). */
  photo: Uint8Array | null;
  /** A file that goes with it (a result too long for messages). */
  file?: OutboundFile;
  /** The task it is about: its own chat is told instead of every chat. */
  origin?: TaskOrigin;
};
