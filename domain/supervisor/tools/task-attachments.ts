import { MAX_TASK_ATTACHMENTS } from "@deskfleet/protocol";
import { ApiError, unwrap } from "../../api-error.ts";
import { taskObject } from "../../addresses.ts";
import { conversationFileKey } from "../../screenshot-keys.ts";
import { storeTaskFile } from "../../tasks/task-files.ts";

export type ConversationFile = { id: string; name: string; contentType: string; bytes: Uint8Array };

/**
 * The files people sent in this conversation that the supervisor named (`att_…`), read from R2.
 * Checked before the task exists, so a wrong id creates nothing; the ids say which were not found.
 */
export async function conversationFiles(env: Env, conversationId: string, ids: string[]): Promise<ConversationFile[]> {
  if (ids.length > MAX_TASK_ATTACHMENTS) throw new ApiError(422, "too_many_attachments", `a task takes at most ${MAX_TASK_ATTACHMENTS} attachments`);
  const files: ConversationFile[] = [];
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    const obj = await env.SCREENSHOTS.get(conversationFileKey(conversationId, id));
    if (!obj) {
      missing.push(id);
      continue;
    }
    files.push({ id, name: decodeURIComponent(obj.customMetadata?.["name"] ?? id), contentType: obj.httpMetadata?.contentType ?? "application/octet-stream", bytes: new Uint8Array(await obj.arrayBuffer()) });
  }
  if (missing.length > 0) {
    throw new ApiError(422, "unknown_attachment", `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not a file sent in this conversation; use the att_… ids shown with the person's files`);
  }
  return files;
}

/** Gives a task created with `attachments: files.length` its files; the last one hands it to the fleet (TaskDO.fileAttached). */
export async function attachToTask(env: Env, taskId: string, files: ConversationFile[], by: string): Promise<void> {
  for (const f of files) {
    const stored = await storeTaskFile(env, { taskId, kind: "attachment", name: f.name, contentType: f.contentType, bytes: f.bytes, by });
    unwrap(await taskObject(env, taskId).fileAttached({ id: stored.id, name: stored.name, bytes: stored.bytes }, by));
  }
}
