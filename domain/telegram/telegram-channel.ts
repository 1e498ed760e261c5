import type { HelpRequest, Proposal } from "@deskfleet/protocol";
import { telegramChatOf } from "@deskfleet/protocol";
import type { Message } from "grammy/types";
import type { ChatChannel, ChatId, Notification, OutboundFile, TaskOrigin } from "../channels/chat-channel.ts";
import { longTextAsFile } from "../channels/long-text.ts";
import { paragraph, type RichLine } from "../channels/rich-text.ts";
import { addTaskMessage } from "../../db/telegram.ts";
import { sendDocumentToTelegramChat, sendPhotoToTelegramChat, sendToTelegramChat, sendVoiceReplyToTelegramChat, telegramChats } from "./outbound.ts";
import { sendHelpRequest } from "./help-requests.ts";
import { sendProposal, showProposalDecision } from "./proposals.ts";
import { TELEGRAM_TEXT_LIMIT } from "./split-message.ts";

/** Telegram shows PNG and JPEG up to 10 MB as photos; anything else goes as a document. */
const PHOTO_MAX_BYTES = 10 * 1024 * 1024;

/** By the bytes, not the declared type: Telegram refuses a "photo" that is not an image. */
function isPicture(file: OutboundFile): boolean {
  const b = file.bytes;
  const png = b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
  const jpeg = b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
  return (png || jpeg) && b.length <= PHOTO_MAX_BYTES && /^image\/(png|jpeg)/.test(file.type);
}

const asChat = (chat: ChatId): number | null => (/^-?\d{1,16}$/.test(chat) ? Number(chat) : null);

/** The chat that started a task: `/run` (or `@agent`) in it, or the supervisor asked in it. */
export function telegramChatOfTask(task: TaskOrigin): number | null {
  if (task.source === "telegram" && typeof task.sourceMeta?.["chatId"] === "number") return task.sourceMeta["chatId"];
  const conversation = task.sourceMeta?.["conversationId"];
  return task.source === "supervisor" && typeof conversation === "string" ? telegramChatOf(conversation) : null;
}

/**
 * Telegram as a chat channel: outbound messages, files, help requests and approvals, all to allowed
 * chats only (outbound.ts checks each). A reply to a message about a task continues the task, so
 * those messages are recorded.
 */
export function telegramChannel(env: Env): ChatChannel {
  const remember = async (chatId: number, sent: (Message | null)[], taskId: string | null | undefined) => {
    if (!taskId) return;
    for (const m of sent) if (m) await addTaskMessage(env.DB, { chatId, messageId: m.message_id, taskId, createdAt: Date.now() });
  };

  const sendFile = async (chatId: number, file: OutboundFile): Promise<void> => {
    const sent = isPicture(file) ? await sendPhotoToTelegramChat(env, chatId, file.bytes, file.caption) : await sendDocumentToTelegramChat(env, chatId, file.bytes, file.name, file.caption);
    await remember(chatId, [sent], file.taskId);
  };

  /** Lines as messages, or, when they are too long for three, as a .txt file with a lead. */
  const sendLines = async (chatId: number, lines: RichLine[], taskId: string | null, name: string): Promise<void> => {
    const long = longTextAsFile(lines.map((l) => l.plain).join("\n"), TELEGRAM_TEXT_LIMIT, name);
    if (long) return sendFile(chatId, { ...long.file, ...(taskId ? { taskId } : {}) });
    await remember(chatId, (await sendToTelegramChat(env, chatId, lines)) ?? [], taskId);
  };

  return {
    name: "telegram",
    chatOfConversation: (conversationId) => {
      const chatId = telegramChatOf(conversationId);
      return chatId === null ? null : String(chatId);
    },
    chatOfTask: (task) => {
      const chatId = telegramChatOfTask(task);
      return chatId === null ? null : String(chatId);
    },
    async sendText(chat, body) {
      const chatId = asChat(chat);
      if (chatId !== null) await sendLines(chatId, typeof body === "string" ? paragraph(body) : body, null, "reply.txt");
    },
    async sendReply(chat, text) {
      const chatId = asChat(chat);
      if (chatId === null) return;
      await sendLines(chatId, paragraph(text), null, "reply.txt");
      await sendVoiceReplyToTelegramChat(env, chatId, text);
    },
    async sendFile(chat, file) {
      const chatId = asChat(chat);
      if (chatId !== null) await sendFile(chatId, file);
    },
    postHelpRequest: (request: HelpRequest) => sendHelpRequest(env, request),
    postProposal: (p: Proposal) => sendProposal(env, p),
    showDecision: (p: Proposal) => showProposalDecision(env, p),
    async notify(n: Notification) {
      const allowed = telegramChats(env);
      const origin = n.origin ? telegramChatOfTask(n.origin) : null;
      // A task's result goes back to the chat that started it; other news to every allowed chat.
      const chats = origin !== null ? allowed.filter((id) => id === origin) : allowed;
      for (const chatId of chats) {
        if (n.photo) await remember(chatId, [await sendPhotoToTelegramChat(env, chatId, n.photo, n.lines)], n.taskId);
        else await sendLines(chatId, n.lines, n.taskId, "message.txt");
        if (n.file) await sendFile(chatId, { ...n.file, ...(n.taskId ? { taskId: n.taskId } : {}) });
      }
    },
  };
}
