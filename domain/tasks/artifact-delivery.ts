import type { TaskFile } from "@deskfleet/protocol";
import type { TaskRow } from "../../db/tasks.ts";
import { sendDocumentToTelegramChat } from "../telegram/outbound.ts";

/** The Telegram chat that started a task: `/run` in it, or the supervisor asked in it. */
export function startingChat(task: Pick<TaskRow, "source" | "sourceMeta">): number | null {
  if (task.source === "telegram" && typeof task.sourceMeta?.["chatId"] === "number") return task.sourceMeta["chatId"];
  const conversation = task.sourceMeta?.["conversationId"];
  const m = task.source === "supervisor" && typeof conversation === "string" ? /^telegram:(-?\d{1,16})$/.exec(conversation) : null;
  return m ? Number(m[1]) : null;
}

/**
 * An artifact goes to the Telegram chat that started its task, as a
 * document; tasks from other channels keep it on the task only. Never
 * throws: delivery must not fail the host's upload.
 */
export async function deliverArtifact(env: Env, task: Pick<TaskRow, "id" | "source" | "sourceMeta">, file: TaskFile, bytes: Uint8Array): Promise<void> {
  const chatId = startingChat(task);
  if (chatId === null) return;
  try {
    await sendDocumentToTelegramChat(env, chatId, bytes, file.name, `${file.name} from task ${task.id}`);
  } catch (err) {
    console.error("telegram: could not send an artifact", task.id, file.id, err instanceof Error ? err.message : String(err));
  }
}
