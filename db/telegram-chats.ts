import { eq } from "drizzle-orm";
import { telegramConversationId } from "@deskfleet/protocol";
import { database } from "./client.ts";
import { telegramChats } from "./schema.ts";

/** The chat's current supervisor conversation: its first (`telegram:<chatId>`) until a `/reset`. */
export async function chatConversation(d1: D1Database, chatId: number): Promise<string> {
  const rows = await database(d1).select({ id: telegramChats.conversationId }).from(telegramChats).where(eq(telegramChats.chatId, chatId)).limit(1);
  return rows[0]?.id ?? telegramConversationId(chatId);
}

/** Moves the chat on to a new conversation (the old one stays as it was, in its own SupervisorDO). */
export async function moveChatConversation(d1: D1Database, chatId: number, by: string, at: number): Promise<string> {
  const conversationId = telegramConversationId(chatId, at);
  await database(d1)
    .insert(telegramChats)
    .values({ chatId, conversationId, resetBy: by, resetAt: at })
    .onConflictDoUpdate({ target: telegramChats.chatId, set: { conversationId, resetBy: by, resetAt: at } });
  return conversationId;
}
