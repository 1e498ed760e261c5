import { useCallback, useEffect, useRef, useState } from "react";
import type { TaskEvent, TaskFeedMessage } from "@deskfleet/protocol";
import { healerRetryMeta } from "../approvals/entry-data.ts";
import { api } from "../api/client.ts";
import { call, errorMessage } from "../api/request.ts";
import { useCan } from "../auth/session.ts";
import { liveUrl, ReconnectingSocket, type ConnectionState } from "../live/reconnecting-socket.ts";
import { TaskConsoleView } from "./TaskConsoleView.tsx";
import { TaskFiles } from "./TaskFiles.tsx";
import { mergeEvents } from "./transcript.ts";
import { isFinished, newerTask, type Task } from "./types.ts";

/**
 * Follows a task's live feed: the task as TaskDO holds it, its events (replay,
 * then live; resumes after the last event on reconnect), and the task again
 * with every status change. The one GET at the start only shows a task (or
 * why it cannot be shown) before the socket is up; the newer copy wins.
 */
export function TaskConsole({ id }: { id: string }) {
  const [task, setTask] = useState<Task | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [events, setEvents] = useState<TaskEvent[]>([]);
  const [connection, setConnection] = useState<ConnectionState>({ kind: "connecting", attempt: 0 });
  const lastSeq = useRef(0);
  const canOperate = useCan("operator");
  // A healer's retry shows how it changed the prompt of the task it retries.
  const retryOf = task ? (healerRetryMeta(task.sourceMeta)?.retryOf ?? null) : null;
  const [retriedPrompt, setRetriedPrompt] = useState<string | null>(null);
  useEffect(() => {
    setRetriedPrompt(null);
    if (!retryOf) return;
    call(api.tasks[":id"].$get({ param: { id: retryOf } }))
      .then((t) => setRetriedPrompt(t.prompt))
      .catch(() => undefined);
  }, [retryOf]);

  const show = useCallback((next: Task) => setTask((current) => newerTask(current, next)), []);

  useEffect(() => {
    setTask(null);
    setEvents([]);
    lastSeq.current = 0;
    call(api.tasks[":id"].$get({ param: { id } }))
      .then(show)
      .catch((e: unknown) => setError(errorMessage(e)));
    const socket = new ReconnectingSocket({
      url: () => liveUrl(`/api/tasks/${encodeURIComponent(id)}/live?after=${lastSeq.current}`),
      onState: setConnection,
      onMessage: (data) => {
        const m = data as TaskFeedMessage;
        if (m.type === "replayed") return;
        if (m.task) show(m.task);
        if (m.type !== "event") return;
        lastSeq.current = Math.max(lastSeq.current, m.event.seq);
        setEvents((log) => mergeEvents(log, [m.event]));
      },
    });
    return () => socket.close();
  }, [id, show]);

  if (error && !task) return <p className="error" role="alert">{error}</p>;
  if (!task) return <p className="muted">Loading task…</p>;
  // A file sent by the agent shows up in the list as its event arrives.
  const transfers = events.filter((e) => e.kind === "file_transfer").length;
  return (
    <>
    <TaskConsoleView
      task={task}
      events={events}
      connection={isFinished(task.status) ? { kind: "open" } : connection}
      canOperate={canOperate}
      retriedPrompt={retriedPrompt}
      onCancel={async () => show(await call(api.tasks[":id"].cancel.$post({ param: { id }, json: {} })))}
      onSend={async (text) => {
        const r = await call(api.tasks[":id"].messages.$post({ param: { id }, json: { text } }));
        show(r.task);
      }}
    />
    <TaskFiles task={task} refreshKey={transfers} />
    </>
  );
}
