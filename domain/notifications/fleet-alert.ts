import { sendToTelegramChat, telegramChats } from "../telegram/outbound.ts";

/** A fleet-wide alert (budget, kill switch) to every allowed Telegram chat; nothing when Telegram is off. */
export async function sendFleetAlert(env: Env, title: string, body: string): Promise<void> {
  for (const chatId of telegramChats(env)) await sendToTelegramChat(env, chatId, `${title}\n${body}`);
}
