import { conversationChat } from "../channels/deliver.ts";
import { screenshotKey } from "../screenshot-keys.ts";
import type { Channel } from "./tools/tool.ts";

/**
 * Where a conversation's messages go besides its own transcript and live
 * feed: the chat of a chat channel's conversation (`telegram:<chatId>…`).
 * Null for dashboard chats and jobs, whose people read the live feed.
 */
export function externalChannel(env: Env, conversationId: string): Channel | null {
  const to = conversationChat(env, conversationId);
  if (!to) return null;
  return {
    say: (text) => to.channel.sendReply(to.chat, text),
    showScreenshot: async ({ taskId, name, caption }) => {
      const obj = await env.SCREENSHOTS.get(screenshotKey(taskId, name));
      if (!obj) return;
      await to.channel.sendFile(to.chat, { name, type: "image/png", bytes: new Uint8Array(await obj.arrayBuffer()), caption: caption ?? `task ${taskId}` });
    },
  };
}
