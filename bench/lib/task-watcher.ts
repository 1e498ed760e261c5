import WebSocket from "ws";
import type { TaskEvent } from "@deskfleet/protocol";

/**
 * A dashboard's view of one task (`GET /api/tasks/:id/live`): replays, then
 * live events; after any drop (a deploy, a `wrangler dev` reload) it
 * reconnects with `?after=<last seq seen>`, as the dashboard does, so a
 * watcher that sees an event twice or misses one shows a real bug.
 */
export type TaskWatcher = {
  readonly taskId: string;
  /** Every event received, in arrival order (duplicates included, so a test can see them). */
  readonly events: TaskEvent[];
  /** Times the socket was opened again after a drop. */
  readonly reconnects: number;
  /** Resolves when a terminal status event arrives. */
  readonly finished: Promise<TaskEvent>;
  stop(): void;
};

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

export function watchTask(baseUrl: string, token: string, taskId: string, onEvent?: (e: TaskEvent, receivedAt: number) => void): TaskWatcher {
  const events: TaskEvent[] = [];
  let reconnects = 0;
  let stopped = false;
  let ws: WebSocket | null = null;
  let lastSeq = 0;
  let resolveFinished!: (e: TaskEvent) => void;
  const finished = new Promise<TaskEvent>((r) => (resolveFinished = r));
  let attempt = 0;

  const open = () => {
    if (stopped) return;
    const url = `${baseUrl.replace(/^http/, "ws")}/api/tasks/${taskId}/live?after=${lastSeq}`;
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    ws = socket;
    socket.on("open", () => (attempt = 0));
    socket.on("message", (data) => {
      const receivedAt = Date.now();
      const m = JSON.parse(data.toString()) as { type: string; event?: TaskEvent };
      if (m.type !== "event" || !m.event) return;
      events.push(m.event);
      lastSeq = Math.max(lastSeq, m.event.seq);
      onEvent?.(m.event, receivedAt);
      if (m.event.kind === "status" && TERMINAL.has(m.event.data.status)) resolveFinished(m.event);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      if (stopped || ws !== socket) return;
      reconnects++;
      // Jittered backoff, capped low: the control plane is local.
      const delay = Math.random() * Math.min(2000, 100 * 2 ** attempt++);
      setTimeout(open, delay);
    });
  };
  open();
  return {
    taskId,
    events,
    get reconnects() {
      return reconnects;
    },
    finished,
    stop: () => {
      stopped = true;
      ws?.close();
    },
  };
}
