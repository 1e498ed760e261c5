import { conversationKind } from "@deskfleet/protocol";
import { sendPhotoToTelegramChat, sendToTelegramChat, sendVoiceReplyToTelegramChat } from "../telegram/outbound.ts";
import { screenshotKey } from "../screenshot-keys.ts";
import type { Channel } from "./tools/tool.ts";

/**
 * Where a conversation's messages go besides its own transcript and live
 * feed: the Telegram chat of a `telegram:<chatId>` conversation. Null for
 * dashboard chats and jobs, whose people read the live feed.
 */
export function externalChannel(env: Env, conversationId: string): Channel | null {
  if (conversationKind(conversationId) !== "telegram") return null;
  const chatId = Number(conversationId.slice("telegram:".length));
  if (!Number.isSafeInteger(chatId)) return null;
  return {
    say: async (text) => {
      await sendToTelegramChat(env, chatId, text);
      await sendVoiceReplyToTelegramChat(env, chatId, text);
    },
    showScreenshot: async ({ taskId, name, caption }) => {
      const obj = await env.SCREENSHOTS.get(screenshotKey(taskId, name));
      if (!obj) return;
      await sendPhotoToTelegramChat(env, chatId, new Uint8Array(await obj.arrayBuffer()), caption ?? `task ${taskId}`);
    },
  };
}
