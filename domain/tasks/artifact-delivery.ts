import type { TaskFile } from "@deskfleet/protocol";
import type { TaskRow } from "../../db/tasks.ts";
import { sendDocumentToTelegramChat } from "../telegram/outbound.ts";

/**
 * An artifact goes to the Telegram chat that started its task (its
 * `sourceMeta.chatId`), as a document; tasks from other channels keep it on
 * the task only. Never throws: delivery must not fail the host's upload.
 */
export async function deliverArtifact(env: Env, task: Pick<TaskRow, "id" | "source" | "sourceMeta">, file: TaskFile, bytes: Uint8Array): Promise<void> {
  const chatId = task.source === "telegram" ? task.sourceMeta?.["chatId"] : undefined;
  if (typeof chatId !== "number") return;
  try {
    await sendDocumentToTelegramChat(env, chatId, bytes, file.name, `${file.name} from task ${task.id}`);
  } catch (err) {
    console.error("telegram: could not send an artifact", task.id, file.id, err instanceof Error ? err.message : String(err));
  }
}
