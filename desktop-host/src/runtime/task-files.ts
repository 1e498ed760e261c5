import { TaskFile } from "@deskfleet/protocol";
import { z } from "zod";
import type { TaskFiles } from "../task-runner.ts";
import { UploadError, type UploadTarget } from "./screenshot-upload.ts";

// A task's files through the control plane's host routes
// (`/api/hosts/tasks/:id/files`): the host token proves the task is this
// desktop's. One attempt each: the tool that asked reports a failure to the
// model, which can try again, unlike a screenshot that must not be lost.

const FileList = z.object({ items: z.array(TaskFile) });

export function taskFilesClient(target: UploadTarget, taskId: string): TaskFiles {
  const base = `${target.server.replace(/\/+$/, "")}/api/hosts/tasks/${encodeURIComponent(taskId)}/files`;
  const doFetch = target.fetch ?? fetch;
  const auth = { authorization: `Bearer ${target.token}` };
  const refuse = async (res: Response, what: string): Promise<never> => {
    const text = await res.text();
    throw new UploadError(res.status, `the control plane refused to ${what} (${res.status}): ${errorMessage(text) ?? "no reason given"}`);
  };
  return {
    async list(signal) {
      const res = await doFetch(base, { headers: auth, signal });
      if (res.status !== 200) return refuse(res, "list the task's files");
      return FileList.parse(await res.json()).items;
    },
    async download(fileId, signal) {
      const res = await doFetch(`${base}/${encodeURIComponent(fileId)}`, { headers: auth, signal });
      if (res.status !== 200) return refuse(res, `send file ${fileId}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    async upload(name, bytes, contentType, signal) {
      const res = await doFetch(`${base}?name=${encodeURIComponent(name)}`, {
        method: "POST",
        headers: { ...auth, "content-type": contentType },
        body: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: contentType }),
        signal,
      });
      if (res.status !== 201) return refuse(res, `store ${name}`);
      return TaskFile.parse(await res.json());
    },
  };
}

function errorMessage(body: string): string | null {
  try {
    const m = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    return typeof m === "string" ? m : null;
  } catch {
    return body ? body.slice(0, 200) : null;
  }
}
