import type { TaskFile } from "@deskfleet/protocol";
import { RequestError } from "../api/request.ts";

// A task's files over the API: multipart uploads are not in the typed
// client (the route reads its own form), so they go through fetch here.

/** Attaches files to a queued task (one request, each in a `file` field). */
export async function attachFiles(taskId: string, files: readonly File[]): Promise<TaskFile[]> {
  const form = new FormData();
  for (const f of files) form.append("file", f, f.name);
  const url = new URL(`/api/tasks/${encodeURIComponent(taskId)}/files`, globalThis.location?.origin ?? "http://localhost");
  const res = await fetch(url, { method: "POST", body: form }).catch(() => null);
  if (!res) throw new RequestError(0, "network", "the control plane did not answer; check that it is running and your connection");
  const body = (await res.json().catch(() => null)) as { items?: TaskFile[]; error?: { code?: string; message?: string } } | null;
  if (!res.ok) throw new RequestError(res.status, body?.error?.code ?? "http_error", body?.error?.message ?? `the upload failed with HTTP ${res.status}`);
  return body?.items ?? [];
}

export const formatBytes = (bytes: number): string => (bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);
