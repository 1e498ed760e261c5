import { and, eq } from "drizzle-orm";
import { database } from "./client.ts";
import { telegramHelpMessages, telegramProposalMessages, telegramRefusals, telegramTaskMessages, telegramUserRefusals } from "./schema.ts";

export type TelegramHelpMessageRow = typeof telegramHelpMessages.$inferSelect;
export type TelegramProposalMessageRow = typeof telegramProposalMessages.$inferSelect;

/**
 * Records that a chat was refused; true only for the first time, so concurrent updates
 * from the same chat still produce one refusal (the primary key decides).
 */
export async function recordRefusal(d1: D1Database, chatId: number, at: number): Promise<boolean> {
  const rows = await database(d1).insert(telegramRefusals).values({ chatId, refusedAt: at }).onConflictDoNothing().returning({ chatId: telegramRefusals.chatId });
  return rows.length > 0;
}

/** Records that a user was refused; true only for the first time. */
export async function recordUserRefusal(d1: D1Database, userId: number, at: number): Promise<boolean> {
  const rows = await database(d1).insert(telegramUserRefusals).values({ userId, refusedAt: at }).onConflictDoNothing().returning({ userId: telegramUserRefusals.userId });
  return rows.length > 0;
}

export async function addHelpMessage(d1: D1Database, row: Omit<TelegramHelpMessageRow, "id">): Promise<TelegramHelpMessageRow> {
  const rows = await database(d1).insert(telegramHelpMessages).values(row).returning();
  return rows[0]!;
}

export async function getHelpMessage(d1: D1Database, id: number): Promise<TelegramHelpMessageRow | null> {
  const rows = await database(d1).select().from(telegramHelpMessages).where(eq(telegramHelpMessages.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function findHelpMessage(d1: D1Database, chatId: number, messageId: number): Promise<TelegramHelpMessageRow | null> {
  const rows = await database(d1).select().from(telegramHelpMessages)
    .where(and(eq(telegramHelpMessages.chatId, chatId), eq(telegramHelpMessages.messageId, messageId))).limit(1);
  return rows[0] ?? null;
}

export async function helpMessagesOf(d1: D1Database, requestId: string): Promise<TelegramHelpMessageRow[]> {
  return database(d1).select().from(telegramHelpMessages).where(eq(telegramHelpMessages.requestId, requestId));
}

export async function forgetRefusal(d1: D1Database, chatId: number): Promise<void> {
  await database(d1).delete(telegramRefusals).where(eq(telegramRefusals.chatId, chatId));
}

export async function setHelpMessageId(d1: D1Database, id: number, messageId: number): Promise<void> {
  await database(d1).update(telegramHelpMessages).set({ messageId }).where(eq(telegramHelpMessages.id, id));
}

export async function deleteHelpMessage(d1: D1Database, id: number): Promise<void> {
  await database(d1).delete(telegramHelpMessages).where(eq(telegramHelpMessages.id, id));
}

/** Records a message the bot posted about a task (its queued note, its result), so a reply to it reaches the task. */
export async function addTaskMessage(d1: D1Database, row: { chatId: number; messageId: number; taskId: string; createdAt: number }): Promise<void> {
  await database(d1).insert(telegramTaskMessages).values(row).onConflictDoNothing();
}

export async function findTaskMessage(d1: D1Database, chatId: number, messageId: number): Promise<string | null> {
  const rows = await database(d1)
    .select({ taskId: telegramTaskMessages.taskId })
    .from(telegramTaskMessages)
    .where(and(eq(telegramTaskMessages.chatId, chatId), eq(telegramTaskMessages.messageId, messageId)))
    .limit(1);
  return rows[0]?.taskId ?? null;
}

export async function addProposalMessage(d1: D1Database, row: Omit<TelegramProposalMessageRow, "id">): Promise<TelegramProposalMessageRow> {
  const rows = await database(d1).insert(telegramProposalMessages).values(row).returning();
  return rows[0]!;
}

export async function getProposalMessage(d1: D1Database, id: number): Promise<TelegramProposalMessageRow | null> {
  const rows = await database(d1).select().from(telegramProposalMessages).where(eq(telegramProposalMessages.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function proposalMessagesOf(d1: D1Database, proposalId: string): Promise<TelegramProposalMessageRow[]> {
  return database(d1).select().from(telegramProposalMessages).where(eq(telegramProposalMessages.proposalId, proposalId));
}

export async function setProposalMessageId(d1: D1Database, id: number, messageId: number): Promise<void> {
  await database(d1).update(telegramProposalMessages).set({ messageId }).where(eq(telegramProposalMessages.id, id));
}

export async function deleteProposalMessage(d1: D1Database, id: number): Promise<void> {
  await database(d1).delete(telegramProposalMessages).where(eq(telegramProposalMessages.id, id));
}
