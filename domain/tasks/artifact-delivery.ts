import type { TaskFile } from "@deskfleet/protocol";
import type { TaskRow } from "../../db/tasks.ts";
import { sendTaskFile } from "../channels/deliver.ts";

/**
 * An artifact goes to the chat that started its task (Telegram: as a document, an image as a
 * photo); tasks from other channels keep it on the task only. Never throws: delivery must not
 * fail the host's upload.
 */
export function deliverArtifact(env: Env, task: Pick<TaskRow, "id" | "source" | "sourceMeta">, file: TaskFile, bytes: Uint8Array): Promise<void> {
  return sendTaskFile(env, task, { name: file.name, type: file.contentType, bytes, caption: `${file.name} from task ${task.id}` });
}
