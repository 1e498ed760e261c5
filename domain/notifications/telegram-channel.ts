import { sendPhotoToTelegramChat, sendToTelegramChat, telegramChats } from "../telegram/outbound.ts";
import type { Notification, NotificationChannel } from "./notifier.ts";

/** The configured Telegram chats (or the notification's own chats among them); nothing when Telegram is off. */
export const telegramChannel = (env: Env): NotificationChannel => ({
  name: "telegram",
  async send(n: Notification) {
    const allowed = telegramChats(env);
    const chats = n.telegramChatIds?.filter((id) => allowed.includes(id)) ?? allowed;
    for (const chatId of chats) {
      if (n.photo) await sendPhotoToTelegramChat(env, chatId, n.photo, n.lines);
      else await sendToTelegramChat(env, chatId, n.lines);
    }
  },
});
