import { sendPhotoToTelegramChat, sendToTelegramChat, telegramChats } from "../telegram/outbound.ts";
import { addTaskMessage } from "../../db/telegram.ts";
import type { Notification, NotificationChannel } from "./notifier.ts";

/**
 * The configured Telegram chats (or the notification's own chats among them); nothing when Telegram is off.
 * A message about a task is recorded, so a reply to it continues the task (workers/telegram/agent-routing.ts).
 */
export const telegramChannel = (env: Env): NotificationChannel => ({
  name: "telegram",
  async send(n: Notification) {
    const allowed = telegramChats(env);
    const chats = n.telegramChatIds?.filter((id) => allowed.includes(id)) ?? allowed;
    for (const chatId of chats) {
      const sent = n.photo ? [await sendPhotoToTelegramChat(env, chatId, n.photo, n.lines)] : await sendToTelegramChat(env, chatId, n.lines);
      if (!n.taskId) continue;
      for (const m of sent ?? []) if (m) await addTaskMessage(env.DB, { chatId, messageId: m.message_id, taskId: n.taskId, createdAt: Date.now() });
    }
  },
});
