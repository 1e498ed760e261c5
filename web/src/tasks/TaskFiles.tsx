import { useEffect, useState, type ChangeEvent } from "react";
import type { Task, TaskFile } from "@deskfleet/protocol";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { attachFiles, formatBytes } from "./task-files.ts";
import { taskFileUrl } from "./types.ts";

/** A task's attachments and artifacts, each downloadable; more attachments can be added while it is queued. */
export function TaskFiles({ task, refreshKey }: { task: Task; refreshKey: number }) {
  const [files, setFiles] = useState<TaskFile[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    call(api.tasks[":id"].files.$get({ param: { id: task.id } }))
      .then((r) => live && setFiles(r.items))
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [task.id, refreshKey]);

  const upload = async (e: ChangeEvent<HTMLInputElement>) => {
    const picked = [...(e.target.files ?? [])];
    e.target.value = "";
    if (picked.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      const stored = await attachFiles(task.id, picked);
      setFiles((f) => [...(f ?? []), ...stored]);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (files === null && !error) return null;
  const queued = task.status === "queued";
  if ((files ?? []).length === 0 && !queued && !error) return null;
  return (
    <section className="card" aria-label="Files">
      <h2>Files</h2>
      {(files ?? []).length > 0 && (
        <ul className="task-files">
          {(files ?? []).map((f) => (
            <li key={f.id}>
              <a href={taskFileUrl(task.id, f.id)} download={f.name}>
                {f.name}
              </a>
              <span className="muted">
                {f.kind === "artifact" ? "sent by the agent" : "attachment"}, {formatBytes(f.bytes)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {queued && (
        <label className="file-pick">
          Attach files (the agent finds them in its task folder)
          <input type="file" multiple disabled={busy} onChange={upload} />
        </label>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
