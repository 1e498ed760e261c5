import { MAX_TASK_FILE_BYTES, type TaskFile, type TaskFileKind } from "@deskfleet/protocol";
import { insertTaskFile, toTaskFile } from "../../db/task-files.ts";
import { ApiError } from "../api-error.ts";
import { newId } from "../ids.ts";
import { taskFileKey } from "../screenshot-keys.ts";

// A task's files: the bytes in R2 (the screenshots' bucket, under the task's
// own `files/` prefix), a row in D1 that lists them on the task.

export type StoreFile = { taskId: string; kind: TaskFileKind; name: string; contentType: string; bytes: Uint8Array; by: string };

export async function storeTaskFile(env: Env, f: StoreFile): Promise<TaskFile> {
  if (f.bytes.length > MAX_TASK_FILE_BYTES) throw tooLarge();
  const now = Date.now();
  const id = newId("fil", now);
  const r2Key = taskFileKey(f.taskId, id);
  await env.SCREENSHOTS.put(r2Key, f.bytes, {
    httpMetadata: { contentType: f.contentType },
    customMetadata: { taskId: f.taskId, kind: f.kind, name: encodeURIComponent(f.name) },
  });
  const row = { id, taskId: f.taskId, kind: f.kind, name: f.name, contentType: f.contentType, bytes: f.bytes.length, r2Key, createdBy: f.by, createdAt: now };
  await insertTaskFile(env.DB, row);
  return toTaskFile(row);
}

export const tooLarge = (): ApiError => new ApiError(413, "file_too_large", `a task's file may have at most ${MAX_TASK_FILE_BYTES / 1024 / 1024} MiB`);

/** A content type as given, when it looks like one; else a neutral one (browsers must not sniff and run it). */
export function cleanContentType(raw: string | null | undefined): string {
  const t = (raw ?? "").split(";")[0]!.trim().toLowerCase();
  return /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(t) && t.length <= 100 ? t : "application/octet-stream";
}
