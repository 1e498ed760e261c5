import { useEffect, useState } from "react";
import type { TaskEvent, TaskFeedMessage } from "@deskfleet/protocol";
import { api } from "../api/client.ts";
import { call } from "../api/request.ts";
import { liveUrl, ReconnectingSocket } from "../live/reconnecting-socket.ts";
import { describeAction, screenshotName } from "../tasks/transcript.ts";
import { newerTask, type Task } from "../tasks/types.ts";

export type TaskPeek = { task: Task | null; lastAction: string | null; lastScreenshot: string | null };

/** The task a tile shows: its prompt, latest action and latest screenshot, kept live. */
export function useTaskPeek(taskId: string | null): TaskPeek {
  const [peek, setPeek] = useState<TaskPeek>({ task: null, lastAction: null, lastScreenshot: null });
  useEffect(() => {
    setPeek({ task: null, lastAction: null, lastScreenshot: null });
    if (!taskId) return;
    let lastSeq = 0;
    const show = (task: Task) => setPeek((p) => ({ ...p, task: newerTask(p.task, task) }));
    call(api.tasks[":id"].$get({ param: { id: taskId } }))
      .then(show)
      .catch(() => undefined);
    const apply = (e: TaskEvent) => {
      lastSeq = Math.max(lastSeq, e.seq);
      if (e.kind === "action") setPeek((p) => ({ ...p, lastAction: describeAction(e.data) }));
      if (e.kind === "screenshot") {
        const name = screenshotName(e.data.key);
        if (name) setPeek((p) => ({ ...p, lastScreenshot: name }));
      }
    };
    const socket = new ReconnectingSocket({
      url: () => liveUrl(`/api/tasks/${encodeURIComponent(taskId)}/live?after=${lastSeq}`),
      onState: () => undefined,
      onMessage: (data) => {
        const m = data as TaskFeedMessage;
        if (m.type !== "replayed" && m.task) show(m.task);
        if (m.type === "event") apply(m.event);
      },
    });
    return () => socket.close();
  }, [taskId]);
  return peek;
}
